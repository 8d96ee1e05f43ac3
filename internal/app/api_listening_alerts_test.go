package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/testutil"
)

// apiCaller requests the API and checks the status and that the answer
// (and an accepted body) matches the OpenAPI document.
type apiCaller struct {
	f *Fixture
	o *openAPI
}

func (c apiCaller) call(t *testing.T, name, method, pattern, path, token, body string, want int) Response {
	t.Helper()
	resp := c.f.Do(t, method, path, token, body)
	wantStatus(t, name, resp, want)
	c.o.validate(t, name, method, pattern, resp)
	if body != "" && resp.Status < 300 {
		c.o.validateRequest(t, name, method, pattern, body)
	}
	return resp
}

// invalidNames checks that a 422 names the parameter or field (as a JSON
// Pointer).
func invalidNames(t *testing.T, name string, resp Response, field string) {
	t.Helper()
	if resp.Status == 422 && !strings.Contains(resp.Body, `"pointer":"/`+field+`"`) {
		t.Errorf("%s: the 422 does not name %s: %s", name, field, resp.Body)
	}
}

type alertJSON struct {
	ID             int64           `json:"id"`
	Kind           string          `json:"kind"`
	TopicID        int64           `json:"topic_id"`
	Detail         json.RawMessage `json:"detail"`
	CreatedAt      time.Time       `json:"created_at"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at"`
	AcknowledgedBy int64           `json:"acknowledged_by"`
}

type alertListJSON struct {
	Alerts []alertJSON `json:"alerts"`
	Next   string      `json:"next"`
}

func decodeJSON[T any](t *testing.T, r Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decode %.300s: %v", r.Body, err)
	}
	return v
}

