package source

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
)

// fakeFeeds serves RSS 2.0 feeds as a news site's server does under RFC
// 9110: a strong ETag and Last-Modified on every 200; If-None-Match is
// evaluated first (a match is 304), If-Modified-Since only without it.
// fail makes the next answers 429 or 503 with a Retry-After.
type fakeFeeds struct {
	*httptest.Server
	mu       sync.Mutex
	items    map[string][]feedEntry // by path
	version  map[string]int
	modified map[string]time.Time
	requests []*http.Request
	fail     []fakeFailure
	huge     bool // answer more than MaxFeedBytes, without a Content-Length
}

type feedEntry struct{ guid, title, body string }

type fakeFailure struct {
	code       int
	retryAfter string
}

func newFakeFeeds(t *testing.T) *fakeFeeds {
	f := &fakeFeeds{items: map[string][]feedEntry{}, version: map[string]int{}, modified: map[string]time.Time{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// add publishes an entry in the feed at path (a new version of it).
func (f *fakeFeeds) add(path string, e feedEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[path] = append(f.items[path], e)
	f.version[path]++
	f.modified[path] = time.Now().UTC().Truncate(time.Second).Add(time.Duration(f.version[path]) * time.Second)
}

func (f *fakeFeeds) failNext(code int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, fakeFailure{code, retryAfter})
}

func (f *fakeFeeds) log() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}

func (f *fakeFeeds) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	if len(f.fail) > 0 {
		fl := f.fail[0]
		f.fail = f.fail[1:]
		if fl.retryAfter != "" {
			w.Header().Set("Retry-After", fl.retryAfter)
		}
		http.Error(w, http.StatusText(fl.code), fl.code)
		return
	}
	if f.huge {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>`))
		chunk := []byte(strings.Repeat("<!-- padding padding padding -->", 1024))
		for n := 0; n <= MaxFeedBytes; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	}
	items, ok := f.items[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"v%d"`, f.version[r.URL.Path])
	mod := f.modified[r.URL.Path]
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", mod.Format(http.TimeFormat))
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if inm == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !mod.After(ims) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Radio Svoboda</title><link>https://www.radiosvoboda.org/</link><language>uk</language>`)
	for i := len(items) - 1; i >= 0; i-- { // newest first, as feeds are
		e := items[i]
		fmt.Fprintf(w, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>https://www.radiosvoboda.org/a/%s.html</link>
<description>%s</description><pubDate>%s</pubDate></item>`, e.guid, html.EscapeString(e.title), e.guid, html.EscapeString(e.body),
			time.Date(2026, 3, 1, 8, i, 0, 0, time.UTC).Format(time.RFC1123Z))
	}
	fmt.Fprint(w, `</channel></rss>`)
}

func TestRSSConditionalPolling(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "a")
		f := newFakeFeeds(t)
		f.add("/feed.xml", feedEntry{"33001", "Вибухи в Києві", "<p>Уночі в <b>Києві</b> пролунали вибухи.</p>"})
		f.add("/feed.xml", feedEntry{"33002", "Переговори в Женеві", "Делегації зустрінуться &amp; обговорять…"})
		f.add("/feed.xml", feedEntry{"33003", "Погода", "Сонячно"})
		src := mustCreate(t, d, org, KindRSS, RSSConfig{URL: f.URL + "/feed.xml"})
		r := newRunner(d)

		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("first run: %d %v", n, err)
		}
		ms := mentions(t, d, org, listen.Filter{})
		if len(ms) != 3 {
			t.Fatalf("stored %d mentions", len(ms))
		}
		m := ms[0]
		if m.Source != "rss" || m.Text != "Погода\n\nСонячно" || m.URL != "https://www.radiosvoboda.org/a/33003.html" || m.Language != "uk" ||
			m.AuthorHandle != "radiosvoboda.org" || m.ExternalID != "radiosvoboda.org#33003" {
			t.Fatalf("mention %+v", m)
		}
		got := get(t, d, src)
		var st rssState
		if err := json.Unmarshal(got.State, &st); err != nil || st.ETag != `"v3"` || st.LastModified == "" {
			t.Fatalf("state %s %v", got.State, err)
		}
		if got.ItemsTotal != 3 || got.LastOKAt == nil || got.Failures != 0 || got.NextRunAt.Before(time.Now().Add(DefaultInterval-time.Minute)) {
			t.Fatalf("source %+v", got)
		}
		first := f.log()[0]
		if ua := first.Header.Get("User-Agent"); !strings.Contains(ua, "Attache") || !strings.Contains(ua, "github.com/attache-project") {
			t.Fatalf("User-Agent %q", ua)
		}
		if first.Header.Get("If-None-Match") != "" || first.Header.Get("If-Modified-Since") != "" {
			t.Fatal("the first poll sent validators it cannot have")
		}

		// Not due yet: nothing happens.
		if n, _ := r.RunDue(ctx); n != 0 || len(f.log()) != 1 {
			t.Fatalf("polled before its time: %d", n)
		}

		// The second poll sends the validators and gets a 304.
		makeDue(t, d, src.ID)
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Fatalf("second run: %d %v", n, err)
		}
		second := f.log()[1]
		if second.Header.Get("If-None-Match") != `"v3"` || second.Header.Get("If-Modified-Since") != st.LastModified {
			t.Fatalf("validators not sent: %v", second.Header)
		}
		after := get(t, d, src)
		if len(mentions(t, d, org, listen.Filter{})) != 3 || after.ItemsTotal != 3 || string(after.State) != string(got.State) ||
			after.Failures != 0 || !after.LastOKAt.After(*got.LastOKAt) {
			t.Fatalf("after 304: %+v", after)
		}

		// A new entry: only it is new, the rest are duplicates.
		f.add("/feed.xml", feedEntry{"33004", "Заява МЗС", "МЗС України засуджує удар."})
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		ms = mentions(t, d, org, listen.Filter{})
		if len(ms) != 4 || get(t, d, src).ItemsTotal != 4 {
			t.Fatalf("after a new entry: %d mentions", len(ms))
		}
		if third := f.log()[2]; third.Header.Get("If-None-Match") != `"v3"` {
			t.Fatalf("third poll %v", third.Header)
		}

		// 429 with Retry-After: the wait is honoured, the state kept.
		f.failNext(http.StatusTooManyRequests, "7200")
		makeDue(t, d, src.ID)
		before := time.Now()
		r.RunDue(ctx)
		limited := get(t, d, src)
		if limited.Failures != 1 || !strings.Contains(limited.LastError, "rate limited") || !strings.Contains(limited.LastError, "429") ||
			limited.NextRunAt.Before(before.Add(2*time.Hour-time.Second)) || limited.NextRunAt.After(time.Now().Add(2*time.Hour+time.Second)) {
			t.Fatalf("after 429: %+v", limited)
		}
		if !strings.Contains(string(limited.State), `\"v4\"`) {
			t.Fatalf("state lost: %s", limited.State)
		}
		// 503 with an HTTP date.
		f.failNext(http.StatusServiceUnavailable, time.Now().Add(3*time.Hour).UTC().Format(http.TimeFormat))
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		if u := get(t, d, src); u.Failures != 2 || u.NextRunAt.Before(time.Now().Add(3*time.Hour-5*time.Second)) {
			t.Fatalf("after 503: %+v", u)
		}
		// Back to normal: 304, failures cleared.
		makeDue(t, d, src.ID)
		r.RunDue(ctx)
		if u := get(t, d, src); u.Failures != 0 || u.LastError != "" || u.ItemsTotal != 4 {
			t.Fatalf("recovered: %+v", u)
		}
	})
}

