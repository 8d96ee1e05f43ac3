package signal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// SpikeSettings are the parameters of volume spike detection; a zero
// field takes its default.
type SpikeSettings struct {
	MinCount int     // an hour needs at least this many matches (default 10)
	K        float64 // … and more than median + K·1.4826·MAD of the baseline (default 4)
	Ratio    float64 // … and at least Ratio × max(median, 1) (default 3)
	Baseline int     // hours of baseline before the hour (default 168, one week)
}

// Defaults of SpikeSettings.
const (
	DefaultSpikeMinCount = 10
	DefaultSpikeK        = 4.0
	DefaultSpikeRatio    = 3.0
	DefaultSpikeBaseline = 168
	// MaxSpikeBaseline bounds the baseline (two weeks).
	MaxSpikeBaseline = 24 * 14
)

// madScale makes the MAD a consistent estimate of the standard deviation
// of normally distributed counts.
const madScale = 1.4826

func (s SpikeSettings) withDefaults() SpikeSettings {
	if s.MinCount == 0 {
		s.MinCount = DefaultSpikeMinCount
	}
	if s.K == 0 {
		s.K = DefaultSpikeK
	}
	if s.Ratio == 0 {
		s.Ratio = DefaultSpikeRatio
	}
	if s.Baseline == 0 {
		s.Baseline = DefaultSpikeBaseline
	}
	return s
}

func (s SpikeSettings) validate() error {
	switch {
	case s.MinCount < 1:
		return fmt.Errorf("spike settings: MinCount must be at least 1, not %d", s.MinCount)
	case s.K < 0 || math.IsNaN(s.K) || math.IsInf(s.K, 0):
		return fmt.Errorf("spike settings: K must be a finite number ≥ 0, not %v", s.K)
	case s.Ratio < 1 || math.IsNaN(s.Ratio) || math.IsInf(s.Ratio, 0):
		return fmt.Errorf("spike settings: Ratio must be a finite number ≥ 1, not %v", s.Ratio)
	case s.Baseline < 24 || s.Baseline > MaxSpikeBaseline:
		return fmt.Errorf("spike settings: Baseline must be between 24 and %d hours, not %d", MaxSpikeBaseline, s.Baseline)
	}
	return nil
}

// Baseline is the robust centre and spread of hourly counts: their median
// and median absolute deviation (zeros included).
func Baseline(counts []int) (median, mad float64) {
	if len(counts) == 0 {
		return 0, 0
	}
	xs := make([]float64, len(counts))
	for i, c := range counts {
		xs[i] = float64(c)
	}
	median = medianOf(xs)
	for i := range xs {
		xs[i] = math.Abs(xs[i] - median)
	}
	return median, medianOf(xs)
}

