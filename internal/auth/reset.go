package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
)

// ResetTTL is how long a password-reset link works.
const ResetTTL = time.Hour

// ErrResetUnusable covers unknown, expired and used reset links.
var ErrResetUnusable = errors.New("this password-reset link is not valid any more: it was used or has expired; ask for a new one")

// RequestPasswordReset emails a reset link when the account exists. It
// answers the same either way so that it does not reveal who has an
// account; without SMTP the link is written to the log.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email, err := NormaliseEmail(email)
	if err != nil {
		return err
	}
	if err := s.tooManyFailures(ctx, "reset:"+email, "ip:"+ip); err != nil {
		return err
	}
	u, err := GetUserByEmail(ctx, s.DB.R(), email)
	if errors.Is(err, db.ErrNotFound) || (err == nil && u.Disabled) {
		s.recordFailure(ctx, "reset:"+email, ip, "reset for unknown account")
		return nil
	}
	if err != nil {
		return err
	}
	secret := newSecret("")
	now := s.now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", hashSecret(secret), u.ID, now, now.Add(ResetTTL)); err != nil {
			return fmt.Errorf("store reset: %w", err)
		}
		// Count requests like failures so that the link cannot be used to
		// flood someone's mailbox.
		if _, err := tx.ExecContext(ctx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", "reset:"+email, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Actor{Name: email, IP: ip}.Entry(0, "auth.reset_request", "user:"+email, nil))
	})
	if err != nil {
		return err
	}
	link := s.BaseURL + "/password/reset/" + secret
	body := fmt.Sprintf("Someone (hopefully you) asked to reset the password of your Attaché account %s.\n\nChoose a new password (the link works for one hour, once):\n%s\n\nIf you did not ask for this, ignore this email: your password stays as it is.\n", email, link)
	if s.Mailer == nil {
		s.Log.Info("password reset link (no SMTP configured)", "email", email, "link", link)
		return nil
	}
	if err := s.Mailer.Send(ctx, email, "Reset your Attaché password", body); err != nil {
		s.Log.Error("password reset email not sent", "email", email, "err", err)
	}
	return nil
}

// ResetPassword sets a new password with a reset link, signs the user out
// everywhere and invalidates the link.
func (s *Service) ResetPassword(ctx context.Context, secret, newPassword, ip string) (User, error) {
	var u User
	if len(secret) > 100 {
		return u, ErrResetUnusable
	}
	var userID int64
	var expires time.Time
	var used *time.Time
	err := s.DB.R().QueryRowContext(ctx, "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?", hashSecret(secret)).Scan(&userID, &expires, &used)
	if err != nil || used != nil || s.now().After(expires) {
		return u, ErrResetUnusable
	}
	if u, err = GetUser(ctx, s.DB.R(), userID); err != nil {
		return u, ErrResetUnusable
	}
	if err := CheckPasswordPolicy(newPassword, u.Email); err != nil {
		return u, err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return u, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", s.now(), hashSecret(secret))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrResetUnusable
		}
		if err := setPasswordHash(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if err := deleteUserSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Email, IP: ip}.Entry(0, "auth.password_reset", "user:"+u.Email, nil))
	})
	return u, err
}

// ChangePassword sets a new password for a signed-in user who knows the old
// one. The user's sessions are ended, except the one named by keepSession
// (the browser that made the change).
func (s *Service) ChangePassword(ctx context.Context, a audit.Actor, u User, oldPassword, newPassword string, keepSession ...string) error {
	full, err := GetUser(ctx, s.DB.R(), u.ID)
	if err != nil {
		return err
	}
	if full.passwordHash != "" && !VerifyPassword(full.passwordHash, oldPassword) {
		return &FieldError{Field: "current_password", Reason: "is not your current password"}
	}
	if err := CheckPasswordPolicy(newPassword, u.Email); err != nil {
		return err
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := setPasswordHash(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		keep := ""
		if len(keepSession) > 0 {
			keep = hashSecret(keepSession[0])
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?", u.ID, keep); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(0, "auth.password_change", "user:"+u.Email, nil))
	})
}
