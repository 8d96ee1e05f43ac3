// Package linkedin publishes to a LinkedIn organisation page (or member)
// through LinkedIn's versioned REST API (the Posts and Images APIs of the
// Community Management API, learn.microsoft.com/linkedin):
//
//   - images: POST /rest/images?action=initializeUpload {owner}, then PUT
//     of the bytes to the uploadUrl it answers;
//   - the post: POST /rest/posts {author, commentary, visibility PUBLIC,
//     distribution MAIN_FEED, lifecycleState PUBLISHED, content.media
//     {id, altText} (content.multiImage for several images)}; the post URN
//     comes back in the x-restli-id header; its address is
//     https://www.linkedin.com/feed/update/{urn};
//   - comments: GET /rest/socialActions/{urn}/comments on the author's
//     latest posts (Mentions);
//   - metrics: GET /rest/socialActions/{urn} (likes and comments). Reposts
//     and impressions need organizationalEntityShareStatistics, which is
//     not used yet;
//   - refresh: POST https://www.linkedin.com/oauth/v2/accessToken with
//     grant_type=refresh_token (refresh tokens exist only for apps LinkedIn
//     approved for them; without one there is nothing to renew and the
//     account is reconnected when its 60-day token expires).
//
// Every call carries Linkedin-Version (YYYYMM) and
// X-Restli-Protocol-Version 2.0.0. LinkedIn sunsets API versions about a
// year after release and then refuses them (426, or 400 naming the
// version); that error is Permanent with a message saying so. The version
// is DefaultVersion unless the credentials carry "api_version".
//
// Credentials: "access_token", "refresh_token", "client_id",
// "client_secret", "author_urn" (urn:li:organization:… or
// urn:li:person:…), optionally "api_version". The account's base_url, when
// set, replaces both https://api.linkedin.com and https://www.linkedin.com
// (tests, proxies).
//
// Text: commentary is LinkedIn's "little text format", where
// \ | { } @ [ ] ( ) < > # * _ ~ are reserved; Escape backslash-escapes them
// and writes hashtags (#word) as {hashtag|\#|word} templates.
//
// Exactly once: LinkedIn takes no idempotency key. Find looks through the
// author's 20 latest posts for one with the same commentary; a 422
// "duplicate" refusal names the earlier post, which Publish reports.
package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
)

const (
	// DefaultBaseURL is LinkedIn's API address.
	DefaultBaseURL = "https://api.linkedin.com"
	// DefaultOAuthBaseURL is where tokens are renewed.
	DefaultOAuthBaseURL = "https://www.linkedin.com"
	// DefaultVersion is the Linkedin-Version sent when the credentials do
	// not name one. LinkedIn supports a version for about a year: bump it
	// (and check the changelog) at least yearly.
	DefaultVersion = "202510"
)

// PostURL is the public address of a post URN.
func PostURL(urn string) string { return "https://www.linkedin.com/feed/update/" + urn }

// Connector is one LinkedIn author (organisation page or member).
type Connector struct {
	base, oauthBase string
	author          string
	version         string
	client          *http.Client

	mu    sync.Mutex
	creds channel.Credentials
}

var _ channel.Connector = (*Connector)(nil)

var (
	versionRE = regexp.MustCompile(`^[0-9]{6}(\.[0-9]{2})?$`)
	authorRE  = regexp.MustCompile(`^urn:li:(organization|person):[A-Za-z0-9_-]+$`)
)

// New builds the connector of acc from its credentials.
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.LinkedIn {
		return nil, fmt.Errorf("linkedin connector for a %s account", acc.Network)
	}
	c := &Connector{base: DefaultBaseURL, oauthBase: DefaultOAuthBaseURL, version: DefaultVersion, client: client, creds: channel.Credentials{}}
	if acc.BaseURL != "" {
		u, err := url.Parse(acc.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the LinkedIn API address (base_url) is not an http(s) URL"}
		}
		c.base = strings.TrimRight(acc.BaseURL, "/")
		c.oauthBase = c.base
	}
	if creds["access_token"] == "" {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the LinkedIn account is not connected: no access token"}
	}
	c.author = strings.TrimSpace(creds["author_urn"])
	if !authorRE.MatchString(c.author) {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the LinkedIn account needs author_urn (urn:li:organization:… or urn:li:person:…)"}
	}
	if v := strings.TrimSpace(creds["api_version"]); v != "" {
		if !versionRE.MatchString(v) {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the LinkedIn api_version must be YYYYMM (e.g. " + DefaultVersion + ")"}
		}
		c.version = v
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: 30 * time.Second}
	}
	for k, v := range creds {
		c.creds[k] = v
	}
	return c, nil
}

