package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// orgFieldError puts an organisation field error in place.
func orgFieldError(pg *page, err error) bool {
	var fe *org.FieldError
	if errors.As(err, &fe) {
		pg.Errors[fe.Field] = reason(pg, fe.Reason)
		return true
	}
	return false
}

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func (wb *Web) adminIndex(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "admin", "")
	pg.Title = pg.L.T("admin.title")
	wb.render(w, r, http.StatusOK, "admin", pg)
}

// Members.

type membersData struct {
	Members []org.Member
	Self    int64
	Confirm *org.Member // the member whose removal is being confirmed
}

func (wb *Web) membersPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, confirm int64) {
	ms, err := org.ListMembers(r.Context(), wb.DB.R(), o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := membersData{Members: ms, Self: pg.User.ID}
	if confirm != 0 {
		for i := range ms {
			if ms[i].UserID == confirm {
				d.Confirm = &ms[i]
			}
		}
		if d.Confirm == nil {
			wb.errorPage(w, r, http.StatusNotFound)
			return
		}
	}
	pg.Data = d
	wb.render(w, r, status, "members", pg)
}

func (wb *Web) adminPage(r *http.Request, o org.Org, titleKey string) *page {
	pg := wb.orgPage(r, o, "admin", "")
	pg.Title = pg.L.T(titleKey)
	return pg
}

func (wb *Web) members(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.adminPage(r, o, "members.title")
	switch r.URL.Query().Get("done") {
	case "role":
		pg.Notice = pg.L.T("members.notice.role")
	case "removed":
		pg.Notice = pg.L.T("members.notice.removed")
	}
	wb.membersPage(w, r, o, http.StatusOK, pg, 0)
}

func (wb *Web) memberRole(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	uid, ok := pathID(r, "user")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.adminPage(r, o, "members.title")
	role := r.PostForm.Get("role")
	if !authz.ValidRole(role) {
		pg.Errors["_"] = pg.L.T("members.error.role")
		wb.membersPage(w, r, o, http.StatusUnprocessableEntity, pg, 0)
		return
	}
	err := wb.Orgs.SetRole(r.Context(), httpx.ActorFrom(r), o, uid, authz.Role(role))
	switch {
	case err == nil:
		redirect(w, r, pg.OrgURL("admin/members?done=role"))
	case errors.Is(err, org.ErrLastAdmin):
		pg.Errors["_"] = pg.L.T("members.error.lastadmin")
		wb.membersPage(w, r, o, http.StatusConflict, pg, 0)
	case orgFieldError(pg, err):
		pg.Errors["_"] = pg.L.T("members.error.role")
		wb.membersPage(w, r, o, http.StatusUnprocessableEntity, pg, 0)
	default:
		wb.fail(w, r, err)
	}
}

func (wb *Web) memberRemoveConfirm(w http.ResponseWriter, r *http.Request, o org.Org) {
	uid, ok := pathID(r, "user")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.adminPage(r, o, "members.remove.title")
	wb.membersPage(w, r, o, http.StatusOK, pg, uid)
}

func (wb *Web) memberRemove(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	uid, ok := pathID(r, "user")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.adminPage(r, o, "members.title")
	err := wb.Orgs.RemoveMember(r.Context(), httpx.ActorFrom(r), o, uid)
	switch {
	case err == nil:
		if uid == pg.User.ID {
			redirect(w, r, "/")
			return
		}
		redirect(w, r, pg.OrgURL("admin/members?done=removed"))
	case errors.Is(err, org.ErrLastAdmin):
		pg.Errors["_"] = pg.L.T("members.error.lastadmin")
		wb.membersPage(w, r, o, http.StatusConflict, pg, 0)
	default:
		wb.fail(w, r, err)
	}
}

// Invitations.

type invitationRow struct {
	auth.Invitation
	State string
}

type invitationsData struct {
	Invitations []invitationRow
	Link        string // the link of a new invitation, when no mail is configured
	Mail        bool
}

func (wb *Web) invitationsPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, link string) {
	invs, err := auth.ListInvitations(r.Context(), wb.DB.R(), o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := invitationsData{Link: link, Mail: wb.Auth.Mailer != nil}
	now := time.Now()
	for _, i := range invs {
		d.Invitations = append(d.Invitations, invitationRow{Invitation: i, State: i.State(now)})
	}
	if pg.V("role") == "" {
		pg.Form.Set("role", string(authz.Editor))
	}
	pg.Data = d
	wb.render(w, r, status, "invitations", pg)
}

func (wb *Web) invitations(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.adminPage(r, o, "invitations.title")
	if r.URL.Query().Get("done") == "revoked" {
		pg.Notice = pg.L.T("invitations.notice.revoked")
	}
	wb.invitationsPage(w, r, o, http.StatusOK, pg, "")
}

func (wb *Web) invite(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.adminPage(r, o, "invitations.title")
	email, role := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("role")
	pg.Form = url.Values{"email": {email}, "role": {role}}
	if email == "" {
		pg.Errors["email"] = pg.L.T("form.required")
	} else if _, err := auth.NormaliseEmail(email); err != nil {
		pg.Errors["email"] = pg.L.T("form.email.invalid")
	}
	if !authz.ValidRole(role) {
		pg.Errors["role"] = pg.L.T("members.error.role")
	}
	if len(pg.Errors) > 0 {
		wb.invitationsPage(w, r, o, http.StatusUnprocessableEntity, pg, "")
		return
	}
	inv, link, err := wb.Auth.Invite(r.Context(), httpx.ActorFrom(r), o, email, authz.Role(role))
	if fieldErrors(pg, err) {
		wb.invitationsPage(w, r, o, http.StatusUnprocessableEntity, pg, "")
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Notice = pg.L.T("invitations.notice.sent", "Email", inv.Email)
	if wb.Auth.Mailer != nil {
		link = ""
	}
	pg.Form = url.Values{}
	wb.invitationsPage(w, r, o, http.StatusCreated, pg, link)
}

func (wb *Web) revokeInvitation(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err := wb.Auth.RevokeInvitation(r.Context(), httpx.ActorFrom(r), o, id); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			wb.errorPage(w, r, http.StatusNotFound)
			return
		}
		pg := wb.adminPage(r, o, "invitations.title")
		if fieldErrors(pg, err) {
			wb.invitationsPage(w, r, o, http.StatusConflict, pg, "")
			return
		}
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/admin/invitations?done=revoked")
}

// Settings.

func (wb *Web) settingsForm(pg *page, o org.Org) {
	pg.Form = url.Values{"name": {o.Name}, "country": {o.Country}, "time_zone": {o.TimeZone}}
	if o.Require2FA {
		pg.Form.Set("require_2fa", "on")
	}
}

func (wb *Web) settings(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.adminPage(r, o, "settings.title")
	wb.settingsForm(pg, o)
	if r.URL.Query().Get("done") == "saved" {
		pg.Notice = pg.L.T("settings.notice.saved")
	}
	wb.render(w, r, http.StatusOK, "settings", pg)
}

func (wb *Web) saveSettings(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.adminPage(r, o, "settings.title")
	f := r.PostForm
	after := o
	after.Name = strings.TrimSpace(f.Get("name"))
	after.Country = strings.ToUpper(strings.TrimSpace(f.Get("country")))
	after.TimeZone = strings.TrimSpace(f.Get("time_zone"))
	after.Require2FA = f.Get("require_2fa") == "on"
	wb.settingsForm(pg, after)
	if after.Name == "" {
		pg.Errors["name"] = pg.L.T("form.required")
	}
	if after.TimeZone == "" {
		pg.Errors["time_zone"] = pg.L.T("form.required")
	} else if _, err := time.LoadLocation(after.TimeZone); err != nil || after.TimeZone == "Local" {
		pg.Errors["time_zone"] = pg.L.T("form.timezone.invalid")
	}
	if len(pg.Errors) > 0 {
		wb.render(w, r, http.StatusUnprocessableEntity, "settings", pg)
		return
	}
	err := wb.Orgs.Update(r.Context(), httpx.ActorFrom(r), o, after)
	if orgFieldError(pg, err) {
		wb.render(w, r, http.StatusUnprocessableEntity, "settings", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/admin/settings?done=saved")
}

// Audit log.

type auditData struct {
	Entries []audit.Entry
	Next    int64 // ?before= of the next (older) page; 0 when there is none
	Newest  bool
}

const auditPage = 50

func (wb *Web) auditLog(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.adminPage(r, o, "audit.title")
	var before int64
	if s := r.URL.Query().Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			pg.Errors["_"] = pg.L.T("audit.error.before")
			pg.Data = auditData{}
			wb.render(w, r, http.StatusBadRequest, "audit", pg)
			return
		}
		before = n
	}
	es, err := audit.List(r.Context(), wb.DB.R(), o.ID, before, auditPage+1)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := auditData{Newest: before == 0}
	if len(es) > auditPage {
		es = es[:auditPage]
		d.Next = es[len(es)-1].Seq
	}
	d.Entries = es
	pg.Data = d
	wb.render(w, r, http.StatusOK, "audit", pg)
}

// Organisations (programme admins create ministries, missions and
// partners; ministry admins create missions of their ministry).

type orgsData struct {
	Mine       []org.Membership
	Parents    []org.Org // ministries the user may add a mission to
	Kinds      []org.Kind
	CanCreate  bool
	Programme  bool
	ParentName map[int64]string
}

func (wb *Web) orgsPage(w http.ResponseWriter, r *http.Request, status int, pg *page) {
	d := orgsData{Mine: pg.Orgs, ParentName: map[int64]string{}}
	for _, m := range pg.Orgs {
		d.ParentName[m.Org.ID] = m.Org.Name
		if m.Role != authz.Admin {
			continue
		}
		switch m.Org.Kind {
		case org.Programme:
			d.Programme = true
		case org.Ministry:
			d.Parents = append(d.Parents, m.Org)
		}
	}
	if d.Programme {
		d.Kinds = []org.Kind{org.Ministry, org.Mission, org.Partner}
	} else if len(d.Parents) > 0 {
		d.Kinds = []org.Kind{org.Mission}
	}
	d.CanCreate = len(d.Kinds) > 0
	if pg.V("kind") == "" && len(d.Kinds) > 0 {
		pg.Form.Set("kind", string(d.Kinds[0]))
	}
	pg.Data = d
	wb.render(w, r, status, "orgs", pg)
}

func (wb *Web) orgList(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.adminPage(r, o, "orgs.title")
	if r.URL.Query().Get("done") == "created" {
		pg.Notice = pg.L.T("orgs.notice.created")
	}
	wb.orgsPage(w, r, http.StatusOK, pg)
}

func (wb *Web) createOrg(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.adminPage(r, o, "orgs.title")
	f := r.PostForm
	n := org.Org{
		Name:     strings.TrimSpace(f.Get("name")),
		Slug:     strings.ToLower(strings.TrimSpace(f.Get("slug"))),
		Kind:     org.Kind(f.Get("kind")),
		Country:  strings.ToUpper(strings.TrimSpace(f.Get("country"))),
		TimeZone: strings.TrimSpace(f.Get("time_zone")),
	}
	pg.Form = url.Values{"name": {n.Name}, "slug": {n.Slug}, "kind": {string(n.Kind)}, "country": {n.Country}, "time_zone": {n.TimeZone}, "parent_id": {f.Get("parent_id")}}
	if n.Name == "" {
		pg.Errors["name"] = pg.L.T("form.required")
	}
	if n.Slug == "" {
		n.Slug = org.Slugify(n.Name)
	}
	if n.TimeZone == "" {
		pg.Errors["time_zone"] = pg.L.T("form.required")
	} else if _, err := time.LoadLocation(n.TimeZone); err != nil || n.TimeZone == "Local" {
		pg.Errors["time_zone"] = pg.L.T("form.timezone.invalid")
	}
	if n.Kind == org.Mission {
		pid, err := strconv.ParseInt(f.Get("parent_id"), 10, 64)
		if err != nil || pid <= 0 {
			pg.Errors["parent_id"] = pg.L.T("orgs.error.parent")
		}
		n.ParentID = pid
	}
	if len(pg.Errors) > 0 {
		wb.orgsPage(w, r, http.StatusUnprocessableEntity, pg)
		return
	}
	err := wb.Orgs.Create(r.Context(), httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r), &n)
	switch {
	case err == nil:
		redirect(w, r, "/o/"+o.Slug+"/admin/orgs?done=created")
	case orgFieldError(pg, err):
		wb.orgsPage(w, r, http.StatusUnprocessableEntity, pg)
	case errors.Is(err, authz.ErrForbidden):
		pg.Errors["_"] = pg.L.T("orgs.error.forbidden")
		wb.orgsPage(w, r, http.StatusForbidden, pg)
	default:
		wb.fail(w, r, err)
	}
}
