package academy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
)

// SubmissionState is where a piece of work stands.
type SubmissionState string

const (
	StateSubmitted SubmissionState = "submitted" // waiting for the trainer's decision
	StateReturned  SubmissionState = "returned"  // returned for revision: a new revision may follow
	StateAccepted  SubmissionState = "accepted"  // accepted: the module's assignment is done
)

// Notification kinds of course work (messages "notify.kind.<kind>").
const (
	NotifySubmitted  = "academy_submitted"   // to the cohort's trainers
	NotifyAccepted   = "academy_accepted"    // to the participant
	NotifyReturned   = "academy_returned"    // to the participant
	NotifyPeerReview = "academy_peer_review" // to an assigned peer reviewer
)

// Errors of submissions.
var (
	ErrAwaitingDecision = errors.New("your work is waiting for the trainer's decision; you can hand in a revision if it is returned")
	ErrAlreadyAccepted  = errors.New("this assignment has been accepted")
)

// Submission is one revision of a participant's work on an assignment.
type Submission struct {
	ID           int64           `json:"id"`
	CohortID     int64           `json:"cohort_id"`
	UserID       int64           `json:"user_id"`
	AssignmentID int64           `json:"assignment_id"`
	Revision     int             `json:"revision"`
	State        SubmissionState `json:"state"`
	Body         string          `json:"body"`
	FileSHA      string          `json:"-"`
	FileName     string          `json:"file_name,omitempty"`
	FileType     string          `json:"file_type,omitempty"`
	FileSize     int64           `json:"file_size,omitempty"`
	SandboxOrgID int64           `json:"sandbox_org_id,omitempty"`
	SnapshotJSON string          `json:"-"`
	SubmittedAt  time.Time       `json:"submitted_at"`
	DecidedAt    *time.Time      `json:"decided_at,omitempty"`
}

// HasFile reports whether the submission carries a file.
func (sub Submission) HasFile() bool { return sub.FileSHA != "" }

// Decided reports whether the trainer has decided on it.
func (sub Submission) Decided() bool { return sub.State != StateSubmitted }

const submissionColumns = `s.id, s.cohort_id, s.user_id, s.assignment_id, s.revision, s.state, s.body, s.file_sha, s.file_name,
	s.file_type, s.file_size, COALESCE(s.sandbox_org_id, 0), s.snapshot, s.submitted_at, s.decided_at`

func scanSubmission(row interface{ Scan(...any) error }) (Submission, error) {
	var s Submission
	err := row.Scan(&s.ID, &s.CohortID, &s.UserID, &s.AssignmentID, &s.Revision, &s.State, &s.Body, &s.FileSHA, &s.FileName,
		&s.FileType, &s.FileSize, &s.SandboxOrgID, &s.SnapshotJSON, &s.SubmittedAt, &s.DecidedAt)
	if isNoRows(err) {
		return s, db.ErrNotFound
	}
	return s, err
}

// GetSubmission loads a submission. Callers check access.
func GetSubmission(ctx context.Context, q db.Queryer, id int64) (Submission, error) {
	return scanSubmission(q.QueryRowContext(ctx, "SELECT "+submissionColumns+" FROM submissions s WHERE s.id = ?", id))
}

