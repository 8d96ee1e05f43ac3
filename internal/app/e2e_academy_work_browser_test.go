package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/testutil"
)

// signInWith signs a fixture user in through the form.
func signInWith(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	testutil.BrowserDo(t, ctx, "open the sign-in page as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
	)
	clickAndWaitForPage(t, ctx, `form[action="/login"] button[type="submit"]`, "sign in as "+email)
}

// noHorizontalScroll checks that the page fits a phone's width.
func noHorizontalScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	over := testutil.BrowserRun(t, ctx, "measure "+what, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if over > 1 {
		t.Errorf("%s is %d px wider than a phone's screen\n%s", what, over, testutil.PageReport(ctx))
	}
}

// Course work in a browser: the pages pass axe-core; a participant hands
// in text with the keyboard; the trainer grades with the rubric by
// keyboard alone (arrow keys in a criterion's radio group, Space, typing,
// Enter on "Return for revision"); the queue and the review page fit a
// phone's width; a peer's and a trainer's view of a frozen campaign plan
// pass axe too.
func TestBrowserCourseWork(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		bg := context.Background()
		w := newWorkFixture(t, e)
		f := w.f
		srv := httptest.NewServer(f.H)
		t.Cleanup(srv.Close)
		base := srv.URL
		participant, trainer := f.Members[authz.Participant], f.Members[authz.Trainer]
		text, file, plan := w.assignment(t, academy.AssignText), w.assignment(t, academy.AssignFile), w.assignment(t, academy.AssignCampaignPlan)

		// The participant hands in text.
		signInWith(t, ctx, base, participant.Email, f.Password)
		open(t, ctx, base, w.assignmentURL(text))
		requireNoSeriousAxe(t, ctx, "assignment page")
		testutil.BrowserDo(t, ctx, "type the answer",
			chromedp.SendKeys(chromedp.CSS(`#body`), "Georgia welcomes the first grain ship."))
		pressEnterAndWaitForPage(t, ctx, `form.work-form button[type="submit"]`, "hand in with Enter")
		if got := evalString(t, ctx, "read the notice", `document.querySelector(".notice-ok") ? document.querySelector(".notice-ok").textContent : ""`); !strings.Contains(got, "handed in") {
			t.Fatalf("no confirmation after handing in: %q\n%s", got, testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "assignment page after handing in")
		open(t, ctx, base, w.base()+"/submissions")
		requireNoSeriousAxe(t, ctx, "my course work")

		// More work for the queue: a file and a frozen plan.
		pp := principalOf(t, f, participant)
		if _, err := f.Academy.Submit(bg, pp, audit.System, w.cohort.ID, file.ID, academy.SubmitInput{File: bytes.NewReader(testPDF()), FileName: "deck.pdf"}); err != nil {
			t.Fatal(err)
		}
		sb, err := f.Academy.OpenSandbox(bg, pp, audit.System, w.cohort.ID)
		if err != nil {
			t.Fatal(err)
		}
		pp = principalOf(t, f, participant)
		c := campaign.Campaign{Title: "Grain from Ukraine", Brief: "Thank the **partners**.", Period: campaign.Period{Start: "2026-04-01", End: "2026-05-31"}}
		cplan := &campaign.Plan{
			Objectives:  []campaign.Objective{{Title: "Reach in Georgia", Metric: "reach", TargetValue: 200000, DueDate: "2026-05-31"}},
			Audiences:   []campaign.Audience{{Country: "GE", Language: "ka", Description: "Georgian public"}},
			KeyMessages: []campaign.KeyMessage{{Title: "Food security", Translations: map[string]string{"en": "Food security is security.", "uk": "Продовольча безпека — це безпека."}}},
		}
		if err := f.Campaigns.Create(bg, pp, audit.System, sb, &c, cplan); err != nil {
			t.Fatal(err)
		}
		planSub, err := f.Academy.Submit(bg, pp, audit.System, w.cohort.ID, plan.ID, academy.SubmitInput{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		open(t, ctx, base, "/o/"+sb.Slug+"/campaigns")
		requireNoSeriousAxe(t, ctx, "sandbox studio")

		// The trainer: the queue, on a desktop and on a phone.
		tctx := testutil.Browser(t)
		signInWith(t, tctx, base, trainer.Email, f.Password)
		open(t, tctx, base, w.base()+"/grading")
		requireNoSeriousAxe(t, tctx, "grading queue")
		if n := testutil.BrowserRun(t, tctx, "count the queue", chromedp.Evaluate[int](`document.querySelectorAll("table.grading tbody tr").length`)); n != 3 {
			t.Fatalf("queue rows: %d\n%s", n, testutil.PageReport(tctx))
		}
		saveScreenshot(t, tctx, "academy-grading.png")
		testutil.BrowserDo(t, tctx, "a phone's screen", chromedp.EmulateViewport(390, 844))
		open(t, tctx, base, w.base()+"/grading")
		noHorizontalScroll(t, tctx, "the queue")
		saveScreenshot(t, tctx, "academy-grading-phone.png")
		open(t, tctx, base, fmt.Sprintf("%s/submissions/%d", w.base(), planSub.ID))
		noHorizontalScroll(t, tctx, "the frozen plan")
		requireNoSeriousAxe(t, tctx, "frozen plan on a phone")
		saveScreenshot(t, tctx, "academy-plan-phone.png")
		testutil.BrowserDo(t, tctx, "back to a desktop", chromedp.EmulateViewport(1366, 900))

		// The rubric by keyboard: the text is the oldest, first in the queue.
		sub := w.latest(t, text)
		open(t, tctx, base, fmt.Sprintf("%s/submissions/%d", w.base(), sub))
		requireNoSeriousAxe(t, tctx, "review page")
		testutil.BrowserDo(t, tctx, "grade by keyboard",
			chromedp.Focus(chromedp.CSS(`[id="level.clarity-0"]`)),
			chromedp.KeyEvent(kb.ArrowDown), // the next level of the group: "Muddled"
			chromedp.Focus(chromedp.CSS(`[id="level.facts-0"]`)),
			chromedp.KeyEvent(" "),
			chromedp.SendKeys(chromedp.CSS(`[id="comment.clarity"]`), "Two messages compete."),
			chromedp.SendKeys(chromedp.CSS(`#comment`), "Keep one message."),
		)
		checked := evalString(t, tctx, "read the chosen levels", `[...document.querySelectorAll(".rubric-choices input:checked")].map(i => i.id).join(",")`)
		if checked != "level.clarity-1,level.facts-0" {
			t.Fatalf("levels chosen by keyboard: %q", checked)
		}
		pressEnterAndWaitForPage(t, tctx, `button[value="revise"]`, "return for revision with Enter")
		body := evalString(t, tctx, "read the page", `document.querySelector("main").innerText`)
		for _, want := range []string{"Returned for revision", "Muddled", "Two messages compete.", "Keep one message.", "3 of 5 points"} {
			if !strings.Contains(body, want) {
				t.Errorf("after returning, the page lacks %q:\n%s", want, body)
			}
		}
		requireNoSeriousAxe(t, tctx, "review page after the decision")
		open(t, tctx, base, fmt.Sprintf("%s/submissions/%d", w.base(), planSub.ID))
		requireNoSeriousAxe(t, tctx, "frozen plan")
		saveScreenshot(t, tctx, "academy-plan.png")

		// A peer's anonymous view with the rubric form.
		var peer *TestUser
		for _, u := range w.peers {
			var n int
			f.DB.R().QueryRowContext(bg, "SELECT COUNT(*) FROM peer_assignments WHERE submission_id = ? AND reviewer_id = ?", planSub.ID, u.ID).Scan(&n)
			if n == 1 && peer == nil {
				peer = u
			}
		}
		if peer == nil {
			t.Fatal("no peer assigned to the plan")
		}
		qctx := testutil.Browser(t)
		signInWith(t, qctx, base, peer.Email, f.Password)
		open(t, qctx, base, fmt.Sprintf("%s/submissions/%d", w.base(), planSub.ID))
		requireNoSeriousAxe(t, qctx, "peer's view")
		if strings.Contains(evalString(t, qctx, "read the page", `document.body.innerText`), participant.Name) {
			t.Error("the peer's page names the author")
		}
		for _, x := range []context.Context{ctx, tctx, qctx} {
			for _, c := range testutil.BrowserConsole(x) {
				t.Errorf("browser console: %s", c)
			}
		}
	})
}
