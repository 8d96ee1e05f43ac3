package oauthflow

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/testutil"
)

// RFC 7636 appendix B: the verifier and its S256 challenge.
func TestChallengeS256(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if got := Challenge(verifier); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("challenge %q", got)
	}
	a, b := NewSecret(), NewSecret()
	if a == b || len(a) != 43 || strings.ContainsAny(a, "+/=") {
		t.Fatalf("secrets %q %q: want 43 unreserved characters, different each time", a, b)
	}
}

func authorizeQuery(t *testing.T, n limits.Network, base string) (*url.URL, url.Values) {
	t.Helper()
	p, ok := For(n)
	if !ok {
		t.Fatalf("no flow for %s", n)
	}
	f := &Flow{Provider: p, ClientID: "client-1", RedirectURI: "https://attache.example/oauth/callback", BaseURL: base}
	u, err := url.Parse(f.AuthorizeURL("state-1", "verifier-that-is-long-enough-for-pkce-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return u, u.Query()
}

func TestAuthorizeURLs(t *testing.T) {
	for _, c := range []struct {
		network limits.Network
		url     string
		scope   string
		pkce    bool
	}{
		{limits.X, "https://x.com/i/oauth2/authorize", "tweet.read tweet.write users.read offline.access media.write", true},
		{limits.LinkedIn, "https://www.linkedin.com/oauth/v2/authorization", "openid profile w_member_social", false},
		{limits.Facebook, "https://www.facebook.com/v21.0/dialog/oauth", "pages_show_list,pages_manage_posts,pages_read_engagement,pages_read_user_content", false},
		{limits.Instagram, "https://www.facebook.com/v21.0/dialog/oauth", "instagram_basic,instagram_content_publish,instagram_manage_comments,instagram_manage_insights,pages_show_list,pages_read_engagement", false},
		{limits.Threads, "https://threads.net/oauth/authorize", "threads_basic,threads_content_publish,threads_manage_replies,threads_read_replies,threads_manage_insights", false},
	} {
		u, q := authorizeQuery(t, c.network, "")
		if got := u.Scheme + "://" + u.Host + u.Path; got != c.url {
			t.Errorf("%s: authorize at %s, want %s", c.network, got, c.url)
		}
		want := url.Values{"response_type": {"code"}, "client_id": {"client-1"}, "redirect_uri": {"https://attache.example/oauth/callback"},
			"scope": {c.scope}, "state": {"state-1"}}
		if c.pkce {
			want.Set("code_challenge", Challenge("verifier-that-is-long-enough-for-pkce-0123456789"))
			want.Set("code_challenge_method", "S256")
		}
		if q.Encode() != want.Encode() {
			t.Errorf("%s: query\n %s\nwant\n %s", c.network, q.Encode(), want.Encode())
		}
		// With a base URL, the same path on that host.
		u, _ = authorizeQuery(t, c.network, "http://127.0.0.1:9/")
		if got := u.Scheme + "://" + u.Host + u.Path; got != "http://127.0.0.1:9"+strings.TrimPrefix(c.url, "https://"+strings.SplitN(strings.TrimPrefix(c.url, "https://"), "/", 2)[0]) {
			t.Errorf("%s with a base URL: %s", c.network, got)
		}
	}
	for _, n := range []limits.Network{limits.Mastodon, limits.Telegram, limits.Viber, limits.Bluesky, limits.Email, limits.Website} {
		if _, ok := For(n); ok {
			t.Errorf("%s has no OAuth flow", n)
		}
	}
}

// The X flow against the fake: PKCE checked, the secret never in an
// error, the identity read.
func TestXCodeExchange(t *testing.T) {
	ctx := context.Background()
	fake := testutil.NewFakeX(t, "unused", "unused")
	fake.ClientSecret = "x-secret"
	p, _ := For(limits.X)
	f := &Flow{Provider: p, ClientID: fake.ClientID, ClientSecret: "x-secret", RedirectURI: "https://attache.example/oauth/callback", BaseURL: fake.URL}
	verifier := NewSecret()
	code := approve(t, f.AuthorizeURL("s1", verifier))

	if _, err := f.Complete(ctx, code, NewSecret()); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("a wrong verifier: %v", err)
	}
	code = approve(t, f.AuthorizeURL("s2", verifier))
	res, err := f.Complete(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Credentials
	if c["access_token"] == "" || c["refresh_token"] != fake.RefreshToken() || c["user_id"] != fake.UserID || c["client_id"] != fake.ClientID || c["client_secret"] != "x-secret" {
		t.Fatalf("credentials %v", c)
	}
	if res.Handle != "@"+fake.Username || time.Until(res.Expires) < time.Hour || time.Until(res.Expires) > 3*time.Hour {
		t.Fatalf("handle %q expires %v", res.Handle, res.Expires)
	}
	// A code is good once.
	if _, err := f.Complete(ctx, code, verifier); err == nil {
		t.Fatal("a used code was accepted")
	}
	// A wrong secret: refused, and the error does not repeat it.
	f.ClientSecret = "wrong-secret-value"
	code = approve(t, f.AuthorizeURL("s3", verifier))
	_, err = f.Complete(ctx, code, verifier)
	var fe *Error
	if !errors.As(err, &fe) || strings.Contains(err.Error(), "wrong-secret-value") || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("wrong secret: %v", err)
	}
}

// Meta's token answers travel in a URL with the app secret: a connection
// failure must not repeat it.
func TestErrorsDoNotRepeatTheURL(t *testing.T) {
	p, _ := For(limits.Facebook)
	f := &Flow{Provider: p, ClientID: "app", ClientSecret: "app-secret-123", RedirectURI: "https://a.example/oauth/callback",
		BaseURL: "http://127.0.0.1:1", Client: &http.Client{Timeout: time.Second}}
	_, err := f.Complete(context.Background(), "code", "")
	if err == nil || strings.Contains(err.Error(), "app-secret-123") || strings.Contains(err.Error(), "127.0.0.1:1/") {
		t.Fatalf("error %v", err)
	}
}

func TestErrorReason(t *testing.T) {
	for body, want := range map[string]string{
		`{"error":"invalid_grant","error_description":"Value passed was invalid."}`:                "invalid_grant: Value passed was invalid.",
		`{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1}}`: "Error validating client secret. (code 1)",
		`{"status":401,"code":"EXPIRED_ACCESS_TOKEN","message":"The token expired"}`:               "The token expired",
		`{"title":"Unauthorized","detail":"Unauthorized","type":"about:blank","status":401}`:       "Unauthorized: Unauthorized",
		`<html>`: "the answer is not JSON",
	} {
		if got := errorReason([]byte(body)); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}

// approve follows an authorize URL to the fake, which answers with a
// redirect carrying the code.
func approve(t *testing.T, authorize string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// States are single use, bound to their user and to ten minutes; the
// verifier is sealed.
func TestStates(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		key := make([]byte, 32)
		box, err := secret.New(key)
		if err != nil {
			t.Fatal(err)
		}
		var org, user, acc int64
		now := time.Now().UTC()
		mustExec := func(q string, args ...any) int64 {
			t.Helper()
			var id int64
			if err := e.DB.W().QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		org = mustExec("INSERT INTO orgs (slug, name, kind, time_zone, created_at) VALUES ('o', 'O', 'ministry', 'UTC', ?)", now)
		user = mustExec("INSERT INTO users (email, name, password_hash, created_at) VALUES ('u@example.org', 'U', '', ?)", now)
		other := mustExec("INSERT INTO users (email, name, password_hash, created_at) VALUES ('v@example.org', 'V', '', ?)", now)
		acc = mustExec("INSERT INTO channel_accounts (org_id, network, name, handle, language, created_at) VALUES (?, 'x', 'X', '@x', 'en', ?)", org, now)

		st := &State{OrgID: org, AccountID: acc, UserID: user, Network: limits.X, Verifier: "the-verifier"}
		raw, err := SaveState(ctx, e.DB.W(), box, st)
		if err != nil {
			t.Fatal(err)
		}
		var hash, sealed string
		if err := e.DB.R().QueryRowContext(ctx, "SELECT state_hash, verifier FROM oauth_states").Scan(&hash, &sealed); err != nil {
			t.Fatal(err)
		}
		if hash == raw || strings.Contains(sealed, "the-verifier") || sealed == "" {
			t.Fatalf("stored %q %q", hash, sealed)
		}
		if _, err := TakeState(ctx, e.DB.W(), box, raw, other, time.Now()); !errors.Is(err, ErrStateOtherUser) {
			t.Fatalf("another user: %v", err)
		}
		got, err := TakeState(ctx, e.DB.W(), box, raw, user, time.Now())
		if err != nil || got.Verifier != "the-verifier" || got.AccountID != acc || got.Network != limits.X {
			t.Fatalf("take: %+v %v", got, err)
		}
		if _, err := TakeState(ctx, e.DB.W(), box, raw, user, time.Now()); !errors.Is(err, ErrStateUnknown) {
			t.Fatalf("second use: %v", err)
		}
		raw, _ = SaveState(ctx, e.DB.W(), box, &State{OrgID: org, AccountID: acc, UserID: user, Network: limits.Facebook,
			Pages: []Page{{ID: "1", Name: "P", AccessToken: "page-token-secret"}}})
		if err := e.DB.R().QueryRowContext(ctx, "SELECT pending FROM oauth_states").Scan(&sealed); err != nil || strings.Contains(sealed, "page-token-secret") {
			t.Fatalf("pending stored as %q (%v)", sealed, err)
		}
		if got, err := LoadState(ctx, e.DB.W(), box, raw, user, time.Now()); err != nil || len(got.Pages) != 1 || got.Pages[0].AccessToken != "page-token-secret" {
			t.Fatalf("load: %+v %v", got, err)
		}
		if _, err := TakeState(ctx, e.DB.W(), box, raw, user, time.Now().Add(StateTTL+time.Second)); !errors.Is(err, ErrStateExpired) {
			t.Fatalf("expired: %v", err)
		}
		if _, err := TakeState(ctx, e.DB.W(), box, raw, user, time.Now()); !errors.Is(err, ErrStateUnknown) {
			t.Fatalf("an expired state is gone: %v", err)
		}
	})
}
