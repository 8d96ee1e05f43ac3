package app_test

// The campaign studio's main journey in a real browser, on the demo data:
// an editor adds two channel accounts, creates a campaign and an item with
// two variants (Telegram in Ukrainian, X in English) with times, and
// submits both; the author has no approve button and is refused when
// approving anyway; the reviewer approves both; the calendar's list view
// shows both. axe-core checks the campaign page and the composer.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attache-project/attache/internal/testutil"
)

const (
	e2eEditor   = "editor.ua@demo.attache.test"
	e2eReviewer = "reviewer.ua@demo.attache.test"
)

// signInAs opens the sign-in page and signs in.
func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	testutil.BrowserDo(t, ctx, "open the sign-in page as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), browserDemoPassword),
	)
	clickAndWaitForPage(t, ctx, `form[action="/login"] button[type="submit"]`, "sign in as "+email)
	if p := currentPath(t, ctx); !strings.HasPrefix(p, "/o/") {
		t.Fatalf("after signing in as %s the browser is at %s\n%s", email, p, testutil.PageReport(ctx))
	}
}

// open navigates to path and waits for the main heading.
func open(t *testing.T, ctx context.Context, base, path string) {
	t.Helper()
	st := waitForPage(t, ctx, "open "+path, chromedp.Navigate(base+path))
	if st >= 400 {
		t.Fatalf("%s answered %d\n%s", path, st, testutil.PageReport(ctx))
	}
}

// evalString runs a script that returns a string.
func evalString(t *testing.T, ctx context.Context, step, js string) string {
	t.Helper()
	return testutil.BrowserRun(t, ctx, step, chromedp.Evaluate[string](js))
}

