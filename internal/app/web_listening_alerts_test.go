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
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/mail"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/testutil"
)

// Alerts in the app: the detector's coordination alert lists its posts
// and authors, a spike shows its chart's data and numbers and is marked
// on its topic's dashboard; an analyst marks one as seen to (an editor
// reads but cannot); the home counts the alerts nobody has seen to.
func TestWebListeningAlerts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		f := NewFixture(t, e, WithPasswords())
		base := fmt.Sprintf("/o/%s/listening", f.A.Slug)
		now := time.Now().UTC()
		tp := listen.Topic{OrgID: f.A.ID, Name: "Elections", Query: "izbori OR избори"}
		if err := listen.CreateTopic(ctx, f.DB.W(), &tp); err != nil {
			t.Fatal(err)
		}
		// Six accounts post the same claim within minutes.
		var items []ingest.Item
		for i := range 6 {
			items = append(items, ingest.Item{Source: "x", ExternalID: fmt.Sprintf("c%d", i), AuthorHandle: fmt.Sprintf("acct%d", i), Lang: "sr",
				Text: fmt.Sprintf("Izbori su pokradeni, opozicija ima dokaze o masovnoj kradji glasova u svim opstinama! #%d", i), At: now.Add(-time.Duration(10+i) * time.Minute)})
		}
		if _, err := f.Ingest.Ingest(ctx, f.A.ID, items); err != nil {
			t.Fatal(err)
		}
		if n, err := (&signal.Detector{DB: f.DB}).RunOrg(ctx, f.A.ID); err != nil || n < 1 {
			t.Fatalf("detector raised %d (%v), want the cluster", n, err)
		}
		spike := signal.Alert{OrgID: f.A.ID, Kind: signal.KindSpike, Key: "spike:test", TopicID: tp.ID, Title: "Elections: 40 mentions in an hour",
			WindowStart: now.Add(-2 * time.Hour).Truncate(time.Hour), WindowEnd: now.Add(-time.Hour).Truncate(time.Hour)}
		spike.Detail, _ = json.Marshal(signal.SpikeDetail{Hour: spike.WindowStart, Count: 40, Median: 2, MAD: 1, Threshold: 10, Hours: 1, Peak: 40,
			PeakHour: spike.WindowStart, SeriesStart: spike.WindowStart.Add(-3 * time.Hour), Series: []int{1, 2, 3, 40}})
		if _, err := signal.Raise(ctx, f.DB.W(), &spike); err != nil {
			t.Fatal(err)
		}

		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Analyst])
		wantBody(t, "home", b.get(base), "Alerts", "2 new")
		list := b.get(base + "/alerts")
		wantBody(t, "list", list, "Coordinated posting", "Volume spike", "Elections: 40 mentions in an hour")
		var coordID int64
		as, _ := signal.ListAlerts(ctx, f.DB.R(), f.A.ID, signal.AlertFilter{Kind: signal.KindCoordination})
		if len(as) != 1 {
			t.Fatalf("%d coordination alerts", len(as))
		}
		coordID = as[0].ID
		page := b.get(fmt.Sprintf("%s/alerts/%d", base, coordID))
		wantBody(t, "cluster page", page, "Near-identical posts", "@acct0", "@acct5", "Izbori su pokradeni", "Mark as seen to")
		wantBody(t, "spike page", b.get(fmt.Sprintf("%s/alerts/%d", base, spike.ID)), "data-spike=", "Threshold", "Elections</a>")
		wantBody(t, "topic marks the spike", b.get(fmt.Sprintf("%s/topics/%d", base, tp.ID)), "spikes&#34;:[{&#34;from")

		eb := newBrowser(t, f)
		eb.signIn(f.Members[authz.Editor])
		if p := eb.get(fmt.Sprintf("%s/alerts/%d", base, coordID)); p.Status != 200 || strings.Contains(p.Body, "Mark as seen to") {
			t.Errorf("an editor's view of an alert: %d", p.Status)
		}
		wantStatus(t, "an editor acknowledges", eb.post(fmt.Sprintf("%s/alerts/%d/acknowledge", base, coordID), nil), 403)

		wantStatus(t, "acknowledge", b.post(fmt.Sprintf("%s/alerts/%d/acknowledge", base, coordID), nil), 303)
		wantBody(t, "only open", b.get(base+"/alerts?open=1"), "Volume spike")
		if p := b.get(base + "/alerts?open=1"); strings.Contains(p.Body, "Coordinated posting</td>") {
			t.Error("an acknowledged alert is listed as open")
		}
		wantBody(t, "home after", b.get(base), "1 new")
	})
}

