package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

// storeClock is a settable clock for auth.Service.Now.
type storeClock struct{ t time.Time }

func (c *storeClock) now() time.Time      { return c.t }
func (c *storeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newStoreClock() *storeClock          { return &storeClock{time.Now().UTC()} }
func storeService(e testutil.Engine, c *storeClock) *auth.Service {
	return &auth.Service{DB: e.DB, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://attache.test", Now: c.now}
}

func authField(err error) string {
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := storeService(e, newStoreClock())
		u, err := s.CreateUser(ctx, audit.CLI, "  Olena.Kovalenko@MFA.gov.UA ", "  Olena Kovalenko ", "")
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "olena.kovalenko@mfa.gov.ua" || u.Name != "Olena Kovalenko" || u.ID == 0 || u.Locale != "en" || u.TimeZone != "UTC" {
			t.Errorf("created user: %+v", u)
		}
		for _, email := range []string{"olena.kovalenko@mfa.gov.ua", "OLENA.KOVALENKO@MFA.GOV.UA", " Olena.Kovalenko@mfa.gov.ua "} {
			got, err := auth.GetUserByEmail(ctx, e.DB.R(), email)
			if err != nil || got.ID != u.ID {
				t.Errorf("GetUserByEmail(%q) = %+v, %v", email, got, err)
			}
		}
		if _, err := s.CreateUser(ctx, audit.CLI, "OLENA.kovalenko@mfa.gov.ua", "Twin", ""); authField(err) != "email" {
			t.Errorf("duplicate email in other case: %v, want an email FieldError", err)
		}
		if _, err := auth.GetUser(ctx, e.DB.R(), 99999); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("GetUser(missing): %v", err)
		}
		if _, err := auth.GetUserByEmail(ctx, e.DB.R(), "nobody@example.org"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("GetUserByEmail(missing): %v", err)
		}
		for _, c := range []struct{ email, name, password, field string }{
			{"x", "X", "", "email"},
			{"a@b.c", "", "", "name"},
			{"a@b.c", strings.Repeat("n", 121), "", "name"},
			{"a@b.c", "A", "short", "password"},
			{"a@b.c", "A", "a@b.c", "password"},
		} {
			if _, err := s.CreateUser(ctx, audit.CLI, c.email, c.name, c.password); authField(err) != c.field {
				t.Errorf("CreateUser(%q, %q, %q) = %v, want field %s", c.email, c.name, c.password, err, c.field)
			}
		}
	})
}

func TestNormaliseEmail(t *testing.T) {
	good := map[string]string{
		"a@b.co":                     "a@b.co",
		" Ana.Organiser@Example.ORG": "ana.organiser@example.org",
		"first+tag@sub.example.org":  "first+tag@sub.example.org",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org": strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org",
	}
	for in, want := range good {
		got, err := auth.NormaliseEmail(in)
		if err != nil || got != want {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", " ", "x", "a@b", "a b@c.d", "<a@b.c>", "Ana <a@b.c>", "a@b.c, d@e.f", "@b.c", "a@", "a@@b.c",
		strings.Repeat("a", 250) + "@b.co", "a@b.c\x00", "a\n@b.co"} {
		if got, err := auth.NormaliseEmail(in); authField(err) != "email" {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want an email FieldError", in, got, err)
		}
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		clock := newStoreClock()
		s := storeService(e, clock)
		u, err := s.CreateUser(ctx, audit.CLI, "tok@example.org", "Tok", "")
		if err != nil {
			t.Fatal(err)
		}
		other, _ := s.CreateUser(ctx, audit.CLI, "other@example.org", "Other", "")

		secret, tok, err := s.CreateToken(ctx, audit.CLI, u.ID, "  CI pipeline ", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, auth.TokenPrefix) || !strings.HasPrefix(secret, tok.Prefix) || tok.Name != "CI pipeline" || tok.ExpiresAt != nil {
			t.Errorf("token: %q %+v", secret, tok)
		}
		got, err := s.TokenUser(ctx, secret)
		if err != nil || got.ID != u.ID {
			t.Fatalf("TokenUser = %+v, %v", got, err)
		}
		ts, _ := auth.ListTokens(ctx, e.DB.R(), u.ID)
		if len(ts) != 1 || ts[0].LastUsedAt == nil {
			t.Fatalf("last_used_at not recorded: %+v", ts)
		}
		// Written at most once a minute.
		first := *ts[0].LastUsedAt
		clock.add(30 * time.Second)
		_, _ = s.TokenUser(ctx, secret)
		ts, _ = auth.ListTokens(ctx, e.DB.R(), u.ID)
		if !ts[0].LastUsedAt.Equal(first) {
			t.Errorf("last_used_at rewritten within a minute")
		}
		clock.add(2 * time.Minute)
		_, _ = s.TokenUser(ctx, secret)
		ts, _ = auth.ListTokens(ctx, e.DB.R(), u.ID)
		if !ts[0].LastUsedAt.After(first) {
			t.Errorf("last_used_at not moved after two minutes: %v", ts[0].LastUsedAt)
		}

		for _, bad := range []string{"", "att_", "att_unknown", secret + "x", strings.ToUpper(secret), "Bearer " + secret, strings.Repeat("a", 200), auth.TokenPrefix + strings.Repeat("a", 200)} {
			if _, err := s.TokenUser(ctx, bad); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("TokenUser(%q) = %v, want ErrUnauthenticated", bad, err)
			}
		}

		// Others cannot revoke it; its owner can, once.
		if err := s.RevokeToken(ctx, audit.CLI, other.ID, tok.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("revoke by another user: %v", err)
		}
		if err := s.RevokeToken(ctx, audit.CLI, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenUser(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("revoked token still works: %v", err)
		}
		if err := s.RevokeToken(ctx, audit.CLI, u.ID, tok.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("second revoke: %v", err)
		}

		// Expiry.
		secret2, tok2, err := s.CreateToken(ctx, audit.CLI, u.ID, "short", 24*time.Hour)
		if err != nil || tok2.ExpiresAt == nil {
			t.Fatal(err)
		}
		if _, err := s.TokenUser(ctx, secret2); err != nil {
			t.Errorf("fresh token: %v", err)
		}
		clock.add(25 * time.Hour)
		if _, err := s.TokenUser(ctx, secret2); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("expired token still works: %v", err)
		}

		for _, c := range []struct {
			name string
			ttl  time.Duration
		}{{"", 0}, {strings.Repeat("x", 101), 0}, {"ok", -time.Hour}, {"ok", 6 * 365 * 24 * time.Hour}} {
			if _, _, err := s.CreateToken(ctx, audit.CLI, u.ID, c.name, c.ttl); authField(err) == "" {
				t.Errorf("CreateToken(%q, %v) accepted: %v", c.name, c.ttl, err)
			}
		}
		if n, err := audit.Verify(ctx, e.DB.R()); err != nil || n < 4 {
			t.Errorf("audit chain after token work: %d, %v", n, err)
		}
	})
}

