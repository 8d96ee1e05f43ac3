package app_test

// HTTP tests of the campaign studio's web UI: campaigns, the composer, the
// approval queue and channel accounts, through the real handler on every
// engine. The matrix's params helpers for these routes are here too.

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// Matrix helpers (matrix_web_test.go): resources of A, fresh per request.

func webCampaignOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": campaignIn(t, f, f.A)}
}

// webJointCampaignOfA gives a campaign of A with the programme as partner.
func webJointCampaignOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": jointCampaignIn(t, f, f.A), "partner": itoa(f.Programme.ID)}
}

func webItemOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": itemIn(t, f, f.A), "account": itoa(accountOf(t, f, f.A))}
}

// webVariantOfA gives a draft variant of A on A's Telegram account.
func webVariantOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": variantIn(t, f, f.A), "account": itoa(accountOf(t, f, f.A))}
}

// webSubmittedVariantOfA gives a variant of A in review, written by A's editor.
func webSubmittedVariantOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": submittedVariantIn(t, f, f.A)}
}

// webApproverStatuses is what each role of A gets when deciding on a
// variant in review written by A's editor, under the default policy: the
// decision redirects to the queue; the author is refused by four eyes,
// roles outside the policy by the policy, roles without campaigns by the
// route.
var webApproverStatuses = map[authz.Role]int{
	authz.Admin:       http.StatusSeeOther,
	authz.Editor:      http.StatusForbidden,
	authz.Reviewer:    http.StatusSeeOther,
	authz.Analyst:     http.StatusForbidden,
	authz.Trainer:     http.StatusForbidden,
	authz.Participant: http.StatusForbidden,
	authz.Alumni:      http.StatusForbidden,
}

var (
	campaignLocRE = regexp.MustCompile(`^/o/ministry-alpha/campaigns/(\d+)\?done=created$`)
	itemLocRE     = regexp.MustCompile(`^/o/ministry-alpha/items/(\d+)\?done=created$`)
	submitRE      = regexp.MustCompile(`action="/o/ministry-alpha/variants/(\d+)/submit"`)
	approveRE     = regexp.MustCompile(`action="/o/ministry-alpha/variants/(\d+)/approve"`)
	accountRE     = regexp.MustCompile(`<option value="(\d+)"[^>]*>([A-Za-z]+) · `)
)

func wantLocation(t *testing.T, what string, resp Response, re *regexp.Regexp) string {
	t.Helper()
	wantStatus(t, what, resp, http.StatusSeeOther)
	m := re.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("%s: Location %q does not match %s", what, resp.Header.Get("Location"), re)
	}
	return m[1]
}

