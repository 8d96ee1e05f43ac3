package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/testutil"
)

// walk follows the provider's authorisation redirect and returns the code.
func authorise(t *testing.T, o *auth.OIDC, state, nonce string) string {
	t.Helper()
	u, err := o.AuthURL(context.Background(), state, nonce)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("state") != state {
		t.Fatalf("provider redirect %q lost the state", resp.Header.Get("Location"))
	}
	return back.Query().Get("code")
}

func TestOIDCSignInMapsEmailToExistingUser(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := newService(t, e)
		idp := testutil.NewFakeOIDC(t, "attache")
		s.OIDC = &auth.OIDC{Issuer: idp.URL, ClientID: "attache", ClientSecret: "s3cret", RedirectURL: "http://attache.test/login/oidc/callback"}
		if _, err := s.CreateUser(ctx, audit.CLI, "sso.user@example.org", "SSO User", ""); err != nil {
			t.Fatal(err)
		}

		idp.Email = "SSO.User@example.org"
		email, err := s.OIDC.Exchange(ctx, authorise(t, s.OIDC, "st1", "n1"), "n1")
		if err != nil || email != "sso.user@example.org" {
			t.Fatalf("exchange: %q %v", email, err)
		}
		res, err := s.LoginOIDC(ctx, email, "192.0.2.1", "t")
		if err != nil || res.User.Email != "sso.user@example.org" || res.NeedsTOTP {
			t.Fatalf("LoginOIDC: %+v %v", res, err)
		}

		// A replayed ID token for another sign-in (nonce mismatch) is refused.
		if _, err := s.OIDC.Exchange(ctx, authorise(t, s.OIDC, "st2", "n2"), "other-nonce"); err == nil {
			t.Fatal("nonce mismatch accepted")
		}
		// An unverified email is refused.
		idp.EmailVerified = false
		if _, err := s.OIDC.Exchange(ctx, authorise(t, s.OIDC, "st3", "n3"), "n3"); err == nil {
			t.Fatal("unverified email accepted")
		}
		// An identity without an account gets no session.
		if _, err := s.LoginOIDC(ctx, "stranger@example.org", "192.0.2.1", "t"); !errors.Is(err, auth.ErrNoAccount) {
			t.Fatalf("stranger signed in: %v", err)
		}
	})
}
