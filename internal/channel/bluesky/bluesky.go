// Package bluesky publishes to a Bluesky (AT Protocol) account through its
// PDS's XRPC API, with plain net/http and encoding/json:
// com.atproto.server.createSession (handle + app password) and
// refreshSession; com.atproto.repo.uploadBlob for images (alt text in the
// embed); com.atproto.repo.createRecord for app.bsky.feed.post with link,
// mention and hashtag facets (UTF-8 byte offsets); mentions from
// app.bsky.notification.listNotifications; metrics from
// app.bsky.feed.getPosts.
//
// Exactly once: every post gets a deterministic record key, a TID derived
// from the variant id and version, so a retry collides with the record a
// first attempt made instead of duplicating it. The reference PDS answers
// that collision with HTTP 500 InternalServerError, so after any failed
// createRecord the connector reads the record with that key
// (com.atproto.repo.getRecord) and, when it is there, reports it as
// published. Find does the same read.
//
// Credentials: "identifier" (handle or DID) and "app_password" are what an
// account is connected with; "access_jwt", "refresh_jwt", "did" and
// "handle" are the session, renewed by Refresh.
package bluesky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
)

// DefaultBaseURL is the PDS used when an account has no base URL.
const DefaultBaseURL = "https://bsky.social"

// MaxImageBytes is the largest image the PDS accepts for a post.
const MaxImageBytes = 1_000_000

// PostCollection is the collection of posts.
const PostCollection = "app.bsky.feed.post"

// Connector is one Bluesky account.
type Connector struct {
	base     string
	client   *http.Client
	ident    string
	password string
	// Now is the clock (createdAt of posts).
	Now func() time.Time

	mu      sync.Mutex
	access  string
	refresh string
	did     string
	handle  string
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc. creds needs "identifier" and
// "app_password", or a session ("access_jwt" with "did").
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Bluesky {
		return nil, fmt.Errorf("bluesky connector for a %s account", acc.Network)
	}
	base := acc.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Bluesky server address (base_url) is not an http(s) URL"}
	}
	c := &Connector{base: strings.TrimRight(base, "/"), client: client, Now: time.Now,
		ident: strings.TrimPrefix(strings.TrimSpace(creds["identifier"]), "@"), password: creds["app_password"],
		access: creds["access_jwt"], refresh: creds["refresh_jwt"], did: creds["did"], handle: creds["handle"]}
	if c.ident == "" {
		c.ident = strings.TrimPrefix(acc.Handle, "@")
	}
	if (c.ident == "" || c.password == "") && (c.access == "" || c.did == "") {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the Bluesky account is not connected: it needs a handle (identifier) and an app password"}
	}
	if c.handle == "" && !strings.HasPrefix(c.ident, "did:") {
		c.handle = c.ident
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 30 * time.Second}
	}
	return c, nil
}

// xrpcError is the XRPC error body.
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// classify turns a non-2xx XRPC answer into a *channel.Error.
func classify(resp *http.Response, body []byte, now time.Time) *channel.Error {
	var xe xrpcError
	_ = json.Unmarshal(body, &xe)
	msg := strings.TrimSpace(xe.Error)
	if xe.Message != "" && xe.Message != xe.Error {
		msg = strings.TrimSpace(msg + ": " + xe.Message)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e := &channel.Error{Status: resp.StatusCode, Message: "Bluesky: " + msg}
	switch s := resp.StatusCode; {
	case xe.Error == "ExpiredToken" || xe.Error == "InvalidToken" || s == http.StatusUnauthorized:
		e.Kind = channel.Unauthorized
	case s == http.StatusTooManyRequests:
		e.Kind = channel.Transient
		e.RetryAfter = retryAfter(resp.Header, now)
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Kind = channel.Transient
		e.RetryAfter = retryAfter(resp.Header, now)
	default:
		e.Kind = channel.Permanent
	}
	return e
}

// retryAfter reads ratelimit-reset (Unix seconds, the PDS's) or
// Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("RateLimit-Reset"); v != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(now), time.Second)
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), time.Second)
		}
	}
	return 0
}

// call is one XRPC request: a query (GET, params in q) or a procedure
// (POST, body JSON or raw with contentType). auth is the bearer token to
// send ("" for none).
func (c *Connector) call(ctx context.Context, method, nsid string, q url.Values, body io.Reader, contentType, auth string, out any) error {
	u := c.base + "/xrpc/" + nsid
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: "bad request to Bluesky: " + err.Error(), Err: err}
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrRefused) {
			return &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
		}
		return &channel.Error{Kind: channel.Transient, Message: "Bluesky is unreachable: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &channel.Error{Kind: channel.Transient, Message: "reading Bluesky's answer: " + err.Error(), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return classify(resp, data, time.Now())
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "Bluesky answered something that is not JSON", Err: err}
		}
	}
	return nil
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
}

// sessions caches, per server, identifier and app password, the latest
// session made by a connector of this process: the engine builds a
// connector per job from the stored credentials, which hold only the app
// password until a first refresh, and createSession is limited to 30 per
// 5 minutes per account.
var sessions sync.Map // sessionKey → session

