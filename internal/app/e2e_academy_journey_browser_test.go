package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// The academy's whole journey in one browser session per person, with no
// shortcut through the service: the participant takes a lesson, fails and
// then passes a quiz, builds a campaign plan in their sandbox studio and
// hands it in; the trainer finds it in the queue and accepts it with the
// rubric; the participant completes the course and downloads the
// certificate; the public verification page shows it valid, and revoked
// after the organiser revokes it.
func TestBrowserAcademyJourney(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		bg := context.Background()
		f := NewFixture(t, e, WithPasswords())
		h, c := newCohort(t, f, f.A)
		participant, trainer, admin := f.Members[authz.Participant], f.Members[authz.Trainer], f.Members[authz.Admin]
		srv := httptest.NewServer(f.H)
		t.Cleanup(srv.Close)
		base := srv.URL
		cohort := fmt.Sprintf("/o/%s/academy/cohorts/%d", f.A.Slug, h.ID)
		m1, m2, m3 := c.Modules[0], c.Modules[1], c.Modules[2]

		// The participant: module 1's lessons.
		ctx := testutil.Browser(t)
		signInWith(t, ctx, base, participant.Email, f.Password)
		open(t, ctx, base, cohort)
		clickAndWaitForPage(t, ctx, fmt.Sprintf(`a[href$="/lessons/%d"]`, m1.Lessons[0].ID), "open the first lesson from the cohort page")
		if got := evalString(t, ctx, "read the lesson", `document.querySelector("main").innerText`); !strings.Contains(got, "Introduction") {
			t.Fatalf("the first lesson is not shown:\n%s", got)
		}
		open(t, ctx, base, fmt.Sprintf("%s/lessons/%d", cohort, m1.Lessons[1].ID))
		clickAndWaitForPage(t, ctx, `form[action$="/done"] button[type="submit"]`, "mark the checklist done")

		// The quiz: nothing answered fails; the right answers pass.
		quiz := fmt.Sprintf("%s/quizzes/%d", cohort, m1.Quiz.ID)
		pp := principalOf(t, f, participant)
		for _, pass := range []bool{false, true} {
			open(t, ctx, base, quiz)
			clickAndWaitForPage(t, ctx, `form[action$="/attempts"] button[type="submit"]`, "start an attempt")
			path := currentPath(t, ctx)
			id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
			if err != nil || !strings.Contains(path, "/attempts/") {
				t.Fatalf("after starting the quiz the browser is at %s\n%s", path, testutil.PageReport(ctx))
			}
			if pass {
				v, err := f.Academy.Attempt(bg, pp, h.ID, id)
				if err != nil {
					t.Fatal(err)
				}
				fillForm(t, ctx, "form.quiz-form", answerForm(v, academy.RightAnswers(v)))
			}
			clickAndWaitForPage(t, ctx, `form.quiz-form button[type="submit"]`, "submit the answers")
			result := evalString(t, ctx, "read the result", `document.querySelector("#result").textContent`)
			if want := map[bool]string{false: "Not passed", true: "Passed"}[pass]; !strings.Contains(result, want) {
				t.Fatalf("attempt result %q, want %q\n%s", result, want, testutil.PageReport(ctx))
			}
		}

		// Modules 2 and 3 are open now.
		open(t, ctx, base, fmt.Sprintf("%s/lessons/%d", cohort, m2.Lessons[0].ID))
		open(t, ctx, base, fmt.Sprintf("%s/lessons/%d", cohort, m3.Lessons[0].ID))
		if got := evalString(t, ctx, "read the lesson", `document.querySelector("main").innerText`); !strings.Contains(got, "The plan") {
			t.Fatalf("module 3 did not open after the quiz:\n%s", got)
		}

		// The campaign plan, built in the sandbox studio.
		assignment := fmt.Sprintf("%s/assignments/%d", cohort, m3.Assignment.ID)
		open(t, ctx, base, assignment)
		clickAndWaitForPage(t, ctx, `form[action$="/sandbox"] button[type="submit"]`, "open my training sandbox")
		open(t, ctx, base, assignment)
		clickAndWaitForPage(t, ctx, `#sandbox ~ p.actions a`, "go to the sandbox studio")
		studio := currentPath(t, ctx)
		if !strings.HasSuffix(studio, "/campaigns") || strings.HasPrefix(studio, "/o/"+f.A.Slug+"/") {
			t.Fatalf("the sandbox link leads to %s", studio)
		}
		clickAndWaitForPage(t, ctx, `a[href$="/campaigns/new"]`, "open the new campaign form")
		testutil.BrowserDo(t, ctx, "fill the campaign form",
			chromedp.SendKeys(chromedp.CSS(`#title`), "Grain corridor: thank the partners"),
			chromedp.SendKeys(chromedp.CSS(`#brief`), "Thank the partners who keep the **grain corridor** open."),
			chromedp.SetValue(chromedp.CSS(`#start`), "2026-12-01"),
			chromedp.SetValue(chromedp.CSS(`#end`), "2026-12-31"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.title"]`), "Reach in Georgia"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.metric"]`), "reach"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.target_value"]`), "200000"),
		)
		clickAndWaitForPage(t, ctx, `form.studio-form button[type="submit"]`, "create the campaign in the sandbox")
		open(t, ctx, base, assignment)
		testutil.BrowserDo(t, ctx, "add a note", chromedp.SendKeys(chromedp.CSS(`#body`), "Objectives first, as the brief asks."))
		clickAndWaitForPage(t, ctx, `form.work-form button[type="submit"]`, "hand in the plan")
		if got := evalString(t, ctx, "read the notice", `document.querySelector(".notice-ok") ? document.querySelector(".notice-ok").textContent : ""`); !strings.Contains(got, "handed in") {
			t.Fatalf("no confirmation after handing in the plan: %q\n%s", got, testutil.PageReport(ctx))
		}

		// The trainer: the queue, the frozen plan, the rubric.
		tctx := testutil.Browser(t)
		signInWith(t, tctx, base, trainer.Email, f.Password)
		open(t, tctx, base, "/o/"+f.A.Slug+"/academy/grading")
		clickAndWaitForPage(t, tctx, `table.grading tbody tr a[href*="/submissions/"]`, "open the plan from the queue")
		if got := evalString(t, tctx, "read the plan", `document.querySelector("main").innerText`); !strings.Contains(got, "Grain corridor: thank the partners") || !strings.Contains(got, "Reach in Georgia") {
			t.Fatalf("the trainer does not see the frozen plan:\n%s", got)
		}
		testutil.BrowserDo(t, tctx, "grade with the rubric",
			chromedp.Click(chromedp.CSS(`[id="level.objectives-0"]`)),
			chromedp.Click(chromedp.CSS(`[id="level.audiences-0"]`)),
			chromedp.SendKeys(chromedp.CSS(`[id="comment.objectives"]`), "Measurable and dated."),
			chromedp.SendKeys(chromedp.CSS(`#comment`), "A sound plan."),
		)
		clickAndWaitForPage(t, tctx, `button[value="accept"]`, "accept the plan")
		if got := evalString(t, tctx, "read the decision", `document.querySelector("main").innerText`); !strings.Contains(got, "Accepted") || !strings.Contains(got, "8 of 8 points") {
			t.Fatalf("after accepting, the page says:\n%s", got)
		}

		// The participant: the end self-assessment, then the certificate.
		open(t, ctx, base, cohort+"/certificate")
		if p := currentPath(t, ctx); p == cohort+"/assessment/end" {
			testutil.BrowserDo(t, ctx, "rate the capacities",
				chromedp.Click(chromedp.CSS(`input[name="rating.basics"][value="4"]`)),
				chromedp.Click(chromedp.CSS(`input[name="rating.practice"][value="3"]`)),
			)
			clickAndWaitForPage(t, ctx, `.assessment-form button.btn-primary`, "save the ratings")
		}
		if p := currentPath(t, ctx); p != cohort+"/certificate" {
			t.Fatalf("the participant is at %s, not the certificate\n%s", p, testutil.PageReport(ctx))
		}
		code := evalString(t, ctx, "read the code", `document.querySelector("code.secret").textContent`)
		var pdf struct {
			Status int    `json:"status"`
			Type   string `json:"type"`
			Head   string `json:"head"`
			Size   int    `json:"size"`
		}
		got := testutil.BrowserRun(t, ctx, "download the certificate", chromedp.Evaluate[string](`(async () => {
			const a = document.querySelector('a[href$="/certificate.pdf"]');
			const r = await fetch(a.href);
			const b = new Uint8Array(await r.arrayBuffer());
			return JSON.stringify({status: r.status, type: r.headers.get("Content-Type"), head: String.fromCharCode(...b.slice(0, 5)), size: b.length});
		})()`, chromedp.EvalAwaitPromise))
		if err := json.Unmarshal([]byte(got), &pdf); err != nil {
			t.Fatalf("download: %v (%s)", err, got)
		}
		if pdf.Status != 200 || pdf.Type != "application/pdf" || pdf.Head != "%PDF-" || pdf.Size < 1000 {
			t.Fatalf("the certificate download: %+v", pdf)
		}

		// Anyone, signed out: valid.
		actx := testutil.Browser(t)
		open(t, actx, base, "/verify/"+code)
		if txt := evalString(t, actx, "read the status", `document.querySelector(".verify-status").textContent`); !strings.Contains(txt, "Valid certificate") {
			t.Fatalf("verification: %q", txt)
		}
		if txt := evalString(t, actx, "read the page", `document.querySelector("main").innerText`); !strings.Contains(txt, participant.Name) || !strings.Contains(txt, c.Title) {
			t.Fatalf("the verification page does not say who and what:\n%s", txt)
		}

		// The organiser revokes; the page says so.
		octx := testutil.Browser(t)
		signInWith(t, octx, base, admin.Email, f.Password)
		open(t, octx, base, cohort+"/certificates")
		clickAndWaitForPage(t, octx, `a[href$="/revoke"]`, "open the revocation page")
		testutil.BrowserDo(t, octx, "give the reason", chromedp.SendKeys(chromedp.CSS(`#reason`), "Issued in error"))
		clickAndWaitForPage(t, octx, `form button.btn-danger`, "revoke")
		open(t, actx, base, "/verify/"+code)
		if txt := evalString(t, actx, "read the status", `document.querySelector(".verify-status").textContent`); !strings.Contains(txt, "has been revoked") || !strings.Contains(txt, "Issued in error") {
			t.Fatalf("verification after revoking: %q", txt)
		}
		for _, x := range []context.Context{ctx, tctx, actx, octx} {
			for _, c := range testutil.BrowserConsole(x) {
				t.Errorf("browser console: %s", c)
			}
		}
	})
}

// fillForm sets a form's fields in the page as a person would leave them:
// radio buttons and checkboxes ticked by value, text typed, options chosen.
func fillForm(t *testing.T, ctx context.Context, form string, values map[string][]string) {
	t.Helper()
	b, err := json.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	missing := evalString(t, ctx, "fill "+form, fmt.Sprintf(`(() => {
		const f = document.querySelector(%q), vals = %s, missing = [];
		for (const [name, vs] of Object.entries(vals)) {
			const els = [...f.elements].filter(e => e.name === name);
			if (!els.length) { missing.push(name); continue; }
			for (const el of els) {
				if (el.type === "radio" || el.type === "checkbox") el.checked = vs.includes(el.value);
				else el.value = vs[0];
				el.dispatchEvent(new Event("change", {bubbles: true}));
			}
		}
		return missing.join(",");
	})()`, form, b))
	if missing != "" {
		t.Fatalf("the form %s has no fields %s", form, missing)
	}
}
