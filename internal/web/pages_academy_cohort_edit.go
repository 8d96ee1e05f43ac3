package web

// Editing a cohort: its name and dates (organisers). The course of a
// running cohort does not change: its participants' work belongs to it.

import (
	"net/http"
	"net/url"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

func (ap *academyPages) registerCohortEdit(inOrg func(string, string, authz.Action, orgHandler)) {
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/edit", authz.UseAcademy, ap.cohortEditForm)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}", authz.UseAcademy, ap.cohortUpdate)
}

// cohortToEdit loads {cohort} for an organiser of o.
func (ap *academyPages) cohortToEdit(w http.ResponseWriter, r *http.Request, o org.Org, pg *page) (academy.Cohort, bool) {
	id, ok := ap.cohortID(r)
	if !ok {
		ap.fail(w, r, db.ErrNotFound)
		return academy.Cohort{}, false
	}
	h, st, err := ap.svc.Cohort(r.Context(), pg.P, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err == nil && !academy.CanManageCohort(st) {
		err = authz.ErrForbidden
	}
	if err != nil {
		ap.fail(w, r, err)
		return h, false
	}
	return h, true
}

func (ap *academyPages) cohortEditForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	h, ok := ap.cohortToEdit(w, r, o, pg)
	if !ok {
		return
	}
	pg.Form = url.Values{"name": {h.Name}, "starts_on": {h.StartsOn}, "ends_on": {h.EndsOn}}
	ap.renderCohortEdit(w, r, o, pg, h, http.StatusOK)
}

func (ap *academyPages) renderCohortEdit(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, h academy.Cohort, status int) {
	pg.Title = pg.L.T("academy.cohort.edit")
	pg.Data = cohortFormData{Edit: &h, Action: cohortURL(o, h.ID, "")}
	ap.render(w, r, status, "academy_cohort_form", pg)
}

func (ap *academyPages) cohortUpdate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	h, ok := ap.cohortToEdit(w, r, o, pg)
	if !ok {
		return
	}
	f := r.PostForm
	pg.Form = url.Values{"name": {f.Get("name")}, "starts_on": {f.Get("starts_on")}, "ends_on": {f.Get("ends_on")}}
	_, err := ap.svc.UpdateCohort(r.Context(), pg.P, httpx.ActorFrom(r), h.ID, func(c *academy.Cohort) {
		c.Name, c.StartsOn, c.EndsOn = f.Get("name"), f.Get("starts_on"), f.Get("ends_on")
	})
	if academyFieldError(pg, err) {
		ap.renderCohortEdit(w, r, o, pg, h, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	redirect(w, r, cohortURL(o, h.ID, "?saved=1"))
}
