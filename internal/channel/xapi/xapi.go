// Package xapi publishes to an X (formerly Twitter) account through the X
// API v2 with an OAuth 2.0 user-context token (docs.x.com):
//
//   - media: POST /2/media/upload (multipart, field "media", with
//     media_category tweet_image), then the alt text through
//     POST /2/media/metadata {id, metadata: {alt_text: {text}}};
//   - the post: POST /2/tweets {text, media: {media_ids}, reply:
//     {in_reply_to_tweet_id}}, which answers data.id; the post's address is
//     https://x.com/i/web/status/{id};
//   - mentions: GET /2/users/{id}/mentions?since_id=…;
//   - metrics: GET /2/tweets?ids=…&tweet.fields=public_metrics;
//   - refresh: POST /2/oauth2/token grant_type=refresh_token. X rotates
//     refresh tokens: each refresh answers a new one, which is returned to
//     be stored; on failure nothing changes, so the old one is never lost.
//
// Credentials: "access_token", "refresh_token", "client_id" and, for a
// confidential client, "client_secret" (sent with HTTP Basic auth).
// Optional "user_id" saves a GET /2/users/me.
//
// Exactly once: X takes no idempotency key, but refuses a post whose text
// duplicates a recent one of the account with 403 "duplicate content".
// Find looks through the account's 20 latest posts for one with the same
// text (links compared loosely, since X rewrites them to t.co) and reply
// target; Publish, when X answers "duplicate content", runs Find and
// reports the post it finds as published (the earlier attempt whose
// outcome was unknown made it).
//
// Errors: 401 → Unauthorized (the engine refreshes and retries once);
// 429 and 5xx → Transient, with RetryAfter from x-rate-limit-reset (Unix
// seconds) or Retry-After; 400, 403 and other 4xx → Permanent.
package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
)

// DefaultBaseURL is X's API address.
const DefaultBaseURL = "https://api.x.com"

// StatusURL is the public address of post id.
func StatusURL(id string) string { return "https://x.com/i/web/status/" + id }

// Connector is one X account.
type Connector struct {
	base   string
	client *http.Client

	mu     sync.Mutex
	creds  channel.Credentials
	userID string
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc; creds["access_token"] is required;
// acc.BaseURL overrides https://api.x.com (tests, proxies).
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.X {
		return nil, fmt.Errorf("x connector for a %s account", acc.Network)
	}
	base := DefaultBaseURL
	if acc.BaseURL != "" {
		u, err := url.Parse(acc.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the X API address (base_url) is not an http(s) URL"}
		}
		base = strings.TrimRight(acc.BaseURL, "/")
	}
	if creds["access_token"] == "" {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the X account is not connected: no access token"}
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	c := &Connector{base: base, client: client, creds: channel.Credentials{}, userID: creds["user_id"]}
	for k, v := range creds {
		c.creds[k] = v
	}
	return c, nil
}

func (c *Connector) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.creds["access_token"]
}

// apiError is X's error body: a problem document (title, detail) or the
// older errors array.
type apiError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
	} `json:"errors"`
	// OAuth errors
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (ae apiError) message() string {
	var parts []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" {
			for _, p := range parts {
				if p == s {
					return
				}
			}
			parts = append(parts, s)
		}
	}
	add(ae.Detail)
	if ae.Detail == "" {
		add(ae.Title)
	}
	for _, e := range ae.Errors {
		add(e.Message)
		add(e.Detail)
	}
	add(ae.Error)
	add(ae.Description)
	return strings.Join(parts, "; ")
}

// errDuplicate marks X's "duplicate content" refusal.
var errDuplicate = errors.New("duplicate content")

// IsDuplicate reports whether err is X's refusal of a duplicate post.
func IsDuplicate(err error) bool { return errors.Is(err, errDuplicate) }

