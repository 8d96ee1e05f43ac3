package testutil

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeX is an in-process fake of the X API v2 endpoints the X connector
// uses: media upload and metadata, posts, users/me, user timeline,
// mentions, posts lookup with public_metrics, OAuth 2.0 token refresh
// with rotating refresh tokens, and the sign-in of the authorization code
// flow with PKCE (GET /i/oauth2/authorize, grant_type=authorization_code). Injected failures (FakeFailure) answer
// before the request is handled, or after it when FailAfter is used (the
// post is made but the answer lost: an unknown outcome).
type FakeX struct {
	*httptest.Server
	// UserID and Username are the account's.
	UserID, Username string
	// ClientID is the OAuth client accepted by the token endpoint.
	ClientID string
	// ClientSecret, when set, makes the client confidential: the code
	// exchange must authenticate with it (HTTP Basic).
	ClientSecret string

	mu           sync.Mutex
	access       map[string]bool
	refresh      string
	refreshes    int
	requests     []FakeXRequest
	posts        []*FakeXPost
	media        map[string]*FakeXMedia
	mentions     []*FakeXPost
	fails        []FakeFailure
	failsAfter   []FakeFailure
	nextID       int64
	refreshFails int
	oauth        fakeOAuth
}

// FakeXRequest is one request the fake received.
type FakeXRequest struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// FakeXPost is a post made on (or mentioning) the fake account.
type FakeXPost struct {
	ID, Text, AuthorID, AuthorUsername, InReplyTo string
	MediaIDs                                      []string
	CreatedAt                                     time.Time
	Likes, Retweets, Replies, Quotes, Impressions int64
}

// FakeXMedia is an uploaded media file.
type FakeXMedia struct {
	ID, Category, ContentType, FileName, Alt string
	Size                                     int
}

// NewFakeX starts a fake X accepting accessToken and refreshToken; it
// stops with t.
func NewFakeX(t testing.TB, accessToken, refreshToken string) *FakeX {
	f := &FakeX{UserID: "2244994945", Username: "mfa", ClientID: "client-1", access: map[string]bool{accessToken: true}, refresh: refreshToken,
		media: map[string]*FakeXMedia{}, nextID: 1860000000000000000}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Fail queues an injected answer given before the request is handled.
func (f *FakeX) Fail(fl FakeFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.fails = append(f.fails, fl)
	f.mu.Unlock()
}

// FailAfter queues an injected answer given after the request was handled
// (for an unknown outcome: the post exists, the answer says otherwise).
func (f *FakeX) FailAfter(fl FakeFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.failsAfter = append(f.failsAfter, fl)
	f.mu.Unlock()
}

// RateLimit makes the next n requests answer 429 with X's x-rate-limit-*
// headers resetting at reset (Unix seconds).
func (f *FakeX) RateLimit(n int, reset time.Time) {
	f.Fail(FakeFailure{Status: http.StatusTooManyRequests, Error: "Too Many Requests", Times: n, Header: map[string]string{
		"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(reset.Unix(), 10),
	}})
}

// ExpireAccess makes every access token issued so far invalid (401).
func (f *FakeX) ExpireAccess() {
	f.mu.Lock()
	f.access = map[string]bool{}
	f.mu.Unlock()
}

// FailRefresh makes the next n refreshes answer 503 (the refresh token
// stays valid).
func (f *FakeX) FailRefresh(n int) {
	f.mu.Lock()
	f.refreshFails = n
	f.mu.Unlock()
}

// RefreshToken returns the currently valid refresh token.
func (f *FakeX) RefreshToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refresh
}

// Requests returns a copy of the recorded requests.
func (f *FakeX) Requests() []FakeXRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeXRequest(nil), f.requests...)
}

// Posts returns copies of the account's posts, oldest first.
func (f *FakeX) Posts() []FakeXPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeXPost, len(f.posts))
	for i, p := range f.posts {
		out[i] = *p
	}
	return out
}

// Media returns an uploaded media file (nil when none).
func (f *FakeX) Media(id string) *FakeXMedia {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.media[id]; ok {
		c := *m
		return &c
	}
	return nil
}

// SetMetrics sets a post's public metrics.
func (f *FakeX) SetMetrics(id string, likes, retweets, replies, quotes, impressions int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if p.ID == id {
			p.Likes, p.Retweets, p.Replies, p.Quotes, p.Impressions = likes, retweets, replies, quotes, impressions
		}
	}
}

