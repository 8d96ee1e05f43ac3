package app_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

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

// A narrative is written with its case record (refused without a claim,
// with the field named), tags what its query finds, shows its record on
// its page and in its edit form; the stream filters by day in the
// organisation's time zone.
func TestWebNarrativesAndStreamDates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		base := fmt.Sprintf("/o/%s/listening", f.A.Slug)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Analyst])
		wantBody(t, "form", b.get(base+"/narratives/new"), "New narrative", `name="kind" value="narrative"`, "Lines to take")

		form := url.Values{"kind": {"narrative"}, "name": {"Biolabs"}, "query": {`biolab* OR біолабораторі*`},
			"countries": {"UA, md"}, "languages": {"uk ru"}, "counter_lines": {"The labs are public-health labs.\r\n\r\nInspections are public."},
			"disproof": {"No evidence; the labs are inspected."}}
		noClaim := b.post(base+"/topics", form)
		wantStatus(t, "no claim", noClaim, 422)
		wantBody(t, "no claim", noClaim, "New narrative", "claim-error", "Biolabs")
		form.Set("claim", "Secret laboratories make weapons.")
		resp := b.post(base+"/topics", form)
		wantStatus(t, "create", resp, 303)
		narrative, _, _ := strings.Cut(resp.Header.Get("Location"), "?")

		day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
		if _, err := f.Ingest.Ingest(context.Background(), f.A.ID, []ingest.Item{
			{Source: "telegram", ExternalID: "b1", Text: "Американські біолабораторії в Україні", Lang: "uk", At: day(1)},
			{Source: "x", ExternalID: "b2", Text: "The biolabs again", Lang: "en", At: day(3)},
		}); err != nil {
			t.Fatal(err)
		}
		page := b.get(narrative)
		wantBody(t, "narrative page", page, "Narrative", "Secret laboratories make weapons.", "Inspections are public.", "UA, MD",
			"біолабораторії", "The biolabs again", `data-stats=`, "Activity")
		id := narrative[strings.LastIndex(narrative, "/")+1:]
		stream := b.get(base + "?topic=" + id + "&from=2026-03-02&to=2026-03-03")
		if !strings.Contains(stream.Body, "The biolabs again") || strings.Contains(stream.Body, "Американські") {
			t.Errorf("stream of 2–3 March: %.3000s", stream.Body)
		}
		saved := b.post(narrative, url.Values{"name": {"Biolabs"}, "query": {"biolab*"}, "claim": {"Labs make weapons."}, "countries": {"XX1"}})
		wantStatus(t, "bad country", saved, 422)
		wantBody(t, "bad country", saved, "countries-error")
	})
}

// The stream and a topic's page go back page by page, keeping their
// filters.
func TestWebListeningPages(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		base := fmt.Sprintf("/o/%s/listening", f.A.Slug)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Analyst])
		start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		var items []ingest.Item
		for i := range 70 {
			items = append(items, ingest.Item{Source: "rss", ExternalID: fmt.Sprintf("p%d", i), Lang: "en",
				Text: fmt.Sprintf("Harbour report number %03d", i), At: start.Add(time.Duration(i) * time.Minute)})
		}
		if _, err := f.Ingest.Ingest(context.Background(), f.A.ID, items); err != nil {
			t.Fatal(err)
		}
		first := b.get(base + "?lang=en")
		wantBody(t, "first page", first, "number 069", "number 020", "Older mentions")
		if strings.Contains(first.Body, "number 019") {
			t.Fatal("the first page holds more than 50")
		}
		i := strings.Index(first.Body, `href="?before`)
		j := strings.Index(first.Body[i+6:], `"`)
		older := html.UnescapeString(first.Body[i+6 : i+6+j])
		if !strings.Contains(older, "lang=en") {
			t.Errorf("the next page drops the filter: %s", older)
		}
		second := b.get(base + older)
		wantBody(t, "second page", second, "number 019", "number 000")
		if strings.Contains(second.Body, "number 020") || strings.Contains(second.Body, "Older mentions") {
			t.Errorf("the second page (%s) repeats the first or offers a third: %v %v", older, strings.Contains(second.Body, "number 020"), strings.Contains(second.Body, "Older mentions"))
		}
	})
}
