package web

// The academy's certificates, self-assessment, impact, discussion and
// xAPI export pages, inside a cohort:
//   - a participant's certificate page (asks for the final self-
//     assessment first) and its PDF;
//   - the cohort's certificates (trainers and organisers) and revoking one
//     with a reason, after a confirmation page (organisers);
//   - the self-assessment form of a phase (start, end); the cohort page
//     asks for the starting one until the first lesson is done;
//   - the organisers' impact page (the change the self-assessments show);
//   - the discussion under each module;
//   - the organisers' download of the cohort's xAPI statements.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

// registerCohortExtras adds the pages of this file (called by
// registerAcademy).
func (ap *academyPages) registerCohortExtras(inOrg func(m, p string, action authz.Action, h orgHandler)) {
	use := authz.UseAcademy
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/certificate", use, ap.certificate)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/certificate.pdf", use, ap.certificatePDF)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/certificates", use, ap.certificates)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/certificates/{cert}/revoke", use, ap.revokeForm)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/certificates/{cert}/revoke", use, ap.revoke)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/assessment/{phase}", use, ap.assessment)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/assessment/{phase}", use, ap.assessmentSave)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/impact", use, ap.impact)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/modules/{module}/discussion", use, ap.discussion)
	inOrg("POST", "/o/{org}/academy/cohorts/{cohort}/modules/{module}/discussion", use, ap.discussionPost)
	inOrg("GET", "/o/{org}/academy/cohorts/{cohort}/xapi", use, ap.xapiExport)
}

// cohortIn loads {cohort} for p and checks that it is a cohort of o.
func (ap *academyPages) cohortIn(r *http.Request, o org.Org, p *authz.Principal) (academy.Cohort, academy.Standing, error) {
	id, ok := ap.cohortID(r)
	if !ok {
		return academy.Cohort{}, academy.Standing{}, db.ErrNotFound
	}
	h, st, err := ap.svc.Cohort(r.Context(), p, id)
	if err == nil {
		err = inOrgCheck(h, o)
	}
	return h, st, err
}

// --- the cohort page's additions ---------------------------------------

// cohortExtra is what the cohort page shows of this file's features.
type cohortExtra struct {
	Base         string
	Participant  bool
	Complete     bool // the participant completed the course
	StartDue     bool // the starting self-assessment is still to be answered
	Certificate  *academy.Certificate
	Certificates bool // may list the cohort's certificates
	Organiser    bool
	Posts        map[int64]int // posts per module
}

// PostsOf is the number of posts under a module.
func (x cohortExtra) PostsOf(moduleID int64) int { return x.Posts[moduleID] }

// cohortExtras gathers the cohort page's additions for its reader.
func (ap *academyPages) cohortExtras(r *http.Request, o org.Org, pg *page, v academy.CohortView) (cohortExtra, error) {
	ctx := r.Context()
	x := cohortExtra{Base: cohortURL(o, v.Cohort.ID, ""), Participant: v.Standing.Participant(),
		Certificates: academy.CanSeeCohortProgress(v.Standing), Organiser: academy.CanManageCohort(v.Standing)}
	var err error
	if x.Posts, err = academy.PostCounts(ctx, ap.DB.R(), v.Cohort.ID); err != nil {
		return x, err
	}
	if v.Progress != nil && academy.CanTakeCourse(v.Standing) {
		x.Complete = v.Progress.Complete
		if x.StartDue, err = ap.svc.StartAssessmentDue(ctx, pg.P, v.Cohort.ID); err != nil {
			return x, err
		}
		if x.Complete {
			k, ok, err := ap.svc.IssueIfComplete(ctx, v.Cohort.ID, pg.P.UserID)
			if err != nil {
				return x, err
			}
			if ok {
				x.Certificate = &k
			}
		}
	}
	return x, nil
}

// --- certificates -------------------------------------------------------

