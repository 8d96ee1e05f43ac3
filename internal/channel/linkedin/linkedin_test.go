package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

const (
	access  = "li-access-0"
	refresh = "li-refresh-0"
	org     = "urn:li:organization:2414183"
)

func creds(f *testutil.FakeLinkedIn) channel.Credentials {
	return channel.Credentials{"access_token": access, "refresh_token": refresh, "client_id": f.ClientID, "client_secret": f.ClientSecret, "author_urn": org}
}

func connect(t *testing.T, f *testutil.FakeLinkedIn, cr channel.Credentials) *Connector {
	t.Helper()
	if cr == nil {
		cr = creds(f)
	}
	c, err := New(channel.Account{Network: limits.LinkedIn, BaseURL: f.URL}, cr, netguard.Client(true, 5*time.Second))
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

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, with: punctuation! ok?", "plain text, with: punctuation! ok?"},
		{`a\b|c{d}e@f[g]h(i)j<k>l*m_n~o`, `a\\b\|c\{d\}e\@f\[g\]h\(i\)j\<k\>l\*m\_n\~o`},
		{"Meeting (today) with @UN", `Meeting \(today\) with \@UN`},
		{"#Ukraine and #EU_2026 at the summit", `{hashtag|\#|Ukraine} and {hashtag|\#|EU\_2026} at the summit`},
		{"Дипломатія #Україна.", `Дипломатія {hashtag|\#|Україна}.`},
		{"room #", `room \#`},
		{"C# and a#b", `C\# and a\#b`},
		{"https://mfa.example/a_b?x=(1)", `https://mfa.example/a\_b?x=\(1\)`},
	} {
		got := Escape(tc.in)
		if got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if back := Unescape(got); back != tc.in {
			t.Errorf("Unescape(Escape(%q)) = %q", tc.in, back)
		}
	}
}

