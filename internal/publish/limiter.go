package publish

import (
	"sync"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
)

// Rate is a documented request budget: Burst requests, refilled evenly
// over Per.
type Rate struct {
	Burst int
	Per   time.Duration
}

// DefaultRates are the networks' documented write budgets per account
// (DOMAIN.md). Mastodon: 300 requests per 5 minutes per account; the
// others are conservative where the network publishes no simple number.
var DefaultRates = map[limits.Network]Rate{
	"mastodon":  {Burst: 300, Per: 5 * time.Minute},
	"bluesky":   {Burst: 1666, Per: time.Hour}, // 5 000 points/h, a create costs 3
	"telegram":  {Burst: 20, Per: time.Minute}, // 20 messages a minute to one chat
	"x":         {Burst: 100, Per: 24 * time.Hour},
	"threads":   {Burst: 250, Per: 24 * time.Hour},
	"instagram": {Burst: 50, Per: 24 * time.Hour},
}

// FallbackRate applies to networks without an entry.
var FallbackRate = Rate{Burst: 60, Per: time.Minute}

// Limiter keeps a token bucket per account, in this process: several
// instances each keep their own and so share a network's limit only
// approximately (each also obeys the network's own Retry-After).
type Limiter struct {
	mu      sync.Mutex
	rates   map[limits.Network]Rate
	buckets map[int64]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens  float64
	last    time.Time
	blocked time.Time // the network asked us to wait until then
}

// NewLimiter uses rates over DefaultRates (nil: the defaults).
func NewLimiter(rates map[limits.Network]Rate) *Limiter {
	r := map[limits.Network]Rate{}
	for k, v := range DefaultRates {
		r[k] = v
	}
	for k, v := range rates {
		r[k] = v
	}
	return &Limiter{rates: r, buckets: map[int64]*bucket{}, now: time.Now}
}

func (l *Limiter) rate(n limits.Network) Rate {
	if r, ok := l.rates[n]; ok && r.Burst > 0 && r.Per > 0 {
		return r
	}
	return FallbackRate
}

// Take takes one request from the account's bucket; when it is empty it
// takes nothing and says how long to wait.
func (l *Limiter) Take(account int64, n limits.Network) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rate(n)
	now := l.now()
	b := l.buckets[account]
	if b == nil {
		b = &bucket{tokens: float64(r.Burst), last: now}
		l.buckets[account] = b
	}
	if now.Before(b.blocked) {
		return b.blocked.Sub(now)
	}
	per := r.Per.Seconds() / float64(r.Burst) // seconds per token
	b.tokens = min(float64(r.Burst), b.tokens+now.Sub(b.last).Seconds()/per)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) * per * float64(time.Second))
}

// Block empties an account's bucket until the network's Retry-After.
func (l *Limiter) Block(account int64, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[account]
	if b == nil {
		b = &bucket{}
		l.buckets[account] = b
	}
	until := l.now().Add(d)
	if until.After(b.blocked) {
		b.blocked = until
	}
	b.tokens = 0
	b.last = until
}
