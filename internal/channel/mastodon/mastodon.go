// Package mastodon publishes to a Mastodon account through the instance's
// REST API (docs.joinmastodon.org/methods): media first (POST /api/v2/media
// with the alt text as description, polled until processed), then
// POST /api/v1/statuses with an Idempotency-Key; mentions from
// GET /api/v1/notifications?types[]=mention; metrics from
// GET /api/v1/statuses/:id.
//
// Exactly once: Mastodon keeps an Idempotency-Key for about an hour, so a
// retry of Publish with the post's key within the hour returns the status
// the first attempt made instead of a second one. Past that, Find looks
// through the account's latest statuses (verify_credentials, then
// /api/v1/accounts/:id/statuses?limit=40) for one with the same text (and
// the same in_reply_to_id); the publishing engine calls it before retrying
// an attempt whose outcome is unknown.
package mastodon

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
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
)

// Connector is one Mastodon account.
type Connector struct {
	base   string // https://instance, no trailing slash
	token  string
	client *http.Client
	// MediaPoll is the wait between polls of a media upload being
	// processed; MediaWait bounds the whole wait.
	MediaPoll, MediaWait time.Duration
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc: creds["access_token"] and acc.BaseURL
// (the instance) are required.
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Mastodon {
		return nil, fmt.Errorf("mastodon connector for a %s account", acc.Network)
	}
	if acc.BaseURL == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Mastodon account has no instance address (base_url)"}
	}
	u, err := url.Parse(acc.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Mastodon instance address (base_url) is not an http(s) URL"}
	}
	tok := creds["access_token"]
	if tok == "" {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the Mastodon account is not connected: no access token"}
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Connector{base: strings.TrimRight(acc.BaseURL, "/"), token: tok, client: client, MediaPoll: time.Second, MediaWait: 60 * time.Second}, nil
}

// apiError is Mastodon's error body.
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// classify turns a non-2xx answer into a *channel.Error.
func classify(resp *http.Response, body []byte) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	msg := strings.TrimSpace(ae.Error)
	if ae.Description != "" {
		msg = strings.TrimSpace(msg + ": " + ae.Description)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e := &channel.Error{Status: resp.StatusCode, Message: "Mastodon: " + msg}
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		// Mastodon tokens do not expire: a refused token was revoked (or
		// lacks a scope), and Refresh has nothing to renew, so the one
		// retry after a refresh fails too. The account must be reconnected.
		e.Kind = channel.Permanent
		if s == http.StatusUnauthorized {
			e.Kind = channel.Unauthorized
		}
		e.Message = "Mastodon refused the access token (revoked or lacking scopes); reconnect the account: " + msg
	case s == http.StatusTooManyRequests:
		e.Kind = channel.Transient
		e.RetryAfter = retryAfter(resp.Header, time.Now())
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Kind = channel.Transient
		e.RetryAfter = retryAfter(resp.Header, time.Now())
	default:
		e.Kind = channel.Permanent
	}
	return e
}

// retryAfter reads X-RateLimit-Reset (an RFC 3339 time, Mastodon's) or
// Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return max(t.Sub(now), time.Second)
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

// do sends a request and decodes a 2xx JSON answer into out. It returns the
// response (body closed) for the status and headers.
func (c *Connector) do(ctx context.Context, method, path string, body io.Reader, contentType string, hdr map[string]string, out any) (*http.Response, error) {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = c.base + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "bad request to Mastodon: " + err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// Connection failures and timeouts are transient, except the
		// private-address guard, which no retry will change.
		if errors.Is(err, netguard.ErrRefused) {
			return nil, &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
		}
		return nil, &channel.Error{Kind: channel.Transient, Message: "Mastodon is unreachable: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp, &channel.Error{Kind: channel.Transient, Message: "reading Mastodon's answer: " + err.Error(), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, classify(resp, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "Mastodon answered something that is not JSON", Err: err}
		}
	}
	return resp, nil
}

type status struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	URI         string    `json:"uri"`
	CreatedAt   time.Time `json:"created_at"`
	Content     string    `json:"content"`
	Language    string    `json:"language"`
	InReplyToID *string   `json:"in_reply_to_id"`
	Replies     int64     `json:"replies_count"`
	Reblogs     int64     `json:"reblogs_count"`
	Favourites  int64     `json:"favourites_count"`
	Account     struct {
		ID          string `json:"id"`
		Acct        string `json:"acct"`
		DisplayName string `json:"display_name"`
		URL         string `json:"url"`
	} `json:"account"`
}

func (s status) published() channel.Published {
	u := s.URL
	if u == "" {
		u = s.URI
	}
	return channel.Published{ExternalID: s.ID, URL: u, At: s.CreatedAt}
}

type mediaAttachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

// upload sends one attachment with its alt text and waits until the
// instance has processed it.
func (c *Connector) upload(ctx context.Context, m channel.Media) (string, error) {
	if m.Open == nil {
		return "", &channel.Error{Kind: channel.Permanent, Message: "media " + m.FileName + " has no content"}
	}
	rc, err := m.Open()
	if err != nil {
		return "", &channel.Error{Kind: channel.Transient, Message: "opening media " + m.FileName + ": " + err.Error(), Err: err}
	}
	defer rc.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if m.Alt != "" {
		_ = mw.WriteField("description", m.Alt)
	}
	h := textproto.MIMEHeader{}
	name := m.FileName
	if name == "" {
		name = "media"
	}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	ct := m.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, _ := mw.CreatePart(h)
	if _, err := io.Copy(part, rc); err != nil {
		return "", &channel.Error{Kind: channel.Transient, Message: "reading media " + name + ": " + err.Error(), Err: err}
	}
	mw.Close()
	var att mediaAttachment
	resp, err := c.do(ctx, "POST", "/api/v2/media", &buf, mw.FormDataContentType(), nil, &att)
	if err != nil {
		return "", err
	}
	if att.ID == "" {
		return "", &channel.Error{Kind: channel.Transient, Message: "Mastodon returned no media id"}
	}
	if resp.StatusCode != http.StatusAccepted {
		return att.ID, nil // processed synchronously (200)
	}
	// 202: processing asynchronously; GET /api/v1/media/:id answers 206
	// until done, then 200.
	deadline := time.Now().Add(c.MediaWait)
	for {
		t := time.NewTimer(c.MediaPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", &channel.Error{Kind: channel.Transient, Message: "waiting for Mastodon to process media: " + ctx.Err().Error(), Err: ctx.Err()}
		case <-t.C:
		}
		var a mediaAttachment
		resp, err := c.do(ctx, "GET", "/api/v1/media/"+url.PathEscape(att.ID), nil, "", nil, &a)
		if err != nil {
			return "", err
		}
		if resp.StatusCode == http.StatusOK && a.URL != nil {
			return att.ID, nil
		}
		if time.Now().After(deadline) {
			return "", &channel.Error{Kind: channel.Transient, Message: "Mastodon is still processing media " + name}
		}
	}
}

// Publish uploads the media, then posts the status with the post's
// Idempotency-Key.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	var ids []string
	for _, m := range p.Media {
		id, err := c.upload(ctx, m)
		if err != nil {
			return channel.Published{}, err
		}
		ids = append(ids, id)
	}
	form := url.Values{}
	form.Set("status", p.Text)
	for _, id := range ids {
		form.Add("media_ids[]", id)
	}
	if p.Language != "" {
		form.Set("language", strings.SplitN(p.Language, "-", 2)[0]) // Mastodon takes ISO 639 codes
	}
	form.Set("visibility", "public")
	if p.ReplyTo != "" {
		form.Set("in_reply_to_id", p.ReplyTo)
	}
	hdr := map[string]string{}
	if p.IdempotencyKey != "" {
		hdr["Idempotency-Key"] = p.IdempotencyKey
	}
	var s status
	if _, err := c.do(ctx, "POST", "/api/v1/statuses", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", hdr, &s); err != nil {
		return channel.Published{}, err
	}
	if s.ID == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Mastodon returned no status id"}
	}
	return s.published(), nil
}

// Find looks for a status an earlier attempt made: among the account's 40
// latest statuses, one whose text (HTML stripped, whitespace collapsed,
// remote mentions shortened as Mastodon renders them) and reply target are
// those of p.
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	var me struct {
		ID string `json:"id"`
	}
	if _, err := c.do(ctx, "GET", "/api/v1/accounts/verify_credentials", nil, "", nil, &me); err != nil {
		return channel.Published{}, false, err
	}
	if me.ID == "" {
		return channel.Published{}, false, &channel.Error{Kind: channel.Transient, Message: "Mastodon returned no account id"}
	}
	var list []status
	if _, err := c.do(ctx, "GET", "/api/v1/accounts/"+url.PathEscape(me.ID)+"/statuses?limit=40&exclude_reblogs=true", nil, "", nil, &list); err != nil {
		return channel.Published{}, false, err
	}
	want := normalize(p.Text)
	for _, s := range list {
		irt := ""
		if s.InReplyToID != nil {
			irt = *s.InReplyToID
		}
		if irt == p.ReplyTo && normalize(HTMLToText(s.Content)) == want {
			return s.published(), true, nil
		}
	}
	return channel.Published{}, false, nil
}

