package facebook_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/facebook"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/testutil"
)

func newConn(t *testing.T, f *testutil.FakeMeta) *facebook.Connector {
	t.Helper()
	c, err := facebook.New(channel.Account{Network: limits.Facebook, BaseURL: f.URL},
		channel.Credentials{"page_id": f.PageID, "page_access_token": "tok"}, f.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c.(*facebook.Connector)
}

func media(name, alt, data string) channel.Media {
	return channel.Media{FileName: name, ContentType: "image/jpeg", Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil }}
}

func kindOf(t *testing.T, err error) *channel.Error {
	t.Helper()
	var ce *channel.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *channel.Error", err, err)
	}
	return ce
}

func TestNew(t *testing.T) {
	if _, err := facebook.New(channel.Account{Network: limits.Facebook}, channel.Credentials{"page_id": "1"}, nil); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("no token: %v", err)
	}
	if _, err := facebook.New(channel.Account{Network: limits.Facebook}, channel.Credentials{"page_access_token": "x"}, nil); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("no page: %v", err)
	}
	if _, err := facebook.New(channel.Account{Network: limits.Mastodon}, channel.Credentials{"page_id": "1", "page_access_token": "x"}, nil); err == nil {
		t.Fatal("wrong network accepted")
	}
	if _, err := facebook.New(channel.Account{Network: limits.Facebook, BaseURL: "ftp://x"}, channel.Credentials{"page_id": "1", "page_access_token": "x"}, nil); err == nil {
		t.Fatal("bad base URL accepted")
	}
}

