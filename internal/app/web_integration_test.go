package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// TestWebStudioLinks checks that every page of the campaign studio is
// reached by a link (rail, tabs or a parent page), and that the home page
// shows each role the work waiting for it.
func TestWebStudioLinks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		ed := newBrowser(t, f)
		ed.signIn(f.Members[authz.Editor])
		rev := newBrowser(t, f)
		rev.signIn(f.Members[authz.Reviewer])
		admin := newBrowser(t, f)
		admin.signIn(f.Members[authz.Admin])
		const base = "/o/ministry-alpha/"
		it := newItem(t, f, f.A) // a draft of the editor's, scheduled 2026-12-05
		cid, iid := itoa(it.CampaignID), itoa(it.ID)

		// The editor's home: the draft waits for them; tasks in the rail;
		// a ministry receives no amplification requests, so no inbox.
		resp := ed.get(base)
		wantStatus(t, "editor home", resp, http.StatusOK)
		wantBody(t, "editor home", resp, "Waiting for me", "Item of "+f.A.Name, `class="vstate vstate-draft"`, "Today and tomorrow",
			"My tasks", "No open tasks are assigned to you.", `href="/o/ministry-alpha/tasks"`)
		if strings.Contains(resp.Body, "/amplification") || strings.Contains(resp.Body, "Approval queue (") {
			t.Error("the editor's home offers an amplification inbox or an approval queue")
		}

		// The campaign page leads to its other pages; the list to templates.
		resp = ed.get(base + "campaigns/" + cid)
		wantBody(t, "campaign page", resp, `href="/o/ministry-alpha/campaigns/`+cid+`/coordination"`, `href="/o/ministry-alpha/campaigns/`+cid+`/export"`,
			`href="/o/ministry-alpha/campaigns/`+cid+`/import"`, `href="/o/ministry-alpha/campaigns/`+cid+`/export#tmpl-h"`, "Save as template")
		wantBody(t, "campaign list", ed.get(base+"campaigns"), `href="/o/ministry-alpha/templates"`, "New from a template")
		for _, p := range []string{"coordination", "export", "import"} {
			wantBody(t, p, ed.get(base+"campaigns/"+cid+"/"+p), `href="/o/ministry-alpha/campaigns/`+cid+`"`, `class="tabs campaign-tabs"`)
		}
		// The item leads to its discussion and media, and back.
		for _, p := range []string{"", "/comments", "/media"} {
			wantBody(t, "item"+p, ed.get(base+"items/"+iid+p), `href="/o/ministry-alpha/items/`+iid+`/comments"`, `href="/o/ministry-alpha/items/`+iid+`/media"`, `href="/o/ministry-alpha/items/`+iid+`"`)
		}
		// The account area leads to the calendar feed and notifications.
		wantBody(t, "account", ed.get("/account"), `href="/account/calendar"`, `href="/notifications"`)

		// The calendar speaks the studio's words for states.
		resp = ed.get(base + "calendar?view=list&date=2026-12-05")
		wantBody(t, "calendar", resp, `class="vstate vstate-draft"`, ">Draft<")
		if strings.Contains(resp.Body, "cal-state-") {
			t.Error("the calendar still uses its own state chips")
		}

		// Submitted, the variant waits in the reviewer's queue on their home.
		if _, err := f.Campaigns.Submit(context.Background(), principalOf(t, f, f.Members[authz.Editor]), it.Variants[0].ID); err != nil {
			t.Fatal(err)
		}
		resp = rev.get(base)
		wantBody(t, "reviewer home", resp, "Approval queue (1)", "Item of "+f.A.Name, `href="/o/ministry-alpha/approvals"`)
		if strings.Contains(resp.Body, "Waiting for me") {
			t.Error("a reviewer (who does not edit) is shown drafts waiting")
		}

		// A mission: the amplification inbox in the rail and on the home page.
		resp = admin.get("/o/" + f.Mission.Slug + "/")
		wantStatus(t, "mission home", resp, http.StatusOK)
		wantBody(t, "mission home", resp, `href="/o/`+f.Mission.Slug+`/amplification"`, "Amplification requests", "No pending requests from headquarters.")
		resp = admin.get("/o/" + f.Mission.Slug + "/amplification")
		wantBody(t, "mission inbox", resp, `class="rail-sub"><a href="/o/`+f.Mission.Slug+`/amplification" aria-current="page"`)
	})
}
