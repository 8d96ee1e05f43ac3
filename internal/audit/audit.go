// Package audit keeps the append-only, hash-chained record of every change to
// organisations, memberships, roles, credentials and of sign-in events.
//
// Each entry's hash is SHA-256 over the previous entry's hash and the
// entry's own fields; the chain head (last sequence number and hash) is kept
// in audit_head, so an altered, removed or appended-behind-our-back row
// breaks the chain at a place Verify can name.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// Genesis is the prev_hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one audit record.
type Entry struct {
	Seq         int64             `json:"seq"`
	At          time.Time         `json:"at"`
	ActorUserID int64             `json:"actor_user_id,omitempty"`
	Actor       string            `json:"actor"` // email, "system" or "cli"
	OrgID       int64             `json:"org_id,omitempty"`
	Action      string            `json:"action"` // e.g. "org.create", "member.role", "auth.login"
	Target      string            `json:"target"`
	Detail      map[string]string `json:"detail,omitempty"`
	IP          string            `json:"ip,omitempty"`
	PrevHash    string            `json:"prev_hash"`
	Hash        string            `json:"hash"`
}

// Append adds e to the chain inside tx, which must be the transaction that
// makes the change being recorded.
func Append(ctx context.Context, tx *db.Tx, e Entry) error {
	if err := db.LockAuditChain(ctx, tx); err != nil {
		return fmt.Errorf("audit: lock chain: %w", err)
	}
	var seq int64
	prev := Genesis
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: read head: %w", err)
	}
	e.Seq = seq + 1
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = prev
	e.Hash = hashOf(e)
	detail, _ := json.Marshal(orEmpty(e.Detail))
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_user_id, actor, org_id, action, target, detail, ip, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, nullID(e.ActorUserID), e.Actor, nullID(e.OrgID), e.Action, e.Target, string(detail), e.IP, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, e.Seq, e.Hash)
	if err != nil {
		return fmt.Errorf("audit: move head: %w", err)
	}
	return nil
}

// hashOf is the canonical hash of an entry: fields joined by newlines in a
// fixed order, detail keys sorted by encoding/json.
func hashOf(e Entry) string {
	detail, _ := json.Marshal(orEmpty(e.Detail))
	h := sha256.New()
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorUserID, 10), e.Actor, strconv.FormatInt(e.OrgID, 10),
		e.Action, e.Target, string(detail), e.IP,
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const selectEntry = `SELECT seq, at, COALESCE(actor_user_id, 0), actor, COALESCE(org_id, 0), action, target, detail, ip, prev_hash, hash FROM audit_log`

func scan(rows *sql.Rows) (Entry, error) {
	var e Entry
	var detail string
	if err := rows.Scan(&e.Seq, &e.At, &e.ActorUserID, &e.Actor, &e.OrgID, &e.Action, &e.Target, &detail, &e.IP, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.At = e.At.UTC()
	if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
		e.Detail = map[string]string{"_unreadable": detail}
	}
	return e, nil
}

// List returns the newest entries of one organisation, newest first, before
// sequence number before (0 for the newest).
func List(ctx context.Context, q db.Queryer, orgID int64, before int64, limit int) ([]Entry, error) {
	if before <= 0 {
		before = 1<<62 - 1
	}
	rows, err := q.QueryContext(ctx, selectEntry+" WHERE org_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?", orgID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Problem describes the first place where the chain is broken.
type Problem struct {
	Seq    int64
	Reason string
}

func (p *Problem) Error() string { return fmt.Sprintf("audit entry %d: %s", p.Seq, p.Reason) }

// Verify walks the whole chain and returns the number of entries checked
// and, if the chain is broken, a *Problem naming the first bad entry.
func Verify(ctx context.Context, q db.Queryer) (int64, error) {
	rows, err := q.QueryContext(ctx, selectEntry+" ORDER BY seq")
	if err != nil {
		return 0, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	var n, wantSeq int64 = 0, 1
	prev := Genesis
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return n, fmt.Errorf("audit: verify: %w", err)
		}
		switch {
		case e.Seq != wantSeq:
			return n, &Problem{Seq: wantSeq, Reason: fmt.Sprintf("missing (next present entry is %d): rows were removed", e.Seq)}
		case e.PrevHash != prev:
			return n, &Problem{Seq: e.Seq, Reason: "previous-hash link does not match the entry before it"}
		case hashOf(e) != e.Hash:
			return n, &Problem{Seq: e.Seq, Reason: "content does not match its hash: the row was altered"}
		}
		prev, wantSeq = e.Hash, wantSeq+1
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	var headSeq int64
	headHash := Genesis
	err = q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("audit: verify head: %w", err)
	}
	if headSeq != n || headHash != prev {
		return n, &Problem{Seq: n + 1, Reason: fmt.Sprintf("chain head says %d entries but %d are present: entries at the end were removed or the head was altered", headSeq, n)}
	}
	return n, nil
}

// ActionLabel turns "member.role" into "member role" for display.
func ActionLabel(a string) string { return strings.ReplaceAll(a, ".", " ") }

// Actor is who made a change: a user (with the address they came from), the
// command line or the system itself.
type Actor struct {
	UserID int64
	Name   string // email, "cli" or "system"
	IP     string
}

// System is the actor for changes the platform makes on its own.
var System = Actor{Name: "system"}

// CLI is the actor for changes made with the attache command.
var CLI = Actor{Name: "cli"}

// Entry builds an entry for this actor.
func (a Actor) Entry(orgID int64, action, target string, detail map[string]string) Entry {
	return Entry{ActorUserID: a.UserID, Actor: a.Name, IP: a.IP, OrgID: orgID, Action: action, Target: target, Detail: detail}
}
