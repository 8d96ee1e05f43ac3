package app_test

// A published variant's metrics in a real browser: the chart renders under
// the strict CSP (nothing in the console), axe-core finds no serious
// violation, and the table opens from its summary by keyboard.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

func TestBrowserVariantMetrics(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		base := startDemoServer(t, e)
		bg := context.Background()
		// An item of the demo ministry with one Telegram variant.
		ua, err := org.GetOrgBySlug(bg, e.DB.R(), "mfa-ua")
		if err != nil {
			t.Fatal(err)
		}
		var editorID int64
		if err := e.DB.R().QueryRowContext(bg, "SELECT id FROM users WHERE email = ?", e2eEditor).Scan(&editorID); err != nil {
			t.Fatal(err)
		}
		ed := &authz.Principal{UserID: editorID, Email: e2eEditor, Memberships: []authz.Membership{{OrgID: ua.ID, Role: authz.Editor}}}
		svc := &campaign.Service{DB: e.DB}
		acc := channel.Account{OrgID: ua.ID, Network: limits.Telegram, Name: "MFA of Ukraine", Handle: "@mfa_ua_metrics", Language: "uk"}
		if err := channel.Insert(bg, e.DB.W(), &acc); err != nil {
			t.Fatal(err)
		}
		c := campaign.Campaign{Title: "Grain corridor", Period: campaign.Period{Start: "2026-01-01", End: "2027-12-31"}}
		if err := svc.Create(bg, ed, audit.System, ua, &c, nil); err != nil {
			t.Fatal(err)
		}
		it := campaign.Item{Title: "Corridor statement", Text: "Зерновий коридор працює."}
		if err := svc.CreateItem(bg, ed, c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: acc.ID, Language: "uk", Text: "Зерновий коридор працює."}}); err != nil {
			t.Fatal(err)
		}
		variantID, itemID := it.Variants[0].ID, it.ID
		pub := time.Now().UTC().Add(-50 * time.Hour).Truncate(time.Second)
		if _, err := e.DB.W().ExecContext(bg, "UPDATE variants SET state = 'published', external_id = '77', url = 'https://t.me/mfa_ua/77', published_at = ? WHERE id = ?", pub, variantID); err != nil {
			t.Fatal(err)
		}
		for i, c := range [][3]int64{{4, 1, 0}, {15, 3, 2}, {40, 8, 5}, {52, 9, 7}, {61, 11, 9}} {
			at := pub.Add([]time.Duration{15 * time.Minute, time.Hour, 3 * time.Hour, 24 * time.Hour, 48 * time.Hour}[i])
			if _, err := e.DB.W().ExecContext(bg, "INSERT INTO post_metrics (variant_id, at, likes, reposts, replies, views) VALUES (?, ?, ?, ?, ?, ?)",
				variantID, at, c[0], c[1], c[2], c[0]*40); err != nil {
				t.Fatal(err)
			}
		}

		signInAs(t, ctx, base, e2eEditor)
		open(t, ctx, base, "/o/mfa-ua/items/"+itoa(itemID))
		box := testutil.BrowserRun(t, ctx, "measure the chart", chromedp.Evaluate[[]float64](
			`(() => { const s = document.querySelector('svg.metrics-chart'); if (!s) return []; const r = s.getBoundingClientRect();
			  const l = s.querySelector('polyline.metrics-line'); return [r.width, r.height, l ? l.getBBox().width : 0,
			  getComputedStyle(l).stroke === 'none' ? 0 : 1]; })()`))
		if len(box) != 4 || box[0] < 200 || box[1] < 100 || box[2] < 100 || box[3] != 1 {
			t.Fatalf("the chart does not render (box %v)\n%s", box, testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "item page with metrics")

		// The table opens from its summary with the keyboard.
		testutil.BrowserDo(t, ctx, "open the table by keyboard",
			chromedp.Focus(chromedp.CSS(`details.metrics-table summary`)),
			chromedp.KeyEvent(kb.Enter),
		)
		rows := evalString(t, ctx, "read the table", `(() => { const d = document.querySelector('details.metrics-table');
			return (d.open ? 'open ' : 'closed ') + d.querySelectorAll('tbody tr').length; })()`)
		if rows != "open 5" {
			t.Fatalf("the table: %q", rows)
		}
		for _, c := range testutil.BrowserConsole(ctx) {
			if strings.Contains(c, "Content Security Policy") || strings.Contains(c, "Content-Security-Policy") {
				t.Errorf("CSP: %s", c)
			} else {
				t.Logf("browser console: %.300s", c)
			}
		}
	})
}
