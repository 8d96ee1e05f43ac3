package api

// The academy's reports for organisers: the change a cohort's
// self-assessments show (per participant, per ministry, per statement and
// for the cohort), and the cohort's xAPI statements as an xAPI
// StatementResult.

import (
	"encoding/json"
	"net/http"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
)

func (a *API) registerAcademyReports(rt *httpx.Router) {
	g := routes{a, rt}
	g.resource("GET", "/api/v1/cohorts/{id}/impact", authz.UseAcademy, a.cohortImpact)
	g.resource("GET", "/api/v1/cohorts/{id}/xapi", authz.UseAcademy, a.cohortXAPI)
}

func (a *API) cohortImpact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	im, err := a.academy().Impact(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, im)
}

func (a *API) cohortXAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	_, sts, err := a.academy().XAPIStatements(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Statements []json.RawMessage `json:"statements"`
		More       string            `json:"more"`
	}{sts, ""})
}
