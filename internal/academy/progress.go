package academy

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// ModuleProgress is one participant's standing in one module.
type ModuleProgress struct {
	ModuleID           int64  `json:"module_id"`
	Slug               string `json:"slug"`
	Title              string `json:"title"`
	Lessons            int    `json:"lessons"`
	LessonsDone        int    `json:"lessons_done"`
	HasQuiz            bool   `json:"has_quiz"`
	QuizPassed         bool   `json:"quiz_passed"`
	HasAssignment      bool   `json:"has_assignment"`
	AssignmentAccepted bool   `json:"assignment_accepted"`
	Complete           bool   `json:"complete"`
	Unlocked           bool   `json:"unlocked"`
}

// Progress is one participant's standing in a cohort's course.
type Progress struct {
	CohortID        int64            `json:"cohort_id"`
	UserID          int64            `json:"user_id"`
	Modules         []ModuleProgress `json:"modules"`
	Lessons         int              `json:"lessons"`
	LessonsDone     int              `json:"lessons_done"`
	QuizzesPassed   int              `json:"quizzes_passed"`
	ModulesComplete int              `json:"modules_complete"`
	Complete        bool             `json:"complete"` // every module complete
	// Done lists the completed lessons (lesson id → true).
	Done map[int64]bool `json:"-"`
}

// Module returns the progress of a module of the course.
func (p *Progress) Module(id int64) (ModuleProgress, int, bool) {
	for i, m := range p.Modules {
		if m.ModuleID == id {
			return m, i, true
		}
	}
	return ModuleProgress{}, -1, false
}

// Percent is the share of lessons done, 0–100.
func (p Progress) Percent() int {
	if p.Lessons == 0 {
		return 0
	}
	return p.LessonsDone * 100 / p.Lessons
}

// work is what a participant has done in a cohort, as read from the store.
type work struct {
	done     map[int64]bool // lesson ids completed
	passed   map[int64]bool // quiz ids passed
	accepted map[int64]bool // assignment ids accepted
}

func newWork() *work {
	return &work{done: map[int64]bool{}, passed: map[int64]bool{}, accepted: map[int64]bool{}}
}

// computeProgress applies the unlock rule to an outline: a module is
// complete when every lesson is done, its quiz (if any) passed and its
// assignment (if any) accepted; a module with RequiresPrevious is locked
// until the module before it is complete.
func computeProgress(c *Course, cohortID, userID int64, w *work) Progress {
	p := Progress{CohortID: cohortID, UserID: userID, Modules: make([]ModuleProgress, 0, len(c.Modules)), Done: map[int64]bool{}}
	prevComplete := true
	for i, m := range c.Modules {
		mp := ModuleProgress{ModuleID: m.ID, Slug: m.Slug, Title: m.Title, Lessons: len(m.Lessons)}
		for _, l := range m.Lessons {
			if w.done[l.ID] {
				mp.LessonsDone++
				p.Done[l.ID] = true
			}
		}
		if m.Quiz != nil {
			mp.HasQuiz, mp.QuizPassed = true, w.passed[m.Quiz.ID]
			if mp.QuizPassed {
				p.QuizzesPassed++
			}
		}
		if m.Assignment != nil {
			mp.HasAssignment, mp.AssignmentAccepted = true, w.accepted[m.Assignment.ID]
		}
		mp.Complete = mp.LessonsDone == mp.Lessons && (!mp.HasQuiz || mp.QuizPassed) && (!mp.HasAssignment || mp.AssignmentAccepted)
		mp.Unlocked = i == 0 || !m.RequiresPrevious || prevComplete
		prevComplete = mp.Complete
		p.Lessons += mp.Lessons
		p.LessonsDone += mp.LessonsDone
		if mp.Complete {
			p.ModulesComplete++
		}
		p.Modules = append(p.Modules, mp)
	}
	p.Complete = len(c.Modules) > 0 && p.ModulesComplete == len(c.Modules)
	return p
}

// loadWork reads the completed lessons, passed quizzes and accepted
// assignments of a cohort, per user (userID 0: every user).
func loadWork(ctx context.Context, q db.Queryer, cohortID, userID int64) (map[int64]*work, error) {
	out := map[int64]*work{}
	get := func(u int64) *work {
		if out[u] == nil {
			out[u] = newWork()
		}
		return out[u]
	}
	filter, extra := "", []any{}
	if userID != 0 {
		filter, extra = " AND user_id = ?", []any{userID}
	}
	for _, x := range []struct {
		sql  string
		args []any
		into func(*work) map[int64]bool
	}{
		{"SELECT user_id, lesson_id FROM lesson_progress WHERE cohort_id = ? AND completed_at IS NOT NULL" + filter,
			append([]any{cohortID}, extra...), func(w *work) map[int64]bool { return w.done }},
		{"SELECT DISTINCT user_id, quiz_id FROM quiz_attempts WHERE cohort_id = ? AND passed = ?" + filter,
			append([]any{cohortID, true}, extra...), func(w *work) map[int64]bool { return w.passed }},
		{"SELECT DISTINCT user_id, assignment_id FROM submissions WHERE cohort_id = ? AND state = ?" + filter,
			append([]any{cohortID, "accepted"}, extra...), func(w *work) map[int64]bool { return w.accepted }},
	} {
		rows, err := q.QueryContext(ctx, x.sql, x.args...)
		if err != nil {
			return nil, fmt.Errorf("load progress: %w", err)
		}
		for rows.Next() {
			var u, id int64
			if err := rows.Scan(&u, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load progress: %w", err)
			}
			x.into(get(u))[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LessonState is a participant's record of one lesson.
type LessonState struct {
	ViewedAt    time.Time  `json:"viewed_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// recordLesson notes that a participant opened a lesson and, with
// complete, that they completed it. The first view and the first
// completion are kept.
func recordLesson(ctx context.Context, q db.Queryer, cohortID, userID, lessonID int64, complete bool) error {
	t := now()
	var done any
	if complete {
		done = t
	}
	_, err := q.ExecContext(ctx, `INSERT INTO lesson_progress (cohort_id, user_id, lesson_id, viewed_at, completed_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (cohort_id, user_id, lesson_id) DO UPDATE SET completed_at = COALESCE(lesson_progress.completed_at, excluded.completed_at)`,
		cohortID, userID, lessonID, t, done)
	if err != nil {
		return fmt.Errorf("record lesson: %w", err)
	}
	return nil
}

// getLessonState returns a participant's record of a lesson (zero when
// never opened).
func getLessonState(ctx context.Context, q db.Queryer, cohortID, userID, lessonID int64) (LessonState, error) {
	var s LessonState
	err := q.QueryRowContext(ctx, "SELECT viewed_at, completed_at FROM lesson_progress WHERE cohort_id = ? AND user_id = ? AND lesson_id = ?",
		cohortID, userID, lessonID).Scan(&s.ViewedAt, &s.CompletedAt)
	if isNoRows(err) {
		return s, nil
	}
	return s, err
}
