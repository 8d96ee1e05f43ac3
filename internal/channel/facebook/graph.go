package facebook

import (
	"context"
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
	"github.com/attache-project/attache/internal/netguard"
)

// This file is the Graph API client shared by the Meta connectors
// (Facebook here, Instagram and Threads in their packages): requests with
// the token, Meta's error JSON classified into *channel.Error, the usage
// headers read to back off before Meta blocks the app, and the optional
// checkpoints of the container flow.

// Graph calls one Graph API host with one token.
type Graph struct {
	// Base is the versioned root, e.g. https://graph.facebook.com/v21.0.
	Base   string
	Token  string
	Client *http.Client
	// Name is the network's name in messages ("Facebook").
	Name string
	// UsageLimit is the percentage of a usage header above which calls
	// stop (Transient with RetryAfter) until the usage falls; 90 by default.
	UsageLimit int
	// Now is the clock (tests).
	Now func() time.Time
	// TokenParam also sends the token as the access_token parameter (in
	// the query of a GET, the form of a POST), as the Threads API documents;
	// the Facebook Graph API takes the Authorization header alone.
	TokenParam bool

	mu           sync.Mutex
	blockedUntil time.Time
}

// NewGraph builds a client for base (a host root such as
// https://graph.facebook.com, or an account's base_url) and version.
func NewGraph(name, base, version, token string, client *http.Client) (*Graph, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the " + name + " API address (base_url) is not an http(s) URL"}
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Graph{Base: strings.TrimRight(base, "/") + "/" + version, Token: token, Client: client, Name: name, UsageLimit: 90}, nil
}

func (g *Graph) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// GraphError is Meta's error body.
type GraphError struct {
	Message      string `json:"message"`
	Type         string `json:"type"`
	Code         int    `json:"code"`
	Subcode      int    `json:"error_subcode"`
	IsTransient  bool   `json:"is_transient"`
	UserTitle    string `json:"error_user_title"`
	UserMessage  string `json:"error_user_msg"`
	FBTraceID    string `json:"fbtrace_id"`
	ErrorMessage string `json:"error_message"` // Threads sometimes
}

// Graph error codes (developers.facebook.com/docs/graph-api/guides/error-handling).
const (
	codeUnknown        = 1
	codeService        = 2
	codeAppRateLimit   = 4
	codeTemporary      = 9    // "application request limit reached"; Instagram's publishing limit (subcode 2207042)
	codeNotReady       = 9007 // Instagram: the container is not ready to publish yet
	codeUserRateLimit  = 17
	codePermission     = 10
	codePageRateLimit  = 32
	codeExpiredToken   = 190
	codeCustomRate     = 613
	codeBlocked        = 368
	codeDuplicate      = 506
	codeBUCRateLimit   = 80001 // Pages business use case
	codeIGBUCRateLimit = 80002
	codeThreadsRate    = 80004 // and other 800xx business use case limits

	// SubcodePublishLimit is Instagram's "the account reached its limit of
	// published posts in 24 hours".
	SubcodePublishLimit = 2207042
)

// DefaultRetryAfter is the wait after a rate limit that says nothing about
// when it ends: Meta's limits are over a rolling hour.
const DefaultRetryAfter = 15 * time.Minute

