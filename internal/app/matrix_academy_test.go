package app_test

// The academy's matrix entries (added to apiRouteCases and webRouteCases
// by init) and the fixtures they need: the test course of
// internal/academy/testdata loaded into an organisation, and a fresh
// cohort per request in which A's trainer trains and A's participant takes
// part. A's admin is the organiser of A's academy; the other roles of A
// are members who are in no cohort: cohort pages are 404 for them, as for
// strangers.

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/org"
)

func init() {
	for k, v := range academyAPICases {
		apiRouteCases[k] = v
	}
	for k, v := range academyWebCases {
		webRouteCases[k] = v
	}
}

// cohortStatuses: the organiser (admin), the cohort's trainer and
// participant see the cohort; other members of A do not (404).
func cohortStatuses(admin, trainer, participant int) map[authz.Role]int {
	return map[authz.Role]int{
		authz.Admin: admin, authz.Trainer: trainer, authz.Participant: participant,
		authz.Editor: 404, authz.Reviewer: 404, authz.Analyst: 404, authz.Alumni: 404,
	}
}

// organiserOnly: pages of the whole academy only its organisers use.
func organiserOnly(status int) map[authz.Role]int {
	m := map[authz.Role]int{}
	for _, r := range authz.Roles {
		m[r] = 403
	}
	m[authz.Admin] = status
	return m
}

var academyAPICases = map[string]routeCase{
	"GET /api/v1/courses":      {allowed: []int{200}},
	"GET /api/v1/courses/{id}": {resource: courseIn, allowed: []int{200}},
	"GET /api/v1/cohorts/{id}/progress": {
		resource: cohortIn, want: cohortStatuses(200, 200, 403),
	},
	"GET /api/v1/cohorts/{id}/lessons/{lesson}": {
		resource: cohortIn, params: lessonOfA(0), want: cohortStatuses(200, 200, 200),
	},
}

var academyWebCases = map[string]routeCase{
	"GET /o/{org}/academy":                  {web: true, allowed: []int{200}},
	"GET /o/{org}/academy/courses/{course}": {web: true, params: fixed("course", "test-course"), allowed: []int{200}},
	"GET /o/{org}/academy/cohorts/new":      {web: true, want: organiserOnly(200)},
	"POST /o/{org}/academy/cohorts": {web: true, params: courseParam, want: organiserOnly(303),
		body: "name=Matrix cohort {n}&course_id={course}&starts_on=2026-03-02&ends_on=2026-06-26"},
	"GET /o/{org}/academy/cohorts/{cohort}": {web: true, params: webCohortOfA, want: cohortStatuses(200, 200, 200)},
	// Editing a cohort's name and dates: organisers only.
	"GET /o/{org}/academy/cohorts/{cohort}/edit": {web: true, params: webCohortOfA, want: cohortStatuses(200, 403, 403)},
	"POST /o/{org}/academy/cohorts/{cohort}": {web: true, params: webCohortOfA, want: cohortStatuses(303, 403, 403),
		body: "name=Renamed {n}&starts_on=2026-03-02&ends_on=2026-06-26"},
	"POST /o/{org}/academy/cohorts/{cohort}/members": {web: true, params: webCohortOfA, want: cohortStatuses(201, 403, 403),
		body: "email=enrolled{n}@example.org&role=participant"},
	"POST /o/{org}/academy/cohorts/{cohort}/members/{user}/remove": {web: true, params: webCohortOfA, want: cohortStatuses(303, 403, 403)},
	"GET /o/{org}/academy/cohorts/{cohort}/lessons/{lesson}":       {web: true, params: webCohortOfA, want: cohortStatuses(200, 200, 200)},
	// Only participants complete lessons and take quizzes.
	"POST /o/{org}/academy/cohorts/{cohort}/lessons/{lesson}/done":   {web: true, params: webCohortOfA, want: cohortStatuses(403, 403, 303)},
	"GET /o/{org}/academy/cohorts/{cohort}/quizzes/{quiz}":           {web: true, params: webCohortOfA, want: cohortStatuses(200, 200, 200)},
	"POST /o/{org}/academy/cohorts/{cohort}/quizzes/{quiz}/attempts": {web: true, params: webCohortOfA, want: cohortStatuses(403, 403, 303)},
	"GET /o/{org}/academy/cohorts/{cohort}/attempts/{attempt}":       {web: true, params: webAttemptOfA, want: cohortStatuses(200, 200, 200)},
	"POST /o/{org}/academy/cohorts/{cohort}/attempts/{attempt}":      {web: true, params: webAttemptOfA, want: cohortStatuses(403, 403, 303), body: "q0=1"},
	"GET /o/{org}/academy/cohorts/{cohort}/progress":                 {web: true, params: webCohortOfA, want: cohortStatuses(200, 200, 403)},
	"GET /o/{org}/academy/cohorts/{cohort}/progress/{user}":          {web: true, params: webCohortOfA, want: cohortStatuses(200, 200, 200)},
}

