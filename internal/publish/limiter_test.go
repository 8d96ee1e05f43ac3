package publish

import (
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(map[limits.Network]Rate{"mastodon": {Burst: 3, Per: 3 * time.Second}})
	l.now = func() time.Time { return now }
	for i := range 3 {
		if w := l.Take(1, "mastodon"); w != 0 {
			t.Fatalf("take %d: wait %s", i, w)
		}
	}
	if w := l.Take(1, "mastodon"); w <= 0 || w > time.Second {
		t.Fatalf("empty bucket: wait %s, want up to 1 s", w)
	}
	if w := l.Take(2, "mastodon"); w != 0 {
		t.Fatalf("another account has its own bucket: wait %s", w)
	}
	now = now.Add(time.Second)
	if w := l.Take(1, "mastodon"); w != 0 {
		t.Fatalf("refilled: wait %s", w)
	}
	// The network's Retry-After empties the bucket until then.
	l.Block(2, 10*time.Second)
	if w := l.Take(2, "mastodon"); w != 10*time.Second {
		t.Fatalf("blocked: wait %s", w)
	}
	now = now.Add(10 * time.Second)
	if w := l.Take(2, "mastodon"); w != 0 {
		t.Fatalf("when the block ends: wait %s", w)
	}
	if w := l.Take(2, "mastodon"); w != time.Second {
		t.Fatalf("after the one request the network invited: wait %s, want the refill time", w)
	}
	// A small daily budget does not add its refill time to a short wait.
	l.Block(3, time.Second)
	l.rates["x"] = Rate{Burst: 100, Per: 24 * time.Hour}
	now = now.Add(time.Second)
	if w := l.Take(3, "x"); w != 0 {
		t.Fatalf("X after a 1 s Retry-After: wait %s", w)
	}
	if r := DefaultRates["mastodon"]; r.Burst != 300 || r.Per != 5*time.Minute {
		t.Fatalf("Mastodon's documented limit: %+v", r)
	}
}
func TestLimiterReserve(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(map[limits.Network]Rate{"mastodon": {Burst: 2, Per: 2 * time.Second}})
	l.now = func() time.Time { return now }
	// Two go at once; the next three get the following slots, one per
	// second, each reserved once.
	for job := int64(1); job <= 2; job++ {
		if w := l.Reserve(job, 1, "mastodon"); w != 0 {
			t.Fatalf("job %d: wait %s", job, w)
		}
	}
	for job := int64(3); job <= 5; job++ {
		if w, want := l.Reserve(job, 1, "mastodon"), time.Duration(job-2)*time.Second; w != want {
			t.Fatalf("job %d: wait %s, want %s", job, w, want)
		}
	}
	// Job 4 comes back too early: it keeps its slot, and waits the rest.
	now = now.Add(500 * time.Millisecond)
	if w := l.Reserve(4, 1, "mastodon"); w != 1500*time.Millisecond {
		t.Fatalf("early return: wait %s", w)
	}
	// At its slot it goes without taking another: a new job still queues
	// behind job 5.
	now = now.Add(1500 * time.Millisecond)
	if w := l.Reserve(4, 1, "mastodon"); w != 0 {
		t.Fatalf("at its slot: wait %s", w)
	}
	if w := l.Reserve(6, 1, "mastodon"); w != 2*time.Second {
		t.Fatalf("new job behind the reservations: wait %s", w)
	}
	// The network's Retry-After moves every reservation back.
	l.Block(1, 10*time.Second)
	if w := l.Reserve(5, 1, "mastodon"); w != 11*time.Second {
		t.Fatalf("reservation after a block: wait %s, want 11s", w)
	}
	if w := l.Reserve(7, 2, "mastodon"); w != 0 {
		t.Fatalf("other accounts are not blocked: wait %s", w)
	}
}
