package web

import (
	"net/http"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// home sends the user to their first organisation.
func (wb *Web) home(w http.ResponseWriter, r *http.Request) {
	ms, err := wb.Orgs.ListFor(r.Context(), httpx.PrincipalFrom(r.Context()))
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	if len(ms) > 0 {
		redirect(w, r, "/o/"+ms[0].Org.Slug+"/")
		return
	}
	pg := wb.page(r, "")
	pg.Title = pg.L.T("noorg.title")
	wb.render(w, r, http.StatusOK, "noorg", pg)
}

// switchOrg is the organisation switcher (a GET form, so it works without
// JavaScript).
func (wb *Web) switchOrg(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("org")
	if ref == "" || len(ref) > 100 {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	o, err := wb.Orgs.Resolve(r.Context(), httpx.PrincipalFrom(r.Context()), ref, authz.ViewOrg)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/")
}

type dashData struct {
	Parent        *org.Org
	Admin         bool
	Members       int
	MembersNo2FA  int
	Pending       int
	Recent        []audit.Entry
	RecoveryLeft  int
	ShowRecovery  bool
	LocalTime     string
	CanCreateOrgs bool
}

func (wb *Web) dashboard(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "home", o.Name)
	ctx := r.Context()
	d := dashData{}
	if o.ParentID != 0 {
		for _, m := range pg.Orgs {
			if m.Org.ID == o.ParentID {
				p := m.Org
				d.Parent = &p
			}
		}
		if d.Parent == nil {
			// Not a member of the parent: its name is still public to the
			// mission's members, the way the mission itself names it.
			if p, err := org.GetOrg(ctx, wb.DB.R(), o.ParentID); err == nil {
				d.Parent = &p
			}
		}
	}
	if loc, err := time.LoadLocation(o.TimeZone); err == nil {
		d.LocalTime = time.Now().In(loc).Format("15:04")
	}
	if pg.Can(authz.ManageMembers) {
		d.Admin = true
		ms, err := org.ListMembers(ctx, wb.DB.R(), o.ID)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.Members = len(ms)
		for _, m := range ms {
			if !m.TOTPEnabled {
				d.MembersNo2FA++
			}
		}
		invs, err := auth.ListInvitations(ctx, wb.DB.R(), o.ID)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		now := time.Now()
		for _, i := range invs {
			if i.State(now) == "pending" {
				d.Pending++
			}
		}
	}
	if pg.Can(authz.ViewAudit) {
		es, err := audit.List(ctx, wb.DB.R(), o.ID, 0, 6)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.Recent = es
	}
	d.CanCreateOrgs = o.Kind == org.Programme && pg.Can(authz.CreateSubOrg)
	if pg.User.TOTPEnabled {
		if n, err := wb.Auth.RecoveryCodesLeft(ctx, pg.User.ID); err == nil {
			d.RecoveryLeft, d.ShowRecovery = n, true
		}
	}
	pg.Data = d
	wb.render(w, r, http.StatusOK, "dashboard", pg)
}
