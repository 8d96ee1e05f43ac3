package testutil

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FakeMeta is a fake of Meta's Graph APIs for the Facebook Page, Instagram
// and Threads connectors: graph.facebook.com-style paths (/v21.0/...) and
// graph.threads.net-style paths (/v1.0/..., /refresh_access_token) on one
// server. It keeps the objects it makes (posts, photos, containers, media,
// threads, comments) in memory, answers Meta's error JSON, and can inject
// errors, container processing delays and usage headers.
//
// It also signs in: Facebook Login (GET /dialog/oauth, the code and
// fb_exchange_token grants on GET /oauth/access_token, GET /me/accounts
// with the pages' tokens, GET /{page-id}?fields=instagram_business_account)
// for AppID, and the Threads authorization window (GET /oauth/authorize,
// POST /oauth/access_token, GET /access_token with th_exchange_token, GET
// /me) for ThreadsAppID. The pages' tokens and the long-lived Threads
// token are Token, so the connectors work with what a sign-in gave.
type FakeMeta struct {
	*httptest.Server
	Token                        string
	PageID, IGUserID, ThreadsUID string
	// ContainerPolls is how many status reads of a new container answer
	// IN_PROGRESS before FINISHED.
	ContainerPolls int
	// ContainerError makes new containers end in ERROR with this message.
	ContainerError string
	// IGQuotaUsed / ThreadsQuotaUsed are the posts of the last 24 hours.
	IGQuotaUsed, ThreadsQuotaUsed int
	// AppUsage, when set, is sent as X-App-Usage on every answer.
	AppUsage string
	// RefreshedToken is what /refresh_access_token hands out.
	RefreshedToken string
	// AppID/AppSecret are the Meta app of Facebook Login; ThreadsAppID and
	// ThreadsAppSecret the Threads app; ThreadsUsername the signed-in
	// Threads user's name.
	AppID, AppSecret, ThreadsAppID, ThreadsAppSecret, ThreadsUsername string

	mu       sync.Mutex
	requests []FakeMetaRequest
	objects  map[string]*FakeMetaObject
	order    []string
	fails    []FakeMetaFailure
	nextID   int64
	oauth    fakeOAuth
	pages    []FakeMetaPage
	// userTokens are the Facebook user tokens handed out ("short" or
	// "long"); thShort the short-lived Threads tokens.
	userTokens map[string]string
	thShort    map[string]bool
	tokens     int
}

// FakeMetaPage is a Facebook Page the signed-in person manages.
type FakeMetaPage struct {
	ID, Name, Token string
	IGUserID        string // the linked Instagram professional account, if any
}

// FakeMetaRequest is one request received (path without the version).
type FakeMetaRequest struct {
	Method, Path string
	Query        url.Values
	Form         url.Values
	Files        map[string][]byte
	Header       http.Header
}

// FakeMetaObject is one Graph object.
type FakeMetaObject struct {
	ID, Kind  string // post, photo, comment, container, media, thread
	Owner     string // page, IG user or Threads user id (or the commenter)
	Text      string // message, caption or text
	Link      string
	ImageURL  string
	Alt       string
	Size      int // an uploaded photo's bytes
	MediaType string
	Parent    string // a comment's or reply's post
	Published bool   // photos: published=false stays off the feed
	Status    string // containers
	polls     int
	errMsg    string
	Container string // the container a media or thread came from
	Attached  []string
	FromID    string
	FromName  string
	Username  string
	Created   time.Time
	// Counts.
	Reactions, Comments, Shares, Likes, Replies, Reposts, Quotes, Views int64
}

// FakeMetaFailure is an injected Graph error for requests whose path
// (without the version) starts with Path, given Times times.
type FakeMetaFailure struct {
	Method, Path string
	Status       int // HTTP status, 400 by default
	Code         int
	Subcode      int
	Type         string
	Message      string
	IsTransient  bool
	Header       map[string]string
	Times        int
}

