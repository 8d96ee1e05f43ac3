package source

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

// fakeMastodon serves the timelines of docs.joinmastodon.org/methods/timelines
// over TLS: GET /api/v1/timelines/tag/:hashtag (case-insensitive) and
// /api/v1/timelines/public (local=true for the server's own accounts),
// newest first, limit 20 by default and at most 40; max_id (older than),
// since_id (the newest above it), min_id (the ones right after it); a
// Link header with rel="next" (older, max_id) and rel="prev" (newer,
// min_id) on a page that is not empty. Status entities as documented
// (docs.joinmastodon.org/entities/Status). Injected failures answer with
// X-RateLimit-Reset or a 500.
type fakeMastodon struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []map[string]any // oldest first
	nextID   int64
	requests []*url.URL
	fails    []int // status codes for the next answers
	failAt   int   // the request number (1-based) that fails, 0 for none
}

func newFakeMastodon(t *testing.T) *fakeMastodon {
	f := &fakeMastodon{nextID: 110000000000000000}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// client is a loopback-allowing guarded client that trusts the fake's
// certificate.
func (f *fakeMastodon) client() *http.Client {
	c := netguard.Client(true, 10*time.Second)
	c.Transport.(*http.Transport).TLSClientConfig = f.Client().Transport.(*http.Transport).TLSClientConfig
	return c
}

// post adds a status by acct ("user" local, "user@domain" remote) with
// HTML content and tags; it returns its id.
func (f *fakeMastodon) post(acct, display, content, lang string, tags ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID += 65536 // snowflake-like: time in the high bits
	id := strconv.FormatInt(f.nextID, 10)
	user, domain, remote := strings.Cut(acct, "@")
	host := "https://" + f.Listener.Addr().String()
	base := host
	if remote {
		base = "https://" + domain
	}
	var tagList []any
	for _, t := range tags {
		tagList = append(tagList, map[string]any{"name": strings.ToLower(t), "url": host + "/tags/" + strings.ToLower(t)})
	}
	f.statuses = append(f.statuses, map[string]any{
		"id": id, "created_at": time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(len(f.statuses)) * time.Second).Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id": nil, "in_reply_to_account_id": nil, "sensitive": false, "spoiler_text": "", "visibility": "public",
		"language": lang, "uri": base + "/users/" + user + "/statuses/" + id, "url": base + "/@" + user + "/" + id,
		"replies_count": 1, "reblogs_count": 2, "favourites_count": 3, "content": content, "reblog": nil,
		"account": map[string]any{"id": strconv.Itoa(len(user) * 1000), "username": user, "acct": acct, "display_name": display,
			"url": base + "/@" + user},
		"media_attachments": []any{}, "mentions": []any{}, "tags": tagList, "emojis": []any{},
		"_local": !remote,
	})
	return id
}

func (f *fakeMastodon) log() []*url.URL {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*url.URL(nil), f.requests...)
}

