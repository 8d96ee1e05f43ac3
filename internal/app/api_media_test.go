package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// testPNG is a w×h PNG, different for every seed.
func mediaTestPNG(t testing.TB, w, h int, seed int64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{uint8(seed), uint8(seed >> 8), uint8(seed >> 16), 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mediaIn attaches a new PNG to a new item of o (the matrix's resource
// maker for attachment routes).
func mediaIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	it := newItem(t, f, o)
	m, err := f.Campaigns.AddMedia(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), audit.System, f.Media, it.ID,
		"photo.png", "Alt text of "+o.Name, bytes.NewReader(mediaTestPNG(t, 2, 2, f.Seq())))
	if err != nil {
		t.Fatal(err)
	}
	return itoa(m.ID)
}

// mediaOfA gives {id}: a new attachment of A (web matrix entries).
func mediaOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": mediaIn(t, f, f.A)}
}

// mediaItemOfA gives {id}: a new item of A.
func mediaItemOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"id": itemIn(t, f, f.A)}
}

// multipartBody builds an upload: a file part with the given name and
// claimed type, and alt_text unless it is nil.
func mediaMultipart(t testing.TB, fileName, claimed string, body []byte, alt *string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if alt != nil {
		if err := mw.WriteField("alt_text", *alt); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, fileName))
		h.Set("Content-Type", claimed)
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(body)
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

func apiUploadMedia(t testing.TB, f *Fixture, token string, itemID int64, fileName, claimed string, body []byte, alt *string) Response {
	t.Helper()
	ct, b := mediaMultipart(t, fileName, claimed, body, alt)
	req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/items/%d/media", itemID), b)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	return f.Serve(req)
}

func mediaStr(s string) *string { return &s }

func decodeMedia(t testing.TB, resp Response) campaign.Media {
	t.Helper()
	var m campaign.Media
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("decode media: %v: %s", err, resp.Body)
	}
	return m
}

// problemPointer returns the first field pointer of a problem.
func mediaProblemPointer(resp Response) string {
	var p struct {
		Errors []struct{ Pointer string }
	}
	_ = json.Unmarshal([]byte(resp.Body), &p)
	if len(p.Errors) == 0 {
		return ""
	}
	return p.Errors[0].Pointer
}

func mediaStoredPath(f *Fixture, sum string) string {
	return filepath.Join(f.Config.Data, "media", sum[:2], sum)
}

