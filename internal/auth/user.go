// Package auth holds users and their credentials: passwords, browser
// sessions, API tokens, TOTP second factors with recovery codes, password
// resets, invitations and OpenID Connect sign-in.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

// User is a person who can sign in.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Locale       string    `json:"locale"`
	TimeZone     string    `json:"time_zone"`
	TOTPEnabled  bool      `json:"totp_enabled"`
	Disabled     bool      `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	passwordHash string
	totpSealed   string
}

// FieldError says which input field is wrong and why.
type FieldError = valid.FieldError

// NormaliseEmail checks an email address and returns its canonical (lower
// case, bare) form.
func NormaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &FieldError{Field: "email", Reason: "is required"}
	}
	if len(s) > 254 {
		return "", &FieldError{Field: "email", Reason: "must be at most 254 characters"}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", &FieldError{Field: "email", Reason: "is not a valid email address (expected name@example.org)"}
	}
	return strings.ToLower(a.Address), nil
}

// CheckName validates a person's display name.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &FieldError{Field: "name", Reason: "is required"}
	}
	if utf8.RuneCountInString(name) > 120 {
		return "", &FieldError{Field: "name", Reason: "must be at most 120 characters"}
	}
	if hasControl(name) {
		return "", &FieldError{Field: "name", Reason: "must not contain control characters"}
	}
	return name, nil
}

// hasControl reports control characters (PostgreSQL refuses NUL in text,
// and none belongs in a name).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0 || !utf8.ValidString(s)
}

const userColumns = "id, email, name, password_hash, locale, time_zone, totp_secret, totp_enabled, disabled, created_at"

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.passwordHash, &u.Locale, &u.TimeZone, &u.totpSealed, &u.TOTPEnabled, &u.Disabled, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return u, db.ErrNotFound
	}
	return u, err
}

// GetUser loads a user by id.
func GetUser(ctx context.Context, q db.Queryer, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get user: %w", err)
	}
	return u, err
}

// GetUserByEmail loads a user by (normalised) email.
func GetUserByEmail(ctx context.Context, q db.Queryer, email string) (User, error) {
	if hasControl(email) || len(email) > 254 {
		return User{}, db.ErrNotFound // no stored address has these; PostgreSQL would refuse NUL
	}
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", strings.ToLower(strings.TrimSpace(email))))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get user by email: %w", err)
	}
	return u, err
}

// insertUser stores a new user with an already hashed password.
func insertUser(ctx context.Context, q db.Queryer, u *User) error {
	u.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if u.Locale == "" {
		u.Locale = "en"
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	err := q.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, locale, time_zone, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, u.Email, u.Name, u.passwordHash, u.Locale, u.TimeZone, u.CreatedAt).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		return &FieldError{Field: "email", Reason: "an account with this email address already exists"}
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func setPasswordHash(ctx context.Context, q db.Queryer, userID int64, hash string) error {
	_, err := q.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
	return err
}

// SupportedLocales are the UI languages a user can choose.
var SupportedLocales = []string{"en", "uk"}

// SetLocale saves the user's UI language.
func SetLocale(ctx context.Context, q db.Queryer, userID int64, locale string) error {
	if err := CheckLocale(locale); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, "UPDATE users SET locale = ? WHERE id = ?", locale, userID)
	return err
}

// CheckTimeZone validates an IANA time zone name (such as Europe/Kyiv).
// "Local" is refused: it means the server's zone, which is no one's.
func CheckTimeZone(tz string) (string, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" {
		return "", &FieldError{Field: "time_zone", Reason: "is required"}
	}
	if len(tz) > 64 || hasControl(tz) || tz == "Local" {
		return "", &FieldError{Field: "time_zone", Reason: "must be an IANA time zone such as Europe/Kyiv"}
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "", &FieldError{Field: "time_zone", Reason: "must be an IANA time zone such as Europe/Kyiv"}
	}
	return tz, nil
}

// CheckLocale validates a UI language.
func CheckLocale(locale string) error {
	for _, l := range SupportedLocales {
		if l == locale {
			return nil
		}
	}
	return &FieldError{Field: "locale", Reason: "must be one of " + strings.Join(SupportedLocales, ", ")}
}

// UpdateProfile saves what a user may change about themselves: display
// name, time zone and UI language. Each is validated (CheckName,
// CheckTimeZone, CheckLocale) before anything is written.
func UpdateProfile(ctx context.Context, q db.Queryer, userID int64, name, timeZone, locale string) error {
	name, err := CheckName(name)
	if err != nil {
		return err
	}
	if timeZone, err = CheckTimeZone(timeZone); err != nil {
		return err
	}
	if err := CheckLocale(locale); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, "UPDATE users SET name = ?, time_zone = ?, locale = ? WHERE id = ?", name, timeZone, locale, userID)
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}