func (f *fakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL)
	if f.failAt == len(f.requests) {
		http.Error(w, `{"error":"boom"}`, http.StatusInternalServerError)
		return
	}
	if len(f.fails) > 0 {
		code := f.fails[0]
		f.fails = f.fails[1:]
		if code == http.StatusTooManyRequests {
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", time.Now().Add(4*time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		w.WriteHeader(code)
		fmt.Fprint(w, `{"error":"Too many requests"}`)
		return
	}
	q := r.URL.Query()
	var tag string
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/"):
		tag = strings.ToLower(strings.TrimPrefix(r.URL.Path, "/api/v1/timelines/tag/"))
	case r.URL.Path == "/api/v1/timelines/public":
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"Record not found"}`)
		return
	}
	local := q.Get("local") == "true"
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 20
	}
	limit = min(limit, 40)
	cmp := func(a, b string) int { // Mastodon's id order
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	}
	var sel []map[string]any
	for _, s := range f.statuses {
		id := s["id"].(string)
		if local && !s["_local"].(bool) {
			continue
		}
		if tag != "" && !hasTag(s, tag) {
			continue
		}
		if v := q.Get("max_id"); v != "" && cmp(id, v) >= 0 {
			continue
		}
		if v := q.Get("since_id"); v != "" && cmp(id, v) <= 0 {
			continue
		}
		if v := q.Get("min_id"); v != "" && cmp(id, v) <= 0 {
			continue
		}
		sel = append(sel, s)
	}
	sort.Slice(sel, func(i, j int) bool { return cmp(sel[i]["id"].(string), sel[j]["id"].(string)) > 0 }) // newest first
	if len(sel) > limit {
		if q.Get("min_id") != "" {
			sel = sel[len(sel)-limit:] // the oldest right after min_id
		} else {
			sel = sel[:limit]
		}
	}
	out := []map[string]any{}
	for _, s := range sel {
		c := map[string]any{}
		for k, v := range s {
			if k != "_local" {
				c[k] = v
			}
		}
		out = append(out, c)
	}
	if len(sel) > 0 {
		keep := url.Values{"limit": {strconv.Itoa(limit)}}
		if local {
			keep.Set("local", "true")
		}
		next, prev := url.Values{}, url.Values{}
		for k, v := range keep {
			next[k], prev[k] = v, v
		}
		next.Set("max_id", sel[len(sel)-1]["id"].(string))
		prev.Set("min_id", sel[0]["id"].(string))
		base := "https://" + r.Host + r.URL.Path + "?"
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next", <%s%s>; rel="prev"`, base, next.Encode(), base, prev.Encode()))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(out)
}

func hasTag(s map[string]any, tag string) bool {
	tags, _ := s["tags"].([]any)
	for _, t := range tags {
		if t.(map[string]any)["name"] == tag {
			return true
		}
	}
	return false
}

func TestMastodonHashtag(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "a")
		f := newFakeMastodon(t)
		host := f.Listener.Addr().String()
		f.post("olena", "Олена", `<p>Слава <a href="https://`+host+`/tags/ukraine" class="mention hashtag" rel="tag">#<span>Ukraine</span></a> &amp; peace<br>second line</p><p>Київ &lt;3 <a href="https://example.org/a/very/long/path"><span class="invisible">https://</span><span class="ellipsis">example.org/a/very</span><span class="invisible">/long/path</span></a></p>`, "uk", "Ukraine")
		for i := range 49 {
			f.post("taras@mastodon.social", "Taras", fmt.Sprintf("<p>post %d #ukraine</p>", i), "en", "ukraine")
		}
		f.post("anna", "Anna", "<p>untagged</p>", "en")
		r := newRunner(d)
		r.HTTP = f.client()
		src := mustCreate(t, d, org, KindMastodon, MastodonConfig{Instance: "https://" + host, Hashtag: "#Ukraine"})

		// First poll: the newest page only.
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatal(n, err)
		}
		reqs := f.log()
		if len(reqs) != 1 || reqs[0].Path != "/api/v1/timelines/tag/Ukraine" || reqs[0].Query().Get("limit") != "40" || reqs[0].Query().Has("min_id") {
			t.Fatalf("requests %v", reqs)
		}
		ms := mentions(t, d, org, listen.Filter{})
		if len(ms) != 40 {
			t.Fatalf("stored %d", len(ms))
		}
		var st mastodonState
		json.Unmarshal(get(t, d, src).State, &st)
		newest := ms[0].URL[strings.LastIndex(ms[0].URL, "/")+1:]
		if st.MinID != newest {
			t.Fatalf("state %+v, newest %s", st, newest)
		}

		// 95 new statuses: the next poll pages forward through them all.
		var added []string
		for i := range 95 {
			added = append(added, f.post("ivan@mastodon.online", "Ivan", fmt.Sprintf("<p>new %d #Ukraine</p>", i), "uk", "ukraine"))
		}
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		reqs = f.log()[1:]
		if len(reqs) != 3 {
			t.Fatalf("%d requests: %v", len(reqs), reqs)
		}
		if reqs[0].Query().Get("min_id") != st.MinID || reqs[1].Query().Get("min_id") != added[39] || reqs[2].Query().Get("min_id") != added[79] {
			t.Fatalf("paging %v", reqs)
		}
		for _, q := range reqs {
			if q.Query().Get("limit") != "40" {
				t.Fatalf("limit %v", q)
			}
		}
		ms = mentions(t, d, org, listen.Filter{})
		if len(ms) != 135 || get(t, d, src).ItemsTotal != 135 {
			t.Fatalf("stored %d", len(ms))
		}
		json.Unmarshal(get(t, d, src).State, &st)
		if st.MinID != added[94] {
			t.Fatalf("state %+v", st)
		}

		// The first poll did not page into the past: the oldest status
		// (the 51st newest) never came in.
		if got := mentions(t, d, org, listen.Filter{Author: "olena@" + host}); len(got) != 0 {
			t.Fatalf("the oldest status came in: %+v", got)
		}

		// Nothing new: one request, an empty page.
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		if len(f.log()) != 5 || get(t, d, src).Failures != 0 {
			t.Fatalf("idle poll: %v", f.log()[4:])
		}

		// A later page fails: the pages before it are kept, and the next
		// poll resumes from them.
		for i := range 50 {
			added = append(added, f.post("ivan@mastodon.online", "Ivan", fmt.Sprintf("<p>more %d #Ukraine</p>", i), "uk", "ukraine"))
		}
		f.mu.Lock()
		f.failAt = len(f.requests) + 2
		f.mu.Unlock()
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		partial := get(t, d, src)
		json.Unmarshal(partial.State, &st)
		if partial.Failures != 1 || !strings.Contains(partial.LastError, "500") || st.MinID != added[134] || len(mentions(t, d, org, listen.Filter{})) != 175 {
			t.Fatalf("partial %+v, state %+v", partial, st)
		}
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		if n := len(mentions(t, d, org, listen.Filter{})); n != 185 || get(t, d, src).Failures != 0 {
			t.Fatalf("resumed: %d", n)
		}

		// 429: the reset time is honoured.
		f.mu.Lock()
		f.fails = []int{http.StatusTooManyRequests}
		f.mu.Unlock()
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		if l := get(t, d, src); l.Failures != 1 || l.NextRunAt.Before(time.Now().Add(4*time.Hour-time.Minute)) || !strings.Contains(l.LastError, "rate limited") {
			t.Fatalf("after 429: %+v", l)
		}
	})
}

