package source

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
)

// fakeJetstream is a Jetstream server (github.com/bluesky-social/jetstream)
// at /subscribe: JSON events in text frames, commit events filtered by
// wantedCollections (an NSID or a prefix ending in .*; identity and
// account events always pass), and a cursor in Unix microseconds that
// replays from the first event at or after it. A connection without a
// cursor gets the events from liveStart on, as the live tail that starts
// when it connects. dropAfter[i] ends connection i abruptly after that
// many messages (0: never).
type fakeJetstream struct {
	*httptest.Server
	mu        sync.Mutex
	events    []jsEvent
	liveStart int
	changed   chan struct{} // closed and replaced when an event is added
	conns     []url.Values
	open      int
	maxOpen   int
	dropAfter []int
}

type jsEvent struct {
	timeUS     int64
	collection string // "" for identity, account and malformed messages
	raw        string
}

func newFakeJetstream(t *testing.T) *fakeJetstream {
	f := &fakeJetstream{changed: make(chan struct{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeJetstream) address() string { return "ws://" + f.Listener.Addr().String() + "/subscribe" }

func (f *fakeJetstream) add(e jsEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeJetstream) connections() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.conns...)
}

func wanted(collections []string, c string) bool {
	if c == "" || len(collections) == 0 {
		return true
	}
	for _, w := range collections {
		if w == c || strings.HasSuffix(w, ".*") && strings.HasPrefix(c, strings.TrimSuffix(w, "*")) {
			return true
		}
	}
	return false
}

func (f *fakeJetstream) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/subscribe" {
		http.NotFound(w, r)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := c.CloseRead(r.Context())
	q := r.URL.Query()
	f.mu.Lock()
	n := len(f.conns)
	f.conns = append(f.conns, q)
	drop := 0
	if n < len(f.dropAfter) {
		drop = f.dropAfter[n]
	}
	f.open++
	f.maxOpen = max(f.maxOpen, f.open)
	i := f.liveStart
	if cur, err := strconv.ParseInt(q.Get("cursor"), 10, 64); err == nil {
		for i = 0; i < len(f.events) && f.events[i].timeUS < cur; i++ {
		}
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.open--
		f.mu.Unlock()
	}()
	sent := 0
	for {
		f.mu.Lock()
		var e *jsEvent
		if i < len(f.events) {
			e = &f.events[i]
			i++
		}
		changed := f.changed
		f.mu.Unlock()
		if e == nil {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				continue
			}
		}
		if !wanted(q["wantedCollections"], e.collection) {
			continue
		}
		if err := c.Write(ctx, websocket.MessageText, []byte(e.raw)); err != nil {
			return
		}
		if sent++; drop > 0 && sent == drop {
			return // CloseNow: the connection drops without a close frame
		}
	}
}

// commitEvent is a Jetstream commit event as JSON.
func commitEvent(did string, timeUS int64, op, collection, rkey string, record any) jsEvent {
	commit := map[string]any{"rev": "3l3qo2vutsw2b", "operation": op, "collection": collection, "rkey": rkey}
	if record != nil {
		commit["record"] = record
		commit["cid"] = "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"
	}
	b, _ := json.Marshal(map[string]any{"did": did, "time_us": timeUS, "kind": "commit", "commit": commit})
	return jsEvent{timeUS: timeUS, collection: collection, raw: string(b)}
}

