package app_test

// The matrix entries of the academy's certificate and course-work API:
// a cohort's certificates, revocation by certificate id, one submission
// and its review. Each request acts on a fresh resource in the
// organisation the matrix aims at.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/org"
)

func init() {
	for k, v := range academyAPIWorkCases {
		apiRouteCases[k] = v
	}
}

var academyAPIWorkCases = map[string]routeCase{
	// Trainers and organisers see the list; the participant sees the
	// cohort but not its certificates (403).
	"GET /api/v1/cohorts/{id}/certificates": {resource: cohortIn, want: cohortStatuses(200, 200, 403)},
	// Organisers only.
	"POST /api/v1/certificates/{id}/revoke": {resource: certificateIn, body: `{"reason":"Issued in error {n}"}`, want: cohortStatuses(200, 403, 403)},
	// The author, the cohort's trainer and the organiser read it.
	"GET /api/v1/submissions/{id}": {resource: submissionIn, want: cohortStatuses(200, 200, 200)},
	// The trainer and the organiser decide; the author may not.
	"POST /api/v1/submissions/{id}/reviews": {resource: submissionIn,
		body: `{"levels":{"objectives":0,"audiences":1},"comment":"Matrix {n}","decision":"accept"}`, want: cohortStatuses(201, 201, 403)},
}

// certificateIn is a certificate of a fresh cohort in o: the participant's
// in A, a member's elsewhere (stored directly; earning one is another
// test's subject).
func certificateIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	h, c := newCohort(t, f, o)
	n := f.Seq()
	var id int64
	if err := f.DB.W().QueryRowContext(context.Background(), `INSERT INTO certificates (code, cohort_id, user_id, course_id, issued_at, status_index)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, fmt.Sprintf("MAPI-%04d-0000", n%10000), h.ID, holderIn(f, o).ID,
		c.ID, time.Now().UTC().Truncate(time.Second), 100000+n).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}

// submissionIn is a campaign plan handed in: in A through the service by
// A's participant (webSubmissionOfA); elsewhere a text stored directly for
// the capstone of a fresh cohort.
func submissionIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	if o.ID == f.A.ID {
		return webSubmissionOfA(t, f, nil)["submission"]
	}
	h, c := newCohort(t, f, o)
	var id int64
	if err := f.DB.W().QueryRowContext(context.Background(), `INSERT INTO submissions (cohort_id, user_id, assignment_id, revision, state, body, submitted_at)
		VALUES (?, ?, ?, 1, 'submitted', 'A plan of another organisation', ?) RETURNING id`, h.ID, holderIn(f, o).ID,
		c.Modules[2].Assignment.ID, time.Now().UTC()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}

// holderIn is a user whose work or certificate o may hold.
func holderIn(f *Fixture, o org.Org) *TestUser {
	switch o.ID {
	case f.A.ID:
		return f.Members[authz.Participant]
	case f.B.ID:
		return f.Outsider
	default:
		return f.Members[authz.Admin]
	}
}
