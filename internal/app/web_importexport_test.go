package app_test

// Import with progress, export and templates through the web UI, on both
// engines.

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

func webImportJobOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"job": importJobIn(t, f, f.A)}
}

// webDo serves a request with a browser's cookies.
func ieWebDo(f *Fixture, cs []*http.Cookie, method, path, ct string, body []byte, hx bool) Response {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	for _, c := range cs {
		req.AddCookie(c)
	}
	return f.Serve(req)
}

func csvWebUpload(f *Fixture, cs []*http.Cookie, path string, data []byte) Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "plan.csv")
	_, _ = fw.Write(data)
	_ = mw.Close()
	return ieWebDo(f, cs, "POST", path, mw.FormDataContentType(), body.Bytes(), false)
}

var progressRE = regexp.MustCompile(`<progress max="100" value="(\d+)"`)

func TestWebImportExportTemplates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		editor := f.Members[authz.Editor]
		cs := f.SignIn(t, editor)
		acc := accountOf(t, f, f.A)
		c := newCampaign(t, f, f.A)
		org := "/o/" + f.A.Slug + "/"

		page := ieWebDo(f, cs, "GET", fmt.Sprintf("%scampaigns/%d/import", org, c.ID), "", nil, false)
		if page.Status != 200 || !strings.Contains(page.Body, `enctype="multipart/form-data"`) || !strings.Contains(page.Body, "<code>channel_account</code>") {
			t.Fatalf("import page: %d %.500s", page.Status, page.Body)
		}
		// A file with a bad row: the job page shows the line and reason.
		bad := fmt.Sprintf("channel_account,text\n%d,Добрий день\nnobody,who\n", acc)
		resp := csvWebUpload(f, cs, fmt.Sprintf("%scampaigns/%d/import", org, c.ID), []byte(bad))
		loc := resp.Header.Get("Location")
		if resp.Status != 303 || !strings.HasPrefix(loc, org+"imports/") {
			t.Fatalf("upload: %d %q %.300s", resp.Status, loc, resp.Body)
		}
		f.Imports.Wait()
		frag := ieWebDo(f, cs, "GET", loc, "", nil, true)
		if frag.Status != 200 || strings.Contains(frag.Body, "<html") || strings.Contains(frag.Body, "hx-trigger") ||
			!strings.Contains(frag.Body, "<td>3</td>") || !strings.Contains(frag.Body, "not an active channel account") {
			t.Errorf("finished fragment of a bad file: %d %s", frag.Status, frag.Body)
		}

		// 3,000 good rows: the page polls while the job runs, then shows
		// the result and stops polling.
		var b strings.Builder
		b.WriteString("item_key,channel_account,language,text,scheduled_at\n")
		for i := 0; i < 3000; i++ {
			fmt.Fprintf(&b, "k%d,%d,uk,Допис номер %d,2026-12-%02d 10:00\n", i/3, acc, i, 1+i%28)
		}
		resp = csvWebUpload(f, cs, fmt.Sprintf("%scampaigns/%d/import", org, c.ID), []byte(b.String()))
		loc = resp.Header.Get("Location")
		full := ieWebDo(f, cs, "GET", loc, "", nil, false)
		if full.Status != 200 || !strings.Contains(full.Body, "<progress") {
			t.Fatalf("job page: %d %.500s", full.Status, full.Body)
		}
		sawPolling := strings.Contains(full.Body, `hx-trigger="every 500ms"`)
		deadline := time.Now().Add(60 * time.Second)
		for {
			frag = ieWebDo(f, cs, "GET", loc, "", nil, true)
			if strings.Contains(frag.Body, `hx-trigger="every 500ms"`) {
				sawPolling = true
				if m := progressRE.FindStringSubmatch(frag.Body); m == nil {
					t.Fatalf("no progress bar: %s", frag.Body)
				}
			} else {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the import does not finish")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(frag.Body, `value="100"`) || !strings.Contains(frag.Body, "1000") || !strings.Contains(frag.Body, "3000") {
			t.Errorf("finished fragment: %s", frag.Body)
		}
		t.Logf("polling seen while running: %v", sawPolling)
		// Another organisation's path does not show the job.
		if r := ieWebDo(f, cs, "GET", strings.Replace(loc, f.A.Slug, f.Mission.Slug, 1), "", nil, false); r.Status != 403 && r.Status != 404 {
			t.Errorf("job under another org: %d", r.Status)
		}

		// Export page and downloads.
		exp := ieWebDo(f, cs, "GET", fmt.Sprintf("%scampaigns/%d/export", org, c.ID), "", nil, false)
		if exp.Status != 200 || !strings.Contains(exp.Body, "export.pdf") || !strings.Contains(exp.Body, "export.csv") {
			t.Fatalf("export page: %d", exp.Status)
		}
		csv := ieWebDo(f, cs, "GET", fmt.Sprintf("%scampaigns/%d/export.csv", org, c.ID), "", nil, false)
		if csv.Status != 200 || strings.Count(csv.Body, "\n") != 3001 {
			t.Errorf("export.csv: %d, %d lines", csv.Status, strings.Count(csv.Body, "\n"))
		}
		pdf := ieWebDo(f, cs, "GET", fmt.Sprintf("%scampaigns/%d/export.pdf", org, c.ID), "", nil, false)
		if pdf.Status != 200 || !strings.HasPrefix(pdf.Body, "%PDF-") {
			t.Errorf("export.pdf: %d", pdf.Status)
		}

		// Save as template, then start a campaign from it.
		form := url.Values{"from_campaign_id": {itoa(c.ID)}, "name": {"Шаблон"}}
		resp = ieWebDo(f, cs, "POST", org+"templates", "application/x-www-form-urlencoded", []byte(form.Encode()), false)
		loc = resp.Header.Get("Location")
		if resp.Status != 303 || !strings.HasPrefix(loc, org+"templates/") {
			t.Fatalf("save template: %d %q", resp.Status, loc)
		}
		show := ieWebDo(f, cs, "GET", loc, "", nil, false)
		if show.Status != 200 || !strings.Contains(show.Body, "Шаблон") {
			t.Fatalf("template page: %d", show.Status)
		}
		tplPath := strings.SplitN(loc, "?", 2)[0]
		form = url.Values{"title": {"From the template"}, "start": {"2027-02-01"}}
		res := ieWebDo(f, cs, "POST", tplPath+"/instantiate", "application/x-www-form-urlencoded", []byte(form.Encode()), false)
		if res.Status != 200 || !strings.Contains(res.Body, "From the template") {
			t.Errorf("instantiate: %d %.500s", res.Status, res.Body)
		}
		form = url.Values{"title": {""}, "start": {"2027-02-01"}}
		if r := ieWebDo(f, cs, "POST", tplPath+"/instantiate", "application/x-www-form-urlencoded", []byte(form.Encode()), false); r.Status != 422 {
			t.Errorf("no title: %d", r.Status)
		}
		list := ieWebDo(f, cs, "GET", org+"templates", "", nil, false)
		if list.Status != 200 || !strings.Contains(list.Body, "Шаблон") {
			t.Errorf("templates: %d", list.Status)
		}
		if r := ieWebDo(f, cs, "POST", tplPath+"/delete", "application/x-www-form-urlencoded", nil, false); r.Status != 303 {
			t.Errorf("delete: %d", r.Status)
		}
	})
}
