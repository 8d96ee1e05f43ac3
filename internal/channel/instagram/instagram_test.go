package instagram_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/facebook"
	"github.com/attache-project/attache/internal/channel/instagram"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/testutil"
)

const img = "https://cdn.mfa.example/photos/summit.jpg"

func newConn(t *testing.T, f *testutil.FakeMeta) *instagram.Connector {
	t.Helper()
	c, err := instagram.New(channel.Account{Network: limits.Instagram, BaseURL: f.URL},
		channel.Credentials{"ig_user_id": f.IGUserID, "access_token": "tok"}, f.Client())
	if err != nil {
		t.Fatal(err)
	}
	ic := c.(*instagram.Connector)
	ic.Poll, ic.Wait = time.Millisecond, 2*time.Second
	return ic
}

func post(text string) channel.Post {
	return channel.Post{VariantID: 7, Version: 1, IdempotencyKey: channel.IdempotencyKey(7, 1), Text: text, Link: img}
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
	if _, err := instagram.New(channel.Account{Network: limits.Instagram}, channel.Credentials{"ig_user_id": "1"}, nil); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("no token: %v", err)
	}
	if _, err := instagram.New(channel.Account{Network: limits.Instagram}, channel.Credentials{"access_token": "x"}, nil); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("no user: %v", err)
	}
}

func TestContainerFlow(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	f.ContainerPolls = 2
	c := newConn(t, f)
	cp := &channel.MemoryCheckpoints{}
	ctx := channel.WithCheckpoints(context.Background(), cp)
	p := post("Summit in Kyiv #diplomacy")
	p.Media = []channel.Media{{FileName: "summit.jpg", Alt: "Leaders at the table"}}
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	media := f.Objects("media")
	if len(media) != 1 || pub.ExternalID != media[0].ID || media[0].Text != p.Text || media[0].ImageURL != img || media[0].Alt != "Leaders at the table" {
		t.Fatalf("published %+v, media %+v", pub, media)
	}
	if pub.URL != "https://www.instagram.com/p/"+pub.ExternalID+"/" || pub.At.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	containers := f.Objects("container")
	if len(containers) != 1 || containers[0].Status != "PUBLISHED" || media[0].Container != containers[0].ID {
		t.Fatalf("containers %+v", containers)
	}
	if n := f.Count("GET", "/"+containers[0].ID); n != 3 {
		t.Fatalf("status polled %d times, want 3 (2 IN_PROGRESS, then FINISHED)", n)
	}
	if f.Count("GET", "/"+f.IGUserID+"/content_publishing_limit") != 1 {
		t.Fatal("quota not checked")
	}
	// The container id was checkpointed before publishing, the media id after.
	if v, _ := cp.Load(ctx, instagram.ContainerKey(p)); v != containers[0].ID {
		t.Fatalf("container checkpoint %q", v)
	}
	if v, _ := cp.Load(ctx, instagram.MediaKey(p)); v != pub.ExternalID {
		t.Fatalf("media checkpoint %q", v)
	}
	for _, r := range f.Requests() {
		if r.Path == "/"+f.IGUserID+"/media_publish" && r.Form.Get("creation_id") != containers[0].ID {
			t.Fatalf("creation_id %q", r.Form.Get("creation_id"))
		}
	}
	// Without checkpoints it works too.
	if _, err := c.Publish(context.Background(), post("Second")); err != nil {
		t.Fatal(err)
	}
}

func TestNeedsPublicImage(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	p := post("No image")
	p.Link = "https://mfa.example/news/1"
	p.Media = []channel.Media{{FileName: "a.png", ContentType: "image/png", Alt: "A chart"}, {FileName: "a.jpg", ContentType: "image/jpeg", Alt: "The minister"}}
	ce := chErr(t, func() error { _, err := c.Publish(context.Background(), p); return err }())
	if ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "public") || len(f.Requests()) != 0 {
		t.Fatalf("%+v, %d requests", ce, len(f.Requests()))
	}
	// With a resolver giving attachments a public address, the first JPEG
	// goes (Instagram takes no PNG), with its own alt text.
	c.MediaURL = func(m channel.Media) string { return "https://public.example/m/" + m.FileName }
	if _, err := c.Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if m := f.Objects("media"); len(m) != 1 || m[0].ImageURL != "https://public.example/m/a.jpg" || m[0].Alt != "The minister" {
		t.Fatalf("media %+v", m)
	}
	// Attachments but no JPEG among them: the reason names the format.
	p = post("Only a PNG")
	p.Link = ""
	p.Media = []channel.Media{{FileName: "a.png", ContentType: "image/png"}}
	ce = chErr(t, func() error { _, err := c.Publish(context.Background(), p); return err }())
	if ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "JPEG images only") {
		t.Fatalf("%+v", ce)
	}
}

