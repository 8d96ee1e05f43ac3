package campaign

// Metrics of published variants: the publishing engine polls each post's
// public counts on a decaying schedule (publish.MetricsSchedule) into
// post_metrics; this is the read side for the item page and the API.

import (
	"context"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// MetricPoint is one reading of a post's public counts.
type MetricPoint struct {
	At      time.Time `json:"at"`
	Likes   int64     `json:"likes"`
	Reposts int64     `json:"reposts"`
	Replies int64     `json:"replies"`
	Quotes  int64     `json:"quotes"`
	Views   int64     `json:"views"`
}

// MaxMetricPoints bounds one variant's series (the schedule makes about
// 35 readings in 30 days; more means something polled too often).
const MaxMetricPoints = 500

// listMetrics returns the series of the given variants (or of an item's
// variants when itemID is set), oldest first, at most MaxMetricPoints
// newest readings per variant.
func listMetrics(ctx context.Context, q db.Queryer, itemID, variantID int64) (map[int64][]MetricPoint, error) {
	where, arg := "v.item_id = ?", itemID
	if variantID != 0 {
		where, arg = "v.id = ?", variantID
	}
	rows, err := q.QueryContext(ctx, `SELECT pm.variant_id, pm.at, pm.likes, pm.reposts, pm.replies, pm.quotes, pm.views
		FROM post_metrics pm JOIN variants v ON v.id = pm.variant_id
		WHERE `+where+` ORDER BY pm.variant_id, pm.at DESC`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]MetricPoint{}
	for rows.Next() {
		var id int64
		var m MetricPoint
		if err := rows.Scan(&id, &m.At, &m.Likes, &m.Reposts, &m.Replies, &m.Quotes, &m.Views); err != nil {
			return nil, err
		}
		if len(out[id]) < MaxMetricPoints {
			m.At = m.At.UTC()
			out[id] = append(out[id], m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, s := range out { // newest first → oldest first
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
		out[id] = s
	}
	return out, nil
}

// VariantMetrics returns a variant the principal may read and its metrics
// series, oldest first (empty until the first reading). Strangers get
// authz.ErrNotMember whether or not the variant exists.
func (s *Service) VariantMetrics(ctx context.Context, p *authz.Principal, id int64) (Variant, []MetricPoint, error) {
	v, _, err := s.variantAccess(ctx, p, id)
	if err != nil {
		return v, nil, err
	}
	ms, err := listMetrics(ctx, s.DB.R(), 0, id)
	if err != nil {
		return v, nil, err
	}
	series := ms[id]
	if series == nil {
		series = []MetricPoint{}
	}
	return v, series, nil
}

// ItemMetrics returns the metrics series of an item's variants by variant
// id, for a principal who may read the item.
func (s *Service) ItemMetrics(ctx context.Context, p *authz.Principal, itemID int64) (map[int64][]MetricPoint, error) {
	if _, _, err := s.GetItem(ctx, p, itemID); err != nil {
		return nil, err
	}
	return listMetrics(ctx, s.DB.R(), itemID, 0)
}
