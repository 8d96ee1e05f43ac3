package campaign

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// Policy is an organisation's approval rule: how many distinct approvers
// and which roles may approve.
type Policy struct {
	Steps int          `json:"steps"`
	Roles []authz.Role `json:"roles"`
}

// DefaultPolicy is one approval by a reviewer or an admin.
var DefaultPolicy = Policy{Steps: 1, Roles: []authz.Role{authz.Reviewer, authz.Admin}}

// Validate checks a policy.
func (p *Policy) Validate() error {
	if p.Steps < 1 || p.Steps > 5 {
		return &FieldError{Field: "steps", Reason: "must be between 1 and 5"}
	}
	if len(p.Roles) == 0 {
		return &FieldError{Field: "roles", Reason: "name at least one role that approves"}
	}
	for i, r := range p.Roles {
		if !authz.ValidRole(string(r)) {
			return &FieldError{Field: fmt.Sprintf("roles/%d", i), Reason: "is not a role"}
		}
	}
	return nil
}

// Allows reports whether role may approve under p.
func (p Policy) Allows(role authz.Role) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// GetPolicy returns an organisation's policy, or the default.
func GetPolicy(ctx context.Context, q db.Queryer, orgID int64) (Policy, error) {
	rows, err := q.QueryContext(ctx, "SELECT steps, roles FROM approval_policies WHERE org_id = ?", orgID)
	if err != nil {
		return DefaultPolicy, fmt.Errorf("get approval policy: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return DefaultPolicy, rows.Err()
	}
	var p Policy
	var roles string
	if err := rows.Scan(&p.Steps, &roles); err != nil {
		return DefaultPolicy, err
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			p.Roles = append(p.Roles, authz.Role(r))
		}
	}
	return p, nil
}

func savePolicy(ctx context.Context, q db.Queryer, orgID int64, p Policy) error {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO approval_policies (org_id, steps, roles) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET steps = excluded.steps, roles = excluded.roles`, orgID, p.Steps, strings.Join(roles, ","))
	return err
}

// Decision is one approver's answer on one version.
type Decision struct {
	UserID    int64     `json:"user_id"`
	UserName  string    `json:"user_name"`
	Version   int       `json:"version"`
	Decision  string    `json:"decision"` // approve or request_changes
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func insertDecision(ctx context.Context, q db.Queryer, variantID int64, version int, userID int64, decision, comment string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO approvals (variant_id, version, user_id, decision, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		variantID, version, userID, decision, comment, now())
	if db.IsUniqueViolation(err) {
		return ErrAlreadyDecided
	}
	return err
}

func countApprovals(ctx context.Context, q db.Queryer, variantID int64, version int) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM approvals WHERE variant_id = ? AND version = ? AND decision = 'approve'", variantID, version).Scan(&n)
	return n, err
}

func listDecisions(ctx context.Context, q db.Queryer, variantID int64) ([]Decision, error) {
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(a.user_id, 0), COALESCE(u.name, ''), a.version, a.decision, a.comment, a.created_at
		FROM approvals a LEFT JOIN users u ON u.id = a.user_id WHERE a.variant_id = ? ORDER BY a.id`, variantID)
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", err)
	}
	defer rows.Close()
	out := []Decision{}
	for rows.Next() {
		var d Decision
		if err := rows.Scan(&d.UserID, &d.UserName, &d.Version, &d.Decision, &d.Comment, &d.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
