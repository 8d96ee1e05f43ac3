package xapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

const (
	access  = "access-0"
	refresh = "refresh-0"
)

func connect(t *testing.T, f *testutil.FakeX, creds channel.Credentials) *Connector {
	t.Helper()
	if creds == nil {
		creds = channel.Credentials{"access_token": access, "refresh_token": refresh, "client_id": f.ClientID}
	}
	c, err := New(channel.Account{Network: limits.X, BaseURL: f.URL + "/"}, creds, netguard.Client(true, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

func image(name, alt string) channel.Media {
	data := []byte("\x89PNG\r\n\x1a\nfake image " + name)
	return channel.Media{FileName: name, ContentType: "image/png", Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func chErr(t *testing.T, err error) *channel.Error {
	t.Helper()
	var ce *channel.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *channel.Error", err, err)
	}
	return ce
}

func TestNew(t *testing.T) {
	c, err := New(channel.Account{Network: limits.X}, channel.Credentials{"access_token": "a"}, nil)
	if err != nil || c.(*Connector).base != DefaultBaseURL {
		t.Fatalf("default base: %v %v", c, err)
	}
	if _, err := New(channel.Account{Network: limits.X}, nil, nil); channel.KindOf(err) != channel.Unauthorized {
		t.Errorf("no token: %v", err)
	}
	if _, err := New(channel.Account{Network: limits.X, BaseURL: "ftp://x"}, channel.Credentials{"access_token": "a"}, nil); err == nil {
		t.Error("ftp base accepted")
	}
	if _, err := New(channel.Account{Network: limits.Mastodon}, channel.Credentials{"access_token": "a"}, nil); err == nil {
		t.Error("mastodon account accepted")
	}
}

func TestPublishWithMediaAltTextAndReply(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{Text: "Ambassador meets students & teachers https://mfa.example/a?utm_source=x", ReplyTo: "1790000000000000001",
		Media: []channel.Media{image("a.png", "The ambassador at the school"), image("b.png", "")}})
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 || pub.ExternalID != posts[0].ID || pub.URL != "https://x.com/i/web/status/"+posts[0].ID {
		t.Fatalf("published %+v, posts %+v", pub, posts)
	}
	p := posts[0]
	if p.InReplyTo != "1790000000000000001" || len(p.MediaIDs) != 2 {
		t.Errorf("post %+v", p)
	}
	if m := f.Media(p.MediaIDs[0]); m == nil || m.Alt != "The ambassador at the school" || m.Category != "tweet_image" || m.ContentType != "image/png" || m.FileName != "a.png" {
		t.Errorf("media 0: %+v", m)
	}
	if m := f.Media(p.MediaIDs[1]); m == nil || m.Alt != "" || m.Size == 0 {
		t.Errorf("media 1: %+v", m)
	}
	metadataCalls := 0
	for _, r := range f.Requests() {
		if r.Path == "/2/media/metadata" {
			metadataCalls++
		}
		if r.Header.Get("Authorization") != "Bearer "+access {
			t.Errorf("%s without the token", r.Path)
		}
	}
	if metadataCalls != 1 {
		t.Errorf("%d metadata calls, want 1 (only media with alt text)", metadataCalls)
	}
}

func TestLongAltTextIsCut(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	if _, err := c.Publish(context.Background(), channel.Post{Text: "long alt", Media: []channel.Media{image("a.png", strings.Repeat("é", 1200))}}); err != nil {
		t.Fatal(err)
	}
	if m := f.Media(f.Posts()[0].MediaIDs[0]); len([]rune(m.Alt)) != 1000 {
		t.Errorf("alt text of %d characters", len([]rune(m.Alt)))
	}
}

func TestDuplicateAfterUnknownOutcomeIsFound(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	post := channel.Post{Text: "Statement on the summit <today> https://mfa.example/s", Media: []channel.Media{image("a.png", "alt")}}
	// The first attempt makes the post but its answer is lost.
	f.FailAfter(testutil.FakeFailure{Method: "POST", Path: "/2/tweets", Status: 503, Error: "Service Unavailable"})
	if _, err := c.Publish(ctx, post); channel.KindOf(err) != channel.Transient {
		t.Fatalf("lost answer: %v", err)
	}
	made := f.Posts()
	if len(made) != 1 {
		t.Fatalf("posts %+v", made)
	}
	// Find sees it despite t.co links, entity escaping and the media link.
	pub, ok, err := c.Find(ctx, post)
	if err != nil || !ok || pub.ExternalID != made[0].ID {
		t.Fatalf("Find = %+v %v %v", pub, ok, err)
	}
	// A retry without Find: X refuses the duplicate; Publish finds the post.
	pub, err = c.Publish(ctx, post)
	if err != nil || pub.ExternalID != made[0].ID {
		t.Fatalf("retry = %+v %v", pub, err)
	}
	if n := len(f.Posts()); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	// Another reply target is not the same post.
	if _, ok, _ := c.Find(ctx, channel.Post{Text: post.Text, ReplyTo: "123", Media: post.Media}); ok {
		t.Error("found a post with another reply target")
	}
	if _, ok, _ := c.Find(ctx, channel.Post{Text: "something else"}); ok {
		t.Error("found a post with another text")
	}
}

func TestDuplicateNotFoundIsPermanent(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	f.Fail(testutil.FakeFailure{Method: "POST", Path: "/2/tweets", Status: 403, Error: "You are not allowed to create a Tweet with duplicate content."})
	_, err := c.Publish(context.Background(), channel.Post{Text: "old text"})
	ce := chErr(t, err)
	if ce.Kind != channel.Permanent || !IsDuplicate(err) || !strings.Contains(ce.Message, "duplicate content") {
		t.Fatalf("err %+v", ce)
	}
}

func TestRefreshRotatesTokens(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, channel.Credentials{"access_token": access, "refresh_token": refresh, "client_id": f.ClientID, "client_secret": "s3cret"})
	ctx := context.Background()
	f.ExpireAccess()
	_, err := c.Publish(ctx, channel.Post{Text: "hello"})
	if channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("expired token: %v", err)
	}
	// A failed refresh changes nothing.
	f.FailRefresh(1)
	if creds, _, changed, err := c.Refresh(ctx); err == nil || changed || creds != nil || channel.KindOf(err) != channel.Transient {
		t.Fatalf("failed refresh: %v %v %v", creds, changed, err)
	}
	if c.creds["refresh_token"] != refresh {
		t.Fatal("failed refresh dropped the refresh token")
	}
	creds, exp, changed, err := c.Refresh(ctx)
	if err != nil || !changed {
		t.Fatalf("refresh: %v %v", changed, err)
	}
	if creds["access_token"] != "access-1" || creds["refresh_token"] != "refresh-1" || creds["refresh_token"] != f.RefreshToken() || creds["client_secret"] != "s3cret" {
		t.Errorf("creds %v (fake refresh token %s)", creds, f.RefreshToken())
	}
	if time.Until(exp) < time.Hour {
		t.Errorf("expires %v", exp)
	}
	var basic bool
	for _, r := range f.Requests() {
		if r.Path == "/2/oauth2/token" {
			_, _, basic = (&http.Request{Header: r.Header}).BasicAuth()
		}
	}
	if !basic {
		t.Error("confidential client without Basic auth")
	}
	if _, err := c.Publish(ctx, channel.Post{Text: "hello"}); err != nil {
		t.Fatalf("after refresh: %v", err)
	}
	// The old refresh token no longer works: X rotated it.
	old := connect(t, f, nil)
	if _, _, _, err := old.Refresh(ctx); channel.KindOf(err) != channel.Permanent || !strings.Contains(err.Error(), "reconnect") {
		t.Errorf("old refresh token: %v", err)
	}
	// Nothing to renew without a refresh token.
	bare := connect(t, f, channel.Credentials{"access_token": "access-1"})
	if _, _, changed, err := bare.Refresh(ctx); changed || err != nil {
		t.Errorf("no refresh token: %v %v", changed, err)
	}
}

func TestMentions(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{Text: "Our post"})
	if err != nil {
		t.Fatal(err)
	}
	first := f.AddMention("alice", "@mfa thanks & welcome", pub.ExternalID) // the fake returns it escaped, as X does
	ms, cur, err := c.Mentions(ctx, "")
	if err != nil || len(ms) != 1 || cur != first {
		t.Fatalf("first poll: %+v %q %v", ms, cur, err)
	}
	m := ms[0]
	if m.ExternalID != first || m.AuthorHandle != "alice" || m.AuthorName != "Alice" || m.Text != "@mfa thanks & welcome" || m.InReplyTo != pub.ExternalID ||
		m.URL != "https://x.com/alice/status/"+first || m.At.IsZero() || m.AuthorID == "" {
		t.Errorf("mention %+v", m)
	}
	if ms, cur2, err := c.Mentions(ctx, cur); err != nil || len(ms) != 0 || cur2 != cur {
		t.Errorf("nothing new: %+v %q %v", ms, cur2, err)
	}
	// 150 new ones: two pages, oldest first, none skipped.
	var ids []string
	for range 150 {
		ids = append(ids, f.AddMention("bob", "@mfa hi", ""))
	}
	ms, cur3, err := c.Mentions(ctx, cur)
	if err != nil || len(ms) != 150 || cur3 != ids[149] {
		t.Fatalf("many: %d %q %v", len(ms), cur3, err)
	}
	for i, m := range ms {
		if m.ExternalID != ids[i] {
			t.Fatalf("mention %d is %s, want %s", i, m.ExternalID, ids[i])
		}
	}
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/mentions") && r.Query.Get("since_id") == "" && r.Query.Get("pagination_token") != "" {
			t.Error("paged without since_id")
		}
	}
	// A failure keeps the cursor.
	f.Fail(testutil.FakeFailure{Path: "/2/users/", Status: 503, Error: "down"})
	if _, cur4, err := c.Mentions(ctx, cur3); err == nil || cur4 != cur3 {
		t.Errorf("failure: %q %v", cur4, err)
	}
}

