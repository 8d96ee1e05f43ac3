package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/testutil"
)

// An analyst writes a topic: a broken query is shown in place with the
// problem marked under it; the topic then finds texts in other scripts,
// on its page and in the filtered stream; an editor reads but cannot
// manage; archiving asks first.
func TestWebListening(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		base := fmt.Sprintf("/o/%s/listening", f.A.Slug)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Analyst])
		wantBody(t, "empty", b.get(base), "No topics yet", "New topic", "No mentions match.")

		bad := b.post(base+"/topics", url.Values{"name": {"Grain"}, "query": {"grain AND (wheat"}})
		wantStatus(t, "broken query", bad, 422)
		wantBody(t, "broken query", bad, "unbalanced parenthesis at 11", "grain AND (wheat\n          ^", `aria-invalid="true"`)

		resp := b.post(base+"/topics", url.Values{"name": {"Grain"}, "query": {`grain OR зерно OR Vucic`}})
		wantStatus(t, "create", resp, 303)
		topic, _, _ := strings.Cut(resp.Header.Get("Location"), "?")
		if !strings.HasPrefix(topic, base+"/topics/") {
			t.Fatalf("after creating: %s", topic)
		}
		res, err := f.Ingest.Ingest(context.Background(), f.A.ID, []ingest.Item{
			{Source: "telegram", ExternalID: "1", Text: "Експорт: зерно з Одеси", Lang: "uk", AuthorHandle: "mfa_ua"},
			{Source: "rss", ExternalID: "2", Text: "Председник Вучић је данас разговарао.", Lang: "sr", URL: "https://news.example/rs/1"},
			{Source: "rss", ExternalID: "3", Text: "Nothing about it", Lang: "en"},
		})
		if err != nil || res.Matches != 2 {
			t.Fatalf("ingest: %+v %v", res, err)
		}
		// Testing a query against the last 7 days saves nothing.
		pv := b.post(base+"/preview", url.Values{"name": {"Serbia"}, "query": {"Vucic OR Beograd"}})
		wantStatus(t, "preview", pv, 200)
		wantBody(t, "preview", pv, "matches 1 of 3 mentions", "Вучић", `value="Serbia"`)
		wantStatus(t, "preview of a broken query", b.post(base+"/preview", url.Values{"query": {"NEAR/3 x"}}), 422)
		if strings.Contains(b.get(base).Body, ">Serbia</a>") {
			t.Error("a preview created a topic")
		}
		page := b.get(topic + "?created=1")
		wantBody(t, "topic page", page, "The topic has been created", "Експорт: зерно з Одеси", "Вучић", "@mfa_ua", `href="https://news.example/rs/1"`, `lang="sr"`, "data-confirm=")
		if strings.Contains(page.Body, "Nothing about it") {
			t.Error("the topic page lists a mention it did not match")
		}
		id := topic[strings.LastIndex(topic, "/")+1:]
		wantBody(t, "stream by topic and language", b.get(base+"?topic="+id+"&lang=sr"), "Вучић")
		if s := b.get(base + "?q=Vucic"); !strings.Contains(s.Body, "Вучић") || strings.Contains(s.Body, "Одеси") {
			t.Errorf("search across scripts: %.2000s", s.Body)
		}

		wantStatus(t, "save a broken query", b.post(topic, url.Values{"name": {"Grain"}, "query": {"NOT grain"}}), 422)
		saved := b.post(topic, url.Values{"name": {"Grain exports"}, "query": {"grain OR зерно"}})
		wantStatus(t, "save", saved, 303)
		wantBody(t, "saved", b.get(saved.Header.Get("Location")), "The topic has been saved", "Grain exports")

		eb := newBrowser(t, f)
		eb.signIn(f.Members[authz.Editor])
		if page := eb.get(topic); page.Status != 200 || strings.Contains(page.Body, "Edit the topic") {
			t.Errorf("an editor's view of the topic: %d", page.Status)
		}
		wantStatus(t, "an editor creates", eb.post(base+"/topics", url.Values{"name": {"Mine"}, "query": {"x"}}), 403)

		wantStatus(t, "archive", b.post(topic+"/archive", nil), 303)
		if page := b.get(base + "?archived=1"); !strings.Contains(page.Body, "The topic has been archived") || strings.Contains(page.Body, "Grain exports</a>") {
			t.Errorf("after archiving: %.2000s", page.Body)
		}
	})
}
