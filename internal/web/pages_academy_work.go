package web

// Course work in the academy: an assignment's page (brief, rubric, the
// participant's revisions and the form to hand in text, a file or a
// campaign plan of their training sandbox), a submission's page (the work,
// its snapshot rendered readably, the reviews the reader may read, and the
// rubric form for trainers and assigned peers), the participant's own
// work, and the trainers' one "to grade" queue. academy.Service decides
// who sees what (internal/academy/access.go).

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

func (ap *academyPages) registerWork(inOrg func(m, p string, action authz.Action, h orgHandler)) {
	use := authz.UseAcademy
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/assignments/{assignment}", use, ap.assignment)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/assignments/{assignment}/submissions", use, ap.submit)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/sandbox", use, ap.openSandbox)
	inOrg("GET", "/o/{org}/academy/submissions", use, ap.myWork)
	inOrg("GET", "/o/{org}/academy/submissions/{submission}", use, ap.submission)
	inOrg("POST", "/o/{org}/academy/submissions/{submission}/review", use, ap.review)
	inOrg("GET", "/o/{org}/academy/submissions/{submission}/file", use, ap.submissionFile)
	inOrg("GET", "/o/{org}/academy/grading", use, ap.grading)
}

// gradingCount fills the count of the "To grade" item of the navigation;
// with add (the academy's pages) it adds the item in organisations other
// than the programme when the reader grades there.
func (wb *Web) gradingCount(ctx context.Context, pg *page, add bool) {
	svc := wb.Academy
	if svc == nil {
		svc = &academy.Service{DB: wb.DB}
	}
	i := slices.IndexFunc(pg.Nav, func(n navItem) bool { return n.Slug == "grading" })
	if i < 0 {
		at := slices.IndexFunc(pg.Nav, func(n navItem) bool { return n.Slug == "academy" })
		if at < 0 || !add {
			return
		}
		if ok, err := svc.Grades(ctx, pg.P, pg.Org.ID); err != nil || !ok {
			return
		}
		i = at + 1
		pg.Nav = slices.Insert(pg.Nav, i, navItem{Slug: "grading", Key: "nav.grading", URL: pg.OrgURL("academy/grading"), Sub: true})
	}
	if n, err := svc.QueueCount(ctx, pg.P, pg.Org.ID); err == nil {
		pg.Nav[i].Count = n
	}
}

// workReasons translates the reasons of course work's field errors.
var workReasons = map[string]string{
	"is required":                                             "form.required",
	"choose a level":                                          "academy.review.reason.level",
	"say what to revise":                                      "academy.review.reason.revise",
	"must be accept or revise":                                "academy.review.reason.decision",
	"choose a file to hand in":                                "academy.work.reason.file",
	"choose the campaign of your sandbox to hand in":          "academy.work.reason.campaign",
	"is not a campaign of your training sandbox":              "academy.work.reason.not_sandbox",
	"is not a level of this criterion":                        "academy.review.reason.level",
	"must not contain control characters":                     "academy.work.reason.control",
	"the file is too large: a document may be at most 20 MiB": "academy.work.reason.too_large",
}

func workFieldError(pg *page, err error) bool {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	msg := fe.Reason
	if id, ok := workReasons[fe.Reason]; ok {
		msg = pg.L.T(id, "Limit", media.MaxDocumentBytes>>20)
	} else if strings.HasPrefix(fe.Reason, "the file is not") {
		msg = pg.L.T("academy.work.reason.type")
	} else if strings.HasPrefix(fe.Reason, "must be at most") {
		msg = pg.L.T("academy.work.reason.long")
	}
	pg.Errors[fe.Field] = msg
	return true
}

// parseLongForm reads a form of at most limit bytes, urlencoded or
// multipart (files above 1 MiB go to temporary files). It answers 400/413
// itself and returns false on failure; the caller removes a multipart
// form's files.
func (ap *academyPages) parseLongForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		code := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			code = http.StatusRequestEntityTooLarge
		}
		ap.errorPage(w, r, code)
		return false
	}
	return true
}

// --- an assignment -----------------------------------------------------

type assignmentData struct {
	View      academy.AssignmentView
	Brief     any // rendered Markdown
	Cohort    string
	Action    string
	Why       string // why nothing can be handed in now
	Accept    string // the file input's accept list
	MaxMiB    int
	Grading   string
	MaxPoints int
}

