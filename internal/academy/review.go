package academy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
)

// ReviewKind says whose review it is: the trainer's (with the decision
// that counts) or a peer's (advice, without a decision).
type ReviewKind string

const (
	ReviewTrainer ReviewKind = "trainer"
	ReviewPeer    ReviewKind = "peer"
)

// Decision is the trainer's verdict on a submission.
type Decision string

const (
	DecisionAccept Decision = "accept"
	DecisionRevise Decision = "revise" // return for revision
)

// Errors of reviews.
var (
	ErrDecided      = errors.New("this submission has been decided already")
	ErrPeerReviewed = errors.New("you have reviewed this submission already")
)

// CriterionScore is the level chosen for one criterion of the rubric, with
// its points and the reviewer's comment. The level's title is kept, so that a
// review reads the same after the rubric is edited.
type CriterionScore struct {
	Criterion  string `json:"criterion"`
	Level      int    `json:"level"` // index into the criterion's levels
	LevelTitle string `json:"level_title"`
	Points     int    `json:"points"`
	Comment    string `json:"comment"`
}

// Review is a trainer's or a peer's review of one submission.
type Review struct {
	ID           int64            `json:"id"`
	SubmissionID int64            `json:"submission_id"`
	ReviewerID   int64            `json:"reviewer_id,omitempty"`   // 0 when the reader may not know who
	ReviewerName string           `json:"reviewer_name,omitempty"` // idem
	PeerLabel    int              `json:"peer_label,omitempty"`    // 1, 2: "Peer 1", "Peer 2"
	Kind         ReviewKind       `json:"kind"`
	Scores       []CriterionScore `json:"scores"`
	Comment      string           `json:"comment"`
	Decision     Decision         `json:"decision,omitempty"`
	Points       int              `json:"points"`
	CreatedAt    time.Time        `json:"created_at"`
}

// ScoreOf returns the score of a criterion, if the review has one.
func (r Review) ScoreOf(criterion string) (CriterionScore, bool) {
	for _, s := range r.Scores {
		if s.Criterion == criterion {
			return s, true
		}
	}
	return CriterionScore{}, false
}

// ReviewInput is a review as filled in: a level per criterion (by
// criterion key, the index of the level), comments per criterion, an
// overall comment and, for trainers, the decision.
type ReviewInput struct {
	Levels   map[string]int
	Comments map[string]string
	Comment  string
	Decision Decision
}

// Grade checks a review against the rubric and returns the scores in the
// rubric's order and their total. Every criterion needs a level.
func (r Rubric) Grade(in ReviewInput) ([]CriterionScore, int, error) {
	scores := make([]CriterionScore, 0, len(r.Criteria))
	total := 0
	for _, c := range r.Criteria {
		field := "criteria/" + c.Key
		lvl, ok := in.Levels[c.Key]
		if !ok {
			return nil, 0, &FieldError{Field: field + "/level", Reason: "choose a level"}
		}
		if lvl < 0 || lvl >= len(c.Levels) {
			return nil, 0, &FieldError{Field: field + "/level", Reason: "is not a level of this criterion"}
		}
		comment, err := cleanText(field+"/comment", in.Comments[c.Key], 5000, false)
		if err != nil {
			return nil, 0, err
		}
		l := c.Levels[lvl]
		scores = append(scores, CriterionScore{Criterion: c.Key, Level: lvl, LevelTitle: l.Title, Points: l.Points, Comment: comment})
		total += l.Points
	}
	return scores, total, nil
}

const reviewColumns = `r.id, r.submission_id, COALESCE(r.reviewer_id, 0), COALESCE(u.name, ''), r.kind, r.scores, r.comment, r.decision, r.points, r.created_at`

func scanReview(row interface{ Scan(...any) error }) (Review, error) {
	var r Review
	var scores string
	if err := row.Scan(&r.ID, &r.SubmissionID, &r.ReviewerID, &r.ReviewerName, &r.Kind, &scores, &r.Comment, &r.Decision, &r.Points, &r.CreatedAt); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(scores), &r.Scores); err != nil {
		return r, fmt.Errorf("review %d: scores: %w", r.ID, err)
	}
	return r, nil
}