func TestCaptionLimits(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	tags := strings.Repeat("#tag ", 31)
	if _, err := c.Publish(context.Background(), post(tags)); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("31 hashtags: %v", err)
	}
	if _, err := c.Publish(context.Background(), post(strings.Repeat("a", 2201))); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("2201 chars: %v", err)
	}
	if len(f.Requests()) != 0 {
		t.Fatal("called Instagram")
	}
	if _, err := c.Publish(context.Background(), post(strings.Repeat("#t ", 30))); err != nil {
		t.Fatalf("30 hashtags: %v", err)
	}
}

// A crash after media_publish but before the engine recorded the outcome:
// Find sees the checkpointed container PUBLISHED and returns the media;
// nothing is published twice.
func TestFindCheckpointedContainer(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	cp := &channel.MemoryCheckpoints{}
	ctx := channel.WithCheckpoints(context.Background(), cp)
	p := post("Exactly once")
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// Only the container id survived (the crash came before the media
	// checkpoint).
	only := &channel.MemoryCheckpoints{}
	container, _ := cp.Load(ctx, instagram.ContainerKey(p))
	_ = only.Save(ctx, instagram.ContainerKey(p), container)
	ctx2 := channel.WithCheckpoints(context.Background(), only)
	got, ok, err := c.Find(ctx2, p)
	if err != nil || !ok || got.ExternalID != pub.ExternalID || got.URL == "" {
		t.Fatalf("find: %+v %v %v", got, ok, err)
	}
	// Publish with the same checkpoints does not publish again either.
	again, err := c.Publish(ctx2, p)
	if err != nil || again.ExternalID != pub.ExternalID {
		t.Fatalf("publish again: %+v %v", again, err)
	}
	if n := f.Count("POST", "/"+f.IGUserID+"/media_publish"); n != 1 {
		t.Fatalf("media_publish called %d times", n)
	}
	if n := len(f.Objects("container")); n != 1 {
		t.Fatalf("%d containers", n)
	}
	// With the media checkpoint Find needs no listing.
	got, ok, err = c.Find(ctx, p)
	if err != nil || !ok || got.ExternalID != pub.ExternalID {
		t.Fatalf("find by media checkpoint: %+v %v %v", got, ok, err)
	}
	// Without checkpoints, the caption among the latest media.
	got, ok, err = c.Find(context.Background(), p)
	if err != nil || !ok || got.ExternalID != pub.ExternalID {
		t.Fatalf("find by caption: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := c.Find(context.Background(), post("never posted")); ok {
		t.Fatal("found a post never made")
	}
}

// A failure between the container and media_publish: the retry reuses the
// checkpointed container instead of making another.
func TestRetryReusesContainer(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	cp := &channel.MemoryCheckpoints{}
	ctx := channel.WithCheckpoints(context.Background(), cp)
	p := post("Retry me")
	f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: "/" + f.IGUserID + "/media_publish", Status: 500, Code: 2, Message: "Service temporarily unavailable", IsTransient: true})
	if _, err := c.Publish(ctx, p); channel.KindOf(err) != channel.Transient {
		t.Fatalf("first attempt: %v", err)
	}
	if _, ok, err := c.Find(ctx, p); ok || err != nil {
		t.Fatalf("find after failure: %v %v", ok, err)
	}
	pub, err := c.Publish(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count("POST", "/"+f.IGUserID+"/media"); n != 1 {
		t.Fatalf("%d containers made", n)
	}
	if m := f.Objects("media"); len(m) != 1 || m[0].ID != pub.ExternalID {
		t.Fatalf("media %+v", m)
	}
}