// Sources in the app: a feed on a private address is refused with the
// field named; a public one is added and shown with its state; a test
// fetch shows the network's answer instead of failing; removal asks first.
func TestWebListeningSources(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		base := fmt.Sprintf("/o/%s/listening/sources", f.A.Slug)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Analyst])
		wantBody(t, "empty", b.get(base), "No sources yet", "Add a source", "News feed (RSS or Atom)")
		bad := b.post(base, url.Values{"kind": {"rss"}, "url": {"http://10.0.0.8/feed.xml"}, "interval": {"15"}, "enabled": {"1"}})
		wantStatus(t, "private address", bad, 422)
		wantBody(t, "private address", bad, `id="url-error"`)
		noURL := b.post(base, url.Values{"kind": {"rss"}, "interval": {"15"}})
		wantStatus(t, "no address", noURL, 422)
		wantBody(t, "no address", noURL, `id="url-error"`)

		resp := b.post(base, url.Values{"kind": {"rss"}, "name": {"Radio Free Europe"}, "url": {"https://93.184.215.14/rss.xml"}, "interval": {"2"}, "enabled": {"1"}})
		wantStatus(t, "create", resp, 303)
		page := b.get(resp.Header.Get("Location"))
		wantBody(t, "source page", page, "The source has been added", "Adjusted", "Radio Free Europe", "Collecting", "Fetch now without storing", "data-confirm=")
		wantBody(t, "list", b.get(base), "Radio Free Europe</a>")

		eb := newBrowser(t, f)
		eb.signIn(f.Members[authz.Editor])
		wantStatus(t, "an editor adds", eb.post(base, url.Values{"kind": {"rss"}, "url": {"https://93.184.215.14/x.xml"}}), 403)
	})
}

// An alert goes out by email: the detector's notification of a
// coordinated burst reaches the analyst through a real SMTP server, with
// the alert's title and a link to it; the editor gets none.
func TestListeningAlertEmail(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		mp := testutil.NewMailpit(t)
		f := NewFixture(t, e)
		svc := notify.New(f.DB, &mail.SMTP{Host: mp.Host, Port: mp.Port, From: "Attaché <alerts@attache.example>", TLS: "none"}, "https://attache.example", nil)
		now := time.Now().UTC()
		var items []ingest.Item
		for i := range 5 {
			items = append(items, ingest.Item{Source: "telegram", ExternalID: fmt.Sprintf("e%d", i), AuthorHandle: fmt.Sprintf("bot%d", i), Lang: "uk",
				Text: fmt.Sprintf("Терміново: уряд приховує правду про мобілізацію, поширюйте, поки не видалили! %d", i), At: now.Add(-time.Duration(5+i) * time.Minute)})
		}
		if _, err := f.Ingest.Ingest(ctx, f.A.ID, items); err != nil {
			t.Fatal(err)
		}
		if n, err := (&signal.Detector{DB: f.DB, Notify: svc}).RunOrg(ctx, f.A.ID); err != nil || n != 1 {
			t.Fatalf("detector raised %d (%v), want the cluster", n, err)
		}
		if n, err := svc.SendPending(ctx); err != nil || n < 1 {
			t.Fatalf("emailed %d (%v)", n, err)
		}
		msg := mp.WaitFor(t, f.Members[authz.Analyst].Email)
		if !strings.Contains(msg.Text, "listening alert") || !strings.Contains(msg.Text, "https://attache.example/o/"+f.A.Slug+"/listening/alerts/") {
			t.Errorf("alert email: %q\n%s", msg.Subject, msg.Text)
		}
		var editorMails int
		if err := f.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ?", f.Members[authz.Editor].ID).Scan(&editorMails); err != nil || editorMails != 0 {
			t.Errorf("the editor has %d notifications (%v)", editorMails, err)
		}
	})
}