func TestMastodonStatusConversion(t *testing.T) {
	e := testutil.SQLite(t)
	d := e.DB
	org := newOrg(t, d, "a")
	f := newFakeMastodon(t)
	host := f.Listener.Addr().String()
	f.post("olena", "Олена", `<p>Слава <a href="https://`+host+`/tags/ukraine" class="mention hashtag" rel="tag">#<span>Ukraine</span></a> &amp; peace<br>second line</p><p>Київ &lt;3 <a href="https://example.org/a/very/long/path"><span class="invisible">https://</span><span class="ellipsis">example.org/a/very</span><span class="invisible">/long/path</span></a></p>`, "uk", "ukraine")
	reply := f.post("taras@mastodon.social", "Taras", `<p><span class="h-card"><a href="https://`+host+`/@olena" class="u-url mention">@<span>olena</span></a></span> дякую</p>`, "uk", "ukraine")
	f.mu.Lock()
	f.statuses[1]["in_reply_to_id"] = f.statuses[0]["id"]
	f.statuses[1]["spoiler_text"] = "Politics"
	f.mu.Unlock()
	r := newRunner(d)
	r.HTTP = f.client()
	mustCreate(t, d, org, KindMastodon, MastodonConfig{Instance: "https://" + host, Hashtag: "ukraine"})
	r.RunDue(ctx)
	ms := mentions(t, d, org, listen.Filter{})
	if len(ms) != 2 {
		t.Fatalf("%d", len(ms))
	}
	o, tr := ms[1], ms[0]
	if o.Source != "mastodon" || o.ExternalID != "https://"+host+"/users/olena/statuses/"+f.statuses[0]["id"].(string) ||
		o.URL != "https://"+host+"/@olena/"+f.statuses[0]["id"].(string) || o.AuthorHandle != "olena@"+host || o.AuthorName != "Олена" ||
		o.AuthorID != "https://"+host+"/@olena" || o.Language != "uk" || o.Likes != 3 || o.Reposts != 2 || o.Replies != 1 ||
		!o.At.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("status %+v", o)
	}
	if want := "Слава #Ukraine & peace\nsecond line\n\nКиїв <3 https://example.org/a/very/long/path"; o.Text != want {
		t.Fatalf("text %q, want %q", o.Text, want)
	}
	if tr.AuthorHandle != "taras@mastodon.social" || tr.ExternalID != "https://mastodon.social/users/taras/statuses/"+reply ||
		tr.InReplyTo != f.statuses[0]["id"] || tr.Text != "Politics\n\n@olena дякую" {
		t.Fatalf("reply %+v", tr)
	}
}

