package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

const connectSecret = "tok-SECRET-4f9a2c7e1b"

type accountOut struct {
	ID        int64  `json:"id"`
	BaseURL   string `json:"base_url"`
	Connected bool   `json:"connected"`
}

func decodeAccount(t *testing.T, r Response) accountOut {
	t.Helper()
	var a accountOut
	if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return a
}

// Accounts are connected with a base URL and write-only credentials; the
// token never comes back, is sealed at rest and survives a key rotation.
func TestConnectAccountCredentialsSealed(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		ed := f.Members[authz.Editor].Token
		path := fmt.Sprintf("/api/v1/orgs/%d/channel-accounts", f.A.ID)
		body := `{"network":"mastodon","name":"MFA on Mastodon","handle":"@mfa@m.example","language":"en","base_url":"https://203.0.113.5/","credentials":{"access_token":"` + connectSecret + `"}}`
		r := f.Do(t, "POST", path, ed, body)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if strings.Contains(r.Body, connectSecret) || strings.Contains(r.Body, "credentials") {
			t.Fatalf("the response shows the credentials: %s", r.Body)
		}
		acc := decodeAccount(t, r)
		if !acc.Connected || acc.BaseURL != "https://203.0.113.5" {
			t.Fatalf("account %+v", acc)
		}
		r = f.Do(t, "GET", path, ed, "")
		if r.Status != 200 || strings.Contains(r.Body, connectSecret) || !strings.Contains(r.Body, `"connected":true`) {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}

		// At rest: no token in the column, nor (SQLite) anywhere in the files.
		var sealed string
		if err := e.DB.R().QueryRowContext(ctx, "SELECT credentials FROM channel_accounts WHERE id = ?", acc.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if sealed == "" || strings.Contains(sealed, connectSecret) || strings.Contains(sealed, "access_token") {
			t.Fatalf("credentials column holds %q", sealed)
		}
		if e.Name == "sqlite" {
			files, _ := filepath.Glob(filepath.Join(e.Dir, "*.db*"))
			if len(files) == 0 {
				t.Fatal("no SQLite files found")
			}
			for _, fn := range files {
				b, err := os.ReadFile(fn)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), connectSecret) {
					t.Fatalf("%s holds the token in clear", fn)
				}
			}
		}
		creds, err := channel.LoadCredentials(ctx, e.DB.R(), f.Auth.Box, acc.ID)
		if err != nil || creds["access_token"] != connectSecret {
			t.Fatalf("load: %v %v", creds, err)
		}

		// Rotation re-encrypts them; they stay readable with the new key.
		oldBox := f.Auth.Box
		if _, _, err := f.RotateSecretKey(ctx, nil); err != nil {
			t.Fatal(err)
		}
		creds, err = channel.LoadCredentials(ctx, e.DB.R(), f.Auth.Box, acc.ID)
		if err != nil || creds["access_token"] != connectSecret {
			t.Fatalf("load after rotation: %v %v", creds, err)
		}
		if _, err := channel.LoadCredentials(ctx, e.DB.R(), oldBox, acc.ID); err == nil {
			t.Fatal("the old key still opens the credentials")
		}

		// PATCH: other fields keep the credentials; {} disconnects; new ones reconnect.
		one := fmt.Sprintf("%s/%d", path, acc.ID)
		r = f.Do(t, "PATCH", one, ed, `{"name":"MFA (Mastodon)"}`)
		if r.Status != 200 || !decodeAccount(t, r).Connected {
			t.Fatalf("rename: %d %s", r.Status, r.Body)
		}
		r = f.Do(t, "PATCH", one, ed, `{"credentials":{}}`)
		if r.Status != 200 || decodeAccount(t, r).Connected {
			t.Fatalf("disconnect: %d %s", r.Status, r.Body)
		}
		r = f.Do(t, "PATCH", one, ed, `{"credentials":{"access_token":"second-token"}}`)
		if r.Status != 200 || !decodeAccount(t, r).Connected || strings.Contains(r.Body, "second-token") {
			t.Fatalf("reconnect: %d %s", r.Status, r.Body)
		}
		if creds, _ := channel.LoadCredentials(ctx, e.DB.R(), f.Auth.Box, acc.ID); creds["access_token"] != "second-token" {
			t.Fatalf("after reconnect: %v", creds)
		}

		// A reconnect keeps a stored refresh token the new credentials lack.
		r = f.Do(t, "POST", path, ed, `{"network":"linkedin","name":"MFA LinkedIn","handle":"mfa-li","language":"en","credentials":{"access_token":"a1","refresh_token":"r1","author_urn":"urn:li:organization:2414183"}}`)
		if r.Status != 201 {
			t.Fatalf("linkedin: %d %s", r.Status, r.Body)
		}
		li := decodeAccount(t, r)
		r = f.Do(t, "PATCH", fmt.Sprintf("%s/%d", path, li.ID), ed, `{"credentials":{"access_token":"a2"}}`)
		if r.Status != 200 {
			t.Fatalf("linkedin reconnect: %d %s", r.Status, r.Body)
		}
		if creds, _ := channel.LoadCredentials(ctx, e.DB.R(), f.Auth.Box, li.ID); creds["access_token"] != "a2" || creds["refresh_token"] != "r1" {
			t.Fatalf("refresh token lost: %v", creds)
		}
	})
}

