package api

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/source"
	"github.com/attache-project/attache/internal/valid"
)

func TestAlertFilterOf(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456000, time.UTC)
	cases := []struct {
		query string
		field string // "" when valid
		want  signal.AlertFilter
	}{
		{"", "", signal.AlertFilter{Limit: signal.DefaultAlertLimit}},
		{"kind=spike&open=true&topic=7&limit=500", "", signal.AlertFilter{Kind: "spike", Unacknowledged: true, TopicID: 7, Limit: 500}},
		{"kind=coordination&open=false&limit=1", "", signal.AlertFilter{Kind: "coordination", Limit: 1}},
		{"before=2026-11-26T09:00:00.123456Z&before_id=9", "", signal.AlertFilter{Limit: 50, Before: &signal.Cursor{At: at, ID: 9}}},
		{"before=2026-11-26T10:00:00.123456%2B01:00&before_id=9", "", signal.AlertFilter{Limit: 50, Before: &signal.Cursor{At: at, ID: 9}}},
		{"kind=Spike", "kind", signal.AlertFilter{}},
		{"open=yes", "open", signal.AlertFilter{}},
		{"topic=0", "topic", signal.AlertFilter{}},
		{"limit=501", "limit", signal.AlertFilter{}},
		{"limit=-1", "limit", signal.AlertFilter{}},
		{"limit=ten", "limit", signal.AlertFilter{}},
		{"before=2026-11-26T09:00:00Z", "before_id", signal.AlertFilter{}},
		{"before_id=3", "before", signal.AlertFilter{}},
		{"before=2026-11-26&before_id=3", "before", signal.AlertFilter{}},
		{"before=2026-11-26T09:00:00Z&before_id=0", "before_id", signal.AlertFilter{}},
	}
	for _, c := range cases {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		f, field, reason := alertFilterOf(q)
		if field != c.field {
			t.Errorf("%q: field %q (%s), want %q", c.query, field, reason, c.field)
			continue
		}
		if field != "" {
			if reason == "" {
				t.Errorf("%q: no reason", c.query)
			}
			continue
		}
		same := f.Kind == c.want.Kind && f.Unacknowledged == c.want.Unacknowledged && f.TopicID == c.want.TopicID && f.Limit == c.want.Limit &&
			(f.Before == nil) == (c.want.Before == nil) && (f.Before == nil || f.Before.At.Equal(c.want.Before.At) && f.Before.ID == c.want.Before.ID)
		if !same {
			t.Errorf("%q: %+v, want %+v", c.query, f, c.want)
		}
	}
}

func TestStatsPeriod(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 41, 0, 0, time.UTC)
	end := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		from, to string
		field    string
		wantFrom time.Time
		wantTo   time.Time
	}{
		{"", "", "", end.Add(-7 * 24 * time.Hour), end},
		{"", "2026-11-02T00:00:00+02:00", "", time.Date(2026, 10, 25, 22, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 22, 0, 0, 0, time.UTC)},
		{"2026-11-20T00:00:00Z", "", "", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), end},
		{"2026-01-01T00:00:00Z", "2026-04-04T00:00:00Z", "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC)},
		{"2026-01-01T00:00:00Z", "2026-04-04T00:00:01Z", "from", time.Time{}, time.Time{}},
		{"2026-08-01T00:00:00Z", "", "from", time.Time{}, time.Time{}},
		{"2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z", "from", time.Time{}, time.Time{}},
		{"2026-11-03T00:00:00Z", "2026-11-02T00:00:00Z", "from", time.Time{}, time.Time{}},
		{"yesterday", "", "from", time.Time{}, time.Time{}},
		{"", "2026-11-02", "to", time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		from, to, field, _ := statsPeriod(c.from, c.to, now)
		if field != c.field {
			t.Errorf("%q–%q: field %q, want %q", c.from, c.to, field, c.field)
			continue
		}
		if field == "" && (!from.Equal(c.wantFrom) || !to.Equal(c.wantTo) || from.Location() != time.UTC) {
			t.Errorf("%q–%q: %v–%v, want %v–%v", c.from, c.to, from, to, c.wantFrom, c.wantTo)
		}
	}
}

