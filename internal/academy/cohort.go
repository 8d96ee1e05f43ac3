package academy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// CohortRole is a person's role in one cohort.
type CohortRole string

const (
	RoleParticipant CohortRole = "participant"
	RoleTrainer     CohortRole = "trainer"
)

// ValidCohortRole reports whether r names a cohort role.
func ValidCohortRole(r string) bool { return r == string(RoleParticipant) || r == string(RoleTrainer) }

// OrgRole is the role in the programme organisation that reaching the
// academy needs for someone enrolled with this cohort role.
func (r CohortRole) OrgRole() authz.Role {
	if r == RoleTrainer {
		return authz.Trainer
	}
	return authz.Participant
}

// Cohort is one run of a course, with dates, trainers and participants.
type Cohort struct {
	ID        int64     `json:"id"`
	CourseID  int64     `json:"course_id"`
	Name      string    `json:"name"`
	StartsOn  string    `json:"starts_on"` // YYYY-MM-DD
	EndsOn    string    `json:"ends_on"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by,omitempty"`
	// From the course, for display and access checks.
	OrgID       int64  `json:"org_id"`
	CourseSlug  string `json:"course_slug"`
	CourseTitle string `json:"course_title"`
}

// Validate checks a cohort's name and dates.
func (c *Cohort) Validate() error {
	var err error
	if c.Name, err = cleanText("name", c.Name, 200, true); err != nil {
		return err
	}
	start, err := parseDate("starts_on", c.StartsOn)
	if err != nil {
		return err
	}
	end, err := parseDate("ends_on", c.EndsOn)
	if err != nil {
		return err
	}
	if end.Before(start) {
		return &FieldError{Field: "ends_on", Reason: "must not be before the start date"}
	}
	return nil
}

func parseDate(field, s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return t, &FieldError{Field: field, Reason: "must be a date like 2026-03-02"}
	}
	return t, nil
}

// Member is a person in a cohort. OrgID is a participant's ministry.
type Member struct {
	CohortID int64      `json:"cohort_id"`
	UserID   int64      `json:"user_id"`
	Role     CohortRole `json:"role"`
	OrgID    int64      `json:"org_id,omitempty"`
	JoinedAt time.Time  `json:"joined_at"`
	Name     string     `json:"name"`
	Email    string     `json:"email,omitempty"` // only for trainers and organisers
	OrgName  string     `json:"org_name,omitempty"`
	OrgSlug  string     `json:"org_slug,omitempty"`
}