// AddMention adds a post by username mentioning the account, replying to
// inReplyTo (may be ""), and returns its id.
func (f *FakeX) AddMention(username, text, inReplyTo string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	p := &FakeXPost{ID: strconv.FormatInt(f.nextID, 10), Text: text, AuthorID: "9" + strconv.Itoa(len(username)*1000+len(f.mentions)), AuthorUsername: username,
		InReplyTo: inReplyTo, CreatedAt: time.Now().UTC()}
	f.mentions = append(f.mentions, p)
	return p.ID
}

func (f *FakeX) send(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *FakeX) problem(w http.ResponseWriter, code int, detail string) {
	f.send(w, code, map[string]any{"title": http.StatusText(code), "detail": detail, "type": "about:blank", "status": code})
}

func fakeXTakeFailure(list []FakeFailure, r *http.Request) *FakeFailure {
	for i := range list {
		fl := &list[i]
		if fl.Times > 0 && strings.HasPrefix(r.URL.Path, fl.Path) && (fl.Method == "" || fl.Method == r.Method) {
			fl.Times--
			c := *fl
			return &c
		}
	}
	return nil
}

type fakeXRecorder struct {
	http.ResponseWriter
	code int
	held bool
}

func (r *fakeXRecorder) WriteHeader(code int) {
	r.code = code
	if !r.held {
		r.ResponseWriter.WriteHeader(code)
	}
}

func (r *fakeXRecorder) Write(b []byte) (int, error) {
	if r.held {
		return len(b), nil
	}
	return r.ResponseWriter.Write(b)
}

func (f *FakeX) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	f.mu.Lock()
	f.requests = append(f.requests, FakeXRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	inj := fakeXTakeFailure(f.fails, r)
	after := fakeXTakeFailure(f.failsAfter, r)
	f.mu.Unlock()
	if inj != nil {
		for k, v := range inj.Header {
			w.Header().Set(k, v)
		}
		f.problem(w, inj.Status, inj.Error)
		return
	}
	if after != nil {
		rec := &fakeXRecorder{ResponseWriter: w, held: true}
		f.handle(rec, r, body)
		for k, v := range after.Header {
			w.Header().Set(k, v)
		}
		f.problem(w, after.Status, after.Error)
		return
	}
	f.handle(w, r, body)
}

var fakeXUsersPath = regexp.MustCompile(`^/2/users/([0-9]+)/(tweets|mentions)$`)

