package viber

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
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

// imageServer serves body at /files/<name> as a public media server would.
func imageServer(t *testing.T, contentType string, body []byte) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/files/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPublishPicture(t *testing.T) {
	f := testutil.NewFakeViber(t, token)
	img := pngBytes(t)
	files := imageServer(t, "image/png", img)
	c := connect(t, f, token, "admin-id==")
	var asked []channel.Media
	c.MediaURL = func(m channel.Media) string {
		asked = append(asked, m)
		return files.URL + "/files/attache-" + m.SHA256 + ".png"
	}
	text := "Зустріч міністрів у Кишиневі https://mfa.example/s"
	post := channel.Post{Text: text, Media: []channel.Media{
		{FileName: "clip.mp4", ContentType: "video/mp4", Size: 5 << 20, SHA256: "v1"},
		{FileName: "meeting.png", ContentType: "image/png", Size: int64(len(img)), SHA256: "abc", Alt: "Two ministers"},
		{FileName: "second.jpg", ContentType: "image/jpeg", Size: 10, SHA256: "def"},
	}}
	pub, err := c.Publish(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	if pub.ExternalID == "" {
		t.Fatalf("published %+v", pub)
	}
	// The first image goes out, with the text as its caption.
	if len(asked) != 1 || asked[0].SHA256 != "abc" {
		t.Fatalf("MediaURL asked for %+v", asked)
	}
	posts := f.Posts()
	if len(posts) != 1 {
		t.Fatalf("posts %+v", posts)
	}
	p := posts[0]
	if p.Type != "picture" || p.Text != text || p.Media != files.URL+"/files/attache-abc.png" || p.From != "admin-id==" {
		t.Fatalf("post %+v", p)
	}
	// Viber (the fake) fetched the picture from that address.
	if p.FetchErr != "" || !bytes.Equal(p.Fetched, img) || p.FetchedType != "image/png" {
		t.Fatalf("fetched %d bytes (%q), error %q", len(p.Fetched), p.FetchedType, p.FetchErr)
	}
	req := f.Requests()[0]
	if _, ok := req["thumbnail"]; ok || len(req) != 4 {
		t.Fatalf("request %v", req)
	}

	// A picture needs no text: the description may be empty.
	if _, err := c.Publish(context.Background(), channel.Post{Media: post.Media[1:2]}); err != nil {
		t.Fatal(err)
	}
	if ps := f.Posts(); len(ps) != 2 || ps[1].Type != "picture" || ps[1].Text != "" || !bytes.Equal(ps[1].Fetched, img) {
		t.Fatalf("posts %+v", ps)
	}
}

func TestPictureRefused(t *testing.T) {
	f := testutil.NewFakeViber(t, token)
	c := connect(t, f, token, "admin-id==")
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // an address nothing answers
	c.MediaURL = func(m channel.Media) string { return gone.URL + "/media/p/tok/attache-" + m.SHA256 + ".jpg" }
	jpeg := channel.Media{FileName: "summit.jpg", ContentType: "image/jpeg", Size: 200_000, SHA256: "abc"}
	for _, tc := range []struct {
		name string
		post channel.Post
		want string
	}{
		{"a video", channel.Post{Text: "x", Media: []channel.Media{{FileName: "clip.mp4", ContentType: "video/mp4", Size: 1 << 20}}}, "attachment is a video"},
		{"webp", channel.Post{Text: "x", Media: []channel.Media{{FileName: "a.webp", ContentType: "image/webp", Size: 100}}}, "JPEG, PNG or GIF"},
		{"over 1 MB", channel.Post{Text: "x", Media: []channel.Media{{FileName: "big.jpg", ContentType: "image/jpeg", Size: 2_500_000}}}, "2.5 MB"},
		{"a long caption", channel.Post{Text: strings.Repeat("я", 769), Media: []channel.Media{jpeg}}, "768 characters long; this one has 769"},
		{"a long caption in UTF-16", channel.Post{Text: strings.Repeat("🇺🇦", 200), Media: []channel.Media{jpeg}}, "this one has 800"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Publish(context.Background(), tc.post)
			if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, tc.want) {
				t.Fatalf("%+v, want %q", ce, tc.want)
			}
		})
	}
	// Without a public address (the hook unset, or no address for the file).
	bare := connect(t, f, token, "admin-id==")
	_, err := bare.Publish(context.Background(), channel.Post{Text: "x", Media: []channel.Media{jpeg}})
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "public address") {
		t.Fatalf("no MediaURL: %+v", ce)
	}
	bare.MediaURL = func(channel.Media) string { return "" }
	if _, err := bare.Publish(context.Background(), channel.Post{Text: "x", Media: []channel.Media{jpeg}}); channel.KindOf(err) != channel.Permanent {
		t.Fatalf("no address: %v", err)
	}
	// Nothing reached Viber.
	if len(f.Requests()) != 0 {
		t.Fatalf("requests %v", f.Requests())
	}
	// At the limits: 768 characters and 1 MB go out.
	ok := jpeg
	ok.Size = MaxPictureBytes
	if _, err := c.Publish(context.Background(), channel.Post{Text: strings.Repeat("я", 768), Media: []channel.Media{ok}}); err != nil {
		t.Fatal(err)
	}
	if ps := f.Posts(); len(ps) != 1 || ps[0].Type != "picture" || ps[0].FetchErr == "" {
		t.Fatalf("posts %+v (nothing serves the picture, and the fake says so)", ps)
	}
}

// The fake refuses what Viber documents as bad picture data.
func TestFakeRefusesBadPictures(t *testing.T) {
	f := testutil.NewFakeViber(t, token)
	c := connect(t, f, token, "admin-id==")
	for _, tc := range []struct {
		name   string
		url    string
		status string
	}{
		{"no extension", "https://attache.example/media/p/tok/file", "status 3"},
		{"an html page", "https://attache.example/page.html", "status 3"},
		{"not a URL", "attache-abc.jpg", "status 3"},
		{"no media", "", "status 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.MediaURL = func(channel.Media) string { return tc.url }
			_, err := c.Publish(context.Background(), channel.Post{Text: "x", Media: []channel.Media{{ContentType: "image/jpeg", Size: 10}}})
			if tc.url == "" {
				// The connector refuses before calling; ask the fake directly.
				_, err = c.call(context.Background(), "/pa/post", map[string]any{"from": "admin-id==", "type": "picture", "text": ""}, true)
			}
			if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, tc.status) {
				t.Fatalf("%+v", ce)
			}
		})
	}
	_, err := c.call(context.Background(), "/pa/post", map[string]any{"from": "admin-id==", "type": "picture", "media": "https://x.example/a.jpg"}, true)
	if ce := chErr(t, err); !strings.Contains(ce.Message, "status 4") {
		t.Fatalf("a picture without its text field: %+v", ce)
	}
	if len(f.Posts()) != 0 {
		t.Fatalf("posts %+v", f.Posts())
	}
}
