package publish

// Credentials: renewed ahead of expiry by a periodic job, after a 401
// while publishing, and (Bluesky) by the connector itself while reading.
// All three store the result the same way (storeRenewed): merged over the
// stored credentials, so an answer without a refresh token keeps the
// working one, and only over the credentials the renewal started from.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
)

// NotifyReconnect is the notification kind sent to the people who manage
// an organisation's channels when a network refuses to renew an account's
// credentials: only a person can reconnect it.
const NotifyReconnect = "channel_reconnect"

// DefaultRefreshEvery is how often the refresh job runs.
const DefaultRefreshEvery = 30 * time.Minute

// DefaultRefreshAhead is how long before its access token expires an
// account is renewed. A day leaves time for retries and, when the network
// refuses, for someone to reconnect the account before posts fail. Tokens
// that live less than that (X's and Bluesky's access tokens, about two
// hours) are inside the window as soon as they are issued, so they are
// renewed on every run: they never expire while the account is connected,
// at the cost of one token request per account every DefaultRefreshEvery.
const DefaultRefreshAhead = 24 * time.Hour

// RefreshArgs is the periodic renewal of expiring credentials.
type RefreshArgs struct{}

// Kind names the job in River's table.
func (RefreshArgs) Kind() string { return "refresh_credentials" }

type refreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	P *Publisher
}

func (w *refreshWorker) Work(ctx context.Context, _ *river.Job[RefreshArgs]) error {
	_, err := w.P.RefreshExpiring(ctx, time.Now().UTC())
	return err
}

func (w *refreshWorker) Timeout(*river.Job[RefreshArgs]) time.Duration { return pollTimeout }

func (p *Publisher) refreshAhead() time.Duration {
	if p.RefreshAhead > 0 {
		return p.RefreshAhead
	}
	return DefaultRefreshAhead
}