func (f *FakeX) handle(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method == "POST" && r.URL.Path == "/2/oauth2/token" {
		f.token(w, r)
		return
	}
	if r.Method == "GET" && r.URL.Path == "/i/oauth2/authorize" {
		f.mu.Lock()
		f.oauth.authorize(w, r, f.ClientID, "x", true)
		f.mu.Unlock()
		return
	}
	f.mu.Lock()
	ok := f.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	f.mu.Unlock()
	if !ok {
		f.problem(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	w.Header().Set("x-rate-limit-limit", "100")
	w.Header().Set("x-rate-limit-remaining", "99")
	w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10))
	p := r.URL.Path
	switch {
	case r.Method == "POST" && p == "/2/media/upload":
		f.upload(w, r)
	case r.Method == "POST" && p == "/2/media/metadata":
		var in struct {
			ID       string `json:"id"`
			Metadata struct {
				AltText struct {
					Text string `json:"text"`
				} `json:"alt_text"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.ID == "" {
			f.problem(w, 400, "Invalid Request: id is required")
			return
		}
		if utf8.RuneCountInString(in.Metadata.AltText.Text) > 1000 {
			f.problem(w, 400, "alt_text.text is longer than 1000 characters")
			return
		}
		f.mu.Lock()
		m, ok := f.media[in.ID]
		if ok {
			m.Alt = in.Metadata.AltText.Text
		}
		f.mu.Unlock()
		if !ok {
			f.problem(w, 400, "media id not found")
			return
		}
		f.send(w, 200, map[string]any{"data": map[string]any{"id": in.ID, "associated_metadata": map[string]any{"alt_text": map[string]string{"text": in.Metadata.AltText.Text}}}})
	case r.Method == "POST" && p == "/2/tweets":
		f.createPost(w, body)
	case r.Method == "GET" && p == "/2/users/me":
		f.send(w, 200, map[string]any{"data": map[string]string{"id": f.UserID, "username": f.Username, "name": "Ministry"}})
	case r.Method == "GET" && p == "/2/tweets":
		f.lookup(w, r)
	case r.Method == "GET" && fakeXUsersPath.MatchString(p):
		m := fakeXUsersPath.FindStringSubmatch(p)
		if m[1] != f.UserID {
			f.problem(w, 404, "user not found")
			return
		}
		f.timeline(w, r, m[2] == "mentions")
	default:
		f.problem(w, 404, "Not Found")
	}
}

func (f *FakeX) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.PostForm.Get("grant_type") == "authorization_code" {
		f.codeGrant(w, r)
		return
	}
	if f.refreshFails > 0 {
		f.refreshFails--
		f.send(w, 503, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	cid, secret := r.PostForm.Get("client_id"), ""
	if u, p, ok := r.BasicAuth(); ok {
		cid, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
	}
	if f.ClientSecret != "" && secret != f.ClientSecret {
		f.send(w, 401, map[string]string{"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" || cid != f.ClientID {
		f.send(w, 400, map[string]string{"error": "invalid_request", "error_description": "Value passed for the grant type or client id was invalid."})
		return
	}
	if rt := r.PostForm.Get("refresh_token"); rt == "" || rt != f.refresh {
		f.send(w, 400, map[string]string{"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
		return
	}
	f.refreshes++
	at := fmt.Sprintf("access-%d", f.refreshes)
	f.access[at] = true
	f.refresh = fmt.Sprintf("refresh-%d", f.refreshes) // rotation: the old one stops working
	f.send(w, 200, map[string]any{"token_type": "bearer", "expires_in": 7200, "access_token": at, "refresh_token": f.refresh, "scope": "tweet.read tweet.write users.read offline.access media.write"})
}

func (f *FakeX) upload(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		f.problem(w, 400, "expected multipart/form-data")
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		f.problem(w, 400, err.Error())
		return
	}
	fhs := r.MultipartForm.File["media"]
	if len(fhs) == 0 {
		f.problem(w, 400, "media is required")
		return
	}
	fl, _ := fhs[0].Open()
	data, _ := io.ReadAll(fl)
	fl.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	m := &FakeXMedia{ID: strconv.FormatInt(f.nextID, 10), Category: r.FormValue("media_category"), ContentType: fhs[0].Header.Get("Content-Type"), FileName: fhs[0].Filename, Size: len(data)}
	f.media[m.ID] = m
	f.send(w, 200, map[string]any{"data": map[string]any{"id": m.ID, "media_key": "3_" + m.ID, "size": m.Size, "expires_after_secs": 86400}})
}

func (f *FakeX) createPost(w http.ResponseWriter, body []byte) {
	var in struct {
		Text  string `json:"text"`
		Media *struct {
			MediaIDs []string `json:"media_ids"`
		} `json:"media"`
		Reply *struct {
			InReplyTo string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		f.problem(w, 400, "Invalid JSON")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	if in.Media != nil {
		ids = in.Media.MediaIDs
	}
	switch {
	case strings.TrimSpace(in.Text) == "" && len(ids) == 0:
		f.problem(w, 400, "Invalid Request: text or media is required")
		return
	case utf8.RuneCountInString(in.Text) > 280:
		f.problem(w, 403, "You are not permitted to perform this action.")
		return
	case len(ids) > 4:
		f.problem(w, 400, "media.media_ids: too many")
		return
	}
	for _, id := range ids {
		if _, ok := f.media[id]; !ok {
			f.problem(w, 400, "Your media IDs are invalid.")
			return
		}
	}
	for _, p := range f.posts {
		if p.Text == in.Text && in.Text != "" {
			f.problem(w, 403, "You are not allowed to create a Tweet with duplicate content.")
			return
		}
	}
	f.nextID++
	p := &FakeXPost{ID: strconv.FormatInt(f.nextID, 10), Text: in.Text, AuthorID: f.UserID, AuthorUsername: f.Username, MediaIDs: ids, CreatedAt: time.Now().UTC()}
	if in.Reply != nil {
		p.InReplyTo = in.Reply.InReplyTo
	}
	f.posts = append(f.posts, p)
	f.send(w, 201, map[string]any{"data": map[string]any{"id": p.ID, "text": f.rendered(p), "edit_history_tweet_ids": []string{p.ID}}})
}

var fakeXLink = regexp.MustCompile(`https?://\S+`)

// rendered is a post's text as X returns it: &, < and > escaped, links
// shortened to t.co, and a trailing t.co link for attached media.
func (f *FakeX) rendered(p *FakeXPost) string {
	n := 0
	s := fakeXLink.ReplaceAllStringFunc(p.Text, func(string) string { n++; return fmt.Sprintf("https://t.co/l%d%s", n, p.ID[len(p.ID)-4:]) })
	s = html.EscapeString(s)
	s = strings.ReplaceAll(s, "&#34;", "\"")
	s = strings.ReplaceAll(s, "&#39;", "'")
	if len(p.MediaIDs) > 0 {
		s += " https://t.co/m" + p.ID[len(p.ID)-6:]
	}
	return s
}

func (f *FakeX) postJSON(p *FakeXPost, fields []string) map[string]any {
	m := map[string]any{"id": p.ID, "text": f.rendered(p), "edit_history_tweet_ids": []string{p.ID}}
	if slices.Contains(fields, "created_at") {
		m["created_at"] = p.CreatedAt.Format("2006-01-02T15:04:05.000Z")
	}
	if slices.Contains(fields, "author_id") {
		m["author_id"] = p.AuthorID
	}
	if slices.Contains(fields, "lang") {
		m["lang"] = "en"
	}
	if slices.Contains(fields, "conversation_id") {
		m["conversation_id"] = p.ID
	}
	if slices.Contains(fields, "referenced_tweets") && p.InReplyTo != "" {
		m["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": p.InReplyTo}}
	}
	if slices.Contains(fields, "public_metrics") {
		m["public_metrics"] = map[string]int64{"retweet_count": p.Retweets, "reply_count": p.Replies, "like_count": p.Likes, "quote_count": p.Quotes,
			"bookmark_count": 0, "impression_count": p.Impressions}
	}
	return m
}

func (f *FakeX) lookup(w http.ResponseWriter, r *http.Request) {
	ids := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(ids) == 0 || ids[0] == "" || len(ids) > 100 {
		f.problem(w, 400, "ids: between 1 and 100 ids are required")
		return
	}
	fields := strings.Split(r.URL.Query().Get("tweet.fields"), ",")
	f.mu.Lock()
	defer f.mu.Unlock()
	data, errs := []any{}, []any{}
	for _, id := range ids {
		found := false
		for _, p := range f.posts {
			if p.ID == id {
				data = append(data, f.postJSON(p, fields))
				found = true
			}
		}
		if !found {
			errs = append(errs, map[string]any{"value": id, "detail": "Could not find tweet with ids: [" + id + "].", "title": "Not Found Error", "resource_type": "tweet"})
		}
	}
	out := map[string]any{"data": data}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	f.send(w, 200, out)
}

// timeline answers a user's posts or mentions, newest first, with
// since_id, max_results (5..100) and pagination_token (an offset here).
func (f *FakeX) timeline(w http.ResponseWriter, r *http.Request, mentions bool) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("max_results"))
	if q.Get("max_results") == "" {
		limit = 10
	} else if err != nil || limit < 5 || limit > 100 {
		f.problem(w, 400, "The `max_results` query parameter value ["+q.Get("max_results")+"] is not between 5 and 100")
		return
	}
	fields := strings.Split(q.Get("tweet.fields"), ",")
	f.mu.Lock()
	defer f.mu.Unlock()
	src := f.posts
	if mentions {
		src = f.mentions
	}
	var sel []*FakeXPost
	since := q.Get("since_id")
	for i := len(src) - 1; i >= 0; i-- {
		p := src[i]
		if since != "" && !(len(p.ID) > len(since) || (len(p.ID) == len(since) && p.ID > since)) {
			continue
		}
		sel = append(sel, p)
	}
	off, _ := strconv.Atoi(q.Get("pagination_token"))
	if off > len(sel) {
		off = len(sel)
	}
	page := sel[off:]
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = strconv.Itoa(off + limit)
	}
	data := []any{}
	users := map[string]any{}
	for _, p := range page {
		data = append(data, f.postJSON(p, fields))
		users[p.AuthorID] = map[string]string{"id": p.AuthorID, "username": p.AuthorUsername, "name": strings.ToUpper(p.AuthorUsername[:1]) + p.AuthorUsername[1:]}
	}
	meta := map[string]any{"result_count": len(page)}
	if len(page) > 0 {
		meta["newest_id"], meta["oldest_id"] = page[0].ID, page[len(page)-1].ID
	}
	if next != "" {
		meta["next_token"] = next
	}
	out := map[string]any{"meta": meta}
	if len(page) > 0 {
		out["data"] = data
	}
	if strings.Contains(q.Get("expansions"), "author_id") && len(users) > 0 {
		var us []any
		for _, u := range users {
			us = append(us, u)
		}
		out["includes"] = map[string]any{"users": us}
	}
	f.send(w, 200, out)
}

