package testutil

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeBluesky is a Bluesky PDS following the XRPC API as the reference
// PDS answers it: createSession/refreshSession with JWT-shaped tokens
// (exp claim), uploadBlob (1,000,000 bytes at most), createRecord for
// app.bsky.feed.post with a client-chosen rkey (a second record under the
// same key answers 500 InternalServerError, as the reference PDS does),
// getRecord, resolveHandle, listNotifications (newest first, cursor
// backwards, reasons filter), getPosts with counts. It records requests
// and injects errors: Expire makes the current access tokens answer
// ExpiredToken, RateLimit answers 429 with ratelimit-* headers, Fail
// queues any answer, LoseNextCreate stores a record but answers 502.
type FakeBluesky struct {
	*httptest.Server
	Handle, DID, Password string
	// ExpiredStatus is the HTTP status of ExpiredToken (400, as the
	// reference PDS answers; some versions answer 401).
	ExpiredStatus int

	mu         sync.Mutex
	requests   []FakeXRPCRequest
	access     map[string]bool // token → still valid
	refresh    map[string]bool
	nextTok    int
	records    []*FakeBskyRecord
	byKey      map[string]*FakeBskyRecord
	blobs      map[string]FakeBskyBlob
	handles    map[string]string
	notifs     []map[string]any
	fails      []FakeFailure
	loseCreate int
	clock      time.Time
}

// FakeXRPCRequest is one request the fake PDS received.
type FakeXRPCRequest struct {
	Method, NSID string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// FakeBskyRecord is a post stored by the fake PDS.
type FakeBskyRecord struct {
	URI, CID, RKey                                 string
	Value                                          map[string]any
	Raw                                            []byte // the record as sent
	LikeCount, RepostCount, ReplyCount, QuoteCount int64
}

// FakeBskyBlob is an uploaded blob.
type FakeBskyBlob struct {
	CID, MimeType string
	Size          int
}

// NewFakeBluesky starts a fake PDS for handle with the app password; it
// stops with t.
func NewFakeBluesky(t testing.TB, handle, password string) *FakeBluesky {
	f := &FakeBluesky{Handle: handle, DID: "did:plc:" + fakeHash(handle)[:24], Password: password, ExpiredStatus: 400,
		access: map[string]bool{}, refresh: map[string]bool{}, byKey: map[string]*FakeBskyRecord{}, blobs: map[string]FakeBskyBlob{},
		handles: map[string]string{}, clock: time.Now().UTC().Add(-time.Hour)}
	f.handles[handle] = f.DID
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func fakeHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToLower(strings.TrimRight(base32Sortable(sum[:]), "="))
}

func base32Sortable(b []byte) string {
	const alpha = "abcdefghijklmnopqrstuvwxyz234567"
	var sb strings.Builder
	var acc, bits uint
	for _, c := range b {
		acc = acc<<8 | uint(c)
		bits += 8
		for bits >= 5 {
			sb.WriteByte(alpha[(acc>>(bits-5))&31])
			bits -= 5
		}
	}
	return sb.String()
}

// AddHandle makes handle resolve to did.
func (f *FakeBluesky) AddHandle(handle, did string) {
	f.mu.Lock()
	f.handles[strings.ToLower(handle)] = did
	f.mu.Unlock()
}

// Fail queues an injected answer (Path is an NSID prefix, "" for any).
func (f *FakeBluesky) Fail(fl FakeFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.fails = append(f.fails, fl)
	f.mu.Unlock()
}

// RateLimit makes the next n requests answer 429 with the PDS's
// ratelimit-* headers, resetting at reset (Unix seconds).
func (f *FakeBluesky) RateLimit(n int, reset time.Time) {
	f.Fail(FakeFailure{Status: http.StatusTooManyRequests, Error: "RateLimitExceeded", Times: n, Header: map[string]string{
		"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": fmt.Sprint(reset.Unix()), "ratelimit-policy": "5000;w=3600",
	}})
}

// Expire makes every access token issued so far expired.
func (f *FakeBluesky) Expire() {
	f.mu.Lock()
	for k := range f.access {
		f.access[k] = false
	}
	f.mu.Unlock()
}

// LoseNextCreate makes the next createRecord store the record but answer
// 502, as when the connection drops after the write.
func (f *FakeBluesky) LoseNextCreate() {
	f.mu.Lock()
	f.loseCreate++
	f.mu.Unlock()
}

// Requests returns a copy of the recorded requests.
func (f *FakeBluesky) Requests() []FakeXRPCRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeXRPCRequest(nil), f.requests...)
}