func TestPublishText(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	pub, err := c.Publish(context.Background(), channel.Post{Text: "Statement on the summit", Link: "https://mfa.example/s", IdempotencyKey: "attache-v1-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pub.ExternalID, f.PageID+"_") || pub.URL != "https://www.facebook.com/"+pub.ExternalID || pub.At.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	posts := f.Objects("post")
	if len(posts) != 1 || posts[0].Text != "Statement on the summit" || posts[0].Link != "https://mfa.example/s" {
		t.Fatalf("posts %+v", posts)
	}
	r := f.Requests()[0]
	if r.Method != "POST" || r.Path != "/"+f.PageID+"/feed" || r.Header.Get("Authorization") != "Bearer tok" || r.Form.Get("access_token") != "" {
		t.Fatalf("request %+v", r)
	}
	if !strings.Contains(f.Requests()[0].Header.Get("User-Agent"), "Attache") {
		t.Fatal("no user agent")
	}
}

func TestPublishPhoto(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	pub, err := c.Publish(context.Background(), channel.Post{Text: "Ambassador meets the minister", Media: []channel.Media{media("a.jpg", "Two people shaking hands", "JPEGDATA")}})
	if err != nil {
		t.Fatal(err)
	}
	photos := f.Objects("photo")
	if len(photos) != 1 || photos[0].Alt != "Two people shaking hands" || photos[0].Text != "Ambassador meets the minister" || photos[0].Size != 8 || !photos[0].Published {
		t.Fatalf("photos %+v", photos)
	}
	posts := f.Objects("post")
	if len(posts) != 1 || pub.ExternalID != posts[0].ID {
		t.Fatalf("external id %q, posts %+v", pub.ExternalID, posts)
	}
	r := f.Requests()[0]
	if r.Path != "/"+f.PageID+"/photos" || string(r.Files["source"]) != "JPEGDATA" {
		t.Fatalf("request %+v", r)
	}

	// Several photos: uploaded unpublished, attached to one feed post.
	pub, err = c.Publish(context.Background(), channel.Post{Text: "Gallery", Media: []channel.Media{media("a.jpg", "A", "1"), media("b.jpg", "B", "22")}})
	if err != nil {
		t.Fatal(err)
	}
	post := f.Object(pub.ExternalID)
	if post == nil || post.Kind != "post" || len(post.Attached) != 2 || post.Text != "Gallery" {
		t.Fatalf("gallery post %+v", post)
	}
	for _, id := range post.Attached {
		if ph := f.Object(id); ph == nil || ph.Published {
			t.Fatalf("attached photo %+v", ph)
		}
	}
}

func TestPublishReplyAndEmpty(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	parent, err := c.Publish(context.Background(), channel.Post{Text: "Parent"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := c.Publish(context.Background(), channel.Post{Text: "Thank you", ReplyTo: parent.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	if o := f.Object(pub.ExternalID); o == nil || o.Kind != "comment" || o.Parent != parent.ExternalID {
		t.Fatalf("reply %+v", o)
	}
	if _, err := c.Publish(context.Background(), channel.Post{Text: "  "}); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("empty post: %v", err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name       string
		fl         testutil.FakeMetaFailure
		kind       channel.Kind
		minRetry   time.Duration
		msgContain string
	}{
		{"expired token", testutil.FakeMetaFailure{Code: 190, Subcode: 463, Message: "Error validating access token: Session has expired"}, channel.Unauthorized, 0, "reconnect"},
		{"app rate limit", testutil.FakeMetaFailure{Code: 4, Message: "(#4) Application request limit reached"}, channel.Transient, facebook.DefaultRetryAfter, "code 4"},
		{"user rate limit", testutil.FakeMetaFailure{Code: 17, Message: "(#17) User request limit reached"}, channel.Transient, facebook.DefaultRetryAfter, ""},
		{"page rate limit", testutil.FakeMetaFailure{Code: 32, Message: "(#32) Page request limit reached"}, channel.Transient, facebook.DefaultRetryAfter, ""},
		{"custom rate limit", testutil.FakeMetaFailure{Code: 613, Message: "Calls to this api have exceeded the rate limit."}, channel.Transient, facebook.DefaultRetryAfter, ""},
		{"business use case", testutil.FakeMetaFailure{Code: 80001, Message: "There have been too many calls to this Page account.",
			Header: map[string]string{"X-Business-Use-Case-Usage": `{"1001":[{"type":"pages","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":30}]}`}},
			channel.Transient, 30 * time.Minute, ""},
		{"is_transient", testutil.FakeMetaFailure{Status: 500, Code: 2, Message: "An unexpected error has occurred.", IsTransient: true}, channel.Transient, 0, ""},
		{"bad parameter", testutil.FakeMetaFailure{Code: 100, Message: "(#100) Invalid parameter"}, channel.Permanent, 0, "Invalid parameter"},
		{"permission", testutil.FakeMetaFailure{Status: 403, Code: 200, Message: "(#200) Requires pages_manage_posts permission"}, channel.Permanent, 0, "permission"},
		{"container not ready", testutil.FakeMetaFailure{Code: 9007, Subcode: 2207027, Message: "Media ID is not available"}, channel.Transient, 30 * time.Second, ""},
		{"duplicate", testutil.FakeMetaFailure{Code: 506, Message: "Duplicate status message"}, channel.Permanent, 0, "Duplicate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := testutil.NewFakeMeta(t, "tok")
			c := newConn(t, f)
			f.Fail(tc.fl)
			_, err := c.Publish(context.Background(), channel.Post{Text: "Hello"})
			ce := kindOf(t, err)
			if ce.Kind != tc.kind || ce.RetryAfter < tc.minRetry || !strings.Contains(ce.Message, tc.msgContain) {
				t.Fatalf("got kind %v retry %v message %q", ce.Kind, ce.RetryAfter, ce.Message)
			}
			if !strings.HasPrefix(ce.Message, "Facebook") {
				t.Fatalf("message %q does not name the network", ce.Message)
			}
		})
	}
	// A revoked token (the fake refuses another token) is Unauthorized too.
	f := testutil.NewFakeMeta(t, "other")
	c := newConn(t, f)
	if _, err := c.Publish(context.Background(), channel.Post{Text: "Hello"}); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("wrong token: %v", err)
	}
	// Unreachable: transient.
	f.Close()
	if _, err := c.Publish(context.Background(), channel.Post{Text: "Hello"}); channel.KindOf(err) != channel.Transient {
		t.Fatalf("closed server: %v", err)
	}
}

func TestUsageBackoff(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c.Graph().Now = func() time.Time { return now }
	f.AppUsage = `{"call_count":95,"total_time":20,"total_cputime":20}`
	if _, err := c.Publish(context.Background(), channel.Post{Text: "First"}); err != nil {
		t.Fatal(err) // this call went through; the next ones wait
	}
	n := len(f.Requests())
	_, err := c.Publish(context.Background(), channel.Post{Text: "Second"})
	ce := kindOf(t, err)
	if ce.Kind != channel.Transient || ce.RetryAfter != facebook.DefaultRetryAfter || len(f.Requests()) != n {
		t.Fatalf("above 90%%: %+v, %d requests", ce, len(f.Requests())-n)
	}
	now = now.Add(facebook.DefaultRetryAfter + time.Second)
	f.AppUsage = `{"call_count":40,"total_time":20,"total_cputime":20}`
	if _, err := c.Publish(context.Background(), channel.Post{Text: "Second"}); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	// Below the limit nothing stops.
	if _, err := c.Publish(context.Background(), channel.Post{Text: "Third"}); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	p := channel.Post{Text: "Line one\nline two", IdempotencyKey: "attache-v3-1"}
	if _, ok, err := c.Find(ctx, p); err != nil || ok {
		t.Fatalf("before: ok %v err %v", ok, err)
	}
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Find(ctx, channel.Post{Text: "Line one  line two"})
	if err != nil || !ok || got.ExternalID != pub.ExternalID || got.URL != pub.URL {
		t.Fatalf("find: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := c.Find(ctx, channel.Post{Text: "Something else"}); ok {
		t.Fatal("found another text")
	}
	// A reply is found among the comments of its parent.
	r, err := c.Publish(ctx, channel.Post{Text: "Reply", ReplyTo: pub.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err = c.Find(ctx, channel.Post{Text: "Reply", ReplyTo: pub.ExternalID})
	if err != nil || !ok || got.ExternalID != r.ExternalID {
		t.Fatalf("find reply: %+v %v %v", got, ok, err)
	}
}

func TestMentions(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{Text: "Post"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	f.AddComment(pub.ExternalID, "77", "Olena K", "Second", t0.Add(2*time.Minute))
	first := f.AddComment(pub.ExternalID, "78", "Ivan P", "First", t0)
	f.AddComment(pub.ExternalID, f.PageID, "Page", "Our own answer", t0.Add(3*time.Minute))
	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ExternalID != first || ms[0].Text != "First" || ms[0].AuthorID != "78" || ms[0].AuthorName != "Ivan P" ||
		ms[0].InReplyTo != pub.ExternalID || !ms[0].At.Equal(t0) || ms[0].URL == "" || ms[1].Text != "Second" {
		t.Fatalf("mentions %+v", ms)
	}
	if cursor == "" {
		t.Fatal("no cursor")
	}
	f.AddComment(pub.ExternalID, "79", "New", "Third", t0.Add(10*time.Minute))
	ms, cursor2, err := c.Mentions(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	// since is inclusive: the newest already seen may come again (the
	// engine ignores known ids); older ones do not.
	var texts []string
	for _, m := range ms {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "Second,Third" || cursor2 <= cursor {
		t.Fatalf("after cursor: %v, cursor %q → %q", texts, cursor, cursor2)
	}
	var saw bool
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/comments") && r.Query.Get("since") == cursor {
			saw = true
		}
	}
	if !saw {
		t.Fatal("since not sent")
	}
	f.Fail(testutil.FakeMetaFailure{Code: 190, Message: "expired"})
	if _, cur, err := c.Mentions(ctx, cursor2); channel.KindOf(err) != channel.Unauthorized || cur != cursor2 {
		t.Fatalf("expired: %v %q", err, cur)
	}
}

func TestMetrics(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	a, _ := c.Publish(ctx, channel.Post{Text: "A"})
	b, _ := c.Publish(ctx, channel.Post{Text: "B"})
	f.Update(a.ExternalID, func(o *testutil.FakeMetaObject) { o.Reactions, o.Comments, o.Shares = 12, 3, 4 })
	f.Delete(b.ExternalID)
	m, err := c.Metrics(ctx, []string{a.ExternalID, b.ExternalID})
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[a.ExternalID] != (channel.Metrics{Likes: 12, Replies: 3, Reposts: 4}) {
		t.Fatalf("metrics %+v", m)
	}
	var q string
	for _, r := range f.Requests() {
		if r.Method == "GET" && r.Path == "/"+a.ExternalID {
			q = r.Query.Get("fields")
		}
	}
	if !strings.Contains(q, "reactions.summary(true)") || !strings.Contains(q, "comments.summary(true)") || !strings.Contains(q, "shares") {
		t.Fatalf("fields %q", q)
	}
	f.Fail(testutil.FakeMetaFailure{Code: 4, Message: "(#4) Application request limit reached"})
	if _, err := c.Metrics(ctx, []string{a.ExternalID}); channel.KindOf(err) != channel.Transient {
		t.Fatalf("rate limit: %v", err)
	}
}

func TestRefreshAndVerify(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	if _, _, changed, err := c.Refresh(context.Background()); changed || err != nil {
		t.Fatal("page tokens do not refresh")
	}
	if name, err := c.Verify(context.Background()); err != nil || name != "Embassy of Ukraine" {
		t.Fatalf("verify: %q %v", name, err)
	}
}

func TestImageURL(t *testing.T) {
	if _, ok := facebook.ImageURL(channel.Post{Link: "https://mfa.example/news/1"}, nil); ok {
		t.Fatal("a page link is not an image")
	}
	if u, ok := facebook.ImageURL(channel.Post{Link: "https://cdn.example/a/photo.JPG?x=1"}, nil); !ok || u == "" {
		t.Fatal("jpeg link")
	}
	res := func(channel.Media) string { return "https://public.example/m/1.jpg" }
	if u, ok := facebook.ImageURL(channel.Post{Media: []channel.Media{{FileName: "a.jpg"}}}, res); !ok || u != "https://public.example/m/1.jpg" {
		t.Fatal("resolver")
	}
}
