package publish

import (
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
	NoPeriodic    bool          // tests drive PollMetrics and PullMentions themselves
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
		}
	}
	e, err := jobs.New(p.DB, jobs.Config{Workers: ws, Periodic: periodic, Concurrency: c.Concurrency, FetchPoll: c.FetchPoll,
		Backoff: c.Backoff, MaxAttempts: p.maxAttempts(), Log: p.Log})
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