// Count returns how many requests called nsid.
func (f *FakeBluesky) Count(nsid string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.NSID == nsid {
			n++
		}
	}
	return n
}

// Records returns copies of the posts, oldest first.
func (f *FakeBluesky) Records() []FakeBskyRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeBskyRecord, len(f.records))
	for i, r := range f.records {
		out[i] = *r
	}
	return out
}

// Blob returns an uploaded blob by CID.
func (f *FakeBluesky) Blob(cid string) (FakeBskyBlob, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blobs[cid]
	return b, ok
}

// SetCounts sets a post's counts.
func (f *FakeBluesky) SetCounts(uri string, likes, reposts, replies, quotes int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.records {
		if r.URI == uri {
			r.LikeCount, r.RepostCount, r.ReplyCount, r.QuoteCount = likes, reposts, replies, quotes
		}
	}
}

// AddNotification adds a notification (reason reply, mention, quote,
// like, follow …) from authorHandle with text; for a reply, parentURI is
// the post answered. It returns the notification's uri.
func (f *FakeBluesky) AddNotification(reason, authorHandle, text, parentURI string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(time.Millisecond)
	at := f.clock.Format("2006-01-02T15:04:05.000Z")
	did := "did:plc:" + fakeHash(authorHandle)[:24]
	rkey := fakeTID(f.clock)
	uri := "at://" + did + "/app.bsky.feed.post/" + rkey
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": at, "langs": []string{"en"}}
	if parentURI != "" && reason == "reply" {
		rec["reply"] = map[string]any{"root": map[string]any{"uri": parentURI, "cid": "bafyroot"}, "parent": map[string]any{"uri": parentURI, "cid": "bafyparent"}}
	}
	n := map[string]any{"uri": uri, "cid": "bafy" + fakeHash(uri)[:20], "reason": reason, "record": rec, "isRead": false, "indexedAt": at,
		"author": map[string]any{"did": did, "handle": authorHandle, "displayName": strings.ToUpper(authorHandle[:1]) + strings.Split(authorHandle, ".")[0][1:]}}
	if reason == "quote" && parentURI != "" {
		n["reasonSubject"] = parentURI
	}
	f.notifs = append(f.notifs, n)
	return uri
}

func fakeTID(t time.Time) string {
	const alpha = "234567abcdefghijklmnopqrstuvwxyz"
	n := uint64(t.UnixMicro())<<10 | 7
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = alpha[n&31]
		n >>= 5
	}
	return string(b[:])
}

func (f *FakeBluesky) xerr(w http.ResponseWriter, code int, name, msg string) {
	f.json(w, code, map[string]string{"error": name, "message": msg})
}

func (f *FakeBluesky) json(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *FakeBluesky) token(kind string) string {
	f.nextTok++
	exp := time.Now().Add(2 * time.Hour)
	if kind == "refresh" {
		exp = time.Now().Add(90 * 24 * time.Hour)
	}
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]any{"scope": "com.atproto." + kind, "sub": f.DID, "exp": exp.Unix(), "jti": f.nextTok})
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString([]byte(fmt.Sprint("sig", f.nextTok)))
}

func (f *FakeBluesky) session() map[string]any {
	a, r := f.token("access"), f.token("refresh")
	f.access[a], f.refresh[r] = true, true
	return map[string]any{"accessJwt": a, "refreshJwt": r, "handle": f.Handle, "did": f.DID, "active": true}
}