func TestSessionsAndRateLimit(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		clock := newStoreClock()
		s := storeService(e, clock)
		const pw = "correct horse battery"
		u, err := s.CreateUser(ctx, audit.CLI, "sess@example.org", "Sess", pw)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Login(ctx, " SESS@example.org ", pw, "192.0.2.1", "test")
		if err != nil || res.SessionSecret == "" || res.User.ID != u.ID || res.NeedsTOTP {
			t.Fatalf("Login = %+v, %v", res, err)
		}
		got, pending, err := s.SessionUser(ctx, res.SessionSecret)
		if err != nil || pending || got.ID != u.ID {
			t.Errorf("SessionUser = %+v %v %v", got, pending, err)
		}
		for _, bad := range []string{"", "x", res.SessionSecret + "x", strings.Repeat("a", 101)} {
			if _, _, err := s.SessionUser(ctx, bad); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("SessionUser(%q) = %v", bad, err)
			}
		}
		// Sliding expiry keeps an active session; an idle one ends.
		clock.add(13 * 24 * time.Hour)
		if _, _, err := s.SessionUser(ctx, res.SessionSecret); err != nil {
			t.Errorf("session after 13 days: %v", err)
		}
		clock.add(13 * 24 * time.Hour)
		if _, _, err := s.SessionUser(ctx, res.SessionSecret); err != nil {
			t.Errorf("session used 13 days ago: %v", err)
		}
		clock.add(15 * 24 * time.Hour)
		if _, _, err := s.SessionUser(ctx, res.SessionSecret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("session idle for 15 days: %v", err)
		}

		res2, err := s.Login(ctx, "sess@example.org", pw, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if res2.SessionSecret == res.SessionSecret {
			t.Error("a new login reuses the session secret")
		}
		if err := s.Logout(ctx, res2.SessionSecret, u, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionUser(ctx, res2.SessionSecret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("session after logout: %v", err)
		}

		// Five failures lock the account for the window, even with the
		// right password, and even from another address.
		for i := 0; i < 5; i++ {
			if _, err := s.Login(ctx, "sess@example.org", "wrong password!", "198.51.100.7", "test"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		var rl *auth.RateLimitedError
		if _, err := s.Login(ctx, "sess@example.org", pw, "203.0.113.9", "test"); !errors.As(err, &rl) || rl.RetryAfter <= 0 {
			t.Fatalf("sixth attempt: %v, want RateLimitedError", err)
		}
		if !strings.Contains(rl.Error(), "minutes") {
			t.Errorf("rate-limit message: %q", rl.Error())
		}
		clock.add(16 * time.Minute)
		if _, err := s.Login(ctx, "sess@example.org", pw, "203.0.113.9", "test"); err != nil {
			t.Errorf("after the window: %v", err)
		}
		// Overlong input is refused without work.
		if _, err := s.Login(ctx, strings.Repeat("a", 300)+"@x.org", pw, "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("overlong email: %v", err)
		}
		if n, err := audit.Verify(ctx, e.DB.R()); err != nil || n == 0 {
			t.Errorf("audit chain: %d, %v", n, err)
		}
	})
}

// An unknown account costs as much as a wrong password, so response times
// do not reveal which accounts exist.
func TestLoginUnknownUserIsNotFaster(t *testing.T) {
	ctx := context.Background()
	e := testutil.SQLite(t)
	s := storeService(e, newStoreClock())
	if _, err := s.CreateUser(ctx, audit.CLI, "known@example.org", "Known", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	// Interleaved, best of four each: noise on a shared machine only adds
	// time, so the minimum is the cost itself.
	once := func(email string, i int) time.Duration {
		start := time.Now()
		_, err := s.Login(ctx, email, "not the password", fmt.Sprintf("192.0.2.%d", 50+i), "")
		if !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("login %s: %v", email, err)
		}
		return time.Since(start)
	}
	known, unknown := time.Hour, time.Hour
	for i := 0; i < 4; i++ {
		known = min(known, once("known@example.org", i))
		unknown = min(unknown, once("unknown@example.org", i))
	}
	if unknown < known/2 {
		t.Errorf("unknown account answered in %v, a wrong password in %v: the difference reveals which accounts exist", unknown, known)
	}
}