// Version is the Linkedin-Version the connector sends.
func (c *Connector) Version() string { return c.version }

func (c *Connector) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.creds["access_token"]
}

// Reserved are the characters of LinkedIn's little text format that plain
// text must escape.
const Reserved = `\|{}@[]()<>#*_~`

// Escape turns plain text into commentary: reserved characters are
// backslash-escaped, and hashtags (# then letters, digits or _, at the
// start or after a character that is not a letter or digit) become
// {hashtag|\#|word} templates, which LinkedIn links.
func Escape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '#' && (i == 0 || !isWord(rs[i-1])) {
			j := i + 1
			for j < len(rs) && isWord(rs[j]) {
				j++
			}
			if j > i+1 {
				b.WriteString(`{hashtag|\#|`)
				b.WriteString(escapeAll(string(rs[i+1 : j])))
				b.WriteString(`}`)
				i = j - 1
				continue
			}
		}
		if strings.ContainsRune(Reserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(Reserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

var hashtagTemplate = regexp.MustCompile(`\{hashtag\|\\#\|((?:\\.|[^}\\])*)\}`)

// Unescape turns commentary back into plain text (hashtag templates to
// #word, escapes dropped); other templates (mentions) are left as they are.
func Unescape(s string) string {
	s = hashtagTemplate.ReplaceAllString(s, `#$1`)
	var b strings.Builder
	esc := false
	for _, r := range s {
		if !esc && r == '\\' {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return b.String()
}

// apiError is LinkedIn's error body.
type apiError struct {
	Status           int    `json:"status"`
	Code             string `json:"code"`
	ServiceErrorCode int    `json:"serviceErrorCode"`
	Message          string `json:"message"`
	// OAuth errors
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

var versionWords = regexp.MustCompile(`(?i)version`)

// classify turns a non-2xx answer into a *channel.Error.
func (c *Connector) classify(resp *http.Response, body []byte, now time.Time) *channel.Error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	msg := strings.TrimSpace(ae.Message)
	if msg == "" {
		msg = strings.TrimSpace(strings.TrimSpace(ae.Error + ": " + ae.Description))
		msg = strings.Trim(msg, ": ")
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e := &channel.Error{Status: resp.StatusCode, Message: "LinkedIn: " + msg}
	s := resp.StatusCode
	switch {
	case s == http.StatusUpgradeRequired || (s == http.StatusBadRequest && (versionWords.MatchString(ae.Code) || versionWords.MatchString(msg))):
		e.Kind = channel.Permanent
		e.Message = fmt.Sprintf("LinkedIn refused API version %s (sunset or invalid): set a current YYYYMM version as the account's api_version credential or update Attaché: %s", c.version, msg)
	case s == http.StatusUnauthorized:
		e.Kind = channel.Unauthorized
		e.Message = "LinkedIn refused the access token (expired or revoked): " + msg
	case s == http.StatusTooManyRequests:
		e.Kind = channel.Transient
		e.Message = "LinkedIn rate limit reached: " + msg
		e.RetryAfter = retryAfter(resp.Header, now)
	case s >= 500 || s == http.StatusRequestTimeout:
		e.Kind = channel.Transient
		e.RetryAfter = retryAfter(resp.Header, now)
	default:
		e.Kind = channel.Permanent
	}
	return e
}

func retryAfter(h http.Header, now time.Time) time.Duration {
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

// do sends a request to the REST API with the versioned headers and
// decodes a 2xx JSON answer into out; it returns the answer's headers.
func (c *Connector) do(ctx context.Context, method, rawURL string, body []byte, contentType string, hdr map[string]string, out any) (http.Header, error) {
	if !strings.HasPrefix(rawURL, "http://") && !strings.HasPrefix(rawURL, "https://") {
		rawURL = c.base + rawURL
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "bad request to LinkedIn: " + err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token())
	req.Header.Set("Linkedin-Version", c.version)
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return c.send(req, out)
}

func (c *Connector) send(req *http.Request, out any) (http.Header, error) {
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrRefused) {
			return nil, &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
		}
		return nil, &channel.Error{Kind: channel.Transient, Message: "LinkedIn is unreachable: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.Header, &channel.Error{Kind: channel.Transient, Message: "reading LinkedIn's answer: " + err.Error(), Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, c.classify(resp, data, time.Now())
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "LinkedIn answered something that is not JSON", Err: err}
		}
	}
	return resp.Header, nil
}

func (c *Connector) postJSON(ctx context.Context, path string, in, out any) (http.Header, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
	}
	return c.do(ctx, "POST", path, b, "application/json", nil, out)
}

// urnPath encodes a URN for a path segment, as Rest.li 2.0 wants.
func urnPath(urn string) string { return url.QueryEscape(urn) }

// upload sends one image and returns its urn:li:image.
func (c *Connector) upload(ctx context.Context, m channel.Media) (string, error) {
	if m.Open == nil {
		return "", &channel.Error{Kind: channel.Permanent, Message: "media " + m.FileName + " has no content"}
	}
	if m.ContentType != "" && !strings.HasPrefix(m.ContentType, "image/") {
		return "", &channel.Error{Kind: channel.Permanent, Message: "LinkedIn: only images can be attached for now (" + m.FileName + " is " + m.ContentType + ")"}
	}
	rc, err := m.Open()
	if err != nil {
		return "", &channel.Error{Kind: channel.Transient, Message: "opening media " + m.FileName + ": " + err.Error(), Err: err}
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return "", &channel.Error{Kind: channel.Transient, Message: "reading media " + m.FileName + ": " + err.Error(), Err: err}
	}
	var init struct {
		Value struct {
			UploadURL string `json:"uploadUrl"`
			Image     string `json:"image"`
		} `json:"value"`
	}
	if _, err := c.postJSON(ctx, "/rest/images?action=initializeUpload", map[string]any{"initializeUploadRequest": map[string]string{"owner": c.author}}, &init); err != nil {
		return "", err
	}
	u, err := url.Parse(init.Value.UploadURL)
	if init.Value.Image == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", &channel.Error{Kind: channel.Transient, Message: "LinkedIn returned no image upload address"}
	}
	req, err := http.NewRequestWithContext(ctx, "PUT", init.Value.UploadURL, bytes.NewReader(data))
	if err != nil {
		return "", &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token())
	ct := m.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	req.Header.Set("Content-Type", ct)
	if _, err := c.send(req, nil); err != nil {
		return "", err
	}
	return init.Value.Image, nil
}

var duplicateOf = regexp.MustCompile(`urn:li:(share|ugcPost):[0-9]+`)

// Publish uploads the images, then makes the post. p.ReplyTo is ignored:
// LinkedIn posts do not reply to posts.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	type image struct {
		ID      string `json:"id"`
		AltText string `json:"altText,omitempty"`
	}
	var imgs []image
	for _, m := range p.Media {
		id, err := c.upload(ctx, m)
		if err != nil {
			return channel.Published{}, err
		}
		imgs = append(imgs, image{ID: id, AltText: m.Alt})
	}
	body := map[string]any{
		"author":                    c.author,
		"commentary":                Escape(p.Text),
		"visibility":                "PUBLIC",
		"distribution":              map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []any{}, "thirdPartyDistributionChannels": []any{}},
		"lifecycleState":            "PUBLISHED",
		"isReshareDisabledByAuthor": false,
	}
	switch len(imgs) {
	case 0:
	case 1:
		body["content"] = map[string]any{"media": imgs[0]}
	default:
		body["content"] = map[string]any{"multiImage": map[string]any{"images": imgs}}
	}
	hdr, err := c.postJSON(ctx, "/rest/posts", body, nil)
	if err != nil {
		var ce *channel.Error
		if errors.As(err, &ce) && ce.Status == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(ce.Message), "duplicate") {
			if urn := duplicateOf.FindString(ce.Message); urn != "" {
				return channel.Published{ExternalID: urn, URL: PostURL(urn), At: time.Now().UTC()}, nil
			}
			if pub, ok, ferr := c.Find(ctx, p); ferr == nil && ok {
				return pub, nil
			}
		}
		return channel.Published{}, err
	}
	urn := hdr.Get("X-Restli-Id")
	if urn == "" {
		urn = hdr.Get("X-Linkedin-Id")
	}
	if urn == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "LinkedIn returned no post id"}
	}
	return channel.Published{ExternalID: urn, URL: PostURL(urn), At: time.Now().UTC()}, nil
}

