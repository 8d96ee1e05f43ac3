package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/secret"
)

// Mailer sends one plain-text email.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Service applies the rules of accounts and credentials.
type Service struct {
	DB         *db.DB
	Box        *secret.Box
	Mailer     Mailer
	Log        *slog.Logger
	BaseURL    string
	SessionTTL time.Duration
	Now        func() time.Time
	OIDC       *OIDC // nil when single sign-on is not configured
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Errors callers turn into responses.
var (
	ErrBadCredentials  = errors.New("the email address or password is not correct")
	ErrBadCode         = errors.New("the code is not correct or has expired")
	ErrUnauthenticated = errors.New("sign-in required")
)

// RateLimitedError says that sign-in is refused for a while.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed sign-in attempts; try again in %d minutes", int(e.RetryAfter.Minutes())+1)
}

// Login limits: failures counted over a window per account and per address.
const (
	loginWindow      = 15 * time.Minute
	maxFailsPerEmail = 5
	maxFailsPerIP    = 30
)

// CreateUser creates an account. password may be empty for a user who will
// sign in with OIDC or set a password through a reset link.
func (s *Service) CreateUser(ctx context.Context, actor audit.Actor, email, name, password string) (User, error) {
	var u User
	email, err := NormaliseEmail(email)
	if err != nil {
		return u, err
	}
	if name, err = CheckName(name); err != nil {
		return u, err
	}
	u = User{Email: email, Name: name}
	if password != "" {
		if err := CheckPasswordPolicy(password, email); err != nil {
			return u, err
		}
		if u.passwordHash, err = HashPassword(password); err != nil {
			return u, err
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertUser(ctx, tx, &u); err != nil {
			return err
		}
		return audit.Append(ctx, tx, actor.Entry(0, "user.create", "user:"+email, nil))
	})
	return u, err
}

// Principal loads who a user is and where they are a member.
func (s *Service) Principal(ctx context.Context, u User) (*authz.Principal, error) {
	ms, err := org.ListMemberships(ctx, s.DB.R(), u.ID)
	if err != nil {
		return nil, err
	}
	p := &authz.Principal{UserID: u.ID, Email: u.Email}
	for _, m := range ms {
		p.Memberships = append(p.Memberships, authz.Membership{OrgID: m.Org.ID, Role: m.Role})
	}
	return p, nil
}

func (s *Service) tooManyFailures(ctx context.Context, keys ...string) error {
	since := s.now().Add(-loginWindow)
	for _, k := range keys {
		var n int
		if err := s.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM login_failures WHERE key = ? AND at > ?", k, since).Scan(&n); err != nil {
			return fmt.Errorf("check login failures: %w", err)
		}
		limit := maxFailsPerEmail
		if strings.HasPrefix(k, "ip:") {
			limit = maxFailsPerIP
		}
		if n >= limit {
			return &RateLimitedError{RetryAfter: loginWindow}
		}
	}
	return nil
}

func (s *Service) recordFailure(ctx context.Context, email, ip, reason string) {
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, k := range []string{"email:" + email, "ip:" + ip} {
			if _, err := tx.ExecContext(ctx, "INSERT INTO login_failures (key, at) VALUES (?, ?)", k, s.now()); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE at < ?", s.now().Add(-24*time.Hour)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Actor{Name: email, IP: ip}.Entry(0, "auth.login_failed", "user:"+email, map[string]string{"reason": reason}))
	})
	if err != nil && s.Log != nil {
		s.Log.Error("record sign-in failure", "err", err)
	}
}

// LoginResult is what a successful password check gives.
type LoginResult struct {
	SessionSecret string
	User          User
	NeedsTOTP     bool // the session is pending until the second factor
}

// Login checks email and password and opens a session (pending when the
// user has TOTP enabled).
func (s *Service) Login(ctx context.Context, email, password, ip, userAgent string) (LoginResult, error) {
	var res LoginResult
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 || len(password) > 1024 || hasControl(email) {
		return res, ErrBadCredentials
	}
	if err := s.tooManyFailures(ctx, "email:"+email, "ip:"+ip); err != nil {
		return res, err
	}
	u, err := GetUserByEmail(ctx, s.DB.R(), email)
	if errors.Is(err, db.ErrNotFound) {
		VerifyPassword(dummyHash, password)
		s.recordFailure(ctx, email, ip, "unknown account")
		return res, ErrBadCredentials
	}
	if err != nil {
		return res, err
	}
	if u.passwordHash == "" || !VerifyPassword(u.passwordHash, password) || u.Disabled {
		s.recordFailure(ctx, email, ip, "wrong password")
		return res, ErrBadCredentials
	}
	res.User, res.NeedsTOTP = u, u.TOTPEnabled
	res.SessionSecret, err = s.openSession(ctx, u, ip, userAgent, u.TOTPEnabled, "password")
	return res, err
}