// NewFakeMeta starts the fake; it stops with t.
func NewFakeMeta(t testing.TB, token string) *FakeMeta {
	f := &FakeMeta{Token: token, PageID: "1001", IGUserID: "17841400000000001", ThreadsUID: "2002", RefreshedToken: token + "-refreshed",
		objects: map[string]*FakeMetaObject{}, nextID: 5000,
		AppID: "meta-app", AppSecret: "meta-secret", ThreadsAppID: "threads-app", ThreadsAppSecret: "threads-secret", ThreadsUsername: "attache",
		userTokens: map[string]string{}, thShort: map[string]bool{}}
	f.pages = []FakeMetaPage{{ID: f.PageID, Name: "Embassy of Ukraine", Token: token, IGUserID: f.IGUserID}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Fail queues an injected error.
func (f *FakeMeta) Fail(fl FakeMetaFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	if fl.Status == 0 {
		fl.Status = http.StatusBadRequest
	}
	f.mu.Lock()
	f.fails = append(f.fails, fl)
	f.mu.Unlock()
}

// Requests returns a copy of the requests received.
func (f *FakeMeta) Requests() []FakeMetaRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeMetaRequest(nil), f.requests...)
}

// Count returns how many requests had method and path.
func (f *FakeMeta) Count(method, path string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// Object returns a copy of an object (nil when none).
func (f *FakeMeta) Object(id string) *FakeMetaObject {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.objects[id]; ok {
		c := *o
		return &c
	}
	return nil
}

// Objects returns copies of the objects of kind, oldest first.
func (f *FakeMeta) Objects(kind string) []FakeMetaObject {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FakeMetaObject
	for _, id := range f.order {
		if o := f.objects[id]; o.Kind == kind {
			out = append(out, *o)
		}
	}
	return out
}

// Update changes an object under the lock (counts, status).
func (f *FakeMeta) Update(id string, fn func(*FakeMetaObject)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.objects[id]; ok {
		fn(o)
	}
}

// Delete removes an object.
func (f *FakeMeta) Delete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, id)
}

// AddComment adds a comment (Facebook, Instagram) or reply (Threads) by
// someone else on parent at time at, and returns its id.
func (f *FakeMeta) AddComment(parent, fromID, fromName, text string, at time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	kind := "comment"
	if p, ok := f.objects[parent]; ok && p.Kind == "thread" {
		kind = "thread"
	}
	o := f.add(&FakeMetaObject{Kind: kind, Owner: fromID, Text: text, Parent: parent, FromID: fromID, FromName: fromName, Username: strings.ToLower(fromName), Published: true, Created: at.UTC()})
	return o.ID
}

// add stores o with a new id (the lock is held).
func (f *FakeMeta) add(o *FakeMetaObject) *FakeMetaObject {
	f.nextID++
	o.ID = strconv.FormatInt(f.nextID, 10)
	if o.Kind == "post" {
		o.ID = f.PageID + "_" + o.ID
	}
	if o.Created.IsZero() {
		o.Created = time.Now().UTC()
	}
	f.objects[o.ID] = o
	f.order = append(f.order, o.ID)
	return o
}

func (f *FakeMeta) send(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *FakeMeta) graphError(w http.ResponseWriter, status, code, subcode int, typ, msg string, transient bool) {
	e := map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEf", "is_transient": transient}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	f.send(w, status, map[string]any{"error": e})
}

func (f *FakeMeta) notFound(w http.ResponseWriter, id string) {
	f.graphError(w, 400, 100, 33, "GraphMethodException",
		fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id), false)
}

