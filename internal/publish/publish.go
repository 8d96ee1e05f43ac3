// Package publish is the publishing engine: the River job that sends one
// approved variant's version to its network exactly once as the audience
// sees it, the outbox that enqueues it inside the approving transaction,
// and the periodic jobs that pull metrics and replies back.
//
// Exactly once: every attempt is recorded (committed) before the network
// is called; the connector gets an idempotency key stable for the
// variant's version; an attempt whose outcome is unknown (a crash, a
// timeout) makes the next one ask the network first (Connector.Find).
package publish

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/jobs"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/secret"
)

// NotifyFailed is the notification kind sent to a variant's author when
// the network refuses it for good.
const NotifyFailed = "publish_failed"

// Args is the publish job of one variant's version.
type Args struct {
	VariantID int64 `json:"variant_id"`
	Version   int   `json:"version"`
}

// Kind names the job in River's table.
func (Args) Kind() string { return "publish_variant" }

// Publisher holds what publishing needs.
type Publisher struct {
	DB        *db.DB
	Box       *secret.Box
	Campaigns *campaign.Service
	Media     *media.Store
	Notify    *notify.Service // woken after a failure notification; may be nil
	Registry  channel.Registry
	HTTP      *http.Client // the SSRF-guarded client
	Limiter   *Limiter
	// Ingest is listening's pipeline, which identifies, analyses and
	// matches the pulled replies; nil means one without language
	// identification.
	Ingest *ingest.Pipeline
	Log    *slog.Logger
	Engine *jobs.Engine // set by Start
	// MaxAttempts is how many transient failures a version may have before
	// it fails for good (River's attempt count); default 10.
	MaxAttempts int
	// Early: a job that finds its variant due within Early (default 1 s)
	// publishes now instead of snoozing (River polls; times are whole seconds).
	Early time.Duration
	// RefreshAhead: accounts whose access token expires within it are
	// renewed by the refresh job (default DefaultRefreshAhead).
	RefreshAhead time.Duration

	renewals sync.Map // account id → its renewal lock (chan struct{}, see renew)
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// runAt is the River schedule of a job due at at: River stores any job
// with a ScheduledAt as "scheduled", which only the leader's scheduler
// (every few seconds, and not at all while a new leader is elected) makes
// runnable; a job already due gets none, so workers take it at once.
func runAt(at time.Time) time.Time {
	if !at.After(time.Now()) {
		return time.Time{}
	}
	return at
}

// EnqueueTx adds the publish job of a variant's version to tx (the
// approving transaction): it becomes visible to the workers at commit, and
// disappears with a rollback. One job per (variant, version): enqueueing
// twice is harmless. Variants of a training sandbox get no job.
func (p *Publisher) EnqueueTx(ctx context.Context, tx *db.Tx, variantID int64, version int, at time.Time) error {
	if p.Engine == nil {
		return errors.New("publishing engine is not running")
	}
	if sandbox, err := campaign.InSandbox(ctx, tx, variantID); err != nil || sandbox {
		return err
	}
	_, err := p.Engine.InsertTx(ctx, tx, Args{VariantID: variantID, Version: version}, &river.InsertOpts{
		ScheduledAt: runAt(at),
		MaxAttempts: p.maxAttempts(),
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	return err
}

func (p *Publisher) early() time.Duration {
	if p.Early > 0 {
		return p.Early
	}
	return time.Second
}

func (p *Publisher) maxAttempts() int {
	if p.MaxAttempts > 0 {
		return p.MaxAttempts
	}
	return 10
}

// EnqueueMissing enqueues the job of every scheduled variant whose version
// has no job yet (approved before the engine existed, or enqueued by a
// process without one). Unique args make it idempotent. Training
// sandboxes are left out.
func (p *Publisher) EnqueueMissing(ctx context.Context) (int, error) {
	rows, err := p.DB.R().QueryContext(ctx, `SELECT v.id, v.version, v.scheduled_at FROM variants v
		WHERE v.state = 'scheduled' AND v.scheduled_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM publish_attempts pa WHERE pa.variant_id = v.id AND pa.version = v.version)
		AND NOT `+campaign.SandboxWhere, true)
	if err != nil {
		return 0, err
	}
	type due struct {
		id      int64
		version int
		at      time.Time
	}
	var ds []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.version, &d.at); err != nil {
			rows.Close()
			return 0, err
		}
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for i := 0; i < len(ds); i += 200 {
		batch := ds[i:min(i+200, len(ds))]
		err := p.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, d := range batch {
				res, err := p.Engine.InsertTx(ctx, tx, Args{VariantID: d.id, Version: d.version}, &river.InsertOpts{
					ScheduledAt: runAt(d.at), MaxAttempts: p.maxAttempts(), UniqueOpts: river.UniqueOpts{ByArgs: true}})
				if err != nil {
					return err
				}
				if !res.UniqueSkippedAsDuplicate {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Worker works publish jobs.
type Worker struct {
	river.WorkerDefaults[Args]
	P *Publisher
}

// target is what the job reads of its variant.
type target struct {
	state       campaign.State
	version     int
	accountID   int64
	orgID       int64
	itemID      int64
	authorID    int64
	language    string
	scheduledAt *time.Time
}

func (p *Publisher) loadTarget(ctx context.Context, id int64) (target, error) {
	var t target
	err := p.DB.R().QueryRowContext(ctx, `SELECT state, version, channel_account_id, org_id, item_id, COALESCE(author_id, 0), language, scheduled_at
		FROM variants WHERE id = ?`, id).Scan(&t.state, &t.version, &t.accountID, &t.orgID, &t.itemID, &t.authorID, &t.language, &t.scheduledAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, db.ErrNotFound
	}
	return t, err
}

// Work publishes one variant's version.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	return w.P.work(ctx, job.ID, job.Args, job.Attempt, job.MaxAttempts)
}

func (p *Publisher) work(ctx context.Context, jobID int64, a Args, attempt, maxAttempts int) error {
	t, err := p.loadTarget(ctx, a.VariantID)
	if errors.Is(err, db.ErrNotFound) {
		return nil // deleted since
	}
	if err != nil {
		return err
	}
	// Rescheduled, reopened or already out since the job was enqueued: a
	// new approval enqueues its own job.
	if t.version != a.Version || (t.state != campaign.StateScheduled && t.state != campaign.StatePublishing) {
		return nil
	}
	// Nothing of a training sandbox is ever published, whatever queued it.
	if sandbox, err := campaign.InSandbox(ctx, p.DB.R(), a.VariantID); err != nil || sandbox {
		return err
	}
	if t.scheduledAt != nil {
		if wait := time.Until(*t.scheduledAt) - p.early(); wait > 0 {
			return river.JobSnooze(wait)
		}
	}
	acc, err := channel.Get(ctx, p.DB.R(), t.orgID, t.accountID)
	if err != nil {
		return err
	}
	if wait := p.Limiter.Reserve(jobID, acc.ID, acc.Network); wait > 0 {
		return river.JobSnooze(wait)
	}

	// Record the attempt before calling the network.
	var attemptNo int
	var unknown bool
	err = p.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE variants SET state = ? WHERE id = ? AND version = ? AND state IN (?, ?)",
			campaign.StatePublishing, a.VariantID, a.Version, campaign.StateScheduled, campaign.StatePublishing)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoop
		}
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(attempt), 0) FROM publish_attempts WHERE variant_id = ? AND version = ?",
			a.VariantID, a.Version).Scan(&attemptNo); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM publish_attempts WHERE variant_id = ? AND version = ?
			AND (outcome = '' OR (outcome = 'transient' AND detail LIKE 'unknown:%'))`, a.VariantID, a.Version).Scan(&pending); err != nil {
			return err
		}
		unknown = pending > 0
		attemptNo++
		_, err = tx.ExecContext(ctx, "INSERT INTO publish_attempts (variant_id, version, attempt, started_at) VALUES (?, ?, ?, ?)",
			a.VariantID, a.Version, attemptNo, now())
		return err
	})
	if errors.Is(err, errNoop) {
		return nil
	}
	if err != nil {
		return err
	}

	post, err := p.post(ctx, a, t)
	if err != nil {
		return p.fail(ctx, a, t, acc, attemptNo, attempt, maxAttempts, err)
	}
	conn, from, err := p.connector(ctx, acc)
	if err != nil {
		return p.fail(ctx, a, t, acc, attemptNo, attempt, maxAttempts, &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err})
	}
	// A session the connector made or renewed on its own is stored, as a
	// refresh is (conn and from change when the 401 path renews).
	defer func() { p.keepSession(ctx, acc, conn, from) }()
	// Connectors with a two-step flow (Instagram, Threads) keep their
	// container ids here, durably, across attempts of this version.
	ctx = channel.WithCheckpoints(ctx, checkpoints{db: p.DB, variantID: a.VariantID, version: a.Version})
	if unknown {
		pub, ok, err := conn.Find(ctx, post)
		if err != nil {
			return p.fail(ctx, a, t, acc, attemptNo, attempt, maxAttempts, err)
		}
		if ok {
			return p.succeed(ctx, a, acc, attemptNo, pub, "found")
		}
	}
	pub, err := conn.Publish(ctx, post)
	if err != nil && channel.KindOf(err) == channel.Unauthorized {
		conn2, from2, rerr := p.renew(ctx, acc, conn, from)
		switch {
		case rerr == nil && conn2 != nil:
			conn, from = conn2, from2
			pub, err = conn.Publish(ctx, post)
		case rerr != nil && channel.KindOf(rerr) == channel.Transient:
			err = rerr // the token endpoint failed: retried, not a refusal
		}
		if err != nil && channel.KindOf(err) == channel.Unauthorized {
			err = &channel.Error{Kind: channel.Permanent, Message: "the network refused the account's credentials; reconnect the account: " + err.Error(), Err: err}
		}
	}
	if err != nil {
		return p.fail(ctx, a, t, acc, attemptNo, attempt, maxAttempts, err)
	}
	return p.succeed(ctx, a, acc, attemptNo, pub, "published")
}

var errNoop = errors.New("nothing to do")

// post builds what goes out: the text as published, the item's link and
// media.
func (p *Publisher) post(ctx context.Context, a Args, t target) (channel.Post, error) {
	text, err := p.Campaigns.PublishText(ctx, a.VariantID)
	if err != nil {
		return channel.Post{}, err
	}
	link, err := p.Campaigns.PublishLink(ctx, a.VariantID)
	if err != nil {
		return channel.Post{}, err
	}
	post := channel.Post{VariantID: a.VariantID, Version: a.Version, IdempotencyKey: channel.IdempotencyKey(a.VariantID, a.Version),
		Text: text, Language: t.language, Link: link}
	rows, err := p.DB.R().QueryContext(ctx, "SELECT file_name, content_type, alt_text, size, sha256 FROM media WHERE item_id = ? ORDER BY id", t.itemID)
	if err != nil {
		return post, err
	}
	defer rows.Close()
	for rows.Next() {
		var m channel.Media
		var sum string
		if err := rows.Scan(&m.FileName, &m.ContentType, &m.Alt, &m.Size, &sum); err != nil {
			return post, err
		}
		m.SHA256 = sum
		store := p.Media
		m.Open = func() (io.ReadCloser, error) {
			if store == nil {
				return nil, errors.New("no media store")
			}
			return store.Open(sum)
		}
		post.Media = append(post.Media, m)
	}
	return post, rows.Err()
}

// connector builds the account's connector; it returns the credentials it
// was built from too, which a renewal stores its result over
// (storeRenewed).
func (p *Publisher) connector(ctx context.Context, acc channel.Account) (channel.Connector, channel.Credentials, error) {
	f := p.Registry[acc.Network]
	if f == nil {
		return nil, nil, channel.ErrNoConnector
	}
	creds, err := channel.LoadCredentials(ctx, p.DB.R(), p.Box, acc.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(creds) == 0 {
		return nil, nil, errors.New("the account is not connected")
	}
	conn, err := f(acc, maps.Clone(creds), p.httpClient())
	return conn, creds, err
}

func (p *Publisher) httpClient() *http.Client {
	if p.HTTP != nil {
		return p.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

func (p *Publisher) succeed(ctx context.Context, a Args, acc channel.Account, attemptNo int, pub channel.Published, outcome string) error {
	at := now()
	if !pub.At.IsZero() {
		at = pub.At.UTC().Truncate(time.Microsecond)
	}
	return p.DB.InTx(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE variants SET state = ?, external_id = ?, url = ?, error = '', published_at = ? WHERE id = ? AND version = ?",
			campaign.StatePublished, pub.ExternalID, pub.URL, at, a.VariantID, a.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE publish_attempts SET finished_at = ?, outcome = ?, external_id = ? WHERE variant_id = ? AND version = ? AND attempt = ?",
			now(), outcome, pub.ExternalID, a.VariantID, a.Version, attemptNo); err != nil {
			return err
		}
		return channel.RecordSuccess(ctx, tx, acc.ID, now())
	})
}

// fail records a failed attempt: transient errors go back to scheduled and
// are retried by River (or snoozed for the network's Retry-After) until
// the attempts run out; permanent ones fail the variant and tell its
// author.
func (p *Publisher) fail(ctx context.Context, a Args, t target, acc channel.Account, attemptNo, attempt, maxAttempts int, cause error) error {
	ctx = context.WithoutCancel(ctx)
	msg := cause.Error()
	var ce *channel.Error
	errors.As(cause, &ce)
	kind := channel.KindOf(cause)
	outcome, detail := "permanent", msg
	if kind != channel.Permanent {
		outcome = "transient"
		if ce == nil || ce.Status == 0 {
			detail = "unknown: " + msg // a timeout or a dropped connection: the post may exist
		}
		if ce != nil && ce.RetryAfter > 0 {
			p.Limiter.Block(acc.ID, ce.RetryAfter)
		}
	}
	final := kind == channel.Permanent || attempt >= maxAttempts
	err := p.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE publish_attempts SET finished_at = ?, outcome = ?, detail = ? WHERE variant_id = ? AND version = ? AND attempt = ?",
			now(), outcome, clip(detail, 2000), a.VariantID, a.Version, attemptNo); err != nil {
			return err
		}
		state := campaign.StateScheduled
		if final {
			state = campaign.StateFailed
		}
		if _, err := tx.ExecContext(ctx, "UPDATE variants SET state = ?, error = ? WHERE id = ? AND version = ?",
			state, clip(msg, 2000), a.VariantID, a.Version); err != nil {
			return err
		}
		if err := channel.RecordError(ctx, tx, acc.ID, now(), msg); err != nil {
			return err
		}
		if final && t.authorID != 0 {
			return notify.Notify(ctx, tx, notify.Notification{UserID: t.authorID, OrgID: t.orgID, Kind: NotifyFailed,
				Title: "Not published on " + acc.Name + ": " + notify.Snippet(msg),
				Link:  variantLink(ctx, tx, a.VariantID)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if final {
		if t.authorID != 0 && p.Notify != nil {
			p.Notify.Wake()
		}
		p.log().Warn("publishing failed", "variant", a.VariantID, "version", a.Version, "error", msg)
		return nil // River is done with it: the variant shows why
	}
	if ce != nil && ce.RetryAfter > 0 {
		return river.JobSnooze(ce.RetryAfter)
	}
	return cause
}

// variantLink is the campaign page of a variant, in its organisation.
func variantLink(ctx context.Context, q db.Queryer, variantID int64) string {
	var slug string
	var cid int64
	_ = q.QueryRowContext(ctx, "SELECT o.slug, v.campaign_id FROM variants v JOIN orgs o ON o.id = v.org_id WHERE v.id = ?", variantID).Scan(&slug, &cid)
	return "/o/" + slug + "/campaigns/" + strconv.FormatInt(cid, 10)
}

func (p *Publisher) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n]
}
