// Package oauthflow connects channel accounts through the networks' OAuth
// sign-in: what each network's flow looks like (endpoints, scopes, PKCE),
// the authorize URL, the code exchange and the identity lookup that gives
// the credentials each connector reads, and the single-use states of the
// flows in progress (state.go). It knows nothing of HTTP handlers: the web
// UI drives it.
//
// Endpoints (looked up in the networks' documentation):
//
//   - X: https://x.com/i/oauth2/authorize (authorization code with PKCE
//     S256), POST https://api.x.com/2/oauth2/token (a confidential client
//     authenticates with HTTP Basic), GET /2/users/me;
//   - LinkedIn: https://www.linkedin.com/oauth/v2/authorization, POST
//     /oauth/v2/accessToken, GET https://api.linkedin.com/v2/userinfo (the
//     member's "sub" makes the author urn:li:person:{sub});
//   - Facebook Page and Instagram (one Meta app, Facebook Login):
//     https://www.facebook.com/v21.0/dialog/oauth, GET
//     https://graph.facebook.com/v21.0/oauth/access_token for the code, then
//     grant_type=fb_exchange_token for the long-lived user token, GET
//     /me/accounts for the pages and their page tokens (which do not expire
//     when they come from a long-lived user token), GET
//     /{page-id}?fields=instagram_business_account for Instagram;
//   - Threads: https://threads.net/oauth/authorize, POST
//     https://graph.threads.net/oauth/access_token, GET /access_token with
//     grant_type=th_exchange_token for the 60-day token, GET /v1.0/me.
//
// When an account has a base_url (a proxy, or a fake server in tests) every
// endpoint is the same path on that host.
package oauthflow

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/attache-project/attache/internal/channel/limits"
)

// endpoint is a default host and a path; with a base URL the path is
// kept and the host replaced.
type endpoint struct{ host, path string }

func (e endpoint) at(base string) string {
	if base != "" {
		return strings.TrimRight(base, "/") + e.path
	}
	return e.host + e.path
}

// Provider describes one network's OAuth flow.
type Provider struct {
	Network limits.Network
	// App is the operator's OAuth app the network uses: "x", "linkedin",
	// "meta" (Facebook and Instagram) or "threads" (the configuration's
	// --oauth-APP-… flags).
	App string
	// Scopes are requested, joined by ScopeSep.
	Scopes   []string
	ScopeSep string
	// PKCE sends an S256 code challenge (X requires it).
	PKCE bool
	// SecretRequired: the token endpoint needs the client secret (X also
	// takes public clients, with PKCE alone).
	SecretRequired bool

	authorize, token, api endpoint
}

const metaVersion = "/v21.0"

var metaScopes = map[limits.Network][]string{
	limits.Facebook:  {"pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_read_user_content"},
	limits.Instagram: {"instagram_basic", "instagram_content_publish", "instagram_manage_comments", "instagram_manage_insights", "pages_show_list", "pages_read_engagement"},
}

// For returns the OAuth flow of network n; ok is false for networks that
// connect with a token or an app password only.
func For(n limits.Network) (Provider, bool) {
	switch n {
	case limits.X:
		return Provider{Network: n, App: "x", Scopes: []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"}, ScopeSep: " ", PKCE: true,
			authorize: endpoint{"https://x.com", "/i/oauth2/authorize"}, token: endpoint{"https://api.x.com", "/2/oauth2/token"}, api: endpoint{"https://api.x.com", ""}}, true
	case limits.LinkedIn:
		return Provider{Network: n, App: "linkedin", Scopes: []string{"openid", "profile", "w_member_social"}, ScopeSep: " ", SecretRequired: true,
			authorize: endpoint{"https://www.linkedin.com", "/oauth/v2/authorization"}, token: endpoint{"https://www.linkedin.com", "/oauth/v2/accessToken"},
			api: endpoint{"https://api.linkedin.com", ""}}, true
	case limits.Facebook, limits.Instagram:
		return Provider{Network: n, App: "meta", Scopes: metaScopes[n], ScopeSep: ",", SecretRequired: true,
			authorize: endpoint{"https://www.facebook.com", metaVersion + "/dialog/oauth"}, token: endpoint{"https://graph.facebook.com", metaVersion + "/oauth/access_token"},
			api: endpoint{"https://graph.facebook.com", metaVersion}}, true
	case limits.Threads:
		return Provider{Network: n, App: "threads", Scopes: []string{"threads_basic", "threads_content_publish", "threads_manage_replies", "threads_read_replies", "threads_manage_insights"},
			ScopeSep: ",", SecretRequired: true,
			authorize: endpoint{"https://threads.net", "/oauth/authorize"}, token: endpoint{"https://graph.threads.net", "/oauth/access_token"},
			api: endpoint{"https://graph.threads.net", ""}}, true
	}
	return Provider{}, false
}

// Flow is one network's flow for one account, with the operator's app.
type Flow struct {
	Provider
	ClientID, ClientSecret string
	// RedirectURI is Attaché's callback (BASE_URL/oauth/callback), the
	// same in the authorize request and the code exchange.
	RedirectURI string
	// BaseURL is the account's base_url ("" for the network's own hosts).
	BaseURL string
	// Client makes the calls: the SSRF-guarded client in production.
	Client *http.Client
}

// AuthorizeURL is where the browser is sent to sign in and consent.
func (f *Flow) AuthorizeURL(state, verifier string) string {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {f.ClientID},
		"redirect_uri":  {f.RedirectURI},
		"scope":         {strings.Join(f.Scopes, f.ScopeSep)},
		"state":         {state},
	}
	if f.PKCE {
		q.Set("code_challenge", Challenge(verifier))
		q.Set("code_challenge_method", "S256")
	}
	return f.authorize.at(f.BaseURL) + "?" + q.Encode()
}

// NewSecret returns 256 random bits, base64url without padding (43
// characters): a state, or a PKCE code verifier (RFC 7636 §4.1 allows
// 43 to 128 unreserved characters).
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Challenge is the S256 code challenge of a verifier:
// BASE64URL(SHA256(verifier)) without padding (RFC 7636 §4.2).
func Challenge(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
