package academy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// QueueEntry is one submission waiting for a trainer's decision.
type QueueEntry struct {
	SubmissionID    int64          `json:"submission_id"`
	OrgID           int64          `json:"org_id"`
	OrgSlug         string         `json:"org_slug"`
	CohortID        int64          `json:"cohort_id"`
	CohortName      string         `json:"cohort_name"`
	CourseTitle     string         `json:"course_title"`
	UserID          int64          `json:"user_id"`
	Name            string         `json:"name"`
	AssignmentID    int64          `json:"assignment_id"`
	AssignmentTitle string         `json:"assignment_title"`
	Kind            AssignmentKind `json:"kind"`
	Revision        int            `json:"revision"`
	SubmittedAt     time.Time      `json:"submitted_at"`
	Waiting         time.Duration  `json:"-"`
	WaitingSeconds  int64          `json:"waiting_seconds"`
	PeersAssigned   int            `json:"peers_assigned"`
	PeersDone       int            `json:"peers_done"`
}

// QueueFilter narrows the queue: OrgID to one programme's academy (0:
// every academy of the caller), CohortID and Kind ("" for all).
type QueueFilter struct {
	OrgID    int64
	CohortID int64
	Kind     AssignmentKind
}

// queueScope is the SQL that limits submissions (s, of cohorts h of
// courses c) to those p decides on: every cohort of the organisations
// where p organises the academy, and the cohorts p trains in organisations
// p still belongs to. Never p's own work.
func queueScope(p *authz.Principal) (string, []any) {
	var organiser, member []any
	for _, m := range p.Memberships {
		if !authz.Allowed(m.Role, authz.UseAcademy) {
			continue
		}
		member = append(member, m.OrgID)
		if m.Role == authz.Admin {
			organiser = append(organiser, m.OrgID)
		}
	}
	in := func(ids []any) string {
		if len(ids) == 0 {
			return "(NULL)"
		}
		return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
	}
	where := "s.user_id <> ? AND (c.org_id IN " + in(organiser) + " OR (c.org_id IN " + in(member) +
		" AND EXISTS (SELECT 1 FROM cohort_members tm WHERE tm.cohort_id = s.cohort_id AND tm.user_id = ? AND tm.role = ?)))"
	args := append([]any{p.UserID}, organiser...)
	args = append(args, member...)
	args = append(args, p.UserID, RoleTrainer)
	return where, args
}

const queueFrom = ` FROM submissions s JOIN cohorts h ON h.id = s.cohort_id JOIN courses c ON c.id = h.course_id
	JOIN orgs o ON o.id = c.org_id JOIN assignments a ON a.id = s.assignment_id JOIN users u ON u.id = s.user_id`

// Queue returns the submissions waiting for p's decision across all the
// cohorts p trains (organisers: all cohorts of their academy) and every
// kind of assignment, the oldest first.
func (s *Service) Queue(ctx context.Context, p *authz.Principal, f QueueFilter) ([]QueueEntry, error) {
	if p == nil {
		return nil, authz.ErrNotMember
	}
	where, args := queueScope(p)
	where = "s.state = ? AND " + where
	args = append([]any{StateSubmitted}, args...)
	if f.OrgID != 0 {
		where += " AND c.org_id = ?"
		args = append(args, f.OrgID)
	}
	if f.CohortID != 0 {
		where += " AND s.cohort_id = ?"
		args = append(args, f.CohortID)
	}
	if f.Kind != "" {
		where += " AND a.kind = ?"
		args = append(args, f.Kind)
	}
	rows, err := s.DB.R().QueryContext(ctx, `SELECT s.id, c.org_id, o.slug, s.cohort_id, h.name, c.title, s.user_id, u.name, s.assignment_id, a.title, a.kind,
		s.revision, s.submitted_at,
		(SELECT COUNT(*) FROM peer_assignments pa WHERE pa.submission_id = s.id),
		(SELECT COUNT(*) FROM peer_assignments pa WHERE pa.submission_id = s.id AND pa.done_at IS NOT NULL)`+
		queueFrom+" WHERE "+where+" ORDER BY s.submitted_at, s.id LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("grading queue: %w", err)
	}
	defer rows.Close()
	out := []QueueEntry{}
	t := now()
	for rows.Next() {
		var e QueueEntry
		if err := rows.Scan(&e.SubmissionID, &e.OrgID, &e.OrgSlug, &e.CohortID, &e.CohortName, &e.CourseTitle, &e.UserID, &e.Name,
			&e.AssignmentID, &e.AssignmentTitle, &e.Kind, &e.Revision, &e.SubmittedAt, &e.PeersAssigned, &e.PeersDone); err != nil {
			return nil, fmt.Errorf("grading queue: %w", err)
		}
		e.Waiting = max(0, t.Sub(e.SubmittedAt))
		e.WaitingSeconds = int64(e.Waiting / time.Second)
		out = append(out, e)
	}
	return out, rows.Err()
}

