package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
)

// RecoveryCodeCount is how many one-time recovery codes a user gets.
const RecoveryCodeCount = 10

// BeginTOTP generates a new TOTP secret for u. Nothing is stored until
// EnableTOTP confirms that the user's authenticator produces valid codes.
func (s *Service) BeginTOTP(ctx context.Context, u User) (secret, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Attaché", AccountName: u.Email, SecretSize: 20, Rand: rand.Reader})
	if err != nil {
		return "", "", fmt.Errorf("generate TOTP secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPKey rebuilds the otpauth key of a secret (to draw its QR code).
func TOTPKey(email, secret string) (*otp.Key, error) {
	return otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/Attach%%C3%%A9:%s?secret=%s&issuer=Attach%%C3%%A9&algorithm=SHA1&digits=6&period=30", email, secret))
}

func validTOTP(secret, code string, now time.Time) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, now, totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// EnableTOTP stores the secret (encrypted) once code proves the user's
// authenticator has it, and returns fresh recovery codes, shown once.
func (s *Service) EnableTOTP(ctx context.Context, a audit.Actor, u User, secret, code string) ([]string, error) {
	if len(secret) < 16 || len(secret) > 64 {
		return nil, &FieldError{Field: "secret", Reason: "is not a TOTP secret from this page; start again"}
	}
	if !validTOTP(secret, code, s.now()) {
		return nil, &FieldError{Field: "code", Reason: "is not the current code of your authenticator app; check the time on your phone and try again"}
	}
	sealed, err := s.Box.Seal(secret)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = ?, totp_enabled = ? WHERE id = ?", sealed, true, u.ID); err != nil {
			return fmt.Errorf("enable TOTP: %w", err)
		}
		var err error
		if codes, err = replaceRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(0, "auth.2fa_enable", "user:"+u.Email, nil))
	})
	return codes, err
}

// DisableTOTP removes the second factor after checking the password.
func (s *Service) DisableTOTP(ctx context.Context, a audit.Actor, u User, password string) error {
	full, err := GetUser(ctx, s.DB.R(), u.ID)
	if err != nil {
		return err
	}
	if full.passwordHash != "" && !VerifyPassword(full.passwordHash, password) {
		return &FieldError{Field: "password", Reason: "is not your current password"}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = '', totp_enabled = ? WHERE id = ?", false, u.ID); err != nil {
			return fmt.Errorf("disable TOTP: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(0, "auth.2fa_disable", "user:"+u.Email, nil))
	})
}

// CompleteTOTP checks the second factor of a pending session: a current
// TOTP code or an unused recovery code. On success the session becomes a
// full one.
func (s *Service) CompleteTOTP(ctx context.Context, sessionSecret, code, ip string) error {
	u, pending, err := s.SessionUser(ctx, sessionSecret)
	if err != nil {
		return err
	}
	if !pending {
		return nil
	}
	if err := s.tooManyFailures(ctx, "2fa:"+u.Email); err != nil {
		return err
	}
	secret, err := s.Box.Open(u.totpSealed)
	if err != nil {
		return fmt.Errorf("open TOTP secret of %s: %w", u.Email, err)
	}
	method := "totp"
	ok := validTOTP(secret, code, s.now())
	if !ok {
		ok, err = s.useRecoveryCode(ctx, u.ID, code)
		if err != nil {
			return err
		}
		method = "recovery_code"
	}
	if !ok {
		s.recordFailure(ctx, "2fa:"+u.Email, ip, "wrong second factor")
		return ErrBadCode
	}
	now := s.now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET mfa_pending = ?, last_seen_at = ?, expires_at = ? WHERE id_hash = ?", false, now, now.Add(s.ttl()), hashSecret(sessionSecret)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Email, IP: ip}.Entry(0, "auth.login", "user:"+u.Email, map[string]string{"method": "password+" + method}))
	})
}

// normaliseRecoveryCode accepts "abcd-efgh-ij", "ABCDEFGHIJ" and spaces.
func normaliseRecoveryCode(c string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(c)))
}

func (s *Service) useRecoveryCode(ctx context.Context, userID int64, code string) (bool, error) {
	c := normaliseRecoveryCode(code)
	if len(c) != 10 {
		return false, nil
	}
	var used bool
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", s.now(), userID, hashSecret(c))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		used = n == 1
		return nil
	})
	return used, err
}

func replaceRecoveryCodes(ctx context.Context, tx *db.Tx, userID int64) ([]string, error) {
	if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", userID); err != nil {
		return nil, fmt.Errorf("replace recovery codes: %w", err)
	}
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		raw := newSecret("")[:10]
		codes[i] = raw[:4] + "-" + raw[4:8] + "-" + raw[8:]
		if _, err := tx.ExecContext(ctx, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, hashSecret(raw)); err != nil {
			return nil, fmt.Errorf("store recovery code: %w", err)
		}
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a audit.Actor, u User) ([]string, error) {
	if !u.TOTPEnabled {
		return nil, errors.New("two-factor authentication is not enabled")
	}
	var codes []string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if codes, err = replaceRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(0, "auth.recovery_codes_regenerate", "user:"+u.Email, nil))
	})
	return codes, err
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", userID).Scan(&n)
	return n, err
}

// MustEnrolTOTP reports whether an organisation of u requires two-factor
// authentication while u has none: such a user may only set it up.
func (s *Service) MustEnrolTOTP(ctx context.Context, u User) (bool, error) {
	if u.TOTPEnabled {
		return false, nil
	}
	var n int
	err := s.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = ? AND o.require_2fa = ?`, u.ID, true).Scan(&n)
	return n > 0, err
}
