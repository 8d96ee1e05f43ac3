package testutil

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FakeMastodon is a Mastodon server following the documented REST API
// (docs.joinmastodon.org/methods): statuses with Idempotency-Key, media
// upload with descriptions (alt text) and asynchronous processing,
// notifications with since_id/min_id/max_id and Link pagination, the
// account's statuses, instance configuration. It records every request and
// injects errors: a bad token gets 401, Fail queues 429/5xx answers, Delay
// slows every answer.
type FakeMastodon struct {
	*httptest.Server
	Token    string // the valid bearer token
	MaxChars int    // the instance's character limit (500)
	// MediaProcessingPolls is how many GET /api/v1/media/:id answer 206
	// before a media upload is processed; when > 0, POST /api/v2/media
	// answers 202 with a null url, as for large files.
	MediaProcessingPolls int

	mu       sync.Mutex
	delay    time.Duration
	requests []FakeRequest
	statuses []*FakeStatus
	byKey    map[string]*FakeStatus
	media    map[string]*FakeMediaAttachment
	polls    map[string]int
	notifs   []fakeNotification
	fails    []FakeFailure
	nextID   int64
}

// FakeRequest is one request the fake server received.
type FakeRequest struct {
	Method, Path   string
	Query          url.Values
	Header         http.Header
	Form           url.Values        // form, multipart or JSON fields (JSON arrays flattened to name[])
	Files          map[string][]byte // multipart files by field name
	IdempotencyKey string
}

// FakeStatus is a status as stored by the fake server.
type FakeStatus struct {
	ID, Text, Language, Visibility, InReplyTo, IdempotencyKey string
	MediaIDs                                                  []string
	CreatedAt                                                 time.Time
	Replies, Reblogs, Favourites                              int64
}

// FakeMediaAttachment is an uploaded media file.
type FakeMediaAttachment struct {
	ID, Description, FileName, ContentType string
	Size                                   int
}

type fakeNotification struct {
	ID     int64
	Type   string
	Acct   string
	Status map[string]any
	At     time.Time
}

// FakeFailure is an injected answer for requests whose path starts with
// Path ("" for any), given Times times.
type FakeFailure struct {
	Method, Path string
	Status       int
	Header       map[string]string
	Error        string
	Times        int
}

// NewFakeMastodon starts a fake server accepting token; it stops with t.
func NewFakeMastodon(t testing.TB, token string) *FakeMastodon {
	f := &FakeMastodon{Token: token, MaxChars: 500, byKey: map[string]*FakeStatus{}, media: map[string]*FakeMediaAttachment{}, polls: map[string]int{}, nextID: 110000000000000000}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Fail queues an injected answer.
func (f *FakeMastodon) Fail(fl FakeFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.fails = append(f.fails, fl)
	f.mu.Unlock()
}

// RateLimit makes the next n requests answer 429 with Mastodon's
// X-RateLimit-* headers resetting at reset (RFC 3339, as Mastodon sends).
func (f *FakeMastodon) RateLimit(n int, reset time.Time) {
	f.Fail(FakeFailure{Status: http.StatusTooManyRequests, Error: "Too many requests", Times: n, Header: map[string]string{
		"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.UTC().Format("2006-01-02T15:04:05.000Z"),
	}})
}

// SetDelay slows every answer by d (for timeouts).
func (f *FakeMastodon) SetDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

// Requests returns a copy of the recorded requests.
func (f *FakeMastodon) Requests() []FakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeRequest(nil), f.requests...)
}

// Statuses returns copies of the statuses made, oldest first.
func (f *FakeMastodon) Statuses() []FakeStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeStatus, len(f.statuses))
	for i, s := range f.statuses {
		out[i] = *s
	}
	return out
}

// Media returns an uploaded media attachment (nil when none).
func (f *FakeMastodon) Media(id string) *FakeMediaAttachment {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.media[id]; ok {
		c := *m
		return &c
	}
	return nil
}

// SetCounts sets a status's public counts.
func (f *FakeMastodon) SetCounts(id string, replies, reblogs, favourites int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.statuses {
		if s.ID == id {
			s.Replies, s.Reblogs, s.Favourites = replies, reblogs, favourites
		}
	}
}

