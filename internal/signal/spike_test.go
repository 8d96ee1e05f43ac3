package signal_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/testutil"
)

// hourly stores counts[i] mentions matched by topic in the hour starting
// first + i h, spread over the hour but before until.
func hourly(t testing.TB, d *db.DB, org, topic int64, first, until time.Time, counts []int) {
	t.Helper()
	var ps []post
	for i, c := range counts {
		h := first.Add(time.Duration(i) * time.Hour)
		for j := range c {
			at := h.Add(time.Duration(j) * time.Hour / time.Duration(c))
			if !at.Before(until) {
				at = h.Add(time.Duration(j) * until.Sub(h) / time.Duration(c))
			}
			ps = append(ps, post{author: fmt.Sprintf("user%d", (i*31+j)%97), text: fmt.Sprintf("t%d h%d n%d", topic, i, j), at: at})
		}
	}
	store(t, d, org, ps, topic)
}

// noisy is n hourly counts drawn between lo and hi.
func noisy(r *rand.Rand, n, lo, hi int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = lo + r.IntN(hi-lo+1)
	}
	return out
}

func TestSpike(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "mfa-rs")
		admin := newMember(t, d, org, "admin@mfa.rs", "admin", false)
		analyst := newMember(t, d, org, "analyst@mfa.rs", "analyst", false)
		newMember(t, d, org, "editor@mfa.rs", "editor", false)       // may read listening, does not manage it
		newMember(t, d, org, "gone@mfa.rs", "analyst", true)         // disabled
		newMember(t, d, org, "trainee@mfa.rs", "participant", false) // no listening at all
		other := newOrg(t, d, "mfa-ge")
		newMember(t, d, other, "admin@mfa.ge", "admin", false) // another organisation's admin

		r := rand.New(rand.NewPCG(6, 6))
		hour := testNow.Truncate(time.Hour) // 12:00, running
		first := hour.Add(-169 * time.Hour) // 168 hours of baseline before 11:00

		// A spike in the last complete hour (11:00): 40 against 2–6.
		kosovo := newTopic(t, d, org, "Kosovo")
		series := append(noisy(r, 169, 2, 6), 4)
		series[168] = 40
		hourly(t, d, org, kosovo, first, testNow, series)

		// Flat and busy: 12 every hour, the running hour too. Not a spike.
		flat := newTopic(t, d, org, "Flat")
		flatSeries := slices.Repeat([]int{12}, 170)
		hourly(t, d, org, flat, first, testNow, flatSeries)

		// From nothing to 8: a rise, but below MinCount.
		quiet := newTopic(t, d, org, "Quiet")
		hourly(t, d, org, quiet, hour.Add(-time.Hour), testNow, []int{8})

		// The running hour already at 30 by 12:40, against 0–2.
		running := newTopic(t, d, org, "Running")
		runSeries := append(noisy(r, 169, 0, 2), 30)
		hourly(t, d, org, running, first, testNow, runSeries)

		// An archived topic does not spike.
		archived := newTopic(t, d, org, "Archived")
		hourly(t, d, org, archived, hour.Add(-time.Hour), testNow, []int{50})
		if _, err := d.W().ExecContext(ctx, "UPDATE topics SET archived_at = ? WHERE id = ?", testNow, archived); err != nil {
			t.Fatal(err)
		}

		det := detector(d, testNow)
		if n := run(t, det); n != 2 {
			t.Fatalf("raised %d alerts, want 2 (Kosovo, Running)", n)
		}
		got := alerts(t, d, org, signal.AlertFilter{Kind: signal.KindSpike})
		byTopic := map[int64]signal.Alert{}
		for _, a := range got {
			byTopic[a.TopicID] = a
		}
		if len(got) != 2 || byTopic[kosovo].ID == 0 || byTopic[running].ID == 0 {
			t.Fatalf("alerts %+v, want one for Kosovo and one for Running", got)
		}

		k := byTopic[kosovo]
		if k.Key != fmt.Sprintf("spike:%d:2026-03-09T11Z", kosovo) || !k.WindowStart.Equal(hour.Add(-time.Hour)) || !k.WindowEnd.Equal(hour) {
			t.Errorf("Kosovo alert: key %s, window %v–%v", k.Key, k.WindowStart, k.WindowEnd)
		}
		var kd signal.SpikeDetail
		if err := json.Unmarshal(k.Detail, &kd); err != nil {
			t.Fatal(err)
		}
		wantMedian, wantMAD := medianMAD(series[:168])
		if kd.Count != 40 || kd.Running || kd.Median != wantMedian || kd.MAD != wantMAD || kd.Hours != 1 || kd.Peak != 40 ||
			!slices.Equal(kd.Series, series[:169]) || !kd.SeriesStart.Equal(first) {
			t.Errorf("Kosovo detail %+v; want count 40, median %v, MAD %v, series %v", kd, wantMedian, wantMAD, series[:169])
		}
		if th := math.Max(10, math.Max(wantMedian+4*1.4826*wantMAD, 3*wantMedian)); kd.Threshold != th {
			t.Errorf("threshold %v, want %v", kd.Threshold, th)
		}
		if !strings.Contains(k.Title, "Kosovo") || !strings.Contains(k.Title, "40") {
			t.Errorf("title %q names neither the topic nor the count", k.Title)
		}

		var rd signal.SpikeDetail
		if err := json.Unmarshal(byTopic[running].Detail, &rd); err != nil {
			t.Fatal(err)
		}
		if !rd.Running || rd.Count != 30 || !rd.Hour.Equal(hour) {
			t.Errorf("running-hour detail %+v", rd)
		}

		// Notified: the admin and the analyst, once per alert; nobody else.
		ns := notifications(t, d, org)
		var users []int64
		for _, n := range ns {
			users = append(users, n.user)
			if n.kind != signal.NotifyKind || !strings.HasPrefix(n.link, "/o/mfa-rs/listening/alerts/") {
				t.Errorf("notification %+v", n)
			}
		}
		if want := []int64{admin, admin, analyst, analyst}; !slices.Equal(users, want) {
			t.Errorf("notified users %v, want %v", users, want)
		}
		if ns := notifications(t, d, other); len(ns) != 0 {
			t.Errorf("another organisation was notified: %v", ns)
		}

		// Running again changes nothing.
		if n := run(t, det); n != 0 {
			t.Errorf("second run raised %d", n)
		}
		if again := alerts(t, d, org, signal.AlertFilter{}); len(again) != 2 || !sameAlert(again[0], got[0]) || !sameAlert(again[1], got[1]) {
			t.Errorf("after a second run: %+v", again)
		}
		if n := len(notifications(t, d, org)); n != 4 {
			t.Errorf("%d notifications after a second run, want 4", n)
		}

		// The running topic goes on to 45 by 12:55: the same alert, updated.
		later := hour.Add(55 * time.Minute)
		hourly(t, d, org, running, hour.Add(50*time.Minute), later, []int{15})
		// Kosovo spikes again from 12:00 (40 more by 12:55): it extends its alert.
		hourly(t, d, org, kosovo, hour.Add(45*time.Minute), later, []int{40})
		det.Now = func() time.Time { return later }
		if n := run(t, det); n != 0 {
			t.Errorf("the growing spikes raised %d new alerts", n)
		}
		after := alerts(t, d, org, signal.AlertFilter{Kind: signal.KindSpike})
		if len(after) != 2 {
			t.Fatalf("%d alerts after growth", len(after))
		}
		for _, a := range after {
			var sd signal.SpikeDetail
			if err := json.Unmarshal(a.Detail, &sd); err != nil {
				t.Fatal(err)
			}
			switch a.TopicID {
			case running:
				if sd.Count != 45 || a.ID != byTopic[running].ID {
					t.Errorf("running topic after growth: count %d, alert %d", sd.Count, a.ID)
				}
			case kosovo:
				if a.ID != k.ID || sd.Hours != 2 || sd.Peak != 44 || !a.WindowEnd.Equal(hour.Add(time.Hour)) || !a.WindowStart.Equal(k.WindowStart) {
					t.Errorf("Kosovo after a second hour: alert %d (want %d), window %v–%v, detail %+v", a.ID, k.ID, a.WindowStart, a.WindowEnd, sd)
				}
			}
		}
		if n := len(notifications(t, d, org)); n != 4 {
			t.Errorf("%d notifications after growth, want 4 (no second notification)", n)
		}

		// Next hour, 13:10: the complete hour 12:00 is counted again, into the same alerts.
		det.Now = func() time.Time { return hour.Add(70 * time.Minute) }
		if n := run(t, det); n != 0 {
			t.Errorf("the next hour raised %d", n)
		}
		if n := len(alerts(t, d, org, signal.AlertFilter{})); n != 2 {
			t.Errorf("%d alerts at 13:10", n)
		}
	})
}