// classify turns a non-2xx answer into a *channel.Error.
func classify(resp *http.Response, body []byte, now time.Time) *channel.Error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	msg := ae.message()
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e := &channel.Error{Status: resp.StatusCode, Message: "X: " + msg}
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized:
		e.Kind = channel.Unauthorized
		e.Message = "X refused the access token (expired or revoked): " + msg
	case s == http.StatusTooManyRequests:
		e.Kind = channel.Transient
		e.Message = "X rate limit reached: " + msg
		e.RetryAfter = retryAfter(resp.Header, now)
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Kind = channel.Transient
		e.RetryAfter = retryAfter(resp.Header, now)
	default:
		e.Kind = channel.Permanent
		if s == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "duplicate") {
			e.Err = errDuplicate
		}
	}
	return e
}

// retryAfter reads x-rate-limit-reset (Unix seconds, X's), the 24-hour
// posting cap's x-user-limit-24hour-reset when that cap is exhausted, or
// Retry-After.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h.Get("X-User-Limit-24hour-Remaining") == "0" {
		if n, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-User-Limit-24hour-Reset")), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(now), time.Second)
		}
	}
	if v := h.Get("X-Rate-Limit-Reset"); v != "" {
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

func transportError(err error) error {
	if errors.Is(err, netguard.ErrRefused) {
		return &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
	}
	return &channel.Error{Kind: channel.Transient, Message: "X is unreachable: " + err.Error(), Err: err}
}

// do sends a request with the access token and decodes a 2xx JSON answer
// into out.
func (c *Connector) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: "bad request to X: " + err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.send(req, out)
}

func (c *Connector) send(req *http.Request, out any) error {
	resp, err := c.client.Do(req)
	if err != nil {
		return transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &channel.Error{Kind: channel.Transient, Message: "reading X's answer: " + err.Error(), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return classify(resp, data, time.Now())
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "X answered something that is not JSON", Err: err}
		}
	}
	return nil
}

func (c *Connector) postJSON(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
	}
	return c.do(ctx, "POST", path, bytes.NewReader(b), "application/json", out)
}

// maxAlt is X's alt text limit in characters; longer alt text is cut
// rather than failing the post.
const maxAlt = 1000

// upload sends one image and then its alt text.
func (c *Connector) upload(ctx context.Context, m channel.Media) (string, error) {
	if m.Open == nil {
		return "", &channel.Error{Kind: channel.Permanent, Message: "media " + m.FileName + " has no content"}
	}
	rc, err := m.Open()
	if err != nil {
		return "", &channel.Error{Kind: channel.Transient, Message: "opening media " + m.FileName + ": " + err.Error(), Err: err}
	}
	defer rc.Close()
	name := m.FileName
	if name == "" {
		name = "media"
	}
	ct := m.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	category := "tweet_image"
	switch {
	case ct == "image/gif":
		category = "tweet_gif"
	case !strings.HasPrefix(ct, "image/") && ct != "application/octet-stream":
		// Video needs the chunked upload (INIT, APPEND, FINALIZE, STATUS),
		// not implemented yet.
		return "", &channel.Error{Kind: channel.Permanent, Message: "X: only images can be attached for now (" + name + " is " + ct + ")"}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("media_category", category)
	_ = mw.WriteField("media_type", ct)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q`, name))
	h.Set("Content-Type", ct)
	part, _ := mw.CreatePart(h)
	if _, err := io.Copy(part, rc); err != nil {
		return "", &channel.Error{Kind: channel.Transient, Message: "reading media " + name + ": " + err.Error(), Err: err}
	}
	mw.Close()
	var up struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := c.do(ctx, "POST", "/2/media/upload", &buf, mw.FormDataContentType(), &up); err != nil {
		return "", err
	}
	if up.Data.ID == "" {
		return "", &channel.Error{Kind: channel.Transient, Message: "X returned no media id"}
	}
	if alt := []rune(strings.TrimSpace(m.Alt)); len(alt) > 0 {
		if len(alt) > maxAlt {
			alt = alt[:maxAlt]
		}
		meta := map[string]any{"id": up.Data.ID, "metadata": map[string]any{"alt_text": map[string]string{"text": string(alt)}}}
		if err := c.postJSON(ctx, "/2/media/metadata", meta, nil); err != nil {
			return "", err
		}
	}
	return up.Data.ID, nil
}

// Publish uploads the media with their alt texts, then makes the post. A
// "duplicate content" refusal is answered by Find: the post an earlier
// attempt made.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	var ids []string
	for _, m := range p.Media {
		id, err := c.upload(ctx, m)
		if err != nil {
			return channel.Published{}, err
		}
		ids = append(ids, id)
	}
	body := map[string]any{"text": p.Text}
	if len(ids) > 0 {
		body["media"] = map[string]any{"media_ids": ids}
	}
	if p.ReplyTo != "" {
		body["reply"] = map[string]any{"in_reply_to_tweet_id": p.ReplyTo}
	}
	var out struct {
		Data struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"data"`
	}
	if err := c.postJSON(ctx, "/2/tweets", body, &out); err != nil {
		if IsDuplicate(err) {
			if pub, ok, ferr := c.Find(ctx, p); ferr == nil && ok {
				return pub, nil
			}
		}
		return channel.Published{}, err
	}
	if out.Data.ID == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "X returned no post id"}
	}
	return channel.Published{ExternalID: out.Data.ID, URL: StatusURL(out.Data.ID), At: time.Now().UTC()}, nil
}

