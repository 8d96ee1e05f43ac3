package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/netguard"
)

// Ingester stores collected items of an organisation; *ingest.Pipeline
// is one.
type Ingester interface {
	// Ingest stores every item.
	Ingest(ctx context.Context, orgID int64, items []ingest.Item) (ingest.Result, error)
	// IngestMatching stores only the items that match one of the
	// organisation's topics.
	IngestMatching(ctx context.Context, orgID int64, items []ingest.Item) (ingest.Result, error)
}

// Runner polls and follows the sources of every organisation. Any number
// of instances may run it at once (see ClaimDue and Follow).
type Runner struct {
	DB     *db.DB
	Ingest Ingester
	// HTTP fetches feeds and timelines and dials the Jetstream; in
	// production the guarded client (netguard.Client). nil means a
	// guarded client that refuses private addresses.
	HTTP *http.Client
	Log  *slog.Logger // nil: no logging
	Now  func() time.Time

	// Tuning; zero means the default.
	Rescan      time.Duration // how often Follow re-reads the Bluesky sources (a minute)
	FlushEvents int           // Jetstream events per stored batch (500)
	FlushEvery  time.Duration // the longest a Jetstream event waits to be stored (2 s)
	// leaseFor replaces StreamLease (tests).
	leaseFor time.Duration

	once          sync.Once
	defaultClient *http.Client
}

// Polling bounds: pollTimeout bounds one source's run (fetch and store),
// well under PollLease. RunDue claims pollWorkers sources at a time and
// runs them at once, so that a claimed source starts at once and its
// lease cannot run out before it is done; it stops after maxPerRun.
const (
	pollTimeout = 2 * time.Minute
	pollWorkers = 4
	maxPerRun   = 64
	storeBatch  = 1000
)

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Runner) client() *http.Client {
	if r.HTTP != nil {
		return r.HTTP
	}
	r.once.Do(func() { r.defaultClient = netguard.Client(false, time.Minute) })
	return r.defaultClient
}

func (r *Runner) rescan() time.Duration     { return durationOr(r.Rescan, time.Minute) }
func (r *Runner) flushEvery() time.Duration { return durationOr(r.FlushEvery, flushEvery) }
func (r *Runner) streamLease() time.Duration {
	return durationOr(r.leaseFor, StreamLease)
}

func (r *Runner) flushEvents() int {
	if r.FlushEvents > 0 {
		return r.FlushEvents
	}
	return flushEvents
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// RunDue claims the RSS and Mastodon sources that are due (ClaimDue), a
// few at a time, polls them at once, stores what they bring and records
// each outcome (Finish), until none is due (or maxPerRun ran). It returns
// how many sources it ran. A source's failure is recorded on the source,
// not returned; the error is the database's.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	if r.Ingest == nil {
		return 0, errors.New("source: the runner has no ingest pipeline")
	}
	ran := 0
	for ran < maxPerRun && ctx.Err() == nil {
		claimed, err := ClaimDue(ctx, r.DB.W(), r.now(), pollWorkers)
		var wg sync.WaitGroup
		for _, s := range claimed {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.runOne(ctx, s)
			}()
		}
		wg.Wait()
		ran += len(claimed)
		if err != nil || len(claimed) == 0 {
			return ran, err
		}
	}
	return ran, nil
}

// runOne polls one claimed source and records the outcome.
func (r *Runner) runOne(ctx context.Context, s Source) {
	pctx, cancel := context.WithTimeout(ctx, pollTimeout)
	o := r.poll(pctx, s)
	cancel()
	if err := Finish(context.WithoutCancel(ctx), r.DB.W(), s, o, r.now()); err != nil {
		r.log().Warn("source: recording a run", "source", s.ID, "org", s.OrgID, "error", err)
		return
	}
	if o.Err != nil {
		r.log().Warn("source: run failed", "source", s.ID, "org", s.OrgID, "kind", s.Kind, "stored", o.Items, "error", o.Err, "retry_after", o.RetryAfter)
		return
	}
	r.log().Debug("source: run", "source", s.ID, "org", s.OrgID, "kind", s.Kind, "stored", o.Items)
}

// poll fetches and stores; what it could not store leaves the state as it
// was, so that the next run fetches it again.
func (r *Runner) poll(ctx context.Context, s Source) Outcome {
	items, state, keepAll, err := r.fetch(ctx, s)
	o := Outcome{State: state, Err: err, RetryAfter: retryAfterOf(err)}
	if len(items) > 0 {
		n, serr := r.store(ctx, s.OrgID, items, keepAll)
		o.Items = n
		if serr != nil {
			o.State, o.Err = nil, serr
		}
	}
	return o
}

