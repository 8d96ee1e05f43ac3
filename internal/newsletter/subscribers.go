// Package newsletter is the email newsletter of an email channel account:
// its subscribers (double opt-in: nobody is mailed before they follow the
// link in a confirmation email), their unsubscribe tokens, and sending a
// newsletter to every confirmed subscriber exactly once, one message per
// recipient, over one SMTP connection.
//
// Tokens are 256 random bits, base64url; only their SHA-256 is stored.
// The confirmation token lives on the subscriber; each delivered message
// gets its own unsubscribe token, stored with the delivery.
package newsletter

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

// States of a subscriber.
const (
	Pending      = "pending"
	Confirmed    = "confirmed"
	Unsubscribed = "unsubscribed"
)

// ResendAfter is how long a pending address waits before another
// confirmation email, so the public form cannot be used to flood a mailbox.
const ResendAfter = time.Hour

// Subscriber is one address on an account's list.
type Subscriber struct {
	ID             int64      `json:"id"`
	AccountID      int64      `json:"account_id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Language       string     `json:"language"`
	State          string     `json:"state"`
	CreatedAt      time.Time  `json:"created_at"`
	ConfirmedAt    *time.Time `json:"confirmed_at,omitempty"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at,omitempty"`
}

// Counts are the sizes of a list by state.
type Counts struct {
	Pending, Confirmed, Unsubscribed int
}

// ErrBadToken is returned for a confirmation or unsubscribe link that is
// unknown (or already used, for confirmation).
var ErrBadToken = errors.New("this link is not valid")

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// NewToken returns a random token and the hash that is stored.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is what is stored of a token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// plausibleToken rejects what cannot be a token before touching the
// database.
func plausibleToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// CleanEmail validates and normalises an address (lower case, no name).
func CleanEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", &valid.FieldError{Field: field, Reason: "must be an email address such as name@example.org"}
	}
	return strings.ToLower(s), nil
}

func cleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 120 || !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", &valid.FieldError{Field: "name", Reason: "must be at most 120 characters without control characters"}
	}
	return s, nil
}

const subscriberColumns = "id, account_id, email, name, language, state, created_at, confirmed_at, unsubscribed_at"

func scanSubscriber(row interface{ Scan(...any) error }) (Subscriber, error) {
	var s Subscriber
	err := row.Scan(&s.ID, &s.AccountID, &s.Email, &s.Name, &s.Language, &s.State, &s.CreatedAt, &s.ConfirmedAt, &s.UnsubscribedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, db.ErrNotFound
	}
	return s, err
}