// QueueCount is how many submissions wait for p's decision in orgID's
// academy (0 for the whole of p's academies).
func (s *Service) QueueCount(ctx context.Context, p *authz.Principal, orgID int64) (int, error) {
	if p == nil {
		return 0, nil
	}
	where, args := queueScope(p)
	where = "s.state = ? AND " + where
	args = append([]any{StateSubmitted}, args...)
	if orgID != 0 {
		where += " AND c.org_id = ?"
		args = append(args, orgID)
	}
	var n int
	err := s.DB.R().QueryRowContext(ctx, "SELECT COUNT(*)"+queueFrom+" WHERE "+where, args...).Scan(&n)
	return n, err
}

// GradingCohorts lists the cohorts of orgID whose work p decides on (for
// the queue's filter): all of them for an organiser, those p trains
// otherwise.
func (s *Service) GradingCohorts(ctx context.Context, p *authz.Principal, orgID int64) ([]Cohort, error) {
	st, _ := s.Standing(ctx, p, orgID, 0)
	if err := RequireCatalogue(st); err != nil {
		return nil, err
	}
	if st.Organiser() {
		return ListCohortsOfOrg(ctx, s.DB.R(), orgID)
	}
	mine, err := ListCohortsOfUser(ctx, s.DB.R(), orgID, p.UserID)
	if err != nil {
		return nil, err
	}
	out := []Cohort{}
	for _, m := range mine {
		if m.Role == RoleTrainer {
			out = append(out, m.Cohort)
		}
	}
	return out, nil
}

// Grades reports whether p decides on any work in orgID's academy (an
// organiser, or a trainer of one of its cohorts).
func (s *Service) Grades(ctx context.Context, p *authz.Principal, orgID int64) (bool, error) {
	hs, err := s.GradingCohorts(ctx, p, orgID)
	if err != nil {
		return false, err
	}
	st, _ := s.Standing(ctx, p, orgID, 0)
	return st.Organiser() || len(hs) > 0, nil
}

// AssignmentView is an assignment of a cohort: its brief and rubric and,
// for a participant, their revisions, whether they may hand in one now,
// and for campaign plans their sandbox and its campaigns.
type AssignmentView struct {
	Cohort     Cohort
	Standing   Standing
	Course     Course
	Module     Module
	Assignment Assignment
	Revisions  []Submission // the participant's, latest first
	Next       int          // the revision number a new submission gets
	WhyNot     error        // why none may be handed in now
	Sandbox    *org.Org
	Campaigns  []campaign.Campaign
}

