package api

import (
	"context"
	"net/http"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
)

// Connecting accounts: a channel account's API base URL and its
// credentials (token or app-password entry) come with POST/PATCH
// /api/v1/orgs/{org}/channel-accounts. Credentials are write-only: they are
// sealed with the instance's secret key and never returned; an account
// shows "connected" instead.

// The credential keys each network takes and the checks on them live in
// the channel package (credfields.go), shared with the web UI's forms.

// checkConnection runs the checks on an account's base URL and credentials
// before it is stored. baseURLSent says whether the request set base_url.
func (a *API) checkConnection(acc *channel.Account, baseURLSent bool, creds map[string]string) error {
	if baseURLSent && acc.BaseURL != "" {
		if err := channel.CheckBaseURL(acc.BaseURL, a.AllowPrivate); err != nil {
			return err
		}
	}
	if err := channel.CheckCredentials(acc.Network, creds); err != nil {
		return err
	}
	// A reconnect keeps stored entries the new credentials lack (see
	// storeCredentials), so it is checked for completeness there.
	if !acc.Connected {
		if err := channel.CheckRequired(acc.Network, creds); err != nil {
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
	return channel.SaveCredentials(ctx, q, a.Auth.Box, acc, channel.Credentials(creds), nil)
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