type certificateData struct {
	View      academy.CertificateView
	Base      string
	VerifyURL string
	Signed    bool
}

func (ap *academyPages) certificate(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	v, err := ap.svc.MyCertificate(r.Context(), pg.P, h.ID)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	base := cohortURL(o, h.ID, "")
	// The final self-assessment comes before the certificate (skippable).
	if v.AssessEnd {
		redirect(w, r, base+"/assessment/end?next="+url.QueryEscape(base+"/certificate"))
		return
	}
	d := certificateData{View: v, Base: base}
	if v.Certificate != nil {
		d.VerifyURL, d.Signed = ap.svc.VerifyURL(v.Certificate.Code), v.Certificate.Credential != ""
	}
	pg.Title = pg.L.T("academy.certificate.title")
	pg.Data = d
	ap.render(w, r, http.StatusOK, "academy_certificate", pg)
}

// certificateLabels are the PDF's words in the reader's language.
func certificateLabels(pg *page) academy.CertificateLabels {
	t := pg.L.T
	return academy.CertificateLabels{Title: t("academy.certificate.pdf.title"), Certifies: t("academy.certificate.pdf.certifies"),
		Completed: t("academy.certificate.pdf.completed"), Cohort: t("academy.certificate.pdf.cohort"), Trainers: t("academy.certificate.pdf.trainers"),
		IssuedBy: t("academy.certificate.pdf.issued_by"), IssuedOn: t("academy.certificate.pdf.issued_on"), Code: t("academy.certificate.pdf.code"),
		Verify: t("academy.certificate.pdf.verify"), Revoked: t("academy.certificate.pdf.revoked")}
}

