package viber

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

const token = "4453b6ac12345678-e02c5f12174805f9-daec00000000000"

func connect(t *testing.T, f *testutil.FakeViber, tok, from string) *Connector {
	t.Helper()
	c, err := New(channel.Account{Network: limits.Viber, BaseURL: f.URL}, channel.Credentials{"auth_token": tok, "from": from}, netguard.Client(true, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
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
	if _, err := New(channel.Account{Network: limits.Viber}, channel.Credentials{"auth_token": "x"}, nil); err == nil {
		t.Error("no from accepted")
	}
	if _, err := New(channel.Account{Network: limits.Viber}, channel.Credentials{"from": "x"}, nil); err == nil {
		t.Error("no token accepted")
	}
	c, err := New(channel.Account{Network: limits.Viber}, channel.Credentials{"auth_token": "x", "from": "y"}, nil)
	if err != nil || c.(*Connector).base != DefaultBaseURL {
		t.Fatalf("%v %+v", err, c)
	}
}

func TestPublish(t *testing.T) {
	f := testutil.NewFakeViber(t, token)
	c := connect(t, f, token, "admin-id==")
	ctx := context.Background()
	text := "Заява Міністерства закордонних справ https://mfa.example/s?utm_source=viber"
	pub, err := c.Publish(ctx, channel.Post{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 || posts[0].Text != text || posts[0].From != "admin-id==" || posts[0].Type != "text" {
		t.Fatalf("posts %+v", posts)
	}
	// The 64-bit message token survives (no float rounding).
	if pub.ExternalID != "5098034272017990001" || pub.At.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	if _, ok, err := c.Find(ctx, channel.Post{Text: text}); ok || err != nil {
		t.Fatal("find")
	}
	if ms, cur, err := c.Mentions(ctx, "c"); len(ms) != 0 || cur != "c" || err != nil {
		t.Fatal("mentions")
	}
	if mt, err := c.Metrics(ctx, []string{pub.ExternalID}); len(mt) != 0 || err != nil {
		t.Fatal("metrics")
	}
	if name, err := c.Verify(ctx); err != nil || name != "MFA of Moldova" {
		t.Fatalf("verify %q %v", name, err)
	}
	if _, err := connect(t, f, token, "someone").Verify(ctx); err == nil {
		t.Fatal("verify with a non-member from")
	}
}

func TestErrors(t *testing.T) {
	f := testutil.NewFakeViber(t, token)
	c := connect(t, f, token, "admin-id==")
	ctx := context.Background()
	post := channel.Post{Text: "hello"}

	f.FailStatus(12, 1)
	if _, err := c.Publish(ctx, post); chErr(t, err).Kind != channel.Transient {
		t.Fatalf("12: %v", err)
	}
	_, err := connect(t, f, "wrong", "admin-id==").Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "token") {
		t.Fatalf("2: %+v", ce)
	}
	_, err = connect(t, f, token, "stranger").Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "status 3") {
		t.Fatalf("3: %+v", ce)
	}
	f.WebhookSet = false
	_, err = c.Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "webhook") {
		t.Fatalf("10: %+v", ce)
	}
	f.WebhookSet = true
	_, err = c.Publish(ctx, channel.Post{Text: strings.Repeat("я", 7001)})
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "7000") {
		t.Fatalf("too long: %+v", ce)
	}
	if len(f.Posts()) != 0 {
		t.Fatalf("posts %+v", f.Posts())
	}
	// The answer comes too late: the post exists, the error is permanent.
	c.Timeout = 150 * time.Millisecond
	f.HangNext(600 * time.Millisecond)
	_, err = c.Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "outcome unknown") {
		t.Fatalf("timeout: %+v", ce)
	}
	if len(f.Posts()) != 1 {
		t.Fatalf("posts %+v", f.Posts())
	}
	// Nothing reached Viber: transient.
	dead := testutil.NewFakeViber(t, token)
	d := connect(t, dead, token, "admin-id==")
	dead.Close()
	if _, err := d.Publish(ctx, post); chErr(t, err).Kind != channel.Transient {
		t.Fatalf("refused: %v", err)
	}
}
