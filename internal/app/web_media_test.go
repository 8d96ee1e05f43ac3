package app_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/testutil"
)

// webMediaDo sends a browser request with u's session cookies.
func webMediaDo(t *testing.T, f *Fixture, cookies []*http.Cookie, method, path, contentType string, body string) Response {
	t.Helper()
	var req *http.Request
	if body != "" || method == "POST" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return f.Serve(req)
}

func webUpload(t *testing.T, f *Fixture, cookies []*http.Cookie, orgSlug string, itemID int64, fileName string, body []byte, alt *string) Response {
	t.Helper()
	ct, b := mediaMultipart(t, fileName, "application/octet-stream", body, alt)
	return webMediaDo(t, f, cookies, "POST", fmt.Sprintf("/o/%s/items/%d/media", orgSlug, itemID), ct, b.String())
}

var imgRE = regexp.MustCompile(`<img class="media-thumb" src="([^"]+)" alt="([^"]*)"`)

func TestWebMedia(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		ctx := context.Background()
		editor := f.Members[authz.Editor]
		ed := f.SignIn(t, editor)
		c := newCampaign(t, f, f.A)
		it := campaign.Item{Text: "Harvest news of " + f.A.Name}
		if err := f.Campaigns.CreateItem(ctx, principalOf(t, f, editor), c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: accountOf(t, f, f.A), Text: "Врожай"}}); err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/o/%s/items/%d/media", f.A.Slug, it.ID)

		// The empty page: the upload form with the alt text hint.
		r := webMediaDo(t, f, ed, "GET", page, "", "")
		if r.Status != 200 || !strings.Contains(r.Body, `enctype="multipart/form-data"`) || !strings.Contains(r.Body, `name="alt_text"`) ||
			!strings.Contains(r.Body, "Copy any text in the image") {
			t.Fatalf("page: %d %.500s", r.Status, r.Body)
		}

		// Refusals keep the user on the form with the error on the field.
		r = webUpload(t, f, ed, f.A.Slug, it.ID, "photo.jpg", []byte("<html><script>alert(1)</script></html>"), mediaStr("A photo"))
		if r.Status != 422 || !strings.Contains(r.Body, "checked by its content") {
			t.Errorf("HTML as jpg: %d %.300s", r.Status, r.Body)
		}
		r = webUpload(t, f, ed, f.A.Slug, it.ID, "p.png", mediaTestPNG(t, 2, 2, 1), mediaStr(" "))
		if r.Status != 422 || !strings.Contains(r.Body, "alt text is required") || !strings.Contains(r.Body, `id="alt_text-error"`) {
			t.Errorf("blank alt: %d %.300s", r.Status, r.Body)
		}

		// Upload, then the thumbnail shows with its alt text.
		body := mediaTestPNG(t, 3, 3, 2)
		alt := `Міністр & посол біля "елеватора"`
		r = webUpload(t, f, ed, f.A.Slug, it.ID, "елеватор.png", body, &alt)
		if r.Status != 303 || r.Header.Get("Location") != page+"?done=uploaded" {
			t.Fatalf("upload: %d %s %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		r = webMediaDo(t, f, ed, "GET", page+"?done=uploaded", "", "")
		mm := imgRE.FindStringSubmatch(r.Body)
		if r.Status != 200 || mm == nil || html.UnescapeString(mm[2]) != alt || !strings.Contains(r.Body, "The file is attached.") {
			t.Fatalf("page after upload: %d %v %.800s", r.Status, mm, r.Body)
		}
		content := mm[1]
		got := webMediaDo(t, f, ed, "GET", content, "", "")
		if got.Status != 200 || got.Body != string(body) || got.Header.Get("Content-Type") != "image/png" ||
			got.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(got.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("content: %d %v", got.Status, got.Header)
		}
		var mediaID int64
		if _, err := fmt.Sscanf(content, "/o/"+f.A.Slug+"/media/%d/content", &mediaID); err != nil {
			t.Fatalf("content URL %q: %v", content, err)
		}

		// Edit the alt text; an empty one is refused on that attachment's field.
		altURL := fmt.Sprintf("/o/%s/media/%d/alt", f.A.Slug, mediaID)
		r = webMediaDo(t, f, ed, "POST", altURL, "application/x-www-form-urlencoded", "alt_text=")
		if r.Status != 422 || !strings.Contains(r.Body, fmt.Sprintf(`id="alt_%d-error"`, mediaID)) {
			t.Errorf("empty alt edit: %d %.300s", r.Status, r.Body)
		}
		r = webMediaDo(t, f, ed, "POST", altURL, "application/x-www-form-urlencoded", "alt_text="+url.QueryEscape("Grain elevator in Odesa"))
		if r.Status != 303 {
			t.Errorf("alt edit: %d", r.Status)
		}
		if m, err := f.Campaigns.GetMedia(ctx, principalOf(t, f, editor), mediaID); err != nil || m.AltText != "Grain elevator in Odesa" {
			t.Errorf("alt after edit: %q %v", m.AltText, err)
		}

		// Other organisations: B's admin sees nothing, by A's or B's path.
		out := f.SignIn(t, f.Outsider)
		for _, p := range []string{content, page, fmt.Sprintf("/o/%s/items/%d/media", f.B.Slug, it.ID), fmt.Sprintf("/o/%s/media/%d/content", f.B.Slug, mediaID)} {
			if r := webMediaDo(t, f, out, "GET", p, "", ""); r.Status != 404 && r.Status != 403 {
				t.Errorf("outsider %s: %d", p, r.Status)
			} else if strings.Contains(r.Body, f.A.Name) {
				t.Errorf("outsider %s: the page names A", p)
			}
		}
		// Once B is a partner, its admin sees the page and the file through
		// B's own path, without the upload form (the item is A's).
		if err := f.Campaigns.AddPartner(ctx, principalOf(t, f, editor), audit.System, c.ID, f.B.ID); err != nil {
			t.Fatal(err)
		}
		r = webMediaDo(t, f, out, "GET", fmt.Sprintf("/o/%s/items/%d/media", f.B.Slug, it.ID), "", "")
		if r.Status != 200 || strings.Contains(r.Body, `enctype="multipart/form-data"`) || !strings.Contains(r.Body, "Grain elevator in Odesa") {
			t.Errorf("partner page: %d %.300s", r.Status, r.Body)
		}
		if r := webMediaDo(t, f, out, "GET", fmt.Sprintf("/o/%s/media/%d/content", f.B.Slug, mediaID), "", ""); r.Status != 200 || r.Body != string(body) {
			t.Errorf("partner content: %d", r.Status)
		}

		// Delete: confirmation first, then the file goes (no other reference).
		del := fmt.Sprintf("/o/%s/media/%d/delete", f.A.Slug, mediaID)
		r = webMediaDo(t, f, ed, "GET", del, "", "")
		if r.Status != 200 || !strings.Contains(r.Body, "Delete this attachment?") || !strings.Contains(r.Body, `action="`+del+`"`) {
			t.Errorf("confirm: %d %.300s", r.Status, r.Body)
		}
		m, _ := f.Campaigns.GetMedia(ctx, principalOf(t, f, editor), mediaID)
		r = webMediaDo(t, f, ed, "POST", del, "application/x-www-form-urlencoded", "")
		if r.Status != 303 || r.Header.Get("Location") != page+"?done=deleted" {
			t.Errorf("delete: %d %s", r.Status, r.Header.Get("Location"))
		}
		if _, err := os.Stat(mediaStoredPath(f, m.SHA256)); !os.IsNotExist(err) {
			t.Errorf("file after delete: %v", err)
		}
		if r := webMediaDo(t, f, ed, "GET", content, "", ""); r.Status != 404 {
			t.Errorf("content after delete: %d", r.Status)
		}
	})
}
