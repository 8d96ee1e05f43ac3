package web

// The academy: the catalogue and the user's cohorts, a course's outline,
// cohort pages (outline with lock and completion states, members,
// enrolment), lessons in the reader's language, quizzes with attempts and
// their results, and progress for trainers and organisers. Every handler
// goes through academy.Service, which applies the rules of
// internal/academy/access.go; pages under /o/{org}/ also check that the
// cohort belongs to that organisation.

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

type academyPages struct {
	*Web
	svc      *academy.Service
	markdown goldmark.Markdown
	policy   *bluemonday.Policy
}

// registerAcademy adds the academy's pages.
func (wb *Web) registerAcademy(rt *httpx.Router) {
	ap := &academyPages{Web: wb, svc: wb.Academy, markdown: goldmark.New(goldmark.WithExtensions(extension.GFM)), policy: bluemonday.UGCPolicy()}
	if ap.svc == nil {
		ap.svc = wb.academySvc()
	}
	// Links to other sites open in a new tab with rel="noopener"
	// (bluemonday adds it with target=_blank); video links stay links.
	ap.policy.AddTargetBlankToFullyQualifiedLinks(true)
	inOrg := routes{wb, rt}.inOrg
	use := authz.UseAcademy
	inOrg("GET", "/o/{org}/academy", use, ap.index)
	inOrg("GET", "/o/{org}/academy/courses/{course}", use, ap.course)
	inOrg("GET", "/o/{org}/academy/cohorts/new", use, ap.cohortForm)
	inOrg("POST", "/o/{org}/academy/cohorts", use, ap.cohortCreate)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}", use, ap.cohort)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/members", use, ap.enrol)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/members/{user}/remove", use, ap.unenrol)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/lessons/{lesson}", use, ap.lesson)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/lessons/{lesson}/done", use, ap.lessonDone)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/quizzes/{quiz}", use, ap.quiz)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/quizzes/{quiz}/attempts", use, ap.attemptStart)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/attempts/{attempt}", use, ap.attempt)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/attempts/{attempt}", use, ap.attemptSubmit)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/progress", use, ap.progressTable)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/progress/{user}", use, ap.participantProgress)
	ap.registerWork(inOrg)
	ap.registerCohortExtras(inOrg)
	ap.registerCohortEdit(inOrg)
}

// renderLesson turns lesson Markdown into safe HTML: goldmark with GitHub
// tables and autolinks (raw HTML dropped), then bluemonday's policy for
// user content.
func (ap *academyPages) renderLesson(src string) template.HTML {
	var buf bytes.Buffer
	if err := ap.markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src)) // #nosec G203 -- escaped
	}
	return template.HTML(ap.policy.SanitizeBytes(buf.Bytes())) // #nosec G203 -- sanitised by bluemonday
}

// contentLang names a content language for people: the interface's own
// name for it when it is an interface language, else its code.
func contentLang(code string) string {
	if n, ok := i18n.Names[code]; ok {
		return n
	}
	return strings.ToUpper(code)
}

// academyURL is the path of a page of the academy of o.
func academyURL(o org.Org, rest string) string {
	return "/o/" + o.Slug + "/academy" + rest
}

func cohortURL(o org.Org, id int64, rest string) string {
	return academyURL(o, "/cohorts/"+strconv.FormatInt(id, 10)+rest)
}

// cohortID reads {cohort}; a cohort of another organisation's course is
// not found under this one.
func (ap *academyPages) cohortID(r *http.Request) (int64, bool) { return pathID(r, "cohort") }

func inOrgCheck(h academy.Cohort, o org.Org) error {
	if h.OrgID != o.ID {
		return db.ErrNotFound
	}
	return nil
}

// academyReasons translates the academy service's common reasons.
var academyReasons = map[string]string{
	"is required":                                              "form.required",
	"must be a date like 2026-03-02":                           "academy.reason.date",
	"must not be before the start date":                        "academy.reason.dates",
	"must be participant or trainer":                           "academy.reason.role",
	"is not a course of this organisation":                     "academy.reason.course",
	"is not a valid email address (expected name@example.org)": "form.email.invalid",
}

