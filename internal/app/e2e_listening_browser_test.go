package app_test

// Listening in a real browser, as an analyst works: create a topic with a
// query (a syntax error first, shown in place), import a JSONL file from
// the browser and watch it finish, then open the topic and see the
// mentions it matched and its charts, drawn by ECharts under the strict
// CSP with nothing in the console.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/testutil"
)

// orgID is the id of the organisation with the slug.
func orgID(t *testing.T, e testutil.Engine, slug string) int64 {
	t.Helper()
	o, err := org.GetOrgBySlug(context.Background(), e.DB.R(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// listeningFile writes a JSONL export: n texts about the grain corridor
// in Ukrainian, Serbian Cyrillic and English spread over the last two
// days, unrelated texts, and one broken line.
func listeningFile(t *testing.T, n int) string {
	t.Helper()
	now := time.Now().UTC()
	var b strings.Builder
	texts := []struct{ lang, text string }{
		{"uk", "Зерновий коридор знову працює: судно %d вийшло з Одеси"},
		{"sr", "Житни коридор: брод %d је испловио из Одесе"},
		{"en", "Grain corridor: ship %d left Odesa this morning"},
	}
	for i := range n {
		x := texts[i%len(texts)]
		at := now.Add(-time.Duration(i%47) * time.Hour).Add(-time.Duration(i%59) * time.Minute)
		fmt.Fprintf(&b, `{"id":"g%d","text":%q,"lang":%q,"author":"@outlet%d","published_at":%q}`+"\n",
			i, fmt.Sprintf(x.text, i), x.lang, i%7, at.Format(time.RFC3339))
		if i%4 == 0 {
			fmt.Fprintf(&b, `{"id":"o%d","text":"Football results of round %d","lang":"en","published_at":%q}`+"\n", i, i, at.Format(time.RFC3339))
		}
		if i == 5 {
			b.WriteString("{\"id\": \"broken\", \"text\": \n")
		}
	}
	path := filepath.Join(t.TempDir(), "grain-week.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBrowserListeningJourney(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		base := startDemoServer(t, e)
		file := listeningFile(t, 3000)

		signInAs(t, ctx, base, "admin.ua@demo.attache.test")
		open(t, ctx, base, "/o/mfa-ua/listening")

		// A query with an unbalanced parenthesis is refused, marked in place.
		testutil.BrowserDo(t, ctx, "type a broken query",
			chromedp.SendKeys(chromedp.CSS(`#name`), "Grain corridor"),
			chromedp.SendKeys(chromedp.CSS(`#query`), `("grain corridor" OR коридор`),
		)
		clickAndWaitForPage(t, ctx, `form[action$="/listening/topics"] button.btn-primary`, "create with a broken query")
		if msg := evalString(t, ctx, "read the error", `document.querySelector('#query-error')?.textContent || ''`); !strings.Contains(msg, "parenthes") {
			t.Fatalf("no error in place for the broken query: %q\n%s", msg, testutil.PageReport(ctx))
		}
		testutil.BrowserConsole(ctx) // forget the 422 of the refused form
		// Corrected: the Latin spelling also finds Cyrillic text.
		testutil.BrowserDo(t, ctx, "correct the query",
			chromedp.SetValue(chromedp.CSS(`#query`), `("grain corridor" OR koridor) AND NOT football`),
			chromedp.SendKeys(chromedp.CSS(`#query`), " "),
			// The editor's live line answers as the query is typed.
			chromedp.Poll[chromedp.Void](`document.querySelector('#query-live').textContent.includes('Matches 0 of the 0')`, chromedp.WithPollingTimeout(10*time.Second)),
		)
		clickAndWaitForPage(t, ctx, `form[action$="/listening/topics"] button.btn-primary`, "create the topic")
		topicPath := currentPath(t, ctx)
		if !strings.Contains(topicPath, "/listening/topics/") {
			t.Fatalf("after creating, the browser is at %s\n%s", topicPath, testutil.PageReport(ctx))
		}

		// Import the file from the browser and wait for it to finish.
		open(t, ctx, base, "/o/mfa-ua/listening/import")
		testutil.BrowserDo(t, ctx, "choose the file", chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}))
		clickAndWaitForPage(t, ctx, `form[action$="/listening/import"] button[type="submit"]`, "start the import")
		if p := currentPath(t, ctx); !strings.Contains(p, "/listening/imports/") {
			t.Fatalf("after uploading, the browser is at %s\n%s", p, testutil.PageReport(ctx))
		}
		testutil.BrowserDo(t, ctx, "wait for the import to finish",
			chromedp.WaitVisible(chromedp.CSS(`#listen-import .import-state-done`)))
		state := evalString(t, ctx, "read the result", `(() => { const s = document.querySelector('#listen-import');
			return s.querySelector('progress').value + '|' + s.querySelector('.facts').innerText.replace(/\s+/g, ' ') + '|' +
			(s.querySelector('.problems')?.innerText || ''); })()`)
		if !strings.HasPrefix(state, "100|") || !strings.Contains(state, "3750") || !strings.Contains(state, "3000") || !strings.Contains(state, "line 9") {
			t.Fatalf("import result %q\n%s", state, testutil.PageReport(ctx))
		}

		// The topic: its matches, and the charts drawn.
		open(t, ctx, base, topicPath)
		testutil.BrowserDo(t, ctx, "wait for the charts", chromedp.WaitVisible(chromedp.CSS(`#topic-dashboard[data-drawn="3"] #chart-volume canvas`)))
		page := evalString(t, ctx, "read the topic page", `(() => { const d = document.querySelector('#topic-dashboard');
			const c = d.querySelector('#chart-volume canvas').getBoundingClientRect();
			return [c.width > 200 && c.height > 100, document.querySelector('main').innerText].join('|'); })()`)
		if !strings.HasPrefix(page, "true|") {
			t.Fatalf("the volume chart has no size\n%s", testutil.PageReport(ctx))
		}
		for _, want := range []string{"3000 mentions matched", "Зерновий коридор знову працює", "Житни коридор", "Grain corridor: ship"} {
			if !strings.Contains(page, want) {
				t.Errorf("the topic page lacks %q", want)
			}
		}
		if strings.Contains(page, "Football results") {
			t.Errorf("the topic page shows a mention its query excludes")
		}
		for _, c := range []string{"uk", "sr", "en"} {
			if !strings.Contains(page, c+"\t1000") && !strings.Contains(page, c+" 1000") {
				t.Errorf("the languages table lacks %s with 1000\n%s", c, page)
			}
		}
		if msgs := testutil.BrowserConsole(ctx); len(msgs) > 0 {
			t.Errorf("the console has messages on the topic page:\n%s", strings.Join(msgs, "\n"))
		}
		requireNoSeriousAxe(t, ctx, "topic dashboard")
		saveScreenshot(t, ctx, "listening-topic.png")

		// A spike of the topic: its alert page draws the hourly chart
		// against the threshold, and the topic's chart shades it.
		topicID, err := strconv.ParseInt(topicPath[strings.LastIndex(topicPath, "/")+1:], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		hour := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
		series := make([]int, 169)
		series[168] = 60
		detail, _ := json.Marshal(signal.SpikeDetail{Hour: hour, Count: 60, Median: 2, MAD: 1, Threshold: 10, Hours: 1, Peak: 60,
			PeakHour: hour, SeriesStart: hour.Add(-168 * time.Hour), Series: series})
		alert := signal.Alert{OrgID: orgID(t, e, "mfa-ua"), Kind: signal.KindSpike, Key: "spike:browser", TopicID: topicID,
			Title: "Grain corridor: 60 mentions in an hour", Detail: detail, WindowStart: hour, WindowEnd: hour.Add(time.Hour)}
		if _, err := signal.Raise(context.Background(), e.DB.W(), &alert); err != nil {
			t.Fatal(err)
		}
		open(t, ctx, base, "/o/mfa-ua/listening/alerts")
		clickAndWaitForPage(t, ctx, `a[href$="/listening/alerts/`+strconv.FormatInt(alert.ID, 10)+`"]`, "open the alert")
		testutil.BrowserDo(t, ctx, "wait for the spike chart", chromedp.WaitVisible(chromedp.CSS(`#alert-spike[data-drawn="1"] #chart-spike canvas`)))
		clickAndWaitForPage(t, ctx, `form[action$="/acknowledge"] button`, "mark the alert as seen to")
		if msg := evalString(t, ctx, "read the notice", `document.querySelector('[role="status"]')?.textContent || ''`); !strings.Contains(msg, "seen to") {
			t.Errorf("after acknowledging: %q", msg)
		}
		if msgs := testutil.BrowserConsole(ctx); len(msgs) > 0 {
			t.Errorf("the console has messages on the alert pages:\n%s", strings.Join(msgs, "\n"))
		}
	})
}