// Alerts and topic dashboards through the API, from texts handed in
// through the API and the real detector: a spike of the topic and a
// cluster of six authors posting the same claim. The list pages with its
// cursor and refuses bad parameters by name; an analyst acknowledges once
// (again keeps the first); an editor reads but cannot; another
// organisation sees none of it. Every answer matches the document.
func TestAPIListeningAlerts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		f := NewFixture(t, e)
		c := apiCaller{f, loadOpenAPI(t, f.TestApp)}
		analyst, editor, admin := f.Members[authz.Analyst], f.Members[authz.Editor], f.Members[authz.Admin]
		base := "/api/v1/orgs/" + f.A.Slug
		const (
			alerts = "/api/v1/orgs/{org}/alerts"
			alert  = "/api/v1/orgs/{org}/alerts/{id}"
			ack    = "/api/v1/orgs/{org}/alerts/{id}/acknowledge"
			stats  = "/api/v1/orgs/{org}/topics/{id}/stats"
		)
		r := c.call(t, "topic", "POST", "/api/v1/orgs/{org}/topics", base+"/topics", analyst.Token, `{"name":"Elections","query":"izbori OR elections"}`, 201)
		topicID := decodeJSON[struct{ ID int64 }](t, r).ID

		// All within the last complete hour: six accounts post the same
		// claim within minutes, and fourteen other texts name the topic.
		hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
		var ms []string
		for i := range 6 {
			ms = append(ms, fmt.Sprintf(`{"id":"c%d","source":"x","author":"acct%d","lang":"sr","published_at":%q,
				"text":"Izbori su pokradeni, opozicija ima dokaze o masovnoj kradji glasova u svim opstinama! #%d"}`,
				i, i, hour.Add(time.Duration(10+i)*time.Minute).Format(time.RFC3339), i))
		}
		for i := range 14 {
			ms = append(ms, fmt.Sprintf(`{"id":"s%d","source":"rss","author":"outlet%d","lang":"en","published_at":%q,"text":"Elections report number %d from district %d"}`,
				i, i%3, hour.Add(time.Duration(20+i)*time.Minute).Format(time.RFC3339), i, i*7))
		}
		r = c.call(t, "hand in", "POST", "/api/v1/orgs/{org}/mentions", base+"/mentions", analyst.Token, `{"mentions":[`+strings.Join(ms, ",")+`]}`, 200)
		if !strings.Contains(r.Body, `"inserted":20`) {
			t.Fatalf("hand in: %s", r.Body)
		}
		det := &signal.Detector{DB: f.DB, Now: func() time.Time { return hour.Add(50 * time.Minute) }}
		if n, err := det.RunOrg(ctx, f.A.ID); err != nil || n != 2 {
			t.Fatalf("the detector raised %d (%v), want a spike and a cluster", n, err)
		}

		// The list, and its pages: both alerts were raised by one run, at
		// the same time, so the cursor's id decides.
		all := decodeJSON[alertListJSON](t, c.call(t, "list", "GET", alerts, base+"/alerts", editor.Token, "", 200))
		if len(all.Alerts) != 2 || all.Next != "" {
			t.Fatalf("list: %+v", all)
		}
		byKind := map[string]alertJSON{}
		for _, a := range all.Alerts {
			byKind[a.Kind] = a
		}
		spike, coord := byKind[signal.KindSpike], byKind[signal.KindCoordination]
		if spike.TopicID != topicID || coord.ID == 0 {
			t.Fatalf("the alerts: %+v", all.Alerts)
		}
		var seen []int64
		next := base + "/alerts?limit=1"
		for page := 0; next != ""; page++ {
			if page > 3 {
				t.Fatalf("paging does not end: %s", next)
			}
			p := decodeJSON[alertListJSON](t, c.call(t, "page", "GET", alerts, next, editor.Token, "", 200))
			for _, a := range p.Alerts {
				seen = append(seen, a.ID)
			}
			if p.Next != "" && !strings.Contains(p.Next, "before_id=") {
				t.Errorf("next: %s", p.Next)
			}
			next = p.Next
		}
		if len(seen) != 2 || seen[0] != all.Alerts[0].ID || seen[1] != all.Alerts[1].ID {
			t.Errorf("pages gave %v, the list %d, %d", seen, all.Alerts[0].ID, all.Alerts[1].ID)
		}
		r = c.call(t, "spikes only", "GET", alerts, base+"/alerts?kind=spike&topic="+itoa(topicID), editor.Token, "", 200)
		if l := decodeJSON[alertListJSON](t, r); len(l.Alerts) != 1 || l.Alerts[0].ID != spike.ID {
			t.Errorf("spikes only: %s", r.Body)
		}
		for _, bad := range []struct{ query, field string }{
			{"kind=rumour", "kind"}, {"open=maybe", "open"}, {"limit=0", "limit"}, {"limit=501", "limit"}, {"topic=x", "topic"},
			{"before_id=3", "before"}, {"before=2026-11-26T09:00:00Z", "before_id"},
			{"before=yesterday&before_id=3", "before"}, {"before=2026-11-26T09:00:00Z&before_id=-1", "before_id"},
		} {
			r := c.call(t, bad.query, "GET", alerts, base+"/alerts?"+bad.query, editor.Token, "", 422)
			invalidNames(t, bad.query, r, bad.field)
		}

		// One alert with its kind's detail.
		r = c.call(t, "the spike", "GET", alert, fmt.Sprintf("%s/alerts/%d", base, spike.ID), editor.Token, "", 200)
		d := decodeJSON[struct{ Detail signal.SpikeDetail }](t, r).Detail
		if d.Count != 20 || d.Threshold < 10 || len(d.Series) == 0 {
			t.Errorf("spike detail: %s", r.Body)
		}
		r = c.call(t, "the cluster", "GET", alert, fmt.Sprintf("%s/alerts/%d", base, coord.ID), editor.Token, "", 200)
		if cd := decodeJSON[struct{ Detail signal.CoordDetail }](t, r).Detail; cd.AuthorCount != 6 || len(cd.Mentions) != 6 {
			t.Errorf("cluster detail: %s", r.Body)
		}
		c.call(t, "no such alert", "GET", alert, base+"/alerts/987654", editor.Token, "", 404)
		c.call(t, "not an id", "GET", alert, base+"/alerts/x", editor.Token, "", 404)

		// Acknowledging: an editor may not; the first acknowledgement stays.
		c.call(t, "an editor acknowledges", "POST", ack, fmt.Sprintf("%s/alerts/%d/acknowledge", base, coord.ID), editor.Token, "", 403)
		first := decodeJSON[alertJSON](t, c.call(t, "acknowledge", "POST", ack, fmt.Sprintf("%s/alerts/%d/acknowledge", base, coord.ID), analyst.Token, "", 200))
		if first.AcknowledgedAt == nil || first.AcknowledgedBy != analyst.ID {
			t.Fatalf("acknowledged: %+v", first)
		}
		again := decodeJSON[alertJSON](t, c.call(t, "acknowledge again", "POST", ack, fmt.Sprintf("%s/alerts/%d/acknowledge", base, coord.ID), admin.Token, "", 200))
		if again.AcknowledgedBy != analyst.ID || again.AcknowledgedAt == nil || !again.AcknowledgedAt.Equal(*first.AcknowledgedAt) {
			t.Errorf("acknowledging again changed the first: %+v, then %+v", first, again)
		}
		r = c.call(t, "open only", "GET", alerts, base+"/alerts?open=true", editor.Token, "", 200)
		if l := decodeJSON[alertListJSON](t, r); len(l.Alerts) != 1 || l.Alerts[0].ID != spike.ID {
			t.Errorf("open only: %s", r.Body)
		}

		// Another organisation: neither by its own path nor by A's.
		bBase := "/api/v1/orgs/" + f.B.Slug
		c.call(t, "A's alert under B", "GET", alert, fmt.Sprintf("%s/alerts/%d", bBase, spike.ID), f.Outsider.Token, "", 404)
		c.call(t, "acknowledge A's alert under B", "POST", ack, fmt.Sprintf("%s/alerts/%d/acknowledge", bBase, spike.ID), f.Outsider.Token, "", 404)
		c.call(t, "A's alerts", "GET", alerts, base+"/alerts", f.Outsider.Token, "", 404)
		if r := c.call(t, "B's alerts", "GET", alerts, bBase+"/alerts", f.Outsider.Token, "", 200); strings.Contains(r.Body, "Izbori") {
			t.Error("B sees A's alerts")
		}
		if a, err := signal.GetAlert(ctx, f.DB.R(), f.A.ID, spike.ID); err != nil || a.AcknowledgedAt != nil {
			t.Errorf("the spike after B's attempt: %+v, %v", a, err)
		}

		// The topic's dashboard: by default the last seven days, daily.
		topic := fmt.Sprintf("%s/topics/%d/stats", base, topicID)
		r = c.call(t, "dashboard", "GET", stats, topic, editor.Token, "", 200)
		st := decodeJSON[struct {
			Step      string
			Total     int64
			From, To  time.Time
			Volume    []struct{ N int64 }
			Languages []struct {
				Key string
				N   int64
			}
		}](t, r)
		if st.Step != "day" || st.Total != 20 || st.To.Sub(st.From) != 7*24*time.Hour || len(st.Volume) < 7 || len(st.Languages) != 2 {
			t.Errorf("dashboard: %s", r.Body)
		}
		period := url.Values{"from": {hour.Format(time.RFC3339)}, "to": {hour.Add(2 * time.Hour).Format(time.RFC3339)}}
		r = c.call(t, "two hours", "GET", stats, topic+"?"+period.Encode(), editor.Token, "", 200)
		if st := decodeJSON[struct {
			Step   string
			Volume []struct{ N int64 }
		}](t, r); st.Step != "hour" || len(st.Volume) != 2 || st.Volume[0].N != 20 || st.Volume[1].N != 0 {
			t.Errorf("two hours: %s", r.Body)
		}
		for _, bad := range []struct{ query, field string }{
			{"from=yesterday", "from"}, {"to=2026-13-01T00:00:00Z", "to"},
			{"from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"},
			{"from=2026-01-01T00:00:00Z&to=2026-04-05T00:00:00Z", "from"}, // 94 days
			{"from=2020-01-01T00:00:00Z", "from"},                         // to is now
		} {
			invalidNames(t, bad.query, c.call(t, bad.query, "GET", stats, topic+"?"+bad.query, editor.Token, "", 422), bad.field)
		}
		c.call(t, "93 days", "GET", stats, topic+"?from=2026-01-01T00:00:00Z&to=2026-04-04T00:00:00Z", editor.Token, "", 200)
		c.call(t, "a trainer", "GET", stats, topic, f.Members[authz.Trainer].Token, "", 403)
		c.call(t, "no such topic", "GET", stats, base+"/topics/987654/stats", editor.Token, "", 404)
		c.call(t, "A's topic under B", "GET", stats, fmt.Sprintf("%s/topics/%d/stats", bBase, topicID), f.Outsider.Token, "", 404)
	})
}
