package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

const (
	handle   = "mfa.example.gov"
	password = "abcd-efgh-ijkl-mnop"
)

func connect(t *testing.T, f *testutil.FakeBluesky, creds channel.Credentials) *Connector {
	t.Helper()
	if creds == nil {
		creds = channel.Credentials{"identifier": handle, "app_password": password}
	}
	c, err := New(channel.Account{Network: limits.Bluesky, BaseURL: f.URL + "/"}, creds, netguard.Client(true, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

func image(name, alt string, size int) channel.Media {
	data := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte(name), size/len(name)+1)...)[:max(size, 8)]
	return channel.Media{FileName: name, ContentType: "image/png", Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func asError(t *testing.T, err error) *channel.Error {
	t.Helper()
	var ce *channel.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *channel.Error", err, err)
	}
	return ce
}

func TestRecordKey(t *testing.T) {
	seen := map[string]bool{}
	for v := int64(0); v < 50; v++ {
		for ver := 0; ver < 5; ver++ {
			k := RecordKey(v, ver)
			if !ValidTID(k) || len(k) != 13 {
				t.Fatalf("RecordKey(%d, %d) = %q is not a TID", v, ver, k)
			}
			if seen[k] {
				t.Fatalf("RecordKey(%d, %d) = %q repeats", v, ver, k)
			}
			seen[k] = true
			if RecordKey(v, ver) != k {
				t.Fatal("not deterministic")
			}
		}
	}
	if RecordKey(1<<40, 3000) == RecordKey(1<<40, 3000-1024) || !ValidTID(RecordKey(1<<45, 1<<20)) {
		t.Fatal("large ids")
	}
	for _, bad := range []string{"", "3jzfcijpj2z2", "zjzfcijpj2z2a", "3jzfcijpj2z2A", "3jzfcijpj2z21"} {
		if ValidTID(bad) {
			t.Errorf("ValidTID(%q)", bad)
		}
	}
}

// The facets' byte ranges select exactly the link, the mention and the tag,
// with Cyrillic and emoji (multi-byte) before them.
func TestDetectByteOffsets(t *testing.T) {
	text := "Заява МЗС 🇺🇦👨‍👩‍👧: https://mfa.gov.ua/news/1?utm_source=bluesky. Дякуємо @Partner.example.org (див. https://uk.wikipedia.org/wiki/Київ_(місто)) #Україна! #2024 #x"
	spans := detect(text)
	want := []struct{ kind, sub, value string }{
		{FeatureLink, "https://mfa.gov.ua/news/1?utm_source=bluesky", "https://mfa.gov.ua/news/1?utm_source=bluesky"},
		{FeatureLink, "https://uk.wikipedia.org/wiki/Київ_(місто)", "https://uk.wikipedia.org/wiki/Київ_(місто)"},
		{FeatureMention, "@Partner.example.org", "partner.example.org"},
		{FeatureTag, "#Україна", "Україна"},
		{FeatureTag, "#x", "x"},
	}
	if len(spans) != len(want) {
		t.Fatalf("spans %+v", spans)
	}
	for i, w := range want {
		sp := spans[i]
		if sp.kind != w.kind || text[sp.start:sp.end] != w.sub || sp.value != w.value {
			t.Errorf("span %d: %s %q (%q), want %s %q", i, sp.kind, text[sp.start:sp.end], sp.value, w.kind, w.sub)
		}
		// Byte by byte: the offset counts UTF-8 bytes, not runes or UTF-16 units.
		if sp.start != strings.Index(text, w.sub) || sp.end-sp.start != len([]byte(w.sub)) {
			t.Errorf("span %d at bytes %d–%d, want %d–%d", i, sp.start, sp.end, strings.Index(text, w.sub), strings.Index(text, w.sub)+len(w.sub))
		}
	}
	if prefix := text[:spans[0].start]; len(prefix) == len([]rune(prefix)) {
		t.Fatal("the test needs multi-byte text before the link")
	}
	if s := detect("mail me at a@b.example and see #123 or @nodot"); len(s) != 0 {
		t.Errorf("false positives %+v", s)
	}
}

type sentRecord struct {
	Type   string `json:"$type"`
	Text   string `json:"text"`
	Langs  []string
	Facets []Facet `json:"facets"`
	Embed  struct {
		Type   string `json:"$type"`
		Images []struct {
			Alt   string `json:"alt"`
			Image struct {
				Ref struct {
					Link string `json:"$link"`
				} `json:"ref"`
				MimeType string `json:"mimeType"`
			} `json:"image"`
		} `json:"images"`
	} `json:"embed"`
	Reply *replyRef `json:"reply"`
}

func TestPublishWithFacetsImagesAndReply(t *testing.T) {
	f := testutil.NewFakeBluesky(t, handle, password)
	f.AddHandle("partner.example.org", "did:plc:partner0000000000000000")
	c := connect(t, f, nil)
	ctx := context.Background()
	text := "Заява 🇺🇦 https://mfa.gov.ua/s?utm_source=bluesky — @partner.example.org @nobody.example.net #Україна"
	p := channel.Post{VariantID: 12, Version: 3, IdempotencyKey: channel.IdempotencyKey(12, 3), Text: text, Language: "uk",
		Media: []channel.Media{image("a.png", "Міністр у порту Одеси", 2000), image("b.png", "", 100)}}
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	rkey := RecordKey(12, 3)
	if pub.ExternalID != "at://"+f.DID+"/app.bsky.feed.post/"+rkey || pub.URL != "https://bsky.app/profile/"+handle+"/post/"+rkey || pub.At.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	recs := f.Records()
	if len(recs) != 1 || recs[0].RKey != rkey {
		t.Fatalf("records %+v", recs)
	}
	var r sentRecord
	if err := json.Unmarshal(recs[0].Raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.Type != PostCollection || r.Text != text || len(r.Langs) != 1 || r.Langs[0] != "uk" {
		t.Fatalf("record %+v", r)
	}
	// Facets: the unresolvable handle stays plain text.
	want := []struct{ sub, typ, val string }{
		{"https://mfa.gov.ua/s?utm_source=bluesky", FeatureLink, "https://mfa.gov.ua/s?utm_source=bluesky"},
		{"@partner.example.org", FeatureMention, "did:plc:partner0000000000000000"},
		{"#Україна", FeatureTag, "Україна"},
	}
	if len(r.Facets) != len(want) {
		t.Fatalf("facets %+v", r.Facets)
	}
	raw := []byte(r.Text)
	for i, w := range want {
		fc := r.Facets[i]
		got := raw[fc.Index.ByteStart:fc.Index.ByteEnd]
		if !bytes.Equal(got, []byte(w.sub)) {
			t.Errorf("facet %d selects bytes %q, want %q", i, got, w.sub)
		}
		ft := fc.Features[0]
		if ft.Type != w.typ || (ft.URI+ft.DID+ft.Tag) != w.val {
			t.Errorf("facet %d feature %+v", i, ft)
		}
	}
	if r.Embed.Type != "app.bsky.embed.images" || len(r.Embed.Images) != 2 || r.Embed.Images[0].Alt != "Міністр у порту Одеси" || r.Embed.Images[1].Alt != "" {
		t.Fatalf("embed %+v", r.Embed)
	}
	if b, ok := f.Blob(r.Embed.Images[0].Image.Ref.Link); !ok || b.MimeType != "image/png" || b.Size != 2000 {
		t.Fatalf("blob %+v %v", b, ok)
	}
	for _, rq := range f.Requests() {
		if (rq.NSID == "com.atproto.repo.createRecord" || rq.NSID == "com.atproto.repo.uploadBlob") && !strings.HasPrefix(rq.Header.Get("Authorization"), "Bearer ") {
			t.Errorf("%s without the session", rq.NSID)
		}
	}

	// A reply, then a reply to the reply: root stays the first post.
	r1, err := c.Publish(ctx, channel.Post{VariantID: 13, Version: 1, Text: "Reply", ReplyTo: pub.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, channel.Post{VariantID: 14, Version: 1, Text: "Reply 2", ReplyTo: r1.ExternalID}); err != nil {
		t.Fatal(err)
	}
	recs = f.Records()
	var r2 sentRecord
	_ = json.Unmarshal(recs[2].Raw, &r2)
	if r2.Reply == nil || r2.Reply.Root.URI != pub.ExternalID || r2.Reply.Root.CID != recs[0].CID || r2.Reply.Parent.URI != r1.ExternalID || r2.Reply.Parent.CID != recs[1].CID {
		t.Fatalf("reply refs %+v", r2.Reply)
	}
	if f.Count("com.atproto.server.createSession") != 1 {
		t.Errorf("%d sessions, want 1", f.Count("com.atproto.server.createSession"))
	}
}

func TestRetryAfterCollisionFindsTheRecord(t *testing.T) {
	f := testutil.NewFakeBluesky(t, handle, password)
	c := connect(t, f, nil)
	ctx := context.Background()
	p := channel.Post{VariantID: 5, Version: 1, Text: "Once only"}

	// The connection drops after the PDS wrote the record: the connector
	// reads the key and reports the post.
	f.LoseNextCreate()
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatalf("lost answer: %v", err)
	}
	if len(f.Records()) != 1 || f.Count("com.atproto.repo.getRecord") != 1 {
		t.Fatalf("%d records, %d getRecord", len(f.Records()), f.Count("com.atproto.repo.getRecord"))
	}
	// The engine retries (a crash hid the outcome): the create collides
	// (500 InternalServerError) and the record is found, not duplicated.
	again, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if again.ExternalID != pub.ExternalID || again.URL != pub.URL || len(f.Records()) != 1 {
		t.Fatalf("retry made %+v, %d records", again, len(f.Records()))
	}
	found, ok, err := c.Find(ctx, p)
	if err != nil || !ok || found.ExternalID != pub.ExternalID || found.At.IsZero() {
		t.Fatalf("find: %+v %v %v", found, ok, err)
	}
	// Another version is another record.
	if _, ok, err := c.Find(ctx, channel.Post{VariantID: 5, Version: 2, Text: "Once only"}); ok || err != nil {
		t.Fatalf("find of version 2: %v %v", ok, err)
	}
	// A real 500 (no record written) stays transient.
	f.Fail(testutil.FakeFailure{Method: "POST", Path: "com.atproto.repo.createRecord", Status: 500, Error: "InternalServerError"})
	_, err = c.Publish(ctx, channel.Post{VariantID: 6, Version: 1, Text: "Later"})
	if ce := asError(t, err); ce.Kind != channel.Transient || ce.Status != 500 {
		t.Fatalf("%+v", ce)
	}
	if _, err := c.Publish(ctx, channel.Post{VariantID: 6, Version: 1, Text: "Later"}); err != nil || len(f.Records()) != 2 {
		t.Fatalf("retry: %v, %d records", err, len(f.Records()))
	}
}

func TestRefreshOnExpiry(t *testing.T) {
	for _, status := range []int{400, 401} {
		f := testutil.NewFakeBluesky(t, handle, password)
		f.ExpiredStatus = status
		c := connect(t, f, nil)
		ctx := context.Background()
		if _, err := c.Publish(ctx, channel.Post{VariantID: 1, Version: 1, Text: "First"}); err != nil {
			t.Fatal(err)
		}
		stored := c.Session()
		f.Expire()
		_, err := c.Publish(ctx, channel.Post{VariantID: 2, Version: 1, Text: "Second"})
		if ce := asError(t, err); ce.Kind != channel.Unauthorized || ce.Status != status || !strings.Contains(ce.Message, "ExpiredToken") {
			t.Fatalf("expired (%d): %+v", status, ce)
		}
		creds, exp, changed, err := c.Refresh(ctx)
		if err != nil || !changed {
			t.Fatalf("refresh: %v %v", changed, err)
		}
		if creds["access_jwt"] == "" || creds["access_jwt"] == stored["access_jwt"] || creds["refresh_jwt"] == stored["refresh_jwt"] || creds["did"] != f.DID || creds["handle"] != handle {
			t.Fatalf("creds %v", creds)
		}
		if _, has := creds["app_password"]; has {
			t.Fatal("refresh returned the app password (the engine keeps the stored one)")
		}
		if d := time.Until(exp); d < time.Hour || d > 3*time.Hour {
			t.Fatalf("expires in %v", d)
		}
		// The engine stores the merged credentials and builds a new connector.
		merged := channel.Credentials{"identifier": handle, "app_password": password}
		for k, v := range creds {
			merged[k] = v
		}
		c2 := connect(t, f, merged)
		if _, err := c2.Publish(ctx, channel.Post{VariantID: 2, Version: 1, Text: "Second"}); err != nil {
			t.Fatal(err)
		}
		if f.Count("com.atproto.server.createSession") != 1 || f.Count("com.atproto.server.refreshSession") != 1 {
			t.Fatalf("sessions %d, refreshes %d", f.Count("com.atproto.server.createSession"), f.Count("com.atproto.server.refreshSession"))
		}
	}

	t.Run("revoked refresh token falls back to the app password", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		c := connect(t, f, channel.Credentials{"identifier": handle, "app_password": password, "access_jwt": "x.y.z", "refresh_jwt": "gone", "did": f.DID})
		creds, _, changed, err := c.Refresh(context.Background())
		if err != nil || !changed || creds["access_jwt"] == "" || f.Count("com.atproto.server.createSession") != 1 {
			t.Fatalf("%v %v %v", creds, changed, err)
		}
	})
	t.Run("reads renew the session themselves", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		c := connect(t, f, nil)
		f.AddNotification("mention", "alice.example.com", "hi", "")
		if _, _, err := c.Mentions(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
		f.Expire()
		ms, _, err := c.Mentions(context.Background(), "")
		if err != nil || len(ms) != 1 || f.Count("com.atproto.server.refreshSession") != 1 {
			t.Fatalf("%d mentions, %v", len(ms), err)
		}
	})
	t.Run("wrong app password is permanent", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		c := connect(t, f, channel.Credentials{"identifier": handle, "app_password": "wrong"})
		_, err := c.Publish(context.Background(), channel.Post{VariantID: 1, Version: 1, Text: "x"})
		if ce := asError(t, err); ce.Kind != channel.Permanent || ce.Status != 401 || !strings.Contains(ce.Message, "Invalid identifier or password") {
			t.Fatalf("%+v", ce)
		}
	})
}

func TestMentionsPaging(t *testing.T) {
	f := testutil.NewFakeBluesky(t, handle, password)
	c := connect(t, f, nil)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{VariantID: 1, Version: 1, Text: "Our statement"})
	if err != nil {
		t.Fatal(err)
	}
	reply := f.AddNotification("reply", "alice.example.com", "Дякую! 🇺🇦", pub.ExternalID)
	f.AddNotification("like", "bob.example.com", "", "")
	f.AddNotification("mention", "carol.example.com", "@"+handle+" hello", "")
	quote := f.AddNotification("quote", "dan.example.com", "Worth reading", pub.ExternalID)

	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].ExternalID != reply || ms[2].ExternalID != quote {
		t.Fatalf("mentions %+v", ms)
	}
	m := ms[0]
	_, _, rkey, _ := ParseURI(reply)
	if m.Text != "Дякую! 🇺🇦" || m.AuthorHandle != "alice.example.com" || !strings.HasPrefix(m.AuthorID, "did:plc:") || m.InReplyTo != pub.ExternalID ||
		m.URL != "https://bsky.app/profile/alice.example.com/post/"+rkey || m.Language != "en" || m.At.IsZero() {
		t.Fatalf("reply %+v", m)
	}
	if ms[1].InReplyTo != "" || ms[2].InReplyTo != pub.ExternalID {
		t.Fatalf("in reply to: %q %q", ms[1].InReplyTo, ms[2].InReplyTo)
	}
	if cursor == "" {
		t.Fatal("no cursor")
	}
	// 130 more: three pages of 50 back to the cursor, none skipped, oldest first.
	var want []string
	for i := 0; i < 130; i++ {
		want = append(want, f.AddNotification([]string{"reply", "mention", "quote"}[i%3], "user.example.com", "m", pub.ExternalID))
		if i%10 == 0 {
			f.AddNotification("follow", "x.example.com", "", "")
		}
	}
	before := f.Count("app.bsky.notification.listNotifications")
	ms, next, err := c.Mentions(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 130 {
		t.Fatalf("%d mentions, want 130", len(ms))
	}
	for i, m := range ms {
		if m.ExternalID != want[i] {
			t.Fatalf("mention %d is %s, want %s", i, m.ExternalID, want[i])
		}
	}
	if pages := f.Count("app.bsky.notification.listNotifications") - before; pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
	for _, rq := range f.Requests() {
		if rq.NSID == "app.bsky.notification.listNotifications" && len(rq.Query["reasons"]) != 3 {
			t.Errorf("reasons %v", rq.Query["reasons"])
		}
	}
	if next <= cursor {
		t.Fatalf("next cursor %q after %q", next, cursor)
	}
	ms, again, err := c.Mentions(ctx, next)
	if err != nil || len(ms) != 0 || again != next {
		t.Fatalf("idle poll: %d %q %v", len(ms), again, err)
	}
}