func TestMediaUploadChecks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		editor := f.Members[authz.Editor]
		it := newItem(t, f, f.A)
		alt := mediaStr("A diplomat shakes hands with a farmer in a wheat field")

		// HTML named .jpg and claimed as image/jpeg: refused by content.
		resp := apiUploadMedia(t, f, editor.Token, it.ID, "photo.jpg", "image/jpeg", []byte("<!doctype html><html><body><script>alert(1)</script></body></html>"), alt)
		if resp.Status != 422 || mediaProblemPointer(resp) != "/file" || !strings.Contains(resp.Body, "text/html") {
			t.Errorf("HTML as .jpg: want 422 on /file naming text/html, got %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "HTML as jpg", "POST", "/api/v1/items/{id}/media", resp)
		// A PNG signature with garbage after: sniffed as PNG, does not decode.
		resp = apiUploadMedia(t, f, editor.Token, it.ID, "x.png", "image/png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...), alt)
		if resp.Status != 422 || mediaProblemPointer(resp) != "/file" {
			t.Errorf("broken PNG: want 422 on /file, got %d %s", resp.Status, resp.Body)
		}
		// A PNG named .txt and claimed as text/plain: an image/png.
		pngBody := mediaTestPNG(t, 3, 2, 1)
		resp = apiUploadMedia(t, f, editor.Token, it.ID, "notes.txt", "text/plain", pngBody, alt)
		if resp.Status != 201 {
			t.Fatalf("PNG as .txt: want 201, got %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "upload", "POST", "/api/v1/items/{id}/media", resp)
		m := decodeMedia(t, resp)
		if m.ContentType != "image/png" || m.Width != 3 || m.Height != 2 || m.FileName != "notes.txt" || m.AltText != *alt || m.Size != int64(len(pngBody)) {
			t.Errorf("stored as %+v", m)
		}
		if got, err := os.ReadFile(mediaStoredPath(f, m.SHA256)); err != nil || !bytes.Equal(got, pngBody) {
			t.Errorf("file on disk: %v", err)
		}

		// Alt text: required, not blank, at most 1,500 characters.
		for name, a := range map[string]*string{"missing": nil, "empty": mediaStr(""), "blank": mediaStr("  \n "), "too long": mediaStr(strings.Repeat("я", 1501))} {
			resp := apiUploadMedia(t, f, editor.Token, it.ID, "p.png", "image/png", mediaTestPNG(t, 2, 2, 2), a)
			if resp.Status != 422 || mediaProblemPointer(resp) != "/alt_text" {
				t.Errorf("alt text %s: want 422 on /alt_text, got %d %s", name, resp.Status, resp.Body)
			}
		}
		if resp := apiUploadMedia(t, f, editor.Token, it.ID, "p.png", "image/png", mediaTestPNG(t, 2, 2, 2), mediaStr(strings.Repeat("я", 1500))); resp.Status != 201 {
			t.Errorf("1,500 characters of alt text: %d %s", resp.Status, resp.Body)
		}
		// No file part, an empty file.
		if resp := apiUploadMedia(t, f, editor.Token, it.ID, "", "", nil, alt); resp.Status != 422 || mediaProblemPointer(resp) != "/file" {
			t.Errorf("no file: want 422 on /file, got %d %s", resp.Status, resp.Body)
		}
		if resp := apiUploadMedia(t, f, editor.Token, it.ID, "empty.png", "image/png", nil, alt); resp.Status != 422 {
			t.Errorf("empty file: want 422, got %d %s", resp.Status, resp.Body)
		}
		// Size: an image over 8 MiB is 413 with the limit in the message.
		big := append(mediaTestPNG(t, 2, 2, 3), make([]byte, media.MaxImageBytes)...)
		resp = apiUploadMedia(t, f, editor.Token, it.ID, "big.png", "image/png", big, alt)
		if resp.Status != 413 || !strings.Contains(resp.Body, "8 MiB") {
			t.Errorf("9 MiB image: want 413 naming 8 MiB, got %d %.300s", resp.Status, resp.Body)
		}
		o.validate(t, "too large", "POST", "/api/v1/items/{id}/media", resp)
		// Not multipart: 415.
		if resp := f.Do(t, "POST", fmt.Sprintf("/api/v1/items/%d/media", it.ID), editor.Token, `{"alt_text":"x"}`); resp.Status != 415 {
			t.Errorf("JSON upload: want 415, got %d", resp.Status)
		}
		// Readers may not upload; strangers learn nothing.
		if resp := apiUploadMedia(t, f, f.Members[authz.Reviewer].Token, it.ID, "p.png", "image/png", pngBody, alt); resp.Status != 403 {
			t.Errorf("reviewer upload: want 403, got %d", resp.Status)
		}
		if resp := apiUploadMedia(t, f, f.Outsider.Token, it.ID, "p.png", "image/png", pngBody, alt); resp.Status != 404 {
			t.Errorf("outsider upload: want 404, got %d", resp.Status)
		}
		if ents, _ := os.ReadDir(filepath.Join(f.Config.Data, "media", "tmp")); len(ents) != 0 {
			t.Errorf("%d temporary files left", len(ents))
		}

		// List, alt text edit.
		list := f.Do(t, "GET", fmt.Sprintf("/api/v1/items/%d/media", it.ID), f.Members[authz.Analyst].Token, "")
		if list.Status != 200 || strings.Count(list.Body, `"sha256"`) != 2 {
			t.Errorf("list: %d %s", list.Status, list.Body)
		}
		o.validate(t, "list", "GET", "/api/v1/items/{id}/media", list)
		resp = f.Do(t, "PATCH", fmt.Sprintf("/api/v1/media/%d", m.ID), editor.Token, `{"alt_text":"  Міністр підписує угоду  "}`)
		if resp.Status != 200 || decodeMedia(t, resp).AltText != "Міністр підписує угоду" {
			t.Errorf("PATCH alt: %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "patch", "PATCH", "/api/v1/media/{id}", resp)
		if resp := f.Do(t, "PATCH", fmt.Sprintf("/api/v1/media/%d", m.ID), editor.Token, `{"alt_text":""}`); resp.Status != 422 {
			t.Errorf("PATCH empty alt: want 422, got %d", resp.Status)
		}
		if resp := f.Do(t, "PATCH", fmt.Sprintf("/api/v1/media/%d", m.ID), f.Members[authz.Reviewer].Token, `{"alt_text":"x"}`); resp.Status != 403 {
			t.Errorf("reviewer PATCH: want 403, got %d", resp.Status)
		}
	})
}

func TestMediaContentAccess(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		editor := f.Members[authz.Editor]
		c := newCampaign(t, f, f.A)
		it := campaign.Item{Text: "Joint item of " + f.A.Name}
		ctx := context.Background()
		if err := f.Campaigns.CreateItem(ctx, principalOf(t, f, editor), c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: accountOf(t, f, f.A), Text: "Variant"}}); err != nil {
			t.Fatal(err)
		}
		pngBody := mediaTestPNG(t, 4, 4, 7)
		resp := apiUploadMedia(t, f, editor.Token, it.ID, "Фото посла.png", "image/png", pngBody, mediaStr("The ambassador at the embassy door"))
		if resp.Status != 201 {
			t.Fatalf("upload: %d %s", resp.Status, resp.Body)
		}
		m := decodeMedia(t, resp)
		content := fmt.Sprintf("/api/v1/media/%d/content", m.ID)

		got := f.Do(t, "GET", content, f.Members[authz.Analyst].Token, "")
		if got.Status != 200 || got.Body != string(pngBody) {
			t.Fatalf("analyst of A: %d", got.Status)
		}
		h := got.Header
		for k, want := range map[string]string{
			"Content-Type":            "image/png",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
		} {
			if h.Get(k) != want {
				t.Errorf("%s = %q, want %q", k, h.Get(k), want)
			}
		}
		if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || !strings.Contains(cd, "filename*=utf-8''%D0%A4%D0%BE%D1%82%D0%BE") {
			t.Errorf("Content-Disposition = %q", cd)
		}
		// A conditional request gets 304.
		req := httptest.NewRequest("GET", content, nil)
		req.Header.Set("Authorization", "Bearer "+editor.Token)
		req.Header.Set("If-None-Match", `"`+m.SHA256+`"`)
		if r := f.Serve(req); r.Status != http.StatusNotModified {
			t.Errorf("If-None-Match: want 304, got %d", r.Status)
		}

		// The outsider (B) gets 404, exactly as for a missing attachment.
		own := f.Do(t, "GET", content, f.Outsider.Token, "")
		missing := f.Do(t, "GET", "/api/v1/media/987654321/content", f.Outsider.Token, "")
		if own.Status != 404 || normaliseID(own.Body, itoa(m.ID)) != normaliseID(missing.Body, "987654321") {
			t.Errorf("outsider: %d %s (missing: %d %s)", own.Status, own.Body, missing.Status, missing.Body)
		}
		if r := f.Do(t, "GET", fmt.Sprintf("/api/v1/items/%d/media", it.ID), f.Outsider.Token, ""); r.Status != 404 {
			t.Errorf("outsider list: want 404, got %d", r.Status)
		}
		// Trainers and alumni of A do not use campaigns.
		if r := f.Do(t, "GET", content, f.Members[authz.Alumni].Token, ""); r.Status != 403 && r.Status != 404 {
			t.Errorf("alumni: want 403/404, got %d", r.Status)
		}

		// B becomes a partner: its admin sees the file, but may not change
		// A's attachment.
		if err := f.Campaigns.AddPartner(ctx, principalOf(t, f, editor), audit.System, c.ID, f.B.ID); err != nil {
			t.Fatal(err)
		}
		if r := f.Do(t, "GET", content, f.Outsider.Token, ""); r.Status != 200 || r.Body != string(pngBody) {
			t.Errorf("partner: want 200, got %d", r.Status)
		}
		if r := f.Do(t, "DELETE", fmt.Sprintf("/api/v1/media/%d", m.ID), f.Outsider.Token, ""); r.Status != 403 {
			t.Errorf("partner delete: want 403, got %d", r.Status)
		}
		if r := apiUploadMedia(t, f, f.Outsider.Token, it.ID, "p.png", "image/png", pngBody, mediaStr("x")); r.Status != 403 {
			t.Errorf("partner upload to A's item: want 403, got %d", r.Status)
		}

		// A video is served as an attachment.
		mp4 := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 100)...)
		resp = apiUploadMedia(t, f, editor.Token, it.ID, "clip.mp4", "video/mp4", mp4, mediaStr("Ten seconds of the harvest"))
		if resp.Status != 201 {
			t.Fatalf("video: %d %s", resp.Status, resp.Body)
		}
		v := decodeMedia(t, resp)
		r := f.Do(t, "GET", fmt.Sprintf("/api/v1/media/%d/content", v.ID), editor.Token, "")
		if r.Header.Get("Content-Type") != "video/mp4" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("video headers: %v", r.Header)
		}
	})
}