type post struct {
	ID             string `json:"id"`
	Commentary     string `json:"commentary"`
	CreatedAt      int64  `json:"createdAt"`
	PublishedAt    int64  `json:"publishedAt"`
	LifecycleState string `json:"lifecycleState"`
}

func (p post) published() channel.Published {
	at := p.PublishedAt
	if at == 0 {
		at = p.CreatedAt
	}
	return channel.Published{ExternalID: p.ID, URL: PostURL(p.ID), At: time.UnixMilli(at).UTC()}
}

// recent lists the author's latest posts (newest first).
func (c *Connector) recent(ctx context.Context, n int) ([]post, error) {
	q := url.Values{}
	q.Set("q", "author")
	q.Set("author", c.author)
	q.Set("count", strconv.Itoa(n))
	q.Set("sortBy", "LAST_MODIFIED")
	var out struct {
		Elements []post `json:"elements"`
	}
	_, err := c.do(ctx, "GET", "/rest/posts?"+q.Encode(), nil, "", map[string]string{"X-RestLi-Method": "FINDER"}, &out)
	return out.Elements, err
}

// Find looks among the author's 20 latest posts for one with p's text.
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	posts, err := c.recent(ctx, 20)
	if err != nil {
		return channel.Published{}, false, err
	}
	want := normalize(p.Text)
	for _, el := range posts {
		if el.LifecycleState != "" && el.LifecycleState != "PUBLISHED" {
			continue
		}
		if normalize(Unescape(el.Commentary)) == want {
			return el.published(), true, nil
		}
	}
	return channel.Published{}, false, nil
}

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

