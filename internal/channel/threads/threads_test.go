package threads_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/channel/threads"
	"github.com/attache-project/attache/internal/testutil"
)

func newConn(t *testing.T, f *testutil.FakeMeta) *threads.Connector {
	t.Helper()
	c, err := threads.New(channel.Account{Network: limits.Threads, BaseURL: f.URL},
		channel.Credentials{"user_id": f.ThreadsUID, "access_token": "tok"}, f.Client())
	if err != nil {
		t.Fatal(err)
	}
	tc := c.(*threads.Connector)
	tc.Poll, tc.Wait = time.Millisecond, 2*time.Second
	return tc
}

func post(text string) channel.Post {
	return channel.Post{VariantID: 9, Version: 2, IdempotencyKey: channel.IdempotencyKey(9, 2), Text: text}
}

func TestNew(t *testing.T) {
	if _, err := threads.New(channel.Account{Network: limits.Threads}, channel.Credentials{"user_id": "1"}, nil); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("no token: %v", err)
	}
	if _, err := threads.New(channel.Account{Network: limits.Threads}, channel.Credentials{"access_token": "x"}, nil); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("no user: %v", err)
	}
}

func TestPublishText(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	f.ContainerPolls = 2
	c := newConn(t, f)
	cp := &channel.MemoryCheckpoints{}
	ctx := channel.WithCheckpoints(context.Background(), cp)
	p := post("Ukraine at the UN General Assembly 🇺🇦")
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	th := f.Objects("thread")
	if len(th) != 1 || th[0].ID != pub.ExternalID || th[0].Text != p.Text || th[0].MediaType != "TEXT" {
		t.Fatalf("threads %+v", th)
	}
	if pub.URL != "https://www.threads.net/@attache/post/"+pub.ExternalID {
		t.Fatalf("url %q", pub.URL)
	}
	cs := f.Objects("container")
	if len(cs) != 1 || f.Count("GET", "/"+cs[0].ID) != 3 {
		t.Fatalf("containers %+v, polls %d", cs, f.Count("GET", "/"+cs[0].ID))
	}
	if v, _ := cp.Load(ctx, threads.ContainerKey(p)); v != cs[0].ID {
		t.Fatalf("container checkpoint %q", v)
	}
	for _, r := range f.Requests() {
		if r.Path == "/"+f.ThreadsUID+"/threads" && r.Method == "POST" && r.Form.Get("media_type") != "TEXT" {
			t.Fatalf("form %v", r.Form)
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			t.Fatal("no token")
		}
		if (r.Method == "POST" && r.Form.Get("access_token") != "tok") || (r.Method == "GET" && r.Query.Get("access_token") != "tok") {
			t.Fatalf("%s %s without the access_token parameter", r.Method, r.Path)
		}
	}
	if _, err := c.Publish(ctx, post(strings.Repeat("a", 501))); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("501 chars: %v", err)
	}
	if _, err := c.Publish(ctx, post(" ")); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("empty: %v", err)
	}
}

func TestPublishImageAndReply(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	p := post("With a photo")
	p.Media = []channel.Media{{FileName: "a.jpg", Alt: "The embassy"}}
	if _, err := c.Publish(ctx, p); channel.KindOf(err) != channel.Permanent || len(f.Requests()) != 0 {
		t.Fatalf("image without public URL: %v", err)
	}
	c.MediaURL = func(channel.Media) string { return "https://public.example/a.jpg" }
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if o := f.Object(pub.ExternalID); o == nil || o.MediaType != "IMAGE" || o.ImageURL != "https://public.example/a.jpg" || o.Alt != "The embassy" {
		t.Fatalf("image thread %+v", o)
	}
	r := post("A reply")
	r.IdempotencyKey = "attache-v10-1"
	r.ReplyTo = pub.ExternalID
	rp, err := c.Publish(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if o := f.Object(rp.ExternalID); o == nil || o.Parent != pub.ExternalID {
		t.Fatalf("reply %+v", o)
	}
	var sawReplyQuota bool
	for _, rq := range f.Requests() {
		if strings.HasSuffix(rq.Path, "/threads_publishing_limit") && strings.Contains(rq.Query.Get("fields"), "reply_quota_usage") {
			sawReplyQuota = true
		}
	}
	if !sawReplyQuota {
		t.Fatal("reply quota not checked")
	}
}

func TestFindCheckpointedContainer(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	cp := &channel.MemoryCheckpoints{}
	ctx := channel.WithCheckpoints(context.Background(), cp)
	p := post("Only once")
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	only := &channel.MemoryCheckpoints{}
	id, _ := cp.Load(ctx, threads.ContainerKey(p))
	_ = only.Save(ctx, threads.ContainerKey(p), id)
	ctx2 := channel.WithCheckpoints(context.Background(), only)
	got, ok, err := c.Find(ctx2, p)
	if err != nil || !ok || got.ExternalID != pub.ExternalID {
		t.Fatalf("find: %+v %v %v", got, ok, err)
	}
	again, err := c.Publish(ctx2, p)
	if err != nil || again.ExternalID != pub.ExternalID || f.Count("POST", "/"+f.ThreadsUID+"/threads_publish") != 1 {
		t.Fatalf("publish again: %+v %v", again, err)
	}
	// A container that is FINISHED but not published: not found, and the
	// retry publishes that very container.
	q := post("Crashed before publish")
	q.IdempotencyKey = "attache-v11-1"
	f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: "/" + f.ThreadsUID + "/threads_publish", Status: 503, Message: "Service Unavailable"})
	if _, err := c.Publish(ctx, q); channel.KindOf(err) != channel.Transient {
		t.Fatalf("503: %v", err)
	}
	if _, ok, err := c.Find(ctx, q); ok || err != nil {
		t.Fatalf("find unpublished: %v %v", ok, err)
	}
	n := len(f.Objects("container"))
	if _, err := c.Publish(ctx, q); err != nil {
		t.Fatal(err)
	}
	if len(f.Objects("container")) != n {
		t.Fatal("a second container was made")
	}
}