// me returns the account's user id (GET /2/users/me, cached).
func (c *Connector) me(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.userID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	var out struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := c.do(ctx, "GET", "/2/users/me", nil, "", &out); err != nil {
		return "", err
	}
	if out.Data.ID == "" {
		return "", &channel.Error{Kind: channel.Transient, Message: "X returned no user id"}
	}
	c.mu.Lock()
	c.userID = out.Data.ID
	c.mu.Unlock()
	return out.Data.ID, nil
}

type tweet struct {
	ID               string    `json:"id"`
	Text             string    `json:"text"`
	AuthorID         string    `json:"author_id"`
	CreatedAt        time.Time `json:"created_at"`
	Lang             string    `json:"lang"`
	ConversationID   string    `json:"conversation_id"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	PublicMetrics *struct {
		Retweets    int64 `json:"retweet_count"`
		Replies     int64 `json:"reply_count"`
		Likes       int64 `json:"like_count"`
		Quotes      int64 `json:"quote_count"`
		Impressions int64 `json:"impression_count"`
	} `json:"public_metrics"`
}

func (t tweet) repliedTo() string {
	for _, r := range t.ReferencedTweets {
		if r.Type == "replied_to" {
			return r.ID
		}
	}
	return ""
}

type user struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

type timeline struct {
	Data     []tweet `json:"data"`
	Includes struct {
		Users []user `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

// Find looks among the account's 20 latest posts for one with p's text
// and reply target.
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	id, err := c.me(ctx)
	if err != nil {
		return channel.Published{}, false, err
	}
	q := url.Values{}
	q.Set("max_results", "20")
	q.Set("tweet.fields", "created_at,referenced_tweets")
	var tl timeline
	if err := c.do(ctx, "GET", "/2/users/"+url.PathEscape(id)+"/tweets?"+q.Encode(), nil, "", &tl); err != nil {
		return channel.Published{}, false, err
	}
	want := normalize(p.Text)
	for _, t := range tl.Data {
		got := normalize(t.Text)
		if len(p.Media) > 0 {
			got = strings.TrimSuffix(got, " <link>") // the media's own t.co link
			if got == "<link>" && want == "" {
				got = ""
			}
		}
		if t.repliedTo() == p.ReplyTo && got == want {
			return channel.Published{ExternalID: t.ID, URL: StatusURL(t.ID), At: t.CreatedAt}, true, nil
		}
	}
	return channel.Published{}, false, nil
}

var urlRE = regexp.MustCompile(`https?://\S+`)

// normalize makes texts comparable: X returns entities escaped (&amp;),
// links shortened to t.co and, with media, a trailing t.co link to the
// media; every link becomes "<link>" and whitespace is collapsed.
func normalize(s string) string {
	s = html.UnescapeString(s)
	s = urlRE.ReplaceAllString(s, "<link>")
	return strings.Join(strings.Fields(s), " ")
}

// maxPages bounds one Mentions call; the cursor lets the next go on.
const maxPages = 5

