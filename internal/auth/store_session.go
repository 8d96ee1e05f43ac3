package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// Session is a signed-in browser. MFAPending sessions have passed the
// password but not yet the second factor, and grant nothing else.
type Session struct {
	UserID     int64
	MFAPending bool
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func insertSession(ctx context.Context, q db.Queryer, secret string, s Session, ip, ua string) error {
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashSecret(secret), s.UserID, s.MFAPending, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, ip, ua)
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

func sessionBySecret(ctx context.Context, q db.Queryer, secret string) (Session, error) {
	var s Session
	rows, err := q.QueryContext(ctx, "SELECT user_id, mfa_pending, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?", hashSecret(secret))
	if err != nil {
		return s, fmt.Errorf("find session: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return s, db.ErrNotFound
	}
	err = rows.Scan(&s.UserID, &s.MFAPending, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	return s, err
}

func deleteSession(ctx context.Context, q db.Queryer, secret string) error {
	_, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", hashSecret(secret))
	return err
}

// deleteUserSessions signs a user out everywhere (after a password change).
func deleteUserSessions(ctx context.Context, q db.Queryer, userID int64) error {
	_, err := q.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}
