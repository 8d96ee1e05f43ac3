package source

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/valid"
)

func fieldOf(t *testing.T, err error) *valid.FieldError {
	t.Helper()
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *valid.FieldError", err, err)
	}
	if fe.Reason == "" {
		t.Fatalf("no reason in %v", fe)
	}
	return fe
}

func TestValidateConfigs(t *testing.T) {
	cases := []struct {
		name   string
		kind   Kind
		config string
		field  string // "" when valid
		want   string // the canonical config when valid
	}{
		{"rss", KindRSS, `{"url":" https://WWW.Example.org/rss.xml#top "}`, "", `{"url":"https://www.example.org/rss.xml"}`},
		{"rss http", KindRSS, `{"url":"http://example.org/feed"}`, "", `{"url":"http://example.org/feed"}`},
		{"rss missing", KindRSS, `{}`, "config/url", ""},
		{"rss ftp", KindRSS, `{"url":"ftp://example.org/feed"}`, "config/url", ""},
		{"rss relative", KindRSS, `{"url":"/feed.xml"}`, "config/url", ""},
		{"rss space", KindRSS, `{"url":"https://example.org/a feed"}`, "config/url", ""},
		{"rss unknown key", KindRSS, `{"url":"https://example.org/rss","every":5}`, "config", ""},
		{"rss not an object", KindRSS, `["https://example.org/rss"]`, "config", ""},
		{"mastodon tag", KindMastodon, `{"instance":"mastodon.social/","hashtag":"#Україна"}`, "",
			`{"instance":"https://mastodon.social","hashtag":"Україна"}`},
		{"mastodon local", KindMastodon, `{"instance":"https://Mastodon.Social","timeline":"Local"}`, "",
			`{"instance":"https://mastodon.social","timeline":"local"}`},
		{"mastodon http", KindMastodon, `{"instance":"http://mastodon.social","hashtag":"x"}`, "config/instance", ""},
		{"mastodon path", KindMastodon, `{"instance":"https://mastodon.social/@someone","hashtag":"x"}`, "config/instance", ""},
		{"mastodon both", KindMastodon, `{"instance":"https://mastodon.social","hashtag":"x","timeline":"public"}`, "config/timeline", ""},
		{"mastodon neither", KindMastodon, `{"instance":"https://mastodon.social"}`, "config/hashtag", ""},
		{"mastodon bad timeline", KindMastodon, `{"instance":"https://mastodon.social","timeline":"home"}`, "config/timeline", ""},
		{"mastodon digits", KindMastodon, `{"instance":"https://mastodon.social","hashtag":"2026"}`, "config/hashtag", ""},
		{"mastodon punctuation", KindMastodon, `{"instance":"https://mastodon.social","hashtag":"a-b"}`, "config/hashtag", ""},
		{"bluesky defaults", KindBluesky, `{}`, "", `{"jetstream":"` + DefaultJetstream + `","collections":["app.bsky.feed.post"]}`},
		{"bluesky own", KindBluesky, `{"jetstream":"ws://jetstream.internal:6008/subscribe","collections":["app.bsky.feed.post","app.bsky.feed.post","com.example.*"]}`, "",
			`{"jetstream":"ws://jetstream.internal:6008/subscribe","collections":["app.bsky.feed.post","com.example.*"]}`},
		{"bluesky https", KindBluesky, `{"jetstream":"https://jetstream2.us-east.bsky.network/subscribe"}`, "config/jetstream", ""},
		{"bluesky query", KindBluesky, `{"jetstream":"wss://j.example/subscribe?compress=true"}`, "config/jetstream", ""},
		{"bluesky bad nsid", KindBluesky, `{"collections":["app.bsky.feed.post","posts"]}`, "config/collections/1", ""},
		{"telegram", KindTelegram, `{"account_id":7}`, "", `{"account_id":7}`},
		{"telegram none", KindTelegram, `{}`, "config/account_id", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Source{OrgID: 1, Kind: c.kind, Name: "x", Config: json.RawMessage(c.config)}
			err := s.Validate()
			if c.field != "" {
				if fe := fieldOf(t, err); fe.Field != c.field {
					t.Fatalf("field %q (%s), want %q", fe.Field, fe.Reason, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(s.Config) != c.want {
				t.Fatalf("config %s, want %s", s.Config, c.want)
			}
			// Validating the canonical form changes nothing.
			again := s
			if err := again.Validate(); err != nil || string(again.Config) != c.want {
				t.Fatalf("not idempotent: %s %v", again.Config, err)
			}
		})
	}
}

func TestValidateSource(t *testing.T) {
	rss := json.RawMessage(`{"url":"https://www.rferl.org/api/feed.xml"}`)
	for _, c := range []struct {
		name  string
		s     Source
		field string
	}{
		{"no org", Source{Kind: KindRSS, Config: rss}, "org_id"},
		{"no kind", Source{OrgID: 1, Config: rss}, "kind"},
		{"bad kind", Source{OrgID: 1, Kind: "x", Config: rss}, "kind"},
		{"control", Source{OrgID: 1, Kind: KindRSS, Name: "a\x00b", Config: rss}, "name"},
		{"long name", Source{OrgID: 1, Kind: KindRSS, Name: strings.Repeat("я", MaxName+1), Config: rss}, "name"},
		{"account on rss", Source{OrgID: 1, Kind: KindRSS, Config: rss, AccountID: 3}, "account_id"},
		{"other account", Source{OrgID: 1, Kind: KindTelegram, Config: json.RawMessage(`{"account_id":3}`), AccountID: 4}, "account_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if fe := fieldOf(t, c.s.Validate()); fe.Field != c.field {
				t.Fatalf("field %q (%s), want %q", fe.Field, fe.Reason, c.field)
			}
		})
	}

	// Defaults: a name after the feed's host, the default interval.
	s := Source{OrgID: 1, Kind: " RSS ", Config: rss}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Kind != KindRSS || s.Name != "rferl.org" || s.Interval != DefaultInterval || string(s.State) != "{}" || len(s.Adjusted) != 1 {
		t.Fatalf("%+v", s)
	}
	m := Source{OrgID: 1, Kind: KindMastodon, Config: json.RawMessage(`{"instance":"mastodon.social","hashtag":"Vučić"}`)}
	if err := m.Validate(); err != nil || m.Name != "#Vučić on mastodon.social" {
		t.Fatalf("%q %v", m.Name, err)
	}
	tg := Source{OrgID: 1, Kind: KindTelegram, Config: json.RawMessage(`{"account_id":3}`)}
	if err := tg.Validate(); err != nil || tg.AccountID != 3 || tg.Name != "" || tg.Interval != 0 {
		t.Fatalf("%+v %v", tg, err)
	}
}