func TestContainerErrorAndExpiry(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	f.ContainerPolls = 1
	f.ContainerError = "The image could not be fetched"
	c := newConn(t, f)
	ce := chErr(t, func() error { _, err := c.Publish(context.Background(), post("x")); return err }())
	if ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "could not be fetched") {
		t.Fatalf("%+v", ce)
	}
	if f.Count("POST", "/"+f.IGUserID+"/media_publish") != 0 {
		t.Fatal("published an ERROR container")
	}

	// Still in progress when the wait is over: transient; a retry reuses it.
	f2 := testutil.NewFakeMeta(t, "tok")
	f2.ContainerPolls = 1000
	c2 := newConn(t, f2)
	c2.Wait = 5 * time.Millisecond
	cp := &channel.MemoryCheckpoints{}
	ctx := channel.WithCheckpoints(context.Background(), cp)
	if _, err := c2.Publish(ctx, post("slow")); channel.KindOf(err) != channel.Transient {
		t.Fatalf("slow: %v", err)
	}
	id, _ := cp.Load(ctx, instagram.ContainerKey(post("slow")))
	f2.Update(id, func(o *testutil.FakeMetaObject) { o.Status = "EXPIRED" })
	// An expired container is replaced by a new one.
	f2.ContainerPolls = 0
	if _, err := c2.Publish(ctx, post("slow")); err != nil {
		t.Fatal(err)
	}
	if n := len(f2.Objects("container")); n != 2 {
		t.Fatalf("%d containers", n)
	}
}

func TestPublishingLimit(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	f.IGQuotaUsed = 50
	c := newConn(t, f)
	ce := chErr(t, func() error { _, err := c.Publish(context.Background(), post("over")); return err }())
	if ce.Kind != channel.Transient || ce.RetryAfter < time.Hour || len(f.Objects("container")) != 0 {
		t.Fatalf("%+v", ce)
	}
	// The network's own answer when the limit is hit between check and
	// publish.
	f.IGQuotaUsed = 0
	f.Fail(testutil.FakeMetaFailure{Path: "/" + f.IGUserID + "/media_publish", Status: 403, Code: 9, Subcode: facebook.SubcodePublishLimit,
		Message: "Application request limit reached"})
	ce = chErr(t, func() error { _, err := c.Publish(context.Background(), post("limit")); return err }())
	if ce.Kind != channel.Transient || ce.RetryAfter < time.Hour {
		t.Fatalf("%+v", ce)
	}
}

func TestTokenAndRateLimit(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	f.Fail(testutil.FakeMetaFailure{Code: 190, Message: "Error validating access token: The session has been invalidated"})
	if _, err := c.Publish(context.Background(), post("x")); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("190: %v", err)
	}
	f.Fail(testutil.FakeMetaFailure{Path: "/" + f.IGUserID + "/media", Method: "POST", Code: 4, Message: "(#4) Application request limit reached"})
	ce := chErr(t, func() error { _, err := c.Publish(context.Background(), post("x")); return err }())
	if ce.Kind != channel.Transient || ce.RetryAfter < facebook.DefaultRetryAfter {
		t.Fatalf("%+v", ce)
	}
	if _, _, changed, err := c.Refresh(context.Background()); changed || err != nil {
		t.Fatal("refresh")
	}
}

func TestMentionsAndMetrics(t *testing.T) {
	f := testutil.NewFakeMeta(t, "tok")
	c := newConn(t, f)
	ctx := context.Background()
	pub, err := c.Publish(ctx, post("Photo"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	f.AddComment(pub.ExternalID, "501", "Maria", "Beautiful", t0)
	f.AddComment(pub.ExternalID, f.IGUserID, "Attache", "Thanks", t0.Add(time.Minute))
	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Text != "Beautiful" || ms[0].AuthorHandle != "maria" || ms[0].AuthorID != "501" || ms[0].InReplyTo != pub.ExternalID ||
		!ms[0].At.Equal(t0) || ms[0].URL != pub.URL {
		t.Fatalf("mentions %+v", ms)
	}
	f.AddComment(pub.ExternalID, "502", "Petro", "Later", t0.Add(5*time.Minute))
	ms, _, err = c.Mentions(ctx, cursor)
	if err != nil || len(ms) != 2 || ms[1].Text != "Later" {
		t.Fatalf("after cursor %+v %v", ms, err)
	}

	f.Update(pub.ExternalID, func(o *testutil.FakeMetaObject) { o.Likes, o.Comments = 40, 2 })
	m, err := c.Metrics(ctx, []string{pub.ExternalID, "999"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || m[pub.ExternalID] != (channel.Metrics{Likes: 40, Replies: 2}) {
		t.Fatalf("metrics %+v", m)
	}
}
