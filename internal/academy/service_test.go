package academy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// world is a programme with a ministry, and people in every academy
// position: the organiser, two trainers, participants of two cohorts, a
// programme member in no cohort and a ministry member outside the
// programme.
type world struct {
	e           testutil.Engine
	svc         *Service
	programme   int64
	ministry    int64
	ministry2   int64
	organiser   *authz.Principal
	trainer     *authz.Principal // trains cohort A
	trainer2    *authz.Principal // trains cohort B
	participant *authz.Principal // cohort A (ministry)
	other       *authz.Principal // cohort B (ministry2)
	bystander   *authz.Principal // programme member, no cohort
	outsider    *authz.Principal // ministry only
}

func newWorld(t *testing.T, e testutil.Engine) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{e: e}
	w.svc = &Service{DB: e.DB, Auth: &auth.Service{DB: e.DB, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://attache.test"}}
	mk := func(o org.Org) int64 {
		if err := org.InsertOrg(ctx, e.DB.W(), &o); err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	w.programme = mk(org.Org{Slug: "programme", Name: "Programme", Kind: org.Programme, TimeZone: "UTC"})
	w.ministry = mk(org.Org{Slug: "mfa-ge", Name: "MFA Georgia", Kind: org.Ministry, TimeZone: "UTC"})
	w.ministry2 = mk(org.Org{Slug: "mfa-md", Name: "MFA Moldova", Kind: org.Ministry, TimeZone: "UTC"})
	person := func(email string, roles map[int64]authz.Role) *authz.Principal {
		var id int64
		if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP) RETURNING id", email, strings.Split(email, "@")[0]).Scan(&id); err != nil {
			t.Fatal(err)
		}
		p := &authz.Principal{UserID: id, Email: email}
		for o, r := range roles {
			if err := org.AddMember(ctx, e.DB.W(), o, id, r); err != nil {
				t.Fatal(err)
			}
			p.Memberships = append(p.Memberships, authz.Membership{OrgID: o, Role: r})
		}
		return p
	}
	w.organiser = person("organiser@example.org", map[int64]authz.Role{w.programme: authz.Admin})
	w.trainer = person("trainer@example.org", map[int64]authz.Role{w.programme: authz.Trainer})
	w.trainer2 = person("trainer2@example.org", map[int64]authz.Role{w.programme: authz.Trainer})
	w.participant = person("nino@example.org", map[int64]authz.Role{w.programme: authz.Participant, w.ministry: authz.Participant})
	w.other = person("ion@example.org", map[int64]authz.Role{w.programme: authz.Participant, w.ministry2: authz.Editor})
	w.bystander = person("alumna@example.org", map[int64]authz.Role{w.programme: authz.Alumni})
	w.outsider = person("outsider@example.org", map[int64]authz.Role{w.ministry: authz.Admin})
	return w
}