// listRevisions returns a participant's revisions of an assignment in a
// cohort, the latest first.
func listRevisions(ctx context.Context, q db.Queryer, cohortID, userID, assignmentID int64) ([]Submission, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+submissionColumns+` FROM submissions s
		WHERE s.cohort_id = ? AND s.user_id = ? AND s.assignment_id = ? ORDER BY s.revision DESC`, cohortID, userID, assignmentID)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	defer rows.Close()
	out := []Submission{}
	for rows.Next() {
		s, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("list revisions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func insertSubmission(ctx context.Context, q db.Queryer, s *Submission) error {
	s.SubmittedAt = now()
	err := q.QueryRowContext(ctx, `INSERT INTO submissions (cohort_id, user_id, assignment_id, revision, state, body, file_sha, file_name,
		file_type, file_size, sandbox_org_id, snapshot, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.CohortID, s.UserID, s.AssignmentID, s.Revision, s.State, s.Body, s.FileSHA, s.FileName, s.FileType, s.FileSize,
		nullID(s.SandboxOrgID), s.SnapshotJSON, s.SubmittedAt).Scan(&s.ID)
	if db.IsUniqueViolation(err) {
		return ErrAwaitingDecision // another tab handed in the same revision a moment ago
	}
	if err != nil {
		return fmt.Errorf("insert submission: %w", err)
	}
	return nil
}

// decideSubmission moves a submitted revision to accepted or returned; it
// reports false when it was decided already.
func decideSubmission(ctx context.Context, q db.Queryer, id int64, to SubmissionState, at time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, "UPDATE submissions SET state = ?, decided_at = ? WHERE id = ? AND state = ?", to, at, id, StateSubmitted)
	if err != nil {
		return false, fmt.Errorf("decide submission: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SubmitInput is what a participant hands in: text (the work itself for a
// text assignment, a note otherwise), a file, or a campaign of their
// sandbox.
type SubmitInput struct {
	Body       string
	File       io.Reader // file assignments
	FileName   string
	CampaignID int64 // campaign-plan assignments
}

// assignmentOf finds an assignment of the course and its module.
func assignmentOf(c *Course, assignmentID int64) (Module, Assignment, bool) {
	for _, m := range c.Modules {
		if m.Assignment != nil && m.Assignment.ID == assignmentID {
			mm := m
			mm.Lessons = nil
			return mm, *m.Assignment, true
		}
	}
	return Module{}, Assignment{}, false
}

// canHandIn applies the revision rule to a participant's revisions (the
// latest first): the next revision number, or why none may follow.
func canHandIn(revs []Submission) (int, error) {
	if len(revs) == 0 {
		return 1, nil
	}
	switch revs[0].State {
	case StateSubmitted:
		return 0, ErrAwaitingDecision
	case StateAccepted:
		return 0, ErrAlreadyAccepted
	}
	return revs[0].Revision + 1, nil
}

// cleanFileName keeps the last path element of an uploaded file's name,
// without control characters, at most 200 characters.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	return clipRunes(name, 200)
}

// Submit hands in a new revision of an assignment: the first, or the next
// after the trainer returned the last one. A campaign plan is frozen as a
// snapshot now; a file is checked by its content and stored. With peer
// review, up to two peers of the cohort are assigned; the trainers (and
// the peers) are notified.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID, assignmentID int64, in SubmitInput) (Submission, error) {
	h, c, _, err := s.participantIn(ctx, p, cohortID, 0)
	if err != nil {
		return Submission{}, err
	}
	m, asg, ok := assignmentOf(&c, assignmentID)
	if !ok {
		return Submission{}, db.ErrNotFound
	}
	if _, _, _, err := s.participantIn(ctx, p, cohortID, m.ID); err != nil {
		return Submission{}, err
	}
	revs, err := listRevisions(ctx, s.DB.R(), h.ID, p.UserID, asg.ID)
	if err != nil {
		return Submission{}, err
	}
	if _, err := canHandIn(revs); err != nil {
		return Submission{}, err
	}
	sub := Submission{CohortID: h.ID, UserID: p.UserID, AssignmentID: asg.ID, State: StateSubmitted}
	noteMax, required := 5000, false
	if asg.Kind == AssignText {
		noteMax, required = 50000, true
	}
	if sub.Body, err = cleanText("body", in.Body, noteMax, required); err != nil {
		return sub, err
	}
	var staged *media.Staged
	switch asg.Kind {
	case AssignFile:
		if in.File == nil {
			return sub, &FieldError{Field: "file", Reason: "choose a file to hand in"}
		}
		if s.Files == nil {
			return sub, errors.New("submit: no file store configured")
		}
		staged, err = s.Files.StageDocument(in.File)
		var de *media.DocumentError
		var tl media.DocumentTooLargeError
		if errors.As(err, &de) || errors.As(err, &tl) {
			return sub, &FieldError{Field: "file", Reason: err.Error()}
		}
		if err != nil {
			return sub, err
		}
		defer staged.Discard()
		sub.FileSHA, sub.FileType, sub.FileSize, sub.FileName = staged.SHA256, staged.ContentType, staged.Size, cleanFileName(in.FileName)
	case AssignCampaignPlan:
		if in.CampaignID == 0 {
			return sub, &FieldError{Field: "campaign_id", Reason: "choose the campaign of your sandbox to hand in"}
		}
		sb, err := getSandbox(ctx, s.DB.R(), h.ID, p.UserID)
		if errors.Is(err, db.ErrNotFound) {
			return sub, &FieldError{Field: "campaign_id", Reason: "is not a campaign of your training sandbox"}
		}
		if err != nil {
			return sub, err
		}
		snap, err := s.takeSnapshot(ctx, p, sb.OrgID, in.CampaignID)
		if errors.Is(err, authz.ErrNotMember) || errors.Is(err, authz.ErrForbidden) {
			return sub, &FieldError{Field: "campaign_id", Reason: "is not a campaign of your training sandbox"}
		}
		if err != nil {
			return sub, err
		}
		b, err := json.Marshal(snap)
		if err != nil {
			return sub, err
		}
		sub.SandboxOrgID, sub.SnapshotJSON = sb.OrgID, string(b)
	}
	programme, err := org.GetOrg(ctx, s.DB.R(), h.OrgID)
	if err != nil {
		return sub, err
	}
	record := func() error {
		return s.DB.InTx(ctx, func(tx *db.Tx) error {
			revs, err := listRevisions(ctx, tx, h.ID, p.UserID, asg.ID)
			if err != nil {
				return err
			}
			if sub.Revision, err = canHandIn(revs); err != nil {
				return err
			}
			if err := insertSubmission(ctx, tx, &sub); err != nil {
				return err
			}
			if err := s.RecordSubmitted(ctx, tx, h, p.UserID, asg, sub.SubmittedAt); err != nil {
				return err
			}
			if sub.SandboxOrgID != 0 {
				sbOrg, err := org.GetOrg(ctx, tx, sub.SandboxOrgID)
				if err != nil {
					return err
				}
				if err := syncSandboxTrainers(ctx, tx, a, sbOrg, h.ID); err != nil {
					return err
				}
			}
			link := "/o/" + programme.Slug + "/academy/submissions/" + strconv.FormatInt(sub.ID, 10)
			title := asg.Title + " · " + h.Name
			if asg.PeerReview {
				peers, err := assignPeers(ctx, tx, sub, revs)
				if err != nil {
					return err
				}
				for _, id := range peers {
					if err := notify.Notify(ctx, tx, notify.Notification{UserID: id, OrgID: h.OrgID, Kind: NotifyPeerReview, Title: title, Link: link}); err != nil {
						return err
					}
				}
			}
			trainers, err := cohortTrainers(ctx, tx, h.ID)
			if err != nil {
				return err
			}
			for _, id := range trainers {
				if err := notify.Notify(ctx, tx, notify.Notification{UserID: id, OrgID: h.OrgID, Kind: NotifySubmitted, Title: title, Link: link}); err != nil {
					return err
				}
			}
			return audit.Append(ctx, tx, a.Entry(h.OrgID, "submission.create", "submission:"+strconv.FormatInt(sub.ID, 10),
				map[string]string{"assignment": asg.Slug, "revision": strconv.Itoa(sub.Revision), "kind": string(asg.Kind)}))
		})
	}
	if staged != nil {
		// The file and its row together: a file no row names is removed.
		err = s.Files.Exclusive(func() error {
			if err := s.Files.Commit(staged); err != nil {
				return err
			}
			err := record()
			if err != nil {
				if used, uerr := fileUsed(ctx, s.DB.W(), sub.FileSHA); uerr == nil && !used {
					_ = s.Files.Remove(sub.FileSHA)
				}
			}
			return err
		})
	} else {
		err = record()
	}
	if err != nil {
		return Submission{}, err
	}
	s.wake()
	return sub, nil
}

// fileUsed reports whether any submission names a stored file.
func fileUsed(ctx context.Context, q db.Queryer, sum string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM submissions WHERE file_sha = ?", sum).Scan(&n)
	return n > 0, err
}

// cohortTrainers lists the user ids of a cohort's trainers.
func cohortTrainers(ctx context.Context, q db.Queryer, cohortID int64) ([]int64, error) {
	return userIDs(ctx, q, "SELECT user_id FROM cohort_members WHERE cohort_id = ? AND role = ? ORDER BY user_id", cohortID, RoleTrainer)
}

func userIDs(ctx context.Context, q db.Queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// wake asks the notification loop to email soon.
func (s *Service) wake() {
	if s.Notify != nil {
		s.Notify.Wake()
	}
}