func (ap *academyPages) certificatePDF(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	doc, err := ap.svc.MyCertificateDocument(r.Context(), pg.P, h.ID)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	var buf bytes.Buffer
	if err := academy.WriteCertificatePDF(&buf, doc, certificateLabels(pg)); err != nil {
		ap.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="certificate-%s.pdf"`, doc.Certificate.Code))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

type certificatesData struct {
	Cohort       academy.Cohort
	Certificates []academy.Certificate
	Base         string
	Revoke       bool
}

func (ap *academyPages) certificates(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	h, st, ks, err := ap.svc.CohortCertificates(r.Context(), pg.P, h.ID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("revoked") != "" {
		pg.Notice = pg.L.T("academy.certificates.revoked_done")
	}
	pg.Title = pg.L.T("academy.certificates.title", "Cohort", h.Name)
	pg.Data = certificatesData{Cohort: h, Certificates: ks, Base: cohortURL(o, h.ID, ""), Revoke: academy.CanRevokeCertificate(st)}
	ap.render(w, r, http.StatusOK, "academy_certificates", pg)
}

type revokeData struct {
	Certificate academy.Certificate
	Base        string
}

// revokeCertificate loads {cert} of {cohort} for the organisers.
func (ap *academyPages) revokeTarget(r *http.Request, o org.Org, pg *page) (academy.Cohort, academy.Certificate, error) {
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		return h, academy.Certificate{}, err
	}
	certID, ok := pathID(r, "cert")
	if !ok {
		return h, academy.Certificate{}, db.ErrNotFound
	}
	return ap.svc.CertificateOfCohort(r.Context(), pg.P, h.ID, certID)
}

func (ap *academyPages) revokeForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ap.renderRevoke(w, r, o, pg, http.StatusOK)
}

func (ap *academyPages) renderRevoke(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	h, k, err := ap.revokeTarget(r, o, pg)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.revoke.title")
	pg.Data = revokeData{Certificate: k, Base: cohortURL(o, h.ID, "")}
	ap.render(w, r, status, "academy_revoke", pg)
}

func (ap *academyPages) revoke(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	h, k, err := ap.revokeTarget(r, o, pg)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Form = url.Values{"reason": {r.PostForm.Get("reason")}}
	_, err = ap.svc.RevokeCertificate(r.Context(), pg.P, httpx.ActorFrom(r), h.ID, k.ID, r.PostForm.Get("reason"))
	var fe *valid.FieldError
	switch {
	case errors.As(err, &fe):
		pg.Errors["reason"] = pg.L.T("academy.revoke.reason_required")
		if fe.Reason != "is required" {
			pg.Errors["reason"] = fe.Reason
		}
		ap.renderRevoke(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	case errors.Is(err, academy.ErrRevoked):
		pg.Errors["_"] = pg.L.T("academy.revoke.already")
		ap.renderRevoke(w, r, o, pg, http.StatusConflict)
		return
	case err != nil:
		ap.fail(w, r, err)
		return
	}
	redirect(w, r, cohortURL(o, h.ID, "/certificates?revoked=1"))
}

// --- self-assessment ----------------------------------------------------

type assessmentData struct {
	View    academy.AssessmentView
	Action  string
	Next    string
	Why     string
	Levels  []int
	Ratings map[string]int // what to show checked
}

// Checked reports whether rating n of a statement is selected.
func (d assessmentData) Checked(key string, n int) bool { return d.Ratings[key] == n }

// nextOr is a local path from next=, else fallback.
func nextOr(r *http.Request, fallback string) string {
	if n := localPath(r.FormValue("next")); n != "" {
		return n
	}
	return fallback
}

func (ap *academyPages) assessment(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ap.renderAssessment(w, r, o, pg, http.StatusOK, nil)
}

func (ap *academyPages) renderAssessment(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int, given map[string]int) {
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	phase := academy.Phase(r.PathValue("phase"))
	v, err := ap.svc.Assessment(r.Context(), pg.P, h.ID, phase)
	if err != nil {
		ap.failAcademy(w, r, o, err)
		return
	}
	base := cohortURL(o, h.ID, "")
	d := assessmentData{View: v, Action: base + "/assessment/" + string(phase), Next: nextOr(r, base), Levels: []int{1, 2, 3, 4, 5}, Ratings: v.Current.Answers}
	if given != nil {
		d.Ratings = given
	}
	switch {
	case errors.Is(v.Why, academy.ErrStartClosed):
		d.Why = pg.L.T("academy.assessment.start_closed")
	case errors.Is(v.Why, academy.ErrEndNotOpen):
		d.Why = pg.L.T("academy.assessment.end_not_open")
	}
	pg.Title = pg.L.T("academy.assessment.title.start")
	if phase == academy.PhaseEnd {
		pg.Title = pg.L.T("academy.assessment.title.end")
	}
	pg.Data = d
	ap.render(w, r, status, "academy_assessment", pg)
}

func (ap *academyPages) assessmentSave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	answers := map[string]int{}
	for k, vs := range r.PostForm {
		key, ok := strings.CutPrefix(k, "rating.")
		if !ok || len(vs) == 0 || len(answers) > 100 {
			continue
		}
		if n, err := strconv.Atoi(vs[0]); err == nil {
			answers[key] = n
		}
	}
	skip := r.PostForm.Get("skip") != ""
	phase := academy.Phase(r.PathValue("phase"))
	err = ap.svc.SaveAssessment(r.Context(), pg.P, h.ID, phase, answers, skip)
	var fe *valid.FieldError
	switch {
	case errors.As(err, &fe):
		pg.Errors[fe.Field] = pg.L.T("academy.assessment.rate_each")
		ap.renderAssessment(w, r, o, pg, http.StatusUnprocessableEntity, answers)
		return
	case errors.Is(err, academy.ErrStartClosed), errors.Is(err, academy.ErrEndNotOpen):
		ap.renderAssessment(w, r, o, pg, http.StatusConflict, answers)
		return
	case err != nil:
		ap.failAcademy(w, r, o, err)
		return
	}
	redirect(w, r, nextOr(r, cohortURL(o, h.ID, "")))
}

// --- impact -------------------------------------------------------------

type impactData struct {
	Impact academy.Impact
	Base   string
}

// Num writes a mean for the page ("—" when there is none).
func (impactData) Num(f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(*f, 'f', 2, 64)
}

// Change writes a change with its sign.
func (impactData) Change(f *float64) string {
	if f == nil {
		return "—"
	}
	if *f > 0 {
		return "+" + strconv.FormatFloat(*f, 'f', 2, 64)
	}
	return strconv.FormatFloat(*f, 'f', 2, 64)
}

func (ap *academyPages) impact(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	im, err := ap.svc.Impact(r.Context(), pg.P, h.ID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("academy.impact.title", "Cohort", h.Name)
	pg.Data = impactData{Impact: im, Base: cohortURL(o, h.ID, "")}
	ap.render(w, r, http.StatusOK, "academy_impact", pg)
}

// --- discussion ---------------------------------------------------------

type discussionData struct {
	View   academy.DiscussionView
	Posts  []postView
	Base   string
	Action string
}

type postView struct {
	academy.Post
	HTML template.HTML
}

// RoleKey names a cohort role for people.
func (discussionData) RoleKey(r academy.CohortRole) string { return "academy.role." + string(r) }

func (ap *academyPages) discussion(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := ap.orgPage(r, o, "academy", "")
	ap.renderDiscussion(w, r, o, pg, http.StatusOK)
}

func (ap *academyPages) renderDiscussion(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	moduleID, ok := pathID(r, "module")
	if !ok {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	v, err := ap.svc.Discussion(r.Context(), pg.P, h.ID, moduleID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	base := cohortURL(o, h.ID, "")
	d := discussionData{View: v, Base: base, Action: base + "/modules/" + strconv.FormatInt(moduleID, 10) + "/discussion"}
	for _, p := range v.Posts {
		d.Posts = append(d.Posts, postView{Post: p, HTML: ap.renderLesson(p.Body)})
	}
	if r.URL.Query().Get("posted") != "" {
		pg.Notice = pg.L.T("academy.discussion.posted")
	}
	pg.Title = pg.L.T("academy.discussion.title", "Module", v.Module.Title)
	pg.Data = d
	ap.render(w, r, status, "academy_discussion", pg)
}

func (ap *academyPages) discussionPost(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !ap.parseForm(w, r) {
		return
	}
	pg := ap.orgPage(r, o, "academy", "")
	h, _, err := ap.cohortIn(r, o, pg.P)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	moduleID, ok := pathID(r, "module")
	if !ok {
		ap.fail(w, r, db.ErrNotFound)
		return
	}
	post, err := ap.svc.AddPost(r.Context(), pg.P, h.ID, moduleID, r.PostForm.Get("body"))
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		pg.Form = url.Values{"body": {r.PostForm.Get("body")}}
		pg.Errors["body"] = pg.L.T("academy.discussion.body_required")
		if fe.Reason != "is required" {
			pg.Errors["body"] = fe.Reason
		}
		ap.renderDiscussion(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	redirect(w, r, cohortURL(o, h.ID, fmt.Sprintf("/modules/%d/discussion?posted=1#post-%d", moduleID, post.ID)))
}

// --- xAPI ---------------------------------------------------------------

// xapiExport downloads the cohort's statements as an xAPI StatementResult.
func (ap *academyPages) xapiExport(w http.ResponseWriter, r *http.Request, o org.Org) {
	p := httpx.PrincipalFrom(r.Context())
	h, _, err := ap.cohortIn(r, o, p)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	h, sts, err := ap.svc.XAPIStatements(r.Context(), p, h.ID)
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	b, err := json.MarshalIndent(struct {
		Statements []json.RawMessage `json:"statements"`
		More       string            `json:"more"`
	}{sts, ""}, "", "  ")
	if err != nil {
		ap.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="cohort-%d-xapi.json"`, h.ID))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
