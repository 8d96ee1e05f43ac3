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
	now = now.Add(11 * time.Second)
	if w := l.Take(2, "mastodon"); w != 0 {
		t.Fatalf("after the block: wait %s", w)
	}
	if r := DefaultRates["mastodon"]; r.Burst != 300 || r.Per != 5*time.Minute {
		t.Fatalf("Mastodon's documented limit: %+v", r)
	}
}
