package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// DemoCohort is the name of the demo cohort of the Digital Diplomacy course.
const DemoCohort = "Digital Diplomacy 2026 — Cohort 1"

// LoadAcademy adds the academy to a database loaded by Load: the built-in
// courses in the programme, a cohort of the Digital Diplomacy course
// (starting a few weeks before now) trained by the demo trainer with
// participants from three ministries, and some progress: Nino (Georgia)
// has done the first module's lessons and passed its quiz, Oksana
// (Ukraine) has started it.
func LoadAcademy(ctx context.Context, d *db.DB, users *auth.Service, svc *academy.Service, now time.Time) error {
	prog, err := org.GetOrgBySlug(ctx, d.R(), "programme")
	if err != nil {
		return fmt.Errorf("demo academy: %w", err)
	}
	a := audit.Actor{Name: "demo"}
	if _, err := academy.SeedAll(ctx, d, a, prog.ID, nil); err != nil {
		return fmt.Errorf("demo academy: %w", err)
	}
	c, err := academy.GetCourseBySlug(ctx, d.R(), prog.ID, "digital-diplomacy")
	if err != nil {
		return fmt.Errorf("demo academy: the digital-diplomacy course: %w", err)
	}
	if err := academy.LoadOutline(ctx, d.R(), &c); err != nil {
		return err
	}
	principal := func(email string) (*auth.User, error) {
		u, err := auth.GetUserByEmail(ctx, d.R(), email)
		return &u, err
	}
	organiser, err := principal("organiser@demo.attache.test")
	if err != nil {
		return fmt.Errorf("demo academy: %w", err)
	}
	op, err := users.Principal(ctx, *organiser)
	if err != nil {
		return err
	}
	start := now.UTC().AddDate(0, 0, -21)
	h := academy.Cohort{CourseID: c.ID, Name: DemoCohort, StartsOn: start.Format("2006-01-02"), EndsOn: start.AddDate(0, 4, 0).Format("2006-01-02")}
	if err := svc.CreateCohort(ctx, op, a, &h); err != nil {
		return fmt.Errorf("demo cohort: %w", err)
	}
	for _, m := range []struct {
		email string
		role  academy.CohortRole
	}{
		{"trainer@demo.attache.test", academy.RoleTrainer},
		{"participant.ge@demo.attache.test", academy.RoleParticipant},
		{"participant.ua@demo.attache.test", academy.RoleParticipant},
		{"participant.md@demo.attache.test", academy.RoleParticipant},
	} {
		if _, err := svc.Enrol(ctx, op, a, h.ID, m.email, m.role, 0); err != nil {
			return fmt.Errorf("demo cohort: enrol %s: %w", m.email, err)
		}
	}
	if len(c.Modules) == 0 {
		return nil
	}
	first := c.Modules[0]
	// Nino: the first module done, its quiz passed on the second attempt.
	nino, err := principal("participant.ge@demo.attache.test")
	if err != nil {
		return err
	}
	np, err := users.Principal(ctx, *nino)
	if err != nil {
		return err
	}
	for _, l := range first.Lessons {
		if _, err := svc.OpenLesson(ctx, np, h.ID, l.ID, "", ""); err != nil {
			return fmt.Errorf("demo progress: %w", err)
		}
		if l.Completion == academy.CompleteOnMark {
			if err := svc.MarkDone(ctx, np, h.ID, l.ID); err != nil {
				return fmt.Errorf("demo progress: %w", err)
			}
		}
	}
	if first.Quiz != nil {
		na := audit.Actor{UserID: nino.ID, Name: nino.Email}
		tries := []bool{true}
		if first.Quiz.MaxAttempts == 0 || first.Quiz.MaxAttempts > 1 {
			tries = []bool{false, true}
		}
		for _, right := range tries {
			at, err := svc.StartAttempt(ctx, np, na, h.ID, first.Quiz.ID)
			if err != nil {
				return fmt.Errorf("demo quiz: %w", err)
			}
			v, err := svc.Attempt(ctx, np, h.ID, at.ID)
			if err != nil {
				return err
			}
			answers := map[int64]academy.Answer{}
			if right {
				answers = academy.RightAnswers(v)
			}
			if _, err := svc.SubmitAttempt(ctx, np, na, h.ID, at.ID, answers); err != nil {
				return fmt.Errorf("demo quiz: %w", err)
			}
		}
	}
	// Oksana: the first lesson read.
	oksana, err := principal("participant.ua@demo.attache.test")
	if err != nil {
		return err
	}
	opr, err := users.Principal(ctx, *oksana)
	if err != nil {
		return err
	}
	if _, err := svc.OpenLesson(ctx, opr, h.ID, first.Lessons[0].ID, "", "uk"); err != nil {
		return fmt.Errorf("demo progress: %w", err)
	}
	return nil
}
