// Package channel holds the channel accounts of an organisation (its
// Telegram channel, an embassy's Facebook page …). In the campaign studio an
// account is a record that content is prepared for; connecting accounts for
// real comes with the publishing engine. Per-network text rules live in the
// subpackage limits.
package channel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

// Account is a channel account of an organisation.
type Account struct {
	ID       int64          `json:"id"`
	OrgID    int64          `json:"org_id"`
	Network  limits.Network `json:"network"`
	Name     string         `json:"name"`
	Handle   string         `json:"handle"`
	Language string         `json:"language"`
	// MaxChars is a Mastodon instance's character limit (0: the default).
	MaxChars int `json:"max_chars,omitempty"`
	// BaseURL is the network's API address for this account (a Mastodon
	// instance, a Telegram Bot API server …); empty means the network's
	// public default.
	BaseURL    string     `json:"base_url,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	// Health of the connection. Credentials themselves are never part of
	// an Account: they are read and written sealed, through Credentials
	// and SetCredentials.
	Connected      bool       `json:"connected"`
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	LastSuccessAt  *time.Time `json:"last_success_at,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	LastErrorAt    *time.Time `json:"last_error_at,omitempty"`
}

// Options are what the account changes in the network's text rules.
func (a Account) Options(hasMedia bool) limits.Options {
	return limits.Options{MastodonMaxChars: a.MaxChars, HasMedia: hasMedia}
}

// FieldError says which input field is wrong and why.
type FieldError = valid.FieldError

// CheckLanguage validates a BCP 47 language tag of the simple kind used
// here: "uk", "sr-Latn", "en-GB".
func CheckLanguage(field, tag string) error {
	if tag == "" || len(tag) > 16 {
		return &FieldError{Field: field, Reason: "must be a language code such as uk, en, sr-Latn"}
	}
	for i, part := range strings.Split(tag, "-") {
		if part == "" || len(part) > 8 {
			return &FieldError{Field: field, Reason: "must be a language code such as uk, en, sr-Latn"}
		}
		for _, r := range part {
			if r > unicode.MaxASCII || !(unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
				return &FieldError{Field: field, Reason: "must be a language code such as uk, en, sr-Latn"}
			}
		}
		if i == 0 && (len(part) < 2 || len(part) > 3) {
			return &FieldError{Field: field, Reason: "must start with a two- or three-letter language code"}
		}
	}
	return nil
}

func cleanText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return s, &FieldError{Field: field, Reason: "is required"}
	case utf8.RuneCountInString(s) > max:
		return s, &FieldError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", max)}
	case strings.IndexFunc(s, unicode.IsControl) >= 0 || !utf8.ValidString(s):
		return s, &FieldError{Field: field, Reason: "must not contain control characters"}
	}
	return s, nil
}

// Validate checks an account before it is stored.
func (a *Account) Validate() error {
	var err error
	if !limits.Valid(string(a.Network)) {
		names := make([]string, len(limits.Networks))
		for i, n := range limits.Networks {
			names[i] = string(n)
		}
		return &FieldError{Field: "network", Reason: "must be one of " + strings.Join(names, ", ")}
	}
	if a.Name, err = cleanText("name", a.Name, 120, true); err != nil {
		return err
	}
	if a.Handle, err = cleanText("handle", a.Handle, 200, true); err != nil {
		return err
	}
	if err := CheckLanguage("language", a.Language); err != nil {
		return err
	}
	if a.BaseURL != "" {
		u, err := url.Parse(a.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(a.BaseURL) > 500 {
			return &FieldError{Field: "base_url", Reason: "must be an http(s) URL such as https://mastodon.social"}
		}
		a.BaseURL = strings.TrimRight(a.BaseURL, "/")
	}
	if a.MaxChars < 0 || a.MaxChars > 100000 || (a.MaxChars != 0 && a.Network != limits.Mastodon) {
		return &FieldError{Field: "max_chars", Reason: "is only for Mastodon accounts: the instance's character limit (0 for the default 500)"}
	}
	return nil
}

const accountColumns = `id, org_id, network, name, handle, language, max_chars, base_url, created_at, archived_at,
	credentials <> '', token_expires_at, last_success_at, last_error, last_error_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.OrgID, &a.Network, &a.Name, &a.Handle, &a.Language, &a.MaxChars, &a.BaseURL, &a.CreatedAt, &a.ArchivedAt,
		&a.Connected, &a.TokenExpiresAt, &a.LastSuccessAt, &a.LastError, &a.LastErrorAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, db.ErrNotFound
	}
	return a, err
}

// Insert stores a new account.
func Insert(ctx context.Context, q db.Queryer, a *Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	a.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	err := q.QueryRowContext(ctx, `INSERT INTO channel_accounts (org_id, network, name, handle, language, max_chars, base_url, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.OrgID, a.Network, a.Name, a.Handle, a.Language, a.MaxChars, a.BaseURL, a.CreatedAt).Scan(&a.ID)
	if db.IsUniqueViolation(err) {
		return &FieldError{Field: "handle", Reason: "this organisation already has an account with this handle on " + limits.Label(a.Network)}
	}
	if err != nil {
		return fmt.Errorf("insert channel account: %w", err)
	}
	return nil
}

// Get loads an account of an organisation; accounts of other organisations
// are not found.
func Get(ctx context.Context, q db.Queryer, orgID, id int64) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM channel_accounts WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get channel account: %w", err)
	}
	return a, err
}

// List returns an organisation's accounts by network and name.
func List(ctx context.Context, q db.Queryer, orgID int64, withArchived bool) ([]Account, error) {
	query := "SELECT " + accountColumns + " FROM channel_accounts WHERE org_id = ?"
	if !withArchived {
		query += " AND archived_at IS NULL"
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY network, name", orgID)
	if err != nil {
		return nil, fmt.Errorf("list channel accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Update saves name, handle, language and max_chars.
func Update(ctx context.Context, q db.Queryer, a *Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, "UPDATE channel_accounts SET name = ?, handle = ?, language = ?, max_chars = ?, base_url = ? WHERE id = ? AND org_id = ?",
		a.Name, a.Handle, a.Language, a.MaxChars, a.BaseURL, a.ID, a.OrgID)
	if db.IsUniqueViolation(err) {
		return &FieldError{Field: "handle", Reason: "this organisation already has an account with this handle on " + limits.Label(a.Network)}
	}
	return err
}

// Archive hides an account from new content; existing variants keep it.
func Archive(ctx context.Context, q db.Queryer, orgID, id int64) error {
	res, err := q.ExecContext(ctx, "UPDATE channel_accounts SET archived_at = ? WHERE id = ? AND org_id = ? AND archived_at IS NULL", time.Now().UTC().Truncate(time.Microsecond), id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}