// seedTest loads the test course into the programme.
func (w *world) seedTest(t *testing.T) *Course {
	t.Helper()
	c, err := ParseCourse(os.DirFS("testdata/seed"), "test-course")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seed(context.Background(), w.e.DB, audit.CLI, w.programme, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// cohort creates a cohort of the course with the trainer and the participant.
func (w *world) cohort(t *testing.T, courseID int64) Cohort {
	t.Helper()
	return w.cohortWith(t, courseID, "Cohort A", w.trainer, w.participant)
}

func (w *world) cohortWith(t *testing.T, courseID int64, name string, trainer, participant *authz.Principal) Cohort {
	t.Helper()
	ctx := context.Background()
	h := Cohort{CourseID: courseID, Name: name, StartsOn: "2026-03-02", EndsOn: "2026-06-26"}
	if err := w.svc.CreateCohort(ctx, w.organiser, audit.CLI, &h); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		p    *authz.Principal
		role CohortRole
	}{{trainer, RoleTrainer}, {participant, RoleParticipant}} {
		if _, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, h.ID, x.p.Email, x.role, 0); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestAccessRules(t *testing.T) {
	org := func(r authz.Role) Standing { return Standing{UserID: 1, OrgRole: r, InOrg: true} }
	in := func(r authz.Role, c CohortRole) Standing { s := org(r); s.CohortRole = c; return s }
	organiser := org(authz.Admin)
	trainer := in(authz.Trainer, RoleTrainer)
	participant := in(authz.Participant, RoleParticipant)
	bystander := org(authz.Alumni)
	removed := Standing{UserID: 1, CohortRole: RoleParticipant} // in the cohort, no longer in the programme
	stranger := Standing{UserID: 1}
	type rule struct {
		name string
		fn   func(Standing) bool
	}
	rules := []rule{
		{"catalogue", CanSeeCatalogue}, {"cohort", CanSeeCohort}, {"manage", CanManageCohort}, {"take", CanTakeCourse},
		{"preview", CanPreviewLessons}, {"progress table", CanSeeCohortProgress}, {"grade", CanGrade}, {"post", CanPost},
		{"revoke", CanRevokeCertificate},
		{"own progress", func(s Standing) bool { return CanSeeProgressOf(s, 1) }},
		{"other's progress", func(s Standing) bool { return CanSeeProgressOf(s, 2) }},
		{"own submission", func(s Standing) bool { return CanSeeSubmission(s, 1, false) }},
		{"other's submission", func(s Standing) bool { return CanSeeSubmission(s, 2, false) }},
		{"assigned peer submission", func(s Standing) bool { return CanSeeSubmission(s, 2, true) }},
	}
	want := map[string][]bool{
		//                   cat    cohort manage take   prev   table  grade  post   revoke ownpr  othpr  ownsub othsub peer
		"organiser":   {true, true, true, false, true, true, true, true, true, true, true, true, true, true},
		"trainer":     {true, true, false, false, true, true, true, true, false, true, true, true, true, true},
		"participant": {true, true, false, true, false, false, false, true, false, true, false, true, false, true},
		"bystander":   {true, false, false, false, false, false, false, false, false, false, false, false, false, false},
		"removed":     {false, false, false, false, false, false, false, false, false, false, false, false, false, false},
		"stranger":    {false, false, false, false, false, false, false, false, false, false, false, false, false, false},
	}
	for name, s := range map[string]Standing{"organiser": organiser, "trainer": trainer, "participant": participant, "bystander": bystander, "removed": removed, "stranger": stranger} {
		for i, r := range rules {
			if got := r.fn(s); got != want[name][i] {
				t.Errorf("%s / %s: got %v, want %v", name, r.name, got, want[name][i])
			}
		}
	}
	if err := RequireCohort(bystander, CanSeeCohortProgress); !errors.Is(err, authz.ErrNotMember) {
		t.Errorf("bystander: %v, want not found", err)
	}
	if err := RequireCohort(participant, CanSeeCohortProgress); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("participant on the progress table: %v, want forbidden", err)
	}
}

func TestCohortAccess(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c := w.seedTest(t)
		a := w.cohort(t, c.ID)
		b := w.cohortWith(t, c.ID, "Cohort B", w.trainer2, w.other)

		// The participant's ministry was inferred from their memberships.
		ms, _, err := w.svc.Members(ctx, w.participant, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].Role != RoleTrainer || ms[1].OrgName != "MFA Georgia" || ms[1].Email != "" {
			t.Fatalf("members seen by a participant: %+v", ms)
		}
		if ms, _, _ := w.svc.Members(ctx, w.trainer, a.ID); ms[1].Email != "nino@example.org" {
			t.Errorf("the trainer sees no email: %+v", ms)
		}
		if _, _, err := w.svc.Members(ctx, w.organiser, b.ID); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who    string
			p      *authz.Principal
			cohort int64
			want   error
		}{
			{"participant of A on B's members", w.participant, b.ID, authz.ErrNotMember},
			{"trainer of A on B", w.trainer, b.ID, authz.ErrNotMember},
			{"bystander", w.bystander, a.ID, authz.ErrNotMember},
			{"outsider", w.outsider, a.ID, authz.ErrNotMember},
			{"unknown cohort", w.organiser, 987654, authz.ErrNotMember},
		} {
			if _, _, err := w.svc.Members(ctx, tc.p, tc.cohort); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.who, err, tc.want)
			}
		}
		for _, tc := range []struct {
			who    string
			p      *authz.Principal
			cohort int64
			want   error
		}{
			{"organiser on A", w.organiser, a.ID, nil},
			{"trainer on A", w.trainer, a.ID, nil},
			{"trainer of A on B", w.trainer, b.ID, authz.ErrNotMember},
			{"participant on own cohort's table", w.participant, a.ID, authz.ErrForbidden},
			{"participant of A on B", w.participant, b.ID, authz.ErrNotMember},
			{"outsider", w.outsider, b.ID, authz.ErrNotMember},
		} {
			_, _, rows, err := w.svc.CohortProgress(ctx, tc.p, tc.cohort)
			if !errors.Is(err, tc.want) {
				t.Errorf("progress table, %s: %v, want %v", tc.who, err, tc.want)
			}
			if err == nil && (len(rows) != 1 || rows[0].Progress.Lessons != 4) {
				t.Errorf("progress table, %s: %+v", tc.who, rows)
			}
		}
		// Individual progress: own yes, another participant's no.
		if _, _, err := w.svc.Progress(ctx, w.participant, a.ID, w.participant.UserID); err != nil {
			t.Errorf("own progress: %v", err)
		}
		if _, _, err := w.svc.Progress(ctx, w.other, b.ID, w.participant.UserID); err == nil {
			t.Error("a participant of B read a participant of A's progress through B")
		}
		if _, _, err := w.svc.Progress(ctx, w.trainer, a.ID, w.participant.UserID); err != nil {
			t.Errorf("trainer on a participant's progress: %v", err)
		}
		// Only organisers create cohorts and enrol.
		h := Cohort{CourseID: c.ID, Name: "Mine", StartsOn: "2026-01-01", EndsOn: "2026-02-01"}
		if err := w.svc.CreateCohort(ctx, w.trainer, audit.CLI, &h); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("trainer created a cohort: %v", err)
		}
		if err := w.svc.CreateCohort(ctx, w.outsider, audit.CLI, &h); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("outsider created a cohort: %v", err)
		}
		if _, err := w.svc.Enrol(ctx, w.trainer, audit.CLI, a.ID, w.bystander.Email, RoleParticipant, 0); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("trainer enrolled someone: %v", err)
		}
		bad := Cohort{CourseID: c.ID, Name: "Backwards", StartsOn: "2026-05-01", EndsOn: "2026-04-01"}
		var fe *FieldError
		if err := w.svc.CreateCohort(ctx, w.organiser, audit.CLI, &bad); !errors.As(err, &fe) || fe.Field != "ends_on" {
			t.Errorf("backwards dates: %v", err)
		}
		// The cohort lists: organisers see all, others their own.
		if hs, _ := w.svc.Cohorts(ctx, w.organiser, w.programme); len(hs) != 2 {
			t.Errorf("organiser sees %d cohorts", len(hs))
		}
		if hs, _ := w.svc.Cohorts(ctx, w.participant, w.programme); len(hs) != 1 || hs[0].ID != a.ID || hs[0].Role != RoleParticipant {
			t.Errorf("participant sees %+v", hs)
		}
		if _, err := w.svc.Cohorts(ctx, w.outsider, w.programme); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("outsider's cohorts: %v", err)
		}
	})
}