// The authorization code grant shared by the fakes of the OAuth networks
// (X, LinkedIn, Meta's Facebook Login and Threads): an authorize endpoint
// that answers as if the person approved — a redirect to redirect_uri
// with a code and the state — or, after DenyNext, as if they refused
// (error=access_denied); and single-use codes bound to the client, the
// redirect URI and, for PKCE, the S256 code challenge (RFC 7636).

// fakeOAuthCode is an authorization code handed out.
type fakeOAuthCode struct {
	clientID, redirectURI, challenge string
	used                             bool
}

type fakeOAuth struct {
	codes map[string]*fakeOAuthCode
	deny  string
	n     int
	// authorizations are the queries of the authorize requests received.
	authorizations []url.Values
}

// authorize answers an authorize request for clientID; the caller holds
// the fake's lock.
func (o *fakeOAuth) authorize(w http.ResponseWriter, r *http.Request, clientID, prefix string, pkce bool) {
	q := r.URL.Query()
	o.authorizations = append(o.authorizations, q)
	back, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != clientID || err != nil || (back.Scheme != "http" && back.Scheme != "https") || back.Host == "" {
		// No redirect to an unknown client's address (RFC 6749 §4.1.2.1).
		http.Error(w, "invalid client_id or redirect_uri", http.StatusBadRequest)
		return
	}
	answer := url.Values{}
	if s := q.Get("state"); s != "" {
		answer.Set("state", s)
	}
	switch {
	case q.Get("response_type") != "code":
		answer.Set("error", "unsupported_response_type")
	case pkce && (q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256"):
		answer.Set("error", "invalid_request")
		answer.Set("error_description", "code_challenge with code_challenge_method S256 is required")
	case q.Get("scope") == "":
		answer.Set("error", "invalid_scope")
	case o.deny != "":
		answer.Set("error", o.deny)
		answer.Set("error_description", "The user denied the request")
		o.deny = ""
	default:
		if o.codes == nil {
			o.codes = map[string]*fakeOAuthCode{}
		}
		o.n++
		code := fmt.Sprintf("%s-code-%d", prefix, o.n)
		o.codes[code] = &fakeOAuthCode{clientID: clientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge")}
		answer.Set("code", code)
	}
	bq := back.Query()
	for k, v := range answer {
		bq[k] = v
	}
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// redeem uses up a code; it returns the OAuth error code ("" when the
// code is good). The caller holds the fake's lock.
func (o *fakeOAuth) redeem(code, clientID, redirectURI, verifier string, pkce bool) string {
	c, ok := o.codes[code]
	switch {
	case !ok || c.used:
		return "invalid_grant"
	case c.clientID != clientID:
		return "invalid_client"
	case c.redirectURI != redirectURI:
		return "invalid_grant"
	case pkce && fakeS256(verifier) != c.challenge:
		return "invalid_grant"
	}
	c.used = true
	return ""
}

func fakeS256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// DenyNext makes the next authorize request answer as if the person
// refused: a redirect with error (access_denied when "").
func (f *FakeX) DenyNext(errCode string) {
	if errCode == "" {
		errCode = "access_denied"
	}
	f.mu.Lock()
	f.oauth.deny = errCode
	f.mu.Unlock()
}

// Authorizations returns the queries of the authorize requests received.
func (f *FakeX) Authorizations() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.oauth.authorizations...)
}

// codeGrant answers grant_type=authorization_code: a confidential client
// (ClientSecret set) authenticates with HTTP Basic, a public one sends
// client_id; the code_verifier must match the challenge. The lock is held.
func (f *FakeX) codeGrant(w http.ResponseWriter, r *http.Request) {
	cid := r.PostForm.Get("client_id")
	user, pass, basic := r.BasicAuth()
	if basic {
		cid, _ = url.QueryUnescape(user)
		pass, _ = url.QueryUnescape(pass)
	}
	if cid != f.ClientID || (f.ClientSecret != "" && (!basic || pass != f.ClientSecret)) {
		f.send(w, 401, map[string]string{"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
		return
	}
	if e := f.oauth.redeem(r.PostForm.Get("code"), cid, r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"), true); e != "" {
		f.send(w, 400, map[string]string{"error": e, "error_description": "Value passed for the authorization code was invalid."})
		return
	}
	f.refreshes++
	at := fmt.Sprintf("access-%d", f.refreshes)
	f.access[at] = true
	f.refresh = fmt.Sprintf("refresh-%d", f.refreshes)
	f.send(w, 200, map[string]any{"token_type": "bearer", "expires_in": 7200, "access_token": at, "refresh_token": f.refresh, "scope": "tweet.read tweet.write users.read offline.access media.write"})
}