func TestMetrics(t *testing.T) {
	f := testutil.NewFakeBluesky(t, handle, password)
	c := connect(t, f, nil)
	ctx := context.Background()
	var ids []string
	for i := 1; i <= 30; i++ {
		pub, err := c.Publish(ctx, channel.Post{VariantID: int64(i), Version: 1, Text: "Counted"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pub.ExternalID)
	}
	f.SetCounts(ids[0], 8, 5, 3, 2)
	f.SetCounts(ids[29], 1, 0, 0, 0)
	gone := "at://" + f.DID + "/app.bsky.feed.post/" + RecordKey(999, 1)
	m, err := c.Metrics(ctx, append(ids, gone, "not-a-uri"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 30 || m[ids[0]] != (channel.Metrics{Likes: 8, Reposts: 5, Replies: 3, Quotes: 2}) || m[ids[29]].Likes != 1 {
		t.Fatalf("metrics %d %+v %+v", len(m), m[ids[0]], m[ids[29]])
	}
	if _, ok := m[gone]; ok {
		t.Fatal("a deleted post has metrics")
	}
	if n := f.Count("app.bsky.feed.getPosts"); n != 2 {
		t.Fatalf("%d getPosts calls, want 2 (25 per call)", n)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	post := channel.Post{VariantID: 1, Version: 1, Text: "x"}

	t.Run("429 with ratelimit-reset", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		c := connect(t, f, nil)
		if _, _, err := c.ensure(ctx); err != nil {
			t.Fatal(err)
		}
		f.RateLimit(1, time.Now().Add(90*time.Second))
		_, err := c.Publish(ctx, post)
		ce := asError(t, err)
		if ce.Kind != channel.Transient || ce.Status != 429 || ce.RetryAfter < 80*time.Second || ce.RetryAfter > 91*time.Second {
			t.Fatalf("%+v", ce)
		}
		if _, err := c.Publish(ctx, post); err != nil || len(f.Records()) != 1 {
			t.Fatalf("after the reset: %v", err)
		}
	})
	t.Run("400 InvalidRequest is permanent with the message", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		_, err := connect(t, f, nil).Publish(ctx, channel.Post{VariantID: 1, Version: 1, Text: strings.Repeat("я", 301)})
		ce := asError(t, err)
		if ce.Kind != channel.Permanent || ce.Status != 400 || !strings.Contains(ce.Message, "InvalidRequest: Record/text must not be longer than 300 graphemes") {
			t.Fatalf("%+v", ce)
		}
		if len(f.Records()) != 0 {
			t.Fatal("posted")
		}
	})
	t.Run("5xx is transient", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		f.Fail(testutil.FakeFailure{Path: "com.atproto.repo.uploadBlob", Status: 503, Error: "ServiceUnavailable"})
		_, err := connect(t, f, nil).Publish(ctx, channel.Post{VariantID: 1, Version: 1, Text: "x", Media: []channel.Media{image("a.png", "alt", 50)}})
		if ce := asError(t, err); ce.Kind != channel.Transient || ce.Status != 503 {
			t.Fatalf("%+v", ce)
		}
	})
	t.Run("image over 1 MB is refused before upload", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		_, err := connect(t, f, nil).Publish(ctx, channel.Post{VariantID: 1, Version: 1, Text: "x", Media: []channel.Media{image("big.png", "alt", MaxImageBytes+1)}})
		if ce := asError(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "1 MB") || f.Count("com.atproto.repo.uploadBlob") != 0 {
			t.Fatalf("%+v", ce)
		}
	})
	t.Run("timeout is transient", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		slow := &http.Client{Timeout: time.Nanosecond}
		c, _ := New(channel.Account{BaseURL: f.URL}, channel.Credentials{"identifier": handle, "app_password": password}, slow)
		if _, err := c.Publish(ctx, post); channel.KindOf(err) != channel.Transient {
			t.Fatalf("%v", err)
		}
	})
	t.Run("private address refused by the guard", func(t *testing.T) {
		f := testutil.NewFakeBluesky(t, handle, password)
		c, _ := New(channel.Account{BaseURL: f.URL}, channel.Credentials{"identifier": handle, "app_password": password}, netguard.Client(false, time.Second))
		_, err := c.Publish(ctx, post)
		if ce := asError(t, err); ce.Kind != channel.Permanent || len(f.Requests()) != 0 {
			t.Fatalf("%+v", ce)
		}
	})
	t.Run("not connected", func(t *testing.T) {
		if _, err := New(channel.Account{Network: limits.Bluesky}, channel.Credentials{"identifier": handle}, nil); channel.KindOf(err) != channel.Unauthorized {
			t.Fatalf("%v", err)
		}
		c, err := New(channel.Account{Network: limits.Bluesky}, channel.Credentials{"identifier": handle, "app_password": "p"}, nil)
		if err != nil || c.(*Connector).base != DefaultBaseURL {
			t.Fatalf("default base: %v", err)
		}
	})
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set("ratelimit-reset", "1800000300")
	if d := retryAfter(h, now); d != 5*time.Minute {
		t.Errorf("reset: %v", d)
	}
	h = http.Header{}
	h.Set("Retry-After", "7")
	if d := retryAfter(h, now); d != 7*time.Second {
		t.Errorf("retry-after: %v", d)
	}
}

// Connectors built per job from the stored app password share one session.
func TestSessionReused(t *testing.T) {
	f := testutil.NewFakeBluesky(t, handle, password)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := connect(t, f, nil).Publish(ctx, channel.Post{VariantID: int64(i), Version: 1, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.Count("com.atproto.server.createSession"); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
}
