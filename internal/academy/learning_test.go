package academy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

func TestLocksAndCompletion(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		p := w.participant
		m1, m2 := c.Modules[0], c.Modules[1]
		intro, checklist, doing := m1.Lessons[0].ID, m1.Lessons[1].ID, m2.Lessons[0].ID

		// Module 2 is locked: the lesson answers with what to complete first.
		_, err := w.svc.OpenLesson(ctx, p, h.ID, doing, "", "en")
		var le *LockedError
		if !errors.As(err, &le) || !errors.Is(err, authz.ErrForbidden) || le.Requires.Slug != "m01-basics" {
			t.Fatalf("locked lesson: %v", err)
		}
		if err := w.svc.MarkDone(ctx, p, h.ID, doing); !errors.As(err, &le) {
			t.Fatalf("mark done in a locked module: %v", err)
		}
		// Trainers and organisers preview without locks or records.
		if _, err := w.svc.OpenLesson(ctx, w.trainer, h.ID, doing, "", "en"); err != nil {
			t.Fatalf("trainer preview: %v", err)
		}
		if _, err := w.svc.OpenLesson(ctx, w.organiser, h.ID, doing, "", "en"); err != nil {
			t.Fatalf("organiser preview: %v", err)
		}
		if _, err := w.svc.OpenLesson(ctx, w.bystander, h.ID, intro, "", "en"); !errors.Is(err, authz.ErrNotMember) {
			t.Fatalf("bystander: %v", err)
		}
		if err := w.svc.MarkDone(ctx, w.trainer, h.ID, intro); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("trainer marking done: %v", err)
		}

		// "view" completes on opening; "mark_done" waits for the button.
		v, err := w.svc.OpenLesson(ctx, p, h.ID, intro, "", "en")
		if err != nil || !v.Done || v.Next == nil || v.Next.ID != checklist {
			t.Fatalf("open intro: done=%v next=%+v err=%v", v.Done, v.Next, err)
		}
		v, err = w.svc.OpenLesson(ctx, p, h.ID, checklist, "", "en")
		if err != nil || v.Done {
			t.Fatalf("open checklist: done=%v err=%v", v.Done, err)
		}
		if err := w.svc.MarkDone(ctx, p, h.ID, checklist); err != nil {
			t.Fatal(err)
		}
		// Lessons done, quiz not passed: still locked.
		if _, err := w.svc.OpenLesson(ctx, p, h.ID, doing, "", "en"); !errors.As(err, &le) {
			t.Fatalf("lessons done, quiz not passed: %v", err)
		}
		at, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, m1.Quiz.ID)
		if err != nil {
			t.Fatal(err)
		}
		av, err := w.svc.Attempt(ctx, p, h.ID, at.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SubmitAttempt(ctx, p, audit.CLI, h.ID, at.ID, RightAnswers(av)); err != nil {
			t.Fatal(err)
		}
		v, err = w.svc.OpenLesson(ctx, p, h.ID, doing, "", "en")
		if err != nil || !v.Done {
			t.Fatalf("module 2 after module 1: %v", err)
		}
		pr, _, err := w.svc.Progress(ctx, p, h.ID, p.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if !pr.Modules[0].Complete || !pr.Modules[1].Complete || !pr.Modules[2].Unlocked || pr.Modules[2].Complete || pr.LessonsDone != 3 || pr.QuizzesPassed != 1 {
			t.Fatalf("progress: %+v", pr)
		}
		// Module 3 needs its assignment accepted to complete.
		last := c.Modules[2].Lessons[0].ID
		if _, err := w.svc.OpenLesson(ctx, p, h.ID, last, "", "en"); err != nil {
			t.Fatal(err)
		}
		pr, _, _ = w.svc.Progress(ctx, p, h.ID, p.UserID)
		if pr.Modules[2].Complete || pr.Complete {
			t.Fatalf("complete without the assignment: %+v", pr.Modules[2])
		}
		// A lesson of another course's id is not found in this cohort.
		if _, err := w.svc.OpenLesson(ctx, p, h.ID, 987654, "", "en"); err == nil {
			t.Fatal("unknown lesson opened")
		}
	})
}

func TestTranslationChoice(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		intro, checklist := c.Modules[0].Lessons[0].ID, c.Modules[0].Lessons[1].ID
		for _, tc := range []struct {
			name           string
			lesson         int64
			lang, prefer   string
			want, contains string
		}{
			{"interface in Ukrainian", intro, "", "uk", "uk", "Посольство"},
			{"interface in English", intro, "", "en", "en", "Chișinău"},
			{"switch to the original", intro, "en", "uk", "en", "Chișinău"},
			{"switch to Ukrainian", intro, "uk", "en", "uk", "Посольство"},
			{"no translation", checklist, "", "uk", "en", "Checklist"},
			{"unknown language", intro, "fr", "uk", "en", "Chișinău"},
		} {
			v, err := w.svc.OpenLesson(ctx, w.participant, h.ID, tc.lesson, tc.lang, tc.prefer)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if v.Language != tc.want || !strings.Contains(v.Body, tc.contains) || v.Translated != (tc.want != "en") {
				t.Errorf("%s: language %s translated %v, body %.40q", tc.name, v.Language, v.Translated, v.Body)
			}
			if tc.lesson == intro && !slices.Equal(v.Available, []string{"en", "uk"}) {
				t.Errorf("%s: available %v", tc.name, v.Available)
			}
		}
	})
}

