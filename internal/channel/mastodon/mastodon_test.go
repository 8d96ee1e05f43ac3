package mastodon

import (
	"bytes"
	"context"
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

const token = "test-token-abc"

func connect(t *testing.T, f *testutil.FakeMastodon, tok string) *Connector {
	t.Helper()
	c, err := New(channel.Account{Network: limits.Mastodon, BaseURL: f.URL + "/"}, channel.Credentials{"access_token": tok}, netguard.Client(true, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	mc := c.(*Connector)
	mc.MediaPoll = 5 * time.Millisecond
	return mc
}

func image(name, alt string) channel.Media {
	data := []byte("\x89PNG\r\n\x1a\nfake image " + name)
	return channel.Media{FileName: name, ContentType: "image/png", Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func kindOf(t *testing.T, err error) *channel.Error {
	t.Helper()
	var ce *channel.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *channel.Error", err, err)
	}
	return ce
}

func TestNewRequiresBaseURLAndToken(t *testing.T) {
	if _, err := New(channel.Account{Network: limits.Mastodon}, channel.Credentials{"access_token": "x"}, nil); err == nil {
		t.Error("no base URL accepted")
	}
	if _, err := New(channel.Account{Network: limits.Mastodon, BaseURL: "https://m.example"}, nil, nil); err == nil || channel.KindOf(err) != channel.Unauthorized {
		t.Errorf("no token: %v", err)
	}
}

func TestPublishWithMediaAndIdempotencyKey(t *testing.T) {
	f := testutil.NewFakeMastodon(t, token)
	f.MediaProcessingPolls = 2 // v2 answers 202, then two 206 polls
	c := connect(t, f, token)
	ctx := context.Background()
	p := channel.Post{VariantID: 7, Version: 2, IdempotencyKey: channel.IdempotencyKey(7, 2), Text: "Statement on the grain corridor https://mfa.example/s?utm_source=mastodon",
		Language: "en-GB", Media: []channel.Media{image("a.png", "The minister at the port of Odesa"), image("b.png", "")}}
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if pub.ExternalID == "" || !strings.HasSuffix(pub.URL, "/"+pub.ExternalID) || pub.At.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	sts := f.Statuses()
	if len(sts) != 1 {
		t.Fatalf("%d statuses", len(sts))
	}
	s := sts[0]
	if s.Text != p.Text || s.Language != "en" || s.Visibility != "public" || s.IdempotencyKey != "attache-v7-2" || len(s.MediaIDs) != 2 {
		t.Fatalf("status %+v", s)
	}
	if m := f.Media(s.MediaIDs[0]); m == nil || m.Description != "The minister at the port of Odesa" || m.ContentType != "image/png" || m.FileName != "a.png" {
		t.Fatalf("media %+v", m)
	}
	polls := 0
	for _, r := range f.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/api/v1/media/") {
			polls++
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			t.Errorf("%s %s without the token", r.Method, r.Path)
		}
	}
	if polls < 3 {
		t.Errorf("media polled %d times, want ≥ 3 (2 × 206 then 200 for the first file)", polls)
	}

	// A retry with the same key (a crash after the call) makes no second status.
	again, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if again.ExternalID != pub.ExternalID || len(f.Statuses()) != 1 {
		t.Fatalf("retry made a second status: %s vs %s, %d statuses", again.ExternalID, pub.ExternalID, len(f.Statuses()))
	}
	// Find sees it too (for retries past the key's hour).
	found, ok, err := c.Find(ctx, p)
	if err != nil || !ok || found.ExternalID != pub.ExternalID {
		t.Fatalf("find: %+v %v %v", found, ok, err)
	}
	other := p
	other.Text = "Something never posted"
	if _, ok, err := c.Find(ctx, other); err != nil || ok {
		t.Fatalf("find of an unposted text: ok=%v err=%v", ok, err)
	}
}

func TestReplyAndFindWithMarkup(t *testing.T) {
	f := testutil.NewFakeMastodon(t, token)
	c := connect(t, f, token)
	ctx := context.Background()
	root, err := c.Publish(ctx, channel.Post{IdempotencyKey: "k1", Text: "Root"})
	if err != nil {
		t.Fatal(err)
	}
	p := channel.Post{IdempotencyKey: "k2", Text: "Reply with <markup> & \"quotes\"\nsecond line", ReplyTo: root.ExternalID}
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Statuses()[1]; s.InReplyTo != root.ExternalID {
		t.Fatalf("in_reply_to_id %q", s.InReplyTo)
	}
	found, ok, err := c.Find(ctx, p)
	if err != nil || !ok || found.ExternalID != pub.ExternalID {
		t.Fatalf("find: %+v %v %v", found, ok, err)
	}
	p.ReplyTo = ""
	if _, ok, _ := c.Find(ctx, p); ok {
		t.Fatal("found a reply for a post that is not one")
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<p><span class="h-card"><a href="https://fake.test/@mfa" class="u-url mention">@<span>mfa</span></a></span> thanks &amp; see <a href="https://example.com/a/long/path"><span class="invisible">https://</span><span class="ellipsis">example.com/a/lo</span><span class="invisible">ng/path</span></a></p><p>line<br />two</p>`
	want := "@mfa thanks & see https://example.com/a/long/path\n\nline\ntwo"
	if got := HTMLToText(in); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestMentionsWithPagination(t *testing.T) {
	f := testutil.NewFakeMastodon(t, token)
	c := connect(t, f, token)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{IdempotencyKey: "k", Text: "Our statement"})
	if err != nil {
		t.Fatal(err)
	}
	first := f.AddMention("alice@remote.example", `<p>Hello <b>MFA</b> &amp; team</p>`, pub.ExternalID)
	f.AddNotification("favourite", "bob@remote.example")

	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Text != "Hello MFA & team" || ms[0].AuthorHandle != "alice@remote.example" || ms[0].InReplyTo != pub.ExternalID || ms[0].ExternalID == "" || ms[0].URL == "" {
		t.Fatalf("mentions %+v", ms)
	}
	if cursor != first {
		t.Fatalf("cursor %q, want %q", cursor, first)
	}
	// 95 more mentions: three pages of 40 after the cursor, none skipped.
	var want []string
	for i := 0; i < 95; i++ {
		want = append(want, f.AddMention("user@remote.example", "<p>m"+string(rune('a'+i%26))+"</p>", ""))
	}
	ms, next, err := c.Mentions(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 95 {
		t.Fatalf("%d mentions, want 95", len(ms))
	}
	if next != want[len(want)-1] {
		t.Fatalf("next cursor %q, want %q", next, want[len(want)-1])
	}
	for i := 1; i < len(ms); i++ {
		if !idLess(ms[i-1].ExternalID, ms[i].ExternalID) {
			t.Fatalf("mentions not oldest first at %d", i)
		}
	}
	pages := 0
	for _, r := range f.Requests() {
		if r.Path == "/api/v1/notifications" {
			pages++
			if r.Query.Get("types[]") != "mention" {
				t.Errorf("notifications without types[]=mention: %v", r.Query)
			}
		}
	}
	if pages < 4 {
		t.Errorf("%d notification requests, want the first poll and ≥ 3 pages", pages)
	}
	// Nothing new: same cursor back.
	ms, again, err := c.Mentions(ctx, next)
	if err != nil || len(ms) != 0 || again != next {
		t.Fatalf("idle poll: %d %q %v", len(ms), again, err)
	}
}

func TestMetrics(t *testing.T) {
	f := testutil.NewFakeMastodon(t, token)
	c := connect(t, f, token)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{IdempotencyKey: "k", Text: "Counted"})
	if err != nil {
		t.Fatal(err)
	}
	f.SetCounts(pub.ExternalID, 3, 5, 8)
	m, err := c.Metrics(ctx, []string{pub.ExternalID, "999"})
	if err != nil {
		t.Fatal(err)
	}
	if got := m[pub.ExternalID]; got != (channel.Metrics{Replies: 3, Reposts: 5, Likes: 8}) {
		t.Fatalf("metrics %+v", got)
	}
	if _, ok := m["999"]; ok {
		t.Fatal("a deleted status has metrics")
	}
	if _, _, changed, err := c.Refresh(ctx); changed || err != nil {
		t.Fatalf("refresh: %v %v", changed, err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	post := channel.Post{IdempotencyKey: "k", Text: "x"}

	t.Run("401 revoked token", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		_, err := connect(t, f, "revoked").Publish(ctx, post)
		ce := kindOf(t, err)
		if ce.Kind != channel.Unauthorized || ce.Status != 401 || !strings.Contains(ce.Message, "The access token is invalid") {
			t.Fatalf("%+v", ce)
		}
		if len(f.Statuses()) != 0 {
			t.Fatal("posted with a bad token")
		}
	})
	t.Run("429 with X-RateLimit-Reset", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		f.RateLimit(1, time.Now().Add(90*time.Second))
		c := connect(t, f, token)
		_, err := c.Publish(ctx, post)
		ce := kindOf(t, err)
		if ce.Kind != channel.Transient || ce.Status != 429 || ce.RetryAfter < 80*time.Second || ce.RetryAfter > 91*time.Second {
			t.Fatalf("%+v", ce)
		}
		if _, err := c.Publish(ctx, post); err != nil {
			t.Fatalf("after the reset: %v", err)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		f.Fail(testutil.FakeFailure{Status: 429, Header: map[string]string{"Retry-After": "42"}, Error: "Too many requests"})
		ce := kindOf(t, func() error { _, err := connect(t, f, token).Publish(ctx, post); return err }())
		if ce.Kind != channel.Transient || ce.RetryAfter != 42*time.Second {
			t.Fatalf("%+v", ce)
		}
	})
	t.Run("5xx", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		f.Fail(testutil.FakeFailure{Method: "POST", Path: "/api/v1/statuses", Status: 503, Error: "Service Unavailable"})
		c := connect(t, f, token)
		ce := kindOf(t, func() error { _, err := c.Publish(ctx, post); return err }())
		if ce.Kind != channel.Transient || ce.Status != 503 {
			t.Fatalf("%+v", ce)
		}
		if _, err := c.Publish(ctx, post); err != nil || len(f.Statuses()) != 1 {
			t.Fatalf("retry: %v, %d statuses", err, len(f.Statuses()))
		}
	})
	t.Run("timeout", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		f.SetDelay(300 * time.Millisecond)
		c, _ := New(channel.Account{BaseURL: f.URL}, channel.Credentials{"access_token": token}, netguard.Client(true, 50*time.Millisecond))
		_, err := c.Publish(ctx, post)
		if err == nil || channel.KindOf(err) != channel.Transient {
			t.Fatalf("timeout: %v", err)
		}
	})
	t.Run("422 permanent", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		_, err := connect(t, f, token).Publish(ctx, channel.Post{IdempotencyKey: "k", Text: strings.Repeat("a", 501)})
		ce := kindOf(t, err)
		if ce.Kind != channel.Permanent || ce.Status != 422 || !strings.Contains(ce.Message, "character limit of 500 exceeded") {
			t.Fatalf("%+v", ce)
		}
	})
	t.Run("private address refused by the guard", func(t *testing.T) {
		f := testutil.NewFakeMastodon(t, token)
		c, _ := New(channel.Account{BaseURL: f.URL}, channel.Credentials{"access_token": token}, netguard.Client(false, time.Second))
		_, err := c.Publish(ctx, post)
		ce := kindOf(t, err)
		if ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "allow-private-endpoints") || len(f.Requests()) != 0 {
			t.Fatalf("%+v", ce)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("X-RateLimit-Reset", "2026-05-01T12:05:00.000Z")
	if d := retryAfter(h, now); d != 5*time.Minute {
		t.Errorf("reset: %v", d)
	}
	h = http.Header{}
	h.Set("Retry-After", now.Add(time.Minute).Format(http.TimeFormat))
	if d := retryAfter(h, now); d != time.Minute {
		t.Errorf("http date: %v", d)
	}
	if d := retryAfter(http.Header{}, now); d != 0 {
		t.Errorf("none: %v", d)
	}
}