func postRec(text string, langs []string, createdAt time.Time, parent string) map[string]any {
	r := map[string]any{"$type": "app.bsky.feed.post", "text": text, "langs": langs, "createdAt": createdAt.Format("2006-01-02T15:04:05.000Z")}
	if parent != "" {
		ref := map[string]any{"uri": parent, "cid": "bafyreib2rxk3rh6kzwq"}
		r["reply"] = map[string]any{"root": ref, "parent": ref}
	}
	return r
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fastRunner(d *db.DB) *Runner {
	r := newRunner(d)
	r.Rescan, r.FlushEvery = 100*time.Millisecond, 50*time.Millisecond
	return r
}

func TestJetstreamFollow(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "a")
		topic := newTopic(t, d, org, "Kyiv", "Kyiv OR Київ")
		f := newFakeJetstream(t)
		f.dropAfter = []int{9} // the first connection drops after nine messages
		base := time.Now().Add(-time.Minute).UnixMicro()
		tu := func(i int) int64 { return base + int64(i)*int64(time.Second/time.Microsecond) }
		alice, bob := "did:plc:alice2dxkqx6jkvnfgdv6ylc", "did:web:bob.example.org"
		made := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		parent := "at://" + bob + "/app.bsky.feed.post/3kparent"
		for _, ev := range []jsEvent{
			commitEvent(alice, tu(1), "create", "app.bsky.feed.post", "3kaaa", postRec("Night in Kyiv", []string{"en"}, made, parent)),
			commitEvent(alice, tu(2), "create", "app.bsky.feed.post", "3kbbb", postRec("Coffee time", []string{"en"}, made, "")),
			commitEvent(alice, tu(3), "delete", "app.bsky.feed.post", "3kold", nil),
			commitEvent(bob, tu(4), "update", "app.bsky.feed.post", "3kupd", postRec("Kyiv, edited", nil, made, "")),
			commitEvent(bob, tu(5), "create", "app.bsky.feed.like", "3klike", map[string]any{"$type": "app.bsky.feed.like", "subject": map[string]any{"uri": parent}}),
			{timeUS: tu(6), raw: fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"identity","identity":{"did":%q,"handle":"bob.example.org","seq":1,"time":"2026-03-01T09:00:00Z"}}`, bob, tu(6), bob)},
			{timeUS: tu(7), raw: `{"did": "did:plc:x", "time_us": ` + strconv.FormatInt(tu(7), 10) + `, "kind": "commit", "commit": {`},
			commitEvent(bob, tu(8), "create", "app.bsky.feed.repost", "3krep", map[string]any{"text": "Kyiv repost"}), // not wanted: filtered by the server
			commitEvent(bob, tu(9), "create", "app.bsky.feed.post", "../x", postRec("Kyiv bad key", nil, made, "")),
			{timeUS: tu(10), raw: fmt.Sprintf(`{"did":%q,"time_us":%d,"kind":"account","account":{"active":true,"did":%q,"seq":2,"time":"2026-03-01T09:00:00Z"}}`, bob, tu(10), bob)},
			commitEvent(bob, tu(11), "create", "app.bsky.feed.post", "3kccc", postRec("Вечір у місті Київ", []string{"uk"}, made.Add(time.Hour*24*365), "")),
			// After the drop:
			commitEvent(alice, tu(12), "create", "app.bsky.feed.post", "3kddd", postRec("Kyiv again", []string{"en"}, made, "")),
			commitEvent(bob, tu(13), "create", "app.bsky.feed.post", "3keee", postRec("Київ, ранок", []string{"uk"}, made, "")),
		} {
			f.add(ev)
		}
		src := mustCreate(t, d, org, KindBluesky, BlueskyConfig{Jetstream: f.address(), Collections: []string{"app.bsky.feed.post", "app.bsky.feed.like"}})
		r := fastRunner(d)
		fctx, stop := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- r.Follow(fctx) }()

		waitFor(t, "four matching posts", func() bool { return len(mentions(t, d, org, listen.Filter{})) >= 4 })
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		ms := mentions(t, d, org, listen.Filter{})
		byID := map[string]listen.Mention{}
		for _, m := range ms {
			if _, dup := byID[m.ExternalID]; dup {
				t.Fatalf("duplicate %s", m.ExternalID)
			}
			byID[m.ExternalID] = m
		}
		if len(ms) != 4 || len(mentions(t, d, org, listen.Filter{TopicID: topic})) != 4 {
			t.Fatalf("stored %+v", ms)
		}
		first := byID["at://"+alice+"/app.bsky.feed.post/3kaaa"]
		if first.Source != "bluesky" || first.Text != "Night in Kyiv" || first.URL != "https://bsky.app/profile/"+alice+"/post/3kaaa" ||
			first.AuthorID != alice || first.AuthorHandle != alice || first.Language != "en" || first.InReplyTo != parent || !first.At.Equal(made) {
			t.Fatalf("post %+v", first)
		}
		// A createdAt in the future gives way to the time Jetstream saw it.
		if c := byID["at://"+bob+"/app.bsky.feed.post/3kccc"]; !c.At.Equal(time.UnixMicro(tu(11)).UTC()) || c.Language != "uk" {
			t.Fatalf("future post %+v", c)
		}

		conns := f.connections()
		if len(conns) != 2 {
			t.Fatalf("%d connections", len(conns))
		}
		for _, q := range conns {
			if got := q["wantedCollections"]; len(got) != 2 || got[0] != "app.bsky.feed.post" || got[1] != "app.bsky.feed.like" {
				t.Fatalf("wantedCollections %v", got)
			}
		}
		if conns[0].Has("cursor") {
			t.Fatalf("a new source resumed from a cursor: %v", conns[0])
		}
		// The first connection sent nine messages (tu(1)…tu(10) less the
		// filtered repost): the second resumes five seconds before the last.
		if got := conns[1].Get("cursor"); got != strconv.FormatInt(tu(10)-5_000_000, 10) {
			t.Fatalf("resumed from %s, want %d", got, tu(10)-5_000_000)
		}
		after := get(t, d, src)
		var st blueskyState
		if err := json.Unmarshal(after.State, &st); err != nil || st.Cursor != tu(13) {
			t.Fatalf("state %s (want cursor %d) %v", after.State, tu(13), err)
		}
		if after.NextRunAt.After(time.Now()) || after.ItemsTotal != 4 || after.LastOKAt == nil || after.Failures != 0 || after.LastError != "" {
			t.Fatalf("not released: %+v", after)
		}

		// Followed again, it resumes from the stored cursor.
		fctx, stop = context.WithCancel(ctx)
		go func() { done <- r.Follow(fctx) }()
		waitFor(t, "a third connection", func() bool { return len(f.connections()) == 3 })
		stop()
		<-done
		if got := f.connections()[2].Get("cursor"); got != strconv.FormatInt(tu(13)-5_000_000, 10) {
			t.Fatalf("resumed from %s", got)
		}
		if n := len(mentions(t, d, org, listen.Filter{})); n != 4 {
			t.Fatalf("replay stored duplicates: %d", n)
		}
	})
}

// TestJetstreamOneFollowerPerSource: two instances following at once keep
// one connection per source; an edit moves the source to its new
// settings; disabling it stops it.
func TestJetstreamOneFollowerPerSource(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "a")
		f := newFakeJetstream(t)
		f.add(commitEvent("did:plc:one", time.Now().UnixMicro(), "create", "app.bsky.feed.post", "3k1", postRec("hello", nil, time.Now(), "")))
		src := mustCreate(t, e.DB, org, KindBluesky, BlueskyConfig{Jetstream: f.address()})
		other, err := db.Open(ctx, e.Dir, e.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		fctx, stop := context.WithCancel(ctx)
		defer stop()
		var wg sync.WaitGroup
		for _, d := range []*db.DB{e.DB, other} {
			r := fastRunner(d)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.Follow(fctx); err != nil {
					t.Error(err)
				}
			}()
		}
		waitFor(t, "a connection", func() bool { return len(f.connections()) == 1 })
		time.Sleep(500 * time.Millisecond) // several rescans of both instances
		f.mu.Lock()
		maxOpen, n := f.maxOpen, len(f.conns)
		f.mu.Unlock()
		if maxOpen != 1 || n != 1 {
			t.Fatalf("%d connections, at most %d at once", n, maxOpen)
		}

		// An edit: the follower stops and the source is taken up again with
		// its new settings.
		s := get(t, e.DB, src)
		s.Config = json.RawMessage(`{"jetstream":"` + f.address() + `","collections":["app.bsky.feed.post","app.bsky.graph.follow"]}`)
		if err := Update(ctx, e.DB.W(), &s); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a reconnection with the new settings", func() bool {
			c := f.connections()
			return len(c) == 2 && len(c[1]["wantedCollections"]) == 2
		})
		// Disabled: nobody follows it.
		s = get(t, e.DB, src)
		s.Enabled = false
		if err := Update(ctx, e.DB.W(), &s); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the connection closed", func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.open == 0
		})
		time.Sleep(300 * time.Millisecond)
		if n := len(f.connections()); n != 2 {
			t.Fatalf("a disabled source was followed: %d connections", n)
		}
		stop()
		wg.Wait()
	})
}

// TestJetstreamUnreachable: a follower that cannot connect records the
// error on the source and keeps its lease while it waits to retry.
func TestJetstreamUnreachable(t *testing.T) {
	e := testutil.SQLite(t)
	org := newOrg(t, e.DB, "a")
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := "ws://" + srv.Listener.Addr().String() + "/subscribe"
	srv.Close()
	src := mustCreate(t, e.DB, org, KindBluesky, BlueskyConfig{Jetstream: addr})
	r := fastRunner(e.DB)
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- r.Follow(fctx) }()
	waitFor(t, "the error recorded", func() bool { return get(t, e.DB, src).Failures > 0 })
	s := get(t, e.DB, src)
	if !strings.Contains(s.LastError, "Jetstream") || !s.NextRunAt.After(time.Now()) {
		t.Fatalf("%+v", s)
	}
	stop()
	<-done
}

func TestJetstreamEvents(t *testing.T) {
	did := "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
	for _, c := range []struct {
		name, raw string
		ok        bool
		check     func(t *testing.T, e jetEvent)
	}{
		{"post", `{"did":"` + did + `","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z","langs":["en","uk"],"text":"Hello Kyiv"},"cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}}`, true,
			func(t *testing.T, e jetEvent) {
				it, _ := e.item()
				if it.ExternalID != "at://"+did+"/app.bsky.feed.post/3l3qo2vuowo2b" || it.Lang != "en" || it.Text != "Hello Kyiv" ||
					!it.At.Equal(time.Date(2024, 9, 9, 19, 46, 2, 102e6, time.UTC)) || it.URL != "https://bsky.app/profile/"+did+"/post/3l3qo2vuowo2b" {
					t.Fatalf("%+v", it)
				}
			}},
		{"custom collection", `{"did":"` + did + `","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"com.example.note","rkey":"1","record":{"text":"hi"}}}`, true,
			func(t *testing.T, e jetEvent) {
				if it, _ := e.item(); it.URL != "" || it.ExternalID != "at://"+did+"/com.example.note/1" {
					t.Fatalf("%+v", it)
				}
			}},
		{"delete", `{"did":"` + did + `","time_us":1,"kind":"commit","commit":{"operation":"delete","collection":"app.bsky.feed.post","rkey":"1"}}`, false, nil},
		{"empty text", `{"did":"` + did + `","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"1","record":{"text":"  "}}}`, false, nil},
		{"text not a string", `{"did":"` + did + `","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"1","record":{"text":5}}}`, false, nil},
		{"bad did", `{"did":"alice","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"1","record":{"text":"x"}}}`, false, nil},
		{"bad collection", `{"did":"` + did + `","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"post","rkey":"1","record":{"text":"x"}}}`, false, nil},
		{"dot key", `{"did":"` + did + `","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"..","record":{"text":"x"}}}`, false, nil},
		{"identity", `{"did":"` + did + `","time_us":5,"kind":"identity","identity":{"did":"` + did + `","handle":"a.bsky.social"}}`, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := decodeEvent([]byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := e.item(); ok != c.ok {
				t.Fatalf("ok %v", ok)
			}
			if c.check != nil {
				c.check(t, e)
			}
		})
	}
	for _, bad := range []string{``, `{`, `[]`, `{"kind":"commit"}`, `{"time_us":5}`, `{"kind":"commit","time_us":"5"}`} {
		if _, err := decodeEvent([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}