// academyCourses remembers the test course loaded into each organisation
// of each fixture.
var academyCourses sync.Map // *Fixture → *sync.Map (org id → *academy.Course)

// testCourse loads the test course into o once per fixture.
func testCourse(t *testing.T, f *Fixture, o org.Org) *academy.Course {
	t.Helper()
	m, _ := academyCourses.LoadOrStore(f, &sync.Map{})
	byOrg := m.(*sync.Map)
	if c, ok := byOrg.Load(o.ID); ok {
		return c.(*academy.Course)
	}
	c, err := academy.ParseCourse(os.DirFS("../academy/testdata/seed"), "test-course")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := academy.Seed(context.Background(), f.DB, audit.System, o.ID, c); err != nil {
		t.Fatal(err)
	}
	byOrg.Store(o.ID, c)
	return c
}

// newCohort creates a cohort of the test course in o; in A, A's trainer
// and participant are enrolled.
func newCohort(t *testing.T, f *Fixture, o org.Org) (academy.Cohort, *academy.Course) {
	t.Helper()
	ctx := context.Background()
	c := testCourse(t, f, o)
	admin := f.Members[authz.Admin] // also admin of A's mission
	if o.ID == f.B.ID {
		admin = f.Outsider
	}
	p := principalOf(t, f, admin)
	h := academy.Cohort{CourseID: c.ID, Name: "Matrix cohort", StartsOn: "2026-03-02", EndsOn: "2026-06-26"}
	if err := f.Academy.CreateCohort(ctx, p, audit.System, &h); err != nil {
		t.Fatal(err)
	}
	if o.ID == f.A.ID {
		for _, x := range []struct {
			u    *TestUser
			role academy.CohortRole
		}{{f.Members[authz.Trainer], academy.RoleTrainer}, {f.Members[authz.Participant], academy.RoleParticipant}} {
			if _, err := f.Academy.Enrol(ctx, p, audit.System, h.ID, x.u.Email, x.role, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h, c
}

func courseIn(t *testing.T, f *Fixture, o org.Org) string { return itoa(testCourse(t, f, o).ID) }

func cohortIn(t *testing.T, f *Fixture, o org.Org) string {
	h, _ := newCohort(t, f, o)
	return itoa(h.ID)
}

func courseParam(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"course": itoa(testCourse(t, f, f.A).ID)}
}

// lessonOfA gives {lesson}: lesson i of the first module of A's course.
func lessonOfA(i int) func(*testing.T, *Fixture, *TestUser) map[string]string {
	return func(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
		return map[string]string{"lesson": itoa(testCourse(t, f, f.A).Modules[0].Lessons[i].ID)}
	}
}

// webCohortOfA makes a fresh cohort in A and names it with what its pages
// act on: a lesson to open and one to mark done (module 1), the quiz of
// module 1, and the participant.
func webCohortOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	h, c := newCohort(t, f, f.A)
	m := c.Modules[0]
	return map[string]string{
		"cohort": itoa(h.ID), "lesson": itoa(m.Lessons[1].ID), "quiz": itoa(m.Quiz.ID),
		"user": itoa(f.Members[authz.Participant].ID),
	}
}

// webAttemptOfA is webCohortOfA with an attempt started by the participant.
func webAttemptOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	params := webCohortOfA(t, f, u)
	h, c := testCohortParams(t, f, params)
	at, err := f.Academy.StartAttempt(context.Background(), principalOf(t, f, f.Members[authz.Participant]), audit.System, h, c.Modules[0].Quiz.ID)
	if err != nil {
		t.Fatal(err)
	}
	params["attempt"] = itoa(at.ID)
	return params
}

func testCohortParams(t *testing.T, f *Fixture, params map[string]string) (int64, *academy.Course) {
	t.Helper()
	id, err := strconv.ParseInt(params["cohort"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id, testCourse(t, f, f.A)
}