// openSession starts a session after a first factor (password or OIDC).
func (s *Service) openSession(ctx context.Context, u User, ip, userAgent string, pending bool, method string) (string, error) {
	secret := newSecret("")
	now := s.now()
	sess := Session{UserID: u.ID, MFAPending: pending, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.ttl())}
	if pending {
		sess.ExpiresAt = now.Add(10 * time.Minute)
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertSession(ctx, tx, secret, sess, ip, userAgent); err != nil {
			return err
		}
		action := "auth.login"
		if pending {
			action = "auth.password_ok"
		}
		return audit.Append(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Email, IP: ip}.Entry(0, action, "user:"+u.Email, map[string]string{"method": method}))
	})
	return secret, err
}

func (s *Service) ttl() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return 14 * 24 * time.Hour
}

// SessionUser resolves a session cookie. Pending sessions come back with
// pending=true and must only be used for the second-factor step.
func (s *Service) SessionUser(ctx context.Context, secret string) (u User, pending bool, err error) {
	if secret == "" || len(secret) > 100 {
		return u, false, ErrUnauthenticated
	}
	sess, err := sessionBySecret(ctx, s.DB.R(), secret)
	if errors.Is(err, db.ErrNotFound) {
		return u, false, ErrUnauthenticated
	}
	if err != nil {
		return u, false, err
	}
	now := s.now()
	if now.After(sess.ExpiresAt) {
		_ = deleteSession(ctx, s.DB.W(), secret)
		return u, false, ErrUnauthenticated
	}
	u, err = GetUser(ctx, s.DB.R(), sess.UserID)
	if err != nil || u.Disabled {
		return u, false, ErrUnauthenticated
	}
	// Sliding expiry, written at most once a minute to spare the writer.
	if !sess.MFAPending && now.Sub(sess.LastSeenAt) > time.Minute {
		_, _ = s.DB.W().ExecContext(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?", now, now.Add(s.ttl()), hashSecret(secret))
	}
	return u, sess.MFAPending, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, secret string, u User, ip string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := deleteSession(ctx, tx, secret); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Actor{UserID: u.ID, Name: u.Email, IP: ip}.Entry(0, "auth.logout", "user:"+u.Email, nil))
	})
}

// CreateToken issues an API token for a user and returns its secret, which
// is never shown again.
func (s *Service) CreateToken(ctx context.Context, actor audit.Actor, userID int64, name string, ttl time.Duration) (string, Token, error) {
	t := Token{UserID: userID}
	var err error
	if t.Name, err = checkTokenName(name); err != nil {
		return "", t, err
	}
	if ttl < 0 || ttl > 5*365*24*time.Hour {
		return "", t, &FieldError{Field: "expires_in_days", Reason: "must be between 0 (never) and 1825"}
	}
	if ttl > 0 {
		exp := s.now().Add(ttl)
		t.ExpiresAt = &exp
	}
	secret := newSecret(TokenPrefix)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertToken(ctx, tx, &t, secret); err != nil {
			return err
		}
		return audit.Append(ctx, tx, actor.Entry(0, "token.create", "token:"+strconv.FormatInt(t.ID, 10), map[string]string{"name": t.Name, "user_id": strconv.FormatInt(userID, 10)}))
	})
	return secret, t, err
}

// RevokeToken revokes one of the user's tokens.
func (s *Service) RevokeToken(ctx context.Context, actor audit.Actor, userID, tokenID int64) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL", s.now(), tokenID, userID)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		return audit.Append(ctx, tx, actor.Entry(0, "token.revoke", "token:"+strconv.FormatInt(tokenID, 10), nil))
	})
}

// TokenUser resolves a bearer token.
func (s *Service) TokenUser(ctx context.Context, secret string) (User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return User{}, ErrUnauthenticated
	}
	t, err := tokenBySecret(ctx, s.DB.R(), secret)
	if errors.Is(err, db.ErrNotFound) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, err
	}
	now := s.now()
	if !t.Active(now) {
		return User{}, ErrUnauthenticated
	}
	u, err := GetUser(ctx, s.DB.R(), t.UserID)
	if err != nil || u.Disabled {
		return User{}, ErrUnauthenticated
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_, _ = s.DB.W().ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, t.ID)
	}
	return u, nil
}