// fetch reads what is new at a polled source; keepAll is false when only
// what matches a topic is stored.
func (r *Runner) fetch(ctx context.Context, s Source) (items []ingest.Item, state json.RawMessage, keepAll bool, err error) {
	c, err := s.Settings()
	if err != nil {
		return nil, nil, false, fmt.Errorf("the source's settings are not valid: %w", err)
	}
	switch c := c.(type) {
	case *RSSConfig:
		items, state, err = r.fetchRSS(ctx, c, s.State)
		return items, state, true, err
	case *MastodonConfig:
		items, state, err = r.fetchMastodon(ctx, c, s.State)
		return items, state, c.keepsAll(), err
	}
	return nil, nil, false, fmt.Errorf("%s sources are not polled", s.Kind)
}

// store ingests items in batches and returns how many mentions are new.
func (r *Runner) store(ctx context.Context, orgID int64, items []ingest.Item, keepAll bool) (int, error) {
	n := 0
	for len(items) > 0 {
		chunk := items[:min(len(items), storeBatch)]
		items = items[len(chunk):]
		var res ingest.Result
		var err error
		if keepAll {
			res, err = r.Ingest.Ingest(ctx, orgID, chunk)
		} else {
			res, err = r.Ingest.IngestMatching(ctx, orgID, chunk)
		}
		n += res.Inserted
		if err != nil {
			return n, fmt.Errorf("storing: %w", err)
		}
	}
	return n, nil
}

// Preview fetches what an RSS or Mastodon source would bring now, without
// storing anything or changing the source: up to limit items, normalised,
// for a page to show before the source is saved. s need not be stored.
func (r *Runner) Preview(ctx context.Context, s Source, limit int) ([]ingest.Item, error) {
	s.State = nil
	if s.OrgID == 0 {
		s.OrgID = 1 // Validate wants one; nothing is stored
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if !s.Kind.Polled() {
		return nil, fieldErr("kind", "only RSS and Mastodon sources can be previewed")
	}
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	items, _, _, err := r.fetch(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]ingest.Item, 0, min(len(items), limit))
	for _, it := range items {
		if len(out) == limit {
			break
		}
		if ingest.Normalise(&it) == nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// Follow keeps a Jetstream connection for each enabled Bluesky source,
// on this instance or another: every Rescan it re-reads the sources,
// claims the free ones (their next_run_at as a lease, renewed while
// connected, so that one instance follows a source at a time), starts
// followers for them, and stops those whose source was edited, disabled
// or deleted (an edited source is taken up again with its new settings).
// It returns nil when ctx ends, after every follower has stored what it
// read and released its source.
func (r *Runner) Follow(ctx context.Context) error {
	if r.Ingest == nil {
		return errors.New("source: the runner has no ingest pipeline")
	}
	st := &streams{r: r, ctx: ctx, live: map[int64]stream{}, ended: make(chan int64)}
	defer st.stopAll()
	t := time.NewTicker(r.rescan())
	defer t.Stop()
	for {
		if err := st.rescan(); err != nil && ctx.Err() == nil {
			r.log().Error("jetstream: reading the sources", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case id := <-st.ended:
			delete(st.live, id)
		}
	}
}

// streams are the followers this instance runs, by source id.
type streams struct {
	r     *Runner
	ctx   context.Context
	live  map[int64]stream
	ended chan int64 // a follower's source id when it has stopped
	wg    sync.WaitGroup
}

type stream struct {
	stop    context.CancelFunc
	updated time.Time // the source's updated_at when it started
}

// rescan stops the followers of sources that were edited, disabled or
// deleted, and claims and starts the free ones.
func (st *streams) rescan() error {
	srcs, err := listStreams(st.ctx, st.r.DB.R())
	if err != nil {
		return err
	}
	listed := map[int64]bool{}
	now := st.r.now()
	for _, s := range srcs {
		listed[s.ID] = true
		if f, ok := st.live[s.ID]; ok {
			if !f.updated.Equal(s.UpdatedAt) {
				f.stop() // taken up again with its new settings once it has stopped
			}
			continue
		}
		if s.NextRunAt.After(now) {
			continue // another instance holds it
		}
		c, err := s.Settings()
		if err != nil {
			st.r.log().Error("jetstream: a source's settings are not valid", "source", s.ID, "error", err)
			continue
		}
		cl, ok, err := claim(st.ctx, st.r.DB.W(), s.ID, now, now.Add(st.r.streamLease()))
		if err != nil {
			return err
		}
		if ok {
			st.start(cl, c.(*BlueskyConfig))
		}
	}
	for id, f := range st.live {
		if !listed[id] {
			f.stop()
		}
	}
	return nil
}

func (st *streams) start(s Source, cfg *BlueskyConfig) {
	fctx, stop := context.WithCancel(st.ctx)
	st.live[s.ID] = stream{stop: stop, updated: s.UpdatedAt}
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		defer stop()
		newFollower(st.r, s, cfg).run(fctx)
		select {
		case st.ended <- s.ID:
		case <-st.ctx.Done():
		}
	}()
}

func (st *streams) stopAll() {
	for _, f := range st.live {
		f.stop()
	}
	st.wg.Wait()
}
