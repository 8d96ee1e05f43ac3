package publish

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
)

// MetricsArgs is the periodic metrics poll.
type MetricsArgs struct{}

func (MetricsArgs) Kind() string { return "poll_metrics" }

// MentionsArgs is the periodic pull of replies and mentions.
type MentionsArgs struct{}

func (MentionsArgs) Kind() string { return "pull_mentions" }

// MetricsSchedule is when a post's metrics are read after it went out:
// often in the first hours, then daily for 30 days.
func MetricsSchedule() []time.Duration {
	s := []time.Duration{15 * time.Minute, time.Hour, 3 * time.Hour, 12 * time.Hour, 24 * time.Hour}
	for d := 2; d <= 30; d++ {
		s = append(s, time.Duration(d)*24*time.Hour)
	}
	return s
}

// dueSince is the latest scheduled reading at or before now for a post
// published at pub (zero when none is due yet).
func dueSince(pub, now time.Time) time.Time {
	var due time.Time
	for _, d := range MetricsSchedule() {
		if t := pub.Add(d); !t.After(now) {
			due = t
		}
	}
	return due
}

type metricsWorker struct {
	river.WorkerDefaults[MetricsArgs]
	P *Publisher
}

func (w *metricsWorker) Work(ctx context.Context, _ *river.Job[MetricsArgs]) error {
	_, err := w.P.PollMetrics(ctx, time.Now().UTC())
	return err
}

func (w *metricsWorker) Timeout(*river.Job[MetricsArgs]) time.Duration { return pollTimeout }

