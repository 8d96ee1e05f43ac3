package api

// The trainer's "to grade" queue: every submission waiting for the
// caller's decision across all the cohorts they train (organisers: every
// cohort of their academy) and every kind of assignment, the oldest first.

import (
	"net/http"
	"strconv"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/httpx"
)

func (a *API) registerGrading(rt *httpx.Router) {
	routes{a, rt}.signed("GET", "/api/v1/grading", a.gradingQueue)
}

func (a *API) gradingQueue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f academy.QueueFilter
	for _, x := range []struct {
		name string
		into *int64
	}{{"org_id", &f.OrgID}, {"cohort_id", &f.CohortID}} {
		if s := q.Get(x.name); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id < 1 {
				invalid(w, r, x.name, "must be a positive integer")
				return
			}
			*x.into = id
		}
	}
	switch k := academy.AssignmentKind(q.Get("kind")); k {
	case "", academy.AssignText, academy.AssignFile, academy.AssignCampaignPlan:
		f.Kind = k
	default:
		invalid(w, r, "kind", "must be text, file or campaign_plan")
		return
	}
	entries, err := a.academy().Queue(r.Context(), httpx.PrincipalFrom(r.Context()), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Count       int                  `json:"count"`
		Submissions []academy.QueueEntry `json:"submissions"`
	}{len(entries), entries})
}
