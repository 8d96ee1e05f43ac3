package publish

import (
	"cmp"
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/attache-project/attache/internal/jobs"
)

// EngineConfig tunes the engine (zero values: production defaults).
type EngineConfig struct {
	Concurrency   int
	FetchPoll     time.Duration
	Backoff       func(attempt int) time.Duration
	MetricsEvery  time.Duration // how often due metrics are looked for (default 5 min)
	MentionsEvery time.Duration // how often replies are pulled (default 5 min)
	RefreshEvery  time.Duration // how often expiring credentials are renewed (default 30 min)
	NoPeriodic    bool          // tests drive PollMetrics, PullMentions and RefreshExpiring themselves
	// JobTimeout cancels a publish job's context (default DefaultJobTimeout);
	// RescueAfter is how long a job left "running" by a dead process waits
	// before it is retried (default DefaultRescueAfter; at least JobTimeout
	// plus rescueMargin). See DefaultJobTimeout for the reasoning.
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// Tasks are other areas' periodic work run on this engine (listening's
	// signals and sources); NoPeriodic leaves them out too.
	Tasks []jobs.Task
}

// Crash recovery. A job that was running when its process died (SIGKILL,
// power loss) stays "running" in River's table until River's rescuer, on
// the leader every 30 s, finds it RescueAfter after it started and
// retries it. That wait is most of the recovery time after a crash, so it
// should be short; but a job still working in a live process must never be
// rescued, or two runs of one publish overlap and, on networks that cannot
// be asked whether a post exists (Telegram, Viber), the second could post
// again. River cancels a job's context at JobTimeout, so RescueAfter must
// exceed JobTimeout by what a cancelled job needs to record its outcome.
//
// DefaultJobTimeout must cover a legitimate publish. Every request goes
// through the SSRF-guarded client, whose timeout bounds each request,
// uploads included, at 30 s (netguard.Client in app.Open; the connectors'
// own per-call limits, Telegram's 20 s and 90 s for uploads and Viber's
// 20 s, cannot exceed it). The one request that must not be cut is the send
// on Telegram and Viber: cut after it was written, its outcome is unknown
// and the variant fails rather than risk a duplicate; it is a single
// request, preceded only by database work, so 60 s leaves it 30 s. Longer
// flows are built to resume when cut: Mastodon retries with the same
// Idempotency-Key after uploading its media again (the connector itself
// waits at most 60 s for processing), Instagram and Threads keep their
// container id in a checkpoint (their connectors wait up to 2 min for it to
// be processed, so a slow container takes two attempts), Bluesky collides
// on its record key, X, LinkedIn and Facebook look for the post first. A
// shorter timeout would cut Mastodon media processing that the connector
// allows (re-uploading on every attempt, so it could never finish).
//
// DefaultRescueAfter is DefaultJobTimeout + 30 s: a cancelled job's
// requests end at once with the context, and recording the outcome is one
// transaction (River itself calls a job stuck 10 s after its timeout).
// After a crash, running publishes are retried 90–120 s after they started
// (the rescuer's 30 s tick), instead of 2–2.5 min with the 1 min / 2 min
// the engine had before (internal/jobs' defaults). BENCHMARKS.md has the
// crash test's figures.
const (
	DefaultJobTimeout  = 60 * time.Second
	DefaultRescueAfter = DefaultJobTimeout + rescueMargin
	rescueMargin       = 30 * time.Second
	// pollTimeout bounds the periodic jobs (metrics, replies, credential
	// refresh), which call every account in turn: more than one publish,
	// less than their interval. River's rescuer honours it.
	pollTimeout = 4 * time.Minute
)

// timeouts returns the job timeout and the rescue delay of c.
func (c EngineConfig) timeouts() (time.Duration, time.Duration) {
	timeout, rescue := c.JobTimeout, c.RescueAfter
	if timeout <= 0 {
		timeout = DefaultJobTimeout
	}
	if rescue <= 0 {
		rescue = DefaultRescueAfter
	}
	if rescue < timeout+rescueMargin {
		rescue = timeout + rescueMargin
	}
	return timeout, rescue
}

// Open runs River's migrations and builds the job client, so that
// EnqueueTx works; Start begins working jobs.
func (p *Publisher) Open(ctx context.Context, c EngineConfig) error {
	if p.Limiter == nil {
		p.Limiter = NewLimiter(nil)
	}
	if err := jobs.Migrate(ctx, p.DB); err != nil {
		return err
	}
	ws := river.NewWorkers()
	river.AddWorker(ws, &Worker{P: p})
	river.AddWorker(ws, &metricsWorker{P: p})
	river.AddWorker(ws, &mentionsWorker{P: p})
	river.AddWorker(ws, &refreshWorker{P: p})
	var periodic []*river.PeriodicJob
	if !c.NoPeriodic {
		every := func(d time.Duration) time.Duration {
			if d <= 0 {
				return 5 * time.Minute
			}
			return d
		}
		periodic = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(every(c.MetricsEvery)), func() (river.JobArgs, *river.InsertOpts) {
				return MetricsArgs{}, &river.InsertOpts{MaxAttempts: 1}
			}, nil),
			river.NewPeriodicJob(river.PeriodicInterval(every(c.MentionsEvery)), func() (river.JobArgs, *river.InsertOpts) {
				return MentionsArgs{}, &river.InsertOpts{MaxAttempts: 1}
			}, nil),
			river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(c.RefreshEvery, DefaultRefreshEvery)), func() (river.JobArgs, *river.InsertOpts) {
				return RefreshArgs{}, &river.InsertOpts{MaxAttempts: 1}
			}, nil),
		}
		periodic = append(periodic, jobs.AddTasks(ws, c.Tasks)...)
	}
	timeout, rescue := c.timeouts()
	e, err := jobs.New(p.DB, jobs.Config{Workers: ws, Periodic: periodic, Concurrency: c.Concurrency, FetchPoll: c.FetchPoll,
		Backoff: c.Backoff, MaxAttempts: p.maxAttempts(), JobTimeout: timeout, RescueAfter: rescue, Log: p.Log})
	if err != nil {
		return err
	}
	p.Engine = e
	return nil
}

// Start works jobs until Stop, after enqueueing the scheduled variants
// that have no job yet.
func (p *Publisher) Start(ctx context.Context) error {
	if n, err := p.EnqueueMissing(ctx); err != nil {
		return err
	} else if n > 0 {
		p.log().Info("publishing: enqueued scheduled variants without a job", "count", n)
	}
	// River stops gracefully on Stop; a cancelled Start context would
	// stop it hard, mid-job.
	return p.Engine.Start(context.WithoutCancel(ctx))
}

// Stop lets running jobs finish within ctx.
func (p *Publisher) Stop(ctx context.Context) error {
	if p.Engine == nil {
		return nil
	}
	return p.Engine.Stop(ctx)
}