// Classify turns a Graph error answer into a *channel.Error.
func (g *Graph) Classify(resp *http.Response, body []byte) error {
	var env struct {
		Error *GraphError `json:"error"`
	}
	_ = json.Unmarshal(body, &env)
	ge := env.Error
	if ge == nil {
		ge = &GraphError{}
	}
	msg := strings.TrimSpace(ge.Message)
	if ge.UserMessage != "" {
		msg = strings.TrimSpace(msg + " " + ge.UserMessage)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	if ge.Code != 0 {
		msg += fmt.Sprintf(" (code %d", ge.Code)
		if ge.Subcode != 0 {
			msg += fmt.Sprintf(", subcode %d", ge.Subcode)
		}
		msg += ")"
	}
	e := &channel.Error{Status: resp.StatusCode, Message: g.Name + ": " + msg}
	wait := g.usageWait(resp.Header)
	switch c := ge.Code; {
	case c == codeExpiredToken || (c >= 102 && c <= 104) || c == 463 || c == 467:
		// An expired, revoked or invalidated token (OAuthException).
		e.Kind = channel.Unauthorized
		e.Message = g.Name + " refused the access token (expired or revoked); reconnect the account: " + msg
	case c == codeAppRateLimit || c == codeUserRateLimit || c == codePageRateLimit || c == codeCustomRate ||
		(c >= codeBUCRateLimit && c <= 80099) || c == codeTemporary:
		e.Kind = channel.Transient
		e.RetryAfter = max(wait, DefaultRetryAfter)
		if c == codeTemporary {
			e.RetryAfter = max(wait, time.Hour)
		}
	case c == codeNotReady:
		e.Kind = channel.Transient
		e.RetryAfter = max(wait, 30*time.Second)
	case ge.IsTransient || c == codeUnknown || c == codeService:
		e.Kind = channel.Transient
		e.RetryAfter = wait
	case c == codePermission || (c >= 200 && c <= 299):
		e.Kind = channel.Permanent
		e.Message = g.Name + " refused: the token lacks a permission; reconnect the account with the publishing permissions: " + msg
	case c != 0:
		e.Kind = channel.Permanent
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = channel.Unauthorized
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		e.Kind = channel.Transient
		e.RetryAfter = max(wait, retryAfterHeader(resp.Header))
	default:
		e.Kind = channel.Permanent
	}
	return e
}

func retryAfterHeader(h http.Header) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// usage is one of Meta's usage objects; values are percentages.
type usage struct {
	CallCount    float64 `json:"call_count"`
	TotalTime    float64 `json:"total_time"`
	TotalCPUTime float64 `json:"total_cputime"`
	Type         string  `json:"type"`
	// EstimatedTimeToRegainAccess is in minutes (business use case).
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"`
}

func (u usage) max() float64 { return max(u.CallCount, u.TotalTime, u.TotalCPUTime) }

// usageWait reads X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage:
// above UsageLimit percent it returns how long to wait (Meta's estimate
// when given, DefaultRetryAfter otherwise), else 0.
func (g *Graph) usageWait(h http.Header) time.Duration {
	limit := float64(g.UsageLimit)
	if limit <= 0 {
		limit = 90
	}
	var wait time.Duration
	over := func(u usage) {
		if u.max() >= limit || u.EstimatedTimeToRegainAccess > 0 {
			w := time.Duration(u.EstimatedTimeToRegainAccess * float64(time.Minute))
			if w <= 0 {
				w = DefaultRetryAfter
			}
			wait = max(wait, w)
		}
	}
	for _, name := range []string{"X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage"} {
		if v := h.Get(name); v != "" {
			var u usage
			if json.Unmarshal([]byte(v), &u) == nil {
				over(u)
			}
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]usage
		if json.Unmarshal([]byte(v), &m) == nil {
			for _, list := range m {
				for _, u := range list {
					over(u)
				}
			}
		}
	}
	return wait
}

// Blocked reports the error to return while usage is above the limit.
func (g *Graph) blocked() error {
	g.mu.Lock()
	until := g.blockedUntil
	g.mu.Unlock()
	if d := until.Sub(g.now()); d > 0 {
		return &channel.Error{Kind: channel.Transient, RetryAfter: d,
			Message: fmt.Sprintf("%s: the app's API usage is above %d%%; waiting before calling again", g.Name, g.UsageLimit)}
	}
	return nil
}

// Get calls GET path (relative to Base, or an absolute URL on the same
// host, such as a paging.next link) with q, decoding the answer into out.
func (g *Graph) Get(ctx context.Context, path string, q url.Values, out any) error {
	return g.Do(ctx, "GET", path, q, nil, "", out)
}

// Post calls POST path with a form body.
func (g *Graph) Post(ctx context.Context, path string, form url.Values, out any) error {
	if g.TokenParam {
		form = cloneValues(form)
		form.Set("access_token", g.Token)
	}
	return g.Do(ctx, "POST", path, nil, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", out)
}

// Do sends one request with the token as a bearer header.
func (g *Graph) Do(ctx context.Context, method, path string, q url.Values, body io.Reader, contentType string, out any) error {
	if err := g.blocked(); err != nil {
		return err
	}
	u := path
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		if !sameOrigin(path, g.Base) {
			return &channel.Error{Kind: channel.Permanent, Message: g.Name + ": refusing to follow a link off the API host"}
		}
	} else {
		u = g.Base + "/" + strings.TrimLeft(path, "/")
	}
	if g.TokenParam && method == "GET" && !strings.Contains(u, "access_token=") && q.Get("access_token") == "" {
		q = cloneValues(q)
		q.Set("access_token", g.Token)
	}
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: "bad request to " + g.Name + ": " + err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+g.Token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := g.Client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrRefused) {
			return &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
		}
		return &channel.Error{Kind: channel.Transient, Message: g.Name + " is unreachable: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &channel.Error{Kind: channel.Transient, Message: "reading " + g.Name + "'s answer: " + err.Error(), Err: err}
	}
	if w := g.usageWait(resp.Header); w > 0 {
		g.mu.Lock()
		g.blockedUntil = g.now().Add(w)
		g.mu.Unlock()
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return g.Classify(resp, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: g.Name + " answered something that is not JSON", Err: err}
		}
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func sameOrigin(raw, base string) bool {
	u, err1 := url.Parse(raw)
	b, err2 := url.Parse(base)
	return err1 == nil && err2 == nil && u.Scheme == b.Scheme && u.Host == b.Host
}

// IsNotFound reports a Graph "object does not exist" answer (a deleted
// post): HTTP 404, or code 100 with subcode 33.
func IsNotFound(err error) bool {
	var ce *channel.Error
	if !errors.As(err, &ce) {
		return false
	}
	return ce.Status == http.StatusNotFound || strings.Contains(ce.Message, "(code 100, subcode 33)")
}

// Paging is a Graph list's paging object.
type Paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

// Normalize collapses whitespace, for comparing a post's text with what
// the network shows.
func Normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// ParseTime reads Graph's times ("2024-05-01T10:00:00+0000").
func ParseTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Container statuses of the Instagram and Threads container flow.
const (
	StatusFinished   = "FINISHED"
	StatusInProgress = "IN_PROGRESS"
	StatusPublished  = "PUBLISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
)

// ContainerStatus reads a container's status: Instagram names the field
// status_code, Threads status; msg is the network's detail on ERROR.
func (g *Graph) ContainerStatus(ctx context.Context, id, field string) (status, msg string, err error) {
	var c map[string]any
	if err := g.Get(ctx, url.PathEscape(id), url.Values{"fields": {field + ",status,error_message"}}, &c); err != nil {
		return "", "", err
	}
	status, _ = c[field].(string)
	if status == "" {
		status, _ = c["status"].(string)
	}
	msg, _ = c["error_message"].(string)
	if msg == "" && field == "status_code" {
		msg, _ = c["status"].(string) // Instagram puts its detail in status
	}
	return status, msg, nil
}

// WaitContainer polls a container every poll until it is FINISHED (or
// PUBLISHED), for at most wait. ERROR and EXPIRED are permanent; still in
// progress at the end is transient (a retry reuses the checkpointed
// container).
func (g *Graph) WaitContainer(ctx context.Context, id, field string, poll, wait time.Duration) (string, error) {
	deadline := g.now().Add(wait)
	for {
		st, msg, err := g.ContainerStatus(ctx, id, field)
		if err != nil {
			return "", err
		}
		switch st {
		case StatusFinished, StatusPublished:
			return st, nil
		case StatusError:
			return st, &channel.Error{Kind: channel.Permanent, Message: g.Name + " could not process the post: " + strings.TrimSpace("ERROR "+msg)}
		case StatusExpired:
			return st, &channel.Error{Kind: channel.Transient, Message: g.Name + ": the media container expired before it was published"}
		}
		if !g.now().Before(deadline) {
			return st, &channel.Error{Kind: channel.Transient, RetryAfter: poll, Message: g.Name + " is still processing the post"}
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, &channel.Error{Kind: channel.Transient, Message: "waiting for " + g.Name + ": " + ctx.Err().Error(), Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// QuotaWait reads a publishing limit edge (Instagram
// content_publishing_limit, Threads threads_publishing_limit) and returns a
// transient error when the quota of the last 24 hours is used up. Fields
// are the usage and config field names (quota_usage and config, or the
// reply ones on Threads). A quota that cannot be read does not stop
// publishing, except for an unusable token or a transient failure.
func (g *Graph) QuotaWait(ctx context.Context, path, usageField, configField string) error {
	var res struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	err := g.Get(ctx, path, url.Values{"fields": {usageField + "," + configField}}, &res)
	if err != nil {
		if k := channel.KindOf(err); k == channel.Permanent {
			return nil
		}
		return err
	}
	if len(res.Data) == 0 {
		return nil
	}
	var used int
	var cfg struct {
		Total    int `json:"quota_total"`
		Duration int `json:"quota_duration"`
	}
	_ = json.Unmarshal(res.Data[0][usageField], &used)
	_ = json.Unmarshal(res.Data[0][configField], &cfg)
	if cfg.Total > 0 && used >= cfg.Total {
		return &channel.Error{Kind: channel.Transient, RetryAfter: time.Hour,
			Message: fmt.Sprintf("%s: the account has published %d posts in 24 hours, its limit; publishing waits for the quota to free up", g.Name, used)}
	}
	return nil
}

// ImageURL picks the public image URL of a post for networks that fetch
// media themselves (Instagram, Threads): resolve (when set) gives the
// public address of an attachment; otherwise the post's link is used when
// it points at a JPEG or PNG image. ok is false when there is none.
func ImageURL(p channel.Post, resolve func(channel.Media) string) (string, bool) {
	if resolve != nil {
		for _, m := range p.Media {
			if u := resolve(m); u != "" {
				return u, true
			}
		}
	}
	if p.Link != "" {
		if u, err := url.Parse(p.Link); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			path := strings.ToLower(u.Path)
			for _, ext := range []string{".jpg", ".jpeg", ".png"} {
				if strings.HasSuffix(path, ext) {
					return p.Link, true
				}
			}
		}
	}
	return "", false
}