func TestSourceInApply(t *testing.T) {
	cur := source.Source{Kind: source.KindMastodon, Name: "Grain", Config: json.RawMessage(`{"instance":"https://m.example","hashtag":"grain"}`),
		Interval: 20 * time.Minute, Enabled: true}
	cases := []struct {
		body   string
		field  string // of the error, "" for none
		config string
		name   string
		iv     time.Duration
		on     bool
	}{
		{`{}`, "", `{"instance":"https://m.example","hashtag":"grain"}`, "Grain", 20 * time.Minute, true},
		{`{"config":{"hashtag":null,"timeline":"local"}}`, "", `{"instance":"https://m.example","timeline":"local"}`, "Grain", 20 * time.Minute, true},
		{`{"name":"","enabled":false,"interval_seconds":0}`, "", `{"instance":"https://m.example","hashtag":"grain"}`, "", 0, false},
		{`{"config":{}}`, "", `{"hashtag":"grain","instance":"https://m.example"}`, "Grain", 20 * time.Minute, true},
		{`{"config":null}`, "config", "", "", 0, false},
		{`{"config":"https://m.example"}`, "config", "", "", 0, false},
		{`{"config":[1]}`, "config", "", "", 0, false},
		{`{"interval_seconds":-1}`, "interval_seconds", "", "", 0, false},
		{`{"interval_seconds":2147483648}`, "interval_seconds", "", "", 0, false},
	}
	for _, c := range cases {
		var in sourceIn
		if err := json.Unmarshal([]byte(c.body), &in); err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		s := cur
		err := in.apply(&s)
		var fe *valid.FieldError
		switch {
		case c.field != "":
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("%s: %v, want an error on %s", c.body, err, c.field)
			}
		case err != nil:
			t.Errorf("%s: %v", c.body, err)
		case string(s.Config) != c.config || s.Name != c.name || s.Interval != c.iv || s.Enabled != c.on:
			t.Errorf("%s: %s %q %v %v", c.body, s.Config, s.Name, s.Interval, s.Enabled)
		}
	}
}

// FuzzListeningParams feeds the alert list's query, a dashboard's period
// and a source's body to their parsers: none panics, and what they accept
// is within bounds.
func FuzzListeningParams(f *testing.F) {
	f.Add("kind=spike&open=1&limit=20&before=2026-11-26T09:00:00Z&before_id=4", "2026-11-01T00:00:00Z", "", `{"config":{"url":"https://x.example/a"}}`)
	f.Add("before=9999-12-31T23:59:59.999999999Z&before_id=9223372036854775807", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", `{"config":{"hashtag":null},"interval_seconds":300}`)
	f.Add("topic=-1&limit=0", "", "2026-11-01T00:00:00-23:59", `{"config":[]}`)
	f.Add("open=maybe&kind=", "x", "y", `{"name":"\u0000","enabled":null,"config":{"a":{"b":null}}}`)
	now := time.Date(2026, 11, 26, 9, 41, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, query, from, to, body string) {
		q, err := url.ParseQuery(query)
		if err == nil {
			af, field, reason := alertFilterOf(q)
			switch {
			case field != "" && reason == "":
				t.Errorf("%q: %s refused without a reason", query, field)
			case field == "" && (af.Limit < 1 || af.Limit > signal.MaxAlertLimit || (af.Before != nil && af.Before.ID < 1) ||
				(af.Kind != "" && af.Kind != signal.KindSpike && af.Kind != signal.KindCoordination)):
				t.Errorf("%q: accepted %+v", query, af)
			}
		}
		fromT, toT, field, _ := statsPeriod(from, to, now)
		if field == "" && (!fromT.Before(toT) || toT.Sub(fromT) > maxStatsPeriod) {
			t.Errorf("%q–%q: accepted %v–%v", from, to, fromT, toT)
		}
		var in sourceIn
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		s := source.Source{Kind: source.KindRSS, Config: json.RawMessage(`{"url":"https://x.example/feed"}`)}
		if err := in.apply(&s); err == nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(s.Config, &m) != nil || s.Interval < 0 {
				t.Errorf("%s: config %s, interval %v", body, s.Config, s.Interval)
			}
			if in.Config != nil && strings.Contains(string(in.Config), `"url":null`) && m["url"] != nil {
				t.Errorf("%s: url set to null stays: %s", body, s.Config)
			}
		}
	})
}