func TestRSSErrors(t *testing.T) {
	e := testutil.SQLite(t)
	d := e.DB
	org := newOrg(t, d, "a")
	f := newFakeFeeds(t)
	r := newRunner(d)
	check := func(url, want string) {
		t.Helper()
		s := mustCreate(t, d, org, KindRSS, RSSConfig{URL: url})
		r.RunDue(ctx)
		got := get(t, d, s)
		if got.Failures != 1 || !strings.Contains(got.LastError, want) {
			t.Fatalf("%s: %+v", url, got)
		}
		if err := Delete(ctx, d.W(), org, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	check(f.URL+"/missing.xml", "not found")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><html><body>not a feed</body></html>"))
	}))
	defer srv.Close()
	check(srv.URL+"/", "not a feed")
	f.mu.Lock()
	f.huge = true
	f.mu.Unlock()
	check(f.URL+"/huge.xml", "larger than")
	// The guarded client of production refuses loopback.
	guarded := &Runner{DB: d, Ingest: r.Ingest}
	s := mustCreate(t, d, org, KindRSS, RSSConfig{URL: f.URL + "/feed.xml"})
	guarded.RunDue(ctx)
	if got := get(t, d, s); !strings.Contains(got.LastError, "loopback") {
		t.Fatalf("loopback reached: %+v", got)
	}
}