// listReviews returns a submission's reviews, the trainer's first.
func listReviews(ctx context.Context, q db.Queryer, submissionID int64) ([]Review, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+reviewColumns+` FROM reviews r LEFT JOIN users u ON u.id = r.reviewer_id
		WHERE r.submission_id = ? ORDER BY CASE r.kind WHEN 'trainer' THEN 0 ELSE 1 END, r.created_at, r.id`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	out := []Review{}
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func insertReview(ctx context.Context, q db.Queryer, r *Review) error {
	scores, err := json.Marshal(r.Scores)
	if err != nil {
		return err
	}
	r.CreatedAt = now()
	err = q.QueryRowContext(ctx, `INSERT INTO reviews (submission_id, reviewer_id, kind, scores, comment, decision, points, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.SubmissionID, nullID(r.ReviewerID), r.Kind, string(scores), r.Comment, r.Decision, r.Points, r.CreatedAt).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("insert review: %w", err)
	}
	return nil
}

// submissionFor loads a submission with the reader's standing in its
// cohort. Unknown submissions, and those the reader may not see, are
// authz.ErrNotMember (404): another participant's work does not exist for
// a participant.
func (s *Service) submissionFor(ctx context.Context, p *authz.Principal, id int64) (Submission, Cohort, Standing, bool, error) {
	sub, err := GetSubmission(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return sub, Cohort{}, Standing{}, false, authz.ErrNotMember
	}
	if err != nil {
		return sub, Cohort{}, Standing{}, false, err
	}
	h, st, err := s.Cohort(ctx, p, sub.CohortID)
	if err != nil {
		return Submission{}, h, st, false, err
	}
	peer := false
	if st.Participant() && st.UserID != sub.UserID {
		if peer, err = isPeerOf(ctx, s.DB.R(), sub.ID, p.UserID); err != nil {
			return Submission{}, h, st, false, err
		}
	}
	if !CanSeeSubmission(st, sub.UserID, peer) {
		return Submission{}, Cohort{}, st, false, authz.ErrNotMember
	}
	return sub, h, st, peer, nil
}

// SubmissionView is a submission as one reader may see it.
type SubmissionView struct {
	Submission Submission
	Cohort     Cohort
	Standing   Standing
	Module     Module
	Assignment Assignment
	AuthorName string // "" for a peer reviewer
	Anonymous  bool   // the reader reviews it as a peer
	Revisions  []Submission
	Reviews    []Review // those the reader may read
	Peers      []PeerView
	Snapshot   *PlanSnapshot
	CanDecide  bool // the reader may accept or return it now
	CanPeer    bool // the reader may write their peer review now
	PeerDone   bool // the reader's peer review is in
	MyLabel    int  // the reader's peer number
}

// PeerView is one assigned peer reviewer, named for trainers only.
type PeerView struct {
	Label  int        `json:"label"`
	Name   string     `json:"name,omitempty"`
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// Submission returns a submission for a reader who may see it, with the
// reviews that reader may read: trainers and organisers everything (peer
// reviewers named); the author the trainer's review and, once decided,
// the peer reviews as "Peer 1" and "Peer 2"; a peer reviewer the work
// without its author, and their own review.
func (s *Service) Submission(ctx context.Context, p *authz.Principal, id int64) (SubmissionView, error) {
	sub, h, st, peer, err := s.submissionFor(ctx, p, id)
	if err != nil {
		return SubmissionView{}, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return SubmissionView{}, err
	}
	m, asg, ok := assignmentOf(&c, sub.AssignmentID)
	if !ok {
		// The assignment left the course (its module was retired).
		if asg, err = GetAssignment(ctx, s.DB.R(), sub.AssignmentID); err != nil {
			return SubmissionView{}, err
		}
	}
	v := SubmissionView{Submission: sub, Cohort: h, Standing: st, Module: m, Assignment: asg, Anonymous: !SeesAuthor(st, sub.UserID)}
	if v.Snapshot, err = sub.Snapshot(); err != nil {
		return v, err
	}
	if !v.Anonymous {
		if v.AuthorName, err = userName(ctx, s.DB.R(), sub.UserID); err != nil {
			return v, err
		}
		if v.Revisions, err = listRevisions(ctx, s.DB.R(), sub.CohortID, sub.UserID, sub.AssignmentID); err != nil {
			return v, err
		}
	}
	peers, err := peersOf(ctx, s.DB.R(), sub.ID)
	if err != nil {
		return v, err
	}
	label := map[int64]int{}
	for i, pa := range peers {
		label[pa.ReviewerID] = i + 1
		pv := PeerView{Label: i + 1, DoneAt: pa.DoneAt}
		if CanGrade(st) {
			if pv.Name, err = userName(ctx, s.DB.R(), pa.ReviewerID); err != nil {
				return v, err
			}
		}
		if pa.ReviewerID == p.UserID {
			v.MyLabel, v.PeerDone = i+1, pa.DoneAt != nil
		}
		v.Peers = append(v.Peers, pv)
	}
	all, err := listReviews(ctx, s.DB.R(), sub.ID)
	if err != nil {
		return v, err
	}
	v.Reviews = []Review{}
	for _, r := range all {
		if r.Kind == ReviewPeer {
			r.PeerLabel = label[r.ReviewerID]
		}
		switch {
		case CanGrade(st):
		case peer:
			if r.ReviewerID != p.UserID {
				continue
			}
		case r.Kind == ReviewPeer:
			if !CanSeePeerReviews(st, sub.UserID, sub.Decided()) {
				continue
			}
			r.ReviewerID, r.ReviewerName = 0, ""
		}
		v.Reviews = append(v.Reviews, r)
	}
	if !CanGrade(st) {
		v.Peers = nil // participants learn only their own label
	}
	v.CanDecide = CanDecide(st, sub.UserID) && !sub.Decided()
	v.CanPeer = CanPeerReview(st, sub.UserID, peer) && !sub.Decided() && !v.PeerDone
	return v, nil
}

func userName(ctx context.Context, q db.Queryer, id int64) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, "SELECT name FROM users WHERE id = ?", id).Scan(&name)
	if isNoRows(err) {
		return "", nil
	}
	return name, err
}

// Review records a review of a submission. The cohort's trainers and the
// organisers decide (accept, or return for revision with a comment that
// says what to change); an assigned peer gives advice without a decision,
// while the submission waits for the trainer. The author is notified of the
// decision; an accepted assignment completes its module.
func (s *Service) Review(ctx context.Context, p *authz.Principal, a audit.Actor, submissionID int64, in ReviewInput) (Review, error) {
	sub, h, st, peer, err := s.submissionFor(ctx, p, submissionID)
	if err != nil {
		return Review{}, err
	}
	asg, err := GetAssignment(ctx, s.DB.R(), sub.AssignmentID)
	if err != nil {
		return Review{}, err
	}
	trainer := CanDecide(st, sub.UserID)
	if !trainer && !CanPeerReview(st, sub.UserID, peer) {
		return Review{}, authz.ErrForbidden
	}
	if sub.Decided() {
		return Review{}, ErrDecided
	}
	r := Review{SubmissionID: sub.ID, ReviewerID: p.UserID, Kind: ReviewPeer}
	if trainer {
		r.Kind = ReviewTrainer
		switch in.Decision {
		case DecisionAccept, DecisionRevise:
			r.Decision = in.Decision
		default:
			return r, &FieldError{Field: "decision", Reason: "must be accept or revise"}
		}
	}
	if r.Scores, r.Points, err = asg.Rubric.Grade(in); err != nil {
		return r, err
	}
	if r.Comment, err = cleanText("comment", in.Comment, 10000, false); err != nil {
		return r, err
	}
	if r.Decision == DecisionRevise && r.Comment == "" {
		return r, &FieldError{Field: "comment", Reason: "say what to revise"}
	}
	programme, err := org.GetOrg(ctx, s.DB.R(), h.OrgID)
	if err != nil {
		return r, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if !trainer {
			res, err := tx.ExecContext(ctx, `UPDATE peer_assignments SET done_at = ? WHERE submission_id = ? AND reviewer_id = ? AND done_at IS NULL
				AND EXISTS (SELECT 1 FROM submissions WHERE id = ? AND state = ?)`, now(), sub.ID, p.UserID, sub.ID, StateSubmitted)
			if err != nil {
				return fmt.Errorf("peer review: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				cur, err := GetSubmission(ctx, tx, sub.ID)
				if err == nil && cur.Decided() {
					return ErrDecided
				}
				return ErrPeerReviewed
			}
			if err := insertReview(ctx, tx, &r); err != nil {
				return err
			}
			return audit.Append(ctx, tx, a.Entry(h.OrgID, "submission.peer_review", "submission:"+strconv.FormatInt(sub.ID, 10),
				map[string]string{"points": strconv.Itoa(r.Points)}))
		}
		to, kind := StateAccepted, NotifyAccepted
		if r.Decision == DecisionRevise {
			to, kind = StateReturned, NotifyReturned
		}
		ok, err := decideSubmission(ctx, tx, sub.ID, to, now())
		if err != nil {
			return err
		}
		if !ok {
			return ErrDecided
		}
		if err := insertReview(ctx, tx, &r); err != nil {
			return err
		}
		if err := notify.Notify(ctx, tx, notify.Notification{UserID: sub.UserID, OrgID: h.OrgID, Kind: kind, Title: asg.Title + " · " + h.Name,
			Link: "/o/" + programme.Slug + "/academy/submissions/" + strconv.FormatInt(sub.ID, 10)}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(h.OrgID, "submission."+string(r.Decision), "submission:"+strconv.FormatInt(sub.ID, 10),
			map[string]string{"points": strconv.Itoa(r.Points), "pass_points": strconv.Itoa(asg.Rubric.PassPoints), "revision": strconv.Itoa(sub.Revision)}))
	})
	if err != nil {
		return Review{}, err
	}
	if r.Decision == DecisionAccept {
		s.afterWork(ctx, h.ID, sub.UserID)
	}
	s.wake()
	return r, nil
}
