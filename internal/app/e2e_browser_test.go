package app_test

// End-to-end tests in a real browser: headless Chromium, driven with
// chromedp, against the whole handler on a real HTTP server with the demo
// data. They check what only a browser shows: that the pages work as a
// person uses them (keyboard, clicks, redirects, the organisation switcher
// with and without its script), that they pass axe-core's accessibility
// rules, and that the Content-Security-Policy blocks nothing the pages need.
//
// Without Chromium the test is skipped (it fails under CI). Set
// ATTACHE_SCREENSHOTS=DIR to write the screenshots of the README there:
//
//	ATTACHE_SCREENSHOTS=docs/screenshots go test ./internal/app/ -run Browser
//
// (a relative DIR is taken from the root of the module).

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attache-project/attache/internal/demo"
	"github.com/attache-project/attache/internal/testutil"
)

// browserDemoPassword is the password of every demo account in this test.
const browserDemoPassword = "browser-test-demo-password"

const (
	browserUser     = "editor.ua@demo.attache.test"
	browserMinistry = "Ministry of Foreign Affairs of Ukraine"
	browserMission  = "Embassy of Ukraine in Poland"
)

func TestBrowserSignInAndSwitchOrganisation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		start := time.Now()
		ctx := testutil.Browser(t)
		base := startDemoServer(t, e)
		defer func() { t.Logf("%s: browser test took %s", e.Name, time.Since(start).Round(time.Millisecond)) }()

		// The sign-in page, as a stranger finds it.
		testutil.BrowserDo(t, ctx, "open the sign-in page",
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		)
		requireNoSeriousAxe(t, ctx, "sign-in page")
		saveScreenshot(t, ctx, "login.png")

		// A wrong password keeps the user on the sign-in page with an error.
		testutil.BrowserDo(t, ctx, "type the email address and a wrong password",
			chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), browserUser),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "not-the-password"),
		)
		if st := pressEnterAndWaitForPage(t, ctx, `input[name="password"]`, "submit the wrong password with Enter"); st < 400 || st > 499 {
			t.Errorf("a wrong password is answered with status %d, want a 4xx", st)
		}
		if p := currentPath(t, ctx); p != "/login" {
			t.Fatalf("after a wrong password the browser is at %s, want /login\n%s", p, testutil.PageReport(ctx))
		}
		msg := testutil.BrowserRun(t, ctx, "read the error message",
			chromedp.Text(chromedp.CSS(`[role="alert"]`), chromedp.NodeVisible))
		if strings.TrimSpace(msg) == "" {
			t.Errorf("the sign-in error message is empty\n%s", testutil.PageReport(ctx))
		}
		t.Logf("wrong password: %q", strings.TrimSpace(msg))
		if v := testutil.BrowserRun(t, ctx, "read the email field", chromedp.Value(chromedp.CSS(`input[name="email"]`))); v != browserUser {
			t.Errorf("the email field holds %q after a wrong password, want what was typed (%q)", v, browserUser)
		}
		requireNoSeriousAxe(t, ctx, "sign-in page with an error")

		// Sign in for real: the dashboard of the first organisation.
		testutil.BrowserDo(t, ctx, "type the right password",
			chromedp.Clear(chromedp.CSS(`input[name="email"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), browserUser),
			chromedp.Clear(chromedp.CSS(`input[name="password"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), browserDemoPassword),
		)
		clickAndWaitForPage(t, ctx, `form[action="/login"] button[type="submit"]`, "click the sign-in button")
		if p := currentPath(t, ctx); p != "/o/mfa-ua/" {
			t.Fatalf("after signing in the browser is at %s, want the dashboard of mfa-ua (/o/mfa-ua/)\n%s", p, testutil.PageReport(ctx))
		}
		requireHeading(t, ctx, browserMinistry)
		requireNoSeriousAxe(t, ctx, "dashboard of "+browserMinistry)
		saveScreenshot(t, ctx, "dashboard.png")

		// Switch to the mission with the switcher in the top bar, by
		// keyboard: focus the list, type the start of the name, press the
		// button. Choosing alone does not leave the page.
		switchByKeyboard(t, ctx, true)
		requireHeading(t, ctx, browserMission)

		// Without JavaScript the switcher's button submits it.
		testutil.BrowserDo(t, ctx, "turn JavaScript off and go back to the ministry",
			setScriptsDisabled(true),
			chromedp.Navigate(base+"/o/mfa-ua/"),
		)
		requireHeading(t, ctx, browserMinistry)
		switchByKeyboard(t, ctx, false)
		requireHeading(t, ctx, browserMission)
		testutil.BrowserDo(t, ctx, "turn JavaScript on again", setScriptsDisabled(false))

		// Nothing the pages did was blocked or broken: no CSP violation,
		// no script error. (The 4xx of the wrong password is expected.)
		for _, c := range testutil.BrowserConsole(ctx) {
			if strings.Contains(c, "Failed to load resource") && strings.Contains(c, "/login:") {
				continue
			}
			t.Errorf("browser console: %s", c)
		}
	})
}