func (f *FakeMeta) record(r *http.Request, path string) FakeMetaRequest {
	rec := FakeMetaRequest{Method: r.Method, Path: path, Query: r.URL.Query(), Form: url.Values{}, Files: map[string][]byte{}, Header: r.Header.Clone()}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err == nil {
			for k, v := range r.MultipartForm.Value {
				rec.Form[k] = v
			}
			for k, fhs := range r.MultipartForm.File {
				if fl, err := fhs[0].Open(); err == nil {
					rec.Files[k], _ = io.ReadAll(fl)
					fl.Close()
				}
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err == nil {
			rec.Form = r.PostForm
		}
	}
	return rec
}

func (f *FakeMeta) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	for _, v := range []string{"/v21.0", "/v1.0"} {
		if strings.HasPrefix(path, v+"/") {
			path = strings.TrimPrefix(path, v)
		}
	}
	rec := f.record(r, path)
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	var inj *FakeMetaFailure
	for i := range f.fails {
		fl := &f.fails[i]
		if fl.Times > 0 && strings.HasPrefix(path, fl.Path) && (fl.Method == "" || fl.Method == r.Method) {
			fl.Times--
			c := *fl
			inj = &c
			break
		}
	}
	usage := f.AppUsage
	f.mu.Unlock()
	if usage != "" {
		w.Header().Set("X-App-Usage", usage)
	}
	if inj != nil {
		for k, v := range inj.Header {
			w.Header().Set(k, v)
		}
		typ := inj.Type
		if typ == "" {
			typ = "OAuthException"
		}
		f.graphError(w, inj.Status, inj.Code, inj.Subcode, typ, inj.Message, inj.IsTransient)
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		tok = rec.Query.Get("access_token")
	}
	if f.signIn(w, r, path, tok, rec) {
		return
	}
	if tok != f.Token {
		f.graphError(w, 400, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token", false)
		return
	}
	if path == "/refresh_access_token" {
		if rec.Query.Get("grant_type") != "th_refresh_token" {
			f.graphError(w, 400, 100, 0, "OAuthException", "Invalid grant_type", false)
			return
		}
		f.send(w, 200, map[string]any{"access_token": f.RefreshedToken, "token_type": "bearer", "expires_in": 5184000})
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case len(parts) == 1 && r.Method == "GET":
		f.getObject(w, parts[0])
	case len(parts) == 2:
		f.edge(w, r.Method, parts[0], parts[1], rec)
	default:
		f.graphError(w, 400, 100, 0, "GraphMethodException", "Unknown path components: "+path, false)
	}
}

func (f *FakeMeta) objectJSON(o *FakeMetaObject) map[string]any {
	ts := o.Created.Format("2006-01-02T15:04:05-0700")
	m := map[string]any{"id": o.ID}
	switch o.Kind {
	case "post", "photo":
		m["message"] = o.Text
		m["created_time"] = ts
		m["permalink_url"] = "https://www.facebook.com/" + o.ID
		m["reactions"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": o.Reactions}}
		m["comments"] = map[string]any{"data": []any{}, "summary": map[string]any{"total_count": o.Comments}}
		if o.Shares > 0 {
			m["shares"] = map[string]any{"count": o.Shares}
		}
	case "comment":
		m["message"] = o.Text
		m["text"] = o.Text
		m["created_time"] = ts
		m["timestamp"] = ts
		m["username"] = o.Username
		m["from"] = map[string]any{"id": o.FromID, "name": o.FromName, "username": o.Username}
		m["permalink_url"] = "https://www.facebook.com/" + o.ID
	case "container":
		if o.Owner == f.ThreadsUID {
			m["status"] = o.Status
			if o.errMsg != "" {
				m["error_message"] = o.errMsg
			}
		} else {
			m["status_code"] = o.Status
			if o.errMsg != "" {
				m["status"] = "Error: " + o.errMsg
			}
		}
	case "media":
		m["caption"] = o.Text
		m["permalink"] = "https://www.instagram.com/p/" + o.ID + "/"
		m["timestamp"] = ts
		m["like_count"] = o.Likes
		m["comments_count"] = o.Comments
		m["media_type"] = "IMAGE"
	case "thread":
		m["text"] = o.Text
		m["permalink"] = "https://www.threads.net/@attache/post/" + o.ID
		m["timestamp"] = ts
		m["username"] = o.Username
		m["is_reply_owned_by_me"] = o.Owner == f.ThreadsUID
		if o.Parent != "" {
			m["replied_to"] = map[string]any{"id": o.Parent}
		}
	}
	return m
}

func (f *FakeMeta) getObject(w http.ResponseWriter, id string) {
	switch id {
	case f.PageID:
		f.send(w, 200, map[string]any{"id": id, "name": "Embassy of Ukraine"})
		return
	case "me":
		f.send(w, 200, map[string]any{"id": f.ThreadsUID, "username": f.ThreadsUsername, "name": "Attaché"})
		return
	case f.IGUserID, f.ThreadsUID:
		f.send(w, 200, map[string]any{"id": id, "username": "attache", "name": "Attaché"})
		return
	}
	o, ok := f.objects[id]
	if !ok {
		f.notFound(w, id)
		return
	}
	if o.Kind == "container" && o.Status == "IN_PROGRESS" {
		if o.polls > 0 {
			o.polls--
		} else if o.errMsg != "" {
			o.Status = "ERROR"
		} else {
			o.Status = "FINISHED"
		}
	}
	f.send(w, 200, f.objectJSON(o))
}

func (f *FakeMeta) list(w http.ResponseWriter, match func(*FakeMetaObject) bool, newestFirst bool, limit int) {
	out := []any{}
	ids := f.order
	for i := range ids {
		j := i
		if newestFirst {
			j = len(ids) - 1 - i
		}
		o, ok := f.objects[ids[j]]
		if ok && match(o) {
			out = append(out, f.objectJSON(o))
		}
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	f.send(w, 200, map[string]any{"data": out, "paging": map[string]any{"cursors": map[string]any{"before": "b", "after": "a"}}})
}

func (f *FakeMeta) edge(w http.ResponseWriter, method, id, edge string, rec FakeMetaRequest) {
	limit, _ := strconv.Atoi(rec.Query.Get("limit"))
	switch {
	// Facebook Page.
	case id == f.PageID && edge == "feed" && method == "POST":
		text, link := rec.Form.Get("message"), rec.Form.Get("link")
		var attached []string
		for i := 0; ; i++ {
			v := rec.Form.Get(fmt.Sprintf("attached_media[%d]", i))
			if v == "" {
				break
			}
			var a struct {
				ID string `json:"media_fbid"`
			}
			if json.Unmarshal([]byte(v), &a) != nil || f.objects[a.ID] == nil {
				f.graphError(w, 400, 100, 0, "OAuthException", "Invalid parameter: attached_media", false)
				return
			}
			attached = append(attached, a.ID)
		}
		if strings.TrimSpace(text) == "" && link == "" && len(attached) == 0 {
			f.graphError(w, 400, 100, 0, "OAuthException", "(#100) Missing message or attachment", false)
			return
		}
		o := f.add(&FakeMetaObject{Kind: "post", Owner: f.PageID, Text: text, Link: link, Attached: attached, Published: true, FromID: f.PageID})
		f.send(w, 200, map[string]any{"id": o.ID})
	case id == f.PageID && edge == "photos" && method == "POST":
		src, hasFile := rec.Files["source"]
		if !hasFile && rec.Form.Get("url") == "" {
			f.graphError(w, 400, 324, 0, "OAuthException", "(#324) Requires upload file", false)
			return
		}
		caption := rec.Form.Get("caption")
		if caption == "" {
			caption = rec.Form.Get("message")
		}
		published := rec.Form.Get("published") != "false"
		ph := f.add(&FakeMetaObject{Kind: "photo", Owner: f.PageID, Text: caption, Alt: rec.Form.Get("alt_text_custom"), ImageURL: rec.Form.Get("url"),
			Published: published, FromID: f.PageID, Size: len(src)})
		res := map[string]any{"id": ph.ID}
		if published {
			p := f.add(&FakeMetaObject{Kind: "post", Owner: f.PageID, Text: caption, Attached: []string{ph.ID}, Published: true, FromID: f.PageID})
			res["post_id"] = p.ID
		}
		f.send(w, 200, res)
	case id == f.PageID && edge == "posts" && method == "GET":
		f.list(w, func(o *FakeMetaObject) bool { return o.Kind == "post" && o.Owner == f.PageID }, true, limit)
	case edge == "comments" && method == "GET":
		p, ok := f.objects[id]
		if !ok {
			f.notFound(w, id)
			return
		}
		since, _ := strconv.ParseInt(rec.Query.Get("since"), 10, 64)
		f.list(w, func(o *FakeMetaObject) bool {
			return o.Kind == "comment" && o.Parent == p.ID && (since == 0 || o.Created.Unix() >= since)
		}, rec.Query.Get("order") == "reverse_chronological", limit)
	case edge == "comments" && method == "POST":
		if _, ok := f.objects[id]; !ok {
			f.notFound(w, id)
			return
		}
		o := f.add(&FakeMetaObject{Kind: "comment", Owner: f.PageID, Text: rec.Form.Get("message"), Parent: id, FromID: f.PageID, FromName: "Page", Published: true})
		f.send(w, 200, map[string]any{"id": o.ID})

	// Instagram and Threads containers.
	case (id == f.IGUserID && edge == "media" || id == f.ThreadsUID && edge == "threads") && method == "POST":
		o := &FakeMetaObject{Kind: "container", Owner: id, Text: rec.Form.Get("caption"), ImageURL: rec.Form.Get("image_url"), Alt: rec.Form.Get("alt_text"),
			MediaType: rec.Form.Get("media_type"), Parent: rec.Form.Get("reply_to_id"), Status: "IN_PROGRESS", polls: f.ContainerPolls, errMsg: f.ContainerError}
		if id == f.ThreadsUID {
			o.Text = rec.Form.Get("text")
			if o.MediaType == "IMAGE" && o.ImageURL == "" || o.MediaType != "IMAGE" && o.MediaType != "TEXT" {
				f.graphError(w, 400, 100, 0, "THApiException", "Invalid parameter: media_type/image_url", false)
				return
			}
		} else if o.ImageURL == "" {
			f.graphError(w, 400, 100, 0, "OAuthException", "(#100) The parameter image_url is required.", false)
			return
		}
		f.add(o)
		f.send(w, 200, map[string]any{"id": o.ID})
	case (id == f.IGUserID && edge == "media_publish" || id == f.ThreadsUID && edge == "threads_publish") && method == "POST":
		c, ok := f.objects[rec.Form.Get("creation_id")]
		if !ok || c.Kind != "container" {
			f.graphError(w, 400, 100, 0, "OAuthException", "(#100) Invalid creation_id", false)
			return
		}
		switch c.Status {
		case "FINISHED":
		case "PUBLISHED":
			f.graphError(w, 400, 9, 2207008, "OAuthException", "The media has already been published", false)
			return
		default:
			f.graphError(w, 400, 9007, 2207027, "OAuthException", "Media ID is not available: the media is not ready for publishing", false)
			return
		}
		c.Status = "PUBLISHED"
		kind := "media"
		if id == f.ThreadsUID {
			kind = "thread"
			f.ThreadsQuotaUsed++
		} else {
			f.IGQuotaUsed++
		}
		o := f.add(&FakeMetaObject{Kind: kind, Owner: id, Text: c.Text, ImageURL: c.ImageURL, Alt: c.Alt, MediaType: c.MediaType, Parent: c.Parent,
			Container: c.ID, Published: true, Username: "attache"})
		f.send(w, 200, map[string]any{"id": o.ID})
	case id == f.IGUserID && edge == "media" && method == "GET":
		f.list(w, func(o *FakeMetaObject) bool { return o.Kind == "media" && o.Owner == id }, true, limit)
	case id == f.ThreadsUID && edge == "threads" && method == "GET":
		f.list(w, func(o *FakeMetaObject) bool { return o.Kind == "thread" && o.Owner == id && o.Parent == "" }, true, limit)
	case id == f.IGUserID && edge == "content_publishing_limit" && method == "GET":
		f.send(w, 200, map[string]any{"data": []any{map[string]any{"quota_usage": f.IGQuotaUsed, "config": map[string]any{"quota_total": 50, "quota_duration": 86400}}}})
	case id == f.ThreadsUID && edge == "threads_publishing_limit" && method == "GET":
		f.send(w, 200, map[string]any{"data": []any{map[string]any{"quota_usage": f.ThreadsQuotaUsed, "config": map[string]any{"quota_total": 250, "quota_duration": 86400},
			"reply_quota_usage": 0, "reply_config": map[string]any{"quota_total": 1000, "quota_duration": 86400}}}})
	case edge == "replies" && method == "GET":
		if _, ok := f.objects[id]; !ok {
			f.notFound(w, id)
			return
		}
		f.list(w, func(o *FakeMetaObject) bool { return o.Kind == "thread" && o.Parent == id }, false, limit)
	case edge == "insights" && method == "GET":
		o, ok := f.objects[id]
		if !ok {
			f.notFound(w, id)
			return
		}
		vals := map[string]int64{"likes": o.Likes, "replies": o.Replies, "reposts": o.Reposts, "quotes": o.Quotes, "views": o.Views}
		data := []any{}
		for _, name := range strings.Split(rec.Query.Get("metric"), ",") {
			v, ok := vals[name]
			if !ok {
				f.graphError(w, 400, 100, 0, "THApiException", "Invalid metric "+name, false)
				return
			}
			data = append(data, map[string]any{"name": name, "period": "lifetime", "values": []any{map[string]any{"value": v}}, "id": id + "/insights/" + name + "/lifetime"})
		}
		f.send(w, 200, map[string]any{"data": data})
	default:
		f.graphError(w, 400, 100, 0, "GraphMethodException", "Unsupported "+method+" request on /"+id+"/"+edge, false)
	}
}

// SetPages replaces the pages the signed-in person manages.
func (f *FakeMeta) SetPages(pages ...FakeMetaPage) {
	f.mu.Lock()
	f.pages = append([]FakeMetaPage(nil), pages...)
	f.mu.Unlock()
}

// DenyNext makes the next authorize request (Facebook or Threads) answer
// as if the person refused: a redirect with error (access_denied when "").
func (f *FakeMeta) DenyNext(errCode string) {
	if errCode == "" {
		errCode = "access_denied"
	}
	f.mu.Lock()
	f.oauth.deny = errCode
	f.mu.Unlock()
}

// Authorizations returns the queries of the authorize requests received.
func (f *FakeMeta) Authorizations() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.oauth.authorizations...)
}

func (f *FakeMeta) newToken(kind string) string {
	f.tokens++
	return fmt.Sprintf("%s-%d", kind, f.tokens)
}

// signIn answers the sign-in endpoints; it reports false for other
// requests.
func (f *FakeMeta) signIn(w http.ResponseWriter, r *http.Request, path, tok string, rec FakeMetaRequest) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := rec.Query
	switch {
	case r.Method == "GET" && path == "/dialog/oauth":
		f.oauth.authorize(w, r, f.AppID, "fb", false)
	case r.Method == "GET" && path == "/oauth/authorize":
		f.oauth.authorize(w, r, f.ThreadsAppID, "th", false)
	case r.Method == "GET" && path == "/oauth/access_token" && q.Get("grant_type") == "fb_exchange_token":
		if q.Get("client_id") != f.AppID || q.Get("client_secret") != f.AppSecret {
			f.graphError(w, 400, 1, 0, "OAuthException", "Error validating client secret.", false)
			return true
		}
		if f.userTokens[q.Get("fb_exchange_token")] == "" {
			f.graphError(w, 400, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token", false)
			return true
		}
		long := f.newToken("meta-user-long")
		f.userTokens[long] = "long"
		f.send(w, 200, map[string]any{"access_token": long, "token_type": "bearer", "expires_in": 5183944})
	case r.Method == "GET" && path == "/oauth/access_token":
		if q.Get("client_id") != f.AppID || q.Get("client_secret") != f.AppSecret {
			f.graphError(w, 400, 1, 0, "OAuthException", "Error validating client secret.", false)
			return true
		}
		if e := f.oauth.redeem(q.Get("code"), q.Get("client_id"), q.Get("redirect_uri"), "", false); e != "" {
			f.graphError(w, 400, 100, 36009, "OAuthException", "This authorization code has been used.", false)
			return true
		}
		short := f.newToken("meta-user-short")
		f.userTokens[short] = "short"
		f.send(w, 200, map[string]any{"access_token": short, "token_type": "bearer", "expires_in": 5400})
	case r.Method == "POST" && path == "/oauth/access_token":
		form := rec.Form
		if form.Get("client_id") != f.ThreadsAppID || form.Get("client_secret") != f.ThreadsAppSecret || form.Get("grant_type") != "authorization_code" {
			f.graphError(w, 400, 1, 0, "OAuthException", "Error validating client secret.", false)
			return true
		}
		if e := f.oauth.redeem(form.Get("code"), form.Get("client_id"), form.Get("redirect_uri"), "", false); e != "" {
			f.graphError(w, 400, 100, 0, "OAuthException", "Invalid authorization code", false)
			return true
		}
		short := f.newToken("th-short")
		f.thShort[short] = true
		uid, _ := strconv.ParseInt(f.ThreadsUID, 10, 64)
		f.send(w, 200, map[string]any{"access_token": short, "user_id": uid})
	case r.Method == "GET" && path == "/access_token" && q.Get("grant_type") == "th_exchange_token":
		if q.Get("client_secret") != f.ThreadsAppSecret {
			f.graphError(w, 400, 1, 0, "OAuthException", "Error validating client secret.", false)
			return true
		}
		if !f.thShort[q.Get("access_token")] {
			f.graphError(w, 400, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token", false)
			return true
		}
		delete(f.thShort, q.Get("access_token"))
		f.send(w, 200, map[string]any{"access_token": f.Token, "token_type": "bearer", "expires_in": 5183944})
	case r.Method == "GET" && path == "/me/accounts" && f.userTokens[tok] != "":
		data := []any{}
		for _, p := range f.pages {
			category := []any{map[string]string{"id": "2235", "name": "Government organization"}}
			tasks := []string{"ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"}
			data = append(data, map[string]any{"access_token": p.Token, "category": "Government organization", "category_list": category, "name": p.Name, "id": p.ID, "tasks": tasks})
		}
		f.send(w, 200, map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]any{"before": "b", "after": "a"}}})
	case r.Method == "GET" && f.userTokens[tok] != "" && strings.Contains(q.Get("fields"), "instagram_business_account"):
		id := strings.Trim(path, "/")
		for _, p := range f.pages {
			if p.ID == id {
				out := map[string]any{"id": p.ID}
				if p.IGUserID != "" {
					out["instagram_business_account"] = map[string]any{"id": p.IGUserID}
				}
				f.send(w, 200, out)
				return true
			}
		}
		f.notFound(w, id)
	default:
		return false
	}
	return true
}