// medianOf sorts xs and returns its median.
func medianOf(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// Threshold is the least count of an hour that is a spike against a
// baseline with this median and MAD.
func (s SpikeSettings) Threshold(median, mad float64) float64 {
	s = s.withDefaults()
	return max(float64(s.MinCount), median+s.K*madScale*mad, s.Ratio*max(median, 1))
}

// IsSpike reports whether count is a spike against the hourly counts of
// the baseline, and the threshold it was compared with.
func (s SpikeSettings) IsSpike(count int, baseline []int) (bool, float64) {
	median, mad := Baseline(baseline)
	th := s.Threshold(median, mad)
	return float64(count) >= th, th
}

// SpikeDetail is the detail of a spike alert. An alert covers consecutive
// hours in spike: it is raised for the first and extended by the next.
type SpikeDetail struct {
	Hour      time.Time `json:"hour"`    // start of the latest hour in spike
	Running   bool      `json:"running"` // that hour had not ended when counted
	Count     int       `json:"count"`   // matches in that hour
	Median    float64   `json:"median"`  // of the baseline's hourly counts
	MAD       float64   `json:"mad"`     // median absolute deviation of the baseline
	Threshold float64   `json:"threshold"`
	Hours     int       `json:"hours"` // consecutive hours in spike so far
	Peak      int       `json:"peak"`  // the highest hourly count among them
	PeakHour  time.Time `json:"peak_hour"`
	// Series is the hourly counts of the baseline followed by the hour's
	// (len Baseline+1), Series[i] counting [SeriesStart+i h, +1 h): the
	// chart of the alert.
	SeriesStart time.Time `json:"series_start"`
	Series      []int     `json:"series"`
}

// spikeTopic is an active topic with enough matches lately to spike.
type spikeTopic struct {
	id   int64
	name string
}

// busyTopics lists the organisation's active topics with at least
// minCount matches in [from, to): the only ones whose hours there can
// reach MinCount. The count is an index range of topic_matches_topic_at.
func busyTopics(ctx context.Context, q db.Queryer, orgID int64, from, to time.Time, minCount int) ([]spikeTopic, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.name FROM topics t WHERE t.org_id = ? AND t.archived_at IS NULL
		AND (SELECT COUNT(*) FROM topic_matches m WHERE m.topic_id = t.id AND m.at >= ? AND m.at < ?) >= ? ORDER BY t.id`,
		orgID, from, to, minCount)
	if err != nil {
		return nil, fmt.Errorf("busy topics: %w", err)
	}
	defer rows.Close()
	var out []spikeTopic
	for rows.Next() {
		var t spikeTopic
		if err := rows.Scan(&t.id, &t.name); err != nil {
			return nil, fmt.Errorf("busy topics: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// HourlyCounts counts a topic's matches in each of n hours from start
// (start + i h to start + (i+1) h): COUNT(*) over index ranges of
// topic_matches(topic_id, at) joined by UNION ALL, the same SQL on both
// engines, a day of hours per statement (PostgreSQL plans a long UNION
// in more than linear time).
func HourlyCounts(ctx context.Context, q db.Queryer, topicID int64, start time.Time, n int) ([]int, error) {
	if n <= 0 || n > MaxSpikeBaseline+2 {
		return nil, fmt.Errorf("hourly counts: %d hours is out of range", n)
	}
	start = start.UTC().Truncate(time.Microsecond)
	out := make([]int, n)
	for lo := 0; lo < n; lo += hoursPerStatement {
		if err := countHours(ctx, q, topicID, start, lo, min(lo+hoursPerStatement, n), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const hoursPerStatement = 24

// countHours fills out[lo:hi] with the counts of those hours from start.
func countHours(ctx context.Context, q db.Queryer, topicID int64, start time.Time, lo, hi int, out []int) error {
	var b strings.Builder
	args := make([]any, 0, 3*(hi-lo))
	for i := lo; i < hi; i++ {
		if i > lo {
			b.WriteString(" UNION ALL ")
		}
		// The bucket number is a literal: no parameter type to infer.
		b.WriteString("SELECT " + strconv.Itoa(i) + ", COUNT(*) FROM topic_matches WHERE topic_id = ? AND at >= ? AND at < ?")
		from := start.Add(time.Duration(i) * time.Hour)
		args = append(args, topicID, from, from.Add(time.Hour))
	}
	rows, err := q.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("hourly counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, c int
		if err := rows.Scan(&i, &c); err != nil {
			return fmt.Errorf("hourly counts: %w", err)
		}
		if i >= lo && i < hi {
			out[i] = c
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("hourly counts: %w", err)
	}
	return nil
}

// spikes raises the spike alerts of one organisation: for each busy
// topic, the last complete hour and the running hour are compared with
// the Baseline hours before each.
func (r *run) spikes(ctx context.Context, o orgRef) (int, error) {
	s := r.settings.Spike
	hour := r.now.Truncate(time.Hour)
	prev := hour.Add(-time.Hour)
	topics, err := busyTopics(ctx, r.d.DB.R(), o.id, prev, hour.Add(time.Hour), s.MinCount)
	if err != nil {
		return 0, err
	}
	raised := 0
	start := prev.Add(-time.Duration(s.Baseline) * time.Hour)
	for _, t := range topics {
		series, err := r.series(ctx, t.id, start, s.Baseline)
		if err != nil {
			return raised, err
		}
		// The complete hour first, so that the running hour extends its alert.
		for i, h := range []time.Time{prev, hour} {
			window := series[i : i+s.Baseline+1]
			n, err := r.spikeHour(ctx, o, t, h, h == hour, start.Add(time.Duration(i)*time.Hour), window)
			raised += n
			if err != nil {
				return raised, err
			}
		}
	}
	return raised, nil
}

// series is the topic's hourly counts from start: the baseline hours
// (counted once an hour, then kept by the Detector), then the last
// complete and the running hour (counted at every run, because mentions
// arrive late).
func (r *run) series(ctx context.Context, topicID int64, start time.Time, baseline int) ([]int, error) {
	counts, ok := r.d.baselines.get(topicID, start, baseline)
	if !ok {
		var err error
		if counts, err = HourlyCounts(ctx, r.d.DB.R(), topicID, start, baseline); err != nil {
			return nil, err
		}
		r.d.baselines.put(topicID, start, counts)
	}
	recent, err := HourlyCounts(ctx, r.d.DB.R(), topicID, start.Add(time.Duration(baseline)*time.Hour), 2)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(counts), recent...), nil
}

// baselineCache keeps each topic's baseline counts for the hour they
// were counted in.
type baselineCache struct {
	mu      sync.Mutex
	start   time.Time // of the baselines kept
	byTopic map[int64][]int
}

func (c *baselineCache) get(topicID int64, start time.Time, n int) ([]int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counts, ok := c.byTopic[topicID]
	return counts, ok && c.start.Equal(start) && len(counts) == n
}

// put keeps counts from start; baselines of another start are dropped.
func (c *baselineCache) put(topicID int64, start time.Time, counts []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byTopic == nil || !c.start.Equal(start) {
		c.start, c.byTopic = start, map[int64][]int{}
	}
	c.byTopic[topicID] = counts
}

// spikeHour raises or extends the alert of topic t for hour h when its
// count (the last of window) is a spike against the rest of window.
func (r *run) spikeHour(ctx context.Context, o orgRef, t spikeTopic, h time.Time, running bool, seriesStart time.Time, window []int) (int, error) {
	s := r.settings.Spike
	baseline, count := window[:len(window)-1], window[len(window)-1]
	median, mad := Baseline(baseline)
	th := s.Threshold(median, mad)
	if float64(count) < th {
		return 0, nil
	}
	det := SpikeDetail{Hour: h, Running: running, Count: count, Median: median, MAD: mad, Threshold: th,
		Hours: 1, Peak: count, PeakHour: h, SeriesStart: seriesStart, Series: slices.Clone(window)}
	a := Alert{OrgID: o.id, Kind: KindSpike, TopicID: t.id, Key: spikeKey(t.id, h),
		WindowStart: h, WindowEnd: h.Add(time.Hour), CreatedAt: r.now}
	prior, err := continuedSpike(ctx, r.d.DB.R(), o.id, t.id, h)
	if err != nil {
		return 0, err
	}
	if prior != nil {
		if prior.WindowEnd.After(a.WindowEnd) {
			return 0, nil // the alert already goes on to a later hour
		}
		a.Key, a.WindowStart = prior.Key, prior.WindowStart
		det.Hours = int(a.WindowEnd.Sub(a.WindowStart) / time.Hour)
		var old SpikeDetail
		if json.Unmarshal(prior.Detail, &old) == nil && old.Peak > det.Peak {
			det.Peak, det.PeakHour = old.Peak, old.PeakHour
		}
	}
	a.Title = spikeTitle(t.name, det)
	raw, err := json.Marshal(det)
	if err != nil {
		return 0, fmt.Errorf("spike detail: %w", err)
	}
	a.Detail = raw
	if prior != nil && unchanged(*prior, a) {
		return 0, nil
	}
	return r.raise(ctx, o, &a)
}

// spikeKey is the key of a spike alert that starts at hour h.
func spikeKey(topicID int64, h time.Time) string {
	return "spike:" + strconv.FormatInt(topicID, 10) + ":" + h.UTC().Format("2006-01-02T15Z")
}

// continuedSpike finds the topic's spike alert that covers the hour before
// h or h itself, which a spike in h extends.
func continuedSpike(ctx context.Context, q db.Queryer, orgID, topicID int64, h time.Time) (*Alert, error) {
	a, err := scanAlert(q.QueryRowContext(ctx, "SELECT "+alertColumns+` FROM alerts
		WHERE org_id = ? AND topic_id = ? AND kind = ? AND window_end >= ? AND window_start <= ?
		ORDER BY window_start DESC, id DESC LIMIT 1`, orgID, topicID, KindSpike, h, h))
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("continued spike: %w", err)
	}
	return &a, nil
}

func spikeTitle(topic string, d SpikeDetail) string {
	usual := strconv.FormatFloat(d.Median, 'f', -1, 64)
	if d.Hours > 1 {
		return fmt.Sprintf("Spike in “%s”: %d hours above the usual %s an hour, peak %d", clip(topic, 120), d.Hours, usual, d.Peak)
	}
	return fmt.Sprintf("Spike in “%s”: %d mentions in an hour, usually %s", clip(topic, 120), d.Count, usual)
}