// startDemoServer serves the whole application with the demo data on a
// real HTTP server and returns its base URL.
func startDemoServer(t *testing.T, e testutil.Engine) string {
	t.Helper()
	ta := NewTestApp(t, e)
	if _, err := demo.Load(context.Background(), ta.DB, ta.Orgs, ta.Auth, browserDemoPassword); err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	// Registered first, so it runs last, after the server has stopped.
	t.Cleanup(func() {
		if t.Failed() && ta.Logs.Len() > 0 {
			t.Logf("server log:\n%s", ta.Logs.String())
		}
	})
	srv := httptest.NewServer(ta.H)
	t.Cleanup(srv.Close)
	return srv.URL
}

// switchByKeyboard switches from the ministry to the mission with the
// organisation switcher, as a keyboard user does: focus the list, type the
// start of the mission's name, then press the button with Enter (with
// JavaScript) or click it (without). Choosing in the list must not leave
// the page by itself (WCAG 3.2.2, on input), so the button is always
// there, with or without the script.
func switchByKeyboard(t *testing.T, ctx context.Context, withJS bool) {
	t.Helper()
	const sel = `form[action="/switch"] select[name="org"]`
	const button = `form[action="/switch"] [type="submit"]`
	testutil.BrowserDo(t, ctx, "focus the organisation switcher",
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Focus(chromedp.CSS(sel)),
	)
	buttonShown := testutil.BrowserRun(t, ctx, "look for the switcher's button",
		chromedp.Evaluate[bool](`(() => { const b = document.querySelector('form[action="/switch"] [type="submit"]'); return !!b && b.checkVisibility(); })()`))
	if !buttonShown {
		t.Fatalf("the switcher has no visible submit button (JavaScript %v): it cannot be used without leaving the page on a mere choice\n%s", withJS, testutil.PageReport(ctx))
	}
	// A mark on the window: a navigation would wipe it.
	testutil.BrowserDo(t, ctx, "choose the mission in the switcher",
		chromedp.Evaluate[chromedp.Void](`window.attacheStayed = true`),
		chromedp.KeyEvent("Embassy"),
		chromedp.Sleep(400*time.Millisecond),
	)
	stayed := testutil.BrowserRun(t, ctx, "check that choosing did not leave the page",
		chromedp.Evaluate[bool](`window.attacheStayed === true && location.pathname === "/o/mfa-ua/"`))
	if !stayed {
		t.Fatalf("choosing in the switcher left the page without pressing its button (WCAG 3.2.2)\n%s", testutil.PageReport(ctx))
	}
	if got := testutil.BrowserRun(t, ctx, "read the choice", chromedp.Value(chromedp.CSS(sel))); got != "ua-emb-warsaw" {
		t.Fatalf("typing \"Embassy\" in the switcher chose %q, want ua-emb-warsaw", got)
	}
	if withJS {
		waitForPage(t, ctx, "press Enter on the switcher's button", chromedp.SendKeys(chromedp.CSS(button), kb.Enter))
	} else {
		clickAndWaitForPage(t, ctx, button, "click the switcher's button")
	}
	if p := currentPath(t, ctx); p != "/o/ua-emb-warsaw/" {
		t.Fatalf("after switching the browser is at %s, want /o/ua-emb-warsaw/\n%s", p, testutil.PageReport(ctx))
	}
	got := testutil.BrowserRun(t, ctx, "read the switcher", chromedp.Value(chromedp.CSS(sel)))
	if got != "ua-emb-warsaw" {
		t.Errorf("the switcher shows %q on the mission's dashboard, want ua-emb-warsaw", got)
	}
}