func academyFieldError(pg *page, err error) bool {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	msg := fe.Reason
	if id, ok := academyReasons[fe.Reason]; ok {
		msg = pg.L.T(id)
	}
	pg.Errors[fe.Field] = msg
	return true
}

// failAcademy renders a locked module as its own 403 page (what to
// complete first) and other errors as usual.
func (ap *academyPages) failAcademy(w http.ResponseWriter, r *http.Request, o org.Org, err error) {
	var le *academy.LockedError
	if errors.As(err, &le) {
		pg := ap.orgPage(r, o, "academy", "")
		pg.Title = pg.L.T("academy.locked.title")
		cohort, _ := ap.cohortID(r)
		pg.Data = lockedData{Locked: le.Module, Requires: le.Requires, Back: cohortURL(o, cohort, "")}
		ap.render(w, r, http.StatusForbidden, "academy_locked", pg)
		return
	}
	if errors.Is(err, academy.ErrNotParticipant) {
		err = authz.ErrForbidden
	}
	ap.fail(w, r, err)
}

type lockedData struct {
	Locked, Requires academy.Module
	Back             string
}

// --- catalogue ---------------------------------------------------------

type academyIndexData struct {
	Courses   []academy.Course
	Cohorts   []academy.MyCohort
	Organiser bool
}

func (academyIndexData) RoleKey(r academy.CohortRole) string { return "academy.role." + string(r) }