type comment struct {
	ID         string `json:"id"`
	CommentURN string `json:"commentUrn"`
	URN        string `json:"$URN"`
	Actor      string `json:"actor"`
	Message    struct {
		Text string `json:"text"`
	} `json:"message"`
	Created struct {
		Time int64 `json:"time"`
	} `json:"created"`
}

// Mentions returns the comments made on the author's 20 latest posts
// after cursor (a time in Unix milliseconds), oldest first, and the
// newest comment's time as the next cursor. The author's own comments are
// left out.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	var since int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			return nil, cursor, &channel.Error{Kind: channel.Permanent, Message: "bad LinkedIn mentions cursor " + strconv.Quote(cursor)}
		}
		since = n
	}
	posts, err := c.recent(ctx, 20)
	if err != nil {
		return nil, cursor, err
	}
	var out []channel.Mention
	newest := since
	for _, p := range posts {
		var res struct {
			Elements []comment `json:"elements"`
		}
		if _, err := c.do(ctx, "GET", "/rest/socialActions/"+urnPath(p.ID)+"/comments?count=100", nil, "", nil, &res); err != nil {
			return nil, cursor, err // all or nothing: the cursor is a time
		}
		for _, cm := range res.Elements {
			if cm.Created.Time <= since || cm.Actor == c.author {
				continue
			}
			newest = max(newest, cm.Created.Time)
			id := cm.CommentURN
			if id == "" {
				id = cm.URN
			}
			if id == "" {
				id = cm.ID
			}
			out = append(out, channel.Mention{ExternalID: id, URL: PostURL(p.ID) + "?commentUrn=" + url.QueryEscape(id), AuthorID: cm.Actor,
				Text: cm.Message.Text, InReplyTo: p.ID, At: time.UnixMilli(cm.Created.Time).UTC()})
		}
	}
	sortMentions(out)
	next := cursor
	if newest > since {
		next = strconv.FormatInt(newest, 10)
	}
	return out, next, nil
}

func sortMentions(ms []channel.Mention) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].At.Before(ms[j-1].At); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// Metrics reads each post's social actions summary (likes, comments).
// A deleted post (404) is left out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for _, id := range externalIDs {
		var s struct {
			Likes struct {
				Total      int64 `json:"totalLikes"`
				Aggregated int64 `json:"aggregatedTotalLikes"`
			} `json:"likesSummary"`
			Comments struct {
				Aggregated int64 `json:"aggregatedTotalComments"`
				FirstLevel int64 `json:"totalFirstLevelComments"`
			} `json:"commentsSummary"`
		}
		_, err := c.do(ctx, "GET", "/rest/socialActions/"+urnPath(id), nil, "", nil, &s)
		var ce *channel.Error
		if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			return out, err
		}
		out[id] = channel.Metrics{Likes: max(s.Likes.Total, s.Likes.Aggregated), Replies: max(s.Comments.Aggregated, s.Comments.FirstLevel)}
	}
	return out, nil
}

// Refresh renews the access token with the refresh token. Without one
// there is nothing to renew; on failure nothing changes.
func (c *Connector) Refresh(ctx context.Context) (channel.Credentials, time.Time, bool, error) {
	c.mu.Lock()
	rt, id, secret := c.creds["refresh_token"], c.creds["client_id"], c.creds["client_secret"]
	c.mu.Unlock()
	if rt == "" {
		return nil, time.Time{}, false, nil
	}
	if id == "" || secret == "" {
		return nil, time.Time{}, false, &channel.Error{Kind: channel.Permanent, Message: "the LinkedIn account has a refresh token but no client_id/client_secret; reconnect the account"}
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}, "client_secret": {secret}}
	req, err := http.NewRequestWithContext(ctx, "POST", c.oauthBase+"/oauth/v2/accessToken", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, time.Time{}, false, &channel.Error{Kind: channel.Permanent, Message: err.Error(), Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var tok channel.OAuthToken
	_, err = c.send(req, &tok)
	fresh, exp, err := channel.Renewed("LinkedIn", tok, err)
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
