package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/testutil"
)

func newService(t *testing.T, e testutil.Engine) *auth.Service {
	t.Helper()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &auth.Service{DB: e.DB, Box: box, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://attache.test"}
}

func TestTOTPEnrolmentAndSecondFactor(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := newService(t, e)
		u, err := s.CreateUser(ctx, audit.CLI, "totp.user@example.org", "Totp User", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		sec, url, err := s.BeginTOTP(ctx, u)
		if err != nil || sec == "" || url == "" {
			t.Fatalf("BeginTOTP: %q %q %v", sec, url, err)
		}
		if _, err := s.EnableTOTP(ctx, audit.CLI, u, sec, "000000"); err == nil {
			t.Fatal("a wrong code enabled TOTP")
		}
		code, _ := totp.GenerateCode(sec, time.Now())
		codes, err := s.EnableTOTP(ctx, audit.CLI, u, sec, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != auth.RecoveryCodeCount {
			t.Fatalf("%d recovery codes", len(codes))
		}
		// The secret is stored encrypted, not in the clear.
		var stored string
		if err := e.DB.R().QueryRowContext(ctx, "SELECT totp_secret FROM users WHERE id = ?", u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == sec || stored == "" {
			t.Fatalf("TOTP secret stored in the clear: %q", stored)
		}

		// Password alone now gives a pending session that grants nothing.
		res, err := s.Login(ctx, "totp.user@example.org", "correct horse battery", "192.0.2.7", "test")
		if err != nil || !res.NeedsTOTP {
			t.Fatalf("login: %+v %v", res, err)
		}
		if _, pending, err := s.SessionUser(ctx, res.SessionSecret); err != nil || !pending {
			t.Fatalf("session should be pending: %v %v", pending, err)
		}
		if err := s.CompleteTOTP(ctx, res.SessionSecret, "123456", "192.0.2.7"); !errors.Is(err, auth.ErrBadCode) {
			t.Fatalf("wrong TOTP accepted: %v", err)
		}
		code, _ = totp.GenerateCode(sec, time.Now())
		if err := s.CompleteTOTP(ctx, res.SessionSecret, code, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if _, pending, err := s.SessionUser(ctx, res.SessionSecret); err != nil || pending {
			t.Fatalf("session should be full: %v %v", pending, err)
		}

		// A recovery code works once.
		res2, _ := s.Login(ctx, "totp.user@example.org", "correct horse battery", "192.0.2.7", "test")
		if err := s.CompleteTOTP(ctx, res2.SessionSecret, codes[3], "192.0.2.7"); err != nil {
			t.Fatalf("recovery code refused: %v", err)
		}
		res3, _ := s.Login(ctx, "totp.user@example.org", "correct horse battery", "192.0.2.7", "test")
		if err := s.CompleteTOTP(ctx, res3.SessionSecret, codes[3], "192.0.2.7"); !errors.Is(err, auth.ErrBadCode) {
			t.Fatalf("a used recovery code worked again: %v", err)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != auth.RecoveryCodeCount-1 {
			t.Fatalf("%d recovery codes left", n)
		}
		u, _ = auth.GetUser(ctx, e.DB.R(), u.ID)
		if err := s.DisableTOTP(ctx, audit.CLI, u, "wrong password"); err == nil {
			t.Fatal("TOTP disabled with a wrong password")
		}
		if err := s.DisableTOTP(ctx, audit.CLI, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if n, err := audit.Verify(ctx, e.DB.R()); err != nil || n == 0 {
			t.Fatalf("audit chain after 2FA events: %d %v", n, err)
		}
	})
}
