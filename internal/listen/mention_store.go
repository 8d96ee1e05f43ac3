package listen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// insertChunk is how many mentions go into one INSERT statement: 19,000
// parameters stay below SQLite's 32,766 and PostgreSQL's 65,535. Fewer,
// larger statements mean fewer FTS5 segments (FTS5 flushes its pending
// terms at every statement) and fewer statements to parse.
const insertChunk = 1000

const insertColumns = `org_id, source, account_id, external_id, url, author_id, author_handle, author_name, country,
	text, language, script, in_reply_to, at, likes, reposts, replies, fetched_at, keys`

const insertRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

const insertArgs = 19

// dedupKey is the exact-dedup identity of a mention.
type dedupKey struct {
	org        int64
	source, id string
}

// InsertBatch stores mentions in multi-row INSERTs of up to 1,000 rows,
// skipping those whose (organisation, source, external id) is already
// stored or appears earlier in ms. Each mention is normalised (Normalize)
// and validated first; an invalid one fails the whole call, naming its
// index, before anything is written. A zero FetchedAt becomes now; an
// empty Keys is computed from the text (TextKeys); given keys pass through
// db.CleanKeys.
//
// It returns how many were inserted and, for each mention of ms in order,
// its new id, or 0 when it was a duplicate. Run it in a transaction to
// store a batch all or nothing (and far faster on SQLite).
func InsertBatch(ctx context.Context, q db.Queryer, ms []Mention) (inserted int, ids []int64, err error) {
	rows := make([]Mention, len(ms))
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i := range ms {
		m := ms[i]
		m.Normalize()
		if err := m.Validate(); err != nil {
			return 0, nil, fmt.Errorf("mention %d: %w", i, err)
		}
		if m.FetchedAt.IsZero() {
			m.FetchedAt = now
		}
		if m.Keys == "" {
			m.Keys = TextKeys(m.Text)
		} else {
			m.Keys = db.CleanKeys(m.Keys)
		}
		rows[i] = m
	}
	ids = make([]int64, len(ms))
	args := make([]any, 0, min(len(rows), insertChunk)*insertArgs)
	for start := 0; start < len(rows); start += insertChunk {
		chunk := rows[start:min(start+insertChunk, len(rows))]
		args = args[:0]
		for i := range chunk {
			args = appendInsertArgs(args, &chunk[i])
		}
		n, err := insertChunkRows(ctx, q, chunk, args, ids[start:])
		inserted += n
		if err != nil {
			return inserted, ids, err
		}
	}
	return inserted, ids, nil
}

// insertChunkRows runs one INSERT and writes the new ids into ids (aligned
// with chunk). RETURNING gives no order, so each returned row is matched to
// its mention by the dedup key; within the chunk the first mention with a
// key is the one that was stored.
func insertChunkRows(ctx context.Context, q db.Queryer, chunk []Mention, args []any, ids []int64) (int, error) {
	stmt := insertSQL(len(chunk))
	rs, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return 0, fmt.Errorf("insert mentions: %w", err)
	}
	defer rs.Close()
	index := make(map[dedupKey]int, len(chunk))
	for i := len(chunk) - 1; i >= 0; i-- {
		index[dedupKey{chunk[i].OrgID, chunk[i].Source, chunk[i].ExternalID}] = i
	}
	n := 0
	for rs.Next() {
		var k dedupKey
		var id int64
		if err := rs.Scan(&id, &k.org, &k.source, &k.id); err != nil {
			return n, fmt.Errorf("insert mentions: %w", err)
		}
		i, ok := index[k]
		if !ok {
			return n, fmt.Errorf("insert mentions: the database returned a row that was not sent (%d, %q, %q)", k.org, k.source, k.id)
		}
		ids[i] = id
		n++
	}
	if err := rs.Err(); err != nil {
		return n, fmt.Errorf("insert mentions: %w", err)
	}
	return n, nil
}

func appendInsertArgs(args []any, m *Mention) []any {
	var account any
	if m.AccountID != 0 {
		account = m.AccountID
	}
	return append(args, m.OrgID, m.Source, account, m.ExternalID, m.URL, m.AuthorID, m.AuthorHandle, m.AuthorName, m.Country,
		m.Text, m.Language, m.Script, m.InReplyTo, m.At, m.Likes, m.Reposts, m.Replies, m.FetchedAt, m.Keys)
}

// insertSQL is the INSERT of n rows (building it costs microseconds, the
// statement milliseconds).
func insertSQL(n int) string {
	var b strings.Builder
	b.Grow(200 + n*(len(insertRow)+2))
	b.WriteString("INSERT INTO mentions (" + insertColumns + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(insertRow)
	}
	b.WriteString(" ON CONFLICT (org_id, source, external_id) DO NOTHING RETURNING id, org_id, source, external_id")
	return b.String()
}

const mentionColumns = `id, org_id, source, account_id, external_id, url, author_id, author_handle, author_name, country,
	text, language, script, in_reply_to, at, likes, reposts, replies, fetched_at, keys`

func scanMention(row interface{ Scan(...any) error }) (Mention, error) {
	var m Mention
	var account sql.NullInt64
	err := row.Scan(&m.ID, &m.OrgID, &m.Source, &account, &m.ExternalID, &m.URL, &m.AuthorID, &m.AuthorHandle, &m.AuthorName,
		&m.Country, &m.Text, &m.Language, &m.Script, &m.InReplyTo, &m.At, &m.Likes, &m.Reposts, &m.Replies, &m.FetchedAt, &m.Keys)
	if errors.Is(err, sql.ErrNoRows) {
		return m, db.ErrNotFound
	}
	m.AccountID = account.Int64
	m.At, m.FetchedAt = m.At.UTC(), m.FetchedAt.UTC()
	return m, err
}

// Get loads a mention of an organisation; another organisation's mention
// is not found.
func Get(ctx context.Context, q db.Queryer, orgID, id int64) (Mention, error) {
	m, err := scanMention(q.QueryRowContext(ctx, "SELECT "+mentionColumns+" FROM mentions WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get mention: %w", err)
	}
	return m, err
}

func queryMentions(ctx context.Context, q db.Queryer, query string, args ...any) ([]Mention, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Mention{}
	for rows.Next() {
		m, err := scanMention(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GetMany loads the mentions of an organisation with the given ids (at
// most 500), newest first; ids of another organisation are left out.
func GetMany(ctx context.Context, q db.Queryer, orgID int64, ids []int64) ([]Mention, error) {
	if len(ids) == 0 {
		return []Mention{}, nil
	}
	if len(ids) > 500 {
		ids = ids[:500]
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, orgID)
	marks := strings.Repeat(", ?", len(ids))[2:]
	for _, id := range ids {
		args = append(args, id)
	}
	ms, err := queryMentions(ctx, q, "SELECT "+mentionColumns+" FROM mentions WHERE org_id = ? AND id IN ("+marks+") ORDER BY at DESC, id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("get mentions: %w", err)
	}
	return ms, nil
}
