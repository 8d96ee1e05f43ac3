package org

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// AddMember makes a user a member, or changes the role of an existing one.
func AddMember(ctx context.Context, q db.Queryer, orgID, userID int64, role authz.Role) error {
	if !authz.ValidRole(string(role)) {
		return &FieldError{Field: "role", Reason: "must be one of admin, editor, reviewer, analyst, trainer, participant, alumni"}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role`,
		orgID, userID, role, time.Now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

// RemoveMember ends a membership; it reports whether one existed.
func RemoveMember(ctx context.Context, q db.Queryer, orgID, userID int64) (bool, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM memberships WHERE org_id = ? AND user_id = ?", orgID, userID)
	if err != nil {
		return false, fmt.Errorf("remove member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// MemberRole returns a user's role in an organisation, or db.ErrNotFound.
func MemberRole(ctx context.Context, q db.Queryer, orgID, userID int64) (authz.Role, error) {
	var r authz.Role
	rows, err := q.QueryContext(ctx, "SELECT role FROM memberships WHERE org_id = ? AND user_id = ?", orgID, userID)
	if err != nil {
		return r, fmt.Errorf("member role: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return r, db.ErrNotFound
	}
	return r, rows.Scan(&r)
}

// CountAdmins returns the number of admins of an organisation.
func CountAdmins(ctx context.Context, q db.Queryer, orgID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND role = 'admin'", orgID).Scan(&n)
	return n, err
}

// ListMembers returns the members of an organisation by name.
func ListMembers(ctx context.Context, q db.Queryer, orgID int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email, u.name, m.role, u.totp_enabled, m.created_at
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? ORDER BY u.name, u.email`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Email, &m.Name, &m.Role, &m.TOTPEnabled, &m.Since); err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
