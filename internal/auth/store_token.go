package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/db"
)

// TokenPrefix starts every API token.
const TokenPrefix = "att_"

// Token is an API token's record; the secret itself is shown once.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the token can still be used at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

func checkTokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &FieldError{Field: "name", Reason: "is required (say what the token is for)"}
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", &FieldError{Field: "name", Reason: "must be at most 100 characters"}
	}
	if hasControl(name) {
		return "", &FieldError{Field: "name", Reason: "must not contain control characters"}
	}
	return name, nil
}

func insertToken(ctx context.Context, q db.Queryer, t *Token, secret string) error {
	t.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	t.Prefix = secret[:len(TokenPrefix)+6]
	err := q.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, hashSecret(secret), t.Prefix, t.CreatedAt, t.ExpiresAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

const tokenColumns = "id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at"

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt)
	return t, err
}

// ListTokens returns a user's tokens, newest first.
func ListTokens(ctx context.Context, q db.Queryer, userID int64) ([]Token, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func tokenBySecret(ctx context.Context, q db.Queryer, secret string) (Token, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE token_hash = ?", hashSecret(secret))
	if err != nil {
		return Token{}, fmt.Errorf("find token: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return Token{}, db.ErrNotFound
	}
	return scanToken(rows)
}
