package publish_test

import (
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/testutil"
)

// TestPublishThroughput publishes N due variants (default 1,000) across 5
// fake accounts whose network answers in 50 ms, and reports throughput
// and lateness (published_at − scheduled_at). Run with
// ATTACHE_PUBLISH_BENCH=1000 (results in BENCHMARKS.md).
func TestPublishThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ATTACHE_PUBLISH_BENCH"))
	if n <= 0 {
		t.Skip("set ATTACHE_PUBLISH_BENCH=1000 to run")
	}
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 5, publish.EngineConfig{Concurrency: 50, FetchPoll: 100 * time.Millisecond})
		w.fake.latency = 50 * time.Millisecond
		w.svc.Outbox = nil // enqueued in bulk at start, like variants approved before the engine ran
		later := time.Now().Add(time.Hour)
		ids := make([]int64, 0, n)
		for i := range n {
			v := w.approve(w.submitted(i%5, later, "Statement "+strconv.Itoa(i)))
			ids = append(ids, v.ID)
		}
		// All due at once, three seconds from now.
		due := time.Now().Add(3 * time.Second).Truncate(time.Second).UTC()
		if _, err := e.DB.W().ExecContext(ctx, "UPDATE variants SET scheduled_at = ?", due); err != nil {
			t.Fatal(err)
		}
		w.start()
		deadline := due.Add(5 * time.Minute)
		for {
			var left int
			if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM variants WHERE state <> 'published'").Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d variants not published", left)
			}
			time.Sleep(100 * time.Millisecond)
		}
		var late []time.Duration
		var last time.Time
		for _, id := range ids {
			v := w.variant(id)
			if v.State != campaign.StatePublished || w.fake.count(key(v)) != 1 {
				t.Fatalf("variant %d: %s, %d publishes", id, v.State, w.fake.count(key(v)))
			}
			late = append(late, v.PublishedAt.Sub(*v.ScheduledAt))
			if v.PublishedAt.After(last) {
				last = *v.PublishedAt
			}
		}
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		span := last.Sub(due)
		t.Logf("%s: %d variants, 5 accounts, 50 ms latency, 50 workers: all out %.1f s after the first was due (%.0f/s); lateness p50 %s, p99 %s, max %s",
			e.Name, n, span.Seconds(), float64(n)/span.Seconds(), late[len(late)/2].Round(time.Millisecond), late[len(late)*99/100].Round(time.Millisecond), late[len(late)-1].Round(time.Millisecond))
	})
}
