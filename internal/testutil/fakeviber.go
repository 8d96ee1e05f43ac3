package testutil

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeViber is Viber's Channels Post API: POST /pa/post and
// /pa/get_account_info with the X-Viber-Auth-Token header. As Viber does,
// it answers HTTP 200 with a status field: 2 for a wrong token, 3 for bad
// data (unknown sender, text over 7,000 characters, an unsupported type, a
// picture whose media is not an http(s) URL ending in .jpeg, .jpg, .png or
// .gif or whose description is over 768 characters), 4 for missing data
// (no text; a picture without media or without its text field, which may
// be empty), 10 when no webhook is set (WebhookSet false); FailStatus
// queues other statuses (12, too many requests); Hang delays answers.
//
// Pictures: like Viber, the fake downloads the picture from its media URL
// (before answering, with FetchClient) and keeps what it got in the post,
// so that a test can compare the bytes. A failed download is recorded in
// FetchErr; the post is still made (Viber documents no error for it).
type FakeViber struct {
	*httptest.Server
	Token      string
	Admins     []string // member ids allowed as from
	WebhookSet bool
	// FetchClient downloads pictures (default: 10-second timeout).
	FetchClient *http.Client

	mu       sync.Mutex
	posts    []FakeViberPost
	requests []map[string]any
	fails    []int
	hang     time.Duration
	nextTok  int64
}

// FakeViberPost is a post made on the channel.
type FakeViberPost struct {
	Token      int64
	From, Type string
	Text       string // the message, or a picture's description
	// Pictures: the URLs sent, and what the download of Media gave.
	Media, Thumbnail string
	Fetched          []byte
	FetchedType      string
	FetchErr         string
}

// NewFakeViber starts a fake Viber API for token with one super admin
// "admin-id=="; it stops with t.
func NewFakeViber(t testing.TB, token string) *FakeViber {
	f := &FakeViber{Token: token, Admins: []string{"admin-id=="}, WebhookSet: true, nextTok: 5098034272017990000}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// FailStatus makes the next n calls answer status.
func (f *FakeViber) FailStatus(status, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fails = append(f.fails, status)
	}
}

// HangNext makes the next post be made but answered only after d.
func (f *FakeViber) HangNext(d time.Duration) {
	f.mu.Lock()
	f.hang = d
	f.mu.Unlock()
}

// Posts returns the posts made, oldest first.
func (f *FakeViber) Posts() []FakeViberPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeViberPost(nil), f.posts...)
}

// Requests returns the decoded request bodies.
func (f *FakeViber) Requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.requests...)
}

var fakeViberStatus = map[int]string{2: "invalidAuthToken", 3: "badData", 4: "missingData", 10: "webhookNotSet", 12: "tooManyRequests"}

func (f *FakeViber) status(w http.ResponseWriter, code int, msg string) {
	if msg == "" {
		msg = fakeViberStatus[code]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": code, "status_message": msg})
}

func (f *FakeViber) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != "POST" {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var body map[string]any
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&body); err != nil {
		f.status(w, 3, "badData: invalid JSON")
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, body)
	if len(f.fails) > 0 {
		code := f.fails[0]
		f.fails = f.fails[1:]
		f.mu.Unlock()
		f.status(w, code, "")
		return
	}
	f.mu.Unlock()
	if r.Header.Get("X-Viber-Auth-Token") != f.Token {
		f.status(w, 2, "")
		return
	}
	switch r.URL.Path {
	case "/pa/get_account_info":
		members := []any{}
		for _, a := range f.Admins {
			members = append(members, map[string]any{"id": a, "name": "Press office", "role": "superadmin"})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": 0, "status_message": "ok", "id": "pa:1", "name": "MFA of Moldova", "members": members})
	case "/pa/post":
		f.post(w, body)
	default:
		http.NotFound(w, r)
	}
}

// fakeViberPictureExt are the extensions Viber wants at the end of a
// picture's URL.
var fakeViberPictureExt = map[string]bool{".jpeg": true, ".jpg": true, ".png": true, ".gif": true}

// checkPicture validates a picture message's fields: the status and
// message to answer, 0 when it is fine.
func checkPicture(body map[string]any) (int, string) {
	media, _ := body["media"].(string)
	if media == "" {
		return 4, "missingData: media"
	}
	text, ok := body["text"].(string)
	if !ok {
		return 4, "missingData: text"
	}
	u, err := url.Parse(media)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return 3, "badData: media is not a URL"
	}
	if !fakeViberPictureExt[strings.ToLower(path.Ext(u.Path))] {
		return 3, "badData: the media URL must end in .jpeg, .jpg, .png or .gif"
	}
	if th, ok := body["thumbnail"]; ok {
		if s, _ := th.(string); s == "" {
			return 3, "badData: thumbnail"
		}
	}
	if utf8.RuneCountInString(text) > 768 {
		return 3, "badData: text too long"
	}
	return 0, ""
}

// fetch downloads a picture as Viber would (at most 3 MB, its Android limit).
func (f *FakeViber) fetch(p *FakeViberPost) {
	c := f.FetchClient
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Get(p.Media)
	if err != nil {
		p.FetchErr = err.Error()
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 3<<20+1))
	switch {
	case err != nil:
		p.FetchErr = err.Error()
	case resp.StatusCode != http.StatusOK:
		p.FetchErr = resp.Status
	case len(b) > 3<<20:
		p.FetchErr = "over 3 MB"
	default:
		p.Fetched, p.FetchedType = b, resp.Header.Get("Content-Type")
	}
}

func (f *FakeViber) post(w http.ResponseWriter, body map[string]any) {
	from, _ := body["from"].(string)
	typ, _ := body["type"].(string)
	text, _ := body["text"].(string)
	p := FakeViberPost{From: from, Type: typ, Text: text}
	f.mu.Lock()
	switch {
	case from == "" || typ == "":
		f.mu.Unlock()
		f.status(w, 4, "")
		return
	case !f.WebhookSet:
		f.mu.Unlock()
		f.status(w, 10, "")
		return
	}
	admin := false
	for _, a := range f.Admins {
		admin = admin || a == from
	}
	var code int
	var msg string
	switch {
	case !admin:
		code, msg = 3, "badData: the sender is not an admin of the channel"
	case typ == "picture":
		code, msg = checkPicture(body)
		p.Media, _ = body["media"].(string)
		p.Thumbnail, _ = body["thumbnail"].(string)
	case typ != "text":
		code, msg = 3, "badData: unsupported type"
	case text == "":
		code = 4
	case utf8.RuneCountInString(text) > 7000:
		code, msg = 3, "badData: text too long"
	}
	f.mu.Unlock()
	if code != 0 {
		f.status(w, code, msg)
		return
	}
	if p.Media != "" {
		f.fetch(&p) // outside the lock: the server may be slow
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextTok++
	p.Token = f.nextTok
	f.posts = append(f.posts, p)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"status": 0, "status_message": "ok", "message_token": f.nextTok, "chat_hostname": "SN-CHAT-01_"})
	if f.hang > 0 {
		d := f.hang
		f.hang = 0
		f.mu.Unlock()
		time.Sleep(d)
		f.mu.Lock()
	}
}