// AddMention adds a mention notification from acct with HTML content,
// replying to inReplyTo (may be ""), and returns the notification id.
func (f *FakeMastodon) AddMention(acct, contentHTML, inReplyTo string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	sid := strconv.FormatInt(f.nextID, 10)
	f.nextID++
	now := time.Now().UTC()
	var irt any
	if inReplyTo != "" {
		irt = inReplyTo
	}
	st := map[string]any{
		"id": sid, "created_at": now.Format(time.RFC3339Nano), "in_reply_to_id": irt, "content": contentHTML, "language": "en",
		"url": "https://remote.example/@" + strings.Split(acct, "@")[0] + "/" + sid, "visibility": "public",
		"account": map[string]any{"id": "9" + sid[len(sid)-4:], "username": strings.Split(acct, "@")[0], "acct": acct, "display_name": strings.ToUpper(acct[:1]) + acct[1:]},
	}
	f.notifs = append(f.notifs, fakeNotification{ID: f.nextID, Type: "mention", Acct: acct, Status: st, At: now})
	return strconv.FormatInt(f.nextID, 10)
}

// AddNotification adds a notification of another type (favourite, follow).
func (f *FakeMastodon) AddNotification(typ, acct string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.notifs = append(f.notifs, fakeNotification{ID: f.nextID, Type: typ, Acct: acct, At: time.Now().UTC()})
}

func (f *FakeMastodon) send(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *FakeMastodon) fail(w http.ResponseWriter, code int, msg string) {
	f.send(w, code, map[string]string{"error": msg})
}

func (f *FakeMastodon) record(r *http.Request) FakeRequest {
	rec := FakeRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Form: url.Values{}, Files: map[string][]byte{},
		IdempotencyKey: r.Header.Get("Idempotency-Key")}
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
					rec.Form.Set("_filename_"+k, fhs[0].Filename)
					rec.Form.Set("_type_"+k, fhs[0].Header.Get("Content-Type"))
				}
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err == nil {
			rec.Form = r.PostForm
		}
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err == nil {
			for k, v := range m {
				switch x := v.(type) {
				case []any:
					for _, e := range x {
						rec.Form.Add(k+"[]", fmt.Sprint(e))
					}
				case nil:
				default:
					rec.Form.Set(k, fmt.Sprint(x))
				}
			}
		}
	}
	return rec
}

