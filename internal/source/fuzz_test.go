package source

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/valid"
)

// normalisable checks what every converted item must satisfy: the
// source's name, and Normalise either accepts it or refuses only its
// text (a text of nothing but control characters).
func normalisable(t *testing.T, it ingest.Item, source string) {
	t.Helper()
	if it.Source != source || it.ExternalID == "" {
		t.Fatalf("item %+v", it)
	}
	err := ingest.Normalise(&it)
	var fe *valid.FieldError
	if err != nil && (!errors.As(err, &fe) || fe.Field != "text") {
		t.Fatalf("Normalise: %v (%+v)", err, it)
	}
}

func FuzzMastodonStatus(f *testing.F) {
	for _, s := range []string{
		`{"id":"103206804533200177","uri":"https://m.example/users/a/statuses/1","url":"https://m.example/@a/1","created_at":"2019-11-26T23:27:31.000Z","content":"<p>Hi <a href=\"x\">#<span>tag</span></a><br>there &amp; you</p>","language":"en","visibility":"public","in_reply_to_id":null,"replies_count":1,"reblogs_count":2,"favourites_count":3,"account":{"id":"1","acct":"a","display_name":"A","url":"https://m.example/@a"}}`,
		`{"id":"2","uri":"u","reblog":{"id":"1","uri":"https://o/1","content":"<p>boosted</p>","account":{"acct":"b@o"}},"content":""}`,
		`{"id":"3","uri":"u3","content":"<script>x</script>","spoiler_text":"CW","visibility":"direct"}`,
		`{"id":"4","uri":"u4","content":"<p>unclosed <b>","created_at":"not a time","favourites_count":-5}`,
		`{"id":5}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		statuses, err := decodeTimeline(append(append([]byte("["), data...), ']'))
		if err != nil {
			return
		}
		for _, s := range statuses {
			it, ok := statusItem(s, "m.example")
			if !ok {
				continue
			}
			normalisable(t, it, "mastodon")
			if strings.TrimSpace(it.Text) != it.Text || it.Text == "" {
				t.Fatalf("text %q", it.Text)
			}
		}
	})
}

func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{
		"<p>a</p><p>b</p>", "<p>a<br>b<br/><br>c</p>", "x &amp; y &lt;z&gt; &#x41;&nbsp;B", "<script>alert(1)</script>",
		`<a href="x"><span class="invisible">https://</span><span class="ellipsis">example.org/a</span></a>`,
		"<p>Київ &lt;3</p>", "<<<>>>&&&;", "\xff\xfe<p>\x00</p>", "<ul><li>one<li>two</ul>", "plain  text\n\nhere",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := ingest.HTMLText(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from valid input: %q", out)
		}
		if strings.TrimSpace(out) != out && strings.TrimFunc(out, func(r rune) bool { return r == ' ' || r == '\n' }) != out {
			t.Fatalf("untrimmed %q", out)
		}
		if strings.Contains(out, "\n\n\n") || strings.Contains(out, "  ") {
			t.Fatalf("white space not collapsed: %q", out)
		}
	})
}

func FuzzJetstreamEvent(f *testing.F) {
	for _, s := range []string{
		`{"did":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z","langs":["en"],"text":"Hello","reply":{"parent":{"uri":"at://did:plc:x/app.bsky.feed.post/1"}}},"cid":"bafy"}}`,
		`{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"delete","collection":"app.bsky.feed.post","rkey":"1"}}`,
		`{"did":"did:plc:a","time_us":5,"kind":"identity","identity":{"did":"did:plc:a","handle":"a.bsky.social"}}`,
		`{"did":"did:plc:a","time_us":5,"kind":"account","account":{"active":false,"status":"deleted"}}`,
		`{"did":"did:web:x","time_us":9,"kind":"commit","commit":{"operation":"create","collection":"a.b.c","rkey":"k","record":{"text":"\u0000","langs":"en","createdAt":"9999-99"}}}`,
		`{`, `null`, `{"kind":"commit","time_us":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEvent(data)
		if err != nil {
			return
		}
		if e.TimeUS <= 0 || e.Kind == "" {
			t.Fatalf("accepted %+v", e)
		}
		var b batch
		b.add(data)
		if b.latest != e.TimeUS || b.events != 1 {
			t.Fatalf("batch %+v", b)
		}
		it, ok := e.item()
		if !ok {
			return
		}
		if !strings.HasPrefix(it.ExternalID, "at://"+e.DID+"/") || it.At.IsZero() {
			t.Fatalf("item %+v", it)
		}
		normalisable(t, it, "bluesky")
	})
}

func FuzzLinkRel(f *testing.F) {
	f.Add(`<https://m.example/api/v1/timelines/public?max_id=7163058>; rel="next", <https://m.example/api/v1/timelines/public?min_id=7275607>; rel="prev"`)
	f.Add(`<a>;rel=prev`)
	f.Add(`<>; rel="prev next"; title="x, y"`)
	f.Fuzz(func(t *testing.T, h string) {
		got := linkRel([]string{h}, "prev")
		if got != "" && !strings.Contains(h, "<"+got+">") {
			t.Fatalf("%q is not in %q", got, h)
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	f.Add("120", "")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT", "")
	f.Add("", "2026-03-01T10:00:00.000Z")
	f.Add("-5", "garbage")
	f.Add("99999999999999999999", "")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ra, reset string) {
		h := http.Header{}
		h.Set("Retry-After", ra)
		h.Set("X-RateLimit-Reset", reset)
		if d := retryAfter(h, now); d < 0 || d > MaxRetryAfter {
			t.Fatalf("%q %q: %s", ra, reset, d)
		}
	})
}

func FuzzValidateConfig(f *testing.F) {
	for _, c := range []struct {
		kind int
		raw  string
	}{
		{0, `{"url":"https://www.example.org/rss.xml"}`},
		{1, `{"instance":"mastodon.social","hashtag":"#Україна"}`},
		{1, `{"instance":"https://m.example","timeline":"local"}`},
		{2, `{}`},
		{2, `{"jetstream":"wss://j.example/subscribe","collections":["app.bsky.feed.*","a.b.c"]}`},
		{3, `{"account_id":7}`},
		{0, `{"url":null}`},
	} {
		f.Add(c.kind, []byte(c.raw))
	}
	f.Fuzz(func(t *testing.T, kind int, raw []byte) {
		kinds := Kinds()
		s := Source{OrgID: 1, Kind: kinds[(kind%len(kinds)+len(kinds))%len(kinds)], Config: raw, Interval: time.Duration(kind) * time.Second}
		if err := s.Validate(); err != nil {
			var fe *valid.FieldError
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if !json.Valid(s.Config) || s.Name == "" && s.Kind != KindTelegram {
			t.Fatalf("validated %+v", s)
		}
		again := s
		if err := again.Validate(); err != nil || string(again.Config) != string(s.Config) || again.Interval != s.Interval || again.Name != s.Name {
			t.Fatalf("not idempotent: %s → %s, %v", s.Config, again.Config, err)
		}
		if s.Kind.Polled() && (s.Interval < MinInterval || s.Interval > MaxInterval) {
			t.Fatalf("interval %s", s.Interval)
		}
	})
}
