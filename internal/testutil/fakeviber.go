package testutil

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeViber is Viber's Channels Post API: POST /pa/post and
// /pa/get_account_info with the X-Viber-Auth-Token header. As Viber does,
// it answers HTTP 200 with a status field: 2 for a wrong token, 3 for bad
// data (unknown sender, text over 7,000 characters), 4 for missing data,
// 10 when no webhook is set (WebhookSet false); FailStatus queues other
// statuses (12, too many requests); Hang delays answers.
type FakeViber struct {
	*httptest.Server
	Token      string
	Admins     []string // member ids allowed as from
	WebhookSet bool

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
	Text       string
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

func (f *FakeViber) post(w http.ResponseWriter, body map[string]any) {
	from, _ := body["from"].(string)
	typ, _ := body["type"].(string)
	text, _ := body["text"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case from == "" || typ == "":
		f.status(w, 4, "")
		return
	case !f.WebhookSet:
		f.status(w, 10, "")
		return
	}
	admin := false
	for _, a := range f.Admins {
		admin = admin || a == from
	}
	switch {
	case !admin:
		f.status(w, 3, "badData: the sender is not an admin of the channel")
		return
	case typ != "text":
		f.status(w, 3, "badData: unsupported type")
		return
	case text == "":
		f.status(w, 4, "")
		return
	case utf8.RuneCountInString(text) > 7000:
		f.status(w, 3, "badData: text too long")
		return
	}
	f.nextTok++
	f.posts = append(f.posts, FakeViberPost{Token: f.nextTok, From: from, Type: typ, Text: text})
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