func TestNewValidation(t *testing.T) {
	base := channel.Credentials{"access_token": "a", "author_urn": org}
	c, err := New(channel.Account{Network: limits.LinkedIn}, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	lc := c.(*Connector)
	if lc.base != DefaultBaseURL || lc.oauthBase != DefaultOAuthBaseURL || lc.Version() != DefaultVersion {
		t.Errorf("defaults: %s %s %s", lc.base, lc.oauthBase, lc.Version())
	}
	for name, cr := range map[string]channel.Credentials{
		"no token":    {"author_urn": org},
		"no author":   {"access_token": "a"},
		"bad author":  {"access_token": "a", "author_urn": "2414183"},
		"bad version": {"access_token": "a", "author_urn": org, "api_version": "2025-10"},
	} {
		if _, err := New(channel.Account{Network: limits.LinkedIn}, cr, nil); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	c, err = New(channel.Account{Network: limits.LinkedIn}, channel.Credentials{"access_token": "a", "author_urn": org, "api_version": "202601"}, nil)
	if err != nil || c.(*Connector).Version() != "202601" {
		t.Errorf("api_version: %v", err)
	}
}

func TestPublishWithImagesAltTextAndVersionHeaders(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	text := "Ambassador (left) meets #students @ the school <3 https://mfa.example/a_b"
	pub, err := c.Publish(ctx, channel.Post{Text: text, Media: []channel.Media{image("a.png", "The ambassador with students")}})
	if err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 1 || pub.ExternalID != posts[0].URN || pub.URL != "https://www.linkedin.com/feed/update/"+posts[0].URN {
		t.Fatalf("published %+v, posts %+v", pub, posts)
	}
	p := posts[0]
	if p.Author != org || p.Visibility != "PUBLIC" || p.LifecycleState != "PUBLISHED" || p.FeedDistribution != "MAIN_FEED" || p.Commentary != Escape(text) {
		t.Errorf("post %+v", p)
	}
	if len(p.Images) != 1 || p.Images[0].AltText != "The ambassador with students" || p.Images[0].Owner != org || p.Images[0].ContentType != "image/png" || p.Images[0].Size == 0 {
		t.Errorf("images %+v", p.Images)
	}
	for _, r := range f.Requests() {
		if strings.HasPrefix(r.Path, "/rest/") && (r.Header.Get("Linkedin-Version") != DefaultVersion || r.Header.Get("X-Restli-Protocol-Version") != "2.0.0") {
			t.Errorf("%s %s without versioned headers: %v", r.Method, r.Path, r.Header)
		}
	}
	// Several images: multiImage.
	pub2, err := c.Publish(ctx, channel.Post{Text: "two", Media: []channel.Media{image("a.png", "one"), image("b.png", "two")}})
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	for _, r := range f.Requests() {
		if r.Path == "/rest/posts" && r.Method == "POST" {
			_ = json.Unmarshal(r.Body, &body)
		}
	}
	content, _ := body["content"].(map[string]any)
	if _, ok := content["multiImage"]; !ok {
		t.Errorf("content %v", body["content"])
	}
	if got := f.Posts()[1]; got.URN != pub2.ExternalID || len(got.Images) != 2 || got.Images[1].AltText != "two" {
		t.Errorf("second post %+v", got)
	}
	// Not an image: refused before anything is posted.
	_, err = c.Publish(ctx, channel.Post{Text: "video", Media: []channel.Media{{FileName: "v.mp4", ContentType: "video/mp4", Open: image("x", "").Open}}})
	if channel.KindOf(err) != channel.Permanent {
		t.Errorf("video: %v", err)
	}
}

func TestSunsetVersionIsPermanent(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	cr := creds(f)
	cr["api_version"] = "202301"
	c := connect(t, f, cr)
	_, err := c.Publish(context.Background(), channel.Post{Text: "hello"})
	ce := chErr(t, err)
	if ce.Kind != channel.Permanent || ce.Status != 426 || !strings.Contains(ce.Message, "202301") || !strings.Contains(ce.Message, "sunset") {
		t.Errorf("sunset: %+v", ce)
	}
	// A 400 naming the version is the same.
	c2 := connect(t, f, nil)
	f.Fail(testutil.FakeFailure{Path: "/rest/posts", Status: 400, Error: "Requested version 20251 is invalid"})
	if ce := chErr(t, func() error { _, err := c2.Publish(context.Background(), channel.Post{Text: "x"}); return err }()); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "sunset") {
		t.Errorf("400 version: %+v", ce)
	}
	if len(f.Posts()) != 0 {
		t.Error("posted with a sunset version")
	}
}

func TestUnknownOutcomeFoundNotDuplicated(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	post := channel.Post{Text: "Statement on #peace (full text) https://mfa.example/s"}
	f.FailAfter(testutil.FakeFailure{Method: "POST", Path: "/rest/posts", Status: 504, Error: "Gateway Timeout"})
	if _, err := c.Publish(ctx, post); channel.KindOf(err) != channel.Transient {
		t.Fatalf("lost answer: %v", err)
	}
	made := f.Posts()
	if len(made) != 1 {
		t.Fatalf("posts %+v", made)
	}
	pub, ok, err := c.Find(ctx, post)
	if err != nil || !ok || pub.ExternalID != made[0].URN || pub.At.IsZero() {
		t.Fatalf("Find = %+v %v %v", pub, ok, err)
	}
	for _, r := range f.Requests() {
		if r.Method == "GET" && r.Path == "/rest/posts" && (r.Query.Get("author") != org || r.Query.Get("q") != "author" || r.Header.Get("X-Restli-Method") != "FINDER") {
			t.Errorf("finder request %v %v", r.Query, r.Header)
		}
	}
	if _, ok, _ := c.Find(ctx, channel.Post{Text: "other"}); ok {
		t.Error("found another text")
	}
	// Retrying without Find: LinkedIn's duplicate refusal names the post.
	pub, err = c.Publish(ctx, post)
	if err != nil || pub.ExternalID != made[0].URN {
		t.Fatalf("retry = %+v %v", pub, err)
	}
	if len(f.Posts()) != 1 {
		t.Error("posted twice")
	}
}

func TestRefreshAndUnauthorized(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	f.ExpireAccess()
	if _, err := c.Publish(ctx, channel.Post{Text: "x"}); channel.KindOf(err) != channel.Unauthorized {
		t.Fatalf("expired: %v", err)
	}
	f.Fail(testutil.FakeFailure{Path: "/oauth/v2/accessToken", Status: 503, Error: "down"})
	if cr, _, changed, err := c.Refresh(ctx); err == nil || changed || cr != nil || channel.KindOf(err) != channel.Transient || c.creds["refresh_token"] != refresh {
		t.Fatalf("failed refresh: %v %v %v", cr, changed, err)
	}
	cr, exp, changed, err := c.Refresh(ctx)
	if err != nil || !changed || cr["access_token"] != "li-access-1" || cr["refresh_token"] != refresh || cr["author_urn"] != org || time.Until(exp) < 24*time.Hour {
		t.Fatalf("refresh: %v %v %v %v", cr, exp, changed, err)
	}
	if _, err := c.Publish(ctx, channel.Post{Text: "x"}); err != nil {
		t.Fatalf("after refresh: %v", err)
	}
	// Bad client secret: permanent, reconnect.
	bad := creds(f)
	bad["client_secret"] = "wrong"
	if _, _, _, err := connect(t, f, bad).Refresh(ctx); channel.KindOf(err) != channel.Permanent || !strings.Contains(err.Error(), "reconnect") {
		t.Errorf("bad secret: %v", err)
	}
	// No refresh token: nothing to renew.
	none := creds(f)
	delete(none, "refresh_token")
	if _, _, changed, err := connect(t, f, none).Refresh(ctx); changed || err != nil {
		t.Errorf("no refresh token: %v %v", changed, err)
	}
}

func TestCommentsAsMentions(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	a, _ := c.Publish(ctx, channel.Post{Text: "post a"})
	b, _ := c.Publish(ctx, channel.Post{Text: "post b"})
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	c1 := f.AddComment(a.ExternalID, "urn:li:person:alice", "Great work", t0)
	f.AddComment(a.ExternalID, org, "Thank you", t0.Add(time.Minute)) // our own reply
	c2 := f.AddComment(b.ExternalID, "urn:li:person:bob", "Where?", t0.Add(2*time.Minute))
	ms, cur, err := c.Mentions(ctx, "")
	if err != nil || len(ms) != 2 {
		t.Fatalf("mentions %+v %v", ms, err)
	}
	if ms[0].ExternalID != c1 || ms[0].InReplyTo != a.ExternalID || ms[0].AuthorID != "urn:li:person:alice" || ms[0].Text != "Great work" || !ms[0].At.Equal(t0) ||
		ms[1].ExternalID != c2 || ms[1].InReplyTo != b.ExternalID || !strings.Contains(ms[0].URL, "commentUrn=") {
		t.Errorf("mentions %+v", ms)
	}
	if ms, cur2, err := c.Mentions(ctx, cur); err != nil || len(ms) != 0 || cur2 != cur {
		t.Errorf("nothing new: %+v %q %v", ms, cur2, err)
	}
	c3 := f.AddComment(a.ExternalID, "urn:li:person:carol", "Congratulations", t0.Add(3*time.Minute))
	if ms, _, err := c.Mentions(ctx, cur); err != nil || len(ms) != 1 || ms[0].ExternalID != c3 {
		t.Errorf("new one: %+v %v", ms, err)
	}
	if _, _, err := c.Mentions(ctx, "yesterday"); channel.KindOf(err) != channel.Permanent {
		t.Errorf("bad cursor: %v", err)
	}
	f.Fail(testutil.FakeFailure{Path: "/rest/socialActions/", Status: 429, Error: "Too Many Requests", Header: map[string]string{"Retry-After": "60"}})
	_, cur4, err := c.Mentions(ctx, cur)
	if ce := chErr(t, err); ce.Kind != channel.Transient || ce.RetryAfter != time.Minute || cur4 != cur {
		t.Errorf("429: %+v %q", ce, cur4)
	}
}

func TestMetrics(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	a, _ := c.Publish(ctx, channel.Post{Text: "post a"})
	f.SetLikes(a.ExternalID, 42)
	f.AddComment(a.ExternalID, "urn:li:person:alice", "hi", time.Now())
	got, err := c.Metrics(ctx, []string{a.ExternalID, "urn:li:share:1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[a.ExternalID] != (channel.Metrics{Likes: 42, Replies: 1}) {
		t.Errorf("metrics %+v", got)
	}
	for _, r := range f.Requests() {
		if strings.HasPrefix(r.Path, "/rest/socialActions/") && r.Header.Get("Linkedin-Version") == "" {
			t.Error("no version header")
		}
	}
}

func TestErrorClassification(t *testing.T) {
	f := testutil.NewFakeLinkedIn(t, access, refresh)
	c := connect(t, f, nil)
	ctx := context.Background()
	pub := func() error { _, err := c.Publish(ctx, channel.Post{Text: "x"}); return err }
	f.Fail(testutil.FakeFailure{Path: "/rest/posts", Status: 429, Error: "Resource level throttle limit reached", Header: map[string]string{"Retry-After": "30"}})
	if ce := chErr(t, pub()); ce.Kind != channel.Transient || ce.RetryAfter != 30*time.Second {
		t.Errorf("429: %+v", ce)
	}
	f.Fail(testutil.FakeFailure{Path: "/rest/posts", Status: 500, Error: "Internal Server Error"})
	if ce := chErr(t, pub()); ce.Kind != channel.Transient {
		t.Errorf("500: %+v", ce)
	}
	f.Fail(testutil.FakeFailure{Path: "/rest/posts", Status: 403, Error: "Not enough permissions to access: partnerApiPostsExternal.CREATE"})
	if ce := chErr(t, pub()); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "permissions") {
		t.Errorf("403: %+v", ce)
	}
	f.Fail(testutil.FakeFailure{Path: "/rest/posts", Status: 400, Error: "/commentary :: field is invalid"})
	if ce := chErr(t, pub()); ce.Kind != channel.Permanent || strings.Contains(ce.Message, "sunset") {
		t.Errorf("400: %+v", ce)
	}
	if len(f.Posts()) != 0 {
		t.Error("posted after failures")
	}
}
