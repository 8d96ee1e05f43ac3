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
//
// A job that finds the bucket empty reserves the account's next free slot
// (the bucket goes into debt) and is snoozed until then; when it runs
// again it goes without taking another. So each waiting post is snoozed
// once, instead of waking at every refill to compete with thousands of
// others for one token — which turned 10,000 posts waiting on 20 accounts
// into a storm of database writes.
type Limiter struct {
	mu      sync.Mutex
	rates   map[limits.Network]Rate
	buckets map[int64]*bucket
	slots   map[int64]slot // job id → its reserved slot
	now     func() time.Time
}

type bucket struct {
	tokens  float64 // below zero: slots reserved ahead of the refill
	last    time.Time
	blocked time.Time // the network asked us to wait until then
}

type slot struct {
	account int64
	at      time.Time
}

// early is how much before its slot a snoozed job may go: River wakes it
// at the slot or a little after, and a few milliseconds are not worth a
// second snooze.
const early = 50 * time.Millisecond

// NewLimiter uses rates over DefaultRates (nil: the defaults).
func NewLimiter(rates map[limits.Network]Rate) *Limiter {
	r := map[limits.Network]Rate{}
	for k, v := range DefaultRates {
		r[k] = v
	}
	for k, v := range rates {
		r[k] = v
	}
	return &Limiter{rates: r, buckets: map[int64]*bucket{}, slots: map[int64]slot{}, now: time.Now}
}

func (l *Limiter) rate(n limits.Network) Rate {
	if r, ok := l.rates[n]; ok && r.Burst > 0 && r.Per > 0 {
		return r
	}
	return FallbackRate
}

func (l *Limiter) bucket(account int64, r Rate, now time.Time) *bucket {
	b := l.buckets[account]
	if b == nil {
		b = &bucket{tokens: float64(r.Burst), last: now}
		l.buckets[account] = b
	}
	if now.After(b.last) {
		per := r.Per.Seconds() / float64(r.Burst) // seconds per token
		b.tokens = min(float64(r.Burst), b.tokens+now.Sub(b.last).Seconds()/per)
		b.last = now
	}
	return b
}

// Take takes one request from the account's bucket; when it is empty it
// takes nothing and says how long to wait.
func (l *Limiter) Take(account int64, n limits.Network) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rate(n)
	now := l.now()
	b := l.bucket(account, r, now)
	if now.Before(b.blocked) {
		return b.blocked.Sub(now)
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	per := r.Per.Seconds() / float64(r.Burst)
	return time.Duration((1 - b.tokens) * per * float64(time.Second))
}

// Reserve is Take for a job that can come back: when the bucket is empty
// it reserves the next free slot for the job and says how long until it;
// called again by the same job, it answers 0 once the slot has come (or
// the wait left, or the network's block).
func (l *Limiter) Reserve(job, account int64, n limits.Network) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rate(n)
	now := l.now()
	b := l.bucket(account, r, now)
	s, reserved := l.slots[job]
	if reserved && s.account != account {
		delete(l.slots, job) // the variant moved to another account
		reserved = false
	}
	if reserved {
		wait = s.at.Sub(now)
		if now.Before(b.blocked) {
			wait = max(wait, b.blocked.Sub(now))
		}
		if wait <= early {
			delete(l.slots, job)
			return 0
		}
		return wait
	}
	if now.Before(b.blocked) {
		return b.blocked.Sub(now)
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	per := r.Per.Seconds() / float64(r.Burst)
	wait = time.Duration(-b.tokens * per * float64(time.Second))
	l.forgetStale(now)
	l.slots[job] = slot{account: account, at: now.Add(wait)}
	return wait
}

// forgetStale drops slots an hour past their time: their jobs ended
// without coming back (variant rescheduled, or worked by another instance).
func (l *Limiter) forgetStale(now time.Time) {
	if len(l.slots) < 1024 {
		return
	}
	for job, s := range l.slots {
		if now.Sub(s.at) > time.Hour {
			delete(l.slots, job)
		}
	}
}

// Block stops an account's requests until the network's Retry-After
// and moves the reserved slots back by as much. Then one request may go
// (the network said when to try again) and the rest follow at the
// documented rate. Without that one, a network with a small daily budget
// (X: 100 a day, one every 14 minutes) would add its refill time to every
// short Retry-After.
func (l *Limiter) Block(account int64, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[account]
	if b == nil {
		b = &bucket{tokens: 1, last: now}
		l.buckets[account] = b
	}
	until := now.Add(d)
	if !until.After(b.blocked) {
		return
	}
	shift := until.Sub(maxTime(b.blocked, now))
	b.blocked = until
	if b.tokens >= 0 {
		b.tokens = 1 // the one the network invites; reservations (debt) stay queued
	}
	b.last = maxTime(b.last, now).Add(shift)
	for job, s := range l.slots {
		if s.account == account {
			s.at = s.at.Add(shift)
			l.slots[job] = s
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