// TestMastodonLocalTimeline: a public timeline is too wide to keep whole:
// only what matches a topic is stored.
func TestMastodonLocalTimeline(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "a")
		topic := newTopic(t, d, org, "Kyiv", "Kyiv OR Київ")
		f := newFakeMastodon(t)
		f.post("olena", "Олена", "<p>Київ прокидається</p>", "uk")
		f.post("anna", "Anna", "<p>Coffee time</p>", "en")
		f.post("taras@mastodon.social", "Taras", "<p>Kyiv from afar</p>", "en") // remote: not on the local timeline
		f.post("ivan", "Ivan", "<p>Kyiv <b>tonight</b></p>", "en")
		r := newRunner(d)
		r.HTTP = f.client()
		mustCreate(t, d, org, KindMastodon, MastodonConfig{Instance: "https://" + f.Listener.Addr().String(), Timeline: "local"})
		r.RunDue(ctx)
		if q := f.log()[0]; q.Path != "/api/v1/timelines/public" || q.Query().Get("local") != "true" {
			t.Fatalf("request %v", q)
		}
		ms := mentions(t, d, org, listen.Filter{})
		if len(ms) != 2 || ms[0].Text != "Kyiv tonight" || ms[1].Text != "Київ прокидається" {
			t.Fatalf("stored %+v", ms)
		}
		if m := mentions(t, d, org, listen.Filter{TopicID: topic}); len(m) != 2 {
			t.Fatalf("matches %d", len(m))
		}
	})
}

func TestLinkRel(t *testing.T) {
	h := []string{`<https://m.example/api/v1/timelines/public?limit=40&max_id=7163058>; rel="next", <https://m.example/api/v1/timelines/public?limit=40&min_id=7275607>; rel="prev"`}
	if got := linkRel(h, "prev"); got != "https://m.example/api/v1/timelines/public?limit=40&min_id=7275607" {
		t.Errorf("prev %q", got)
	}
	if got := linkRel(h, "next"); !strings.HasSuffix(got, "max_id=7163058") {
		t.Errorf("next %q", got)
	}
	if got := linkRel([]string{`<https://a/x>; rel=next`, `<https://a/y>;rel="prev last"`}, "prev"); got != "https://a/y" {
		t.Errorf("several headers %q", got)
	}
	if got := linkRel([]string{`garbage`, `<https://a/x>; title="prev"`}, "prev"); got != "" {
		t.Errorf("no rel %q", got)
	}
}

func TestHTMLText(t *testing.T) {
	for in, want := range map[string]string{
		"plain   text":                             "plain text",
		"<p>a</p><p>b</p>":                         "a\n\nb",
		"<p>a<br>b<br/><br>c</p>":                  "a\nb\n\nc",
		"<p>x &amp; y &lt;z&gt; &#x41;&nbsp;B</p>": "x & y <z> A B",
		"<p>a</p><script>alert(1)</script><p>b":    "a\n\nb",
		"<p>   </p>":                               "",
		"<ul><li>one</li><li>two</li></ul>":        "one\ntwo",
		"<p>unclosed <b>bold":                      "unclosed bold",
		`<a href="x">link <span class="invisible">https://</span>example.org</a>`: "link https://example.org",
	} {
		if got := ingest.HTMLText(in); got != want {
			t.Errorf("ingest.HTMLText(%q) = %q, want %q", in, got, want)
		}
	}
}