// PollMetrics reads the metrics of every published post whose next
// scheduled reading is due, one call per account, and stores them as a
// time series in post_metrics. It returns how many rows it stored.
func (p *Publisher) PollMetrics(ctx context.Context, at time.Time) (int, error) {
	rows, err := p.DB.R().QueryContext(ctx, `SELECT v.id, v.org_id, v.channel_account_id, v.external_id, v.published_at,
		(SELECT MAX(pm.at) FROM post_metrics pm WHERE pm.variant_id = v.id)
		FROM variants v WHERE v.state = 'published' AND v.external_id <> '' AND v.published_at >= ?`, at.Add(-31*24*time.Hour))
	if err != nil {
		return 0, err
	}
	type post struct {
		id, org int64
		ext     string
	}
	byAccount := map[int64][]post{}
	for rows.Next() {
		var x post
		var acc int64
		var pub time.Time
		var last *time.Time
		var lastRaw any
		if err := rows.Scan(&x.id, &x.org, &acc, &x.ext, &pub, &lastRaw); err != nil {
			rows.Close()
			return 0, err
		}
		last = asTime(lastRaw)
		due := dueSince(pub, at)
		if due.IsZero() || (last != nil && !last.Before(due)) {
			continue
		}
		byAccount[acc] = append(byAccount[acc], x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	stamp := at.UTC().Truncate(time.Microsecond)
	for accID, posts := range byAccount {
		acc, err := channel.Get(ctx, p.DB.R(), posts[0].org, accID)
		if err != nil {
			continue
		}
		conn, from, err := p.connector(ctx, acc)
		if err != nil {
			continue
		}
		ids := make([]string, len(posts))
		for i, x := range posts {
			ids[i] = x.ext
		}
		ms, err := conn.Metrics(ctx, ids)
		p.keepSession(ctx, acc, conn, from)
		if err != nil {
			_ = channel.RecordError(ctx, p.DB.W(), acc.ID, stamp, "metrics: "+err.Error())
			continue
		}
		err = p.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, x := range posts {
				m, ok := ms[x.ext]
				if !ok {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO post_metrics (variant_id, at, likes, reposts, replies, quotes, views)
					VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (variant_id, at) DO NOTHING`,
					x.id, stamp, m.Likes, m.Reposts, m.Replies, m.Quotes, m.Views); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// asTime reads an aggregate timestamp: PostgreSQL returns a time, SQLite
// (MAX over a TIMESTAMP column loses the declared type) a string.
func asTime(v any) *time.Time {
	switch t := v.(type) {
	case time.Time:
		u := t.UTC()
		return &u
	case string:
		for _, f := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
			if x, err := time.Parse(f, t); err == nil {
				u := x.UTC()
				return &u
			}
		}
	case []byte:
		return asTime(string(t))
	}
	return nil
}

type mentionsWorker struct {
	river.WorkerDefaults[MentionsArgs]
	P *Publisher
}

func (w *mentionsWorker) Work(ctx context.Context, _ *river.Job[MentionsArgs]) error {
	_, err := w.P.PullMentions(ctx)
	return err
}

func (w *mentionsWorker) Timeout(*river.Job[MentionsArgs]) time.Duration { return pollTimeout }

// PullMentions asks every connected account for replies and mentions since
// its cursor and stores the new ones in the listening store (once per
// organisation, network and external id).
// It returns how many it stored.
func (p *Publisher) PullMentions(ctx context.Context) (int, error) {
	rows, err := p.DB.R().QueryContext(ctx, `SELECT a.id, a.org_id, COALESCE(mc.cursor, '') FROM channel_accounts a
		LEFT JOIN mention_cursors mc ON mc.account_id = a.id
		WHERE a.credentials <> '' AND a.archived_at IS NULL ORDER BY a.id`)
	if err != nil {
		return 0, err
	}
	type accRow struct {
		id, org int64
		cursor  string
	}
	var accs []accRow
	for rows.Next() {
		var a accRow
		if err := rows.Scan(&a.id, &a.org, &a.cursor); err != nil {
			rows.Close()
			return 0, err
		}
		accs = append(accs, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, ar := range accs {
		acc, err := channel.Get(ctx, p.DB.R(), ar.org, ar.id)
		if err != nil || p.Registry[acc.Network] == nil {
			continue
		}
		conn, from, err := p.connector(ctx, acc)
		if err != nil {
			continue
		}
		ms, next, err := conn.Mentions(ctx, ar.cursor)
		p.keepSession(ctx, acc, conn, from)
		if err != nil {
			_ = channel.RecordError(ctx, p.DB.W(), acc.ID, now(), "replies: "+err.Error())
			continue
		}
		batch := make([]listen.Mention, 0, len(ms))
		for _, m := range ms {
			lm := listen.Mention{OrgID: acc.OrgID, Source: string(acc.Network), AccountID: acc.ID, ExternalID: m.ExternalID,
				URL: m.URL, AuthorID: m.AuthorID, AuthorHandle: m.AuthorHandle, AuthorName: m.AuthorName, Text: m.Text,
				Language: m.Language, InReplyTo: m.InReplyTo, At: m.At, FetchedAt: now()}
			if lm.At.IsZero() {
				lm.At = now()
			}
			lm.Normalize()
			// One malformed mention (no id) must not hold up the account's
			// cursor and every mention after it.
			if lm.Validate() != nil {
				continue
			}
			batch = append(batch, lm)
		}
		// Identified, analysed and matched against the organisation's
		// topics like any text listening collects.
		topics, err := p.ingest().Annotate(ctx, acc.OrgID, batch)
		if err != nil {
			return n, err
		}
		stored := 0
		err = p.DB.InTx(ctx, func(tx *db.Tx) error {
			// Stored once per organisation, source and external id: the
			// same post seen through two accounts is one mention.
			var ids []int64
			var err error
			if stored, ids, err = listen.InsertBatch(ctx, tx, batch); err != nil {
				return err
			}
			if _, err := listen.InsertMatches(ctx, tx, ingest.MatchesOf(ids, topics)); err != nil {
				return err
			}
			if next == "" {
				next = ar.cursor
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO mention_cursors (account_id, cursor, fetched_at) VALUES (?, ?, ?)
				ON CONFLICT (account_id) DO UPDATE SET cursor = excluded.cursor, fetched_at = excluded.fetched_at`, acc.ID, next, now())
			return err
		})
		if err != nil {
			return n, err
		}
		n += stored
	}
	return n, nil
}

// ingest is listening's pipeline, which annotates the pulled mentions: the
// configured one, or one without language identification.
func (p *Publisher) ingest() *ingest.Pipeline {
	if p.Ingest != nil {
		return p.Ingest
	}
	return &ingest.Pipeline{DB: p.DB, Topics: &ingest.Topics{DB: p.DB}}
}
