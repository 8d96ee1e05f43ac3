package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// Coordination resources for the matrix and the tests.

// taskIn makes a task in a new campaign of o.
func taskIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	c := newCampaign(t, f, o)
	tk := campaign.Task{Title: "Task of " + o.Name, Kind: campaign.TaskDrafting}
	if err := f.Campaigns.CreateTask(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), c.ID, &tk); err != nil {
		t.Fatal(err)
	}
	return itoa(tk.ID)
}

// ampRequestIn makes a pending amplification request addressed to o, for
// an item of o's own campaign. It is written directly: the matrix needs a
// request that A's members may answer, and the service only ever sends to
// missions (A is a ministry).
func ampRequestIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	it := newItem(t, f, o)
	var id int64
	err := f.DB.W().QueryRowContext(context.Background(), `INSERT INTO amplification_requests (item_id, from_org_id, to_org_id, state, note, created_at)
		VALUES (?, ?, ?, 'pending', '', ?) RETURNING id`, it.ID, o.ID, o.ID, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}

// webAmpRequestOfA gives {id}: a request to A, and {account}: A's account.
func webAmpRequestOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": ampRequestIn(t, f, f.A), "account": itoa(accountOf(t, f, f.A))}
}

func webTaskOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": taskIn(t, f, f.A)}
}

func missionParam(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"mission": itoa(f.Mission.ID), "account": itoa(accountOf(t, f, f.A))}
}

// apiCall is one request whose answer is checked against the OpenAPI
// document and decoded into out (when not nil).
func apiCall(t *testing.T, f *Fixture, o *openAPI, method, pattern, path, token, body string, status int, out any) Response {
	t.Helper()
	resp := f.Do(t, method, path, token, body)
	name := fmt.Sprintf("%s %s", method, path)
	if resp.Status != status {
		t.Fatalf("%s: %d, want %d: %.500s", name, resp.Status, status, resp.Body)
	}
	o.validate(t, name, method, pattern, resp)
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return resp
}

