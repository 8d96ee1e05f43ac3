package api

// Certificates and course work through the API, for the scripts of
// programme organisers and trainers: a cohort's certificates and their
// revocation (which the public verification page and the status list
// show at once), one submission as its reader may see it, and a review
// of it with the rubric.

import (
	"errors"
	"net/http"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
)

func (a *API) registerAcademyCertificates(rt *httpx.Router) {
	g := routes{a, rt}
	g.resource("GET", "/api/v1/cohorts/{id}/certificates", authz.UseAcademy, a.cohortCertificates)
	g.resource("POST", "/api/v1/certificates/{id}/revoke", authz.UseAcademy, a.revokeCertificate)
	g.resource("GET", "/api/v1/submissions/{id}", authz.UseAcademy, a.getSubmission)
	g.resource("POST", "/api/v1/submissions/{id}/reviews", authz.UseAcademy, a.reviewSubmission)
}

// certificateOut is a certificate with the addresses anyone can check it at.
type certificateOut struct {
	academy.Certificate
	VerifyURL     string `json:"verify_url"`
	CredentialURL string `json:"credential_url,omitempty"`
}

func (a *API) certificateOut(k academy.Certificate) certificateOut {
	out := certificateOut{Certificate: k, VerifyURL: a.academy().VerifyURL(k.Code)}
	if k.Credential != "" {
		out.CredentialURL = a.academy().BaseURL + "/credentials/" + k.Code
	}
	return out
}

func (a *API) cohortCertificates(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	_, _, ks, err := a.academy().CohortCertificates(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]certificateOut, 0, len(ks))
	for _, k := range ks {
		out = append(out, a.certificateOut(k))
	}
	writeJSON(w, http.StatusOK, struct {
		Certificates []certificateOut `json:"certificates"`
	}{out})
}

func (a *API) revokeCertificate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if !decode(w, r, &in) {
		return
	}
	k, err := a.academy().RevokeCertificateByID(r.Context(), httpx.PrincipalFrom(r.Context()), actor(r), id, in.Reason)
	if errors.Is(err, academy.ErrRevoked) {
		writeProblem(w, r, Problem{Type: problemBase + "conflict", Status: http.StatusConflict, Detail: err.Error()})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.certificateOut(k))
}

// submissionOut is a submission as its reader may see it: a peer reviewer
// gets no author name and only their own review.
type submissionOut struct {
	academy.Submission
	CohortName      string                 `json:"cohort_name"`
	AssignmentTitle string                 `json:"assignment_title"`
	Kind            academy.AssignmentKind `json:"kind"`
	AuthorName      string                 `json:"author_name,omitempty"`
	Anonymous       bool                   `json:"anonymous"`
	Rubric          academy.Rubric         `json:"rubric"`
	Reviews         []academy.Review       `json:"reviews"`
	Snapshot        *academy.PlanSnapshot  `json:"snapshot,omitempty"`
	CanDecide       bool                   `json:"can_decide"`
	CanPeerReview   bool                   `json:"can_peer_review"`
}

func (a *API) getSubmission(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	v, err := a.academy().Submission(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, submissionView(v))
}

func submissionView(v academy.SubmissionView) submissionOut {
	out := submissionOut{Submission: v.Submission, CohortName: v.Cohort.Name, AssignmentTitle: v.Assignment.Title, Kind: v.Assignment.Kind,
		AuthorName: v.AuthorName, Anonymous: v.Anonymous, Rubric: v.Assignment.Rubric, Reviews: v.Reviews, Snapshot: v.Snapshot,
		CanDecide: v.CanDecide, CanPeerReview: v.CanPeer}
	if v.Anonymous {
		out.UserID = 0 // peer review is anonymous
	}
	if out.Reviews == nil {
		out.Reviews = []academy.Review{}
	}
	return out
}

// reviewIn is a review: a level (0 = the first, the best) for every
// criterion of the rubric, optional comments, and for trainers the
// decision.
type reviewIn struct {
	Levels   map[string]int    `json:"levels"`
	Comments map[string]string `json:"comments"`
	Comment  string            `json:"comment"`
	Decision academy.Decision  `json:"decision"`
}

func (a *API) reviewSubmission(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	var in reviewIn
	if !decode(w, r, &in) {
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	rv, err := a.academy().Review(r.Context(), p, actor(r), id, academy.ReviewInput{Levels: in.Levels, Comments: in.Comments, Comment: in.Comment, Decision: in.Decision})
	if errors.Is(err, academy.ErrDecided) || errors.Is(err, academy.ErrPeerReviewed) {
		writeProblem(w, r, Problem{Type: problemBase + "conflict", Status: http.StatusConflict, Detail: err.Error()})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rv)
}