func (assignmentData) StateKey(s academy.SubmissionState) string {
	return "academy.work.state." + string(s)
}
func (assignmentData) KindKey(k academy.AssignmentKind) string {
	return "academy.work.kind." + string(k)
}

const documentAccept = ".pdf,.docx,.pptx,.xlsx,.odt,.odp,.ods,.jpg,.jpeg,.png,.gif,.webp,application/pdf"

func (ap *academyPages) assignment(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	switch {
	case r.URL.Query().Get("submitted") != "":
		pg.Notice = pg.L.T("academy.work.submitted")
	}
	ap.renderAssignment(w, r, o, pg, http.StatusOK)
}

func (ap *academyPages) loadAssignment(r *http.Request, o org.Org, p *authz.Principal) (academy.AssignmentView, error) {
	id, ok1 := ap.cohortID(r)
	asg, ok2 := pathID(r, "assignment")
	if !ok1 || !ok2 {
		return academy.AssignmentView{}, db.ErrNotFound
	}
	h, _, err := ap.svc.Cohort(r.Context(), p, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	if err != nil {
		return academy.AssignmentView{}, err
	}
	return ap.svc.AssignmentPage(r.Context(), p, id, asg)
}

func (ap *academyPages) renderAssignment(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	v, err := ap.loadAssignment(r, o, pg.P)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	d := assignmentData{View: v, Brief: ap.renderLesson(v.Assignment.Brief), Cohort: cohortURL(o, v.Cohort.ID, ""),
		Action: cohortURL(o, v.Cohort.ID, "/assignments/"+strconv.FormatInt(v.Assignment.ID, 10)+"/submissions"),
		Accept: documentAccept, MaxMiB: media.MaxDocumentBytes >> 20, MaxPoints: v.Assignment.Rubric.MaxPoints(),
		Grading: academyURL(o, "/grading?cohort="+strconv.FormatInt(v.Cohort.ID, 10))}
	switch {
	case errors.Is(v.WhyNot, academy.ErrAwaitingDecision):
		d.Why = pg.L.T("academy.work.waiting")
	case errors.Is(v.WhyNot, academy.ErrAlreadyAccepted):
		d.Why = pg.L.T("academy.work.accepted_already")
	}
	pg.Title = v.Assignment.Title
	pg.Data = d
	ap.render(w, r, status, "academy_assignment", pg)
}

func (ap *academyPages) submit(w http.ResponseWriter, r *http.Request, o org.Org) {
	p := httpx.PrincipalFrom(r.Context())
	// Refuse everyone but the cohort's participants before reading a body
	// of up to 20 MiB.
	v, err := ap.loadAssignment(r, o, p)
	if err == nil && !v.Standing.Participant() {
		err = authz.ErrForbidden
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	if !ap.parseLongForm(w, r, media.MaxDocumentBytes+1<<20) {
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	pg := ap.orgPage(r, o, "academy", "")
	in := academy.SubmitInput{Body: r.PostFormValue("body")}
	in.CampaignID, _ = strconv.ParseInt(r.PostFormValue("campaign_id"), 10, 64)
	pg.Form = url.Values{"body": {in.Body}, "campaign_id": {r.PostFormValue("campaign_id")}}
	if v.Assignment.Kind == academy.AssignFile && r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) == 1 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				ap.fail(w, r, err)
				return
			}
			defer f.Close()
			in.File, in.FileName = f, fhs[0].Filename
		}
	}
	_, err = ap.svc.Submit(r.Context(), pg.P, httpx.ActorFrom(r), v.Cohort.ID, v.Assignment.ID, in)
	if workFieldError(pg, err) {
		status := http.StatusUnprocessableEntity
		if strings.HasPrefix(pg.Errors["file"], pg.L.T("academy.work.reason.too_large", "Limit", media.MaxDocumentBytes>>20)) {
			status = http.StatusRequestEntityTooLarge
		}
		ap.renderAssignment(w, r, o, pg, status)
		return
	}
	if errors.Is(err, academy.ErrAwaitingDecision) || errors.Is(err, academy.ErrAlreadyAccepted) {
		ap.renderAssignment(w, r, o, pg, http.StatusConflict)
		return
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	redirect(w, r, cohortURL(o, v.Cohort.ID, "/assignments/"+strconv.FormatInt(v.Assignment.ID, 10)+"?submitted=1"))
}