func TestIntervals(t *testing.T) {
	for _, c := range []struct {
		kind     Kind
		in, want time.Duration
		adjusted bool
	}{
		{KindRSS, 0, DefaultInterval, false},
		{KindRSS, time.Minute, MinInterval, true},
		{KindMastodon, 4*time.Minute + 59*time.Second, MinInterval, true},
		{KindRSS, MinInterval, MinInterval, false},
		{KindRSS, time.Hour + 1500*time.Millisecond, time.Hour + time.Second, false},
		{KindMastodon, 48 * time.Hour, MaxInterval, true},
		{KindBluesky, time.Hour, 0, true},
		{KindBluesky, 0, 0, false},
	} {
		cfg := `{"url":"https://example.org/rss"}`
		if c.kind == KindMastodon {
			cfg = `{"instance":"https://mastodon.social","hashtag":"news"}`
		}
		if c.kind == KindBluesky {
			cfg = `{}`
		}
		s := Source{OrgID: 1, Kind: c.kind, Name: "n", Config: json.RawMessage(cfg), Interval: c.in}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if s.Interval != c.want || (len(s.Adjusted) > 0) != c.adjusted {
			t.Errorf("%s %s: got %s, adjusted %q", c.kind, c.in, s.Interval, s.Adjusted)
		}
	}
	s := Source{OrgID: 1, Kind: KindRSS, Name: "n", Config: json.RawMessage(`{"url":"https://example.org/rss"}`), Interval: time.Minute}
	_ = s.Validate()
	if !strings.Contains(s.Adjusted[0], "5m0s") {
		t.Errorf("the note does not say the minimum: %q", s.Adjusted)
	}
}

func TestBackoff(t *testing.T) {
	i := 15 * time.Minute
	for f, want := range []time.Duration{i, i, 2 * i, 4 * i, 8 * i, 16 * i, MaxBackoff, MaxBackoff} {
		if got := Backoff(i, f); got != want {
			t.Errorf("Backoff(%s, %d) = %s, want %s", i, f, got, want)
		}
	}
	if got := Backoff(i, 1000); got != MaxBackoff {
		t.Errorf("no cap: %s", got)
	}
	if got := Backoff(24*time.Hour, 3); got != 24*time.Hour {
		t.Errorf("longer interval than the cap: %s", got)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if got := NextRun(i, 0, 0, now); !got.Equal(now.Add(i)) {
		t.Errorf("ok: %s", got)
	}
	if got := NextRun(i, 1, time.Hour, now); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("Retry-After: %s", got)
	}
	if got := NextRun(i, 3, time.Minute, now); !got.Equal(now.Add(4 * i)) {
		t.Errorf("Retry-After shorter than the back-off: %s", got)
	}
	if got := NextRun(i, 1, 30*24*time.Hour, now); !got.Equal(now.Add(MaxRetryAfter)) {
		t.Errorf("Retry-After not capped: %s", got)
	}
}

func TestCheckEndpoint(t *testing.T) {
	for cfg, field := range map[string]string{
		`{"url":"http://127.0.0.1:8080/rss"}`: "config/url",
	} {
		s := Source{OrgID: 1, Kind: KindRSS, Name: "n", Config: json.RawMessage(cfg)}
		if fe := fieldOf(t, s.CheckEndpoint(false)); fe.Field != field {
			t.Errorf("%s: %v", cfg, fe)
		}
		if err := s.CheckEndpoint(true); err != nil {
			t.Errorf("allowed private: %v", err)
		}
	}
	b := Source{OrgID: 1, Kind: KindBluesky, Config: json.RawMessage(`{"jetstream":"ws://169.254.169.254/subscribe"}`)}
	if fe := fieldOf(t, b.CheckEndpoint(false)); fe.Field != "config/jetstream" || !strings.Contains(fe.Reason, "metadata") {
		t.Errorf("%v", fe)
	}
	m := Source{OrgID: 1, Kind: KindMastodon, Config: json.RawMessage(`{"instance":"https://10.0.0.8","timeline":"public"}`)}
	if fe := fieldOf(t, m.CheckEndpoint(false)); fe.Field != "config/instance" {
		t.Errorf("%v", fe)
	}
}
