package auth_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/mail"
	"github.com/attache-project/attache/internal/testutil"
)

var resetLink = regexp.MustCompile(`http://attache\.test/password/reset/([a-z0-9]+)`)

// The reset link travels through a real SMTP server (Mailpit).
func TestPasswordResetByEmail(t *testing.T) {
	ctx := context.Background()
	mp := testutil.NewMailpit(t)
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := newService(t, e)
		s.Mailer = &mail.SMTP{Host: mp.Host, Port: mp.Port, From: "Attaché <no-reply@attache.test>", TLS: "none"}
		email := "reset." + e.Name + "@example.org"
		if _, err := s.CreateUser(ctx, audit.CLI, email, "Reset User", "old password 123"); err != nil {
			t.Fatal(err)
		}
		old, _ := s.Login(ctx, email, "old password 123", "192.0.2.9", "t")
		if err := s.RequestPasswordReset(ctx, email, "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
		// Unknown accounts get the same answer and no email.
		if err := s.RequestPasswordReset(ctx, "nobody@example.org", "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
		msg := mp.WaitFor(t, email)
		m := resetLink.FindStringSubmatch(msg.Text)
		if m == nil {
			t.Fatalf("no reset link in the email:\n%s", msg.Text)
		}
		if _, err := s.ResetPassword(ctx, m[1], "short", "192.0.2.9"); err == nil {
			t.Fatal("a too-short password was accepted")
		}
		if _, err := s.ResetPassword(ctx, m[1], "brand new password", "192.0.2.9"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetPassword(ctx, m[1], "another new password", "192.0.2.9"); !errors.Is(err, auth.ErrResetUnusable) {
			t.Fatalf("a reset link worked twice: %v", err)
		}
		if _, _, err := s.SessionUser(ctx, old.SessionSecret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatal("old sessions survive a password reset")
		}
		if _, err := s.Login(ctx, email, "brand new password", "192.0.2.9", "t"); err != nil {
			t.Fatalf("new password refused: %v", err)
		}
	})
}
