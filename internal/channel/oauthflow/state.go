package oauthflow

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/secret"
)

// StateTTL is how long a flow may take, from the redirect to the network
// to the answer (and from there to the choice of a page).
const StateTTL = 10 * time.Minute

// State is a flow in progress (table oauth_states). The random value sent
// to the network is stored as its SHA-256 only; the PKCE verifier and the
// pages offered are sealed.
type State struct {
	OrgID, AccountID, UserID int64
	Network                  limits.Network
	Verifier                 string
	// Pages, once the sign-in is done, are the Facebook Pages offered for
	// a choice (with their tokens).
	Pages     []Page
	CreatedAt time.Time
	ExpiresAt time.Time
}

// The ways a state is refused.
var (
	ErrStateUnknown   = errors.New("this connection request is unknown or was already used")
	ErrStateExpired   = errors.New("this connection request has expired")
	ErrStateOtherUser = errors.New("this connection request was started by someone else")
)

func hashState(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// SaveState stores st for StateTTL and returns the random state to hand
// out. Expired states of anyone are cleared on the way.
func SaveState(ctx context.Context, q db.Queryer, box *secret.Box, st *State) (string, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := q.ExecContext(ctx, "DELETE FROM oauth_states WHERE expires_at < ?", now); err != nil {
		return "", fmt.Errorf("clear expired oauth states: %w", err)
	}
	verifier, pending := "", ""
	var err error
	if st.Verifier != "" {
		if verifier, err = box.Seal(st.Verifier); err != nil {
			return "", err
		}
	}
	if len(st.Pages) > 0 {
		raw, err := json.Marshal(st.Pages)
		if err != nil {
			return "", err
		}
		if pending, err = box.Seal(string(raw)); err != nil {
			return "", err
		}
	}
	raw := NewSecret()
	st.CreatedAt, st.ExpiresAt = now, now.Add(StateTTL)
	_, err = q.ExecContext(ctx, `INSERT INTO oauth_states (state_hash, org_id, account_id, user_id, network, verifier, pending, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, hashState(raw), st.OrgID, st.AccountID, st.UserID, st.Network, verifier, pending, st.CreatedAt, st.ExpiresAt)
	if err != nil {
		return "", fmt.Errorf("store oauth state: %w", err)
	}
	return raw, nil
}

// LoadState reads the state raw for userID without using it up (to show
// the choice of a page).
func LoadState(ctx context.Context, q db.Queryer, box *secret.Box, raw string, userID int64, now time.Time) (State, error) {
	return findState(ctx, q, box, raw, userID, now, false)
}

// TakeState uses up the state raw for userID: it is deleted, so a second
// answer with it is refused. A state started by another user is refused
// and left in place (its owner can still finish); an expired one is
// deleted and refused.
func TakeState(ctx context.Context, q db.Queryer, box *secret.Box, raw string, userID int64, now time.Time) (State, error) {
	return findState(ctx, q, box, raw, userID, now, true)
}

func findState(ctx context.Context, q db.Queryer, box *secret.Box, raw string, userID int64, now time.Time, take bool) (State, error) {
	var st State
	if raw == "" || len(raw) > 200 {
		return st, ErrStateUnknown
	}
	h := hashState(raw)
	var owner int64
	err := q.QueryRowContext(ctx, "SELECT user_id FROM oauth_states WHERE state_hash = ?", h).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrStateUnknown
	}
	if err != nil {
		return st, fmt.Errorf("read oauth state: %w", err)
	}
	if owner != userID {
		return st, ErrStateOtherUser
	}
	const cols = "org_id, account_id, user_id, network, verifier, pending, created_at, expires_at"
	var row *sql.Row
	if take {
		row = q.QueryRowContext(ctx, "DELETE FROM oauth_states WHERE state_hash = ? AND user_id = ? RETURNING "+cols, h, userID)
	} else {
		row = q.QueryRowContext(ctx, "SELECT "+cols+" FROM oauth_states WHERE state_hash = ? AND user_id = ?", h, userID)
	}
	var verifier, pending string
	err = row.Scan(&st.OrgID, &st.AccountID, &st.UserID, &st.Network, &verifier, &pending, &st.CreatedAt, &st.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrStateUnknown // used up by a concurrent answer
	}
	if err != nil {
		return st, fmt.Errorf("read oauth state: %w", err)
	}
	if !now.Before(st.ExpiresAt) {
		if !take {
			_, _ = q.ExecContext(ctx, "DELETE FROM oauth_states WHERE state_hash = ?", h)
		}
		return st, ErrStateExpired
	}
	// A state sealed under a key rotated since cannot be opened: the flow
	// starts again.
	if verifier != "" {
		if st.Verifier, err = box.Open(verifier); err != nil {
			return st, ErrStateUnknown
		}
	}
	if pending != "" {
		p, err := box.Open(pending)
		if err != nil || json.Unmarshal([]byte(p), &st.Pages) != nil {
			return st, ErrStateUnknown
		}
	}
	return st, nil
}
