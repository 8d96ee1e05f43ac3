package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/attache-project/attache/internal/db"
)

// OIDC signs users in with an OpenID Connect provider. Discovery happens on
// first use, so a provider that is down at start does not stop Attaché.
type OIDC struct {
	Issuer, ClientID, ClientSecret, RedirectURL string

	mu       sync.Mutex
	provider *oidc.Provider
}

// ErrNoAccount refuses an SSO identity that matches no Attaché account:
// accounts are created by invitation, not by signing in.
var ErrNoAccount = errors.New("no Attaché account uses this email address; ask an administrator for an invitation")

func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(ctx, o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC discovery at %s: %w", o.Issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// AuthURL is where to send the browser; state and nonce are random values
// the caller keeps in a short-lived cookie.
func (o *OIDC) AuthURL(ctx context.Context, state, nonce string) (string, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return "", err
	}
	return o.config(p).AuthCodeURL(state, oidc.Nonce(nonce)), nil
}

// Exchange trades the authorisation code for a verified ID token and
// returns its email address, which the provider must have verified.
func (o *OIDC) Exchange(ctx context.Context, code, nonce string) (string, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return "", err
	}
	tok, err := o.config(p).Exchange(ctx, code)
	if err != nil {
		return "", fmt.Errorf("OIDC code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return "", errors.New("OIDC: the provider returned no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.ClientID}).Verify(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("OIDC: ID token not valid: %w", err)
	}
	if idt.Nonce != nonce {
		return "", errors.New("OIDC: the ID token's nonce does not match this sign-in")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", fmt.Errorf("OIDC claims: %w", err)
	}
	if claims.Email == "" {
		return "", errors.New("OIDC: the ID token carries no email; ask the provider's administrator to release the email claim")
	}
	if claims.EmailVerified != nil && !*claims.EmailVerified {
		return "", errors.New("OIDC: the provider has not verified this email address")
	}
	return NormaliseEmail(claims.Email)
}

// LoginOIDC opens a session for the existing account with this email.
// Users with TOTP still give their second factor.
func (s *Service) LoginOIDC(ctx context.Context, email, ip, userAgent string) (LoginResult, error) {
	var res LoginResult
	u, err := GetUserByEmail(ctx, s.DB.R(), email)
	if errors.Is(err, db.ErrNotFound) || (err == nil && u.Disabled) {
		s.recordFailure(ctx, email, ip, "SSO identity without account")
		return res, ErrNoAccount
	}
	if err != nil {
		return res, err
	}
	res.User, res.NeedsTOTP = u, u.TOTPEnabled
	res.SessionSecret, err = s.openSession(ctx, u, ip, userAgent, u.TOTPEnabled, "oidc")
	return res, err
}
