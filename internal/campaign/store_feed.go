package campaign

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
)

// FeedPrefix starts every calendar feed secret, so that a leaked feed
// address can be recognised by secret scanners.
const FeedPrefix = "cal_"

// Feed is a user's calendar subscription. Its secret is stored only as a
// SHA-256 hash, so the address is shown once, when it is made.
type Feed struct {
	UserID    int64
	CreatedAt time.Time
}

var feedB32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newFeedSecret returns 200 random bits, base32 in lower case (URL-safe).
func newFeedSecret() string {
	b := make([]byte, 25)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return FeedPrefix + strings.ToLower(feedB32.EncodeToString(b))
}

func hashFeedSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// GetFeed returns the user's feed, or db.ErrNotFound when there is none.
func GetFeed(ctx context.Context, q db.Queryer, userID int64) (Feed, error) {
	f := Feed{UserID: userID}
	err := q.QueryRowContext(ctx, "SELECT created_at FROM calendar_feeds WHERE user_id = ?", userID).Scan(&f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return f, db.ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("get calendar feed: %w", err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, nil
}

// feedUser finds the owner of a feed secret.
func feedUser(ctx context.Context, q db.Queryer, secret string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT user_id FROM calendar_feeds WHERE token_hash = ?", hashFeedSecret(secret)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, db.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("find calendar feed: %w", err)
	}
	return id, nil
}

// RegenerateFeed gives the user a new feed secret and returns it; the old
// address stops working at once (one row per user).
func (s *Service) RegenerateFeed(ctx context.Context, a audit.Actor, userID int64) (string, error) {
	secret := newFeedSecret()
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			userID, hashFeedSecret(secret), now)
		if err != nil {
			return fmt.Errorf("save calendar feed: %w", err)
		}
		return audit.Append(ctx, tx, a.Entry(0, "calendar_feed.regenerate", "user:"+strconv.FormatInt(userID, 10), nil))
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}
