package source

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/db"
)

const columns = `id, org_id, kind, name, config, account_id, interval_seconds, enabled, state, next_run_at,
	last_run_at, last_ok_at, last_error, failures, items_total, created_by, created_at, updated_at`

// ErrLeaseLost is returned by Finish when the source is no longer held
// by the run that claimed it: its lease ran out and another instance took
// it, or it was edited or deleted meanwhile. The run's state is not saved
// (the next run repeats the fetch; the pipeline's dedup absorbs it).
var ErrLeaseLost = errors.New("source: the claim on the source was lost")

// Leases. PollLease must exceed a poll's whole duration (pollTimeout plus
// storing); StreamLease is renewed every StreamLease/3 while connected.
const (
	PollLease   = 10 * time.Minute
	StreamLease = 90 * time.Second
)

// MaxErrorBytes caps the stored last error.
const MaxErrorBytes = 1000

func scanSource(row interface{ Scan(...any) error }) (Source, error) {
	var s Source
	var config, state string
	var account, by sql.NullInt64
	var interval int64
	err := row.Scan(&s.ID, &s.OrgID, &s.Kind, &s.Name, &config, &account, &interval, &s.Enabled, &state, &s.NextRunAt,
		&s.LastRunAt, &s.LastOKAt, &s.LastError, &s.Failures, &s.ItemsTotal, &by, &s.CreatedAt, &s.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, db.ErrNotFound
	}
	if err != nil {
		return s, err
	}
	s.Config, s.State = json.RawMessage(config), json.RawMessage(state)
	s.AccountID, s.CreatedBy = account.Int64, by.Int64
	s.Interval = time.Duration(interval) * time.Second
	s.NextRunAt, s.CreatedAt, s.UpdatedAt = s.NextRunAt.UTC(), s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.LastRunAt, s.LastOKAt = utc(s.LastRunAt), utc(s.LastOKAt)
	return s, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// stamp is a time as both engines keep it.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// prepare validates s for writing: Validate, then the account check.
func prepare(ctx context.Context, q db.Queryer, s *Source) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return checkAccount(ctx, q, s)
}

