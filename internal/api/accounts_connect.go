package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/netguard"
)

// Connecting accounts: a channel account's API base URL and its
// credentials (token or app-password entry) come with POST/PATCH
// /api/v1/orgs/{org}/channel-accounts. Credentials are write-only: they are
// sealed with the instance's secret key and never returned; an account
// shows "connected" instead.

var credentialKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// credentialKeys are the keys each network's connector reads; networks
// not listed accept any well-formed key (their connectors define them).
var credentialKeys = map[limits.Network][]string{
	limits.X:         {"access_token", "refresh_token", "client_id", "client_secret", "user_id"},
	limits.LinkedIn:  {"access_token", "refresh_token", "client_id", "client_secret", "author_urn", "api_version"},
	limits.Mastodon:  {"access_token"},
	limits.Telegram:  {"bot_token"},
	limits.Viber:     {"auth_token", "from"},
	limits.Bluesky:   {"identifier", "app_password", "access_jwt", "refresh_jwt", "did", "handle"},
	limits.Facebook:  {"page_id", "page_access_token"},
	limits.Instagram: {"ig_user_id", "access_token"},
	limits.Threads:   {"user_id", "access_token"},
}

// requiredCredentials must be present for a network to be connected.
var requiredCredentials = map[limits.Network][]string{
	limits.X:         {"access_token"},
	limits.LinkedIn:  {"access_token", "author_urn"},
	limits.Mastodon:  {"access_token"},
	limits.Telegram:  {"bot_token"},
	limits.Viber:     {"auth_token", "from"},
	limits.Bluesky:   {"identifier", "app_password"},
	limits.Facebook:  {"page_id", "page_access_token"},
	limits.Instagram: {"ig_user_id", "access_token"},
	limits.Threads:   {"user_id", "access_token"},
}

// checkCredentials validates credentials sent for an account of network n.
// An empty (non-nil) map disconnects and is always valid.
func checkCredentials(n limits.Network, c map[string]string) error {
	if len(c) == 0 {
		return nil
	}
	if len(c) > 16 {
		return &channel.FieldError{Field: "credentials", Reason: "has too many entries"}
	}
	known := credentialKeys[n]
	for k, v := range c {
		if !credentialKey.MatchString(k) || (known != nil && !containsString(known, k)) {
			reason := "has an unknown entry " + quoteKey(k)
			if known != nil {
				reason += "; " + limits.Label(n) + " takes " + strings.Join(known, ", ")
			}
			return &channel.FieldError{Field: "credentials", Reason: reason}
		}
		if strings.TrimSpace(v) == "" || len(v) > 8192 || !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return &channel.FieldError{Field: "credentials/" + k, Reason: "must be a non-empty value of at most 8192 characters without control characters"}
		}
	}
	return nil
}

// checkRequired says which credential a network needs and c lacks.
func checkRequired(n limits.Network, c map[string]string) error {
	if len(c) == 0 {
		return nil
	}
	for _, k := range requiredCredentials[n] {
		if c[k] == "" {
			return &channel.FieldError{Field: "credentials/" + k, Reason: "is required to connect a " + limits.Label(n) + " account"}
		}
	}
	return nil
}

func quoteKey(k string) string {
	if len(k) > 64 {
		k = k[:64] + "…"
	}
	return `"` + strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, k) + `"`
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// checkConnection runs the checks on an account's base URL and credentials
// before it is stored. baseURLSent says whether the request set base_url.
func (a *API) checkConnection(acc *channel.Account, baseURLSent bool, creds map[string]string) error {
	if baseURLSent && acc.BaseURL != "" {
		if err := netguard.CheckURL(acc.BaseURL, a.AllowPrivate); err != nil {
			var re *netguard.RefusedError
			if errors.As(err, &re) {
				return &channel.FieldError{Field: "base_url", Reason: "points to " + re.Addr.String() + ", a " + re.Reason + ", which is refused by default; the operator can " + netguard.Hint}
			}
			return &channel.FieldError{Field: "base_url", Reason: err.Error()}
		}
	}
	if err := checkCredentials(acc.Network, creds); err != nil {
		return err
	}
	// A reconnect keeps stored entries the new credentials lack (see
	// storeCredentials), so it is checked for completeness there.
	if !acc.Connected {
		if err := checkRequired(acc.Network, creds); err != nil {
			return err
		}
	}
	if len(creds) > 0 && acc.Network == limits.Mastodon && acc.BaseURL == "" {
		return &channel.FieldError{Field: "base_url", Reason: "is required to connect a Mastodon account: the instance's address, such as https://mastodon.social"}
	}
	return nil
}

// storeCredentials seals creds for the account in the transaction q. On a
// reconnect (old credentials present), every stored entry the new
// credentials lack is kept — a working refresh token above all, and
// identifiers such as a LinkedIn author or a Facebook page — so a reconnect
// can send just the new token. Sending {} disconnects.
func (a *API) storeCredentials(ctx context.Context, q db.Queryer, acc *channel.Account, creds map[string]string) error {
	if creds == nil {
		return nil
	}
	c := channel.Credentials(creds)
	if len(c) > 0 && acc.Connected {
		if old, err := channel.LoadCredentials(ctx, q, a.Auth.Box, acc.ID); err == nil {
			c = maps(c)
			for k, v := range old {
				if c[k] == "" {
					c[k] = v
				}
			}
		}
		if err := checkRequired(acc.Network, c); err != nil {
			return err
		}
	}
	if err := channel.SetCredentials(ctx, q, a.Auth.Box, acc.OrgID, acc.ID, c, nil); err != nil {
		return err
	}
	acc.Connected = len(c) > 0
	acc.TokenExpiresAt = nil
	return nil
}

func maps(c channel.Credentials) channel.Credentials {
	out := make(channel.Credentials, len(c)+1)
	for k, v := range c {
		out[k] = v
	}
	return out
}

// saveAccount validates and stores a new (acc.ID == 0) or changed account
// with its credentials in one transaction, and writes the account.
func (a *API) saveAccount(w http.ResponseWriter, r *http.Request, acc *channel.Account, in accountInput) {
	if err := a.checkConnection(acc, in.BaseURL != nil, in.Credentials); err != nil {
		a.writeError(w, r, err)
		return
	}
	created := acc.ID == 0
	err := a.DB.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		if created {
			err = channel.Insert(r.Context(), tx, acc)
		} else {
			err = channel.Update(r.Context(), tx, acc)
		}
		if err != nil {
			return err
		}
		return a.storeCredentials(r.Context(), tx, acc, in.Credentials)
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, acc)
}
