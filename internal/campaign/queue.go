package campaign

import (
	"context"
	"fmt"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/org"
)

// QueueEntry is a variant with what a list of work shows beside it.
type QueueEntry struct {
	Variant
	ItemTitle     string
	CampaignTitle string
	AccountName   string
	AccountHandle string
	AuthorName    string
}

// ReviewQueue lists o's variants waiting for approval, oldest first (o
// resolved with UseCampaigns by the caller).
func (s *Service) ReviewQueue(ctx context.Context, o org.Org) ([]QueueEntry, error) {
	return s.queue(ctx, "v.org_id = ? AND v.state = ?", o.ID, StateInReview)
}

// Waiting lists p's own drafts and variants sent back with changes
// requested in o, oldest first.
func (s *Service) Waiting(ctx context.Context, p *authz.Principal, o org.Org) ([]QueueEntry, error) {
	return s.queue(ctx, "v.org_id = ? AND v.author_id = ? AND v.state IN (?, ?)", o.ID, p.UserID, StateDraft, StateChangesRequested)
}

// extraScan appends destinations to a row's Scan, so that scanVariant
// reads the variant and the caller the columns after it.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func (s *Service) queue(ctx context.Context, where string, args ...any) ([]QueueEntry, error) {
	rows, err := s.DB.R().QueryContext(ctx, "SELECT "+variantColumns+`, i.title, c.title, a.name, a.handle, COALESCE(u.name, '')
		FROM variants v
		JOIN channel_accounts a ON a.id = v.channel_account_id
		JOIN items i ON i.id = v.item_id
		JOIN campaigns c ON c.id = v.campaign_id
		LEFT JOIN users u ON u.id = v.author_id
		WHERE `+where+" ORDER BY v.updated_at, v.id LIMIT 200", args...)
	if err != nil {
		return nil, fmt.Errorf("variant queue: %w", err)
	}
	defer rows.Close()
	out := []QueueEntry{}
	for rows.Next() {
		var e QueueEntry
		v, err := scanVariant(extraScan{rows, []any{&e.ItemTitle, &e.CampaignTitle, &e.AccountName, &e.AccountHandle, &e.AuthorName}})
		if err != nil {
			return nil, fmt.Errorf("variant queue: %w", err)
		}
		e.Variant = v
		out = append(out, e)
	}
	return out, rows.Err()
}

// Baseline chooses what a reviewer compares the current version with: the
// latest earlier version that received an approval, else the version just
// before the current one. It returns nil for a first version.
func Baseline(vers []Version, ds []Decision, current int) *Version {
	approved := map[int]bool{}
	for _, d := range ds {
		if d.Decision == "approve" {
			approved[d.Version] = true
		}
	}
	var prev *Version
	for i := len(vers) - 1; i >= 0; i-- {
		if vers[i].Version >= current {
			continue
		}
		if approved[vers[i].Version] {
			return &vers[i]
		}
		if prev == nil {
			prev = &vers[i]
		}
	}
	return prev
}
