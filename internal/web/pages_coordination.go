package web

// Coordination inside campaigns: a campaign's tasks and the state of its
// amplification across the network, "My tasks", an item's discussion
// (comments with @mentions) with headquarters' amplification form, a
// mission's amplification inbox, and the user's notifications. Every
// handler goes through campaign.Service; pages under /o/{org}/ also check
// that what they show belongs to (or is shared with) that organisation.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

type coord struct {
	*Web
	svc *campaign.Service
}

// registerCoordination adds the coordination pages.
func (wb *Web) registerCoordination(rt *httpx.Router) {
	c := &coord{Web: wb, svc: wb.Campaigns}
	if c.svc == nil {
		c.svc = &campaign.Service{DB: wb.DB, Notify: wb.Notify}
	}
	inOrg := routes{wb, rt}.inOrg
	signed := routes{wb, rt}.signed
	use, edit := authz.UseCampaigns, authz.EditCampaigns
	inOrg("GET", "/o/{org}/campaigns/{id}/coordination", use, c.campaignTasks)
	inOrg("POST", "/o/{org}/campaigns/{id}/tasks", edit, c.taskCreate)
	inOrg("POST", "/o/{org}/tasks/{id}", edit, c.taskSave)
	inOrg("GET", "/o/{org}/tasks", use, c.myTasks)
	inOrg("GET", "/o/{org}/items/{id}/comments", use, c.itemComments)
	inOrg("POST", "/o/{org}/items/{id}/comments", use, c.commentCreate)
	inOrg("POST", "/o/{org}/items/{id}/amplification", edit, c.amplificationSend)
	inOrg("GET", "/o/{org}/amplification", use, c.inbox)
	inOrg("GET", "/o/{org}/amplification/{id}", use, c.request)
	inOrg("POST", "/o/{org}/amplification/{id}", edit, c.answer)
	signed("GET", "/notifications", wb.notifications)
	signed("POST", "/notifications/read", wb.notificationsRead)
}

// unread counts the user's unread notifications for the top bar (0 when
// they cannot be counted: the count is a hint, not worth failing a page).
func (wb *Web) unread(ctx context.Context, userID int64) int {
	if wb.Notify == nil {
		return 0
	}
	n, err := wb.Notify.Unread(ctx, userID)
	if err != nil {
		wb.Log.Warn("unread notifications", "err", err)
	}
	return n
}

// fieldError shows a service's field error on the form; false for other
// errors.
func (c *coord) fieldError(pg *page, err error) bool {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	name, _, _ := strings.Cut(fe.Field, "/")
	msg := reason(pg, fe.Reason)
	if id, ok := coordReasons[fe.Reason]; ok {
		msg = pg.L.T(id)
	}
	pg.Errors[name] = msg
	pg.Errors["_"] = msg
	return true
}

var coordReasons = map[string]string{
	"is required":                  "coord.reason.required",
	"must be a date as YYYY-MM-DD": "coord.reason.date",
	"is not an active channel account of your organisation":           "coord.reason.account",
	"is not a member of an organisation taking part in this campaign": "tasks.reason.assignee",
	"say why the mission declines":                                    "amplification.reason.decline",
	"name between 1 and 100 missions":                                 "amplification.reason.missions",
}

// backTo is a local path to return to after a form ("" when unsafe).
func backTo(r *http.Request, fallback string) string {
	if b := localPath(r.PostFormValue("back")); b != "" {
		return b
	}
	return fallback
}

// --- tasks -----------------------------------------------------------

type campaignTasksData struct {
	Campaign     campaign.Campaign
	Tasks        []campaign.Task
	Participants []campaign.Participant
	Requests     []campaign.Amplification
	CanEdit      bool
	Back         string
}

// KindKey, StatusKey and AmpKey name values for people.
func (campaignTasksData) KindKey(k campaign.TaskKind) string     { return "tasks.kind." + string(k) }
func (campaignTasksData) StatusKey(s campaign.TaskStatus) string { return "tasks.status." + string(s) }
func (campaignTasksData) AmpKey(s campaign.AmpState) string {
	return "amplification.state." + string(s)
}
func (campaignTasksData) VariantKey(s campaign.State) string { return stateKey(s) }
func (campaignTasksData) Kinds() []campaign.TaskKind         { return campaign.TaskKinds }
func (campaignTasksData) Statuses() []campaign.TaskStatus    { return campaign.TaskStatuses }