func TestMetrics(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	a, _ := c.Publish(ctx, channel.Post{Text: "a"})
	b, _ := c.Publish(ctx, channel.Post{Text: "b"})
	f.SetMetrics(a.ExternalID, 10, 3, 2, 1, 500)
	got, err := c.Metrics(ctx, []string{a.ExternalID, b.ExternalID, "1111111111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	if got[a.ExternalID] != (channel.Metrics{Likes: 10, Reposts: 3, Replies: 2, Quotes: 1, Views: 500}) {
		t.Errorf("a: %+v", got[a.ExternalID])
	}
	if _, ok := got[b.ExternalID]; !ok || len(got) != 2 {
		t.Errorf("metrics %+v (deleted post must be left out)", got)
	}
	var q string
	for _, r := range f.Requests() {
		if r.Path == "/2/tweets" && r.Method == "GET" {
			q = r.Query.Get("tweet.fields")
		}
	}
	if q != "public_metrics" {
		t.Errorf("tweet.fields=%q", q)
	}
}

func TestErrorClassification(t *testing.T) {
	f := testutil.NewFakeX(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	reset := time.Now().Add(90 * time.Second)
	f.RateLimit(1, reset)
	_, err := c.Publish(ctx, channel.Post{Text: "x"})
	ce := chErr(t, err)
	if ce.Kind != channel.Transient || ce.Status != 429 || ce.RetryAfter < 80*time.Second || ce.RetryAfter > 91*time.Second {
		t.Errorf("429: %+v", ce)
	}
	f.Fail(testutil.FakeFailure{Path: "/2/tweets", Status: 400, Error: "Invalid Request: One or more parameters to your request was invalid."})
	if ce := chErr(t, func() error { _, err := c.Publish(ctx, channel.Post{Text: "x"}); return err }()); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "parameters") {
		t.Errorf("400: %+v", ce)
	}
	f.Fail(testutil.FakeFailure{Path: "/2/tweets", Status: 503, Error: "Service Unavailable", Header: map[string]string{"Retry-After": "7"}})
	if ce := chErr(t, func() error { _, err := c.Publish(ctx, channel.Post{Text: "x"}); return err }()); ce.Kind != channel.Transient || ce.RetryAfter != 7*time.Second {
		t.Errorf("503: %+v", ce)
	}
	f.Fail(testutil.FakeFailure{Path: "/2/media/upload", Status: 403, Error: "You are not permitted to perform this action."})
	if ce := chErr(t, func() error {
		_, err := c.Publish(ctx, channel.Post{Text: "x", Media: []channel.Media{image("a.png", "")}})
		return err
	}()); ce.Kind != channel.Permanent || IsDuplicate(ce) {
		t.Errorf("403: %+v", ce)
	}
	// The 24-hour posting cap: its own reset.
	day := time.Now().Add(5 * time.Hour)
	f.Fail(testutil.FakeFailure{Path: "/2/tweets", Status: 429, Error: "Too Many Requests", Header: map[string]string{
		"x-rate-limit-remaining": "99", "x-rate-limit-reset": strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10),
		"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": strconv.FormatInt(day.Unix(), 10)}})
	if ce := chErr(t, func() error { _, err := c.Publish(ctx, channel.Post{Text: "x"}); return err }()); ce.Kind != channel.Transient || ce.RetryAfter < 4*time.Hour {
		t.Errorf("24-hour cap: %+v", ce)
	}
	// Video is refused before anything is sent.
	if _, err := c.Publish(ctx, channel.Post{Text: "x", Media: []channel.Media{{FileName: "v.mp4", ContentType: "video/mp4", Open: image("v", "").Open}}}); channel.KindOf(err) != channel.Permanent {
		t.Errorf("video: %v", err)
	}
	// Never a second post after those failures.
	if n := len(f.Posts()); n != 0 {
		t.Errorf("%d posts", n)
	}
	// Unreachable: transient.
	dead := connect(t, f, nil)
	dead.base = "http://127.0.0.1:1"
	if _, err := dead.Publish(ctx, channel.Post{Text: "x"}); channel.KindOf(err) != channel.Transient {
		t.Errorf("unreachable: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"Hello  world\n", "Hello world"},
		{"A &amp; B &lt;c&gt;", "A & B <c>"},
		{"see https://t.co/abc", "see https://mfa.example/long?utm_source=x"},
	} {
		if normalize(tc.a) != normalize(tc.b) {
			t.Errorf("%q and %q differ: %q %q", tc.a, tc.b, normalize(tc.a), normalize(tc.b))
		}
	}
}