func (ap *academyPages) index(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	pg.Title = pg.L.T("academy.title")
	ctx, p := r.Context(), pg.P
	var d academyIndexData
	var err error
	if d.Cohorts, err = ap.svc.Cohorts(ctx, p, o.ID); err == nil {
		d.Courses, err = ap.svc.Courses(ctx, p, o.ID)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	st, _ := ap.svc.Standing(ctx, p, o.ID, 0)
	d.Organiser = academy.CanManageCohort(st)
	pg.Data = d
	ap.render(w, r, http.StatusOK, "academy_index", pg)
}

type academyCourseData struct {
	Course    academy.Course
	Cohorts   []academy.MyCohort
	Organiser bool
}

func (academyCourseData) RoleKey(r academy.CohortRole) string { return "academy.role." + string(r) }

func (ap *academyPages) course(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ctx, p := r.Context(), pg.P
	c, err := ap.svc.CourseBySlug(ctx, p, o.ID, r.PathValue("course"))
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	all, err := ap.svc.Cohorts(ctx, p, o.ID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	d := academyCourseData{Course: c}
	for _, h := range all {
		if h.CourseID == c.ID {
			d.Cohorts = append(d.Cohorts, h)
		}
	}
	st, _ := ap.svc.Standing(ctx, p, o.ID, 0)
	d.Organiser = academy.CanManageCohort(st)
	pg.Title = c.Title
	pg.Data = d
	ap.render(w, r, http.StatusOK, "academy_course", pg)
}

// --- cohorts -----------------------------------------------------------

// cohortFormData is the cohort form: a new cohort of one of Courses, or
// Edit (the course fixed) posted to Action.
type cohortFormData struct {
	Courses []academy.Course
	Edit    *academy.Cohort
	Action  string
}

func (ap *academyPages) cohortForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	if c := r.URL.Query().Get("course"); c != "" {
		pg.Form.Set("course_id", c)
	}
	ap.renderCohortForm(w, r, o, pg, http.StatusOK)
}

func (ap *academyPages) renderCohortForm(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	ctx := r.Context()
	st, _ := ap.svc.Standing(ctx, pg.P, o.ID, 0)
	if !academy.CanManageCohort(st) {
		ap.fail(w, r, authz.ErrForbidden)
		return
	}
	cs, err := ap.svc.Courses(ctx, pg.P, o.ID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.cohort.new")
	pg.Data = cohortFormData{Courses: cs}
	ap.render(w, r, status, "academy_cohort_form", pg)
}

func (ap *academyPages) cohortCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	if st, _ := ap.svc.Standing(r.Context(), pg.P, o.ID, 0); !academy.CanManageCohort(st) {
		ap.fail(w, r, authz.ErrForbidden)
		return
	}
	f := r.PostForm
	pg.Form = url.Values{"name": {f.Get("name")}, "course_id": {f.Get("course_id")}, "starts_on": {f.Get("starts_on")}, "ends_on": {f.Get("ends_on")}}
	courseID, _ := strconv.ParseInt(f.Get("course_id"), 10, 64)
	h := academy.Cohort{CourseID: courseID, Name: f.Get("name"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on")}
	// Only this organisation's courses.
	if c, err := academy.GetCourse(r.Context(), ap.DB.R(), courseID); err != nil || c.OrgID != o.ID {
		h.CourseID = -1
	}
	err := ap.svc.CreateCohort(r.Context(), pg.P, httpx.ActorFrom(r), &h)
	if academyFieldError(pg, err) {
		ap.renderCohortForm(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	redirect(w, r, cohortURL(o, h.ID, "?created=1"))
}

type cohortData struct {
	View     academy.CohortView
	Members  []academy.Member
	Invites  []academy.Invite
	Manage   bool
	Progress bool // may see the progress table
	Link     string
	Extra    cohortExtra // certificates, self-assessment, discussion (pages_academy_certificate.go)
}

func (cohortData) RoleKey(r academy.CohortRole) string { return "academy.role." + string(r) }

// ModuleState returns a participant's state of module i, or nil.
func (d cohortData) ModuleState(i int) *academy.ModuleProgress {
	if d.View.Progress == nil || i >= len(d.View.Progress.Modules) {
		return nil
	}
	return &d.View.Progress.Modules[i]
}

// Open reports whether the reader may open the lessons of module i.
func (d cohortData) Open(i int) bool {
	if s := d.ModuleState(i); s != nil {
		return s.Unlocked
	}
	return academy.CanPreviewLessons(d.View.Standing)
}

// Prev returns the module before module i (the one that unlocks it).
func (d cohortData) Prev(i int) academy.Module {
	if i < 1 || i > len(d.View.Course.Modules) {
		return academy.Module{}
	}
	return d.View.Course.Modules[i-1]
}

// Done reports whether the participant completed a lesson.
func (d cohortData) Done(lessonID int64) bool {
	return d.View.Progress != nil && d.View.Progress.Done[lessonID]
}

func (ap *academyPages) cohort(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	switch {
	case r.URL.Query().Get("created") != "":
		pg.Notice = pg.L.T("academy.cohort.created")
	case r.URL.Query().Get("enrolled") != "":
		pg.Notice = pg.L.T("academy.enrol.done")
	case r.URL.Query().Get("removed") != "":
		pg.Notice = pg.L.T("academy.enrol.removed")
	case r.URL.Query().Get("saved") != "":
		pg.Notice = pg.L.T("academy.cohort.saved")
	}
	ap.renderCohort(w, r, o, pg, http.StatusOK, "")
}

func (ap *academyPages) renderCohort(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int, link string) {
	id, ok := ap.cohortID(r)
	if !ok {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	ctx := r.Context()
	v, err := ap.svc.CohortOverview(ctx, pg.P, id)
	if err == nil {
		err = inOrgCheck(v.Cohort, o)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	d := cohortData{View: v, Manage: academy.CanManageCohort(v.Standing), Progress: academy.CanSeeCohortProgress(v.Standing), Link: link}
	if d.Members, _, err = ap.svc.Members(ctx, pg.P, id); err == nil && d.Manage {
		d.Invites, err = academy.ListInvites(ctx, ap.DB.R(), id)
	}
	if err == nil {
		d.Extra, err = ap.cohortExtras(r, o, pg, v)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = v.Cohort.Name
	pg.Data = d
	ap.render(w, r, status, "academy_cohort", pg)
}

func (ap *academyPages) enrol(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	id, ok := ap.cohortID(r)
	if !ok {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	f := r.PostForm
	pg.Form = url.Values{"email": {f.Get("email")}, "role": {f.Get("role")}}
	h, _, err := ap.svc.Cohort(r.Context(), pg.P, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	res, err := ap.svc.Enrol(r.Context(), pg.P, httpx.ActorFrom(r), id, f.Get("email"), academy.CohortRole(f.Get("role")), 0)
	if academyFieldError(pg, err) {
		ap.renderCohort(w, r, o, pg, http.StatusUnprocessableEntity, "")
		return
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	if !res.Invited {
		redirect(w, r, cohortURL(o, id, "?enrolled=1"))
		return
	}
	// Invited: show the link when no mail goes out, as the invitations page does.
	pg.Notice = pg.L.T("academy.enrol.invited", "Email", strings.ToLower(strings.TrimSpace(f.Get("email"))))
	link := res.Link
	if ap.Auth != nil && ap.Auth.Mailer != nil {
		link = ""
	}
	pg.Form = url.Values{}
	ap.renderCohort(w, r, o, pg, http.StatusCreated, link)
}

func (ap *academyPages) unenrol(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	id, ok1 := ap.cohortID(r)
	user, ok2 := pathID(r, "user")
	if !ok1 || !ok2 {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	h, _, err := ap.svc.Cohort(r.Context(), p, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err == nil {
		err = ap.svc.RemoveFromCohort(r.Context(), p, httpx.ActorFrom(r), id, user)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	redirect(w, r, cohortURL(o, id, "?removed=1"))
}

// --- lessons -----------------------------------------------------------

type lessonData struct {
	View         academy.LessonView
	HTML         template.HTML
	Others       []langLink // the other languages the lesson can be read in
	OriginalName string     // the course's language, named
	Base         string     // the lesson's path
	Cohort       string     // the cohort's path
}

type langLink struct {
	Code, Name, URL string
}

func (ap *academyPages) lesson(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok1 := ap.cohortID(r)
	lessonID, ok2 := pathID(r, "lesson")
	if !ok1 || !ok2 {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	ctx := r.Context()
	// Check the cohort's organisation before anything is recorded.
	h, _, err := ap.svc.Cohort(ctx, pg.P, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	if len(lang) > 12 {
		lang = ""
	}
	v, err := ap.svc.OpenLesson(ctx, pg.P, id, lessonID, lang, pg.Lang)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	base := cohortURL(o, id, "/lessons/"+strconv.FormatInt(lessonID, 10))
	d := lessonData{View: v, HTML: ap.renderLesson(v.Body), Base: base, Cohort: cohortURL(o, id, ""), OriginalName: contentLang(v.Original)}
	for _, l := range v.Available {
		if l != v.Language {
			d.Others = append(d.Others, langLink{Code: l, Name: contentLang(l), URL: base + "?lang=" + url.QueryEscape(l)})
		}
	}
	if r.URL.Query().Get("done") != "" {
		pg.Notice = pg.L.T("academy.lesson.marked")
	}
	pg.Title = v.Title
	pg.Data = d
	ap.render(w, r, http.StatusOK, "academy_lesson", pg)
}

func (ap *academyPages) lessonDone(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	id, ok1 := ap.cohortID(r)
	lessonID, ok2 := pathID(r, "lesson")
	if !ok1 || !ok2 {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	h, _, err := ap.svc.Cohort(r.Context(), p, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err == nil {
		err = ap.svc.MarkDone(r.Context(), p, id, lessonID)
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	redirect(w, r, cohortURL(o, id, "/lessons/"+strconv.FormatInt(lessonID, 10)+"?done=1"))
}

// --- quizzes -----------------------------------------------------------

type quizData struct {
	View   academy.QuizView
	Cohort string
	Why    string // why no attempt can start, for people
}

func (ap *academyPages) quiz(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ap.renderQuiz(w, r, o, pg, http.StatusOK)
}

func (ap *academyPages) renderQuiz(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	id, ok1 := ap.cohortID(r)
	quizID, ok2 := pathID(r, "quiz")
	if !ok1 || !ok2 {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	v, err := ap.svc.Quiz(r.Context(), pg.P, id, quizID)
	if err == nil {
		err = inOrgCheck(v.Cohort, o)
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	d := quizData{View: v, Cohort: cohortURL(o, id, "")}
	switch {
	case errors.Is(v.WhyNot, academy.ErrAlreadyPassed):
		d.Why = pg.L.T("academy.quiz.passed_already")
	case errors.Is(v.WhyNot, academy.ErrNoAttemptsLeft):
		d.Why = pg.L.T("academy.quiz.no_attempts")
	}
	pg.Title = v.Quiz.Title
	pg.Data = d
	ap.render(w, r, status, "academy_quiz", pg)
}

func (ap *academyPages) attemptStart(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	id, ok1 := ap.cohortID(r)
	quizID, ok2 := pathID(r, "quiz")
	if !ok1 || !ok2 {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	h, _, err := ap.svc.Cohort(r.Context(), p, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	at, err := ap.svc.StartAttempt(r.Context(), p, httpx.ActorFrom(r), id, quizID)
	if errors.Is(err, academy.ErrAlreadyPassed) || errors.Is(err, academy.ErrNoAttemptsLeft) {
		pg := ap.orgPage(r, o, "academy", "")
		ap.renderQuiz(w, r, o, pg, http.StatusConflict)
		return
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	redirect(w, r, cohortURL(o, id, "/attempts/"+strconv.FormatInt(at.ID, 10)))
}

// option is one choice of a question as shown.
type option struct {
	Value   string
	Text    string
	Checked bool
}

// questionView is one question of an attempt prepared for the page.
type questionView struct {
	ID       int64
	N        int
	Kind     academy.Kind
	Prompt   string
	Points   int
	Feedback string
	Options  []option // single and multiple
	Bool     string   // truefalse: "true", "false" or ""
	Text     string   // short
	Rows     []row    // matching (left items) and ordering (items)
	Given    string   // the answer as text, for results
	Correct  bool
	Earned   int
}

// row is a left-hand item of a matching question with its choices, or an
// item of an ordering question with its positions.
type row struct {
	Index   int
	Text    string
	Options []option
}

type attemptData struct {
	View      academy.AttemptView
	Questions []questionView
	Cohort    string
	Quiz      string
	Action    string
	Percent   int
	Retry     bool // a new attempt may start
}

func (ap *academyPages) attempt(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ap.renderAttempt(w, r, o, pg, http.StatusOK)
}

func (ap *academyPages) loadAttempt(r *http.Request, o org.Org, pg *page) (academy.AttemptView, error) {
	id, ok1 := ap.cohortID(r)
	attemptID, ok2 := pathID(r, "attempt")
	if !ok1 || !ok2 {
		return academy.AttemptView{}, db.ErrNotFound
	}
	v, err := ap.svc.Attempt(r.Context(), pg.P, id, attemptID)
	if err == nil {
		err = inOrgCheck(v.Cohort, o)
	}
	return v, err
}

func (ap *academyPages) renderAttempt(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	v, err := ap.loadAttempt(r, o, pg)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	d := attemptData{View: v, Cohort: cohortURL(o, v.Cohort.ID, ""), Percent: v.Attempt.Percent(),
		Quiz:   cohortURL(o, v.Cohort.ID, "/quizzes/"+strconv.FormatInt(v.Quiz.ID, 10)),
		Action: cohortURL(o, v.Cohort.ID, "/attempts/"+strconv.FormatInt(v.Attempt.ID, 10))}
	for i, aq := range v.Questions {
		d.Questions = append(d.Questions, questionFor(pg, i+1, aq))
	}
	if !v.Attempt.Open() && v.Mine {
		if qv, err := ap.svc.Quiz(r.Context(), pg.P, v.Cohort.ID, v.Quiz.ID); err == nil {
			d.Retry = qv.CanStart
		}
	}
	pg.Title = pg.L.T("academy.attempt.title", "Quiz", v.Quiz.Title, "Number", v.Attempt.Number)
	pg.Data = d
	ap.render(w, r, status, "academy_attempt", pg)
}

// questionFor prepares a question: its options in the attempt's order,
// with the answer given checked, and the answer as text for results.
func questionFor(pg *page, n int, aq academy.AttemptQuestion) questionView {
	q, a := aq.Question, aq.Answer
	v := questionView{ID: q.ID, N: n, Kind: q.Kind, Prompt: q.Prompt, Points: q.Points, Feedback: q.Feedback, Correct: aq.Result.Correct, Earned: aq.Result.Points}
	order := aq.Order
	size := q.Size()
	if len(order) != size {
		order = make([]int, size)
		for i := range order {
			order[i] = i
		}
	}
	var given []string
	switch q.Kind {
	case academy.Single, academy.Multiple:
		for _, i := range order {
			if i < 0 || i >= len(q.Spec.Choices) {
				continue
			}
			checked := slices.Contains(a.Choices, i)
			v.Options = append(v.Options, option{Value: strconv.Itoa(i), Text: q.Spec.Choices[i], Checked: checked})
			if checked {
				given = append(given, q.Spec.Choices[i])
			}
		}
	case academy.TrueFalse:
		if a.Bool != nil {
			v.Bool = strconv.FormatBool(*a.Bool)
			if *a.Bool {
				given = append(given, pg.L.T("academy.quiz.true"))
			} else {
				given = append(given, pg.L.T("academy.quiz.false"))
			}
		}
	case academy.Short:
		v.Text = a.Text
		if strings.TrimSpace(a.Text) != "" {
			given = append(given, a.Text)
		}
	case academy.Matching:
		for i, p := range q.Spec.Pairs {
			rw := row{Index: i, Text: p[0]}
			chosen := -1
			if i < len(a.Match) {
				chosen = a.Match[i]
			}
			for _, j := range order {
				if j < 0 || j >= len(q.Spec.Pairs) {
					continue
				}
				rw.Options = append(rw.Options, option{Value: strconv.Itoa(j), Text: q.Spec.Pairs[j][1], Checked: j == chosen})
			}
			if chosen >= 0 && chosen < len(q.Spec.Pairs) {
				given = append(given, p[0]+" → "+q.Spec.Pairs[chosen][1])
			}
			v.Rows = append(v.Rows, rw)
		}
	case academy.Ordering:
		// Shown in the attempt's order, or in the order given once answered.
		shown := order
		if len(a.Order) == len(q.Spec.Items) {
			shown = a.Order
		}
		for pos, i := range shown {
			if i < 0 || i >= len(q.Spec.Items) {
				continue
			}
			rw := row{Index: i, Text: q.Spec.Items[i]}
			for k := 1; k <= len(q.Spec.Items); k++ {
				rw.Options = append(rw.Options, option{Value: strconv.Itoa(k), Text: strconv.Itoa(k), Checked: k == pos+1})
			}
			v.Rows = append(v.Rows, rw)
		}
		if len(a.Order) == len(q.Spec.Items) {
			for _, i := range a.Order {
				if i >= 0 && i < len(q.Spec.Items) {
					given = append(given, q.Spec.Items[i])
				}
			}
		}
	}
	sep := "; "
	if q.Kind == academy.Ordering {
		sep = " → "
	}
	v.Given = strings.Join(given, sep)
	return v
}

// answersFromForm reads the answers of the attempt's questions: q{id} for
// choices, true/false and short answers; q{id}.{i} for the choice of
// matching row i and the position of ordering item i.
func answersFromForm(form url.Values, v academy.AttemptView) map[int64]academy.Answer {
	out := map[int64]academy.Answer{}
	for _, aq := range v.Questions {
		q := aq.Question
		name := "q" + strconv.FormatInt(q.ID, 10)
		var a academy.Answer
		switch q.Kind {
		case academy.Single, academy.Multiple:
			for _, s := range form[name] {
				if i, err := strconv.Atoi(s); err == nil && len(a.Choices) < 50 {
					a.Choices = append(a.Choices, i)
				}
			}
		case academy.TrueFalse:
			if b, err := strconv.ParseBool(form.Get(name)); err == nil && (form.Get(name) == "true" || form.Get(name) == "false") {
				a.Bool = &b
			}
		case academy.Short:
			a.Text = form.Get(name)
			if len(a.Text) > 500 {
				a.Text = a.Text[:500]
			}
		case academy.Matching:
			for i := range q.Spec.Pairs {
				j, err := strconv.Atoi(form.Get(name + "." + strconv.Itoa(i)))
				if err != nil {
					j = -1
				}
				a.Match = append(a.Match, j)
			}
		case academy.Ordering:
			// Positions 1..n per item; each position used once makes an order.
			n := len(q.Spec.Items)
			order := make([]int, n)
			for i := range order {
				order[i] = -1
			}
			valid := true
			for i := range n {
				pos, err := strconv.Atoi(form.Get(name + "." + strconv.Itoa(i)))
				if err != nil || pos < 1 || pos > n || order[pos-1] != -1 {
					valid = false
					break
				}
				order[pos-1] = i
			}
			if valid {
				a.Order = order
			}
		}
		out[q.ID] = a
	}
	return out
}

func (ap *academyPages) attemptSubmit(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	v, err := ap.loadAttempt(r, o, pg)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	_, err = ap.svc.SubmitAttempt(r.Context(), pg.P, httpx.ActorFrom(r), v.Cohort.ID, v.Attempt.ID, answersFromForm(r.PostForm, v))
	if errors.Is(err, academy.ErrSubmitted) {
		pg.Notice = pg.L.T("academy.attempt.already")
		ap.renderAttempt(w, r, o, pg, http.StatusConflict)
		return
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	redirect(w, r, cohortURL(o, v.Cohort.ID, "/attempts/"+strconv.FormatInt(v.Attempt.ID, 10)))
}

// --- progress ----------------------------------------------------------

type progressTableData struct {
	Cohort academy.Cohort
	Course academy.Course
	Rows   []academy.ParticipantProgress
	Base   string
}

func (ap *academyPages) progressTable(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := ap.cohortID(r)
	if !ok {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	h, c, rows, err := ap.svc.CohortProgress(r.Context(), pg.P, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.progress.title", "Cohort", h.Name)
	pg.Data = progressTableData{Cohort: h, Course: c, Rows: rows, Base: cohortURL(o, id, "")}
	ap.render(w, r, http.StatusOK, "academy_progress", pg)
}

type participantData struct {
	Cohort   academy.Cohort
	Member   academy.Member
	Progress academy.Progress
	Base     string
	Table    bool // the reader may see the whole table
}

func (ap *academyPages) participantProgress(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok1 := ap.cohortID(r)
	user, ok2 := pathID(r, "user")
	if !ok1 || !ok2 {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	h, st, err := ap.svc.Cohort(r.Context(), pg.P, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pr, m, err := ap.svc.Progress(r.Context(), pg.P, id, user)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.progress.of", "Name", m.Name)
	pg.Data = participantData{Cohort: h, Member: m, Progress: pr, Base: cohortURL(o, id, ""), Table: academy.CanSeeCohortProgress(st)}
	ap.render(w, r, http.StatusOK, "academy_participant", pg)
}