func TestErrors(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	f.Fail(testutil.FakeMetaFailure{Code: 190, Type: "OAuthException", Message: "Error validating access token: Session has expired"})
	if _, err := c.Publish(ctx, post("x")); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("190: %v", err)
	}
	f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: "/" + f.ThreadsUID + "/threads", Code: 613, Message: "Calls to this api have exceeded the rate limit."})
	_, err := c.Publish(ctx, post("x"))
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Kind != channel.Transient || ce.RetryAfter <= 0 {
		t.Fatalf("613: %v", err)
	}
	f.ContainerError = "UNKNOWN"
	if _, err := c.Publish(ctx, post("y")); channel.KindOf(err) != channel.Permanent || !strings.Contains(err.Error(), "UNKNOWN") {
		t.Fatalf("ERROR container: %v", err)
	}
	f.ContainerError = ""
	f.ThreadsQuotaUsed = 250
	if _, err := c.Publish(ctx, post("z")); !errors.As(err, &ce) || ce.Kind != channel.Transient || ce.RetryAfter < time.Hour {
		t.Fatalf("quota: %v", err)
	}
}

func TestRepliesAndInsights(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	pub, err := c.Publish(ctx, post("Talk to us"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	rid := f.AddComment(pub.ExternalID, "601", "Anna", "Question?", t0)
	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ExternalID != rid || ms[0].AuthorHandle != "anna" || ms[0].Text != "Question?" || ms[0].InReplyTo != pub.ExternalID ||
		!ms[0].At.Equal(t0) || ms[0].URL == "" {
		t.Fatalf("mentions %+v", ms)
	}
	// Our own reply is left out.
	r := post("Answer")
	r.IdempotencyKey, r.ReplyTo = "attache-v12-1", pub.ExternalID
	if _, err := c.Publish(ctx, r); err != nil {
		t.Fatal(err)
	}
	ms, _, err = c.Mentions(ctx, cursor)
	if err != nil || len(ms) != 1 {
		t.Fatalf("after own reply: %+v %v", ms, err)
	}

	f.Update(pub.ExternalID, func(o *testutil.FakeMetaObject) { o.Likes, o.Replies, o.Reposts, o.Quotes, o.Views = 5, 2, 3, 1, 900 })
	m, err := c.Metrics(ctx, []string{pub.ExternalID, "404"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[pub.ExternalID] != (channel.Metrics{Likes: 5, Replies: 2, Reposts: 3, Quotes: 1, Views: 900}) {
		t.Fatalf("metrics %+v", m)
	}
}

func TestRefresh(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	creds, exp, changed, err := c.Refresh(context.Background())
	if err != nil || !changed || creds["access_token"] != "tok-refreshed" || creds["user_id"] != f.ThreadsUID || time.Until(exp) < 59*24*time.Hour {
		t.Fatalf("refresh: %v %v %v %v", creds, exp, changed, err)
	}
	var saw bool
	for _, r := range f.Requests() {
		if r.Path == "/refresh_access_token" && r.Query.Get("grant_type") == "th_refresh_token" {
			saw = true
		}
	}
	if !saw {
		t.Fatal("refresh endpoint not called")
	}
	f.Fail(testutil.FakeMetaFailure{Path: "/refresh_access_token", Code: 190, Message: "expired"})
	if _, _, _, err := c.Refresh(context.Background()); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("expired refresh: %v", err)
	}
}
