package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/attache-project/attache/internal/app"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/testutil"
)

// After a rotation the 2FA seeds open with the new key only, and signing in
// with a second factor still works after a restart.
func TestRotateSecretKeyReencryptsSecrets(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ta := NewTestApp(t, e)
		u, err := ta.Auth.CreateUser(ctx, audit.CLI, "rot@example.org", "Rot", "rotation password 1")
		if err != nil {
			t.Fatal(err)
		}
		sec, _, _ := ta.Auth.BeginTOTP(ctx, u)
		code, _ := totp.GenerateCode(sec, time.Now())
		if _, err := ta.Auth.EnableTOTP(ctx, audit.CLI, u, sec, code); err != nil {
			t.Fatal(err)
		}
		var before string
		_ = e.DB.R().QueryRowContext(ctx, "SELECT totp_secret FROM users WHERE id = ?", u.ID).Scan(&before)
		oldBox := ta.Auth.Box

		if _, n, err := ta.RotateSecretKey(ctx, nil); err != nil || n != 1 {
			t.Fatalf("rotate: n=%d err=%v", n, err)
		}
		var after string
		_ = e.DB.R().QueryRowContext(ctx, "SELECT totp_secret FROM users WHERE id = ?", u.ID).Scan(&after)
		if after == before {
			t.Fatal("the secret was not re-encrypted")
		}
		if _, err := oldBox.Open(after); err == nil {
			t.Fatal("the old key still opens the rotated secret")
		}

		// A restarted app reads the new key file.
		re, err := app.Open(ctx, ta.Config, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer re.Close()
		res, err := re.Auth.Login(ctx, "rot@example.org", "rotation password 1", "192.0.2.3", "t")
		if err != nil || !res.NeedsTOTP {
			t.Fatalf("login: %v", err)
		}
		code, _ = totp.GenerateCode(sec, time.Now())
		if err := re.Auth.CompleteTOTP(ctx, res.SessionSecret, code, "192.0.2.3"); err != nil {
			t.Fatalf("second factor after rotation: %v", err)
		}
		if _, err := audit.Verify(ctx, e.DB.R()); err != nil {
			t.Fatal(err)
		}
	})
}