var remoteMention = regexp.MustCompile(`@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+[A-Za-z0-9]`)

func normalize(s string) string {
	s = remoteMention.ReplaceAllString(s, "@$1")
	return strings.Join(strings.Fields(s), " ")
}

var (
	breakTags = regexp.MustCompile(`(?i)<br\s*/?>`)
	paraEnd   = regexp.MustCompile(`(?i)</p>\s*<p[^>]*>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
)

// HTMLToText turns a status's HTML content into plain text: line breaks
// and paragraphs kept, tags dropped, entities decoded. Mastodon shortens
// displayed links with invisible spans; dropping the tags restores them.
func HTMLToText(s string) string {
	s = breakTags.ReplaceAllString(s, "\n")
	s = paraEnd.ReplaceAllString(s, "\n\n")
	s = anyTag.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}

type notification struct {
	ID      string  `json:"id"`
	Type    string  `json:"type"`
	Status  *status `json:"status"`
	Account struct {
		ID          string `json:"id"`
		Acct        string `json:"acct"`
		DisplayName string `json:"display_name"`
	} `json:"account"`
}

// maxPages bounds one Mentions call; the cursor lets the next call go on.
const maxPages = 10

// Mentions returns mentions newer than cursor (a notification id), oldest
// first, and the newest id as the next cursor. With a cursor it walks the
// pages right after it (min_id, then the Link rel="prev" pages) so that no
// mention is skipped when many arrive at once; without one it takes the
// latest page.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	q := url.Values{}
	q.Add("types[]", "mention")
	q.Set("limit", "40")
	if cursor != "" {
		q.Set("min_id", cursor)
	}
	next := "/api/v1/notifications?" + q.Encode()
	var out []channel.Mention
	newest := cursor
	for page := 0; page < maxPages && next != ""; page++ {
		var ns []notification
		resp, err := c.do(ctx, "GET", next, nil, "", nil, &ns)
		if err != nil {
			if len(out) > 0 {
				return out, newest, nil // keep what was read; the cursor resumes
			}
			return nil, cursor, err
		}
		if len(ns) == 0 {
			break
		}
		// Pages are newest first; append oldest first.
		for i := len(ns) - 1; i >= 0; i-- {
			n := ns[i]
			if idLess(newest, n.ID) {
				newest = n.ID
			}
			if n.Type != "mention" || n.Status == nil {
				continue
			}
			s := n.Status
			m := channel.Mention{ExternalID: s.ID, URL: s.URL, AuthorID: s.Account.ID, AuthorHandle: s.Account.Acct, AuthorName: s.Account.DisplayName,
				Text: HTMLToText(s.Content), Language: s.Language, At: s.CreatedAt}
			if m.AuthorHandle == "" {
				m.AuthorHandle = n.Account.Acct
			}
			if s.InReplyToID != nil {
				m.InReplyTo = *s.InReplyToID
			}
			out = append(out, m)
		}
		if cursor == "" {
			break // first poll: the latest page is enough
		}
		next = linkRel(resp.Header.Get("Link"), "prev")
		if next != "" && !sameOrigin(next, c.base) {
			next = "" // never follow a link off the instance
		}
	}
	return out, newest, nil
}

// idLess compares Mastodon ids (numeric strings of any length).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

var linkPart = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?([a-z]+)"?`)

// linkRel returns the URL of rel in an RFC 8288 Link header.
func linkRel(h, rel string) string {
	for _, m := range linkPart.FindAllStringSubmatch(h, -1) {
		if m[2] == rel {
			return m[1]
		}
	}
	return ""
}

func sameOrigin(raw, base string) bool {
	u, err1 := url.Parse(raw)
	b, err2 := url.Parse(base)
	return err1 == nil && err2 == nil && u.Scheme == b.Scheme && u.Host == b.Host
}

// Metrics reads each status's counts. A deleted status (404) is left out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for _, id := range externalIDs {
		var s status
		_, err := c.do(ctx, "GET", "/api/v1/statuses/"+url.PathEscape(id), nil, "", nil, &s)
		var ce *channel.Error
		if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			return out, err
		}
		out[id] = channel.Metrics{Likes: s.Favourites, Reposts: s.Reblogs, Replies: s.Replies}
	}
	return out, nil
}

// Refresh: Mastodon access tokens do not expire; there is nothing to renew.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}

// Verify checks the token (GET /api/v1/accounts/verify_credentials) and
// returns the account's acct.
func (c *Connector) Verify(ctx context.Context) (string, error) {
	var me struct {
		Acct string `json:"acct"`
	}
	_, err := c.do(ctx, "GET", "/api/v1/accounts/verify_credentials", nil, "", nil, &me)
	return me.Acct, err
}
