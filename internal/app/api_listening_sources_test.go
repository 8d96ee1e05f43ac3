package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

type sourceJSON struct {
	ID              int64           `json:"id"`
	Kind            string          `json:"kind"`
	Name            string          `json:"name"`
	Config          json.RawMessage `json:"config"`
	IntervalSeconds int64           `json:"interval_seconds"`
	Enabled         bool            `json:"enabled"`
	LastRunAt       *time.Time      `json:"last_run_at"`
	Adjusted        []string        `json:"adjusted"`
}

// newsFeed serves one RSS 2.0 feed (RSS Board specification: channel
// with title, link, description; items with guid, title, description,
// RFC 822 pubDate), as an outlet's server does.
func newsFeed(t *testing.T) *httptest.Server {
	t.Helper()
	now := time.Now().UTC()
	feed := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Daily Mirror of the Region</title><link>https://news.example/</link>
<description>News</description><language>en</language>
<item><guid isPermaLink="false">n-1</guid><title>Grain corridor reopens</title><link>https://news.example/1</link>
<description>&lt;p&gt;Ships left Odesa this morning.&lt;/p&gt;</description><pubDate>` + now.Add(-time.Hour).Format(time.RFC1123Z) + `</pubDate></item>
<item><guid isPermaLink="false">n-2</guid><title>Elections called</title><link>https://news.example/2</link>
<description>The vote will be held in spring.</description><pubDate>` + now.Add(-2*time.Hour).Format(time.RFC1123Z) + `</pubDate></item>
</channel></rss>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = io.WriteString(w, feed)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Sources through the API: addresses on private networks are refused
// unless the server allows them, with the field named; settings are
// checked per kind and the 422 names the setting; a change keeps what it
// leaves out and merges the settings; the kind stays; a test fetch lists
// what a feed would bring and stores nothing, and a network failure is
// an answer, not a 5xx; an editor reads but cannot change; another
// organisation sees none of it. Every answer matches the document.
func TestAPIListeningSources(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		f := NewFixture(t, e)
		c := apiCaller{f, loadOpenAPI(t, f.TestApp)}
		analyst, editor := f.Members[authz.Analyst], f.Members[authz.Editor]
		base := "/api/v1/orgs/" + f.A.Slug + "/sources"
		const (
			sources = "/api/v1/orgs/{org}/sources"
			one     = "/api/v1/orgs/{org}/sources/{id}"
			test    = "/api/v1/orgs/{org}/sources/{id}/test"
		)
		r := c.call(t, "none yet", "GET", sources, base, editor.Token, "", 200)
		if strings.TrimSpace(r.Body) != `{"sources":[]}` {
			t.Errorf("none yet: %s", r.Body)
		}
		// Refusals, each naming what is wrong.
		for _, bad := range []struct{ name, body, field string }{
			{"a private address", `{"kind":"rss","config":{"url":"http://10.0.0.8/feed.xml"}}`, "config/url"},
			{"loopback", `{"kind":"rss","config":{"url":"http://127.0.0.1:8080/feed.xml"}}`, "config/url"},
			{"no address", `{"kind":"rss"}`, "config/url"},
			{"not a feed address", `{"kind":"rss","config":{"url":"ftp://93.184.215.14/feed.xml"}}`, "config/url"},
			{"no kind", `{"config":{"url":"https://93.184.215.14/feed.xml"}}`, "kind"},
			{"an unknown kind", `{"kind":"myspace","config":{}}`, "kind"},
			{"hashtag and timeline", `{"kind":"mastodon","config":{"instance":"https://93.184.215.14","hashtag":"grain","timeline":"local"}}`, "config/timeline"},
			{"a bad collection", `{"kind":"bluesky","config":{"jetstream":"wss://93.184.215.14/subscribe","collections":["app.bsky.feed.post","not a nsid"]}}`, "config/collections/1"},
			{"an unknown setting", `{"kind":"rss","config":{"url":"https://93.184.215.14/feed.xml","colour":"red"}}`, "config"},
			{"settings that are not an object", `{"kind":"rss","config":["https://93.184.215.14/feed.xml"]}`, "config"},
			{"a negative interval", `{"kind":"rss","config":{"url":"https://93.184.215.14/feed.xml"},"interval_seconds":-5}`, "interval_seconds"},
			{"a Telegram account of nobody", `{"kind":"telegram","config":{"account_id":987654}}`, "config/account_id"},
			{"a control character", `{"kind":"rss","name":"a\u0007b","config":{"url":"https://93.184.215.14/feed.xml"}}`, "name"},
		} {
			invalidNames(t, bad.name, c.call(t, bad.name, "POST", sources, base, analyst.Token, bad.body, 422), bad.field)
		}
		c.call(t, "an unknown field", "POST", sources, base, analyst.Token, `{"kind":"rss","url":"https://93.184.215.14/feed.xml"}`, 400)
		c.call(t, "an editor adds", "POST", sources, base, editor.Token, `{"kind":"rss","config":{"url":"https://93.184.215.14/feed.xml"}}`, 403)

		// A feed: the interval is raised to the minimum and a name given, as adjusted says.
		r = c.call(t, "create a feed", "POST", sources, base, analyst.Token, `{"kind":"rss","config":{"url":"HTTPS://93.184.215.14/rss.xml#top"},"interval_seconds":60}`, 201)
		feed := decodeJSON[sourceJSON](t, r)
		if feed.Name != "93.184.215.14" || feed.IntervalSeconds != 300 || !feed.Enabled || len(feed.Adjusted) != 2 ||
			string(feed.Config) != `{"url":"https://93.184.215.14/rss.xml"}` || !strings.Contains(r.Body, `"account_id":null`) {
			t.Errorf("create a feed: %s", r.Body)
		}
		feedURL := fmt.Sprintf("%s/%d", base, feed.ID)
		r = c.call(t, "a hashtag", "POST", sources, base, analyst.Token, `{"kind":"mastodon","name":"Grain on Mastodon","config":{"instance":"93.184.215.14","hashtag":"#Grain"},"enabled":false}`, 201)
		masto := decodeJSON[sourceJSON](t, r)
		if masto.Enabled || masto.IntervalSeconds != 900 || len(masto.Adjusted) != 0 || string(masto.Config) != `{"instance":"https://93.184.215.14","hashtag":"Grain"}` {
			t.Errorf("a hashtag: %s", r.Body)
		}
		mastoURL := fmt.Sprintf("%s/%d", base, masto.ID)
		r = c.call(t, "the Jetstream", "POST", sources, base, analyst.Token, `{"kind":"bluesky","config":{"jetstream":"wss://93.184.215.14/subscribe"},"interval_seconds":600}`, 201)
		sky := decodeJSON[sourceJSON](t, r)
		if sky.IntervalSeconds != 0 || len(sky.Adjusted) != 2 || !strings.Contains(string(sky.Config), `"collections":["app.bsky.feed.post"]`) {
			t.Errorf("the Jetstream: %s", r.Body)
		}

		// Changes keep what they leave out; settings merge key by key.
		r = c.call(t, "switch to the local timeline", "PATCH", one, mastoURL, analyst.Token, `{"config":{"hashtag":null,"timeline":"local"}}`, 200)
		got := decodeJSON[sourceJSON](t, r)
		if got.Name != "Grain on Mastodon" || got.Enabled || string(got.Config) != `{"instance":"https://93.184.215.14","timeline":"local"}` {
			t.Errorf("switch: %s", r.Body)
		}
		invalidNames(t, "both", c.call(t, "both", "PATCH", one, mastoURL, analyst.Token, `{"config":{"hashtag":"grain"}}`, 422), "config/timeline")
		r = c.call(t, "enable", "PATCH", one, mastoURL, analyst.Token, `{"enabled":true,"interval_seconds":1800}`, 200)
		if got := decodeJSON[sourceJSON](t, r); !got.Enabled || got.IntervalSeconds != 1800 || !strings.Contains(string(got.Config), `"timeline":"local"`) {
			t.Errorf("enable: %s", r.Body)
		}
		invalidNames(t, "change the kind", c.call(t, "change the kind", "PATCH", one, mastoURL, analyst.Token, `{"kind":"rss"}`, 422), "kind")
		c.call(t, "the same kind", "PATCH", one, mastoURL, analyst.Token, `{"kind":"mastodon"}`, 200)
		invalidNames(t, "a private instance", c.call(t, "a private instance", "PATCH", one, mastoURL, analyst.Token, `{"config":{"instance":"https://192.168.1.10"}}`, 422), "config/instance")
		r = c.call(t, "clear the name", "PATCH", one, feedURL, analyst.Token, `{"name":""}`, 200)
		if got := decodeJSON[sourceJSON](t, r); got.Name != "93.184.215.14" || len(got.Adjusted) != 1 {
			t.Errorf("clear the name: %s", r.Body)
		}
		c.call(t, "an editor changes", "PATCH", one, feedURL, editor.Token, `{"enabled":false}`, 403)
		r = c.call(t, "an editor reads", "GET", one, mastoURL, editor.Token, "", 200)
		if got := decodeJSON[sourceJSON](t, r); got.IntervalSeconds != 1800 || got.LastRunAt != nil || strings.Contains(r.Body, "adjusted") {
			t.Errorf("read: %s", r.Body)
		}
		if l := decodeJSON[struct{ Sources []sourceJSON }](t, c.call(t, "list", "GET", sources, base, editor.Token, "", 200)); len(l.Sources) != 3 {
			t.Errorf("list: %+v", l)
		}

		// Test fetches: Bluesky is not fetched on demand; the guarded
		// client refuses loopback at once, which is the answer.
		invalidNames(t, "test the Jetstream", c.call(t, "test the Jetstream", "POST", test, fmt.Sprintf("%s/%d/test", base, sky.ID), analyst.Token, "", 422), "kind")
		srv := newsFeed(t)
		loopback := sourceOfA(t, f, nil)["id"]
		r = c.call(t, "test a refused address", "POST", test, base+"/"+loopback+"/test", analyst.Token, "", 200)
		if res := decodeJSON[struct {
			Items []json.RawMessage
			Error string
		}](t, r); len(res.Items) != 0 || !strings.Contains(res.Error, "refus") {
			t.Errorf("refused address: %s", r.Body)
		}
		c.call(t, "an editor tests", "POST", test, base+"/"+loopback+"/test", editor.Token, "", 403)
		invalidNames(t, "a bad limit", c.call(t, "a bad limit", "POST", test, base+"/"+loopback+"/test?limit=0", analyst.Token, "", 422), "limit")

		// With --allow-private-endpoints, a feed on loopback is accepted
		// and fetched.
		f.Config.AllowPriv = true
		guarded := f.HTTP
		f.HTTP = netguard.Client(true, 10*time.Second) // what the app builds with the flag
		h, err := f.Handler(ctx)
		if err != nil {
			t.Fatal(err)
		}
		allowed := apiCaller{&Fixture{TestApp: &TestApp{App: f.App, H: h, Engine: e, Logs: f.Logs}}, c.o}
		r = allowed.call(t, "a feed on loopback", "POST", sources, base, analyst.Token, `{"kind":"rss","name":"Local news","config":{"url":"`+srv.URL+`/feed.xml"}}`, 201)
		local := decodeJSON[sourceJSON](t, r)
		r = allowed.call(t, "test the feed", "POST", test, fmt.Sprintf("%s/%d/test?limit=1", base, local.ID), analyst.Token, "", 200)
		res := decodeJSON[struct {
			Items []struct {
				Source, ID, URL, Text, Lang string
				PublishedAt                 time.Time `json:"published_at"`
			}
			Error string
		}](t, r)
		if res.Error != "" || len(res.Items) != 1 || res.Items[0].ID == "" || !strings.Contains(res.Items[0].Text, "Ships left Odesa") ||
			res.Items[0].URL != "https://news.example/1" || res.Items[0].PublishedAt.IsZero() {
			t.Errorf("test the feed: %s", r.Body)
		}
		r = allowed.call(t, "after the test", "GET", one, fmt.Sprintf("%s/%d", base, local.ID), analyst.Token, "", 200)
		if got := decodeJSON[sourceJSON](t, r); got.LastRunAt != nil {
			t.Errorf("a test ran the source: %s", r.Body)
		}
		if r := c.call(t, "nothing stored", "GET", "/api/v1/orgs/{org}/mentions", "/api/v1/orgs/"+f.A.Slug+"/mentions", analyst.Token, "", 200); strings.Contains(r.Body, "Odesa") {
			t.Errorf("a test stored mentions: %s", r.Body)
		}
		f.Config.AllowPriv, f.HTTP = false, guarded

		// Another organisation; removal.
		bBase := "/api/v1/orgs/" + f.B.Slug + "/sources"
		c.call(t, "A's source under B", "GET", one, fmt.Sprintf("%s/%d", bBase, feed.ID), f.Outsider.Token, "", 404)
		c.call(t, "change A's source under B", "PATCH", one, fmt.Sprintf("%s/%d", bBase, feed.ID), f.Outsider.Token, `{"enabled":false}`, 404)
		c.call(t, "test A's source under B", "POST", test, fmt.Sprintf("%s/%d/test", bBase, feed.ID), f.Outsider.Token, "", 404)
		c.call(t, "remove A's source under B", "DELETE", one, fmt.Sprintf("%s/%d", bBase, feed.ID), f.Outsider.Token, "", 404)
		c.call(t, "A's sources", "GET", sources, base, f.Outsider.Token, "", 404)
		c.call(t, "an editor removes", "DELETE", one, feedURL, editor.Token, "", 403)
		c.call(t, "remove", "DELETE", one, feedURL, analyst.Token, "", 204)
		c.call(t, "removed", "GET", one, feedURL, analyst.Token, "", 404)
		c.call(t, "remove again", "DELETE", one, feedURL, analyst.Token, "", 404)
		c.call(t, "change a removed source", "PATCH", one, feedURL, analyst.Token, `{"enabled":true}`, 404)
	})
}
