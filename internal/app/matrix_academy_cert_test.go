package app_test

// The matrix entries of certificates (the participant's page and PDF, the
// cohort's list, revocation), self-assessment, impact, the module
// discussions, the xAPI export, and the public verification routes.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
)

func init() {
	for k, v := range certAPICases {
		apiRouteCases[k] = v
	}
	for k, v := range certWebCases {
		webRouteCases[k] = v
	}
}

var certAPICases = map[string]routeCase{
	// Organisers only; the cohort's trainer and participant see the cohort (403).
	"GET /api/v1/cohorts/{id}/impact": {resource: cohortIn, want: cohortStatuses(200, 403, 403)},
	"GET /api/v1/cohorts/{id}/xapi":   {resource: cohortIn, want: cohortStatuses(200, 403, 403)},
}

var certWebCases = map[string]routeCase{
	// Only participants have certificates; before completion the page says
	// what is left and there is no PDF yet (404).
	"GET /o/{org}/academy/cohorts/{cohort}/certificate":     {web: true, params: webCohortOfA, want: cohortStatuses(403, 403, 200)},
	"GET /o/{org}/academy/cohorts/{cohort}/certificate.pdf": {web: true, params: webCohortOfA, want: cohortStatuses(403, 403, 404)},
	"GET /o/{org}/academy/cohorts/{cohort}/certificates":    {web: true, params: webCohortOfA, want: cohortStatuses(200, 200, 403)},
	"GET /o/{org}/academy/cohorts/{cohort}/certificates/{cert}/revoke": {web: true, params: webCertificateOfA,
		want: cohortStatuses(200, 403, 403)},
	"POST /o/{org}/academy/cohorts/{cohort}/certificates/{cert}/revoke": {web: true, params: webCertificateOfA,
		want: cohortStatuses(303, 403, 403), body: "reason=Issued in error"},
	"GET /o/{org}/academy/cohorts/{cohort}/assessment/{phase}": {web: true, params: withPhase(webCohortOfA), want: cohortStatuses(403, 403, 200)},
	"POST /o/{org}/academy/cohorts/{cohort}/assessment/{phase}": {web: true, params: withPhase(webCohortOfA), want: cohortStatuses(403, 403, 303),
		body: "rating.basics=2&rating.practice=3"},
	"GET /o/{org}/academy/cohorts/{cohort}/impact":                       {web: true, params: webCohortOfA, want: cohortStatuses(200, 403, 403)},
	"GET /o/{org}/academy/cohorts/{cohort}/modules/{module}/discussion":  {web: true, params: withModule(webCohortOfA), want: cohortStatuses(200, 200, 200)},
	"POST /o/{org}/academy/cohorts/{cohort}/modules/{module}/discussion": {web: true, params: withModule(webCohortOfA), want: cohortStatuses(303, 303, 303), body: "body=Hello {n}"},
	"GET /o/{org}/academy/cohorts/{cohort}/xapi":                         {web: true, params: webCohortOfA, want: cohortStatuses(200, 403, 403)},

	// Public: anyone, signed in or not. An unknown code is a 404 page.
	"GET /verify":                    {web: true},
	"GET /verify/{code}":             {web: true, params: fixed("code", "0000-0000-0000")},
	"GET /credentials/{code}":        {web: true, params: fixed("code", "0000-0000-0000")},
	"GET /credentials/status/{list}": {web: true, params: fixed("list", "1")},
	"GET /.well-known/did.json":      {web: true},
	"GET /.well-known/jwks.json":     {web: true},
}

func withPhase(p func(*testing.T, *Fixture, *TestUser) map[string]string) func(*testing.T, *Fixture, *TestUser) map[string]string {
	return func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
		m := p(t, f, u)
		m["phase"] = "start"
		return m
	}
}

func withModule(p func(*testing.T, *Fixture, *TestUser) map[string]string) func(*testing.T, *Fixture, *TestUser) map[string]string {
	return func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
		m := p(t, f, u)
		m["module"] = itoa(testCourse(t, f, f.A).Modules[1].ID)
		return m
	}
}

// webCertificateOfA is webCohortOfA with a certificate of the participant
// (stored directly: earning one is TestWebCertificateLifecycle's part).
func webCertificateOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	params := webCohortOfA(t, f, u)
	id, c := testCohortParams(t, f, params)
	n := f.Seq()
	var certID int64
	err := f.DB.W().QueryRowContext(context.Background(), `INSERT INTO certificates (code, cohort_id, user_id, course_id, issued_at, status_index)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, fmt.Sprintf("MTRX-%04d-0000", n%10000), id, f.Members[authz.Participant].ID,
		c.ID, time.Now().UTC().Truncate(time.Second), 100000+n).Scan(&certID)
	if err != nil {
		t.Fatal(err)
	}
	params["cert"] = itoa(certID)
	return params
}
