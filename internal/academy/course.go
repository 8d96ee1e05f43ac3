// Package academy is the training programme's learning platform: courses
// of modules and lessons (with translations), quizzes with question banks,
// assignments, cohorts of trainers and participants, progress with
// prerequisites that lock later modules, and the learners' work. The access
// rules live in access.go; Service (service.go) applies them.
package academy

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

// FieldError says which input field is wrong and why.
type FieldError = valid.FieldError

// Completion is what completes a lesson: opening it, or pressing
// "Mark as done" at its end.
type Completion string

const (
	CompleteOnView Completion = "view"
	CompleteOnMark Completion = "mark_done"
)

// Statement is one capacity a course builds, rated 1–5 by participants at
// its start and its end.
type Statement struct {
	Key       string `json:"key"`
	Statement string `json:"statement"`
}

// Course is a course of an organisation (the programme).
type Course struct {
	ID             int64       `json:"id"`
	OrgID          int64       `json:"org_id"`
	Slug           string      `json:"slug"`
	Title          string      `json:"title"`
	Summary        string      `json:"summary"`
	Language       string      `json:"language"`
	SelfAssessment []Statement `json:"self_assessment"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
	Modules        []Module    `json:"modules"`
}

// Module is an ordered part of a course. With RequiresPrevious it stays
// locked until the previous module is complete.
type Module struct {
	ID               int64       `json:"id"`
	CourseID         int64       `json:"course_id"`
	Position         int         `json:"position"`
	Slug             string      `json:"slug"`
	Title            string      `json:"title"`
	Summary          string      `json:"summary"`
	RequiresPrevious bool        `json:"requires_previous"`
	Lessons          []Lesson    `json:"lessons"`
	Quiz             *Quiz       `json:"quiz,omitempty"`
	Assignment       *Assignment `json:"assignment,omitempty"`
}

// Lesson is a Markdown page of a module.
type Lesson struct {
	ID         int64      `json:"id"`
	ModuleID   int64      `json:"module_id"`
	Position   int        `json:"position"`
	Slug       string     `json:"slug"`
	Title      string     `json:"title"`
	Body       string     `json:"-"` // Markdown, in the course's language
	Completion Completion `json:"completion"`
	// Languages lists the languages the lesson is translated into.
	Languages []string `json:"translations,omitempty"`
	// Translations are filled when a course is parsed from a seed.
	Translations []Translation `json:"-"`
}

// Translation is a lesson in another language.
type Translation struct {
	LessonID int64  `json:"lesson_id"`
	Language string `json:"language"`
	Title    string `json:"title"`
	Body     string `json:"-"`
}

// cleanText trims s and checks its length and characters.
func cleanText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return s, &FieldError{Field: field, Reason: "is required"}
	case !utf8.ValidString(s) || strings.IndexFunc(s, badControl) >= 0:
		return s, &FieldError{Field: field, Reason: "must not contain control characters"}
	case utf8.RuneCountInString(s) > max:
		return s, &FieldError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", max)}
	}
	return s, nil
}

// badControl allows the whitespace that long texts contain.
func badControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }

// course columns; c is courses.
const courseColumns = "c.id, c.org_id, c.slug, c.title, c.summary, c.language, c.self_assessment, c.created_at, c.updated_at"

func scanCourse(row interface{ Scan(...any) error }) (Course, error) {
	var c Course
	var sa string
	err := row.Scan(&c.ID, &c.OrgID, &c.Slug, &c.Title, &c.Summary, &c.Language, &sa, &c.CreatedAt, &c.UpdatedAt)
	if isNoRows(err) {
		return c, db.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(sa), &c.SelfAssessment); err != nil {
		return c, fmt.Errorf("course %d: self_assessment: %w", c.ID, err)
	}
	return c, nil
}

// GetCourse returns a course without its modules.
func GetCourse(ctx context.Context, q db.Queryer, id int64) (Course, error) {
	return scanCourse(q.QueryRowContext(ctx, "SELECT "+courseColumns+" FROM courses c WHERE c.id = ?", id))
}

// GetCourseBySlug returns an organisation's course without its modules.
func GetCourseBySlug(ctx context.Context, q db.Queryer, orgID int64, slug string) (Course, error) {
	return scanCourse(q.QueryRowContext(ctx, "SELECT "+courseColumns+" FROM courses c WHERE c.org_id = ? AND c.slug = ?", orgID, slug))
}

// ListCourses returns the courses of the given organisations, by title,
// without their modules.
func ListCourses(ctx context.Context, q db.Queryer, orgIDs []int64) ([]Course, error) {
	out := []Course{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orgIDs))
	for i, id := range orgIDs {
		args[i] = id
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(orgIDs)), ", ")
	rows, err := q.QueryContext(ctx, "SELECT "+courseColumns+" FROM courses c WHERE c.org_id IN ("+in+") ORDER BY c.title, c.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, fmt.Errorf("list courses: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LoadOutline fills c.Modules with the live (not retired) modules, their
// lessons (without bodies, with the languages they are translated into),
// quizzes and assignments, in order.
func LoadOutline(ctx context.Context, q db.Queryer, c *Course) error {
	rows, err := q.QueryContext(ctx, `SELECT id, course_id, position, slug, title, summary, requires_previous
		FROM course_modules WHERE course_id = ? AND retired = ? ORDER BY position, id`, c.ID, false)
	if err != nil {
		return fmt.Errorf("load modules: %w", err)
	}
	c.Modules = []Module{}
	at := map[int64]int{}
	for rows.Next() {
		var m Module
		if err := rows.Scan(&m.ID, &m.CourseID, &m.Position, &m.Slug, &m.Title, &m.Summary, &m.RequiresPrevious); err != nil {
			rows.Close()
			return fmt.Errorf("load modules: %w", err)
		}
		m.Lessons = []Lesson{}
		at[m.ID] = len(c.Modules)
		c.Modules = append(c.Modules, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	langs, err := courseTranslationLanguages(ctx, q, c.ID)
	if err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT l.id, l.module_id, l.position, l.slug, l.title, l.completion
		FROM lessons l JOIN course_modules m ON m.id = l.module_id
		WHERE m.course_id = ? AND m.retired = ? AND l.retired = ? ORDER BY l.position, l.id`, c.ID, false, false)
	if err != nil {
		return fmt.Errorf("load lessons: %w", err)
	}
	for rows.Next() {
		var l Lesson
		if err := rows.Scan(&l.ID, &l.ModuleID, &l.Position, &l.Slug, &l.Title, &l.Completion); err != nil {
			rows.Close()
			return fmt.Errorf("load lessons: %w", err)
		}
		l.Languages = langs[l.ID]
		if i, ok := at[l.ModuleID]; ok {
			c.Modules[i].Lessons = append(c.Modules[i].Lessons, l)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	quizzes, err := listQuizzesOfCourse(ctx, q, c.ID)
	if err != nil {
		return err
	}
	for i := range quizzes {
		if j, ok := at[quizzes[i].ModuleID]; ok {
			c.Modules[j].Quiz = &quizzes[i]
		}
	}
	assignments, err := listAssignmentsOfCourse(ctx, q, c.ID)
	if err != nil {
		return err
	}
	for i := range assignments {
		if j, ok := at[assignments[i].ModuleID]; ok {
			c.Modules[j].Assignment = &assignments[i]
		}
	}
	return nil
}

// courseTranslationLanguages maps each lesson of a course to the languages
// it is translated into.
func courseTranslationLanguages(ctx context.Context, q db.Queryer, courseID int64) (map[int64][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.lesson_id, t.language FROM lesson_translations t
		JOIN lessons l ON l.id = t.lesson_id JOIN course_modules m ON m.id = l.module_id
		WHERE m.course_id = ? ORDER BY t.lesson_id, t.language`, courseID)
	if err != nil {
		return nil, fmt.Errorf("load translations: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var lang string
		if err := rows.Scan(&id, &lang); err != nil {
			return nil, fmt.Errorf("load translations: %w", err)
		}
		out[id] = append(out[id], lang)
	}
	return out, rows.Err()
}

// LessonRef is a lesson with where it sits.
type LessonRef struct {
	Lesson
	Module Module // without lessons
	Course Course // without modules
}

// GetLesson returns a live lesson with its body, module and course.
func GetLesson(ctx context.Context, q db.Queryer, id int64) (LessonRef, error) {
	var r LessonRef
	var sa string
	l, m, c := &r.Lesson, &r.Module, &r.Course
	err := q.QueryRowContext(ctx, `SELECT l.id, l.module_id, l.position, l.slug, l.title, l.body, l.completion,
		m.id, m.course_id, m.position, m.slug, m.title, m.summary, m.requires_previous,
		`+courseColumns+`
		FROM lessons l JOIN course_modules m ON m.id = l.module_id JOIN courses c ON c.id = m.course_id
		WHERE l.id = ? AND l.retired = ? AND m.retired = ?`, id, false, false).Scan(
		&l.ID, &l.ModuleID, &l.Position, &l.Slug, &l.Title, &l.Body, &l.Completion,
		&m.ID, &m.CourseID, &m.Position, &m.Slug, &m.Title, &m.Summary, &m.RequiresPrevious,
		&c.ID, &c.OrgID, &c.Slug, &c.Title, &c.Summary, &c.Language, &sa, &c.CreatedAt, &c.UpdatedAt)
	if isNoRows(err) {
		return r, db.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("get lesson: %w", err)
	}
	if err := json.Unmarshal([]byte(sa), &c.SelfAssessment); err != nil {
		return r, fmt.Errorf("course %d: self_assessment: %w", c.ID, err)
	}
	return r, nil
}

// ListTranslations returns a lesson's translations, by language.
func ListTranslations(ctx context.Context, q db.Queryer, lessonID int64) ([]Translation, error) {
	rows, err := q.QueryContext(ctx, "SELECT lesson_id, language, title, body FROM lesson_translations WHERE lesson_id = ? ORDER BY language", lessonID)
	if err != nil {
		return nil, fmt.Errorf("list translations: %w", err)
	}
	defer rows.Close()
	out := []Translation{}
	for rows.Next() {
		var t Translation
		if err := rows.Scan(&t.LessonID, &t.Language, &t.Title, &t.Body); err != nil {
			return nil, fmt.Errorf("list translations: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// slugRE is the shape of course, module, lesson and assignment slugs.
var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$`)
