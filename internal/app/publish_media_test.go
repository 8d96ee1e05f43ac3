package app_test

// Attachments reach the networks that fetch images themselves: a variant
// with an image, published to the fake Instagram and the fake Viber by the
// running app, makes them fetch the image from the app's signed public
// media URL (config BaseURL + /media/p/…), with no cookie.

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/app"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/config"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// testJPEG is a small JPEG with some structure (not all one colour).
func testJPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		for y := range 9 {
			img.Set(x, y, color.RGBA{uint8(x * 15), uint8(y * 28), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// servedApp is a full App behind a real HTTP server whose address is its
// BaseURL, allowing private endpoints (the fakes listen on loopback).
type servedApp struct {
	*app.App
	URL  string
	Logs *strings.Builder
}

func newServedApp(t *testing.T, e testutil.Engine) *servedApp {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	cfg := &config.Config{
		Data: e.Dir, Database: e.URL, Addr: "127.0.0.1:0", BaseURL: base, LogFormat: "text", LogLevel: "warn",
		SMTPTLS: "starttls", SMTPPort: 587, SessionDays: 14, OIDCName: "single sign-on", AllowPriv: true,
		SMTPFrom: "Attaché <no-reply@attache.invalid>",
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(lockedWriter{make(chan struct{}, 1), logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	h, err := a.Handler(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return &servedApp{App: a, URL: base, Logs: logs}
}

// start works publish jobs until the test ends.
func (s *servedApp) start(t *testing.T) {
	t.Helper()
	if err := s.Publisher.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Publisher.Stop(ctx)
	})
}

// person adds a member of o with role.
func (s *servedApp) person(t *testing.T, o org.Org, email string, role authz.Role) *authz.Principal {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := s.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, ?) RETURNING id", email, "Name "+email, time.Now().UTC()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := org.AddMember(ctx, s.DB.W(), o.ID, id, role); err != nil {
		t.Fatal(err)
	}
	return &authz.Principal{UserID: id, Email: email, Memberships: []authz.Membership{{OrgID: o.ID, Role: role}}}
}

// account adds a connected channel account.
func (s *servedApp) account(t *testing.T, o org.Org, n limits.Network, base string, creds channel.Credentials) channel.Account {
	t.Helper()
	ctx := context.Background()
	a := channel.Account{OrgID: o.ID, Network: n, Name: "MFA on " + string(n), Handle: "@mfa_" + string(n), Language: "uk", BaseURL: base}
	if err := channel.Insert(ctx, s.DB.W(), &a); err != nil {
		t.Fatal(err)
	}
	if err := channel.SetCredentials(ctx, s.DB.W(), s.Publisher.Box, o.ID, a.ID, creds, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

// waitPublished waits for every variant to leave the queue and fails
// unless each is published.
func (s *servedApp) waitPublished(t *testing.T, ids ...int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, msg := 0, ""
		for _, id := range ids {
			var state, errText string
			if err := s.DB.R().QueryRowContext(context.Background(), "SELECT state, error FROM variants WHERE id = ?", id).Scan(&state, &errText); err != nil {
				t.Fatal(err)
			}
			switch state {
			case "published":
				done++
			case "failed":
				t.Fatalf("variant %d failed: %s\nlog:\n%s", id, errText, s.Logs.String())
			default:
				msg += " " + state + ": " + errText
			}
		}
		if done == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not published in time:%s\nlog:\n%s", msg, s.Logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// getPublic fetches a URL as a network's server would: no cookie, no token.
func getPublic(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestPublishedImagesAreFetchedFromPublicURLs(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := newServedApp(t, e)
		ctx := context.Background()
		o := org.Org{Slug: "mfa-md", Name: "MFA of Moldova", Kind: org.Ministry, TimeZone: "Europe/Chisinau"}
		if err := org.InsertOrg(ctx, s.DB.W(), &o); err != nil {
			t.Fatal(err)
		}
		editor := s.person(t, o, "editor@mfa.example", authz.Editor)
		reviewer := s.person(t, o, "reviewer@mfa.example", authz.Reviewer)

		meta := testutil.NewFakeMeta(t, "ig-token")
		vib := testutil.NewFakeViber(t, "viber-token")
		ig := s.account(t, o, limits.Instagram, meta.URL, channel.Credentials{"ig_user_id": meta.IGUserID, "access_token": "ig-token"})
		vb := s.account(t, o, limits.Viber, vib.URL, channel.Credentials{"auth_token": "viber-token", "from": "admin-id=="})

		c := campaign.Campaign{Title: "Wine days", Period: campaign.Period{Start: "2026-01-01", End: "2027-12-31"}}
		if err := s.Campaigns.Create(ctx, editor, audit.System, o, &c, nil); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		const text = "Zilele vinului: ministrul a deschis expoziția. #Moldova"
		it := campaign.Item{Title: "Wine days", Text: text}
		if err := s.Campaigns.CreateItem(ctx, editor, c.ID, 0, &it, []campaign.VariantInput{
			{ChannelAccountID: ig.ID, Language: "ro", Text: text, ScheduledAt: &now},
			{ChannelAccountID: vb.ID, Language: "ro", Text: text, ScheduledAt: &now},
		}); err != nil {
			t.Fatal(err)
		}
		img := testJPEG(t)
		if _, err := s.Campaigns.AddMedia(ctx, editor, audit.System, s.Media, it.ID, "expozitie.jpg", "The minister opens the exhibition", bytes.NewReader(img)); err != nil {
			t.Fatal(err)
		}
		s.start(t)
		var ids []int64
		for _, v := range it.Variants {
			if _, err := s.Campaigns.Submit(ctx, editor, v.ID); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Campaigns.Approve(ctx, reviewer, audit.System, v.ID, ""); err != nil || got.State != campaign.StateScheduled {
				t.Fatalf("approve: %+v %v", got, err)
			}
			ids = append(ids, v.ID)
		}
		s.waitPublished(t, ids...)

		prefix := s.URL + "/media/p/"
		// Viber fetched the picture itself, from the app, when it was posted.
		posts := vib.Posts()
		if len(posts) != 1 {
			t.Fatalf("viber posts %+v", posts)
		}
		p := posts[0]
		if p.Type != "picture" || p.Text != text || !strings.HasPrefix(p.Media, prefix) || !strings.HasSuffix(p.Media, ".jpg") {
			t.Fatalf("viber post %+v", p)
		}
		if p.FetchErr != "" || !bytes.Equal(p.Fetched, img) || p.FetchedType != "image/jpeg" {
			t.Fatalf("viber fetched %d bytes of %q (error %q)", len(p.Fetched), p.FetchedType, p.FetchErr)
		}

		// Instagram got the same kind of address in image_url, with the
		// attachment's alt text; fetching it as Instagram would gives the
		// file.
		media := meta.Objects("media")
		if len(media) != 1 || media[0].Text != text || media[0].Alt != "The minister opens the exhibition" || !strings.HasPrefix(media[0].ImageURL, prefix) {
			t.Fatalf("instagram media %+v", media)
		}
		status, h, body := getPublic(t, media[0].ImageURL)
		if status != 200 || !bytes.Equal(body, img) || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Cache-Control"), "public, max-age=") || h.Get("Set-Cookie") != "" {
			t.Fatalf("GET %s: %d %v (%d bytes)", media[0].ImageURL, status, h, len(body))
		}

		// A tampered or truncated address is a 404, never the file nor a 5xx.
		u := media[0].ImageURL
		i := len(prefix) + 20
		other := "A"
		if u[i] == 'A' {
			other = "B"
		}
		for _, bad := range []string{u[:i] + other + u[i+1:], u[:strings.LastIndexByte(u, '/')] + "/x.html", s.URL + "/media/p/abc/x.jpg"} {
			if status, _, _ := getPublic(t, bad); status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", bad, status)
			}
		}
	})
}

// publicMediaFile stores an image and gives {token} and {file} of its
// public address (for the route matrix).
func publicMediaFile(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	info, err := f.Media.Put(bytes.NewReader(testJPEG(t)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.PublicMedia.URL(info.SHA256, info.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	tok, file, _ := strings.Cut(strings.TrimPrefix(u, f.Config.BaseURL+"/media/p/"), "/")
	return map[string]string{"token": tok, "file": file}
}