// AssignmentPage returns an assignment of a cohort for one of its
// participants (the module must be unlocked) or, as a preview, for its
// trainers and the organisers.
func (s *Service) AssignmentPage(ctx context.Context, p *authz.Principal, cohortID, assignmentID int64) (AssignmentView, error) {
	var v AssignmentView
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return v, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return v, err
	}
	m, asg, ok := assignmentOf(&c, assignmentID)
	if !ok {
		return v, db.ErrNotFound
	}
	v = AssignmentView{Cohort: h, Standing: st, Course: c, Module: m, Assignment: asg}
	if !st.Participant() {
		if !CanPreviewLessons(st) {
			return v, authz.ErrForbidden
		}
		return v, nil
	}
	if _, _, _, err := s.participantIn(ctx, p, cohortID, m.ID); err != nil {
		return v, err
	}
	if v.Revisions, err = listRevisions(ctx, s.DB.R(), h.ID, p.UserID, asg.ID); err != nil {
		return v, err
	}
	v.Next, v.WhyNot = canHandIn(v.Revisions)
	if asg.Kind == AssignCampaignPlan {
		sb, err := getSandbox(ctx, s.DB.R(), h.ID, p.UserID)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return v, err
		default:
			o, err := org.GetOrg(ctx, s.DB.R(), sb.OrgID)
			if err != nil {
				return v, err
			}
			v.Sandbox = &o
			if s.Campaigns != nil {
				if v.Campaigns, err = s.Campaigns.List(ctx, o, campaign.Filter{}); err != nil {
					return v, err
				}
			}
		}
	}
	return v, nil
}

// MySubmission is one of a participant's submissions, for their list.
type MySubmission struct {
	Submission
	CohortName      string         `json:"cohort_name"`
	AssignmentTitle string         `json:"assignment_title"`
	Kind            AssignmentKind `json:"kind"`
}

// MyWork is a participant's course work in one academy: their submissions
// (every revision, the latest first) and the peer reviews asked of them.
type MyWork struct {
	Submissions []MySubmission
	PeerTasks   []PeerTask
}

// Work returns p's own course work in orgID's academy, in the cohorts
// where p takes part.
func (s *Service) Work(ctx context.Context, p *authz.Principal, orgID int64) (MyWork, error) {
	w := MyWork{Submissions: []MySubmission{}}
	st, _ := s.Standing(ctx, p, orgID, 0)
	if err := RequireCatalogue(st); err != nil {
		return w, err
	}
	rows, err := s.DB.R().QueryContext(ctx, "SELECT "+submissionColumns+`, h.name, a.title, a.kind
		FROM submissions s JOIN cohorts h ON h.id = s.cohort_id JOIN courses c ON c.id = h.course_id JOIN assignments a ON a.id = s.assignment_id
		JOIN cohort_members m ON m.cohort_id = s.cohort_id AND m.user_id = s.user_id AND m.role = ?
		WHERE s.user_id = ? AND c.org_id = ? ORDER BY s.submitted_at DESC, s.id DESC LIMIT 500`, RoleParticipant, p.UserID, orgID)
	if err != nil {
		return w, fmt.Errorf("my work: %w", err)
	}
	for rows.Next() {
		var m MySubmission
		x := &m.Submission
		if err := rows.Scan(&x.ID, &x.CohortID, &x.UserID, &x.AssignmentID, &x.Revision, &x.State, &x.Body, &x.FileSHA, &x.FileName,
			&x.FileType, &x.FileSize, &x.SandboxOrgID, &x.SnapshotJSON, &x.SubmittedAt, &x.DecidedAt, &m.CohortName, &m.AssignmentTitle, &m.Kind); err != nil {
			rows.Close()
			return w, fmt.Errorf("my work: %w", err)
		}
		w.Submissions = append(w.Submissions, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return w, err
	}
	w.PeerTasks, err = listPeerTasks(ctx, s.DB.R(), orgID, p.UserID)
	return w, err
}

// SubmissionFile opens the file of a submission for a reader who may see
// it. The name is the author's file name, or a neutral one for a peer
// reviewer (a file name often carries its author's).
func (s *Service) SubmissionFile(ctx context.Context, p *authz.Principal, id int64) (Submission, string, error) {
	sub, _, st, _, err := s.submissionFor(ctx, p, id)
	if err != nil {
		return sub, "", err
	}
	if !sub.HasFile() {
		return sub, "", db.ErrNotFound
	}
	name := sub.FileName
	if !SeesAuthor(st, sub.UserID) {
		ext := ""
		if i := strings.LastIndexByte(sub.FileName, '.'); i >= 0 && len(sub.FileName)-i <= 6 {
			ext = sub.FileName[i:]
		}
		name = fmt.Sprintf("submission-%d%s", sub.ID, ext)
	}
	return sub, name, nil
}
