package testutil

import (
	"encoding/json"
	"fmt"
	"io"
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
)

// FakeLinkedIn is an in-process fake of the LinkedIn REST endpoints the
// LinkedIn connector uses: Images initializeUpload and the upload itself,
// Posts (create, find by author), socialActions (summary, comments), the
// OAuth refresh, and the sign-in: GET /oauth/v2/authorization, the
// authorization_code grant and GET /v2/userinfo (OpenID Connect). It checks the versioned headers: a Linkedin-Version not in
// Versions answers 426 as LinkedIn does for a sunset version, a missing
// X-Restli-Protocol-Version 400. Commentary with an unescaped reserved
// character is refused (400), a commentary already posted answers 422
// "duplicate".
type FakeLinkedIn struct {
	*httptest.Server
	// Versions are the Linkedin-Version values accepted.
	Versions []string
	// ClientID and ClientSecret are accepted by the token endpoint.
	ClientID, ClientSecret string
	// MemberSub and MemberName are the signed-in member's (userinfo).
	MemberSub, MemberName string
	// GrantRefresh makes the code exchange hand out the refresh token too
	// (LinkedIn does for approved partners only).
	GrantRefresh bool

	mu        sync.Mutex
	access    map[string]bool
	refresh   string
	refreshes int
	requests  []FakeLinkedInRequest
	posts     []*FakeLinkedInPost
	images    map[string]*FakeLinkedInImage
	comments  map[string][]FakeLinkedInComment
	fails     []FakeFailure
	after     []FakeFailure
	nextID    int64
	oauth     fakeOAuth
}

// FakeLinkedInRequest is one request the fake received.
type FakeLinkedInRequest struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// FakeLinkedInPost is a post as stored.
type FakeLinkedInPost struct {
	URN, Author, Commentary, Visibility, LifecycleState, FeedDistribution string
	Images                                                                []FakeLinkedInImage
	CreatedAt                                                             time.Time
	Likes                                                                 int64
}

// FakeLinkedInImage is an image: owner, bytes and (once attached) alt text.
type FakeLinkedInImage struct {
	URN, Owner, ContentType, AltText string
	Size                             int
	Uploaded                         bool
}

// FakeLinkedInComment is a comment on a post.
type FakeLinkedInComment struct {
	URN, Actor, Text string
	At               time.Time
}

// NewFakeLinkedIn starts a fake accepting accessToken and refreshToken.
func NewFakeLinkedIn(t testing.TB, accessToken, refreshToken string) *FakeLinkedIn {
	f := &FakeLinkedIn{Versions: []string{"202510", "202601"}, ClientID: "li-client", ClientSecret: "li-secret", access: map[string]bool{accessToken: true},
		refresh: refreshToken, MemberSub: "782bbtaQ", MemberName: "Olena Attaché", GrantRefresh: true, images: map[string]*FakeLinkedInImage{}, comments: map[string][]FakeLinkedInComment{}, nextID: 7200000000000000000}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Fail queues an injected answer given before the request is handled.
func (f *FakeLinkedIn) Fail(fl FakeFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.fails = append(f.fails, fl)
	f.mu.Unlock()
}

// FailAfter queues an injected answer given after the request was handled
// (the post is made, the answer lost).
func (f *FakeLinkedIn) FailAfter(fl FakeFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.after = append(f.after, fl)
	f.mu.Unlock()
}

// ExpireAccess makes every access token issued so far invalid.
func (f *FakeLinkedIn) ExpireAccess() {
	f.mu.Lock()
	f.access = map[string]bool{}
	f.mu.Unlock()
}

// DenyNext makes the next authorize request answer as if the member
// refused: a redirect with error (user_cancelled_authorize when "", as
// LinkedIn answers a cancelled sign-in).
func (f *FakeLinkedIn) DenyNext(errCode string) {
	if errCode == "" {
		errCode = "user_cancelled_authorize"
	}
	f.mu.Lock()
	f.oauth.deny = errCode
	f.mu.Unlock()
}

// Authorizations returns the queries of the authorize requests received.
func (f *FakeLinkedIn) Authorizations() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.oauth.authorizations...)
}

// RefreshToken returns the valid refresh token.
func (f *FakeLinkedIn) RefreshToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refresh
}

