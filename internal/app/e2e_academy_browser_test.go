package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/demo"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// The academy's pages in a browser, with the demo cohort: they pass
// axe-core, and a participant answers a quiz with the keyboard alone
// (radio buttons, checkboxes, text and the select boxes of matching and
// ordering questions) and submits it with Enter.
func TestBrowserAcademy(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		ta := NewTestApp(t, e)
		bg := context.Background()
		if _, err := demo.Load(bg, ta.DB, ta.Orgs, ta.Auth, browserDemoPassword); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadAcademy(bg, ta.DB, ta.Auth, ta.Academy, time.Now()); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(ta.H)
		t.Cleanup(srv.Close)
		base := srv.URL
		prog, _ := org.GetOrgBySlug(bg, ta.DB.R(), "programme")
		hs, _ := academy.ListCohortsOfOrg(bg, ta.DB.R(), prog.ID)
		if len(hs) != 1 {
			t.Fatalf("demo cohorts: %+v", hs)
		}
		cohort := fmt.Sprintf("/o/programme/academy/cohorts/%d", hs[0].ID)
		c, _ := academy.GetCourse(bg, ta.DB.R(), hs[0].CourseID)
		if err := academy.LoadOutline(bg, ta.DB.R(), &c); err != nil {
			t.Fatal(err)
		}

		signInAs(t, ctx, base, "participant.ge@demo.attache.test")
		open(t, ctx, base, "/o/programme/academy")
		requireNoSeriousAxe(t, ctx, "academy")
		open(t, ctx, base, cohort)
		requireNoSeriousAxe(t, ctx, "cohort page")
		saveScreenshot(t, ctx, "academy-cohort.png")
		open(t, ctx, base, fmt.Sprintf("%s/lessons/%d", cohort, c.Modules[0].Lessons[0].ID))
		requireNoSeriousAxe(t, ctx, "lesson")

		// Module 2's quiz: start it and answer by keyboard.
		open(t, ctx, base, fmt.Sprintf("%s/quizzes/%d", cohort, c.Modules[1].Quiz.ID))
		requireNoSeriousAxe(t, ctx, "quiz page")
		pressEnterAndWaitForPage(t, ctx, `form[action$="/attempts"] button[type="submit"]`, "start the quiz with Enter")
		if p := currentPath(t, ctx); !strings.Contains(p, "/attempts/") {
			t.Fatalf("after starting the quiz the browser is at %s\n%s", p, testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "attempt form")
		saveScreenshot(t, ctx, "academy-quiz.png")
		// Every question gets an answer with keys only: Space on the first
		// radio button or checkbox, text typed, ArrowDown in select boxes.
		n := testutil.BrowserRun(t, ctx, "count the questions", chromedp.Evaluate[int](`document.querySelectorAll("fieldset.question").length`))
		if n == 0 {
			t.Fatalf("no questions on the attempt page\n%s", testutil.PageReport(ctx))
		}
		for i := 1; i <= n; i++ {
			fs := fmt.Sprintf(`fieldset.question:nth-of-type(%d)`, i)
			kind := testutil.BrowserRun(t, ctx, "read the question's controls", chromedp.Evaluate[string](fmt.Sprintf(
				`(() => { const f = document.querySelector(%q); if (f.querySelector("select")) return "select"; if (f.querySelector("input[type=text]")) return "text"; return "check"; })()`, fs)))
			switch kind {
			case "select":
				testutil.BrowserDo(t, ctx, "choose in the select boxes",
					chromedp.Focus(chromedp.CSS(fs+" select")),
					chromedp.KeyEvent(kb.ArrowDown),
				)
			case "text":
				testutil.BrowserDo(t, ctx, "type a short answer", chromedp.SendKeys(chromedp.CSS(fs+` input[type="text"]`), "reach"))
			default:
				testutil.BrowserDo(t, ctx, "tick the first option",
					chromedp.Focus(chromedp.CSS(fs+" input")),
					chromedp.KeyEvent(" "),
				)
			}
		}
		pressEnterAndWaitForPage(t, ctx, `form.quiz-form button[type="submit"]`, "submit the answers with Enter")
		result := testutil.BrowserRun(t, ctx, "read the result", chromedp.Text(chromedp.CSS(`#result`), chromedp.NodeVisible))
		if strings.TrimSpace(result) == "" {
			t.Fatalf("no result after submitting\n%s", testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "attempt result")

		// The trainer's progress table.
		tctx := testutil.Browser(t)
		signInAs(t, tctx, base, "trainer@demo.attache.test")
		open(t, tctx, base, cohort+"/progress")
		requireNoSeriousAxe(t, tctx, "progress table")
		saveScreenshot(t, tctx, "academy-progress.png")
		for _, c := range testutil.BrowserConsole(ctx) {
			t.Errorf("browser console: %s", c)
		}
	})
}
