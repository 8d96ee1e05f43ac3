package api

// Coordination inside campaigns: tasks, comments with @mentions,
// amplification requests from headquarters to missions, and the signed-in
// user's notifications.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
)

// registerCoordination adds the coordination routes.
func (a *API) registerCoordination(rt *httpx.Router) {
	signed := routes{a, rt}.signed
	inOrg := routes{a, rt}.inOrg
	resource := routes{a, rt}.resource
	use, edit := authz.UseCampaigns, authz.EditCampaigns
	resource("GET", "/api/v1/campaigns/{id}/participants", use, a.listParticipants)
	resource("GET", "/api/v1/campaigns/{id}/tasks", use, a.listTasks)
	resource("POST", "/api/v1/campaigns/{id}/tasks", edit, a.createTask)
	resource("GET", "/api/v1/tasks/{id}", use, a.getTask)
	resource("PATCH", "/api/v1/tasks/{id}", edit, a.updateTask)
	resource("DELETE", "/api/v1/tasks/{id}", edit, a.deleteTask)
	signed("GET", "/api/v1/tasks", a.myTasks)
	resource("GET", "/api/v1/items/{id}/comments", use, a.listComments)
	resource("POST", "/api/v1/items/{id}/comments", use, a.createComment)
	resource("GET", "/api/v1/items/{id}/amplification", use, a.itemAmplification)
	resource("POST", "/api/v1/items/{id}/amplification", edit, a.requestAmplification)
	inOrg("GET", "/api/v1/orgs/{org}/amplification", use, a.amplificationInbox)
	for _, action := range []string{"accept", "adapt", "decline"} {
		resource("POST", "/api/v1/amplification/{id}/"+action, edit, a.answerAmplification(action))
	}
	signed("GET", "/api/v1/notifications", a.listNotifications)
	signed("POST", "/api/v1/notifications/read", a.readNotifications)
}

// withID parses the {id} path value or answers 404.
func (a *API) withID(h func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r, "id")
		if !ok {
			a.writeError(w, r, db.ErrNotFound)
			return
		}
		h(w, r, httpx.PrincipalFrom(r.Context()), id)
	}
}

func (a *API) listParticipants(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		ps, err := a.Campaigns.Participants(r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Participants []campaign.Participant `json:"participants"`
		}{ps})
	})(w, r)
}

type tasksBody struct {
	Tasks []campaign.Task `json:"tasks"`
}

func (a *API) listTasks(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		ts, err := a.Campaigns.Tasks(r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, tasksBody{ts})
	})(w, r)
}

// taskInput is a task's fields; in a PATCH, absent fields are kept and
// "assignee_id": null unassigns.
type taskInput struct {
	Title      *string `json:"title"`
	Kind       *string `json:"kind"`
	AssigneeID *ID     `json:"assignee_id"`
	DueDate    *string `json:"due_date"`
	Status     *string `json:"status"`
}

func (in taskInput) apply(t *campaign.Task) {
	if in.Title != nil {
		t.Title = *in.Title
	}
	if in.Kind != nil {
		t.Kind = campaign.TaskKind(*in.Kind)
	}
	if in.AssigneeID != nil {
		t.AssigneeID = int64(*in.AssigneeID)
	}
	if in.DueDate != nil {
		t.DueDate = *in.DueDate
	}
	if in.Status != nil {
		t.Status = campaign.TaskStatus(*in.Status)
	}
}

func (a *API) createTask(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		var in taskInput
		if !decode(w, r, &in) {
			return
		}
		var t campaign.Task
		in.apply(&t)
		if err := a.Campaigns.CreateTask(r.Context(), p, id, &t); err != nil {
			a.writeError(w, r, err)
			return
		}
		w.Header().Set("Location", "/api/v1/tasks/"+strconv.FormatInt(t.ID, 10))
		writeJSON(w, http.StatusCreated, t)
	})(w, r)
}

func (a *API) getTask(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		t, _, err := a.Campaigns.GetTask(r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, t)
	})(w, r)
}

// nullableID tells "assignee_id": null (unassign) from an absent field.
type nullableID struct {
	Set bool
	ID  ID
}

func (n *nullableID) UnmarshalJSON(b []byte) error {
	n.Set = true
	return n.ID.UnmarshalJSON(b)
}

type taskPatch struct {
	Title      *string    `json:"title"`
	Kind       *string    `json:"kind"`
	AssigneeID nullableID `json:"assignee_id"`
	DueDate    *string    `json:"due_date"`
	Status     *string    `json:"status"`
}

func (a *API) updateTask(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		var in taskPatch
		if !decode(w, r, &in) {
			return
		}
		t, err := a.Campaigns.UpdateTask(r.Context(), p, id, func(t *campaign.Task) {
			taskInput{Title: in.Title, Kind: in.Kind, DueDate: in.DueDate, Status: in.Status}.apply(t)
			if in.AssigneeID.Set {
				t.AssigneeID = int64(in.AssigneeID.ID)
			}
		})
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, t)
	})(w, r)
}

