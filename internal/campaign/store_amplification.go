package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// insertAmplification stores a pending request unless the mission already
// has one for the item; created says which.
func insertAmplification(ctx context.Context, q db.Queryer, itemID, fromOrg, toOrg int64, note string, by int64) (id int64, created bool, err error) {
	err = q.QueryRowContext(ctx, `INSERT INTO amplification_requests (item_id, from_org_id, to_org_id, state, note, requested_by, created_at)
		VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (item_id, to_org_id) DO NOTHING RETURNING id`,
		itemID, fromOrg, toOrg, note, nullID(by), now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = q.QueryRowContext(ctx, "SELECT id FROM amplification_requests WHERE item_id = ? AND to_org_id = ?", itemID, toOrg).Scan(&id)
		return id, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert amplification request: %w", err)
	}
	return id, true, nil
}

// answerAmplification moves a pending request to its answer; ok is false
// when it was no longer pending (another editor answered first).
func answerAmplification(ctx context.Context, q db.Queryer, id int64, to AmpState, note string, variantID, by int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE amplification_requests SET state = ?, response_note = ?, variant_id = ?, responded_by = ?, responded_at = ?
		WHERE id = ? AND state = 'pending'`, to, note, nullID(variantID), nullID(by), now(), id)
	if err != nil {
		return false, fmt.Errorf("answer amplification request: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const ampColumns = `r.id, r.item_id, i.campaign_id, r.from_org_id, r.to_org_id, o.name, o.slug, r.state, r.note, r.response_note,
	COALESCE(r.variant_id, 0), COALESCE(v.state, ''), COALESCE(r.requested_by, 0), r.created_at, r.responded_at, i.title, i.master_text, c.title`

const ampFrom = ` FROM amplification_requests r JOIN items i ON i.id = r.item_id JOIN campaigns c ON c.id = i.campaign_id
	JOIN orgs o ON o.id = r.to_org_id LEFT JOIN variants v ON v.id = r.variant_id`

func scanAmplification(row interface{ Scan(...any) error }) (Amplification, error) {
	var r Amplification
	err := row.Scan(&r.ID, &r.ItemID, &r.CampaignID, &r.FromOrgID, &r.ToOrgID, &r.ToOrgName, &r.ToOrgSlug, &r.State, &r.Note, &r.ResponseNote,
		&r.VariantID, &r.VariantState, &r.RequestedBy, &r.CreatedAt, &r.RespondedAt, &r.ItemTitle, &r.ItemText, &r.CampaignTitle)
	if errors.Is(err, sql.ErrNoRows) {
		return r, db.ErrNotFound
	}
	if r.RespondedAt != nil {
		t := r.RespondedAt.UTC()
		r.RespondedAt = &t
	}
	return r, err
}

func getAmplification(ctx context.Context, q db.Queryer, id int64) (Amplification, error) {
	return scanAmplification(q.QueryRowContext(ctx, "SELECT "+ampColumns+ampFrom+" WHERE r.id = ?", id))
}

// listAmplifications returns requests matching where, pending first, then
// newest first.
func listAmplifications(ctx context.Context, q db.Queryer, where string, args ...any) ([]Amplification, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+ampColumns+ampFrom+" WHERE "+where+
		" ORDER BY CASE r.state WHEN 'pending' THEN 0 ELSE 1 END, r.id DESC LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("list amplification requests: %w", err)
	}
	defer rows.Close()
	out := []Amplification{}
	for rows.Next() {
		r, err := scanAmplification(rows)
		if err != nil {
			return nil, fmt.Errorf("list amplification requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// listMissions returns the missions of a ministry by name.
func listMissions(ctx context.Context, q db.Queryer, ministryID int64) ([]org.Org, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, slug, name FROM orgs WHERE parent_id = ? AND kind = 'mission' ORDER BY name, id", ministryID)
	if err != nil {
		return nil, fmt.Errorf("list missions: %w", err)
	}
	defer rows.Close()
	out := []org.Org{}
	for rows.Next() {
		o := org.Org{Kind: org.Mission, ParentID: ministryID}
		if err := rows.Scan(&o.ID, &o.Slug, &o.Name); err != nil {
			return nil, fmt.Errorf("list missions: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