// TestRunnersPollEachSourceOnce: two instances (two runners, each with its
// own connection pool) run RunDue at the same moment; every feed is
// fetched exactly once and every source is recorded.
func TestRunnersPollEachSourceOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "a")
		f := newFakeFeeds(t)
		const n = 12
		for i := range n {
			path := fmt.Sprintf("/f/%d.xml", i)
			f.add(path, feedEntry{fmt.Sprintf("g%d", i), fmt.Sprintf("Новина %d", i), "Текст"})
			mustCreate(t, e.DB, org, KindRSS, RSSConfig{URL: f.URL + path})
		}
		other, err := db.Open(ctx, e.Dir, e.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		runners := []*Runner{newRunner(e.DB), newRunner(other)}
		var wg sync.WaitGroup
		ran := make([]int, len(runners))
		start := make(chan struct{})
		for i, r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for {
					k, err := r.RunDue(ctx)
					if err != nil {
						t.Error(err)
					}
					if k == 0 {
						return
					}
					ran[i] += k
				}
			}()
		}
		close(start)
		wg.Wait()
		fetched := map[string]int{}
		for _, req := range f.log() {
			fetched[req.URL.Path]++
		}
		if ran[0]+ran[1] != n || len(fetched) != n {
			t.Fatalf("runs %v, fetched %v", ran, fetched)
		}
		for p, k := range fetched {
			if k != 1 {
				t.Errorf("%s fetched %d times", p, k)
			}
		}
		srcs, _ := List(ctx, e.DB.R(), org)
		for _, s := range srcs {
			if s.ItemsTotal != 1 || s.LastOKAt == nil {
				t.Errorf("source %d: %+v", s.ID, s)
			}
		}
		if ms := mentions(t, e.DB, org, listen.Filter{}); len(ms) != n {
			t.Fatalf("%d mentions", len(ms))
		}
	})
}

func TestPreview(t *testing.T) {
	e := testutil.SQLite(t)
	f := newFakeFeeds(t)
	f.add("/feed.xml", feedEntry{"1", "Перша", "Текст"})
	f.add("/feed.xml", feedEntry{"2", "Друга", "Текст"})
	r := newRunner(e.DB)
	items, err := r.Preview(ctx, Source{Kind: KindRSS, Config: json.RawMessage(`{"url":"` + f.URL + `/feed.xml"}`)}, 1)
	if err != nil || len(items) != 1 || items[0].Text != "Друга\n\nТекст" {
		t.Fatalf("%+v %v", items, err)
	}
	if _, err := r.Preview(ctx, Source{Kind: KindRSS, Config: json.RawMessage(`{"url":"x"}`)}, 1); err == nil {
		t.Fatal("bad settings previewed")
	}
	if n, _ := e.DB.R().QueryContext(ctx, "SELECT 1 FROM mentions"); n.Next() {
		t.Fatal("preview stored something")
	}
}
