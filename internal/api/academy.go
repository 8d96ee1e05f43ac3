package api

// The academy's API: the course catalogue with module outlines, one
// course, a cohort's progress table (its trainers and the organisers), and
// a lesson of a cohort (which enforces the module locks as the web does).

import (
	"errors"
	"net/http"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
)

func (a *API) academy() *academy.Service {
	if a.Academy != nil {
		return a.Academy
	}
	return &academy.Service{DB: a.DB, Auth: a.Auth}
}

func (a *API) registerAcademy(rt *httpx.Router) {
	g := routes{a, rt}
	g.signed("GET", "/api/v1/courses", a.listCourses)
	g.resource("GET", "/api/v1/courses/{id}", authz.UseAcademy, a.getCourse)
	g.resource("GET", "/api/v1/cohorts/{id}/progress", authz.UseAcademy, a.cohortProgress)
	g.resource("GET", "/api/v1/cohorts/{id}/lessons/{lesson}", authz.UseAcademy, a.cohortLesson)
}

// The shapes of the contract in the academy design: a course with its
// modules and their lessons, without lesson bodies.
type courseOut struct {
	ID             int64               `json:"id"`
	OrgID          int64               `json:"org_id"`
	Slug           string              `json:"slug"`
	Title          string              `json:"title"`
	Summary        string              `json:"summary"`
	Language       string              `json:"language"`
	SelfAssessment []academy.Statement `json:"self_assessment"`
	Modules        []moduleOut         `json:"modules"`
}

type moduleOut struct {
	ID               int64          `json:"id"`
	Slug             string         `json:"slug"`
	Position         int            `json:"position"`
	Title            string         `json:"title"`
	Summary          string         `json:"summary"`
	RequiresPrevious bool           `json:"requires_previous"`
	Lessons          []lessonOut    `json:"lessons"`
	Quiz             *quizOut       `json:"quiz,omitempty"`
	Assignment       *assignmentOut `json:"assignment,omitempty"`
}

type lessonOut struct {
	ID           int64              `json:"id"`
	Slug         string             `json:"slug"`
	Title        string             `json:"title"`
	Completion   academy.Completion `json:"completion"`
	Translations []string           `json:"translations"`
}

type quizOut struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	PassPercent int    `json:"pass_percent"`
	MaxAttempts int    `json:"max_attempts"`
	Draw        int    `json:"draw"`
}

type assignmentOut struct {
	ID         int64                  `json:"id"`
	Slug       string                 `json:"slug"`
	Title      string                 `json:"title"`
	Kind       academy.AssignmentKind `json:"kind"`
	PeerReview bool                   `json:"peer_review"`
}

func toCourseOut(c academy.Course) courseOut {
	out := courseOut{ID: c.ID, OrgID: c.OrgID, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Language: c.Language,
		SelfAssessment: orEmpty(c.SelfAssessment), Modules: []moduleOut{}}
	for _, m := range c.Modules {
		mo := moduleOut{ID: m.ID, Slug: m.Slug, Position: m.Position, Title: m.Title, Summary: m.Summary, RequiresPrevious: m.RequiresPrevious, Lessons: []lessonOut{}}
		for _, l := range m.Lessons {
			mo.Lessons = append(mo.Lessons, lessonOut{ID: l.ID, Slug: l.Slug, Title: l.Title, Completion: l.Completion, Translations: orEmpty(l.Languages)})
		}
		if z := m.Quiz; z != nil {
			mo.Quiz = &quizOut{ID: z.ID, Title: z.Title, PassPercent: z.PassPercent, MaxAttempts: z.MaxAttempts, Draw: z.Draw}
		}
		if as := m.Assignment; as != nil {
			mo.Assignment = &assignmentOut{ID: as.ID, Slug: as.Slug, Title: as.Title, Kind: as.Kind, PeerReview: as.PeerReview}
		}
		out.Modules = append(out.Modules, mo)
	}
	return out
}

func (a *API) listCourses(w http.ResponseWriter, r *http.Request) {
	cs, err := a.academy().Catalogue(r.Context(), httpx.PrincipalFrom(r.Context()))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := struct {
		Courses []courseOut `json:"courses"`
	}{Courses: []courseOut{}}
	for _, c := range cs {
		out.Courses = append(out.Courses, toCourseOut(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getCourse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	c, err := a.academy().Course(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCourseOut(c))
}

type progressRow struct {
	UserID  int64  `json:"user_id"`
	Name    string `json:"name"`
	OrgID   int64  `json:"org_id,omitempty"`
	OrgName string `json:"org_name,omitempty"`
	academy.Progress
}

func (a *API) cohortProgress(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	h, _, rows, err := a.academy().CohortProgress(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := struct {
		Cohort       academy.Cohort `json:"cohort"`
		Participants []progressRow  `json:"participants"`
	}{Cohort: h, Participants: []progressRow{}}
	for _, row := range rows {
		out.Participants = append(out.Participants, progressRow{UserID: row.Member.UserID, Name: row.Member.Name, OrgID: row.Member.OrgID, OrgName: row.Member.OrgName, Progress: row.Progress})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) cohortLesson(w http.ResponseWriter, r *http.Request) {
	id, ok1 := pathID(r, "id")
	lessonID, ok2 := pathID(r, "lesson")
	if !ok1 || !ok2 {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	prefer := ""
	if u, ok := httpx.UserFrom(r.Context()); ok {
		prefer = u.Locale
	}
	lang := r.URL.Query().Get("lang")
	if len(lang) > 12 {
		lang = ""
	}
	v, err := a.academy().OpenLesson(r.Context(), httpx.PrincipalFrom(r.Context()), id, lessonID, lang, prefer)
	var le *academy.LockedError
	if errors.As(err, &le) {
		writeProblem(w, r, Problem{Type: problemBase + "module-locked", Status: http.StatusForbidden, Detail: le.Error()})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		ID         int64              `json:"id"`
		ModuleID   int64              `json:"module_id"`
		Slug       string             `json:"slug"`
		Title      string             `json:"title"`
		Language   string             `json:"language"`
		Available  []string           `json:"available_languages"`
		Completion academy.Completion `json:"completion"`
		Body       string             `json:"body"`
		Done       bool               `json:"done"`
	}{v.Lesson.ID, v.Module.ID, v.Lesson.Slug, v.Title, v.Language, v.Available, v.Lesson.Completion, v.Body, v.Done})
}
