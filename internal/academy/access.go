package academy

import (
	"context"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// Standing is everything the academy's access rules look at: the acting
// person's role in the organisation that owns the course, and their role in
// one cohort of it ("" when they are not in that cohort). It is the only
// input of the Can* functions below, which are the one place the academy's
// access decisions are made.
type Standing struct {
	UserID     int64
	OrgRole    authz.Role // role in the course's organisation
	InOrg      bool       // a member of the course's organisation at all
	CohortRole CohortRole // "" outside the cohort
}

// Organiser reports whether the person organises the academy of the
// course's organisation (its admins).
func (s Standing) Organiser() bool { return s.InOrg && s.OrgRole == authz.Admin }

// Trainer reports whether the person trains the cohort.
func (s Standing) Trainer() bool { return s.InOrg && s.CohortRole == RoleTrainer }

// Participant reports whether the person takes the course in the cohort.
func (s Standing) Participant() bool { return s.InOrg && s.CohortRole == RoleParticipant }

// CanSeeCatalogue: any member of the organisation whose role may use the
// academy sees its courses, module outlines and lesson titles.
func CanSeeCatalogue(s Standing) bool {
	return s.InOrg && authz.Allowed(s.OrgRole, authz.UseAcademy)
}

// CanSeeCohort: the cohort's page, member list and discussion are for its
// members and the organisers. Cohort membership without membership of the
// organisation (removed from the programme) gives nothing.
func CanSeeCohort(s Standing) bool {
	return CanSeeCatalogue(s) && (s.Organiser() || s.CohortRole != "")
}

// CanManageCohort: creating cohorts, enrolling and removing people,
// revoking certificates are the organisers'.
func CanManageCohort(s Standing) bool { return s.Organiser() }

// CanTakeCourse: only a cohort's participants read lessons with progress,
// take quizzes and hand in work in it.
func CanTakeCourse(s Standing) bool { return CanSeeCatalogue(s) && s.Participant() }

// CanPreviewLessons: trainers and organisers read every lesson and quiz of
// the cohort's course without locks and without recording progress.
func CanPreviewLessons(s Standing) bool { return CanSeeCohort(s) && (s.Trainer() || s.Organiser()) }

// CanSeeCohortProgress: the table of participants × modules is for the
// cohort's trainers and the organisers.
func CanSeeCohortProgress(s Standing) bool { return CanSeeCohort(s) && (s.Trainer() || s.Organiser()) }

// CanSeeProgressOf: a participant sees their own progress; trainers of the
// cohort and organisers see everyone's.
func CanSeeProgressOf(s Standing, subjectID int64) bool {
	if CanSeeCohortProgress(s) {
		return true
	}
	return CanTakeCourse(s) && s.UserID == subjectID
}

// CanGrade: trainers grade the cohorts they train; organisers may step in.
func CanGrade(s Standing) bool { return CanSeeCohort(s) && (s.Trainer() || s.Organiser()) }

// CanSeeSubmission: the author, the cohort's trainers and the organisers,
// and a peer reviewer the submission was assigned to (who sees it without
// the author's name). Other participants never see it.
func CanSeeSubmission(s Standing, authorID int64, assignedPeer bool) bool {
	switch {
	case !CanSeeCohort(s):
		return false
	case s.Trainer() || s.Organiser():
		return true
	case s.Participant() && s.UserID == authorID:
		return true
	}
	return s.Participant() && assignedPeer
}

// CanSubmit: participants hand in their own work.
func CanSubmit(s Standing) bool { return CanTakeCourse(s) }

// CanDecide: accepting or returning a submission is for the cohort's
// trainers and the organisers, never on their own work.
func CanDecide(s Standing, authorID int64) bool { return CanGrade(s) && s.UserID != authorID }

// CanPeerReview: a participant reviews a submission of their cohort that
// was assigned to them, never their own.
func CanPeerReview(s Standing, authorID int64, assignedPeer bool) bool {
	return CanTakeCourse(s) && assignedPeer && s.UserID != authorID
}

// SeesAuthor: the author's name is for the author, the trainers and the
// organisers; a peer reviewer sees the work anonymously.
func SeesAuthor(s Standing, authorID int64) bool {
	return CanSeeSubmission(s, authorID, false) && (CanGrade(s) || s.UserID == authorID)
}

// CanSeePeerReviews: trainers and organisers read peer reviews (with the
// reviewers' names) as they come in; the author reads them, as "Peer 1"
// and "Peer 2", once the trainer has decided.
func CanSeePeerReviews(s Standing, authorID int64, decided bool) bool {
	if CanGrade(s) {
		return true
	}
	return CanSeeSubmission(s, authorID, false) && s.UserID == authorID && decided
}

// CanPost: members of the cohort and organisers write in its discussion.
func CanPost(s Standing) bool { return CanSeeCohort(s) }

// CanRevokeCertificate: organisers only.
func CanRevokeCertificate(s Standing) bool { return s.Organiser() }

// RequireCohort turns a decision into the error handlers render: people who
// may not see the cohort at all get authz.ErrNotMember (404, the cohort's
// existence is not confirmed); those who see it but may not do this get
// authz.ErrForbidden (403).
func RequireCohort(s Standing, allowed func(Standing) bool) error {
	if !CanSeeCohort(s) {
		return authz.ErrNotMember
	}
	if !allowed(s) {
		return authz.ErrForbidden
	}
	return nil
}

// RequireCatalogue is RequireCohort for things outside cohorts.
func RequireCatalogue(s Standing) error {
	if !s.InOrg {
		return authz.ErrNotMember
	}
	if !CanSeeCatalogue(s) {
		return authz.ErrForbidden
	}
	return nil
}

// standing reads p's role in orgID and, when cohortID is not 0, in that
// cohort.
func standing(ctx context.Context, q db.Queryer, p *authz.Principal, orgID, cohortID int64) (Standing, error) {
	s := Standing{}
	if p == nil {
		return s, nil
	}
	s.UserID = p.UserID
	s.OrgRole, s.InOrg = p.RoleIn(orgID)
	if cohortID == 0 || !s.InOrg {
		return s, nil
	}
	var role CohortRole
	err := q.QueryRowContext(ctx, "SELECT role FROM cohort_members WHERE cohort_id = ? AND user_id = ?", cohortID, p.UserID).Scan(&role)
	switch {
	case errors.Is(err, db.ErrNotFound), isNoRows(err):
	case err != nil:
		return s, fmt.Errorf("cohort standing: %w", err)
	default:
		s.CohortRole = role
	}
	return s, nil
}