func (f *FakeBluesky) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 5<<20))
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	f.mu.Lock()
	f.requests = append(f.requests, FakeXRPCRequest{Method: r.Method, NSID: nsid, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	for i := range f.fails {
		fl := &f.fails[i]
		if fl.Times > 0 && (fl.Method == "" || fl.Method == r.Method) && strings.HasPrefix(nsid, fl.Path) {
			fl.Times--
			for k, v := range fl.Header {
				w.Header().Set(k, v)
			}
			f.mu.Unlock()
			f.xerr(w, fl.Status, fl.Error, fl.Error)
			return
		}
	}
	f.mu.Unlock()

	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	// auth checks the access token; ok is false when it answered.
	auth := func() bool {
		f.mu.Lock()
		valid, known := f.access[bearer]
		f.mu.Unlock()
		switch {
		case bearer == "" || r.Header.Get("Authorization") == "":
			f.xerr(w, 401, "AuthenticationRequired", "Authentication Required")
		case !known:
			f.xerr(w, 400, "InvalidToken", "Token could not be verified")
		case !valid:
			f.xerr(w, f.ExpiredStatus, "ExpiredToken", "Token has expired")
		default:
			return true
		}
		return false
	}
	switch {
	case r.Method == "POST" && nsid == "com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		_ = json.Unmarshal(body, &in)
		id := strings.TrimPrefix(strings.ToLower(in.Identifier), "@")
		if in.Identifier == "" || in.Password == "" {
			f.xerr(w, 400, "InvalidRequest", "Input must have the property \"identifier\" and \"password\"")
			return
		}
		if (id != strings.ToLower(f.Handle) && id != f.DID) || in.Password != f.Password {
			f.xerr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		f.mu.Lock()
		s := f.session()
		f.mu.Unlock()
		f.json(w, 200, s)
	case r.Method == "POST" && nsid == "com.atproto.server.refreshSession":
		f.mu.Lock()
		valid, known := f.refresh[bearer]
		if !known || !valid {
			f.mu.Unlock()
			f.xerr(w, 400, "ExpiredToken", "Token has been revoked")
			return
		}
		f.refresh[bearer] = false // rotated
		s := f.session()
		f.mu.Unlock()
		f.json(w, 200, s)
	case r.Method == "POST" && nsid == "com.atproto.repo.uploadBlob":
		if !auth() {
			return
		}
		if len(body) > 1_000_000 {
			f.xerr(w, 400, "BlobTooLarge", "This file is too large. It is "+fmt.Sprint(len(body))+" bytes, but the maximum size is 1000000 bytes.")
			return
		}
		cid := "bafkrei" + fakeHash(string(body))[:40]
		mt := r.Header.Get("Content-Type")
		f.mu.Lock()
		f.blobs[cid] = FakeBskyBlob{CID: cid, MimeType: mt, Size: len(body)}
		f.mu.Unlock()
		f.json(w, 200, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid}, "mimeType": mt, "size": len(body)}})
	case r.Method == "POST" && nsid == "com.atproto.repo.createRecord":
		if !auth() {
			return
		}
		f.createRecord(w, body)
	case r.Method == "GET" && nsid == "com.atproto.repo.getRecord":
		q := r.URL.Query()
		f.mu.Lock()
		rec := f.byKey[q.Get("collection")+"/"+q.Get("rkey")]
		f.mu.Unlock()
		if rec == nil || (q.Get("repo") != f.DID && q.Get("repo") != f.Handle) {
			f.xerr(w, 400, "RecordNotFound", "Could not locate record: at://"+q.Get("repo")+"/"+q.Get("collection")+"/"+q.Get("rkey"))
			return
		}
		f.json(w, 200, map[string]any{"uri": rec.URI, "cid": rec.CID, "value": json.RawMessage(rec.Raw)})
	case r.Method == "GET" && nsid == "com.atproto.identity.resolveHandle":
		f.mu.Lock()
		did := f.handles[strings.ToLower(r.URL.Query().Get("handle"))]
		f.mu.Unlock()
		if did == "" {
			f.xerr(w, 400, "InvalidRequest", "Unable to resolve handle")
			return
		}
		f.json(w, 200, map[string]string{"did": did})
	case r.Method == "GET" && nsid == "app.bsky.notification.listNotifications":
		if !auth() {
			return
		}
		f.listNotifications(w, r.URL.Query())
	case r.Method == "GET" && nsid == "app.bsky.feed.getPosts":
		if !auth() {
			return
		}
		uris := r.URL.Query()["uris"]
		if len(uris) > 25 {
			f.xerr(w, 400, "InvalidRequest", "uris must not have more than 25 elements")
			return
		}
		out := []any{}
		f.mu.Lock()
		for _, u := range uris {
			for _, rec := range f.records {
				if rec.URI == u {
					out = append(out, map[string]any{"uri": rec.URI, "cid": rec.CID, "record": rec.Value, "likeCount": rec.LikeCount,
						"repostCount": rec.RepostCount, "replyCount": rec.ReplyCount, "quoteCount": rec.QuoteCount,
						"author": map[string]any{"did": f.DID, "handle": f.Handle}, "indexedAt": rec.Value["createdAt"]})
				}
			}
		}
		f.mu.Unlock()
		f.json(w, 200, map[string]any{"posts": out})
	default:
		f.xerr(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}

var fakeTIDRe = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

func (f *FakeBluesky) createRecord(w http.ResponseWriter, body []byte) {
	var in struct {
		Repo, Collection, RKey string
		Record                 json.RawMessage
	}
	if err := json.Unmarshal(body, &in); err != nil {
		f.xerr(w, 400, "InvalidRequest", "Request body is not JSON")
		return
	}
	if in.Repo != f.DID && in.Repo != f.Handle {
		f.xerr(w, 400, "InvalidRequest", "Input/repo must be the session's account")
		return
	}
	if in.Collection != "app.bsky.feed.post" {
		f.xerr(w, 400, "InvalidRequest", "Invalid collection")
		return
	}
	if in.RKey != "" && !fakeTIDRe.MatchString(in.RKey) {
		f.xerr(w, 400, "InvalidRequest", "Invalid record key: must be a TID")
		return
	}
	var rec map[string]any
	if err := json.Unmarshal(in.Record, &rec); err != nil {
		f.xerr(w, 400, "InvalidRequest", "Input/record must be an object")
		return
	}
	if msg := f.validatePost(in.Record); msg != "" {
		f.xerr(w, 400, "InvalidRequest", msg)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.RKey == "" {
		in.RKey = fakeTID(time.Now())
	}
	if _, dup := f.byKey[in.Collection+"/"+in.RKey]; dup {
		// The reference PDS fails on the repo's unique constraint.
		f.xerr(w, 500, "InternalServerError", "Internal Server Error")
		return
	}
	uri := "at://" + f.DID + "/" + in.Collection + "/" + in.RKey
	r := &FakeBskyRecord{URI: uri, CID: "bafyrei" + fakeHash(string(in.Record))[:40], RKey: in.RKey, Value: rec, Raw: in.Record}
	f.records = append(f.records, r)
	f.byKey[in.Collection+"/"+in.RKey] = r
	if f.loseCreate > 0 {
		f.loseCreate--
		f.xerr(w, 502, "UpstreamFailure", "Bad Gateway")
		return
	}
	f.json(w, 200, map[string]any{"uri": uri, "cid": r.CID, "validationStatus": "valid"})
}

// validatePost checks an app.bsky.feed.post as the lexicon does.
func (f *FakeBluesky) validatePost(raw json.RawMessage) string {
	var p struct {
		Type      string `json:"$type"`
		Text      string `json:"text"`
		CreatedAt string `json:"createdAt"`
		Langs     []string
		Facets    []struct {
			Index struct {
				ByteStart *int `json:"byteStart"`
				ByteEnd   *int `json:"byteEnd"`
			} `json:"index"`
			Features []map[string]any `json:"features"`
		} `json:"facets"`
		Embed *struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt   *string `json:"alt"`
				Image struct {
					Ref struct {
						Link string `json:"$link"`
					} `json:"ref"`
				} `json:"image"`
			} `json:"images"`
		} `json:"embed"`
		Reply *struct {
			Root, Parent struct{ URI, CID string }
		} `json:"reply"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return "Invalid app.bsky.feed.post record: " + err.Error()
	}
	switch {
	case p.Type != "app.bsky.feed.post":
		return "Invalid $type: must be app.bsky.feed.post"
	case len(p.Text) > 3000:
		return "Record/text must not be longer than 3000 graphemes"
	case utf8.RuneCountInString(p.Text) > 300:
		return "Record/text must not be longer than 300 graphemes"
	case len(p.Langs) > 3:
		return "Record/langs must not have more than 3 elements"
	}
	if _, err := time.Parse(time.RFC3339Nano, p.CreatedAt); err != nil {
		return "Record/createdAt must be a valid datetime"
	}
	for i, fc := range p.Facets {
		s, e := fc.Index.ByteStart, fc.Index.ByteEnd
		if s == nil || e == nil || *s < 0 || *e > len(p.Text) || *s >= *e {
			return fmt.Sprintf("Record/facets/%d/index is out of the text's bytes", i)
		}
		if !utf8.ValidString(p.Text[*s:*e]) {
			return fmt.Sprintf("Record/facets/%d/index does not fall on UTF-8 boundaries", i)
		}
		if len(fc.Features) == 0 {
			return fmt.Sprintf("Record/facets/%d/features must not be empty", i)
		}
	}
	if p.Embed != nil {
		if p.Embed.Type != "app.bsky.embed.images" || len(p.Embed.Images) == 0 || len(p.Embed.Images) > 4 {
			return "Record/embed must be app.bsky.embed.images with 1 to 4 images"
		}
		for i, im := range p.Embed.Images {
			if im.Alt == nil {
				return fmt.Sprintf("Record/embed/images/%d must have the property \"alt\"", i)
			}
			f.mu.Lock()
			_, ok := f.blobs[im.Image.Ref.Link]
			f.mu.Unlock()
			if !ok {
				return fmt.Sprintf("Could not find blob: %s", im.Image.Ref.Link)
			}
		}
	}
	if p.Reply != nil && (p.Reply.Root.URI == "" || p.Reply.Root.CID == "" || p.Reply.Parent.URI == "" || p.Reply.Parent.CID == "") {
		return "Record/reply must have root and parent with uri and cid"
	}
	return ""
}

// listNotifications answers newest first, limit (default 50, max 100),
// cursor (the indexedAt of the last notification of the previous page:
// older ones follow) and reasons.
func (f *FakeBluesky) listNotifications(w http.ResponseWriter, q url.Values) {
	limit := atoiDefault(q.Get("limit"), 50, 100)
	reasons := map[string]bool{}
	for _, r := range q["reasons"] {
		reasons[r] = true
	}
	cursor := q.Get("cursor")
	f.mu.Lock()
	var sel []map[string]any
	for _, n := range f.notifs {
		if len(reasons) > 0 && !reasons[n["reason"].(string)] {
			continue
		}
		if cursor != "" && n["indexedAt"].(string) >= cursor {
			continue
		}
		sel = append(sel, n)
	}
	f.mu.Unlock()
	sort.SliceStable(sel, func(i, j int) bool { return sel[i]["indexedAt"].(string) > sel[j]["indexedAt"].(string) })
	out := map[string]any{"notifications": []any{}}
	if len(sel) > limit {
		sel = sel[:limit]
	}
	if len(sel) > 0 {
		list := make([]any, len(sel))
		for i, n := range sel {
			list[i] = n
		}
		out["notifications"] = list
		out["cursor"] = sel[len(sel)-1]["indexedAt"]
	}
	f.json(w, 200, out)
}