func TestAttemptsPolicy(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		p := w.participant
		quiz := c.Modules[0].Quiz.ID

		// Starting twice gives the same attempt with the same draw.
		a1, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, quiz)
		if err != nil {
			t.Fatal(err)
		}
		again, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, quiz)
		if err != nil || again.ID != a1.ID {
			t.Fatalf("second start: %+v %v", again, err)
		}
		v1, _ := w.svc.Attempt(ctx, p, h.ID, a1.ID)
		v2, _ := w.svc.Attempt(ctx, p, h.ID, a1.ID)
		if len(v1.Questions) != 5 {
			t.Fatalf("drew %d questions, want 5", len(v1.Questions))
		}
		for i := range v1.Questions {
			if v1.Questions[i].Question.ID != v2.Questions[i].Question.ID || !slices.Equal(v1.Questions[i].Order, v2.Questions[i].Order) {
				t.Fatal("a reload shows a different attempt")
			}
		}
		// Others cannot read or submit it.
		if _, err := w.svc.Attempt(ctx, w.other, h.ID, a1.ID); err == nil {
			t.Error("another cohort's participant read the attempt")
		}
		if _, err := w.svc.Attempt(ctx, w.trainer, h.ID, a1.ID); err != nil {
			t.Errorf("the trainer cannot read the attempt: %v", err)
		}
		if _, err := w.svc.SubmitAttempt(ctx, w.trainer, audit.CLI, h.ID, a1.ID, nil); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("the trainer submitted: %v", err)
		}
		// Fail twice (nothing answered), answers to undrawn questions ignored.
		failed, err := w.svc.SubmitAttempt(ctx, p, audit.CLI, h.ID, a1.ID, map[int64]Answer{987654: {Text: "x"}})
		if err != nil || failed.Passed || failed.Score != 0 || failed.MaxScore < 5 {
			t.Fatalf("failed attempt: %+v %v", failed, err)
		}
		if _, err := w.svc.SubmitAttempt(ctx, p, audit.CLI, h.ID, a1.ID, nil); !errors.Is(err, ErrSubmitted) {
			t.Fatalf("double submit: %v", err)
		}
		fv, _ := w.svc.Attempt(ctx, p, h.ID, a1.ID)
		for _, aq := range fv.Questions {
			if aq.Result.Correct || aq.Question.Feedback == "" {
				t.Fatalf("feedback of a failed attempt: %+v", aq)
			}
		}
		a2, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, quiz)
		if err != nil || a2.Number != 2 {
			t.Fatalf("second attempt: %+v %v", a2, err)
		}
		if _, err := w.svc.SubmitAttempt(ctx, p, audit.CLI, h.ID, a2.ID, map[int64]Answer{}); err != nil {
			t.Fatal(err)
		}
		// Third attempt passes; then no more attempts.
		a3, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, quiz)
		if err != nil {
			t.Fatal(err)
		}
		v3, _ := w.svc.Attempt(ctx, p, h.ID, a3.ID)
		passed, err := w.svc.SubmitAttempt(ctx, p, audit.CLI, h.ID, a3.ID, RightAnswers(v3))
		if err != nil || !passed.Passed || passed.Score != passed.MaxScore {
			t.Fatalf("third attempt: %+v %v", passed, err)
		}
		if _, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, quiz); !errors.Is(err, ErrAlreadyPassed) {
			t.Fatalf("after passing: %v", err)
		}
		qv, err := w.svc.Quiz(ctx, p, h.ID, quiz)
		if err != nil || !qv.Passed || qv.CanStart || len(qv.Attempts) != 3 || qv.Remaining != 0 {
			t.Fatalf("quiz view: %+v %v", qv, err)
		}

		// Another participant who fails three times has no attempt left.
		b := w.cohortWith(t, c.ID, "Cohort B", w.trainer2, w.other)
		for i := range 3 {
			at, err := w.svc.StartAttempt(ctx, w.other, audit.CLI, b.ID, quiz)
			if err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			if _, err := w.svc.SubmitAttempt(ctx, w.other, audit.CLI, b.ID, at.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.svc.StartAttempt(ctx, w.other, audit.CLI, b.ID, quiz); !errors.Is(err, ErrNoAttemptsLeft) {
			t.Fatalf("fourth attempt: %v", err)
		}
		// Attempts are per cohort: the participant's attempt in A is not B's.
		if _, err := w.svc.Attempt(ctx, w.other, b.ID, a1.ID); err == nil {
			t.Error("an attempt of cohort A read through cohort B")
		}
	})
}