func (a *API) deleteTask(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		if err := a.Campaigns.DeleteTask(r.Context(), p, id); err != nil {
			a.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})(w, r)
}

// myTasks lists the caller's tasks in every organisation they belong to.
func (a *API) myTasks(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	var orgs []int64
	for _, m := range p.Memberships {
		orgs = append(orgs, m.OrgID)
	}
	ts, err := a.Campaigns.MyTasks(r.Context(), p, orgs, r.URL.Query().Get("done") == "true")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tasksBody{ts})
}

func (a *API) listComments(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		cs, err := a.Campaigns.Comments(r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Comments []campaign.Comment `json:"comments"`
		}{cs})
	})(w, r)
}

type commentInput struct {
	Body string `json:"body"`
}

func (a *API) createComment(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		var in commentInput
		if !decode(w, r, &in) {
			return
		}
		c, err := a.Campaigns.AddComment(r.Context(), p, id, in.Body)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, c)
	})(w, r)
}

type amplificationsBody struct {
	Requests []campaign.Amplification `json:"requests"`
}

func (a *API) itemAmplification(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		rs, err := a.Campaigns.ItemAmplification(r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, amplificationsBody{rs})
	})(w, r)
}

type amplificationInput struct {
	OrgIDs []ID   `json:"org_ids"`
	Note   string `json:"note"`
}

func (a *API) requestAmplification(w http.ResponseWriter, r *http.Request) {
	a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		var in amplificationInput
		if !decode(w, r, &in) {
			return
		}
		ids := make([]int64, len(in.OrgIDs))
		for i, x := range in.OrgIDs {
			ids[i] = int64(x)
		}
		rs, err := a.Campaigns.RequestAmplification(r.Context(), p, actor(r), id, ids, in.Note)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, amplificationsBody{rs})
	})(w, r)
}

func (a *API) amplificationInbox(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	state := campaign.AmpState(r.URL.Query().Get("state"))
	switch state {
	case "", campaign.AmpPending, campaign.AmpAccepted, campaign.AmpAdapted, campaign.AmpDeclined:
	default:
		invalid(w, r, "state", "must be pending, accepted, adapted or declined")
		return
	}
	rs, err := a.Campaigns.AmplificationInbox(r.Context(), o, state)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, amplificationsBody{rs})
}

type answerInput struct {
	ChannelAccountID ID         `json:"channel_account_id"`
	Language         string     `json:"language"`
	Text             string     `json:"text"`
	ScheduledAt      *time.Time `json:"scheduled_at"`
	Note             string     `json:"note"`
}

func (a *API) answerAmplification(action string) http.HandlerFunc {
	return a.withID(func(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64) {
		var in answerInput
		if !decode(w, r, &in) {
			return
		}
		ans := campaign.AmpAnswer{Action: action, Note: in.Note, Variant: campaign.VariantInput{
			ChannelAccountID: int64(in.ChannelAccountID), Language: in.Language, Text: in.Text, ScheduledAt: in.ScheduledAt}}
		if action == "accept" && in.Text != "" {
			invalid(w, r, "text", "accept keeps the master text; use adapt to change it")
			return
		}
		if action == "decline" && (in.ChannelAccountID != 0 || in.Text != "" || in.ScheduledAt != nil) {
			invalid(w, r, "channel_account_id", "a declined request makes no variant; send only a note")
			return
		}
		res, err := a.Campaigns.AnswerAmplification(r.Context(), p, actor(r), id, ans)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request) {
	u, _ := httpx.UserFrom(r.Context())
	ns, err := a.Notify.List(r.Context(), u.ID, r.URL.Query().Get("unread") == "true", 100)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	unread, err := a.Notify.Unread(r.Context(), u.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Unread        int                   `json:"unread"`
		Notifications []notify.Notification `json:"notifications"`
	}{unread, ns})
}

type readInput struct {
	IDs []ID `json:"ids"`
	All bool `json:"all"`
}

func (a *API) readNotifications(w http.ResponseWriter, r *http.Request) {
	var in readInput
	if !decode(w, r, &in) {
		return
	}
	if in.All == (in.IDs != nil) {
		invalid(w, r, "ids", "send either ids (a list) or all: true")
		return
	}
	if len(in.IDs) > 500 {
		invalid(w, r, "ids", "at most 500 ids")
		return
	}
	var ids []int64
	if !in.All {
		ids = make([]int64, len(in.IDs))
		for i, x := range in.IDs {
			ids[i] = int64(x)
		}
	}
	u, _ := httpx.UserFrom(r.Context())
	n, err := a.Notify.MarkRead(r.Context(), u.ID, ids)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	unread, err := a.Notify.Unread(r.Context(), u.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Marked int64 `json:"marked"`
		Unread int   `json:"unread"`
	}{n, unread})
}