// Mentions returns posts mentioning the account newer than cursor (a post
// id), oldest first, and the newest id as the next cursor. Without a
// cursor it takes the latest page only.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	id, err := c.me(ctx)
	if err != nil {
		return nil, cursor, err
	}
	q := url.Values{}
	q.Set("max_results", "100")
	q.Set("tweet.fields", "created_at,author_id,lang,referenced_tweets,conversation_id")
	q.Set("expansions", "author_id")
	q.Set("user.fields", "username,name")
	if cursor != "" {
		q.Set("since_id", cursor)
	}
	var out []channel.Mention
	newest := cursor
	for page := 0; page < maxPages; page++ {
		var tl timeline
		if err := c.do(ctx, "GET", "/2/users/"+url.PathEscape(id)+"/mentions?"+q.Encode(), nil, "", &tl); err != nil {
			if len(out) > 0 {
				break
			}
			return nil, cursor, err
		}
		users := map[string]user{}
		for _, u := range tl.Includes.Users {
			users[u.ID] = u
		}
		var batch []channel.Mention
		for i := len(tl.Data) - 1; i >= 0; i-- { // newest first → oldest first
			t := tl.Data[i]
			if idLess(newest, t.ID) {
				newest = t.ID
			}
			u := users[t.AuthorID]
			m := channel.Mention{ExternalID: t.ID, URL: StatusURL(t.ID), AuthorID: t.AuthorID, AuthorHandle: u.Username, AuthorName: u.Name,
				Text: html.UnescapeString(t.Text), Language: t.Lang, InReplyTo: t.repliedTo(), At: t.CreatedAt}
			if u.Username != "" {
				m.URL = "https://x.com/" + u.Username + "/status/" + t.ID
			}
			batch = append(batch, m)
		}
		out = append(batch, out...) // later pages are older
		if cursor == "" || tl.Meta.NextToken == "" {
			break
		}
		q.Set("pagination_token", tl.Meta.NextToken)
	}
	return out, newest, nil
}

// idLess compares X ids (numeric strings).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Metrics reads public_metrics, 100 posts a request; deleted posts are
// left out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for start := 0; start < len(externalIDs); start += 100 {
		ids := externalIDs[start:min(start+100, len(externalIDs))]
		q := url.Values{}
		q.Set("ids", strings.Join(ids, ","))
		q.Set("tweet.fields", "public_metrics")
		var res struct {
			Data []tweet `json:"data"`
		}
		if err := c.do(ctx, "GET", "/2/tweets?"+q.Encode(), nil, "", &res); err != nil {
			return out, err
		}
		for _, t := range res.Data {
			if t.PublicMetrics == nil {
				continue
			}
			pm := t.PublicMetrics
			out[t.ID] = channel.Metrics{Likes: pm.Likes, Reposts: pm.Retweets, Replies: pm.Replies, Quotes: pm.Quotes, Views: pm.Impressions}
		}
	}
	return out, nil
}

// Refresh trades the refresh token for a new access token and a new
// refresh token (X rotates them). Without a refresh token there is nothing
// to renew. On failure the connector keeps its credentials.
func (c *Connector) Refresh(ctx context.Context) (channel.Credentials, time.Time, bool, error) {
	c.mu.Lock()
	rt, id, secret := c.creds["refresh_token"], c.creds["client_id"], c.creds["client_secret"]
	c.mu.Unlock()
	if rt == "" {
		return nil, time.Time{}, false, nil
	}
	if id == "" {
		return nil, time.Time{}, false, &channel.Error{Kind: channel.Permanent, Message: "the X account has a refresh token but no client_id; reconnect the account"}
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/2/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, time.Time{}, false, &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	var tok channel.OAuthToken
	err = c.send(req, &tok)
	fresh, exp, err := channel.Renewed("X", tok, err)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	c.mu.Lock()
	for k, v := range fresh {
		c.creds[k] = v
	}
	all := channel.Credentials{}
	for k, v := range c.creds {
		all[k] = v
	}
	c.mu.Unlock()
	return all, exp, true, nil
}

// Verify checks the token (GET /2/users/me) and returns the username.
func (c *Connector) Verify(ctx context.Context) (string, error) {
	var out struct {
		Data user `json:"data"`
	}
	err := c.do(ctx, "GET", "/2/users/me", nil, "", &out)
	return out.Data.Username, err
}
