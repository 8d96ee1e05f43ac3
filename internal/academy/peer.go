package academy

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// PeersPerSubmission is how many peers review a piece of work at most.
const PeersPerSubmission = 2

// PeerAssignment is a peer reviewer assigned to a submission.
type PeerAssignment struct {
	SubmissionID int64      `json:"submission_id"`
	ReviewerID   int64      `json:"reviewer_id"`
	AssignedAt   time.Time  `json:"assigned_at"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

// assignPeers chooses the peer reviewers of a new submission: the peers of
// its previous revision who are still participants of the cohort (they
// follow the revision), then, up to PeersPerSubmission, the participants
// with the fewest reviews of this assignment so far, taken round-robin
// from the author's place in the cohort. Never the author.
func assignPeers(ctx context.Context, tx *db.Tx, sub Submission, previous []Submission) ([]int64, error) {
	type cand struct {
		id   int64
		load int
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.user_id, (SELECT COUNT(*) FROM peer_assignments pa JOIN submissions x ON x.id = pa.submission_id
		WHERE pa.reviewer_id = m.user_id AND x.cohort_id = m.cohort_id AND x.assignment_id = ?)
		FROM cohort_members m WHERE m.cohort_id = ? AND m.role = ? AND m.user_id <> ?`, sub.AssignmentID, sub.CohortID, RoleParticipant, sub.UserID)
	if err != nil {
		return nil, fmt.Errorf("peer candidates: %w", err)
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.load); err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var chosen []int64
	has := func(id int64) bool {
		for _, c := range chosen {
			if c == id {
				return true
			}
		}
		return false
	}
	inCohort := map[int64]bool{}
	for _, c := range cands {
		inCohort[c.id] = true
	}
	if len(previous) > 0 {
		before, err := peersOf(ctx, tx, previous[0].ID)
		if err != nil {
			return nil, err
		}
		for _, pa := range before {
			if inCohort[pa.ReviewerID] && len(chosen) < PeersPerSubmission {
				chosen = append(chosen, pa.ReviewerID)
			}
		}
	}
	// Round-robin order: the participants after the author, then those
	// before; the least loaded first.
	rank := func(id int64) int64 {
		if id > sub.UserID {
			return id - sub.UserID
		}
		return id + (1 << 40)
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].load != cands[j].load {
			return cands[i].load < cands[j].load
		}
		return rank(cands[i].id) < rank(cands[j].id)
	})
	for _, c := range cands {
		if len(chosen) >= PeersPerSubmission {
			break
		}
		if !has(c.id) {
			chosen = append(chosen, c.id)
		}
	}
	at := now()
	for i, id := range chosen {
		// A microsecond apart, so that "Peer 1" and "Peer 2" keep their order.
		if _, err := tx.ExecContext(ctx, "INSERT INTO peer_assignments (submission_id, reviewer_id, assigned_at) VALUES (?, ?, ?)",
			sub.ID, id, at.Add(time.Duration(i)*time.Microsecond)); err != nil {
			return nil, fmt.Errorf("assign peer: %w", err)
		}
	}
	return chosen, nil
}

// peersOf lists a submission's peer reviewers in the order they were
// assigned ("Peer 1" first).
func peersOf(ctx context.Context, q db.Queryer, submissionID int64) ([]PeerAssignment, error) {
	rows, err := q.QueryContext(ctx, `SELECT submission_id, reviewer_id, assigned_at, done_at FROM peer_assignments
		WHERE submission_id = ? ORDER BY assigned_at, reviewer_id`, submissionID)
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	defer rows.Close()
	out := []PeerAssignment{}
	for rows.Next() {
		var pa PeerAssignment
		if err := rows.Scan(&pa.SubmissionID, &pa.ReviewerID, &pa.AssignedAt, &pa.DoneAt); err != nil {
			return nil, err
		}
		out = append(out, pa)
	}
	return out, rows.Err()
}

// isPeerOf reports whether userID was assigned to review a submission.
func isPeerOf(ctx context.Context, q db.Queryer, submissionID, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM peer_assignments WHERE submission_id = ? AND reviewer_id = ?", submissionID, userID).Scan(&n)
	return n > 0, err
}

// PeerTask is a submission a participant was asked to review.
type PeerTask struct {
	SubmissionID    int64           `json:"submission_id"`
	CohortID        int64           `json:"cohort_id"`
	CohortName      string          `json:"cohort_name"`
	AssignmentTitle string          `json:"assignment_title"`
	Revision        int             `json:"revision"`
	State           SubmissionState `json:"state"`
	AssignedAt      time.Time       `json:"assigned_at"`
	DoneAt          *time.Time      `json:"done_at,omitempty"`
}

// listPeerTasks returns the reviews asked of a participant in orgID's
// cohorts where they still take part, open ones first.
func listPeerTasks(ctx context.Context, q db.Queryer, orgID, userID int64) ([]PeerTask, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.cohort_id, h.name, a.title, s.revision, s.state, pa.assigned_at, pa.done_at
		FROM peer_assignments pa JOIN submissions s ON s.id = pa.submission_id JOIN cohorts h ON h.id = s.cohort_id
		JOIN courses c ON c.id = h.course_id JOIN assignments a ON a.id = s.assignment_id
		JOIN cohort_members m ON m.cohort_id = s.cohort_id AND m.user_id = pa.reviewer_id AND m.role = ?
		WHERE pa.reviewer_id = ? AND c.org_id = ?
		ORDER BY CASE WHEN pa.done_at IS NULL AND s.state = ? THEN 0 ELSE 1 END, pa.assigned_at`, RoleParticipant, userID, orgID, StateSubmitted)
	if err != nil {
		return nil, fmt.Errorf("list peer tasks: %w", err)
	}
	defer rows.Close()
	out := []PeerTask{}
	for rows.Next() {
		var t PeerTask
		if err := rows.Scan(&t.SubmissionID, &t.CohortID, &t.CohortName, &t.AssignmentTitle, &t.Revision, &t.State, &t.AssignedAt, &t.DoneAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
