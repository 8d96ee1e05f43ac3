package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
)

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

const campaignColumns = `c.id, c.org_id, c.title, c.brief, c.status, c.period_start, c.period_end, c.tags,
	c.utm_source, c.utm_medium, c.utm_campaign, COALESCE(c.created_by, 0), c.created_at, c.updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var tags string
	err := row.Scan(&c.ID, &c.OrgID, &c.Title, &c.Brief, &c.Status, &c.Period.Start, &c.Period.End, &tags,
		&c.UTMSource, &c.UTMMedium, &c.UTMCampaign, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, db.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	if json.Unmarshal([]byte(tags), &c.Tags) != nil || c.Tags == nil {
		c.Tags = []string{}
	}
	return c, nil
}

// insertCampaign stores a validated campaign.
func insertCampaign(ctx context.Context, q db.Queryer, c *Campaign) error {
	c.CreatedAt, c.UpdatedAt = now(), now()
	tags, _ := json.Marshal(c.Tags)
	var by any
	if c.CreatedBy != 0 {
		by = c.CreatedBy
	}
	err := q.QueryRowContext(ctx, `INSERT INTO campaigns (org_id, title, brief, status, period_start, period_end, tags, utm_source, utm_medium, utm_campaign, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.OrgID, c.Title, c.Brief, c.Status, c.Period.Start, c.Period.End, string(tags), c.UTMSource, c.UTMMedium, c.UTMCampaign, by, c.CreatedAt, c.UpdatedAt).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert campaign: %w", err)
	}
	return nil
}

func updateCampaign(ctx context.Context, q db.Queryer, c *Campaign) error {
	c.UpdatedAt = now()
	tags, _ := json.Marshal(c.Tags)
	_, err := q.ExecContext(ctx, `UPDATE campaigns SET title = ?, brief = ?, status = ?, period_start = ?, period_end = ?, tags = ?,
		utm_source = ?, utm_medium = ?, utm_campaign = ?, updated_at = ? WHERE id = ?`,
		c.Title, c.Brief, c.Status, c.Period.Start, c.Period.End, string(tags), c.UTMSource, c.UTMMedium, c.UTMCampaign, c.UpdatedAt, c.ID)
	if err != nil {
		return fmt.Errorf("update campaign: %w", err)
	}
	return nil
}

// getCampaign loads a campaign and its partner organisations. Access is
// checked by the caller.
func getCampaign(ctx context.Context, q db.Queryer, id int64) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, "SELECT "+campaignColumns+" FROM campaigns c WHERE c.id = ?", id))
	if err != nil {
		if !errors.Is(err, db.ErrNotFound) {
			err = fmt.Errorf("get campaign: %w", err)
		}
		return c, err
	}
	c.Partners, err = listPartners(ctx, q, id)
	return c, err
}

// Filter narrows a campaign list.
type Filter struct {
	Status Status
	Tag    string
	Query  string // words in the title
}

// listCampaigns returns the campaigns an organisation owns or is a partner
// of, newest period first.
func listCampaigns(ctx context.Context, q db.Queryer, orgID int64, f Filter) ([]Campaign, error) {
	query := "SELECT " + campaignColumns + ` FROM campaigns c
		WHERE (c.org_id = ? OR c.id IN (SELECT campaign_id FROM campaign_partners WHERE org_id = ?))`
	args := []any{orgID, orgID}
	if f.Status != "" {
		query += " AND c.status = ?"
		args = append(args, f.Status)
	}
	query += " ORDER BY c.period_start DESC, c.id DESC LIMIT 500"
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		// Filtered here, not in SQL: SQLite's LOWER folds ASCII only, and
		// titles are Cyrillic and Georgian too.
		if f.Tag != "" && !hasTag(c.Tags, f.Tag) || f.Query != "" && !strings.Contains(lower(c.Title), lower(f.Query)) {
			continue
		}
		c.Partners = []int64{}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, fillPartners(ctx, q, orgID, out)
}

// fillPartners sets the partners of listed campaigns in one query (a list
// shows the same partner_org_ids as a single campaign does).
func fillPartners(ctx context.Context, q db.Queryer, orgID int64, cs []Campaign) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64]int, len(cs))
	for i, c := range cs {
		byID[c.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT p.campaign_id, p.org_id FROM campaign_partners p JOIN campaigns c ON c.id = p.campaign_id
		WHERE (c.org_id = ? OR c.id IN (SELECT campaign_id FROM campaign_partners WHERE org_id = ?)) ORDER BY p.campaign_id, p.org_id`, orgID, orgID)
	if err != nil {
		return fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, oid int64
		if err := rows.Scan(&cid, &oid); err != nil {
			return err
		}
		if i, ok := byID[cid]; ok {
			cs[i].Partners = append(cs[i].Partners, oid)
		}
	}
	return rows.Err()
}

func hasTag(tags []string, t string) bool {
	for _, x := range tags {
		if lower(x) == lower(t) {
			return true
		}
	}
	return false
}

func listPartners(ctx context.Context, q db.Queryer, campaignID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT org_id FROM campaign_partners WHERE campaign_id = ? ORDER BY org_id", campaignID)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func addPartner(ctx context.Context, q db.Queryer, campaignID, orgID, by int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO campaign_partners (campaign_id, org_id, invited_by, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (campaign_id, org_id) DO NOTHING`, campaignID, orgID, by, now())
	return err
}

func removePartner(ctx context.Context, q db.Queryer, campaignID, orgID int64) (bool, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM campaign_partners WHERE campaign_id = ? AND org_id = ?", campaignID, orgID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
