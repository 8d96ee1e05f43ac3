// Package jobs runs background jobs on River, on both engines through
// database/sql: riversqlite on SQLite, riverdatabasesql (pgx's stdlib) on
// PostgreSQL. Both take a *sql.Tx, so a job is inserted in the same
// transaction as the change that causes it (the outbox comes for free).
//
// On SQLite River shares the store's single write connection: its producer
// and our writers take turns on it, and a job inserted in a transaction is
// visible to River only after the commit. River polls (no LISTEN/NOTIFY on
// either driver), every FetchPoll.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/attache-project/attache/internal/db"
)

// Client is River's client over database/sql.
type Client = river.Client[*sql.Tx]

func driver(d *db.DB) riverdriver.Driver[*sql.Tx] {
	if d.Dialect == db.SQLite {
		return riversqlite.New(d.WriteSQL())
	}
	return riverdatabasesql.New(d.WriteSQL())
}

// Migrate creates or upgrades River's own tables (river_job, river_leader
// …). It runs at start, after the store's migrations, on both engines.
func Migrate(ctx context.Context, d *db.DB) error {
	m, err := rivermigrate.New(driver(d), nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// Config is what an Engine runs.
type Config struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	// Workers per process (default 10).
	Concurrency int
	// FetchPoll is how often River looks for due jobs (default 200 ms).
	FetchPoll time.Duration
	// Backoff is the wait before retry n (1-based) of a failed job;
	// default n⁴ seconds (1 s, 16 s, 81 s … 10 000 s: ten attempts span
	// about seven hours).
	Backoff func(attempt int) time.Duration
	// MaxAttempts before a job is discarded (default 10).
	MaxAttempts int
	// JobTimeout cancels a job's context (default 1 min); a job still
	// "running" after a crash is rescued RescueAfter later (default 2 min).
	JobTimeout  time.Duration
	RescueAfter time.Duration
	Log         *slog.Logger
}

// Engine is a started or startable River client.
type Engine struct {
	DB     *db.DB
	Client *Client
}

type retryPolicy struct{ backoff func(int) time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(p.backoff(job.Attempt))
}

// DefaultBackoff is n⁴ seconds before retry n.
func DefaultBackoff(attempt int) time.Duration {
	return time.Duration(math.Pow(float64(max(attempt, 1)), 4)) * time.Second
}

// New builds an Engine; River's tables must exist (Migrate).
func New(d *db.DB, c Config) (*Engine, error) {
	if c.Concurrency <= 0 {
		c.Concurrency = 10
	}
	if c.FetchPoll <= 0 {
		c.FetchPoll = 200 * time.Millisecond
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = time.Minute
	}
	if c.RescueAfter <= c.JobTimeout {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	cfg := &river.Config{
		Logger:               c.Log,
		MaxAttempts:          c.MaxAttempts,
		JobTimeout:           c.JobTimeout,
		RescueStuckJobsAfter: c.RescueAfter,
		RetryPolicy:          retryPolicy{c.Backoff},
		FetchPollInterval:    c.FetchPoll,
		FetchCooldown:        min(c.FetchPoll, 100*time.Millisecond),
		PollOnly:             true,
		PeriodicJobs:         c.Periodic,
	}
	if c.Workers != nil {
		cfg.Workers = c.Workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.Concurrency}}
	}
	cl, err := river.NewClient(driver(d), cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Engine{DB: d, Client: cl}, nil
}

// Start starts working jobs until Stop.
func (e *Engine) Start(ctx context.Context) error { return e.Client.Start(ctx) }

// Stop lets running jobs finish (until ctx ends) and stops.
func (e *Engine) Stop(ctx context.Context) error { return e.Client.Stop(ctx) }

// InsertTx adds a job inside tx.
func (e *Engine) InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return e.Client.InsertTx(ctx, tx.SQL(), args, opts)
}