func (c *Connector) sessionKey() string {
	sum := sha256.Sum256([]byte(c.base + "\x00" + strings.ToLower(c.ident) + "\x00" + c.password))
	return hex.EncodeToString(sum[:])
}

func (c *Connector) setSession(s session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.access, c.refresh = s.AccessJwt, s.RefreshJwt
	if s.DID != "" {
		c.did = s.DID
	}
	if s.Handle != "" {
		c.handle = s.Handle
	}
	if c.ident != "" && c.password != "" {
		sessions.Store(c.sessionKey(), session{AccessJwt: c.access, RefreshJwt: c.refresh, DID: c.did, Handle: c.handle})
	}
}

// createSession logs in with the app password.
func (c *Connector) createSession(ctx context.Context) error {
	if c.ident == "" || c.password == "" {
		return &channel.Error{Kind: channel.Permanent, Message: "the Bluesky session expired and no app password is stored; reconnect the account"}
	}
	var s session
	err := c.call(ctx, "POST", "com.atproto.server.createSession", nil,
		jsonBody(map[string]string{"identifier": c.ident, "password": c.password}), "application/json", "", &s)
	var ce *channel.Error
	if errors.As(err, &ce) && (ce.Kind == channel.Unauthorized || ce.Status == http.StatusBadRequest) {
		// A refused app password stays refused: reconnect.
		return &channel.Error{Kind: channel.Permanent, Status: ce.Status,
			Message: "Bluesky refused the handle or app password (revoked?); reconnect the account: " + ce.Message, Err: err}
	}
	if err != nil {
		return err
	}
	if s.AccessJwt == "" || s.DID == "" {
		return &channel.Error{Kind: channel.Transient, Message: "Bluesky returned no session"}
	}
	c.setSession(s)
	return nil
}

// ensure makes sure there is a session and returns the access token and
// the account's DID.
func (c *Connector) ensure(ctx context.Context) (string, string, error) {
	c.mu.Lock()
	tok, did := c.access, c.did
	c.mu.Unlock()
	if tok != "" && did != "" {
		return tok, did, nil
	}
	if v, ok := sessions.Load(c.sessionKey()); ok && tok == "" {
		s := v.(session)
		if exp := jwtExpiry(s.AccessJwt); exp.IsZero() || time.Until(exp) > time.Minute {
			c.mu.Lock()
			c.access, c.refresh, c.did = s.AccessJwt, s.RefreshJwt, s.DID
			if s.Handle != "" {
				c.handle = s.Handle
			}
			c.mu.Unlock()
			return s.AccessJwt, s.DID, nil
		}
	}
	if err := c.createSession(ctx); err != nil {
		return "", "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access, c.did, nil
}

// authed calls an XRPC method with the session. With renew (reads outside
// publishing: mentions, metrics) an expired session is renewed in memory
// and the call repeated once; around Publish the engine refreshes (and
// stores the new session) itself.
func (c *Connector) authed(ctx context.Context, renew bool, method, nsid string, q url.Values, body func() io.Reader, contentType string, out any) error {
	tok, _, err := c.ensure(ctx)
	if err != nil {
		return err
	}
	var b io.Reader
	if body != nil {
		b = body()
	}
	err = c.call(ctx, method, nsid, q, b, contentType, tok, out)
	if err == nil || !renew || channel.KindOf(err) != channel.Unauthorized {
		return err
	}
	if _, _, _, rerr := c.Refresh(ctx); rerr != nil {
		return rerr
	}
	c.mu.Lock()
	tok = c.access
	c.mu.Unlock()
	if body != nil {
		b = body()
	}
	return c.call(ctx, method, nsid, q, b, contentType, tok, out)
}

// Refresh renews the session: refreshSession with the refresh token, or,
// when that is gone or refused, a new session with the app password (which
// is kept). It returns the new session's credentials and the access
// token's expiry.
func (c *Connector) Refresh(ctx context.Context) (channel.Credentials, time.Time, bool, error) {
	c.mu.Lock()
	rt := c.refresh
	c.mu.Unlock()
	var err error
	if rt != "" {
		var s session
		err = c.call(ctx, "POST", "com.atproto.server.refreshSession", nil, nil, "", rt, &s)
		if err == nil && s.AccessJwt != "" {
			c.setSession(s)
		} else if err == nil {
			err = &channel.Error{Kind: channel.Transient, Message: "Bluesky returned no session"}
		}
	}
	if rt == "" || (err != nil && channel.KindOf(err) != channel.Transient) {
		err = c.createSession(ctx)
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	creds := channel.Credentials{"access_jwt": c.access, "refresh_jwt": c.refresh, "did": c.did, "handle": c.handle}
	return creds, jwtExpiry(c.access), true, nil
}

// jwtExpiry reads the exp claim of a JWT (unverified: only to know when to
// refresh); zero when there is none.
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(data, &claims) != nil || claims.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(claims.Exp, 0).UTC()
}

// Session returns the current session credentials (after a renewal during
// Mentions or Metrics, for the caller to store).
func (c *Connector) Session() channel.Credentials {
	c.mu.Lock()
	defer c.mu.Unlock()
	return channel.Credentials{"access_jwt": c.access, "refresh_jwt": c.refresh, "did": c.did, "handle": c.handle}
}
