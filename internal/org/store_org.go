package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/db"
)

const orgColumns = `o.id, o.slug, o.name, o.kind, COALESCE(o.parent_id, 0), o.country, o.time_zone, o.require_2fa, o.created_at, o.sandbox`

func scanOrg(row interface{ Scan(...any) error }, o *Org) error {
	return row.Scan(&o.ID, &o.Slug, &o.Name, &o.Kind, &o.ParentID, &o.Country, &o.TimeZone, &o.Require2FA, &o.CreatedAt, &o.Sandbox)
}

// InsertOrg stores a new organisation and sets its ID.
func InsertOrg(ctx context.Context, q db.Queryer, o *Org) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	var parent any
	if o.ParentID != 0 {
		parent = o.ParentID
	}
	err := q.QueryRowContext(ctx, `INSERT INTO orgs (slug, name, kind, parent_id, country, time_zone, require_2fa, created_at, sandbox)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		o.Slug, o.Name, o.Kind, parent, o.Country, o.TimeZone, o.Require2FA, o.CreatedAt, o.Sandbox).Scan(&o.ID)
	if db.IsUniqueViolation(err) {
		return &FieldError{Field: "slug", Reason: "is already taken by another organisation"}
	}
	if err != nil {
		return fmt.Errorf("insert org: %w", err)
	}
	return nil
}

// GetOrg loads an organisation by id. Callers must have checked access.
func GetOrg(ctx context.Context, q db.Queryer, id int64) (Org, error) {
	var o Org
	err := scanOrg(q.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.id = ?", id), &o)
	if errors.Is(err, sql.ErrNoRows) {
		return o, db.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("get org: %w", err)
	}
	return o, nil
}

// GetOrgBySlug loads an organisation by slug. Callers must check access.
func GetOrgBySlug(ctx context.Context, q db.Queryer, slug string) (Org, error) {
	var o Org
	err := scanOrg(q.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.slug = ?", slug), &o)
	if errors.Is(err, sql.ErrNoRows) {
		return o, db.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("get org by slug: %w", err)
	}
	return o, nil
}

// UpdateOrg saves name, country, time zone and 2FA policy.
func UpdateOrg(ctx context.Context, q db.Queryer, o *Org) error {
	if err := o.Validate(); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE orgs SET name = ?, country = ?, time_zone = ?, require_2fa = ? WHERE id = ?`,
		o.Name, o.Country, o.TimeZone, o.Require2FA, o.ID)
	if err != nil {
		return fmt.Errorf("update org: %w", err)
	}
	return nil
}

// CountOrgs returns how many organisations exist (an empty database has 0).
func CountOrgs(ctx context.Context, q db.Queryer) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM orgs").Scan(&n)
	return n, err
}

// ListMemberships returns a user's organisations and roles, by name.
func ListMemberships(ctx context.Context, q db.Queryer, userID int64) ([]Membership, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+orgColumns+`, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = ? ORDER BY CASE o.kind WHEN 'programme' THEN 0 WHEN 'ministry' THEN 1 WHEN 'mission' THEN 2 ELSE 3 END, o.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		o := &m.Org
		if err := rows.Scan(&o.ID, &o.Slug, &o.Name, &o.Kind, &o.ParentID, &o.Country, &o.TimeZone, &o.Require2FA, &o.CreatedAt, &o.Sandbox, &m.Role); err != nil {
			return nil, fmt.Errorf("list memberships: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