// Create stores a new source, due at once; s gets its id and times.
func Create(ctx context.Context, q db.Queryer, s *Source) error {
	if err := prepare(ctx, q, s); err != nil {
		return err
	}
	now := stamp(time.Now())
	s.CreatedAt, s.UpdatedAt, s.NextRunAt = now, now, now
	s.State = json.RawMessage("{}")
	s.LastRunAt, s.LastOKAt, s.LastError, s.Failures, s.ItemsTotal = nil, nil, "", 0, 0
	err := q.QueryRowContext(ctx, `INSERT INTO listen_sources (org_id, kind, name, config, account_id, interval_seconds, enabled, state,
		next_run_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.OrgID, string(s.Kind), s.Name, string(s.Config), nullID(s.AccountID), int64(s.Interval/time.Second), s.Enabled, string(s.State),
		s.NextRunAt, nullID(s.CreatedBy), s.CreatedAt, s.UpdatedAt).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("create source: %w", err)
	}
	return nil
}

// Get loads a source of an organisation; another organisation's source is
// db.ErrNotFound.
func Get(ctx context.Context, q db.Queryer, orgID, id int64) (Source, error) {
	s, err := scanSource(q.QueryRowContext(ctx, "SELECT "+columns+" FROM listen_sources WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get source: %w", err)
	}
	return s, err
}

// getByID loads a source of any organisation (for the runner).
func getByID(ctx context.Context, q db.Queryer, id int64) (Source, error) {
	return scanSource(q.QueryRowContext(ctx, "SELECT "+columns+" FROM listen_sources WHERE id = ?", id))
}

// List returns an organisation's sources by name.
func List(ctx context.Context, q db.Queryer, orgID int64) ([]Source, error) {
	return query(ctx, q, "SELECT "+columns+" FROM listen_sources WHERE org_id = ? ORDER BY name, id", orgID)
}

func query(ctx context.Context, q db.Queryer, sqlText string, args ...any) ([]Source, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Update saves a source's name, settings, interval and whether it is
// enabled; the kind cannot change. When the settings change, the kept
// state and the failure count are reset and the source is due at once;
// when it is enabled again, it is due at once. Either way a run in
// progress loses its claim (its result is not saved over the new
// settings), and a followed Jetstream source is reconnected.
func Update(ctx context.Context, q db.Queryer, s *Source) error {
	cur, err := Get(ctx, q, s.OrgID, s.ID)
	if err != nil {
		return err
	}
	if s.Kind == "" {
		s.Kind = cur.Kind
	}
	if Kind(strings.ToLower(strings.TrimSpace(string(s.Kind)))) != cur.Kind {
		return fieldErr("kind", "cannot change; create a new source instead")
	}
	if err := prepare(ctx, q, s); err != nil {
		return err
	}
	now := stamp(time.Now())
	s.UpdatedAt = now
	s.State, s.NextRunAt, s.Failures, s.LastError = cur.State, cur.NextRunAt, cur.Failures, cur.LastError
	if string(s.Config) != string(cur.Config) {
		s.State, s.NextRunAt, s.Failures, s.LastError = json.RawMessage("{}"), now, 0, ""
	}
	if s.Enabled && !cur.Enabled {
		s.NextRunAt = now
	}
	res, err := q.ExecContext(ctx, `UPDATE listen_sources SET name = ?, config = ?, account_id = ?, interval_seconds = ?, enabled = ?,
		state = ?, next_run_at = ?, failures = ?, last_error = ?, updated_at = ? WHERE id = ? AND org_id = ?`,
		s.Name, string(s.Config), nullID(s.AccountID), int64(s.Interval/time.Second), s.Enabled,
		string(s.State), s.NextRunAt, s.Failures, s.LastError, s.UpdatedAt, s.ID, s.OrgID)
	if err != nil {
		return fmt.Errorf("update source: %w", err)
	}
	if err := oneRow(res); err != nil {
		return err
	}
	s.CreatedAt, s.CreatedBy, s.LastRunAt, s.LastOKAt, s.ItemsTotal = cur.CreatedAt, cur.CreatedBy, cur.LastRunAt, cur.LastOKAt, cur.ItemsTotal
	return nil
}

// Delete removes a source; the mentions it brought stay.
func Delete(ctx context.Context, q db.Queryer, orgID, id int64) error {
	res, err := q.ExecContext(ctx, "DELETE FROM listen_sources WHERE id = ? AND org_id = ?", id, orgID)
	if err != nil {
		return fmt.Errorf("delete source: %w", err)
	}
	return oneRow(res)
}

func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// ClaimDue claims up to limit enabled RSS and Mastodon sources that are
// due at now, for one run each, and returns them. Several instances may
// call it at once: each source is claimed with a conditional UPDATE that
// moves next_run_at to now+PollLease, and only the instance whose UPDATE
// changed the row runs it. The returned sources carry that lease in
// NextRunAt, which Finish checks. q must be able to write (the pool's
// writer or a transaction).
func ClaimDue(ctx context.Context, q db.Queryer, now time.Time, limit int) ([]Source, error) {
	now = stamp(now)
	// More candidates than wanted: other instances may claim some first.
	rows, err := q.QueryContext(ctx, `SELECT id FROM listen_sources WHERE enabled AND kind IN (?, ?) AND next_run_at <= ?
		ORDER BY next_run_at, id LIMIT ?`, string(KindRSS), string(KindMastodon), now, 4*limit)
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("due sources: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	var out []Source
	for _, id := range ids {
		if len(out) == limit {
			break
		}
		s, ok, err := claim(ctx, q, id, now, now.Add(PollLease))
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// claim takes source id for a lease until `until` when it is enabled and
// free (next_run_at at or before now).
func claim(ctx context.Context, q db.Queryer, id int64, now, until time.Time) (Source, bool, error) {
	res, err := q.ExecContext(ctx, "UPDATE listen_sources SET next_run_at = ?, last_run_at = ? WHERE id = ? AND enabled AND next_run_at <= ?",
		stamp(until), stamp(now), id, stamp(now))
	if err != nil {
		return Source{}, false, fmt.Errorf("claim source %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Source{}, false, nil
	}
	s, err := getByID(ctx, q, id)
	if err != nil {
		return Source{}, false, fmt.Errorf("claim source %d: %w", id, err)
	}
	return s, true, nil
}

// Outcome is what one run of a source did.
type Outcome struct {
	// State is the poller's state to keep; nil keeps the stored one.
	State json.RawMessage
	// Items is how many mentions the run stored.
	Items int
	// Err is why the run failed; nil when it worked.
	Err error
	// RetryAfter is how long the server asked to wait (429, 503); 0 when
	// it did not.
	RetryAfter time.Duration
}

// Backoff is the wait before the next run of a source polled every
// interval after failures consecutive failures: the interval, doubled for
// each failure after the first, at most MaxBackoff (and never less than
// the interval).
func Backoff(interval time.Duration, failures int) time.Duration {
	if interval <= 0 {
		interval = DefaultInterval
	}
	d := interval
	for i := 1; i < failures && d < MaxBackoff; i++ {
		d *= 2
	}
	return max(min(d, MaxBackoff), interval)
}

// NextRun is when a source runs next after a run at now that left it with
// failures consecutive failures and a server's Retry-After (0 for none,
// honoured up to MaxRetryAfter).
func NextRun(interval time.Duration, failures int, retryAfter time.Duration, now time.Time) time.Time {
	d := Backoff(interval, failures)
	if failures == 0 && interval > 0 {
		d = interval
	}
	return now.Add(max(d, min(retryAfter, MaxRetryAfter)))
}

// Finish records the outcome of a run of s, as claimed by ClaimDue (its
// NextRunAt is the lease): state, counts, the error and the next run
// (NextRun). It returns ErrLeaseLost when the claim was lost meanwhile.
func Finish(ctx context.Context, q db.Queryer, s Source, o Outcome, now time.Time) error {
	now = stamp(now)
	state := o.State
	if state == nil {
		state = s.State
	}
	failures, lastErr := 0, ""
	if o.Err != nil {
		failures, lastErr = s.Failures+1, cut(o.Err.Error(), MaxErrorBytes)
	}
	next := stamp(NextRun(s.Interval, failures, o.RetryAfter, now))
	okAt := any(nil)
	if o.Err == nil {
		okAt = now
	}
	res, err := q.ExecContext(ctx, `UPDATE listen_sources SET state = ?, next_run_at = ?, last_run_at = ?, last_ok_at = COALESCE(?, last_ok_at),
		last_error = ?, failures = ?, items_total = items_total + ? WHERE id = ? AND next_run_at = ?`,
		string(state), next, now, okAt, lastErr, failures, o.Items, s.ID, stamp(s.NextRunAt))
	if err != nil {
		return fmt.Errorf("finish source %d: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLeaseLost
	}
	return nil
}

// listStreams returns every enabled Bluesky source, of every organisation.
func listStreams(ctx context.Context, q db.Queryer) ([]Source, error) {
	return query(ctx, q, "SELECT "+columns+" FROM listen_sources WHERE enabled AND kind = ? ORDER BY id", string(KindBluesky))
}

// streamReport is what a follower records when it renews its lease.
type streamReport struct {
	State json.RawMessage
	Items int    // stored since the last report
	Err   string // "" when the connection is working
}

// renew extends the lease a follower holds on s (s.NextRunAt) to until
// and records its report; ok is false when the lease was lost (the source
// was edited, disabled or deleted, or another instance took it after the
// lease ran out). s.NextRunAt becomes the new lease.
func renew(ctx context.Context, q db.Queryer, s *Source, now, until time.Time, r streamReport) (bool, error) {
	now, until = stamp(now), stamp(until)
	failures, okAt := 0, any(now)
	if r.Err != "" {
		failures, okAt = s.Failures+1, nil
	}
	res, err := q.ExecContext(ctx, `UPDATE listen_sources SET state = ?, next_run_at = ?, last_run_at = ?, last_ok_at = COALESCE(?, last_ok_at),
		last_error = ?, failures = ?, items_total = items_total + ? WHERE id = ? AND enabled AND next_run_at = ?`,
		string(r.State), until, now, okAt, cut(r.Err, MaxErrorBytes), failures, r.Items, s.ID, stamp(s.NextRunAt))
	if err != nil {
		return false, fmt.Errorf("renew source %d: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	s.NextRunAt, s.Failures, s.State = until, failures, r.State
	return true, nil
}

// cutRunes shortens s to at most n characters.
func cutRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// release gives up the lease a follower holds on s, saving its state, so
// that another instance may follow the source at once.
func release(ctx context.Context, q db.Queryer, s *Source, now time.Time, state json.RawMessage, items int) error {
	_, err := q.ExecContext(ctx, "UPDATE listen_sources SET state = ?, next_run_at = ?, items_total = items_total + ? WHERE id = ? AND next_run_at = ?",
		string(state), stamp(now), items, s.ID, stamp(s.NextRunAt))
	if err != nil {
		return fmt.Errorf("release source %d: %w", s.ID, err)
	}
	return nil
}