// Bad base URLs and credentials are 422 naming the field.
func TestConnectAccountRefusals(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		ad := f.Members[authz.Admin].Token
		path := fmt.Sprintf("/api/v1/orgs/%d/channel-accounts", f.A.ID)
		n := 0
		mk := func(extra string) string {
			n++
			return fmt.Sprintf(`{"network":"mastodon","name":"M%d","handle":"@m%d@x","language":"en"%s}`, n, n, extra)
		}
		cases := []struct{ body, pointer, detail string }{
			{mk(`,"base_url":"http://127.0.0.1:8080","credentials":{"access_token":"t"}`), "/base_url", "allow-private-endpoints"},
			{mk(`,"base_url":"http://169.254.169.254/latest"`), "/base_url", "metadata"},
			{mk(`,"base_url":"http://10.0.0.7"`), "/base_url", "private"},
			{mk(`,"base_url":"http://[::1]:3000"`), "/base_url", "loopback"},
			{mk(`,"base_url":"ftp://203.0.113.5"`), "/base_url", "http(s)"},
			{mk(`,"base_url":"https://203.0.113.5","credentials":{"token":"t"}`), "/credentials", "access_token"},
			{mk(`,"base_url":"https://203.0.113.5","credentials":{"access_token":""}`), "/credentials/access_token", "non-empty"},
			{mk(`,"base_url":"https://203.0.113.5","credentials":{"access_token":"a\u0000b"}`), "/credentials/access_token", "control"},
			{mk(`,"credentials":{"access_token":"t"}`), "/base_url", "required"},
			{mk(`,"base_url":"https://203.0.113.5","credentials":"t"`), "", ""},
			{mk(`,"base_url":"https://203.0.113.5","credentials":{"access_token":5}`), "", ""},
		}
		for _, c := range cases {
			r := f.Do(t, "POST", path, ad, c.body)
			if r.Status < 400 || r.Status >= 500 {
				t.Errorf("%s: %d %s", c.body, r.Status, r.Body)
				continue
			}
			if c.pointer != "" && (r.Status != 422 || !strings.Contains(r.Body, `"pointer":"`+c.pointer+`"`) || !strings.Contains(r.Body, c.detail)) {
				t.Errorf("%s: %d %s; want %s mentioning %q", c.body, r.Status, r.Body, c.pointer, c.detail)
			}
		}
		r := f.Do(t, "GET", path, ad, "")
		if strings.Contains(r.Body, `"M`) {
			t.Fatalf("a refused account was stored: %s", r.Body)
		}
		// Readers of the organisation cannot connect accounts.
		r = f.Do(t, "POST", path, f.Members[authz.Reviewer].Token, mk(`,"base_url":"https://203.0.113.5","credentials":{"access_token":"t"}`))
		if r.Status != 403 {
			t.Fatalf("reviewer: %d", r.Status)
		}
	})
}

// With --allow-private-endpoints an account on a local Mastodon is saved
// and the app's registry publishes through it; without the flag the
// app's HTTP client refuses at connection time even for a stored address.
func TestConnectAccountPrivateEndpointAllowed(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		fake := testutil.NewFakeMastodon(t, connectSecret)
		path := fmt.Sprintf("/api/v1/orgs/%d/channel-accounts", f.A.ID)
		body := `{"network":"mastodon","name":"MFA on Mastodon","handle":"@mfa@fake.test","language":"en","base_url":"` + fake.URL + `","credentials":{"access_token":"` + connectSecret + `"}}`

		f.Config.AllowPriv = true
		h, err := f.App.Handler(ctx)
		if err != nil {
			t.Fatal(err)
		}
		allowed := *f.TestApp
		allowed.H = h
		r := allowed.Do(t, "POST", path, f.Members[authz.Editor].Token, body)
		if r.Status != 201 || strings.Contains(r.Body, connectSecret) {
			t.Fatalf("create with the flag: %d %s", r.Status, r.Body)
		}
		id := decodeAccount(t, r).ID

		acc, err := channel.Get(ctx, e.DB.R(), f.A.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := channel.LoadCredentials(ctx, e.DB.R(), f.Auth.Box, id)
		if err != nil {
			t.Fatal(err)
		}
		build := f.Connectors[limits.Mastodon]
		if build == nil {
			t.Fatal("no Mastodon connector in the registry")
		}
		post := channel.Post{IdempotencyKey: channel.IdempotencyKey(1, 1), Text: "Hello from Attaché"}

		// The app was opened without the flag: its client refuses 127.0.0.1.
		c, err := build(acc, creds, f.HTTP)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, post); err == nil || !strings.Contains(err.Error(), "allow-private-endpoints") {
			t.Fatalf("the guarded client connected to loopback: %v", err)
		}
		if len(fake.Requests()) != 0 {
			t.Fatal("the fake server was reached")
		}
		c, _ = build(acc, creds, netguard.Client(true, 5*time.Second))
		pub, err := c.Publish(ctx, post)
		if err != nil || pub.ExternalID == "" {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if rs := fake.Requests(); len(rs) != 1 || rs[0].Header.Get("Authorization") != "Bearer "+connectSecret || rs[0].IdempotencyKey != "attache-v1-1" {
			t.Fatalf("requests %+v", rs)
		}

		// Without the flag the same request is refused.
		r = f.Do(t, "POST", path, f.Members[authz.Editor].Token, strings.Replace(body, "@mfa@fake.test", "@other@fake.test", 1))
		if r.Status != 422 || !strings.Contains(r.Body, "base_url") {
			t.Fatalf("without the flag: %d %s", r.Status, r.Body)
		}
	})
}