// openSandbox creates (or finds) the participant's training sandbox and
// takes them to its campaign studio.
func (ap *academyPages) openSandbox(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	id, ok := ap.cohortID(r)
	if !ok {
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
	sb, err := ap.svc.OpenSandbox(r.Context(), p, httpx.ActorFrom(r), id)
	if errors.Is(err, academy.ErrNoCampaignPlan) {
		err = db.ErrNotFound
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	redirect(w, r, "/o/"+sb.Slug+"/campaigns")
}

// --- a submission ------------------------------------------------------

type submissionData struct {
	View      academy.SubmissionView
	Brief     any // the snapshot's campaign brief, rendered
	Base      string
	Cohort    string
	File      string
	MaxPoints int
	Form      bool           // the reader may fill in the rubric
	Levels    map[string]int // chosen levels (after a failed post)
	Comments  map[string]string
}

func (submissionData) StateKey(s academy.SubmissionState) string {
	return "academy.work.state." + string(s)
}
func (submissionData) KindKey(k academy.AssignmentKind) string {
	return "academy.work.kind." + string(k)
}
func (submissionData) StatusKey(s string) string { return "campaigns.status." + s }

// Chosen reports whether level i of a criterion was chosen in the form.
func (d submissionData) Chosen(criterion string, i int) bool {
	l, ok := d.Levels[criterion]
	return ok && l == i
}

// Criterion returns the rubric's criterion with key k.
func (d submissionData) Criterion(k string) academy.Criterion {
	for _, c := range d.View.Assignment.Rubric.Criteria {
		if c.Key == k {
			return c
		}
	}
	return academy.Criterion{Title: k}
}

// FileKiB is the handed-in file's size in KiB (at least 1).
func (d submissionData) FileKiB() int64 { return max(1, (d.View.Submission.FileSize+1023)/1024) }

// Pass reports whether points reach the rubric's pass mark.
func (d submissionData) Pass(points int) bool { return points >= d.View.Assignment.Rubric.PassPoints }

func (ap *academyPages) submissionURL(o org.Org, id int64, rest string) string {
	return academyURL(o, "/submissions/"+strconv.FormatInt(id, 10)+rest)
}

func (ap *academyPages) submission(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	switch {
	case r.URL.Query().Get("decided") != "":
		pg.Notice = pg.L.T("academy.review.decided")
	case r.URL.Query().Get("reviewed") != "":
		pg.Notice = pg.L.T("academy.review.peer_saved")
	}
	ap.renderSubmission(w, r, o, pg, http.StatusOK, nil, nil)
}

func (ap *academyPages) loadSubmission(r *http.Request, o org.Org, p *authz.Principal) (academy.SubmissionView, error) {
	id, ok := pathID(r, "submission")
	if !ok {
		return academy.SubmissionView{}, db.ErrNotFound
	}
	v, err := ap.svc.Submission(r.Context(), p, id)
	if err == nil {
		err = inOrgCheck(v.Cohort, o)
	}
	return v, err
}

func (ap *academyPages) renderSubmission(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int, levels map[string]int, comments map[string]string) {
	v, err := ap.loadSubmission(r, o, pg.P)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	d := submissionData{View: v, Base: ap.submissionURL(o, v.Submission.ID, ""), Cohort: cohortURL(o, v.Cohort.ID, ""),
		MaxPoints: v.Assignment.Rubric.MaxPoints(), Form: v.CanDecide || v.CanPeer, Levels: levels, Comments: comments}
	if v.Submission.HasFile() {
		d.File = ap.submissionURL(o, v.Submission.ID, "/file")
	}
	if v.Snapshot != nil {
		d.Brief = ap.renderLesson(v.Snapshot.Brief)
	}
	pg.Title = pg.L.T("academy.work.title", "Assignment", v.Assignment.Title, "Revision", v.Submission.Revision)
	pg.Data = d
	ap.render(w, r, status, "academy_submission", pg)
}

// reviewFromForm reads the rubric form: level.{key} (a level's index) and
// comment.{key} per criterion, comment, and decision.
func reviewFromForm(f url.Values, rb academy.Rubric) academy.ReviewInput {
	in := academy.ReviewInput{Levels: map[string]int{}, Comments: map[string]string{}, Comment: f.Get("comment"), Decision: academy.Decision(f.Get("decision"))}
	for _, c := range rb.Criteria {
		if l, err := strconv.Atoi(f.Get("level." + c.Key)); err == nil {
			in.Levels[c.Key] = l
		}
		in.Comments[c.Key] = f.Get("comment." + c.Key)
	}
	return in
}

func (ap *academyPages) review(w http.ResponseWriter, r *http.Request, o org.Org) {
	p := httpx.PrincipalFrom(r.Context())
	v, err := ap.loadSubmission(r, o, p)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	if !ap.parseLongForm(w, r, 1<<20) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	in := reviewFromForm(r.PostForm, v.Assignment.Rubric)
	pg.Form = url.Values{"comment": {in.Comment}}
	_, err = ap.svc.Review(r.Context(), pg.P, httpx.ActorFrom(r), v.Submission.ID, in)
	if workFieldError(pg, err) {
		// Field names of the form: criteria/{key}/level → level.{key}.
		for f, msg := range pg.Errors {
			if k, ok := strings.CutPrefix(f, "criteria/"); ok {
				delete(pg.Errors, f)
				part, rest, _ := strings.Cut(k, "/")
				pg.Errors[rest+"."+part] = msg
			}
		}
		ap.renderSubmission(w, r, o, pg, http.StatusUnprocessableEntity, in.Levels, in.Comments)
		return
	}
	if errors.Is(err, academy.ErrDecided) || errors.Is(err, academy.ErrPeerReviewed) {
		pg.Notice = pg.L.T("academy.review.already")
		ap.renderSubmission(w, r, o, pg, http.StatusConflict, nil, nil)
		return
	}
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	done := "?reviewed=1"
	if v.CanDecide {
		done = "?decided=1"
	}
	redirect(w, r, ap.submissionURL(o, v.Submission.ID, done))
}

func (ap *academyPages) submissionFile(w http.ResponseWriter, r *http.Request, o org.Org) {
	p := httpx.PrincipalFrom(r.Context())
	v, err := ap.loadSubmission(r, o, p)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	sub, name, err := ap.svc.SubmissionFile(r.Context(), p, v.Submission.ID)
	if err != nil || ap.svc.Files == nil {
		ap.fail(w, r, cmpErr(err, db.ErrNotFound))
		return
	}
	f, err := ap.svc.Files.Open(sub.FileSHA)
	if err != nil {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	defer f.Close()
	media.ServeFile(w, r, f, sub.FileType, name, sub.FileSHA, sub.SubmittedAt)
}

// --- my work -----------------------------------------------------------

type myWorkData struct {
	Work academy.MyWork
}

func (myWorkData) StateKey(s academy.SubmissionState) string {
	return "academy.work.state." + string(s)
}
func (myWorkData) KindKey(k academy.AssignmentKind) string { return "academy.work.kind." + string(k) }

func (ap *academyPages) myWork(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	work, err := ap.svc.Work(r.Context(), pg.P, o.ID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.work.mine")
	pg.Data = myWorkData{Work: work}
	ap.render(w, r, http.StatusOK, "academy_work", pg)
}

// --- the queue ---------------------------------------------------------

type gradingData struct {
	Entries []academy.QueueEntry
	Cohorts []academy.Cohort
	Cohort  int64
	Kind    string
	Kinds   []academy.AssignmentKind
}

func (gradingData) KindKey(k academy.AssignmentKind) string { return "academy.work.kind." + string(k) }

// Waiting says how long an entry has waited, in the largest whole unit.
func (gradingData) Waiting(l interface {
	N(string, int, ...any) string
}, d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return l.N("academy.grading.days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return l.N("academy.grading.hours", int(d/time.Hour))
	}
	return l.N("academy.grading.minutes", int(d/time.Minute))
}

func (ap *academyPages) grading(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ctx := r.Context()
	grades, err := ap.svc.Grades(ctx, pg.P, o.ID)
	if err == nil && !grades {
		err = authz.ErrForbidden
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	d := gradingData{Kinds: []academy.AssignmentKind{academy.AssignText, academy.AssignFile, academy.AssignCampaignPlan}}
	if d.Cohorts, err = ap.svc.GradingCohorts(ctx, pg.P, o.ID); err != nil {
		ap.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := academy.QueueFilter{OrgID: o.ID}
	if id, err := strconv.ParseInt(q.Get("cohort"), 10, 64); err == nil && id > 0 {
		f.CohortID, d.Cohort = id, id
	}
	for _, k := range d.Kinds {
		if q.Get("kind") == string(k) {
			f.Kind, d.Kind = k, string(k)
		}
	}
	if d.Entries, err = ap.svc.Queue(ctx, pg.P, f); err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.grading.title")
	pg.Data = d
	ap.render(w, r, http.StatusOK, "academy_grading", pg)
}