// sameAlert compares alerts field by field (Detail is a slice).
func sameAlert(a, b signal.Alert) bool {
	return a.ID == b.ID && a.Key == b.Key && a.Title == b.Title && string(a.Detail) == string(b.Detail) &&
		a.WindowStart.Equal(b.WindowStart) && a.WindowEnd.Equal(b.WindowEnd)
}

// medianMAD computes the baseline independently: sort, middle.
func medianMAD(xs []int) (float64, float64) {
	med := func(v []float64) float64 {
		s := slices.Clone(v)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	m := med(f)
	dev := make([]float64, len(f))
	for i, x := range f {
		dev[i] = math.Abs(x - m)
	}
	return m, med(dev)
}

func TestSpikeRule(t *testing.T) {
	s := signal.SpikeSettings{}
	flat := slices.Repeat([]int{5}, 168)
	for _, tc := range []struct {
		name     string
		count    int
		baseline []int
		want     bool
	}{
		{"flat, same count", 5, flat, false},
		{"flat, three times", 15, flat, true}, // MAD 0: median + 0, ratio 3 → 15
		{"flat, just under three times", 14, flat, false},
		{"zeros, MinCount", 10, make([]int, 168), true},
		{"zeros, under MinCount", 9, make([]int, 168), false},
		{"noisy baseline needs K·MAD", 30, alternate(168, 0, 20), false}, // median 10, MAD 10 → 10 + 59.3
		{"noisy baseline, far above", 70, alternate(168, 0, 20), true},
	} {
		if got, th := s.IsSpike(tc.count, tc.baseline); got != tc.want {
			t.Errorf("%s: spike %v (threshold %v), want %v", tc.name, got, th, tc.want)
		}
	}
	if m, mad := signal.Baseline(nil); m != 0 || mad != 0 {
		t.Errorf("empty baseline: %v %v", m, mad)
	}
}

func alternate(n, a, b int) []int {
	out := make([]int, n)
	for i := range out {
		if i%2 == 0 {
			out[i] = a
		} else {
			out[i] = b
		}
	}
	return out
}

func TestSettingsAreChecked(t *testing.T) {
	if err := signal.DefaultSettings().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []signal.Settings{
		{Spike: signal.SpikeSettings{MinCount: -1}},
		{Spike: signal.SpikeSettings{Ratio: 0.5}},
		{Spike: signal.SpikeSettings{Baseline: 10_000}},
		{Spike: signal.SpikeSettings{K: math.NaN()}},
		{Coord: signal.CoordSettings{Authors: 1}},
		{Coord: signal.CoordSettings{Threshold: 1.5}},
		{Coord: signal.CoordSettings{Window: time.Hour, Lookback: 30 * time.Minute}},
		{Coord: signal.CoordSettings{MinChars: 2}},
	} {
		if s.Validate() == nil {
			t.Errorf("%+v accepted", s)
		}
		e := testutil.SQLite(t)
		if _, err := (&signal.Detector{DB: e.DB, Settings: s}).Run(ctx); err == nil {
			t.Errorf("Run with %+v did not fail", s)
		}
	}
}
