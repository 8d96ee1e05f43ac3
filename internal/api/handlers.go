package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

type meResponse struct {
	User        auth.User        `json:"user"`
	Memberships []org.Membership `json:"memberships"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	u, _ := httpx.UserFrom(r.Context())
	ms, err := a.Orgs.ListFor(r.Context(), httpx.PrincipalFrom(r.Context()))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, meResponse{User: u, Memberships: orEmpty(ms)})
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type orgList struct {
	Orgs []orgWithRole `json:"orgs"`
}

type orgWithRole struct {
	org.Org
	Role authz.Role `json:"role"`
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) {
	ms, err := a.Orgs.ListFor(r.Context(), httpx.PrincipalFrom(r.Context()))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := orgList{Orgs: []orgWithRole{}}
	for _, m := range ms {
		out.Orgs = append(out.Orgs, orgWithRole{Org: m.Org, Role: m.Role})
	}
	writeJSON(w, http.StatusOK, out)
}

type orgInput struct {
	Slug       *string `json:"slug"`
	Name       *string `json:"name"`
	Kind       *string `json:"kind"`
	ParentID   *int64  `json:"parent_id"`
	Country    *string `json:"country"`
	TimeZone   *string `json:"time_zone"`
	Require2FA *bool   `json:"require_2fa"`
}

func (in orgInput) apply(o *org.Org) {
	if in.Slug != nil {
		o.Slug = *in.Slug
	}
	if in.Name != nil {
		o.Name = *in.Name
	}
	if in.Kind != nil {
		o.Kind = org.Kind(*in.Kind)
	}
	if in.ParentID != nil {
		o.ParentID = *in.ParentID
	}
	if in.Country != nil {
		o.Country = *in.Country
	}
	if in.TimeZone != nil {
		o.TimeZone = *in.TimeZone
	}
	if in.Require2FA != nil {
		o.Require2FA = *in.Require2FA
	}
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) {
	var in orgInput
	if !decode(w, r, &in) {
		return
	}
	var o org.Org
	in.apply(&o)
	if o.Slug == "" {
		o.Slug = org.Slugify(o.Name)
	}
	if err := a.Orgs.Create(r.Context(), httpx.PrincipalFrom(r.Context()), actor(r), &o); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, http.StatusCreated, o)
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	writeJSON(w, http.StatusOK, o)
}

func (a *API) updateOrg(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	var in orgInput
	if !decode(w, r, &in) {
		return
	}
	if in.Slug != nil || in.Kind != nil || in.ParentID != nil {
		invalid(w, r, "slug", "slug, kind and parent_id cannot be changed")
		return
	}
	after := o
	in.apply(&after)
	if err := a.Orgs.Update(r.Context(), actor(r), o, after); err != nil {
		a.writeError(w, r, err)
		return
	}
	o, err := org.GetOrg(r.Context(), a.DB.R(), o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

type memberList struct {
	Members []org.Member `json:"members"`
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	ms, err := org.ListMembers(r.Context(), a.DB.R(), o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, memberList{Members: orEmpty(ms)})
}

type roleInput struct {
	Role string `json:"role"`
}

func (a *API) setMemberRole(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	uid, ok := pathID(r, "user")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in roleInput
	if !decode(w, r, &in) {
		return
	}
	if err := a.Orgs.SetRole(r.Context(), actor(r), o, uid, authz.Role(in.Role)); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.listMembers(w, r, nil, o)
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	uid, ok := pathID(r, "user")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := a.Orgs.RemoveMember(r.Context(), actor(r), o, uid); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type invitationView struct {
	auth.Invitation
	State string `json:"state"`
	Link  string `json:"link,omitempty"`
}

func (a *API) listInvitations(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	invs, err := auth.ListInvitations(r.Context(), a.DB.R(), o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := struct {
		Invitations []invitationView `json:"invitations"`
	}{Invitations: []invitationView{}}
	now := time.Now()
	for _, i := range invs {
		out.Invitations = append(out.Invitations, invitationView{Invitation: i, State: i.State(now)})
	}
	writeJSON(w, http.StatusOK, out)
}

type invitationInput struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func (a *API) createInvitation(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	var in invitationInput
	if !decode(w, r, &in) {
		return
	}
	inv, link, err := a.Auth.Invite(r.Context(), actor(r), o, in.Email, authz.Role(in.Role))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	v := invitationView{Invitation: inv, State: inv.State(time.Now())}
	if a.Auth.Mailer == nil {
		v.Link = link // no SMTP: the admin passes the link on by hand
	}
	writeJSON(w, http.StatusCreated, v)
}

func (a *API) revokeInvitation(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := a.Auth.RevokeInvitation(r.Context(), actor(r), o, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	limit := 100
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 && l <= 500 {
		limit = l
	}
	es, err := audit.List(r.Context(), a.DB.R(), o.ID, before, limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Entries []audit.Entry `json:"entries"`
	}{orEmpty(es)})
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	u, _ := httpx.UserFrom(r.Context())
	ts, err := auth.ListTokens(r.Context(), a.DB.R(), u.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Tokens []auth.Token `json:"tokens"`
	}{orEmpty(ts)})
}

type tokenInput struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	var in tokenInput
	if !decode(w, r, &in) {
		return
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 1825 {
		invalid(w, r, "expires_in_days", "must be between 0 (never) and 1825")
		return
	}
	u, _ := httpx.UserFrom(r.Context())
	secret, t, err := a.Auth.CreateToken(r.Context(), actor(r), u.ID, in.Name, time.Duration(in.ExpiresInDays)*24*time.Hour)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		auth.Token
		Secret string `json:"token"`
	}{t, secret})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	u, _ := httpx.UserFrom(r.Context())
	if err := a.Auth.RevokeToken(r.Context(), actor(r), u.ID, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