// Requests returns a copy of the recorded requests.
func (f *FakeLinkedIn) Requests() []FakeLinkedInRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeLinkedInRequest(nil), f.requests...)
}

// Posts returns copies of the posts, oldest first.
func (f *FakeLinkedIn) Posts() []FakeLinkedInPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeLinkedInPost, len(f.posts))
	for i, p := range f.posts {
		out[i] = *p
	}
	return out
}

// AddComment adds a comment by actor on post urn at time at; it returns
// the comment URN.
func (f *FakeLinkedIn) AddComment(postURN, actor, text string, at time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	urn := fmt.Sprintf("urn:li:comment:(%s,%d)", postURN, f.nextID)
	f.comments[postURN] = append(f.comments[postURN], FakeLinkedInComment{URN: urn, Actor: actor, Text: text, At: at})
	return urn
}

// SetLikes sets a post's like count.
func (f *FakeLinkedIn) SetLikes(urn string, likes int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if p.URN == urn {
			p.Likes = likes
		}
	}
}

func (f *FakeLinkedIn) send(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func (f *FakeLinkedIn) fail(w http.ResponseWriter, code int, codeName, msg string) {
	f.send(w, code, map[string]any{"status": code, "code": codeName, "message": msg})
}

func (f *FakeLinkedIn) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	f.mu.Lock()
	f.requests = append(f.requests, FakeLinkedInRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	inj := fakeXTakeFailure(f.fails, r)
	after := fakeXTakeFailure(f.after, r)
	f.mu.Unlock()
	if inj != nil {
		for k, v := range inj.Header {
			w.Header().Set(k, v)
		}
		f.fail(w, inj.Status, "", inj.Error)
		return
	}
	if after != nil {
		f.handle(&fakeXRecorder{ResponseWriter: w, held: true}, r, body)
		for k, v := range after.Header {
			w.Header().Set(k, v)
		}
		w.Header().Del("X-Restli-Id")
		f.fail(w, after.Status, "", after.Error)
		return
	}
	f.handle(w, r, body)
}

var fakeLinkedInSocial = regexp.MustCompile(`^/rest/socialActions/([^/]+)(/comments)?$`)

func (f *FakeLinkedIn) handle(w http.ResponseWriter, r *http.Request, body []byte) {
	p := r.URL.Path
	if r.Method == "POST" && p == "/oauth/v2/accessToken" {
		f.token(w, r, body)
		return
	}
	if r.Method == "GET" && p == "/oauth/v2/authorization" {
		f.mu.Lock()
		f.oauth.authorize(w, r, f.ClientID, "li", false)
		f.mu.Unlock()
		return
	}
	f.mu.Lock()
	ok := f.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	f.mu.Unlock()
	if !ok {
		f.fail(w, 401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired")
		return
	}
	if r.Method == "GET" && p == "/v2/userinfo" {
		// OpenID Connect userinfo: not a versioned REST call.
		f.send(w, 200, map[string]any{"sub": f.MemberSub, "name": f.MemberName, "given_name": "Olena", "family_name": "Attaché",
			"locale": map[string]string{"country": "UA", "language": "uk"}, "email_verified": true})
		return
	}
	if r.Method == "PUT" && strings.HasPrefix(p, "/upload/") {
		f.mu.Lock()
		defer f.mu.Unlock()
		img, ok := f.images[strings.TrimPrefix(p, "/upload/")]
		if !ok {
			f.fail(w, 404, "", "no such upload")
			return
		}
		img.Uploaded, img.Size, img.ContentType = true, len(body), r.Header.Get("Content-Type")
		w.WriteHeader(201)
		return
	}
	if v := r.Header.Get("Linkedin-Version"); v == "" {
		f.fail(w, 400, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
		return
	} else if !slices.Contains(f.Versions, v) {
		f.fail(w, 426, "NONEXISTENT_VERSION", "Requested version "+v+" is not active")
		return
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		f.fail(w, 400, "", "X-Restli-Protocol-Version 2.0.0 is required")
		return
	}
	switch {
	case r.Method == "POST" && p == "/rest/images" && r.URL.Query().Get("action") == "initializeUpload":
		var in struct {
			Req struct {
				Owner string `json:"owner"`
			} `json:"initializeUploadRequest"`
		}
		if json.Unmarshal(body, &in) != nil || in.Req.Owner == "" {
			f.fail(w, 422, "", "initializeUploadRequest.owner is required")
			return
		}
		f.mu.Lock()
		f.nextID++
		id := "D4E10AQ" + strconv.FormatInt(f.nextID, 10)
		f.images[id] = &FakeLinkedInImage{URN: "urn:li:image:" + id, Owner: in.Req.Owner}
		f.mu.Unlock()
		f.send(w, 200, map[string]any{"value": map[string]any{"uploadUrlExpiresAt": time.Now().Add(time.Hour).UnixMilli(),
			"uploadUrl": "http://" + r.Host + "/upload/" + id, "image": "urn:li:image:" + id}})
	case r.Method == "POST" && p == "/rest/posts":
		f.createPost(w, body)
	case r.Method == "GET" && p == "/rest/posts":
		f.findPosts(w, r)
	case r.Method == "GET" && fakeLinkedInSocial.MatchString(p):
		m := fakeLinkedInSocial.FindStringSubmatch(p)
		f.social(w, m[1], m[2] != "")
	default:
		f.fail(w, 404, "", "Not Found")
	}
}

func (f *FakeLinkedIn) token(w http.ResponseWriter, r *http.Request, body []byte) {
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	defer f.mu.Unlock()
	if form.Get("grant_type") == "authorization_code" && form.Get("client_id") == f.ClientID && form.Get("client_secret") == f.ClientSecret {
		if e := f.oauth.redeem(form.Get("code"), form.Get("client_id"), form.Get("redirect_uri"), "", false); e != "" {
			f.send(w, 400, map[string]string{"error": e, "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired."})
			return
		}
		f.refreshes++
		at := fmt.Sprintf("li-access-%d", f.refreshes)
		f.access[at] = true
		out := map[string]any{"access_token": at, "expires_in": 5184000, "scope": "openid,profile,w_member_social", "token_type": "Bearer", "id_token": "eyJ.fake.jwt"}
		if f.GrantRefresh {
			out["refresh_token"], out["refresh_token_expires_in"] = f.refresh, 31000000
		}
		f.send(w, 200, out)
		return
	}
	if form.Get("grant_type") != "refresh_token" || form.Get("client_id") != f.ClientID || form.Get("client_secret") != f.ClientSecret {
		f.send(w, 401, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	}
	if form.Get("refresh_token") != f.refresh {
		f.send(w, 400, map[string]string{"error": "invalid_request", "error_description": "The provided refresh token is invalid"})
		return
	}
	f.refreshes++
	at := fmt.Sprintf("li-access-%d", f.refreshes)
	f.access[at] = true
	// LinkedIn keeps the refresh token (its lifetime is not extended).
	f.send(w, 200, map[string]any{"access_token": at, "expires_in": 5184000, "refresh_token": f.refresh, "refresh_token_expires_in": 31000000})
}

// fakeLinkedInHashtag is a valid hashtag template.
var fakeLinkedInHashtag = regexp.MustCompile(`\{hashtag\|\\#\|(?:\\.|[^}\\])+\}`)

// unescapedReserved returns the first reserved character of commentary
// that is neither escaped nor part of a hashtag template.
func fakeLinkedInUnescaped(s string) (rune, bool) {
	s = fakeLinkedInHashtag.ReplaceAllString(s, "")
	esc := false
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\':
			esc = true
		case strings.ContainsRune(`|{}@[]()<>#*_~`, r):
			return r, true
		}
	}
	return 0, false
}

func (f *FakeLinkedIn) createPost(w http.ResponseWriter, body []byte) {
	var in struct {
		Author       string `json:"author"`
		Commentary   string `json:"commentary"`
		Visibility   string `json:"visibility"`
		Distribution struct {
			FeedDistribution string `json:"feedDistribution"`
		} `json:"distribution"`
		LifecycleState string `json:"lifecycleState"`
		Content        *struct {
			Media *struct {
				ID      string `json:"id"`
				AltText string `json:"altText"`
			} `json:"media"`
			MultiImage *struct {
				Images []struct {
					ID      string `json:"id"`
					AltText string `json:"altText"`
				} `json:"images"`
			} `json:"multiImage"`
		} `json:"content"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		f.fail(w, 400, "", "Invalid JSON")
		return
	}
	if in.Author == "" || in.Visibility == "" || in.LifecycleState == "" || in.Distribution.FeedDistribution == "" {
		f.fail(w, 422, "", "author, visibility, distribution and lifecycleState are required")
		return
	}
	if r, bad := fakeLinkedInUnescaped(in.Commentary); bad {
		f.fail(w, 400, "", fmt.Sprintf("commentary: unescaped reserved character %q", r))
		return
	}
	if len([]rune(in.Commentary)) > 3000 {
		f.fail(w, 422, "", "commentary is longer than 3000 characters")
		return
	}
	type ref struct{ id, alt string }
	var refs []ref
	if in.Content != nil && in.Content.Media != nil {
		refs = append(refs, ref{in.Content.Media.ID, in.Content.Media.AltText})
	}
	if in.Content != nil && in.Content.MultiImage != nil {
		for _, im := range in.Content.MultiImage.Images {
			refs = append(refs, ref{im.ID, im.AltText})
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.posts {
		if p.Commentary == in.Commentary && p.Author == in.Author {
			f.fail(w, 422, "", "Content is a duplicate of "+p.URN)
			return
		}
	}
	p := &FakeLinkedInPost{Author: in.Author, Commentary: in.Commentary, Visibility: in.Visibility, LifecycleState: in.LifecycleState,
		FeedDistribution: in.Distribution.FeedDistribution, CreatedAt: time.Now().UTC()}
	for _, rf := range refs {
		img, ok := f.images[strings.TrimPrefix(rf.id, "urn:li:image:")]
		if !ok || !img.Uploaded {
			f.fail(w, 422, "", "image "+rf.id+" is not uploaded")
			return
		}
		img.AltText = rf.alt
		p.Images = append(p.Images, *img)
	}
	f.nextID++
	p.URN = "urn:li:share:" + strconv.FormatInt(f.nextID, 10)
	f.posts = append(f.posts, p)
	w.Header().Set("X-Restli-Id", p.URN)
	w.WriteHeader(201)
}

func (f *FakeLinkedIn) findPosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("q") != "author" || q.Get("author") == "" {
		f.fail(w, 400, "", "q=author and author are required")
		return
	}
	count := atoiDefault(q.Get("count"), 10, 100)
	f.mu.Lock()
	defer f.mu.Unlock()
	els := []any{}
	for i := len(f.posts) - 1; i >= 0 && len(els) < count; i-- {
		p := f.posts[i]
		if p.Author != q.Get("author") {
			continue
		}
		els = append(els, map[string]any{"id": p.URN, "author": p.Author, "commentary": p.Commentary, "visibility": p.Visibility,
			"lifecycleState": p.LifecycleState, "createdAt": p.CreatedAt.UnixMilli(), "publishedAt": p.CreatedAt.UnixMilli(), "lastModifiedAt": p.CreatedAt.UnixMilli()})
	}
	f.send(w, 200, map[string]any{"elements": els, "paging": map[string]any{"start": 0, "count": count}})
}

func (f *FakeLinkedIn) social(w http.ResponseWriter, urn string, comments bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var post *FakeLinkedInPost
	for _, p := range f.posts {
		if p.URN == urn {
			post = p
		}
	}
	if post == nil {
		f.fail(w, 404, "", "Not Found: "+urn)
		return
	}
	cs := f.comments[urn]
	if !comments {
		f.send(w, 200, map[string]any{"target": urn, "likesSummary": map[string]any{"totalLikes": post.Likes, "aggregatedTotalLikes": post.Likes, "likedByCurrentUser": false},
			"commentsSummary": map[string]any{"totalFirstLevelComments": len(cs), "aggregatedTotalComments": len(cs)}})
		return
	}
	els := []any{}
	for _, c := range cs {
		els = append(els, map[string]any{"$URN": c.URN, "commentUrn": c.URN, "id": c.URN[strings.LastIndex(c.URN, ",")+1 : len(c.URN)-1], "actor": c.Actor,
			"object": urn, "message": map[string]any{"text": c.Text}, "created": map[string]any{"actor": c.Actor, "time": c.At.UnixMilli()}})
	}
	f.send(w, 200, map[string]any{"elements": els, "paging": map[string]any{"start": 0, "count": 100, "total": len(els)}})
}