func TestMediaDedupAndDelete(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		editor := f.Members[authz.Editor]
		it1, it2 := newItem(t, f, f.A), newItem(t, f, f.A)
		body := mediaTestPNG(t, 6, 6, 42)
		r1 := apiUploadMedia(t, f, editor.Token, it1.ID, "a.png", "image/png", body, mediaStr("First"))
		r2 := apiUploadMedia(t, f, editor.Token, it2.ID, "b.png", "image/png", body, mediaStr("Second"))
		if r1.Status != 201 || r2.Status != 201 {
			t.Fatalf("uploads: %d %d", r1.Status, r2.Status)
		}
		m1, m2 := decodeMedia(t, r1), decodeMedia(t, r2)
		if m1.SHA256 != m2.SHA256 || m1.ID == m2.ID {
			t.Fatalf("dedup: %s %s", m1.SHA256, m2.SHA256)
		}
		path := mediaStoredPath(f, m1.SHA256)
		ents, _ := os.ReadDir(filepath.Dir(path))
		if len(ents) != 1 {
			t.Errorf("%d files stored for one hash", len(ents))
		}
		// Deleting one keeps the file for the other.
		if r := f.Do(t, "DELETE", fmt.Sprintf("/api/v1/media/%d", m1.ID), editor.Token, ""); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the file went while referenced: %v", err)
		}
		if r := f.Do(t, "GET", fmt.Sprintf("/api/v1/media/%d/content", m2.ID), editor.Token, ""); r.Status != 200 {
			t.Errorf("the other attachment: %d", r.Status)
		}
		if r := f.Do(t, "GET", fmt.Sprintf("/api/v1/media/%d/content", m1.ID), editor.Token, ""); r.Status != 404 {
			t.Errorf("deleted attachment's content: want 404, got %d", r.Status)
		}
		if r := f.Do(t, "DELETE", fmt.Sprintf("/api/v1/media/%d", m1.ID), editor.Token, ""); r.Status != 404 {
			t.Errorf("deleting again: want 404, got %d", r.Status)
		}
		// Deleting the last reference removes the file.
		if r := f.Do(t, "DELETE", fmt.Sprintf("/api/v1/media/%d", m2.ID), editor.Token, ""); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("the unreferenced file is still there: %v", err)
		}
		// Uploading it again stores it again.
		if r := apiUploadMedia(t, f, editor.Token, it1.ID, "a.png", "image/png", body, mediaStr("Again")); r.Status != 201 {
			t.Fatalf("re-upload: %d", r.Status)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("re-uploaded file: %v", err)
		}
	})
}