func TestAPICoordination(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		ed, rev, admin, trainer := f.Members[authz.Editor], f.Members[authz.Reviewer], f.Members[authz.Admin], f.Members[authz.Trainer]
		it := newItem(t, f, f.A)
		cid := itoa(it.CampaignID)

		// Participants and tasks.
		var ps struct{ Participants []campaign.Participant }
		apiCall(t, f, o, "GET", "/api/v1/campaigns/{id}/participants", "/api/v1/campaigns/"+cid+"/participants", rev.Token, "", 200, &ps)
		handles := map[string]bool{}
		for _, p := range ps.Participants {
			handles[p.Handle] = true
		}
		if !handles["editor.alpha"] || handles["trainer.alpha"] || handles["outsider"] {
			t.Errorf("participants: %v", handles)
		}
		tasks := "/api/v1/campaigns/" + cid + "/tasks"
		bad := apiCall(t, f, o, "POST", "/api/v1/campaigns/{id}/tasks", tasks, ed.Token, fmt.Sprintf(`{"title":"Translate","assignee_id":%d}`, f.Outsider.ID), 422, nil)
		if !strings.Contains(bad.Body, `"/assignee_id"`) {
			t.Errorf("outsider as assignee: %s", bad.Body)
		}
		apiCall(t, f, o, "POST", "/api/v1/campaigns/{id}/tasks", tasks, ed.Token, `{"title":"x","kind":"cooking"}`, 422, nil)
		apiCall(t, f, o, "POST", "/api/v1/campaigns/{id}/tasks", tasks, ed.Token, `{"title":"x","colour":"red"}`, 400, nil)
		apiCall(t, f, o, "POST", "/api/v1/campaigns/{id}/tasks", tasks, rev.Token, `{"title":"x"}`, 403, nil)
		apiCall(t, f, o, "GET", "/api/v1/campaigns/{id}/tasks", tasks, f.Outsider.Token, "", 404, nil)
		var tk campaign.Task
		apiCall(t, f, o, "POST", "/api/v1/campaigns/{id}/tasks", tasks, ed.Token,
			fmt.Sprintf(`{"title":"Translate into Albanian","kind":"translating","assignee_id":"%d","due_date":"2026-12-03"}`, rev.ID), 201, &tk)
		if tk.AssigneeID != rev.ID || tk.Status != campaign.TaskTodo {
			t.Errorf("task: %+v", tk)
		}
		var ns struct {
			Unread        int
			Notifications []struct {
				ID         int64
				Kind, Link string
			}
		}
		apiCall(t, f, o, "GET", "/api/v1/notifications", "/api/v1/notifications", rev.Token, "", 200, &ns)
		if ns.Unread != 1 || ns.Notifications[0].Kind != "task_assigned" {
			t.Errorf("reviewer's notifications: %+v", ns)
		}
		var mine struct{ Tasks []campaign.Task }
		apiCall(t, f, o, "GET", "/api/v1/tasks", "/api/v1/tasks", rev.Token, "", 200, &mine)
		if len(mine.Tasks) != 1 || mine.Tasks[0].ID != tk.ID {
			t.Errorf("reviewer's tasks: %+v", mine)
		}
		task := "/api/v1/tasks/" + itoa(tk.ID)
		apiCall(t, f, o, "GET", "/api/v1/tasks/{id}", task, rev.Token, "", 200, nil)
		tk = campaign.Task{} // decode afresh: an unassigned task has no assignee_id
		apiCall(t, f, o, "PATCH", "/api/v1/tasks/{id}", task, ed.Token, `{"status":"doing","assignee_id":null}`, 200, &tk)
		if tk.AssigneeID != 0 || tk.Status != campaign.TaskDoing || tk.Title != "Translate into Albanian" {
			t.Errorf("patched task: %+v", tk)
		}
		apiCall(t, f, o, "PATCH", "/api/v1/tasks/{id}", task, ed.Token, `{"due_date":"soon"}`, 422, nil)
		apiCall(t, f, o, "DELETE", "/api/v1/tasks/{id}", task, trainer.Token, "", 403, nil)
		apiCall(t, f, o, "DELETE", "/api/v1/tasks/{id}", task, ed.Token, "", 204, nil)
		apiCall(t, f, o, "GET", "/api/v1/tasks/{id}", task, ed.Token, "", 404, nil)

		// Comments: a mention of a participant notifies; a mention of
		// someone outside the campaign does nothing.
		comments := "/api/v1/items/" + itoa(it.ID) + "/comments"
		var cm campaign.Comment
		apiCall(t, f, o, "POST", "/api/v1/items/{id}/comments", comments, rev.Token, `{"body":"@editor.alpha please shorten line 2.\n@outsider FYI"}`, 201, &cm)
		if len(cm.Mentioned) != 1 || cm.Mentioned[0].UserID != ed.ID {
			t.Errorf("mentioned: %+v", cm.Mentioned)
		}
		apiCall(t, f, o, "POST", "/api/v1/items/{id}/comments", comments, rev.Token, `{"body":"`+strings.Repeat("a", 5001)+`"}`, 422, nil)
		apiCall(t, f, o, "POST", "/api/v1/items/{id}/comments", comments, f.Outsider.Token, `{"body":"hi"}`, 404, nil)
		var cs struct{ Comments []campaign.Comment }
		apiCall(t, f, o, "GET", "/api/v1/items/{id}/comments", comments, ed.Token, "", 200, &cs)
		if len(cs.Comments) != 1 || !strings.Contains(cs.Comments[0].Body, "\n") {
			t.Errorf("comments: %+v", cs)
		}
		apiCall(t, f, o, "GET", "/api/v1/notifications", "/api/v1/notifications", f.Outsider.Token, "", 200, &ns)
		if ns.Unread != 0 {
			t.Errorf("the outsider was notified: %+v", ns)
		}

		// Amplification: A (a ministry) sends to its mission; A's admin is
		// the mission's admin and answers for it.
		amp := "/api/v1/items/" + itoa(it.ID) + "/amplification"
		apiCall(t, f, o, "POST", "/api/v1/items/{id}/amplification", amp, ed.Token, fmt.Sprintf(`{"org_ids":[%d]}`, f.B.ID), 422, nil)
		apiCall(t, f, o, "POST", "/api/v1/items/{id}/amplification", amp, rev.Token, fmt.Sprintf(`{"org_ids":[%d]}`, f.Mission.ID), 403, nil)
		var rs struct{ Requests []campaign.Amplification }
		apiCall(t, f, o, "POST", "/api/v1/items/{id}/amplification", amp, ed.Token, fmt.Sprintf(`{"org_ids":["%d"],"note":"For Vienna, please."}`, f.Mission.ID), 201, &rs)
		if len(rs.Requests) != 1 || rs.Requests[0].State != campaign.AmpPending {
			t.Fatalf("sent: %+v", rs)
		}
		inbox := "/api/v1/orgs/" + f.Mission.Slug + "/amplification"
		apiCall(t, f, o, "GET", "/api/v1/orgs/{org}/amplification", inbox+"?state=pending", admin.Token, "", 200, &rs)
		if len(rs.Requests) != 1 || rs.Requests[0].ItemText != it.Text {
			t.Fatalf("inbox: %+v", rs)
		}
		apiCall(t, f, o, "GET", "/api/v1/orgs/{org}/amplification", inbox+"?state=lost", admin.Token, "", 422, nil)
		apiCall(t, f, o, "GET", "/api/v1/orgs/{org}/amplification", inbox, ed.Token, "", 404, nil)
		req := "/api/v1/amplification/" + itoa(rs.Requests[0].ID)
		apiCall(t, f, o, "POST", "/api/v1/amplification/{id}/decline", req+"/decline", admin.Token, `{}`, 422, nil)
		apiCall(t, f, o, "POST", "/api/v1/amplification/{id}/accept", req+"/accept", ed.Token, `{}`, 403, nil)
		apiCall(t, f, o, "POST", "/api/v1/amplification/{id}/accept", req+"/accept", f.Outsider.Token, `{}`, 404, nil)
		acc := newAccount(t, f, f.Mission, "telegram", "de")
		var got campaign.Amplification
		apiCall(t, f, o, "POST", "/api/v1/amplification/{id}/adapt", req+"/adapt", admin.Token, fmt.Sprintf(`{"channel_account_id":%d,"text":"Aus Wien: die Ernte ist eingebracht.","note":"Shortened"}`, acc), 200, &got)
		if got.State != campaign.AmpAdapted || got.VariantID == 0 || got.VariantState != campaign.StateDraft {
			t.Errorf("adapted: %+v", got)
		}
		apiCall(t, f, o, "POST", "/api/v1/amplification/{id}/decline", req+"/decline", admin.Token, `{"note":"too late"}`, 409, nil)
		apiCall(t, f, o, "GET", "/api/v1/items/{id}/amplification", amp, rev.Token, "", 200, &rs)
		if len(rs.Requests) != 1 || rs.Requests[0].State != campaign.AmpAdapted || rs.Requests[0].ToOrgName != f.Mission.Name {
			t.Errorf("headquarters' view: %+v", rs)
		}
		// Notifications both ways; mark read.
		apiCall(t, f, o, "GET", "/api/v1/notifications", "/api/v1/notifications?unread=true", ed.Token, "", 200, &ns)
		kinds := map[string]bool{}
		for _, n := range ns.Notifications {
			kinds[n.Kind] = true
		}
		if !kinds["mentioned"] || !kinds["amplification_answered"] {
			t.Errorf("editor's notifications: %+v", ns)
		}
		apiCall(t, f, o, "POST", "/api/v1/notifications/read", "/api/v1/notifications/read", ed.Token, `{}`, 422, nil)
		var read struct{ Marked, Unread int }
		apiCall(t, f, o, "POST", "/api/v1/notifications/read", "/api/v1/notifications/read", ed.Token, fmt.Sprintf(`{"ids":[%d]}`, ns.Notifications[0].ID), 200, &read)
		if read.Marked != 1 || read.Unread != ns.Unread-1 {
			t.Errorf("read one: %+v", read)
		}
		apiCall(t, f, o, "POST", "/api/v1/notifications/read", "/api/v1/notifications/read", ed.Token, `{"all":true}`, 200, &read)
		if read.Unread != 0 {
			t.Errorf("read all: %+v", read)
		}
	})
}

// webItemToAmplify gives an item of A and A's mission.
func webItemToAmplify(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": itemIn(t, f, f.A), "mission": itoa(f.Mission.ID)}
}
