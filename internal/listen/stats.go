package listen

// A topic's dashboard: its volume over time and what its mentions are
// made of (languages, sources, authors), counted in SQL over the
// topic_matches index so that a topic with a busy week stays quick.

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// Count is a value and how many mentions have it.
type Count struct {
	Key string `json:"key"`
	N   int64  `json:"n"`
}

// Bucket is the number of mentions in one hour or day.
type Bucket struct {
	At time.Time `json:"at"`
	N  int64     `json:"n"`
}

// Stats is what a topic's dashboard shows for a period.
type Stats struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Step      string    `json:"step"` // "hour" or "day"
	Volume    []Bucket  `json:"volume"`
	Total     int64     `json:"total"`
	Languages []Count   `json:"languages"`
	Sources   []Count   `json:"sources"`
	Authors   []Count   `json:"authors"`
}

// statsTop is how many languages, sources and authors a dashboard lists.
const statsTop = 10

// TopicStats counts a topic's matches in [from, to): hourly for periods
// up to three days, daily beyond, with every bucket present (zeros
// included) so that a chart's gaps are real.
func TopicStats(ctx context.Context, q db.Queryer, orgID, topicID int64, from, to time.Time) (Stats, error) {
	from, to = from.UTC(), to.UTC()
	s := Stats{From: from, To: to, Step: "hour"}
	step, layout, bucket := time.Hour, "2006-01-02 15", db.HourBucket(q.Dialect(), "at")
	if to.Sub(from) > 72*time.Hour {
		s.Step, step, layout, bucket = "day", 24*time.Hour, "2006-01-02", db.DayBucket(q.Dialect(), "at")
	}
	counts := map[string]int64{}
	rows, err := q.QueryContext(ctx, `SELECT `+bucket+`, COUNT(*) FROM topic_matches
		WHERE topic_id = ? AND org_id = ? AND at >= ? AND at < ? GROUP BY 1`, topicID, orgID, from, to)
	if err != nil {
		return s, fmt.Errorf("topic stats: %w", err)
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return s, fmt.Errorf("topic stats: %w", err)
		}
		counts[k] = n
		s.Total += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("topic stats: %w", err)
	}
	for at := from.Truncate(step); at.Before(to); at = at.Add(step) {
		s.Volume = append(s.Volume, Bucket{At: at, N: counts[at.Format(layout)]})
	}
	for _, c := range []struct {
		col string
		dst *[]Count
	}{{"m.language", &s.Languages}, {"m.source", &s.Sources}, {"CASE WHEN m.author_handle <> '' THEN m.author_handle ELSE m.author_name END", &s.Authors}} {
		*c.dst, err = topCounts(ctx, q, c.col, orgID, topicID, from, to)
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// topCounts counts a topic's mentions by one column, largest first; an
// empty value counts as "".
func topCounts(ctx context.Context, q db.Queryer, col string, orgID, topicID int64, from, to time.Time) ([]Count, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+col+`, COUNT(*) FROM topic_matches tm JOIN mentions m ON m.id = tm.mention_id
		WHERE tm.topic_id = ? AND tm.org_id = ? AND tm.at >= ? AND tm.at < ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`,
		topicID, orgID, from, to, statsTop)
	if err != nil {
		return nil, fmt.Errorf("topic stats: %w", err)
	}
	defer rows.Close()
	out := []Count{}
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, fmt.Errorf("topic stats: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DailyCounts gives, for each of an organisation's topics, its matches per
// day over [from, to) (the sparklines of the topic list), zeros included.
func DailyCounts(ctx context.Context, q db.Queryer, orgID int64, from, to time.Time) (map[int64][]int64, error) {
	from, to = from.UTC().Truncate(24*time.Hour), to.UTC()
	days := int(to.Sub(from)/(24*time.Hour)) + 1
	rows, err := q.QueryContext(ctx, `SELECT topic_id, `+db.DayBucket(q.Dialect(), "at")+`, COUNT(*) FROM topic_matches
		WHERE org_id = ? AND at >= ? AND at < ? GROUP BY 1, 2`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("daily counts: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var id, n int64
		var day string
		if err := rows.Scan(&id, &day, &n); err != nil {
			return nil, fmt.Errorf("daily counts: %w", err)
		}
		d, err := time.Parse("2006-01-02", day)
		if err != nil {
			continue
		}
		i := int(d.Sub(from) / (24 * time.Hour))
		if i < 0 || i >= days {
			continue
		}
		if out[id] == nil {
			out[id] = make([]int64, days)
		}
		out[id][i] = n
	}
	return out, rows.Err()
}