// A Telegram post with media is a caption (1,024); the length check
// measures the text as published, with the campaign's UTM parameters.
func TestTelegramCaptionAndTaggedLength(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		ctx := context.Background()
		editor := f.Members[authz.Editor]
		p := principalOf(t, f, editor)
		tg := accountOf(t, f, f.A)
		c := campaign.Campaign{Title: "Grain from Ukraine", Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}, UTMCampaign: "grain-from-ukraine-2026"}
		if err := f.Campaigns.Create(ctx, p, audit.System, f.A, &c, nil); err != nil {
			t.Fatal(err)
		}
		long := strings.TrimSpace(strings.Repeat("Зерно. ", 215)) // 1,504 characters
		it := campaign.Item{Text: long}
		if err := f.Campaigns.CreateItem(ctx, p, c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: tg, Text: long}}); err != nil {
			t.Fatalf("a %d-character Telegram text without media: %v", len([]rune(long)), err)
		}
		v := it.Variants[0]
		// Attaching an image warns that the Telegram text is now too long
		// for a caption.
		resp := apiUploadMedia(t, f, editor.Token, it.ID, "grain.png", "image/png", mediaTestPNG(t, 2, 2, 9), mediaStr("Wheat being loaded onto a ship in Odesa"))
		if resp.Status != 201 || !strings.Contains(resp.Body, `"caption_too_long"`) || !strings.Contains(resp.Body, `"limit":1024`) {
			t.Fatalf("upload: want 201 with a caption warning, got %d %s", resp.Status, resp.Body)
		}
		if has, err := f.Campaigns.ItemHasMedia(ctx, it.ID); err != nil || !has {
			t.Errorf("ItemHasMedia = %v, %v", has, err)
		}
		// Editing the variant is now checked against 1,024.
		r := f.Do(t, "PATCH", fmt.Sprintf("/api/v1/variants/%d", v.ID), editor.Token, `{"text":"`+long+` ще"}`)
		if r.Status != 422 || !strings.Contains(r.Body, `"limit":1024`) || !strings.Contains(r.Body, "caption") {
			t.Errorf("edit with media: want 422 with limit 1024, got %d %s", r.Status, r.Body)
		}
		// So is a new Telegram variant of the item; a short one is fine.
		_, err := f.Campaigns.AddVariant(ctx, p, it.ID, 0, campaign.VariantInput{ChannelAccountID: tg, Language: "en", Text: long})
		var le *campaign.LengthError
		if !errors.As(err, &le) || le.Measure.Limit != limits.TelegramMaxCaption {
			t.Errorf("add variant with media: want a LengthError at 1,024, got %v", err)
		}
		if _, err := f.Campaigns.AddVariant(ctx, p, it.ID, 0, campaign.VariantInput{ChannelAccountID: tg, Language: "en", Text: "Short caption"}); err != nil {
			t.Errorf("short caption: %v", err)
		}

		// Without media: a Telegram text under 4,096 as written but over it
		// once its link is tagged is refused, naming the tagged length.
		link := "https://mfa.gov.ua/news/grain"
		tagged := campaign.TagURL(c, limits.Telegram, link)
		pad := strings.Repeat("a", limits.TelegramMaxText-len(link)-10)
		text := pad + " " + link
		if n := len([]rune(text)); n > limits.TelegramMaxText || n+len(tagged)-len(link) <= limits.TelegramMaxText {
			t.Fatalf("bad test text: %d characters, %d tagged", n, n+len(tagged)-len(link))
		}
		body, _ := json.Marshal(map[string]any{"text": text, "variants": []map[string]any{{"channel_account_id": tg, "text": text}}})
		r = f.Do(t, "POST", fmt.Sprintf("/api/v1/campaigns/%d/items", c.ID), editor.Token, string(body))
		wantLen := fmt.Sprintf(`"length":%d`, len(text)+len(tagged)-len(link))
		if r.Status != 422 || !strings.Contains(r.Body, `"limit":4096`) || !strings.Contains(r.Body, wantLen) || !strings.Contains(r.Body, "/variants/0/text") {
			t.Errorf("tagged link over 4,096: want 422 naming the tagged length %s, got %d %.400s", wantLen, r.Status, r.Body)
		}
		// On X a URL counts 23 whatever it carries: the same link fits.
		x := newAccount(t, f, f.A, limits.X, "en")
		body, _ = json.Marshal(map[string]any{"text": "Grain", "variants": []map[string]any{{"channel_account_id": x, "text": strings.Repeat("b", 250) + " " + link}}})
		if r := f.Do(t, "POST", fmt.Sprintf("/api/v1/campaigns/%d/items", c.ID), editor.Token, string(body)); r.Status != 201 {
			t.Errorf("X variant with a link: %d %.300s", r.Status, r.Body)
		}
		// PublishText gives the tagged text.
		short := campaign.Item{Text: "See " + link + "."}
		if err := f.Campaigns.CreateItem(ctx, p, c.ID, 0, &short, []campaign.VariantInput{{ChannelAccountID: tg}}); err != nil {
			t.Fatal(err)
		}
		got, err := f.Campaigns.PublishText(ctx, short.Variants[0].ID)
		want := "See " + link + "?utm_campaign=grain-from-ukraine-2026&utm_medium=social&utm_source=telegram."
		if err != nil || got != want {
			t.Errorf("PublishText = %q, %v; want %q", got, err, want)
		}
	})
}

