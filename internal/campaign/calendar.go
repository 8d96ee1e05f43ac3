package campaign

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// Entry is one scheduled variant on the calendar.
type Entry struct {
	VariantID     int64          `json:"variant_id"`
	ItemID        int64          `json:"item_id"`
	CampaignID    int64          `json:"campaign_id"`
	CampaignTitle string         `json:"campaign_title"`
	OrgID         int64          `json:"org_id"`
	OrgName       string         `json:"org_name"`
	AccountID     int64          `json:"channel_account_id"`
	AccountName   string         `json:"channel_account_name"`
	Network       limits.Network `json:"network"`
	Language      string         `json:"language"`
	State         State          `json:"state"`
	ScheduledAt   time.Time      `json:"scheduled_at"`
	Excerpt       string         `json:"excerpt"`
	// PostURL is the live post once published.
	PostURL string `json:"post_url,omitempty"`
}

// CalendarFilter narrows the calendar; zero values mean "all".
type CalendarFilter struct {
	CampaignID int64
	Network    limits.Network
	State      State
	OrgID      int64 // the contributing organisation (for joint work)
}

// MaxCalendarSpan bounds one calendar query.
const MaxCalendarSpan = 400 * 24 * time.Hour

// Calendar lists the variants scheduled in [from, to) that o can see: those
// of campaigns o owns or is a partner of, and o's own contributions.
func (s *Service) Calendar(ctx context.Context, o org.Org, from, to time.Time, f CalendarFilter) ([]Entry, error) {
	if !to.After(from) {
		return nil, &FieldError{Field: "to", Reason: "must be after from"}
	}
	if to.Sub(from) > MaxCalendarSpan {
		return nil, &FieldError{Field: "to", Reason: "the calendar shows at most 400 days at a time"}
	}
	return calendar(ctx, s.DB.R(), o.ID, from.UTC(), to.UTC(), f)
}

func calendar(ctx context.Context, q db.Queryer, orgID int64, from, to time.Time, f CalendarFilter) ([]Entry, error) {
	query := `SELECT v.id, v.item_id, v.campaign_id, c.title, v.org_id, o.name, a.id, a.name, a.network, v.language, v.state, v.scheduled_at, v.text, v.url
		FROM variants v
		JOIN campaigns c ON c.id = v.campaign_id
		JOIN channel_accounts a ON a.id = v.channel_account_id
		JOIN orgs o ON o.id = v.org_id
		WHERE v.scheduled_at >= ? AND v.scheduled_at < ?
		AND (c.org_id = ? OR v.org_id = ? OR c.id IN (SELECT campaign_id FROM campaign_partners WHERE org_id = ?))`
	args := []any{from, to, orgID, orgID, orgID}
	if f.CampaignID != 0 {
		query += " AND v.campaign_id = ?"
		args = append(args, f.CampaignID)
	}
	if f.Network != "" {
		query += " AND a.network = ?"
		args = append(args, f.Network)
	}
	if f.State != "" {
		query += " AND v.state = ?"
		args = append(args, f.State)
	}
	if f.OrgID != 0 {
		query += " AND v.org_id = ?"
		args = append(args, f.OrgID)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY v.scheduled_at, v.id LIMIT 10000", args...)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		var text string
		if err := rows.Scan(&e.VariantID, &e.ItemID, &e.CampaignID, &e.CampaignTitle, &e.OrgID, &e.OrgName, &e.AccountID, &e.AccountName, &e.Network, &e.Language, &e.State, &e.ScheduledAt, &text, &e.PostURL); err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		e.ScheduledAt = e.ScheduledAt.UTC()
		e.Excerpt = excerpt(text, 140)
		out = append(out, e)
	}
	return out, rows.Err()
}

// excerpt cuts s to at most n characters at a character boundary.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