func TestEnrolByEmailInvites(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c := w.seedTest(t)
		a := w.cohort(t, c.ID)
		// An existing account outside the programme joins it as participant.
		res, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, a.ID, w.outsider.Email, RoleParticipant, 0)
		if err != nil || res.Member == nil || res.Invited || res.Member.OrgID != w.ministry {
			t.Fatalf("enrol existing: %+v %v", res, err)
		}
		if r, err := org.MemberRole(ctx, e.DB.R(), w.programme, w.outsider.UserID); err != nil || r != authz.Participant {
			t.Fatalf("programme role: %v %v", r, err)
		}
		// A new address: an invitation, then the enrolment on acceptance.
		res, err = w.svc.Enrol(ctx, w.organiser, audit.CLI, a.ID, "New.Person@Example.org", RoleParticipant, w.ministry2)
		if err != nil || !res.Invited || res.Link == "" {
			t.Fatalf("enrol new: %+v %v", res, err)
		}
		if inv, _ := ListInvites(ctx, e.DB.R(), a.ID); len(inv) != 1 || inv[0].Email != "new.person@example.org" {
			t.Fatalf("waiting enrolments: %+v", inv)
		}
		secret := res.Link[strings.LastIndex(res.Link, "/")+1:]
		u, err := w.svc.Auth.AcceptInvitation(ctx, secret, "New Person", "a-long-enough-password", "")
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.svc.Auth.Principal(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := w.svc.Cohorts(ctx, p, w.programme)
		if err != nil || len(hs) != 1 || hs[0].ID != a.ID {
			t.Fatalf("cohorts after acceptance: %+v %v", hs, err)
		}
		ms, _ := ListCohortMembers(ctx, e.DB.R(), a.ID)
		found := false
		for _, m := range ms {
			if m.UserID == u.ID {
				found = m.OrgID == w.ministry2 && m.Role == RoleParticipant
			}
		}
		if !found {
			t.Fatalf("not enrolled with their ministry: %+v", ms)
		}
		if inv, _ := ListInvites(ctx, e.DB.R(), a.ID); len(inv) != 0 {
			t.Errorf("the waiting enrolment stayed: %+v", inv)
		}
		var fe *FieldError
		if _, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, a.ID, "not-an-email", RoleParticipant, 0); !errors.As(err, &fe) || fe.Field != "email" {
			t.Errorf("bad email: %v", err)
		}
		if _, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, a.ID, "x@example.org", "observer", 0); !errors.As(err, &fe) || fe.Field != "role" {
			t.Errorf("bad role: %v", err)
		}
		// Removing keeps the work; the person no longer sees the cohort.
		if err := w.svc.RemoveFromCohort(ctx, w.organiser, audit.CLI, a.ID, w.outsider.UserID); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.RemoveFromCohort(ctx, w.organiser, audit.CLI, a.ID, w.outsider.UserID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("removing twice: %v", err)
		}
	})
}
