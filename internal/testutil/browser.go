package testutil

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored in axe/ (see axe/README.md).
//
//go:embed axe/axe.min.js
var axeSource string

// BrowserStepTimeout bounds every browser step run through BrowserDo,
// BrowserRun and Axe, so that a hang fails the test instead of blocking it.
const BrowserStepTimeout = 20 * time.Second

// ChromiumPath returns the Chromium to run: ATTACHE_TEST_CHROMIUM, else the
// first of chromium, chromium-browser, google-chrome found on PATH (Debian's
// chromium is /usr/bin/chromium). It returns "" when there is none.
func ChromiumPath() string {
	if p := os.Getenv("ATTACHE_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserState is what Browser keeps next to the tab: the console problems
// of the page and Chromium's own output.
type browserState struct {
	mu      sync.Mutex
	console []string
	out     *lockedBuffer
}

type browserKey struct{}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Browser starts a headless Chromium with a fresh profile for t and returns
// the context of its tab, for chromedp actions. The browser stops when the
// test ends. Without Chromium the test is skipped, except under CI (CI set),
// where it fails: CI installs Chromium.
//
// Run actions with BrowserDo and BrowserRun, which bound each step with
// BrowserStepTimeout and print the page on failure; do not put a deadline on
// the returned context itself, that would stop the browser.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found: CI must install it (apt-get install chromium) or set ATTACHE_TEST_CHROMIUM")
		}
		t.Skip("no Chromium: install it (Debian: apt-get install chromium) or set ATTACHE_TEST_CHROMIUM to its path")
	}
	st := &browserState{out: &lockedBuffer{}}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "en-GB"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1366, 900),
		chromedp.CombinedOutput(st.out),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a deadline, so
	// bound it from the outside.
	started := make(chan error, 1)
	// The viewport is set too: headless Chromium keeps part of the window
	// for its (invisible) browser interface.
	go func() { started <- chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start Chromium (%s): %v\nChromium output:\n%s", path, err, st.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Chromium (%s) did not start within 30 s\nChromium output:\n%s", path, st.out.String())
	}
	ctx = context.WithValue(ctx, browserKey{}, st)
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				s := m.String()
				if m.URL != "" {
					s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
				}
				st.mu.Lock()
				st.console = append(st.console, s)
				st.mu.Unlock()
			}
		}
	}()
	return ctx
}

// BrowserConsole returns the errors, warnings and uncaught exceptions the
// pages of the browser of ctx wrote to the console so far (CSP violations
// show up here), and forgets them.
func BrowserConsole(ctx context.Context) []string {
	st, _ := ctx.Value(browserKey{}).(*browserState)
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	out := st.console
	st.console = nil
	return out
}

// BrowserDo runs the actions as one named step, within BrowserStepTimeout.
// On failure it fails the test with the step, the error, the page URL and
// the visible text of the page.
func BrowserDo(t testing.TB, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	BrowserRun(t, ctx, step, chromedp.Steps(actions...))
}

// BrowserRun is BrowserDo for one action that returns a value.
func BrowserRun[T any](t testing.TB, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, BrowserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		if sctx.Err() != nil {
			err = fmt.Errorf("%w (step timeout %s)", err, BrowserStepTimeout)
		}
		t.Fatalf("browser step %q failed: %v\n%s", step, err, PageReport(ctx))
	}
	return v
}

// PageReport describes the current page for a failure message: its URL,
// its title, the visible text of its body and recent console problems.
func PageReport(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	type state struct {
		URL, Title, Text string
	}
	s, err := chromedp.Run(sctx, chromedp.Evaluate[state](`({URL: location.href, Title: document.title, Text: document.body ? document.body.innerText : "(no body)"})`))
	if err != nil {
		return fmt.Sprintf("(could not read the page: %v)", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "page URL:   %s\npage title: %s\nvisible text of the page:\n", s.URL, s.Title)
	for line := range strings.SplitSeq(strings.TrimSpace(s.Text), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintf(&b, "    | %s\n", line)
		}
	}
	if cs := BrowserConsole(ctx); len(cs) > 0 {
		fmt.Fprintf(&b, "console:\n    %s\n", strings.Join(cs, "\n    "))
	}
	return b.String()
}

// AxeViolation is one rule that axe-core found violated on a page.
type AxeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"` // minor, moderate, serious or critical
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that violates a rule.
type AxeNode struct {
	Target  []string `json:"target"`  // CSS selectors, one per frame or shadow root
	HTML    string   `json:"html"`    // the element's opening tag, abridged
	Summary string   `json:"summary"` // what to fix
}

// Serious reports whether the impact is serious or critical.
func (v AxeViolation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// String lists the violation readably: rule, impact, help, and every node.
func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n      at %s  %s", strings.Join(n.Target, " "), n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&b, "\n         %s", strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", "\n         "))
		}
	}
	return b.String()
}

// FormatAxe lists violations, one block each.
func FormatAxe(vs []AxeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  - ")
		b.WriteString(v.String())
		b.WriteString("\n")
	}
	return b.String()
}

// axeRun runs axe-core on the document and keeps what a report needs.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
		html: n.html.length > 300 ? n.html.slice(0, 300) + '…' : n.html,
		summary: n.failureSummary || '',
	})),
})))`

// Axe injects the vendored axe-core into the current page of ctx and returns
// the accessibility violations it finds (every rule axe runs by default:
// WCAG 2.x A and AA and best practices). The script is evaluated through
// DevTools, which the page's Content-Security-Policy does not restrict.
func Axe(t testing.TB, ctx context.Context) []AxeViolation {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, BrowserStepTimeout)
	defer cancel()
	loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		t.Fatalf("axe: %v\n%s", err, PageReport(ctx))
	}
	if !loaded {
		if err := chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;true")); err != nil {
			t.Fatalf("axe: inject axe-core: %v\n%s", err, PageReport(ctx))
		}
	}
	raw, err := chromedp.Run(sctx, chromedp.Evaluate[[]byte](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: run: %v\n%s", err, PageReport(ctx))
	}
	var vs []AxeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("axe: decode results: %v: %.500s", err, raw)
	}
	return vs
}
