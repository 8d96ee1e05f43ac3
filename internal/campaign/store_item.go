package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
)

func insertItem(ctx context.Context, q db.Queryer, it *Item) error {
	it.CreatedAt, it.UpdatedAt = now(), now()
	err := q.QueryRowContext(ctx, `INSERT INTO items (campaign_id, org_id, title, master_text, link_url, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, it.CampaignID, it.OrgID, it.Title, it.Text, it.LinkURL, it.CreatedBy, it.CreatedAt, it.UpdatedAt).Scan(&it.ID)
	if err != nil {
		return fmt.Errorf("insert item: %w", err)
	}
	return nil
}

func updateItem(ctx context.Context, q db.Queryer, it *Item) error {
	it.UpdatedAt = now()
	_, err := q.ExecContext(ctx, "UPDATE items SET title = ?, master_text = ?, link_url = ?, updated_at = ? WHERE id = ?", it.Title, it.Text, it.LinkURL, it.UpdatedAt, it.ID)
	return err
}

const itemColumns = "id, campaign_id, org_id, title, master_text, link_url, COALESCE(created_by, 0), created_at, updated_at"

func scanItem(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.CampaignID, &it.OrgID, &it.Title, &it.Text, &it.LinkURL, &it.CreatedBy, &it.CreatedAt, &it.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return it, db.ErrNotFound
	}
	return it, err
}

func getItem(ctx context.Context, q db.Queryer, id int64) (Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, "SELECT "+itemColumns+" FROM items WHERE id = ?", id))
	if err != nil {
		return it, err
	}
	it.Variants, err = listVariants(ctx, q, "v.item_id = ?", id)
	return it, err
}

// listItems returns a campaign's items with their variants, by first
// scheduled time.
func listItems(ctx context.Context, q db.Queryer, campaignID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+itemColumns+" FROM items WHERE campaign_id = ? ORDER BY id", campaignID)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	var items []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		it.Variants = []Variant{}
		items = append(items, it)
	}
	rows.Close()
	vs, err := listVariants(ctx, q, "v.campaign_id = ?", campaignID)
	if err != nil {
		return nil, err
	}
	byItem := map[int64]int{}
	for i, it := range items {
		byItem[it.ID] = i
	}
	for _, v := range vs {
		if i, ok := byItem[v.ItemID]; ok {
			items[i].Variants = append(items[i].Variants, v)
		}
	}
	return items, nil
}

const variantColumns = `v.id, v.item_id, v.campaign_id, v.org_id, v.channel_account_id, a.network, a.max_chars, v.language, v.text,
	v.scheduled_at, v.state, v.version, COALESCE(v.author_id, 0), v.created_at, v.updated_at,
	c.utm_source, c.utm_medium, c.utm_campaign, EXISTS (SELECT 1 FROM media m WHERE m.item_id = v.item_id),
	v.external_id, v.url, v.error, v.published_at`

// variantFrom joins what a variant's measure depends on: its account (the
// network and Mastodon limit) and its campaign (UTM parameters).
const variantFrom = ` FROM variants v JOIN channel_accounts a ON a.id = v.channel_account_id JOIN campaigns c ON c.id = v.campaign_id `

// scanVariant reads a variant and measures its text as it will be
// published: links tagged with the campaign's UTM parameters, and as a
// caption when its item has media. Every read gives the same measure that
// saving and submitting check.
func scanVariant(row interface{ Scan(...any) error }) (Variant, error) {
	var v Variant
	var maxChars int
	var hasMedia bool
	c := Campaign{}
	err := row.Scan(&v.ID, &v.ItemID, &v.CampaignID, &v.OrgID, &v.ChannelAccountID, &v.Network, &maxChars, &v.Language, &v.Text,
		&v.ScheduledAt, &v.State, &v.Version, &v.AuthorID, &v.CreatedAt, &v.UpdatedAt,
		&c.UTMSource, &c.UTMMedium, &c.UTMCampaign, &hasMedia,
		&v.ExternalID, &v.URL, &v.Error, &v.PublishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return v, db.ErrNotFound
	}
	if err != nil {
		return v, err
	}
	if v.ScheduledAt != nil {
		t := v.ScheduledAt.UTC()
		v.ScheduledAt = &t
	}
	if v.PublishedAt != nil {
		t := v.PublishedAt.UTC()
		v.PublishedAt = &t
	}
	c.ID = v.CampaignID
	v.Measure = measurePublished(c, v.Network, v.Text, limits.Options{MastodonMaxChars: maxChars, HasMedia: hasMedia})
	return v, nil
}

func listVariants(ctx context.Context, q db.Queryer, where string, args ...any) ([]Variant, error) {
	// Unscheduled variants last on both engines (SQLite sorts NULL first,
	// PostgreSQL last).
	rows, err := q.QueryContext(ctx, "SELECT "+variantColumns+variantFrom+"WHERE "+where+" ORDER BY v.scheduled_at IS NULL, v.scheduled_at, v.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list variants: %w", err)
	}
	defer rows.Close()
	out := []Variant{}
	for rows.Next() {
		v, err := scanVariant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func getVariant(ctx context.Context, q db.Queryer, id int64) (Variant, error) {
	return scanVariant(q.QueryRowContext(ctx, "SELECT "+variantColumns+variantFrom+"WHERE v.id = ?", id))
}

// insertVariant stores a new variant as version 1.
func insertVariant(ctx context.Context, q db.Queryer, v *Variant) error {
	v.CreatedAt, v.UpdatedAt, v.Version = now(), now(), 1
	if v.State == "" {
		v.State = StateDraft
	}
	err := q.QueryRowContext(ctx, `INSERT INTO variants (item_id, campaign_id, org_id, channel_account_id, language, text, scheduled_at, state, version, author_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.ItemID, v.CampaignID, v.OrgID, v.ChannelAccountID, v.Language, v.Text, v.ScheduledAt, v.State, v.Version, v.AuthorID, v.CreatedAt, v.UpdatedAt).Scan(&v.ID)
	if err != nil {
		return fmt.Errorf("insert variant: %w", err)
	}
	return insertVersion(ctx, q, v)
}

// saveVariantVersion writes the variant's new content as the next version.
func saveVariantVersion(ctx context.Context, q db.Queryer, v *Variant) error {
	v.Version++
	v.UpdatedAt = now()
	_, err := q.ExecContext(ctx, `UPDATE variants SET channel_account_id = ?, language = ?, text = ?, scheduled_at = ?, state = ?, version = ?, author_id = ?, updated_at = ? WHERE id = ?`,
		v.ChannelAccountID, v.Language, v.Text, v.ScheduledAt, v.State, v.Version, v.AuthorID, v.UpdatedAt, v.ID)
	if err != nil {
		return fmt.Errorf("update variant: %w", err)
	}
	return insertVersion(ctx, q, v)
}

func insertVersion(ctx context.Context, q db.Queryer, v *Variant) error {
	_, err := q.ExecContext(ctx, `INSERT INTO variant_versions (variant_id, version, text, language, channel_account_id, scheduled_at, author_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.Version, v.Text, v.Language, v.ChannelAccountID, v.ScheduledAt, v.AuthorID, v.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert variant version: %w", err)
	}
	return nil
}

func setVariantState(ctx context.Context, q db.Queryer, id int64, from []State, to State) (bool, error) {
	query := "UPDATE variants SET state = ?, updated_at = ? WHERE id = ? AND state IN ("
	args := []any{to, now(), id}
	for i, s := range from {
		if i > 0 {
			query += ", "
		}
		query += "?"
		args = append(args, s)
	}
	res, err := q.ExecContext(ctx, query+")", args...)
	if err != nil {
		return false, fmt.Errorf("set variant state: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Version is one saved version of a variant.
type Version struct {
	Version          int        `json:"version"`
	Text             string     `json:"text"`
	Language         string     `json:"language"`
	ChannelAccountID int64      `json:"channel_account_id"`
	ScheduledAt      *time.Time `json:"scheduled_at"`
	AuthorID         int64      `json:"author_id,omitempty"`
	AuthorName       string     `json:"author_name"`
	CreatedAt        time.Time  `json:"created_at"`
}

func listVersions(ctx context.Context, q db.Queryer, variantID int64) ([]Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT vv.version, vv.text, vv.language, vv.channel_account_id, vv.scheduled_at, COALESCE(vv.author_id, 0), COALESCE(u.name, ''), vv.created_at
		FROM variant_versions vv LEFT JOIN users u ON u.id = vv.author_id WHERE vv.variant_id = ? ORDER BY vv.version`, variantID)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		if err := rows.Scan(&v.Version, &v.Text, &v.Language, &v.ChannelAccountID, &v.ScheduledAt, &v.AuthorID, &v.AuthorName, &v.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// authors returns everyone who wrote any version of a variant: none of
// them may approve it.
func authors(ctx context.Context, q db.Queryer, variantID int64) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT DISTINCT author_id FROM variant_versions WHERE variant_id = ? AND author_id IS NOT NULL", variantID)
	if err != nil {
		return nil, fmt.Errorf("variant authors: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
