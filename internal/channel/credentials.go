package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/secret"
)

// SetCredentials seals and stores an account's credentials. An empty map
// disconnects the account.
func SetCredentials(ctx context.Context, q db.Queryer, box *secret.Box, orgID, id int64, c Credentials, expires *time.Time) error {
	sealed := ""
	if len(c) > 0 {
		raw, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if sealed, err = box.Seal(string(raw)); err != nil {
			return fmt.Errorf("seal credentials: %w", err)
		}
	}
	res, err := q.ExecContext(ctx, "UPDATE channel_accounts SET credentials = ?, token_expires_at = ? WHERE id = ? AND org_id = ?", sealed, expires, id, orgID)
	if err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// LoadCredentials opens an account's credentials (nil when none). Only
// the publishing engine and connection flows call it.
func LoadCredentials(ctx context.Context, q db.Queryer, box *secret.Box, id int64) (Credentials, error) {
	var sealed string
	err := q.QueryRowContext(ctx, "SELECT credentials FROM channel_accounts WHERE id = ?", id).Scan(&sealed)
	if err != nil {
		return nil, fmt.Errorf("load credentials: %w", err)
	}
	if sealed == "" {
		return nil, nil
	}
	raw, err := box.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("open credentials of account %d: %w", id, err)
	}
	var c Credentials
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, errors.New("credentials are not readable")
	}
	return c, nil
}

// RecordSuccess and RecordError keep an account's health for the channels
// page.
func RecordSuccess(ctx context.Context, q db.Queryer, id int64, at time.Time) error {
	_, err := q.ExecContext(ctx, "UPDATE channel_accounts SET last_success_at = ? WHERE id = ?", at, id)
	return err
}

// RecordError stores the last error of an account.
func RecordError(ctx context.Context, q db.Queryer, id int64, at time.Time, msg string) error {
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, err := q.ExecContext(ctx, "UPDATE channel_accounts SET last_error = ?, last_error_at = ? WHERE id = ?", msg, at, id)
	return err
}