// setScriptsDisabled turns JavaScript off or on in the page.
func setScriptsDisabled(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}

// currentPath returns the path of the page in the browser.
func currentPath(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc := testutil.BrowserRun(t, ctx, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// clickAndWaitForPage clicks the element and waits until the page it leads
// to has loaded.
func clickAndWaitForPage(t *testing.T, ctx context.Context, css, step string) int64 {
	t.Helper()
	return waitForPage(t, ctx, step, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// pressEnterAndWaitForPage presses Enter in the field (submitting its form)
// and waits until the next page has loaded.
func pressEnterAndWaitForPage(t *testing.T, ctx context.Context, css, step string) int64 {
	t.Helper()
	return waitForPage(t, ctx, step, chromedp.SendKeys(chromedp.CSS(css), kb.Enter))
}

// waitForPage runs the action and waits until the page it leads to has
// loaded.
// It returns the HTTP status of the page (after redirects); a server error
// fails the test.
func waitForPage(t *testing.T, ctx context.Context, step string, a chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	resp := testutil.BrowserRun(t, ctx, step, func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, a)
	})
	if resp == nil {
		t.Fatalf("%s: no page loaded\n%s", step, testutil.PageReport(ctx))
	}
	t.Logf("%s → %d %s", step, resp.Status, resp.URL)
	if resp.Status >= 500 {
		t.Fatalf("%s: the server answered %d %s\n%s", step, resp.Status, resp.StatusText, testutil.PageReport(ctx))
	}
	return resp.Status
}

// requireHeading checks that the main heading of the page names the
// organisation, visibly.
func requireHeading(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	h := testutil.BrowserRun(t, ctx, "read the main heading", chromedp.Text(chromedp.CSS(`main h1`), chromedp.NodeVisible))
	if strings.TrimSpace(h) != name {
		t.Fatalf("the main heading is %q, want the organisation's name %q\n%s", strings.TrimSpace(h), name, testutil.PageReport(ctx))
	}
}

// requireNoSeriousAxe runs axe-core on the page, fails the test on
// violations of serious or critical impact and logs the others.
func requireNoSeriousAxe(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	var serious, other []testutil.AxeViolation
	for _, v := range testutil.Axe(t, ctx) {
		if v.Serious() {
			serious = append(serious, v)
		} else {
			other = append(other, v)
		}
	}
	if len(serious)+len(other) == 0 {
		t.Logf("axe on the %s: no violations", what)
	}
	if len(other) > 0 {
		t.Logf("axe on the %s: %d minor or moderate violation(s), not failing the test:\n%s", what, len(other), testutil.FormatAxe(other))
	}
	if len(serious) > 0 {
		loc := testutil.BrowserRun(t, ctx, "read the location", chromedp.Location())
		t.Errorf("axe on the %s (%s): %d serious or critical violation(s):\n%s", what, loc, len(serious), testutil.FormatAxe(serious))
	}
}

// saveScreenshot takes a screenshot of the whole page and, when
// ATTACHE_SCREENSHOTS names a directory, writes it there as name.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := testutil.BrowserRun(t, ctx, "take a screenshot for "+name, chromedp.FullScreenshot(100))
	dir := os.Getenv("ATTACHE_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots: %v", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatalf("screenshots: %v", err)
	}
	t.Logf("wrote %s (%d bytes)", p, len(png))
}

// moduleRoot is the directory of go.mod (go test runs in the package's).
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}