// RefreshExpiring renews the credentials of every connected, active
// account whose access token expires before at + RefreshAhead (accounts
// without a known expiry are left to the 401 path of publishing). It
// returns how many it renewed. A refusal (the refresh token was revoked or
// has expired) is recorded on the account and told to the organisation's
// channel managers once; other failures are recorded and retried on the
// next run.
func (p *Publisher) RefreshExpiring(ctx context.Context, at time.Time) (int, error) {
	rows, err := p.DB.R().QueryContext(ctx, `SELECT id, org_id FROM channel_accounts
		WHERE credentials <> '' AND archived_at IS NULL AND token_expires_at IS NOT NULL AND token_expires_at <= ?
		ORDER BY token_expires_at, id`, at.Add(p.refreshAhead()).UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, err
	}
	type accRow struct{ id, org int64 }
	var accs []accRow
	for rows.Next() {
		var a accRow
		if err := rows.Scan(&a.id, &a.org); err != nil {
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
		if err := ctx.Err(); err != nil {
			return n, err
		}
		acc, err := channel.Get(ctx, p.DB.R(), ar.org, ar.id)
		if err != nil || p.Registry[acc.Network] == nil {
			continue
		}
		ok, err := p.refreshAccount(ctx, acc)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// refreshAccount renews one account's credentials; the error is a
// database error (the network's answer is recorded on the account).
func (p *Publisher) refreshAccount(ctx context.Context, acc channel.Account) (bool, error) {
	conn, from, err := p.connector(ctx, acc)
	if err != nil {
		return false, channel.RecordError(ctx, p.DB.W(), acc.ID, now(), "credentials refresh: "+err.Error())
	}
	conn, _, err = p.renew(ctx, acc, conn, from)
	switch {
	case err == nil && conn == nil:
		return false, nil // nothing to renew (no refresh token)
	case err == nil:
		return true, channel.RecordSuccess(ctx, p.DB.W(), acc.ID, now())
	case channel.KindOf(err) != channel.Transient:
		return false, p.refused(ctx, acc, err)
	default:
		return false, channel.RecordError(ctx, p.DB.W(), acc.ID, now(), "credentials refresh: "+err.Error())
	}
}

// renew refreshes the credentials conn was built from (from) and stores
// the result (storeRenewed); it returns a connector with the credentials
// now stored and those credentials, or nil when there was nothing to
// renew.
//
// Renewals of one account must not overlap: on a network that rotates
// refresh tokens (X, Bluesky) the second use of one is refused, which
// would look like a revoked account, and several publish jobs meet the
// same expired token at once. In this process they queue on the account's
// lock, and one that finds the stored credentials changed while it waited
// uses them instead of renewing again. Across instances, storeRenewed
// keeps the first result, and a refusal is checked against the stored
// credentials once more after refusalRecheck, the time the other
// instance needs to store its answer.
func (p *Publisher) renew(ctx context.Context, acc channel.Account, conn channel.Connector, from channel.Credentials) (channel.Connector, channel.Credentials, error) {
	unlock, err := p.lockAccount(ctx, acc.ID)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	if cur, changed := p.changedSince(ctx, acc, from); changed {
		return p.rebuild(acc, cur)
	}
	fresh, expires, ok, err := conn.Refresh(ctx)
	if err == nil && !ok {
		return nil, nil, nil
	}
	if err != nil {
		cur, changed := p.changedSince(ctx, acc, from)
		if !changed && channel.KindOf(err) != channel.Transient {
			select {
			case <-time.After(refusalRecheck):
			case <-ctx.Done():
			}
			cur, changed = p.changedSince(ctx, acc, from)
		}
		if !changed {
			return nil, nil, err
		}
		return p.rebuild(acc, cur)
	}
	cur, err := p.storeRenewed(ctx, acc, from, fresh, expires)
	if err != nil {
		return nil, nil, err
	}
	return p.rebuild(acc, cur)
}

// refusalRecheck is how long a refused renewal waits before it checks
// whether another instance renewed the account meanwhile (a variable for
// tests).
var refusalRecheck = time.Second

// changedSince reports whether the account's stored credentials differ
// from `from` (and are still there), and returns them.
func (p *Publisher) changedSince(ctx context.Context, acc channel.Account, from channel.Credentials) (channel.Credentials, bool) {
	cur, err := channel.LoadCredentials(context.WithoutCancel(ctx), p.DB.R(), p.Box, acc.ID)
	if err != nil || len(cur) == 0 || maps.Equal(cur, from) {
		return nil, false
	}
	return cur, true
}

// rebuild makes the account's connector with creds.
func (p *Publisher) rebuild(acc channel.Account, creds channel.Credentials) (channel.Connector, channel.Credentials, error) {
	c, err := p.Registry[acc.Network](acc, maps.Clone(creds), p.httpClient())
	if err != nil {
		return nil, nil, err
	}
	return c, creds, nil
}

// lockAccount takes the account's renewal lock in this process, or gives
// up when ctx ends.
func (p *Publisher) lockAccount(ctx context.Context, id int64) (func(), error) {
	v, _ := p.renewals.LoadOrStore(id, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// storeRenewed stores credentials renewed from `from` merged over them (a
// renewal that returns no refresh token keeps the stored one) with the
// new expiry (zero: unknown), and returns what is stored afterwards.
//
// Renewals race: the refresh job, a publish that met a 401 and a read
// that renewed a session may renew one account at once, on several
// instances. The row is locked first and the new credentials are stored
// only if the stored ones are still those the renewal started from;
// otherwise the stored ones (renewed by someone else, or reconnected by a
// person) stand and are returned.
func (p *Publisher) storeRenewed(ctx context.Context, acc channel.Account, from, fresh channel.Credentials, expires time.Time) (channel.Credentials, error) {
	// The network has renewed (and may have revoked the old refresh token):
	// storing the answer must not be cut short with the job's context.
	ctx = context.WithoutCancel(ctx)
	var out channel.Credentials
	err := p.DB.InTx(ctx, func(tx *db.Tx) error {
		// A write that changes nothing takes the row lock on PostgreSQL
		// (SQLite's one writer is taken at BEGIN) before the read.
		if _, err := tx.ExecContext(ctx, "UPDATE channel_accounts SET credentials = credentials WHERE id = ?", acc.ID); err != nil {
			return err
		}
		cur, err := channel.LoadCredentials(ctx, tx, p.Box, acc.ID)
		if err != nil {
			return err
		}
		if !maps.Equal(cur, from) {
			out = cur
			return nil
		}
		merged := channel.Credentials{}
		maps.Copy(merged, cur)
		for k, v := range fresh {
			if v != "" {
				merged[k] = v
			}
		}
		var exp *time.Time
		if !expires.IsZero() {
			e := expires.UTC().Truncate(time.Microsecond)
			exp = &e
		}
		out = merged
		return channel.SetCredentials(ctx, tx, p.Box, acc.OrgID, acc.ID, merged, exp)
	})
	return out, err
}

// sessionReporter is a connector that renews its session by itself while
// reading (Bluesky: an expired access token is renewed with the refresh
// token during Mentions and Metrics, and a session is created from the app
// password when none is stored). Session returns the session it holds now.
type sessionReporter interface {
	Session() channel.Credentials
}

// keepSession stores the session a connector renewed by itself, as a
// refresh is stored: Bluesky rotates refresh tokens, so the stored one no
// longer works once the connector has used it. Failures are only logged:
// the next read renews again.
func (p *Publisher) keepSession(ctx context.Context, acc channel.Account, conn channel.Connector, from channel.Credentials) {
	sr, ok := conn.(sessionReporter)
	if !ok {
		return
	}
	s := sr.Session()
	changed := false
	for k, v := range s {
		if v != "" && from[k] != v {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	if _, err := p.storeRenewed(ctx, acc, from, s, tokenExpiry(s)); err != nil {
		p.log().Warn("storing a renewed session", "account", acc.ID, "error", err)
	}
}

// tokenExpiry reads the expiry (the exp claim, RFC 7519 §4.1.4) of an
// access token that is a JWT, unverified: it only says when to renew.
// Zero when there is none.
func tokenExpiry(c channel.Credentials) time.Time {
	for _, k := range []string{"access_jwt", "access_token"} {
		parts := strings.Split(c[k], ".")
		if len(parts) != 3 {
			continue
		}
		data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
		if err != nil {
			continue
		}
		var claims struct {
			Exp int64 `json:"exp"`
		}
		if json.Unmarshal(data, &claims) == nil && claims.Exp > 0 {
			return time.Unix(claims.Exp, 0).UTC()
		}
	}
	return time.Time{}
}

// refused records a refused renewal on the account and tells the people
// who manage the organisation's channels, once: not again while a
// notification about this account is newer than its last success (a
// working publish or renewal after a reconnect).
func (p *Publisher) refused(ctx context.Context, acc channel.Account, cause error) error {
	msg := cause.Error()
	var ce *channel.Error
	if errors.As(cause, &ce) && ce.Message != "" {
		msg = ce.Message
	}
	notified := false
	err := p.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := channel.RecordError(ctx, tx, acc.ID, now(), "credentials refresh refused: "+cause.Error()); err != nil {
			return err
		}
		var slug string
		if err := tx.QueryRowContext(ctx, "SELECT slug FROM orgs WHERE id = ?", acc.OrgID).Scan(&slug); err != nil {
			return err
		}
		link := "/o/" + slug + "/channels/" + strconv.FormatInt(acc.ID, 10) + "/edit"
		var since time.Time
		if acc.LastSuccessAt != nil {
			since = acc.LastSuccessAt.UTC()
		}
		var told int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND org_id = ? AND link = ? AND created_at > ?",
			NotifyReconnect, acc.OrgID, link, since).Scan(&told); err != nil {
			return err
		}
		if told > 0 {
			return nil
		}
		users, err := channelManagers(ctx, tx, acc.OrgID)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := notify.Notify(ctx, tx, notify.Notification{UserID: u, OrgID: acc.OrgID, Kind: NotifyReconnect,
				Title: "Reconnect " + acc.Name + ": " + notify.Snippet(msg), Link: link}); err != nil {
				return err
			}
		}
		notified = len(users) > 0
		return nil
	})
	if err != nil {
		return err
	}
	if notified && p.Notify != nil {
		p.Notify.Wake()
	}
	p.log().Warn("credentials refresh refused", "account", acc.ID, "network", acc.Network, "error", cause)
	return nil
}

// channelManagers are the active members of an organisation whose role
// may manage its channel accounts.
func channelManagers(ctx context.Context, q db.Queryer, orgID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.user_id, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND u.disabled = ? ORDER BY m.user_id`, orgID, false)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, err
		}
		if authz.Allowed(authz.Role(role), authz.ManageChannels) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