func TestBrowserCampaignJourney(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		base := startDemoServer(t, e)
		signInAs(t, ctx, base, e2eEditor)

		// Two channel accounts, through the form.
		for _, acc := range []struct{ network, name, handle, lang string }{
			{"telegram", "E2E Telegram channel", "t.me/e2e_mfa_ua", "uk"},
			{"x", "E2E X account", "@E2E_MFA_UA", "en"},
		} {
			open(t, ctx, base, "/o/mfa-ua/channels")
			testutil.BrowserDo(t, ctx, "fill the account form for "+acc.network,
				chromedp.SetValue(chromedp.CSS(`form[action="/o/mfa-ua/channels"] select[name="network"]`), acc.network),
				chromedp.SendKeys(chromedp.CSS(`#name`), acc.name),
				chromedp.SendKeys(chromedp.CSS(`#handle`), acc.handle),
				chromedp.SendKeys(chromedp.CSS(`#language`), acc.lang),
			)
			clickAndWaitForPage(t, ctx, `form[action="/o/mfa-ua/channels"] button[type="submit"]`, "add the "+acc.network+" account")
		}

		// A campaign.
		open(t, ctx, base, "/o/mfa-ua/campaigns")
		clickAndWaitForPage(t, ctx, `a[href="/o/mfa-ua/campaigns/new"]`, "open the new campaign form")
		testutil.BrowserDo(t, ctx, "fill the campaign form",
			chromedp.SendKeys(chromedp.CSS(`#title`), "Grain from Ukraine (browser)"),
			chromedp.SendKeys(chromedp.CSS(`#brief`), "Ukrainian **grain** feeds the world."),
			chromedp.SetValue(chromedp.CSS(`#start`), "2026-12-01"),
			chromedp.SetValue(chromedp.CSS(`#end`), "2026-12-31"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.title"]`), "Reach"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.metric"]`), "impressions"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.target_value"]`), "100000"),
			chromedp.SendKeys(chromedp.CSS(`[id="objectives.0.current_value"]`), "25000"),
		)
		clickAndWaitForPage(t, ctx, `form.studio-form button[type="submit"]`, "create the campaign")
		campaignPath := currentPath(t, ctx)
		if !strings.HasPrefix(campaignPath, "/o/mfa-ua/campaigns/") {
			t.Fatalf("after creating the campaign the browser is at %s\n%s", campaignPath, testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "campaign page")

		// The composer: Telegram in Ukrainian, X in English, with times.
		clickAndWaitForPage(t, ctx, `a[href$="/items/new"]`, "open the composer")
		requireNoSeriousAxe(t, ctx, "empty composer")
		optionOf := func(block, label string) string {
			return evalString(t, ctx, "find the "+label+" account", fmt.Sprintf(
				`[...document.querySelectorAll('#%s-account option')].find(o => o.text.includes(%q)).value`, block, label))
		}
		tg, x := optionOf("n0", "E2E Telegram channel"), optionOf("n1", "E2E X account")
		testutil.BrowserDo(t, ctx, "write the master text and the Telegram variant",
			chromedp.SendKeys(chromedp.CSS(`#item-text`), "Ukrainian grain feeds the world."),
			chromedp.SetValue(chromedp.CSS(`#n0-account`), tg),
			chromedp.SendKeys(chromedp.CSS(`#n0-language`), "uk"),
			chromedp.SendKeys(chromedp.CSS(`#n0-text`), "Українське зерно годує світ: https://mfa.gov.ua/grain"),
			chromedp.SetValue(chromedp.CSS(`#n0-at`), "2026-12-02T10:00"),
		)
		// The live counter answers in the network's unit (htmx, under the CSP).
		testutil.BrowserDo(t, ctx, "wait for the Telegram counter",
			chromedp.Poll[chromedp.Void](`document.querySelector('#n0-counter').textContent.includes('/ 4096')`, chromedp.WithPollingTimeout(10*time.Second)))
		testutil.BrowserDo(t, ctx, "write the X variant",
			chromedp.SetValue(chromedp.CSS(`#n1-account`), x),
			chromedp.SendKeys(chromedp.CSS(`#n1-language`), "en"),
			chromedp.SendKeys(chromedp.CSS(`#n1-text`), "Ukrainian grain feeds the world: https://mfa.gov.ua/grain"),
			chromedp.SetValue(chromedp.CSS(`#n1-at`), "2026-12-02T12:00"),
		)
		testutil.BrowserDo(t, ctx, "wait for the X counter and preview",
			chromedp.Poll[chromedp.Void](`document.querySelector('#n1-counter').textContent.includes('/ 280') && document.querySelector('#n1-preview .preview-link') !== null`, chromedp.WithPollingTimeout(10*time.Second)))
		requireNoSeriousAxe(t, ctx, "filled composer")
		clickAndWaitForPage(t, ctx, `form.composer button[type="submit"].btn-primary`, "save the item")
		itemPath := currentPath(t, ctx)
		if !strings.HasPrefix(itemPath, "/o/mfa-ua/items/") {
			t.Fatalf("after saving the item the browser is at %s\n%s", itemPath, testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "composer of a saved item")
		ids := strings.Fields(evalString(t, ctx, "read the variant ids",
			`[...document.querySelectorAll('form[action$="/submit"]')].map(f => f.action.split('/').at(-2)).join(' ')`))
		if len(ids) != 2 {
			t.Fatalf("the item has %d variants to submit, want 2\n%s", len(ids), testutil.PageReport(ctx))
		}
		for range ids {
			clickAndWaitForPage(t, ctx, `form[action$="/submit"] button`, "submit a variant for review")
		}

		// The author: no approve button, and approving anyway is refused.
		open(t, ctx, base, "/o/mfa-ua/approvals")
		if n := evalString(t, ctx, "count approve buttons", `String(document.querySelectorAll('form[action$="/approve"] button').length)`); n != "0" {
			t.Errorf("the author sees %s approve buttons, want none", n)
		}
		if n := evalString(t, ctx, "count four-eyes notes", `String(document.querySelectorAll('.four-eyes').length)`); n != "2" {
			t.Errorf("the author sees %s four-eyes notes, want 2\n%s", n, testutil.PageReport(ctx))
		}
		st := testutil.BrowserRun(t, ctx, "approve as the author", chromedp.Evaluate[string](fmt.Sprintf(
			`fetch('/o/mfa-ua/variants/%s/approve', {method: 'POST'}).then(r => String(r.status))`, ids[0]), chromedp.EvalAwaitPromise))
		if st != "403" {
			t.Errorf("the author approving got %s, want 403", st)
		}
		clickAndWaitForPage(t, ctx, `form[action="/logout"] button`, "sign out")

		// The reviewer approves both, by keyboard-reachable buttons.
		signInAs(t, ctx, base, e2eReviewer)
		open(t, ctx, base, "/o/mfa-ua/approvals")
		requireNoSeriousAxe(t, ctx, "approval queue")
		for _, id := range ids {
			clickAndWaitForPage(t, ctx, fmt.Sprintf(`form[action="/o/mfa-ua/variants/%s/approve"] button`, id), "approve variant "+id)
		}

		// Both are scheduled: on the campaign page and in the calendar's list.
		open(t, ctx, base, campaignPath)
		if n := evalString(t, ctx, "count scheduled chips", `String(document.querySelectorAll('.vstate-scheduled').length)`); n != "2" {
			t.Errorf("the campaign page shows %s scheduled variants, want 2\n%s", n, testutil.PageReport(ctx))
		}
		open(t, ctx, base, "/o/mfa-ua/calendar?view=list&date=2026-12-01")
		text := evalString(t, ctx, "read the calendar list", `document.querySelector('main').innerText`)
		for _, want := range []string{"E2E Telegram channel", "E2E X account"} {
			if !strings.Contains(text, want) {
				t.Errorf("the calendar's list view does not show %q:\n%.1500s", want, text)
			}
		}

		for _, c := range testutil.BrowserConsole(ctx) {
			if strings.Contains(c, "403") && strings.Contains(c, "/approve") {
				continue // the author's refused approval, on purpose
			}
			if strings.Contains(c, "/o/mfa-ua/calendar") {
				t.Logf("browser console on the calendar page (not the studio's): %.300s", c)
				continue
			}
			t.Errorf("browser console: %s", c)
		}
	})
}