// Invite is an enrolment waiting for its person to accept the invitation
// to the programme organisation.
type Invite struct {
	CohortID  int64      `json:"cohort_id"`
	Email     string     `json:"email"`
	Role      CohortRole `json:"role"`
	OrgID     int64      `json:"org_id,omitempty"`
	InvitedAt time.Time  `json:"invited_at"`
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

const cohortColumns = `h.id, h.course_id, h.name, h.starts_on, h.ends_on, h.created_at, COALESCE(h.created_by, 0),
	c.org_id, c.slug, c.title`

const cohortFrom = " FROM cohorts h JOIN courses c ON c.id = h.course_id"

func scanCohort(row interface{ Scan(...any) error }) (Cohort, error) {
	var h Cohort
	err := row.Scan(&h.ID, &h.CourseID, &h.Name, &h.StartsOn, &h.EndsOn, &h.CreatedAt, &h.CreatedBy, &h.OrgID, &h.CourseSlug, &h.CourseTitle)
	if isNoRows(err) {
		return h, db.ErrNotFound
	}
	return h, err
}

func insertCohort(ctx context.Context, q db.Queryer, h *Cohort) error {
	h.CreatedAt = now()
	err := q.QueryRowContext(ctx, `INSERT INTO cohorts (course_id, name, starts_on, ends_on, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, h.CourseID, h.Name, h.StartsOn, h.EndsOn, h.CreatedAt, nullID(h.CreatedBy)).Scan(&h.ID)
	if err != nil {
		return fmt.Errorf("insert cohort: %w", err)
	}
	return nil
}

func updateCohort(ctx context.Context, q db.Queryer, h *Cohort) error {
	_, err := q.ExecContext(ctx, "UPDATE cohorts SET name = ?, starts_on = ?, ends_on = ? WHERE id = ?", h.Name, h.StartsOn, h.EndsOn, h.ID)
	if err != nil {
		return fmt.Errorf("update cohort: %w", err)
	}
	return nil
}

// GetCohort returns a cohort with its course's organisation.
func GetCohort(ctx context.Context, q db.Queryer, id int64) (Cohort, error) {
	return scanCohort(q.QueryRowContext(ctx, "SELECT "+cohortColumns+cohortFrom+" WHERE h.id = ?", id))
}

func listCohorts(ctx context.Context, q db.Queryer, where string, args ...any) ([]Cohort, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+cohortColumns+cohortFrom+" WHERE "+where+" ORDER BY h.starts_on DESC, h.id DESC LIMIT 500", args...)
	if err != nil {
		return nil, fmt.Errorf("list cohorts: %w", err)
	}
	defer rows.Close()
	out := []Cohort{}
	for rows.Next() {
		h, err := scanCohort(rows)
		if err != nil {
			return nil, fmt.Errorf("list cohorts: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ListCohortsOfOrg returns every cohort of an organisation's courses.
func ListCohortsOfOrg(ctx context.Context, q db.Queryer, orgID int64) ([]Cohort, error) {
	return listCohorts(ctx, q, "c.org_id = ?", orgID)
}

// MyCohort is a cohort seen by one of its members.
type MyCohort struct {
	Cohort
	Role CohortRole `json:"role"`
}

// ListCohortsOfUser returns the cohorts of an organisation's courses that
// a user belongs to, with their role.
func ListCohortsOfUser(ctx context.Context, q db.Queryer, orgID, userID int64) ([]MyCohort, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+cohortColumns+", m.role"+cohortFrom+
		" JOIN cohort_members m ON m.cohort_id = h.id WHERE c.org_id = ? AND m.user_id = ? ORDER BY h.starts_on DESC, h.id DESC", orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("list my cohorts: %w", err)
	}
	defer rows.Close()
	out := []MyCohort{}
	for rows.Next() {
		var m MyCohort
		h := &m.Cohort
		if err := rows.Scan(&h.ID, &h.CourseID, &h.Name, &h.StartsOn, &h.EndsOn, &h.CreatedAt, &h.CreatedBy, &h.OrgID, &h.CourseSlug, &h.CourseTitle, &m.Role); err != nil {
			return nil, fmt.Errorf("list my cohorts: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddCohortMember adds a person to a cohort, or changes their role and
// ministry when they are in it already.
func AddCohortMember(ctx context.Context, q db.Queryer, m *Member) error {
	if !ValidCohortRole(string(m.Role)) {
		return &FieldError{Field: "role", Reason: "must be participant or trainer"}
	}
	m.JoinedAt = now()
	_, err := q.ExecContext(ctx, `INSERT INTO cohort_members (cohort_id, user_id, role, org_id, joined_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (cohort_id, user_id) DO UPDATE SET role = excluded.role, org_id = excluded.org_id`,
		m.CohortID, m.UserID, m.Role, nullID(m.OrgID), m.JoinedAt)
	if err != nil {
		return fmt.Errorf("add cohort member: %w", err)
	}
	return nil
}

// RemoveCohortMember takes a person out of a cohort; it reports whether
// they were in it. Their work stays (it is keyed by cohort and user).
func RemoveCohortMember(ctx context.Context, q db.Queryer, cohortID, userID int64) (bool, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM cohort_members WHERE cohort_id = ? AND user_id = ?", cohortID, userID)
	if err != nil {
		return false, fmt.Errorf("remove cohort member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// CohortMemberRole returns a user's role in a cohort, or db.ErrNotFound.
func CohortMemberRole(ctx context.Context, q db.Queryer, cohortID, userID int64) (CohortRole, error) {
	var r CohortRole
	err := q.QueryRowContext(ctx, "SELECT role FROM cohort_members WHERE cohort_id = ? AND user_id = ?", cohortID, userID).Scan(&r)
	if isNoRows(err) {
		return r, db.ErrNotFound
	}
	return r, err
}

// ListCohortMembers returns a cohort's members, trainers first, by name,
// with their ministry.
func ListCohortMembers(ctx context.Context, q db.Queryer, cohortID int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.cohort_id, m.user_id, m.role, COALESCE(m.org_id, 0), m.joined_at, u.name, u.email,
		COALESCE(o.name, ''), COALESCE(o.slug, '')
		FROM cohort_members m JOIN users u ON u.id = m.user_id LEFT JOIN orgs o ON o.id = m.org_id
		WHERE m.cohort_id = ? ORDER BY CASE m.role WHEN 'trainer' THEN 0 ELSE 1 END, u.name, u.id`, cohortID)
	if err != nil {
		return nil, fmt.Errorf("list cohort members: %w", err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.CohortID, &m.UserID, &m.Role, &m.OrgID, &m.JoinedAt, &m.Name, &m.Email, &m.OrgName, &m.OrgSlug); err != nil {
			return nil, fmt.Errorf("list cohort members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// saveInvite records an enrolment by email that waits for an account.
func saveInvite(ctx context.Context, q db.Queryer, inv *Invite, by int64) error {
	inv.InvitedAt = now()
	_, err := q.ExecContext(ctx, `INSERT INTO cohort_invites (cohort_id, email, role, org_id, invited_at, invited_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (cohort_id, email) DO UPDATE SET role = excluded.role, org_id = excluded.org_id, invited_at = excluded.invited_at`,
		inv.CohortID, inv.Email, inv.Role, nullID(inv.OrgID), inv.InvitedAt, nullID(by))
	if err != nil {
		return fmt.Errorf("save cohort invite: %w", err)
	}
	return nil
}

// ListInvites returns a cohort's enrolments still waiting for an account.
func ListInvites(ctx context.Context, q db.Queryer, cohortID int64) ([]Invite, error) {
	rows, err := q.QueryContext(ctx, "SELECT cohort_id, email, role, COALESCE(org_id, 0), invited_at FROM cohort_invites WHERE cohort_id = ? ORDER BY email", cohortID)
	if err != nil {
		return nil, fmt.Errorf("list cohort invites: %w", err)
	}
	defer rows.Close()
	out := []Invite{}
	for rows.Next() {
		var i Invite
		if err := rows.Scan(&i.CohortID, &i.Email, &i.Role, &i.OrgID, &i.InvitedAt); err != nil {
			return nil, fmt.Errorf("list cohort invites: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// claimInvites turns a user's waiting enrolments into cohort memberships
// for the cohorts of courses of orgID, once the user is a member of orgID
// (they accepted the invitation). It reports how many it claimed.
func claimInvites(ctx context.Context, q db.Queryer, orgID, userID int64, email string) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.cohort_id, i.role, COALESCE(i.org_id, 0) FROM cohort_invites i
		JOIN cohorts h ON h.id = i.cohort_id JOIN courses c ON c.id = h.course_id
		WHERE i.email = ? AND c.org_id = ?`, strings.ToLower(email), orgID)
	if err != nil {
		return 0, fmt.Errorf("claim cohort invites: %w", err)
	}
	var found []Member
	for rows.Next() {
		m := Member{UserID: userID}
		if err := rows.Scan(&m.CohortID, &m.Role, &m.OrgID); err != nil {
			rows.Close()
			return 0, fmt.Errorf("claim cohort invites: %w", err)
		}
		found = append(found, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i := range found {
		if _, err := CohortMemberRole(ctx, q, found[i].CohortID, userID); err == nil {
			// Already enrolled (perhaps directly): keep that.
		} else if err := AddCohortMember(ctx, q, &found[i]); err != nil {
			return 0, err
		}
		if _, err := q.ExecContext(ctx, "DELETE FROM cohort_invites WHERE cohort_id = ? AND email = ?", found[i].CohortID, strings.ToLower(email)); err != nil {
			return 0, fmt.Errorf("claim cohort invites: %w", err)
		}
	}
	return len(found), nil
}

// hasInvites reports whether a user has waiting enrolments in orgID's
// cohorts (cheap check on the read pool before a write transaction).
func hasInvites(ctx context.Context, q db.Queryer, orgID int64, email string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cohort_invites i JOIN cohorts h ON h.id = i.cohort_id
		JOIN courses c ON c.id = h.course_id WHERE i.email = ? AND c.org_id = ?`, strings.ToLower(email), orgID).Scan(&n)
	return n > 0, err
}