func TestWebCampaignStudio(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		ed := newBrowser(t, f)
		ed.signIn(f.Members[authz.Editor])
		const base = "/o/ministry-alpha/"

		// Channel accounts through their form.
		for _, acc := range []url.Values{
			{"network": {"telegram"}, "name": {"Alpha Telegram"}, "handle": {"t.me/alpha_mfa"}, "language": {"uk"}},
			{"network": {"x"}, "name": {"Alpha on X"}, "handle": {"@AlphaMFA"}, "language": {"en"}},
		} {
			wantStatus(t, "add account "+acc.Get("network"), ed.post(base+"channels", acc), http.StatusSeeOther)
		}
		resp := ed.post(base+"channels", url.Values{"network": {"x"}, "name": {"Twice"}, "handle": {"@AlphaMFA"}, "language": {"en"}})
		wantStatus(t, "duplicate handle", resp, http.StatusUnprocessableEntity)
		wantBody(t, "duplicate handle", resp, `value="Twice"`, `aria-invalid="true"`)
		resp = ed.get(base + "channels")
		wantBody(t, "channel list", resp, "Alpha Telegram", "@AlphaMFA")

		// A campaign: a bad period is refused in place, with what was typed.
		form := url.Values{"title": {"Grain from Ukraine"}, "brief": {"**Grain** feeds the world. <script>alert(1)</script>"},
			"start": {"2026-12-31"}, "end": {"2026-12-01"}, "status": {"active"}, "tags": {"grain, food security"},
			"objectives.0.title": {"Reach"}, "objectives.0.metric": {"impressions"}, "objectives.0.target_value": {"1000"}, "objectives.0.current_value": {"250"},
			"key_messages.0.title": {"Black Sea corridor"}, "key_messages.0.line_to_take": {"on"},
			"key_messages.0.tr.0.lang": {"uk"}, "key_messages.0.tr.0.text": {"Зерновий коридор працює."},
			"key_messages.0.tr.1.lang": {"en"}, "key_messages.0.tr.1.text": {"The grain corridor works."}}
		resp = ed.post(base+"campaigns", form)
		wantStatus(t, "bad period", resp, http.StatusUnprocessableEntity)
		wantBody(t, "bad period", resp, "The end must not be before the start.", `value="Grain from Ukraine"`, `id="end-error"`, "Зерновий коридор працює.")
		form.Set("start", "2026-12-01")
		form.Set("end", "2026-12-31")
		id := wantLocation(t, "create campaign", ed.post(base+"campaigns", form), campaignLocRE)
		resp = ed.get(base + "campaigns/" + id)
		wantStatus(t, "campaign page", resp, http.StatusOK)
		wantBody(t, "campaign page", resp, "<strong>Grain</strong> feeds the world.", `value="25"`, "Line to take", `lang="uk"`, "Зерновий коридор працює.")
		if strings.Contains(resp.Body, "<script>alert") {
			t.Error("the brief's script reached the page")
		}
		wantBody(t, "campaign list", ed.get(base+"campaigns?status=active&q=grain"), "Grain from Ukraine")
		if resp := ed.get(base + "campaigns?status=completed"); strings.Contains(resp.Body, "Grain from Ukraine") {
			t.Error("the status filter shows an active campaign under completed")
		}

		// The campaign of A is not found under B, even by a member of both.
		f.AddMember(t, f.B, f.Members[authz.Editor], authz.Editor)
		wantStatus(t, "A's campaign under B", ed.get("/o/ministry-beta/campaigns/"+id), http.StatusNotFound)

		// The composer: accounts by name.
		resp = ed.get(base + "campaigns/" + id + "/items/new")
		wantStatus(t, "composer", resp, http.StatusOK)
		accs := map[string]string{}
		for _, m := range accountRE.FindAllStringSubmatch(resp.Body, -1) {
			accs[m[2]] = m[1]
		}
		if accs["Telegram"] == "" || accs["X"] == "" {
			t.Fatalf("composer offers accounts %v", accs)
		}
		long := strings.Repeat("Grain corridor ", 20) // 300 characters: over X's 280
		item := url.Values{"title": {"Corridor"}, "text": {"The grain corridor works."},
			"n0.account": {accs["Telegram"]}, "n0.language": {"uk"}, "n0.text": {"Зерновий коридор працює: https://mfa.gov.ua/grain"}, "n0.at": {"2026-12-02T10:00"},
			"n1.account": {accs["X"]}, "n1.language": {"en"}, "n1.text": {long}, "n1.at": {"2026-12-02T12:00"}}
		resp = ed.post(base+"campaigns/"+id+"/items", item)
		wantStatus(t, "over-limit variant", resp, http.StatusUnprocessableEntity)
		wantBody(t, "over-limit variant", resp, "X counts 300 weighted characters; the limit is 280.", strings.TrimSpace(long), "Зерновий коридор працює")

		// The live counter.
		resp = ed.post(base+"composer/count", url.Values{"prefix": {"n1."}, "n1.account": {accs["X"]}, "n1.text": {long}, "n1.at": {"2026-12-02T12:00"}})
		wantStatus(t, "counter", resp, http.StatusOK)
		wantBody(t, "counter", resp, `id="n1-counter"`, "counter-over", "/ 280", `hx-swap-oob="true"`, "2026-12-02 11:00 UTC")
		wantStatus(t, "counter with a bad prefix", ed.post(base+"composer/count", url.Values{"prefix": {"x\"><script>"}}), http.StatusBadRequest)

		item.Set("n1.text", "The grain corridor works: https://mfa.gov.ua/grain")
		itemID := wantLocation(t, "create item", ed.post(base+"campaigns/"+id+"/items", item), itemLocRE)
		resp = ed.get(base + "items/" + itemID)
		wantStatus(t, "item page", resp, http.StatusOK)
		// Europe/Tirane is UTC+1 in December.
		wantBody(t, "item page", resp, "2026-12-02 09:00 UTC", "2026-12-02 11:00 UTC", `class="preview-link"`, "Draft")
		vids := submitRE.FindAllStringSubmatch(resp.Body, -1)
		if len(vids) != 2 {
			t.Fatalf("item page has %d submit buttons, want 2", len(vids))
		}
		for _, v := range vids {
			wantStatus(t, "submit "+v[1], ed.post(base+"variants/"+v[1]+"/submit", nil), http.StatusSeeOther)
		}
		wantBody(t, "submitted", ed.get(base+"campaigns/"+id), "vstate-in_review", "In review")

		// The author sees the queue without an approve button, and cannot approve.
		resp = ed.get(base + "approvals")
		wantStatus(t, "author's queue", resp, http.StatusOK)
		wantBody(t, "author's queue", resp, "You wrote this; someone else must approve.", "1 approval from: Reviewer, Admin")
		if approveRE.MatchString(resp.Body) {
			t.Error("the author is offered an approve button")
		}
		resp = ed.post(base+"variants/"+vids[0][1]+"/approve", nil)
		wantStatus(t, "author approves", resp, http.StatusForbidden)
		wantBody(t, "author approves", resp, "Four eyes")

		// The reviewer: a comment is required to request changes, then approves both.
		rv := newBrowser(t, f)
		rv.signIn(f.Members[authz.Reviewer])
		resp = rv.get(base + "approvals")
		wantStatus(t, "reviewer's queue", resp, http.StatusOK)
		if got := len(approveRE.FindAllString(resp.Body, -1)); got != 2 {
			t.Fatalf("reviewer's queue has %d approve buttons, want 2", got)
		}
		wantBody(t, "reviewer's queue", resp, "<ins>", "Зерновий коридор")
		resp = rv.post(base+"variants/"+vids[0][1]+"/request-changes", url.Values{"comment": {"  "}})
		wantStatus(t, "request changes without a comment", resp, http.StatusUnprocessableEntity)
		wantBody(t, "request changes without a comment", resp, "Say what should change.")
		for _, v := range vids {
			wantStatus(t, "approve "+v[1], rv.post(base+"variants/"+v[1]+"/approve", url.Values{}), http.StatusSeeOther)
		}
		resp = ed.get(base + "campaigns/" + id)
		if n := strings.Count(resp.Body, `class="vstate vstate-scheduled">Scheduled<`); n != 2 {
			t.Errorf("campaign page shows %d Scheduled chips, want 2: %.2000s", n, resp.Body)
		}
		wantBody(t, "approvals empty", rv.get(base+"approvals"), "Nothing is waiting for approval.")

		// An approved variant is locked: editing it needs the confirmation.
		v := vids[1][1]
		edit := url.Values{"v" + v + ".account": {accs["X"]}, "v" + v + ".language": {"en"}, "v" + v + ".text": {"The grain corridor still works: https://mfa.gov.ua/grain"}, "v" + v + ".at": {"2026-12-02T12:00"}}
		resp = ed.post(base+"variants/"+v, edit)
		wantStatus(t, "edit approved without confirming", resp, http.StatusConflict)
		wantBody(t, "edit approved without confirming", resp, "still works")
		edit.Set("v"+v+".reopen", "on")
		wantStatus(t, "edit approved, confirmed", ed.post(base+"variants/"+v, edit), http.StatusSeeOther)
		resp = ed.get(base + "variants/" + v + "/history")
		wantStatus(t, "history", resp, http.StatusOK)
		wantBody(t, "history", resp, "<ins>still </ins>", "Version 2 compared with version 1")

		// The approval policy (admin only) and its link in the admin tabs.
		ad := newBrowser(t, f)
		ad.signIn(f.Members[authz.Admin])
		wantBody(t, "admin tabs", ad.get(base+"admin/approvals"), `href="/o/ministry-alpha/admin/approvals"`)
		resp = ad.post(base+"admin/approvals", url.Values{"steps": {"2"}})
		wantStatus(t, "policy without roles", resp, http.StatusUnprocessableEntity)
		wantStatus(t, "policy", ad.post(base+"admin/approvals", url.Values{"steps": {"2"}, "roles": {"reviewer", "admin"}}), http.StatusSeeOther)
		wantBody(t, "rule", rv.get(base+"approvals"), "2 approvals from: Reviewer, Admin")
		wantStatus(t, "policy by an editor", ed.get(base+"admin/approvals"), http.StatusForbidden)
	})
}