func (c *coord) loadCampaign(r *http.Request, o org.Org) (campaign.Access, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Access{}, db.ErrNotFound
	}
	ac, _, err := c.svc.Get(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err == nil && !visibleTo(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	return ac, err
}

func (c *coord) campaignTasks(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := c.orgPage(r, o, "campaigns", "")
	c.renderCampaignTasks(w, r, o, pg, http.StatusOK)
}

func (c *coord) renderCampaignTasks(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	ac, err := c.loadCampaign(r, o)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := pg.P
	d := campaignTasksData{Campaign: ac.Campaign, CanEdit: authz.Can(p, o.ID, authz.EditCampaigns), Back: r.URL.Path}
	if d.Tasks, err = c.svc.Tasks(r.Context(), p, ac.Campaign.ID); err == nil {
		if d.Participants, err = c.svc.Participants(r.Context(), p, ac.Campaign.ID); err == nil {
			d.Requests, err = c.svc.CampaignAmplification(r.Context(), p, ac.Campaign.ID)
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("tasks.campaign.title", "Title", ac.Campaign.Title)
	pg.Data = d
	c.render(w, r, status, "tasks_campaign", pg)
}

// taskFromForm applies the fields present in the form to t.
func taskFromForm(r *http.Request, t *campaign.Task) bool {
	f := r.PostForm
	ok := true
	if f.Has("title") {
		t.Title = f.Get("title")
	}
	if f.Has("kind") {
		t.Kind = campaign.TaskKind(f.Get("kind"))
	}
	if f.Has("status") {
		t.Status = campaign.TaskStatus(f.Get("status"))
	}
	if f.Has("due_date") {
		t.DueDate = f.Get("due_date")
	}
	if f.Has("assignee_id") {
		t.AssigneeID = 0
		if s := f.Get("assignee_id"); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			ok = err == nil && id > 0
			t.AssigneeID = id
		}
	}
	return ok
}

func (c *coord) taskCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !c.parseForm(w, r) {
		return
	}
	ac, err := c.loadCampaign(r, o)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var t campaign.Task
	pg := c.orgPage(r, o, "campaigns", "")
	pg.Form = r.PostForm
	if !taskFromForm(r, &t) {
		pg.Errors["assignee_id"] = pg.L.T("tasks.reason.assignee")
		c.renderCampaignTasks(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	err = c.svc.CreateTask(r.Context(), pg.P, ac.Campaign.ID, &t)
	if c.fieldError(pg, err) {
		c.renderCampaignTasks(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("campaigns/"+strconv.FormatInt(ac.Campaign.ID, 10)+"/coordination")+"#tasks")
}

func (c *coord) taskSave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !c.parseForm(w, r) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		c.errorPage(w, r, http.StatusNotFound)
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	t, ac, err := c.svc.GetTask(r.Context(), p, id)
	if err == nil && !visibleTo(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	back := backTo(r, "/o/"+o.Slug+"/campaigns/"+strconv.FormatInt(t.CampaignID, 10)+"/coordination")
	valid := taskFromForm(r, &campaign.Task{}) // a malformed assignee changes nothing
	if valid {
		_, err = c.svc.UpdateTask(r.Context(), p, id, func(t *campaign.Task) { taskFromForm(r, t) })
	}
	if valid && err == nil {
		redirect(w, r, back)
		return
	}
	// The inline forms have no room for messages: a page says why and
	// leads back.
	pg := c.orgPage(r, o, "campaigns", "")
	pg.Title = pg.L.T("tasks.error.title")
	if !valid {
		pg.Errors["_"] = pg.L.T("tasks.reason.assignee")
	} else if !c.fieldError(pg, err) {
		c.fail(w, r, err)
		return
	}
	pg.Data = back
	c.render(w, r, http.StatusUnprocessableEntity, "tasks_error", pg)
}

type myTasksData struct {
	campaignTasksData
	Done bool
}

func (c *coord) myTasks(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := c.orgPage(r, o, "tasks", "")
	pg.Title = pg.L.T("tasks.mine.title")
	done := r.URL.Query().Get("done") == "1"
	ts, err := c.svc.MyTasks(r.Context(), pg.P, []int64{o.ID}, done)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pg.Data = myTasksData{campaignTasksData: campaignTasksData{Tasks: ts, CanEdit: pg.Can(authz.EditCampaigns), Back: r.URL.RequestURI()}, Done: done}
	c.render(w, r, http.StatusOK, "tasks", pg)
}

// --- comments and amplification of an item -------------------------

type itemCommentsData struct {
	campaignTasksData
	Item      campaign.Item
	Comments  []campaign.Comment
	Missions  []org.Org // headquarters may send the item to these
	CanSend   bool
	MaxLength int
}

func (c *coord) loadItem(r *http.Request, o org.Org) (campaign.Item, campaign.Access, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Item{}, campaign.Access{}, db.ErrNotFound
	}
	it, ac, err := c.svc.GetItem(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err == nil && !visibleTo(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	return it, ac, err
}

func (c *coord) itemComments(w http.ResponseWriter, r *http.Request, o org.Org) {
	c.renderItem(w, r, o, c.orgPage(r, o, "campaigns", ""), http.StatusOK)
}

func (c *coord) renderItem(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	it, ac, err := c.loadItem(r, o)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := itemCommentsData{Item: it, MaxLength: campaign.MaxComment}
	d.Campaign = ac.Campaign
	d.Back = r.URL.Path
	ctx := r.Context()
	if d.Comments, err = c.svc.Comments(ctx, pg.P, it.ID); err == nil {
		if d.Participants, err = c.svc.Participants(ctx, pg.P, ac.Campaign.ID); err == nil {
			if d.Requests, err = c.svc.ItemAmplification(ctx, pg.P, it.ID); err == nil {
				d.Missions, err = c.svc.AmplificationTargets(ctx, pg.P, it.ID)
			}
		}
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.CanSend = o.ID == ac.Campaign.OrgID && len(d.Missions) > 0
	pg.Title = pg.L.T("comments.title", "Title", itemTitle(it))
	pg.Data = d
	c.render(w, r, status, "comments", pg)
}

func (c *coord) commentCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !c.parseForm(w, r) {
		return
	}
	it, _, err := c.loadItem(r, o)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pg := c.orgPage(r, o, "campaigns", "")
	pg.Form = r.PostForm
	cm, err := c.svc.AddComment(r.Context(), pg.P, it.ID, r.PostFormValue("body"))
	if c.fieldError(pg, err) {
		c.renderItem(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("items/"+strconv.FormatInt(it.ID, 10)+"/comments")+"#comment-"+strconv.FormatInt(cm.ID, 10))
}

func (c *coord) amplificationSend(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !c.parseForm(w, r) {
		return
	}
	it, ac, err := c.loadItem(r, o)
	if err == nil && ac.Campaign.OrgID != o.ID {
		err = authz.ErrForbidden // only from headquarters' own pages
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var ids []int64
	for _, s := range r.PostForm["org_id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	pg := c.orgPage(r, o, "campaigns", "")
	pg.Form = r.PostForm
	_, err = c.svc.RequestAmplification(r.Context(), pg.P, httpx.ActorFrom(r), it.ID, ids, r.PostFormValue("note"))
	if c.fieldError(pg, err) {
		pg.Errors["org_id"] = pg.Errors["org_ids"]
		c.renderItem(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("items/"+strconv.FormatInt(it.ID, 10)+"/comments")+"#amplification")
}

// --- a mission's inbox ------------------------------------------------

type inboxData struct {
	campaignTasksData
	State string
}

func (inboxData) AmpStates() []campaign.AmpState {
	return []campaign.AmpState{campaign.AmpPending, campaign.AmpAccepted, campaign.AmpAdapted, campaign.AmpDeclined}
}

func (c *coord) inbox(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := c.orgPage(r, o, "amplification", "")
	pg.Title = pg.L.T("amplification.inbox.title")
	state := campaign.AmpState(r.URL.Query().Get("state"))
	switch state {
	case "", campaign.AmpPending, campaign.AmpAccepted, campaign.AmpAdapted, campaign.AmpDeclined:
	default:
		state = ""
	}
	rs, err := c.svc.AmplificationInbox(r.Context(), o, state)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pg.Data = inboxData{campaignTasksData: campaignTasksData{Requests: rs, CanEdit: pg.Can(authz.EditCampaigns)}, State: string(state)}
	c.render(w, r, http.StatusOK, "amplification", pg)
}

type requestData struct {
	campaignTasksData
	Request  campaign.Amplification
	Accounts []channel.Account
	TimeZone string
}

func (c *coord) loadRequest(r *http.Request, o org.Org) (campaign.Amplification, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Amplification{}, db.ErrNotFound
	}
	req, err := c.svc.GetAmplification(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err == nil && req.ToOrgID != o.ID {
		err = db.ErrNotFound
	}
	return req, err
}

func (c *coord) request(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := c.orgPage(r, o, "amplification", "")
	c.renderRequest(w, r, o, pg, http.StatusOK)
}

func (c *coord) renderRequest(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	req, err := c.loadRequest(r, o)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	accs, err := channel.List(r.Context(), c.DB.R(), o.ID, false)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if len(pg.Form) == 0 {
		pg.Form.Set("text", req.ItemText)
	}
	pg.Title = pg.L.T("amplification.request.title", "Title", itemTitle(campaign.Item{Title: req.ItemTitle, Text: req.ItemText}))
	pg.Data = requestData{campaignTasksData: campaignTasksData{CanEdit: pg.Can(authz.EditCampaigns)}, Request: req, Accounts: accs, TimeZone: o.TimeZone}
	c.render(w, r, status, "amplification_request", pg)
}

func (c *coord) answer(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !c.parseForm(w, r) {
		return
	}
	req, err := c.loadRequest(r, o)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	pg := c.orgPage(r, o, "amplification", "")
	pg.Form = r.PostForm
	f := r.PostForm
	ans := campaign.AmpAnswer{Action: f.Get("action"), Note: f.Get("note")}
	if ans.Action != "decline" {
		acc, _ := strconv.ParseInt(f.Get("channel_account_id"), 10, 64)
		at, ok := parseLocal(f.Get("scheduled_at"), location(o))
		if !ok {
			pg.Errors["scheduled_at"] = pg.L.T("coord.reason.datetime")
			c.renderRequest(w, r, o, pg, http.StatusUnprocessableEntity)
			return
		}
		ans.Variant = campaign.VariantInput{ChannelAccountID: acc, Language: f.Get("language"), ScheduledAt: at}
		if ans.Action == "adapt" {
			ans.Variant.Text = f.Get("text")
		}
	}
	_, err = c.svc.AnswerAmplification(r.Context(), pg.P, httpx.ActorFrom(r), req.ID, ans)
	var le *campaign.LengthError
	switch {
	case errors.As(err, &le):
		pg.Errors["text"] = strings.Join(le.Measure.Problems(), "; ")
		pg.Errors["_"] = pg.Errors["text"]
		c.renderRequest(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	case errors.Is(err, campaign.ErrWrongState):
		pg.Errors["_"] = pg.L.T("amplification.reason.answered")
		c.renderRequest(w, r, o, pg, http.StatusConflict)
		return
	case c.fieldError(pg, err):
		c.renderRequest(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("amplification/"+strconv.FormatInt(req.ID, 10)))
}

// --- notifications ----------------------------------------------------

type notificationsData struct {
	Items []notify.Notification
}

func (notificationsData) KindKey(kind string) string { return "notify.kind." + kind }

func (wb *Web) notifications(w http.ResponseWriter, r *http.Request) {
	pg := wb.page(r, "")
	pg.Title = pg.L.T("notifications.title")
	pg.Active = "notifications"
	var ns []notify.Notification
	if wb.Notify != nil {
		var err error
		if ns, err = wb.Notify.List(r.Context(), pg.User.ID, false, 100); err != nil {
			wb.fail(w, r, err)
			return
		}
	}
	pg.Data = notificationsData{Items: ns}
	wb.render(w, r, http.StatusOK, "notifications", pg)
}

// notificationsRead marks one notification read (id) and follows its link
// (open=1), or marks them all read.
func (wb *Web) notificationsRead(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	u, _ := httpx.UserFrom(r.Context())
	var ids []int64
	if s := r.PostFormValue("id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			wb.errorPage(w, r, http.StatusBadRequest)
			return
		}
		ids = []int64{id}
	}
	if wb.Notify != nil {
		if _, err := wb.Notify.MarkRead(r.Context(), u.ID, ids); err != nil {
			wb.fail(w, r, err)
			return
		}
	}
	to := "/notifications"
	if ids != nil && r.PostFormValue("open") == "1" {
		if l := localPath(r.PostFormValue("link")); l != "" {
			to = l
		}
	}
	redirect(w, r, to)
}