func (f *FakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	rec := f.record(r)
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	delay := f.delay
	var inj *FakeFailure
	for i := range f.fails {
		fl := &f.fails[i]
		if fl.Times > 0 && strings.HasPrefix(r.URL.Path, fl.Path) && (fl.Method == "" || fl.Method == r.Method) {
			fl.Times--
			c := *fl
			inj = &c
			break
		}
	}
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if inj != nil {
		for k, v := range inj.Header {
			w.Header().Set(k, v)
		}
		f.fail(w, inj.Status, inj.Error)
		return
	}
	if r.URL.Path == "/api/v2/instance" || r.URL.Path == "/api/v1/instance" {
		f.send(w, 200, map[string]any{"domain": "fake.test", "uri": "fake.test", "title": "Fake Mastodon", "version": "4.3.0",
			"configuration": map[string]any{"statuses": map[string]any{"max_characters": f.MaxChars, "max_media_attachments": 4},
				"media_attachments": map[string]any{"image_size_limit": 16777216, "description_limit": 1500}}})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.Token {
		f.fail(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	w.Header().Set("X-RateLimit-Limit", "300")
	w.Header().Set("X-RateLimit-Remaining", "299")
	w.Header().Set("X-RateLimit-Reset", time.Now().UTC().Add(5*time.Minute).Truncate(5*time.Minute).Format("2006-01-02T15:04:05.000Z"))
	p := r.URL.Path
	switch {
	case r.Method == "POST" && p == "/api/v1/statuses":
		f.postStatus(w, rec)
	case r.Method == "GET" && strings.HasPrefix(p, "/api/v1/statuses/"):
		id := strings.TrimPrefix(p, "/api/v1/statuses/")
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.statuses {
			if s.ID == id {
				f.send(w, 200, f.statusJSON(s))
				return
			}
		}
		f.fail(w, 404, "Record not found")
	case r.Method == "POST" && (p == "/api/v2/media" || p == "/api/v1/media"):
		f.postMedia(w, rec, p == "/api/v2/media")
	case r.Method == "GET" && strings.HasPrefix(p, "/api/v1/media/"):
		id := strings.TrimPrefix(p, "/api/v1/media/")
		f.mu.Lock()
		defer f.mu.Unlock()
		m, ok := f.media[id]
		if !ok {
			f.fail(w, 404, "Record not found")
			return
		}
		if f.polls[id] > 0 {
			f.polls[id]--
			f.send(w, http.StatusPartialContent, f.mediaJSON(m, false))
			return
		}
		f.send(w, 200, f.mediaJSON(m, true))
	case r.Method == "GET" && p == "/api/v1/accounts/verify_credentials":
		f.send(w, 200, fakeMastodonAccount())
	case r.Method == "GET" && p == "/api/v1/accounts/1/statuses":
		f.mu.Lock()
		defer f.mu.Unlock()
		limit := atoiDefault(rec.Query.Get("limit"), 20, 40)
		out := []any{}
		for i := len(f.statuses) - 1; i >= 0 && len(out) < limit; i-- {
			out = append(out, f.statusJSON(f.statuses[i]))
		}
		f.send(w, 200, out)
	case r.Method == "GET" && p == "/api/v1/notifications":
		f.notifications(w, r, rec)
	default:
		f.fail(w, 404, "Record not found")
	}
}

func atoiDefault(s string, def, max int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return def
	}
	return min(n, max)
}

func fakeMastodonAccount() map[string]any {
	return map[string]any{"id": "1", "username": "mfa", "acct": "mfa", "display_name": "MFA", "url": "https://fake.test/@mfa"}
}

func (f *FakeMastodon) statusJSON(s *FakeStatus) map[string]any {
	var irt any
	if s.InReplyTo != "" {
		irt = s.InReplyTo
	}
	content := "<p>" + strings.ReplaceAll(html.EscapeString(s.Text), "\n", "<br />") + "</p>"
	atts := []any{}
	for _, id := range s.MediaIDs {
		if m, ok := f.media[id]; ok {
			atts = append(atts, f.mediaJSON(m, true))
		}
	}
	return map[string]any{"id": s.ID, "uri": "https://fake.test/users/mfa/statuses/" + s.ID, "url": "https://fake.test/@mfa/" + s.ID,
		"created_at": s.CreatedAt.Format("2006-01-02T15:04:05.000Z"), "content": content, "language": s.Language, "visibility": s.Visibility,
		"in_reply_to_id": irt, "replies_count": s.Replies, "reblogs_count": s.Reblogs, "favourites_count": s.Favourites,
		"media_attachments": atts, "account": fakeMastodonAccount()}
}

func (f *FakeMastodon) mediaJSON(m *FakeMediaAttachment, processed bool) map[string]any {
	var u any
	if processed {
		u = "https://fake.test/media/" + m.ID
	}
	return map[string]any{"id": m.ID, "type": "image", "url": u, "preview_url": u, "description": m.Description}
}

func (f *FakeMastodon) postMedia(w http.ResponseWriter, rec FakeRequest, v2 bool) {
	data, ok := rec.Files["file"]
	if !ok {
		f.fail(w, 422, "Validation failed: File can't be blank")
		return
	}
	if d := rec.Form.Get("description"); utf8.RuneCountInString(d) > 1500 {
		f.fail(w, 422, "Validation failed: Description is too long (maximum is 1500 characters)")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	m := &FakeMediaAttachment{ID: strconv.FormatInt(f.nextID, 10), Description: rec.Form.Get("description"), FileName: rec.Form.Get("_filename_file"),
		ContentType: rec.Form.Get("_type_file"), Size: len(data)}
	f.media[m.ID] = m
	if v2 && f.MediaProcessingPolls > 0 {
		f.polls[m.ID] = f.MediaProcessingPolls
		f.send(w, http.StatusAccepted, f.mediaJSON(m, false))
		return
	}
	f.send(w, 200, f.mediaJSON(m, true))
}

func (f *FakeMastodon) postStatus(w http.ResponseWriter, rec FakeRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := rec.IdempotencyKey
	if s, ok := f.byKey[key]; ok && key != "" {
		f.send(w, 200, f.statusJSON(s))
		return
	}
	text := rec.Form.Get("status")
	mediaIDs := rec.Form["media_ids[]"]
	switch {
	case strings.TrimSpace(text) == "" && len(mediaIDs) == 0:
		f.fail(w, 422, "Validation failed: Text can't be blank")
		return
	case utf8.RuneCountInString(text) > f.MaxChars:
		f.fail(w, 422, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", f.MaxChars))
		return
	case len(mediaIDs) > 4:
		f.fail(w, 422, "Validation failed: Media attachments too many")
		return
	}
	for _, id := range mediaIDs {
		if _, ok := f.media[id]; !ok {
			f.fail(w, 422, "Validation failed: Media attachments are invalid")
			return
		}
		if f.polls[id] > 0 {
			f.fail(w, 422, "Cannot attach files that have not finished processing. Try again in a moment!")
			return
		}
	}
	vis := rec.Form.Get("visibility")
	if vis == "" {
		vis = "public"
	}
	f.nextID++
	s := &FakeStatus{ID: strconv.FormatInt(f.nextID, 10), Text: text, Language: rec.Form.Get("language"), Visibility: vis,
		InReplyTo: rec.Form.Get("in_reply_to_id"), IdempotencyKey: key, MediaIDs: mediaIDs, CreatedAt: time.Now().UTC()}
	f.statuses = append(f.statuses, s)
	if key != "" {
		f.byKey[key] = s
	}
	f.send(w, 200, f.statusJSON(s))
}

// notifications follows GET /api/v1/notifications: newest first;
// max_id (older than), since_id (newest newer than), min_id (oldest newer
// than, i.e. the page right after it); limit 40 (max 80); Link header with
// rel="next" (older) and rel="prev" (newer).
func (f *FakeMastodon) notifications(w http.ResponseWriter, r *http.Request, rec FakeRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := rec.Query
	types := q["types[]"]
	idParam := func(name string) (int64, bool) {
		v := q.Get(name)
		if v == "" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	maxID, hasMax := idParam("max_id")
	sinceID, hasSince := idParam("since_id")
	minID, hasMin := idParam("min_id")
	limit := atoiDefault(q.Get("limit"), 40, 80)
	var sel []fakeNotification
	for _, n := range f.notifs {
		if len(types) > 0 && !slices.Contains(types, n.Type) {
			continue
		}
		if (hasMax && n.ID >= maxID) || (hasSince && n.ID <= sinceID) || (hasMin && n.ID <= minID) {
			continue
		}
		sel = append(sel, n)
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i].ID > sel[j].ID }) // newest first
	if len(sel) > limit {
		if hasMin {
			sel = sel[len(sel)-limit:] // the oldest ones right after min_id
		} else {
			sel = sel[:limit]
		}
	}
	out := []any{}
	for _, n := range sel {
		m := map[string]any{"id": strconv.FormatInt(n.ID, 10), "type": n.Type, "created_at": n.At.Format(time.RFC3339Nano),
			"account": map[string]any{"id": "77", "acct": n.Acct, "username": strings.Split(n.Acct, "@")[0]}}
		if n.Status != nil {
			m["status"] = n.Status
		}
		out = append(out, m)
	}
	if len(sel) > 0 {
		base := "http://" + r.Host + "/api/v1/notifications?"
		keep := url.Values{}
		for _, t := range types {
			keep.Add("types[]", t)
		}
		keep.Set("limit", strconv.Itoa(limit))
		next, prev := url.Values{}, url.Values{}
		for k, v := range keep {
			next[k], prev[k] = v, v
		}
		next.Set("max_id", strconv.FormatInt(sel[len(sel)-1].ID, 10))
		prev.Set("min_id", strconv.FormatInt(sel[0].ID, 10))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next", <%s%s>; rel="prev"`, base, next.Encode(), base, prev.Encode()))
	}
	f.send(w, 200, out)
}
