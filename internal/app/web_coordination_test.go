package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

func TestWebCoordination(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		ed := newBrowser(t, f)
		ed.signIn(f.Members[authz.Editor])
		rev := newBrowser(t, f)
		rev.signIn(f.Members[authz.Reviewer])
		admin := newBrowser(t, f)
		admin.signIn(f.Members[authz.Admin])
		const base = "/o/ministry-alpha/"
		it := newItem(t, f, f.A)
		cid, iid := itoa(it.CampaignID), itoa(it.ID)

		// Tasks: create one for the reviewer; a non-participant is refused
		// in place.
		page := base + "campaigns/" + cid + "/coordination"
		resp := ed.get(page)
		wantStatus(t, "coordination page", resp, http.StatusOK)
		wantBody(t, "coordination page", resp, "Alpha reviewer (@reviewer.alpha)", `name="assignee_id"`, "Not sent to any mission yet.")
		if strings.Contains(resp.Body, "outsider") || strings.Contains(resp.Body, "Alpha trainer") {
			t.Error("the assignee list offers someone outside the campaign")
		}
		resp = ed.post(base+"campaigns/"+cid+"/tasks", url.Values{"title": {"Draft <the> post"}, "kind": {"drafting"}, "assignee_id": {itoa(f.Outsider.ID)}})
		wantStatus(t, "assign to an outsider", resp, http.StatusUnprocessableEntity)
		wantBody(t, "assign to an outsider", resp, "Choose someone from an organisation taking part in this campaign.", `value="Draft &lt;the&gt; post"`)
		resp = ed.post(base+"campaigns/"+cid+"/tasks", url.Values{"title": {"Draft <the> post"}, "kind": {"drafting"}, "assignee_id": {itoa(f.Members[authz.Reviewer].ID)}, "due_date": {"2026-12-02"}})
		wantStatus(t, "create task", resp, http.StatusSeeOther)
		wantBody(t, "task listed", ed.get(page), "Draft &lt;the&gt; post", "Drafting", "2026-12-02")

		// The reviewer: "Notifications (1)" in the top bar, the task in
		// "My tasks" (read only: reviewers do not edit campaigns).
		resp = rev.get(base + "tasks")
		wantStatus(t, "my tasks", resp, http.StatusOK)
		wantBody(t, "my tasks", resp, "Notifications (1)", "Draft &lt;the&gt; post", "To do")
		if strings.Contains(resp.Body, `action="/o/ministry-alpha/tasks/`) {
			t.Error("a reviewer is offered the task's edit form")
		}
		resp = rev.get("/notifications")
		wantBody(t, "notifications", resp, "A task was assigned to you", "Draft &lt;the&gt; post", `name="link" value="/o/ministry-alpha/campaigns/`+cid+`/coordination"`)

		// The editor moves the task on from the campaign page.
		var taskID string
		if i := strings.Index(ed.get(page).Body, `action="/o/ministry-alpha/tasks/`); i >= 0 {
			rest := ed.get(page).Body[i+len(`action="/o/ministry-alpha/tasks/`):]
			taskID = rest[:strings.Index(rest, `"`)]
		}
		resp = ed.post(base+"tasks/"+taskID, url.Values{"status": {"done"}, "back": {page}})
		wantStatus(t, "task done", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != page {
			t.Errorf("back to %q, want %q", loc, page)
		}
		resp = ed.post(base+"tasks/"+taskID, url.Values{"assignee_id": {"not-a-number"}, "back": {"https://evil.example/"}})
		wantStatus(t, "bad assignee", resp, http.StatusUnprocessableEntity)
		if strings.Contains(resp.Body, "evil.example") {
			t.Error("the back link follows a foreign URL")
		}
		wantBody(t, "my tasks without done", rev.get(base+"tasks"), "Nothing assigned to you here.")
		wantBody(t, "my tasks with done", rev.get(base+"tasks?done=1"), "Draft &lt;the&gt; post", "Done")

		// Comments: escaped, line breaks kept, mentions notify.
		comments := base + "items/" + iid + "/comments"
		resp = rev.post(comments, url.Values{"body": {"<b>@editor.alpha</b> shorten it\nplease @outsider"}})
		wantStatus(t, "comment", resp, http.StatusSeeOther)
		resp = ed.get(comments)
		wantBody(t, "comments", resp, "&lt;b&gt;@editor.alpha&lt;/b&gt; shorten it\nplease @outsider", `class="comment-body prewrap"`, "Notifications (1)")
		wantStatus(t, "empty comment", rev.post(comments, url.Values{"body": {"  "}}), http.StatusUnprocessableEntity)
		wantBody(t, "editor notified", ed.get("/notifications"), "You were mentioned in a comment")

		// Amplification: headquarters sends to its mission; the mission
		// (A's admin is its admin) declines with a reason; headquarters sees it.
		resp = ed.get(comments)
		wantBody(t, "send form", resp, `name="org_id" type="checkbox" value="`+itoa(f.Mission.ID)+`"`, f.Mission.Name)
		wantStatus(t, "send to nobody", ed.post(base+"items/"+iid+"/amplification", url.Values{}), http.StatusUnprocessableEntity)
		wantStatus(t, "send", ed.post(base+"items/"+iid+"/amplification", url.Values{"org_id": {itoa(f.Mission.ID)}, "note": {"For Vienna"}}), http.StatusSeeOther)
		inbox := "/o/" + f.Mission.Slug + "/amplification"
		resp = admin.get(inbox)
		wantStatus(t, "inbox", resp, http.StatusOK)
		wantBody(t, "inbox", resp, it.Title, it.Text, "For Vienna", "Pending")
		wantStatus(t, "the editor is not in the mission", ed.get(inbox), http.StatusNotFound)
		i := strings.Index(resp.Body, `href="`+inbox+`/`)
		rest := resp.Body[i+len(`href="`+inbox+`/`):]
		reqPage := inbox + "/" + rest[:strings.Index(rest, `"`)]
		resp = admin.get(reqPage)
		wantBody(t, "request page", resp, "What will your mission do?", it.Text)
		resp = admin.post(reqPage, url.Values{"action": {"decline"}})
		wantStatus(t, "decline without reason", resp, http.StatusUnprocessableEntity)
		wantBody(t, "decline without reason", resp, "Say why the mission declines.")
		wantStatus(t, "decline", admin.post(reqPage, url.Values{"action": {"decline"}, "note": {"Our audience is on holiday."}}), http.StatusSeeOther)
		wantStatus(t, "answer twice", admin.post(reqPage, url.Values{"action": {"decline"}, "note": {"again"}}), http.StatusConflict)
		resp = rev.get(page)
		wantBody(t, "network view", resp, f.Mission.Name, "Declined", "Our audience is on holiday.")

		// Mark all read.
		wantStatus(t, "read all", ed.post("/notifications/read", url.Values{}), http.StatusSeeOther)
		wantBody(t, "after read all", ed.get("/notifications"), "Notifications (0)")

		// In Ukrainian.
		rev.post("/lang", url.Values{"lang": {"uk"}, "next": {page}})
		wantBody(t, "Ukrainian page", rev.get(page), "Поширення мережею дипустанов", "Сповіщення (", "Відхилено")
	})
}