// A Bluesky variant gets a warning for an image over 1 MB; other networks
// do not.
func TestMediaNetworkWarnings(t *testing.T) {
	f := NewFixture(t, testutil.SQLite(t))
	ctx := context.Background()
	editor := f.Members[authz.Editor]
	c := newCampaign(t, f, f.A)
	bsky := newAccount(t, f, f.A, limits.Bluesky, "en")
	it := campaign.Item{Text: "Harvest"}
	if err := f.Campaigns.CreateItem(ctx, principalOf(t, f, editor), c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: bsky}}); err != nil {
		t.Fatal(err)
	}
	big := append(mediaTestPNG(t, 2, 2, 11), make([]byte, 1_100_000)...)
	resp := apiUploadMedia(t, f, editor.Token, it.ID, "big.png", "image/png", big, mediaStr("A large photo"))
	if resp.Status != 201 || !strings.Contains(resp.Body, `"file_too_large_for_network"`) || !strings.Contains(resp.Body, `"network":"bluesky"`) {
		t.Errorf("want 201 with a Bluesky warning, got %d %.400s", resp.Status, resp.Body)
	}
	small := apiUploadMedia(t, f, editor.Token, it.ID, "small.png", "image/png", mediaTestPNG(t, 2, 2, 12), mediaStr("A small photo"))
	if m := decodeMedia(t, small); len(m.Warnings) != 0 {
		t.Errorf("small image warnings: %+v", m.Warnings)
	}
}