// Subscribe puts an address on the list as pending and returns the token
// of the confirmation link to email it. token is "" when no email is to be
// sent: the address is already confirmed, or a confirmation went out less
// than ResendAfter ago. An unsubscribed address must confirm again.
func Subscribe(ctx context.Context, q db.Queryer, accountID int64, email, name, language string) (sub Subscriber, token string, err error) {
	if email, err = CleanEmail("email", email); err != nil {
		return sub, "", err
	}
	if name, err = cleanName(name); err != nil {
		return sub, "", err
	}
	language = strings.TrimSpace(language)
	if language != "" {
		if err := channel.CheckLanguage("language", language); err != nil {
			return sub, "", err
		}
	}
	t := now()
	sub, err = scanSubscriber(q.QueryRowContext(ctx, "SELECT "+subscriberColumns+" FROM newsletter_subscribers WHERE account_id = ? AND email = ?", accountID, email))
	switch {
	case errors.Is(err, db.ErrNotFound):
		token, hash := NewToken()
		sub = Subscriber{AccountID: accountID, Email: email, Name: name, Language: language, State: Pending, CreatedAt: t}
		err = q.QueryRowContext(ctx, `INSERT INTO newsletter_subscribers (account_id, email, name, language, state, token_hash, token_sent_at, created_at)
			VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id`, accountID, email, name, language, hash, t, t).Scan(&sub.ID)
		if db.IsUniqueViolation(err) {
			// Subscribed at the same moment by another request: one email is enough.
			return sub, "", nil
		}
		if err != nil {
			return sub, "", fmt.Errorf("insert subscriber: %w", err)
		}
		return sub, token, nil
	case err != nil:
		return sub, "", fmt.Errorf("get subscriber: %w", err)
	case sub.State == Confirmed:
		return sub, "", nil
	}
	// Pending or unsubscribed: a new confirmation link, unless one went out recently.
	token, hash := NewToken()
	if name == "" {
		name = sub.Name
	}
	if language == "" {
		language = sub.Language
	}
	res, err := q.ExecContext(ctx, `UPDATE newsletter_subscribers SET state = 'pending', token_hash = ?, token_sent_at = ?, name = ?, language = ?
		WHERE id = ? AND state <> 'confirmed' AND (token_sent_at IS NULL OR token_sent_at < ?)`, hash, t, name, language, sub.ID, t.Add(-ResendAfter))
	if err != nil {
		return sub, "", fmt.Errorf("resubscribe: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sub, "", nil
	}
	sub.State, sub.Name, sub.Language = Pending, name, language
	return sub, token, nil
}

// Confirm confirms the subscription to the account's list whose
// confirmation token this is. A token works once.
func Confirm(ctx context.Context, q db.Queryer, accountID int64, token string) (Subscriber, error) {
	if !plausibleToken(token) {
		return Subscriber{}, ErrBadToken
	}
	t := now()
	var id int64
	err := q.QueryRowContext(ctx, `UPDATE newsletter_subscribers SET state = 'confirmed', confirmed_at = ?, unsubscribed_at = NULL, token_hash = NULL
		WHERE token_hash = ? AND account_id = ? AND state = 'pending' RETURNING id`, t, HashToken(token), accountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, ErrBadToken
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("confirm: %w", err)
	}
	return Get(ctx, q, id)
}

// Get loads a subscriber by id.
func Get(ctx context.Context, q db.Queryer, id int64) (Subscriber, error) {
	return scanSubscriber(q.QueryRowContext(ctx, "SELECT "+subscriberColumns+" FROM newsletter_subscribers WHERE id = ?", id))
}

// ByUnsubscribeToken finds the subscriber a newsletter's unsubscribe link
// was made for.
func ByUnsubscribeToken(ctx context.Context, q db.Queryer, token string) (Subscriber, error) {
	if !plausibleToken(token) {
		return Subscriber{}, ErrBadToken
	}
	s, err := scanSubscriber(q.QueryRowContext(ctx, "SELECT "+prefixed("s.", subscriberColumns)+` FROM newsletter_deliveries d
		JOIN newsletter_subscribers s ON s.id = d.subscriber_id WHERE d.unsubscribe_hash = ?`, HashToken(token)))
	if errors.Is(err, db.ErrNotFound) {
		return s, ErrBadToken
	}
	return s, err
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// Unsubscribe takes the subscriber of an unsubscribe link off the list.
// Unsubscribing twice is fine: the link keeps working.
func Unsubscribe(ctx context.Context, q db.Queryer, token string) (Subscriber, error) {
	s, err := ByUnsubscribeToken(ctx, q, token)
	if err != nil {
		return s, err
	}
	if s.State == Unsubscribed {
		return s, nil
	}
	t := now()
	if _, err := q.ExecContext(ctx, "UPDATE newsletter_subscribers SET state = 'unsubscribed', unsubscribed_at = ?, token_hash = NULL WHERE id = ?", t, s.ID); err != nil {
		return s, fmt.Errorf("unsubscribe: %w", err)
	}
	s.State, s.UnsubscribedAt = Unsubscribed, &t
	return s, nil
}

// List returns the subscribers of an account, newest first.
func List(ctx context.Context, q db.Queryer, accountID int64) ([]Subscriber, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+subscriberColumns+" FROM newsletter_subscribers WHERE account_id = ? ORDER BY created_at DESC, id DESC", accountID)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Count returns the size of an account's list by state.
func Count(ctx context.Context, q db.Queryer, accountID int64) (Counts, error) {
	rows, err := q.QueryContext(ctx, "SELECT state, COUNT(*) FROM newsletter_subscribers WHERE account_id = ? GROUP BY state", accountID)
	if err != nil {
		return Counts{}, fmt.Errorf("count subscribers: %w", err)
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return c, err
		}
		switch st {
		case Pending:
			c.Pending = n
		case Confirmed:
			c.Confirmed = n
		case Unsubscribed:
			c.Unsubscribed = n
		}
	}
	return c, rows.Err()
}

// Remove deletes a subscriber of an account (and the record of what was
// sent to them).
func Remove(ctx context.Context, q db.Queryer, accountID, id int64) error {
	res, err := q.ExecContext(ctx, "DELETE FROM newsletter_subscribers WHERE id = ? AND account_id = ?", id, accountID)
	if err != nil {
		return fmt.Errorf("remove subscriber: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// MaxImport is the most addresses one import takes.
const MaxImport = 1000

// ParseAddresses reads addresses from CSV or plain text: the first column
// of each row ("email" or "email,name"); a header row naming "email" is
// skipped, empty rows are ignored. Every address must be valid: the field
// error names the first bad line.
func ParseAddresses(r io.Reader) ([]Address, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []Address
	seen := map[string]bool{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &valid.FieldError{Field: "addresses", Reason: fmt.Sprintf("line %d is not valid CSV", line)}
		}
		if len(rec) == 0 || strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "email") {
			continue
		}
		email, err := CleanEmail("addresses", rec[0])
		if err != nil {
			return nil, &valid.FieldError{Field: "addresses", Reason: fmt.Sprintf("line %d: %q is not an email address", line, truncate(rec[0], 60))}
		}
		a := Address{Email: email}
		if len(rec) > 1 {
			if a.Name, err = cleanName(rec[1]); err != nil {
				return nil, &valid.FieldError{Field: "addresses", Reason: fmt.Sprintf("line %d: the name is too long or has control characters", line)}
			}
		}
		if seen[email] {
			continue
		}
		seen[email] = true
		out = append(out, a)
		if len(out) > MaxImport {
			return nil, &valid.FieldError{Field: "addresses", Reason: fmt.Sprintf("at most %d addresses at a time", MaxImport)}
		}
	}
	if len(out) == 0 {
		return nil, &valid.FieldError{Field: "addresses", Reason: "is required: one email address per line"}
	}
	return out, nil
}

// Address is one line of an import.
type Address struct {
	Email, Name string
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
