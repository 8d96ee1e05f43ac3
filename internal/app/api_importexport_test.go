package app_test

// Templates, CSV import and plan export through the JSON API, on both
// engines.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// importJobIn makes a finished import job in a new campaign of o.
func importJobIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	c := newCampaign(t, f, o)
	data := fmt.Sprintf("channel_account,text\n%d,Imported text of %s\n", accountOf(t, f, o), o.Name)
	j, err := f.Imports.Start(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), c.ID, 0, "matrix.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	f.Imports.Wait()
	return itoa(j.ID)
}

// templateOfA makes a template of A.
func templateOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	body, err := campaign.ParseTemplateBody([]byte(`{"duration_days":7,"timeline":[{"day":1,"time":"09:00","network":"telegram","language":"uk","text":"Допис"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tp := campaign.Template{Name: fmt.Sprintf("Template %d", f.Seq()), Body: body}
	if err := f.Campaigns.CreateTemplate(context.Background(), principalOf(t, f, f.Members[authz.Editor]), audit.System, f.A, &tp); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": itoa(tp.ID)}
}

// upload sends a CSV file as multipart/form-data.
func csvUpload(f *Fixture, path, token, name string, data []byte) Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return f.Serve(req)
}

func waitImport(t *testing.T, f *Fixture, token string, id int64) campaign.ImportJob {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp := f.Do(t, "GET", fmt.Sprintf("/api/v1/imports/%d", id), token, "")
		var j campaign.ImportJob
		if resp.Status != 200 || json.Unmarshal([]byte(resp.Body), &j) != nil {
			t.Fatalf("GET import: %d %s", resp.Status, resp.Body)
		}
		if j.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("import not finished: %+v", j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAPIImportExport(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		editor, analyst := f.Members[authz.Editor], f.Members[authz.Analyst]
		acc := accountOf(t, f, f.A)
		c := newCampaign(t, f, f.A)
		path := fmt.Sprintf("/api/v1/campaigns/%d/imports", c.ID)

		// A bad row (line 3): nothing is imported, the report names it.
		bad := fmt.Sprintf("item_key;channel_account;text;scheduled_at\r\nk;%d;\"Привіт;\nсвіт\";2026-12-02 10:00\r\nk;%d;ok;yesterday\r\n", acc, acc)
		resp := csvUpload(f, path, editor.Token, "plan.csv", []byte("\ufeff"+bad))
		if resp.Status != 202 {
			t.Fatalf("upload: %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "start import", "POST", "/api/v1/campaigns/{id}/imports", resp)
		var j campaign.ImportJob
		_ = json.Unmarshal([]byte(resp.Body), &j)
		done := waitImport(t, f, analyst.Token, j.ID)
		if done.State != campaign.ImportFailed || len(done.Report.Rejected) != 1 || done.Report.Rejected[0].Line != 4 || done.Report.Rejected[0].Column != "scheduled_at" {
			t.Errorf("bad file: %+v %+v", done, done.Report)
		}
		got := f.Do(t, "GET", fmt.Sprintf("/api/v1/imports/%d", j.ID), analyst.Token, "")
		o.validate(t, "get import", "GET", "/api/v1/imports/{id}", got)
		items := f.Do(t, "GET", fmt.Sprintf("/api/v1/campaigns/%d/items", c.ID), analyst.Token, "")
		if !strings.Contains(items.Body, `"items":[]`) {
			t.Errorf("a rejected file imported items: %s", items.Body)
		}
		// Fixed, as a text/csv body: imported.
		good := strings.Replace(bad, "yesterday", "2026-12-03T09:00:00Z", 1)
		req := httptest.NewRequest("POST", path, strings.NewReader(good))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+editor.Token)
		resp = f.Serve(req)
		_ = json.Unmarshal([]byte(resp.Body), &j)
		done = waitImport(t, f, editor.Token, j.ID)
		if resp.Status != 202 || done.State != campaign.ImportDone || done.Report.Items != 1 || done.Report.Variants != 2 {
			t.Fatalf("good file: %d %+v %+v", resp.Status, done, done.Report)
		}
		// Refusals: not CSV, too large, wrong role, a stranger.
		for _, x := range []struct {
			name, token, ct string
			body            []byte
			want            int
		}{
			{"xlsx", editor.Token, "multipart", []byte("PK\x03\x04\x00\x00zip"), 422},
			{"json", editor.Token, "application/json", []byte(`{}`), 415},
			{"too large", editor.Token, "text/csv", bytes.Repeat([]byte("a"), 21<<20+10), 413},
			{"analyst", analyst.Token, "text/csv", []byte(good), 403},
			{"stranger", f.Outsider.Token, "text/csv", []byte(good), 404},
		} {
			var r Response
			if x.ct == "multipart" {
				r = csvUpload(f, path, x.token, "plan.xlsx", x.body)
			} else {
				req := httptest.NewRequest("POST", path, bytes.NewReader(x.body))
				req.Header.Set("Content-Type", x.ct)
				req.Header.Set("Authorization", "Bearer "+x.token)
				r = f.Serve(req)
			}
			if r.Status != x.want {
				t.Errorf("%s: %d, want %d: %.300s", x.name, r.Status, x.want, r.Body)
			}
		}
		if r := f.Do(t, "GET", fmt.Sprintf("/api/v1/imports/%d", j.ID), f.Outsider.Token, ""); r.Status != 404 {
			t.Errorf("stranger reads the job: %d", r.Status)
		}

		// Export: CSV that imports again, and the PDF.
		csvResp := f.Do(t, "GET", fmt.Sprintf("/api/v1/campaigns/%d/export.csv", c.ID), analyst.Token, "")
		if csvResp.Status != 200 || !strings.HasPrefix(csvResp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(csvResp.Body, "Привіт;\nсвіт") {
			t.Fatalf("export.csv: %d %s", csvResp.Status, csvResp.Body)
		}
		c2 := newCampaign(t, f, f.A)
		resp = csvUpload(f, fmt.Sprintf("/api/v1/campaigns/%d/imports", c2.ID), editor.Token, "export.csv", []byte(csvResp.Body))
		_ = json.Unmarshal([]byte(resp.Body), &j)
		if done = waitImport(t, f, editor.Token, j.ID); done.State != campaign.ImportDone || done.Report.Variants != 2 {
			t.Errorf("round trip: %+v %+v", done, done.Report)
		}
		pdf := f.Do(t, "GET", fmt.Sprintf("/api/v1/campaigns/%d/export.pdf?lang=uk", c.ID), analyst.Token, "")
		if pdf.Status != 200 || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") {
			t.Errorf("export.pdf: %d %s %.20q", pdf.Status, pdf.Header.Get("Content-Type"), pdf.Body)
		}
	})
}

func TestAPITemplates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		editor := f.Members[authz.Editor]
		a := itoa(f.A.ID)
		accountOf(t, f, f.A) // a Telegram account in Ukrainian
		base := "/api/v1/orgs/" + a + "/campaign-templates"
		body := `{"name":"Anniversary","description":"A yearly date","body":{"brief":"# Why","duration_days":10,
			"objectives":[{"title":"Reach","metric":"reach","target_value":5000,"due_day":9}],
			"key_messages":[{"title":"Line","line_to_take":true,"translations":{"uk":"Так","ka":"დიახ"}}],
			"timeline":[{"day":0,"time":"09:00","network":"telegram","language":"uk","text":"Старт"},
				{"day":3,"time":"12:00","network":"x","language":"en","text":"Day three"}]}}`
		resp := f.Do(t, "POST", base, editor.Token, body)
		if resp.Status != 201 {
			t.Fatalf("create: %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "create template", "POST", "/api/v1/orgs/{org}/campaign-templates", resp)
		var tp campaign.Template
		_ = json.Unmarshal([]byte(resp.Body), &tp)
		for _, c := range []struct{ body, pointer string }{
			{`{"name":"x","body":{"brief":"b","unknown":1}}`, "/body"},
			{`{"name":"x","body":{"timeline":[{"day":0,"network":"x","language":"en","text":"` + strings.Repeat("a", 281) + `"}]}}`, "/body/timeline/0/text"},
			{`{"name":"x"}`, "/body"},
			{`{"body":{}}`, "/name"},
		} {
			r := f.Do(t, "POST", base, editor.Token, c.body)
			if r.Status != 422 || !strings.Contains(r.Body, `"pointer":"`+c.pointer+`"`) {
				t.Errorf("%s: %d %s", c.body, r.Status, r.Body)
			}
			o.validate(t, "bad template", "POST", "/api/v1/orgs/{org}/campaign-templates", r)
		}
		list := f.Do(t, "GET", base, f.Members[authz.Analyst].Token, "")
		o.validate(t, "list templates", "GET", "/api/v1/orgs/{org}/campaign-templates", list)
		if !strings.Contains(list.Body, "Anniversary") {
			t.Errorf("list: %s", list.Body)
		}
		one := f.Do(t, "GET", fmt.Sprintf("%s/%d", base, tp.ID), editor.Token, "")
		o.validate(t, "get template", "GET", "/api/v1/orgs/{org}/campaign-templates/{id}", one)
		if r := f.Do(t, "GET", fmt.Sprintf("/api/v1/orgs/%d/campaign-templates/%d", f.B.ID, tp.ID), f.Outsider.Token, ""); r.Status != 404 {
			t.Errorf("B reads A's template: %d", r.Status)
		}

		resp = f.Do(t, "POST", fmt.Sprintf("%s/%d/campaigns", base, tp.ID), editor.Token, `{"title":"Anniversary 2027","start":"2027-03-01"}`)
		if resp.Status != 201 {
			t.Fatalf("instantiate: %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "instantiate", "POST", "/api/v1/orgs/{org}/campaign-templates/{id}/campaigns", resp)
		var res campaign.Instantiated
		_ = json.Unmarshal([]byte(resp.Body), &res)
		if res.Campaign.Period.End != "2027-03-10" || res.Items != 2 || res.Variants != 1 || len(res.Unmatched) != 1 || res.Unmatched[0].Network != "x" {
			t.Errorf("instantiated: %s", resp.Body)
		}
		got := f.Do(t, "GET", fmt.Sprintf("/api/v1/campaigns/%d", res.Campaign.ID), editor.Token, "")
		if !strings.Contains(got.Body, `"due_date":"2027-03-10"`) || !strings.Contains(got.Body, "დიახ") {
			t.Errorf("campaign: %s", got.Body)
		}
		// Save that campaign as a template.
		resp = f.Do(t, "POST", base, editor.Token, fmt.Sprintf(`{"from_campaign_id":%d}`, res.Campaign.ID))
		if resp.Status != 201 || !strings.Contains(resp.Body, `"name":"Anniversary 2027"`) || !strings.Contains(resp.Body, `"time":"09:00"`) {
			t.Errorf("save as template: %d %s", resp.Status, resp.Body)
		}
		if r := f.Do(t, "DELETE", fmt.Sprintf("%s/%d", base, tp.ID), editor.Token, ""); r.Status != 204 {
			t.Errorf("delete: %d %s", r.Status, r.Body)
		}
	})
}
