package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/briefing"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// CSV import with live progress, plan export (CSV, PDF briefing) and
// campaign templates.

func (wb *Web) registerImportExport(rt *httpx.Router) {
	if wb.Imports == nil {
		wb.Imports = campaign.NewImporter(wb.campaigns(), wb.Log)
	}
	inOrg := routes{wb, rt}.inOrg
	inOrg("GET", "/o/{org}/campaigns/{id}/import", authz.EditCampaigns, wb.importForm)
	inOrg("POST", "/o/{org}/campaigns/{id}/import", authz.EditCampaigns, wb.importUpload)
	inOrg("GET", "/o/{org}/imports/{job}", authz.UseCampaigns, wb.importJob)
	inOrg("GET", "/o/{org}/campaigns/{id}/export", authz.UseCampaigns, wb.exportPage)
	inOrg("GET", "/o/{org}/campaigns/{id}/export.csv", authz.UseCampaigns, wb.exportCSV)
	inOrg("GET", "/o/{org}/campaigns/{id}/export.pdf", authz.UseCampaigns, wb.exportPDF)
	inOrg("GET", "/o/{org}/templates", authz.UseCampaigns, wb.templates)
	inOrg("POST", "/o/{org}/templates", authz.EditCampaigns, wb.saveTemplate)
	inOrg("GET", "/o/{org}/templates/{id}", authz.UseCampaigns, wb.templatePage)
	inOrg("POST", "/o/{org}/templates/{id}/instantiate", authz.EditCampaigns, wb.instantiate)
	inOrg("POST", "/o/{org}/templates/{id}/delete", authz.EditCampaigns, wb.deleteTemplate)
}

func (wb *Web) campaigns() *campaign.Service {
	if wb.Campaigns != nil {
		return wb.Campaigns
	}
	return &campaign.Service{DB: wb.DB}
}

// campaignIn loads campaign {id} for the page of organisation o: o must
// own it or be a partner, so that a campaign never shows under another
// organisation's name.
func (wb *Web) campaignIn(r *http.Request, o org.Org) (campaign.Access, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Access{}, authz.ErrNotMember
	}
	ac, _, err := wb.campaigns().Get(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		return ac, err
	}
	c := ac.Campaign
	if c.OrgID != o.ID && !containsID(c.Partners, o.ID) {
		return ac, authz.ErrNotMember
	}
	return ac, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Import.

type importData struct {
	Campaign campaign.Campaign
	Jobs     []campaign.ImportJob
	Columns  []string
	Job      campaign.ImportJob
	URL      string // of the job page, polled by htmx
}

func (wb *Web) importPage(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	ac, err := wb.campaignIn(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	jobs, err := wb.campaigns().Imports(r.Context(), pg.P, ac.Campaign.ID, o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("import.title", "Campaign", ac.Campaign.Title)
	pg.Data = importData{Campaign: ac.Campaign, Jobs: jobs, Columns: campaign.ImportColumns}
	wb.render(w, r, status, "import", pg)
}

func (wb *Web) importForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	wb.importPage(w, r, o, wb.orgPage(r, o, "campaigns", ""), http.StatusOK)
}

func (wb *Web) importUpload(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "campaigns", "")
	r.Body = http.MaxBytesReader(w, r.Body, campaign.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		status := http.StatusBadRequest
		pg.Errors["file"] = pg.L.T("import.error.form")
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
			pg.Errors["file"] = pg.L.T("import.error.size")
		}
		wb.importPage(w, r, o, pg, status)
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("file")
	if err != nil {
		pg.Errors["file"] = pg.L.T("import.error.nofile")
		wb.importPage(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, campaign.MaxImportBytes+1))
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	id, _ := pathID(r, "id")
	j, err := wb.Imports.Start(r.Context(), pg.P, id, o.ID, fh.Filename, data)
	var fe *campaign.FieldError
	switch {
	case errors.As(err, &fe):
		pg.Errors["file"] = pg.L.T("import.error.file", "Reason", fe.Reason)
		wb.importPage(w, r, o, pg, http.StatusUnprocessableEntity)
	case err != nil:
		wb.fail(w, r, err)
	default:
		redirect(w, r, pg.OrgURL("imports/"+strconv.FormatInt(j.ID, 10)))
	}
}

// importJob shows a job's progress; htmx asks for the progress block
// alone every 500 ms until the job is finished.
func (wb *Web) importJob(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "job")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	j, err := wb.campaigns().GetImport(r.Context(), pg.P, id)
	if err == nil && j.OrgID != o.ID {
		err = authz.ErrNotMember
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := importData{Job: j, URL: pg.OrgURL("imports/" + strconv.FormatInt(j.ID, 10))}
	if ac, _, err := wb.campaigns().Get(r.Context(), pg.P, j.CampaignID); err == nil {
		d.Campaign = ac.Campaign
	}
	pg.Title = pg.L.T("import.job.title")
	pg.Data = d
	if r.Header.Get("HX-Request") == "true" {
		wb.renderBlock(w, r, "import_job", "import-progress", pg)
		return
	}
	wb.render(w, r, http.StatusOK, "import_job", pg)
}

// renderBlock renders one named block of a page template (an htmx
// partial), without the layout.
func (wb *Web) renderBlock(w http.ResponseWriter, r *http.Request, page, block string, pg *page) {
	t, ok := wb.pages[page]
	var buf bytes.Buffer
	if !ok {
		wb.fail(w, r, fmt.Errorf("web: no template %s", page))
		return
	}
	if err := t.ExecuteTemplate(&buf, block, pg); err != nil {
		wb.fail(w, r, fmt.Errorf("web: render %s/%s: %w", page, block, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// Export.

type exportData struct {
	Campaign campaign.Campaign
	CanEdit  bool
}

func (wb *Web) exportPage(w http.ResponseWriter, r *http.Request, o org.Org) {
	ac, err := wb.campaignIn(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	pg.Title = pg.L.T("export.title", "Campaign", ac.Campaign.Title)
	pg.Data = exportData{Campaign: ac.Campaign, CanEdit: pg.Can(authz.EditCampaigns)}
	wb.render(w, r, http.StatusOK, "export", pg)
}

func (wb *Web) exportLoad(w http.ResponseWriter, r *http.Request, o org.Org) (campaign.ExportData, bool) {
	ac, err := wb.campaignIn(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return campaign.ExportData{}, false
	}
	d, err := wb.campaigns().Export(r.Context(), httpx.PrincipalFrom(r.Context()), ac.Campaign.ID)
	if err != nil {
		wb.fail(w, r, err)
		return d, false
	}
	return d, true
}

func (wb *Web) exportCSV(w http.ResponseWriter, r *http.Request, o org.Org) {
	d, ok := wb.exportLoad(w, r, o)
	if !ok {
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	if err := d.WriteCSV(&buf); err != nil {
		wb.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d.csv"`, d.Campaign.ID))
	_, _ = buf.WriteTo(w)
}

func (wb *Web) exportPDF(w http.ResponseWriter, r *http.Request, o org.Org) {
	d, ok := wb.exportLoad(w, r, o)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := briefing.Write(&buf, d, wb.lang(r), time.Now()); err != nil {
		wb.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d-briefing.pdf"`, d.Campaign.ID))
	_, _ = buf.WriteTo(w)
}

// Templates.

type templatesData struct {
	Templates []campaign.Template
	Template  campaign.Template
	Result    *campaign.Instantiated
}

func (wb *Web) templates(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "campaigns", "")
	pg.Title = pg.L.T("tmpl.title")
	switch r.URL.Query().Get("done") {
	case "saved":
		pg.Notice = pg.L.T("tmpl.notice.saved")
	case "deleted":
		pg.Notice = pg.L.T("tmpl.notice.deleted")
	}
	ts, err := wb.campaigns().Templates(r.Context(), o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Data = templatesData{Templates: ts}
	wb.render(w, r, http.StatusOK, "tmpl_list", pg)
}

// saveTemplate saves campaign from_campaign_id as a template of o.
func (wb *Web) saveTemplate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	cid, err := strconv.ParseInt(r.PostForm.Get("from_campaign_id"), 10, 64)
	if err != nil {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	r.SetPathValue("id", strconv.FormatInt(cid, 10))
	if _, err := wb.campaignIn(r, o); err != nil {
		wb.fail(w, r, err)
		return
	}
	body, title, err := wb.campaigns().TemplateFromCampaign(r.Context(), pg.P, cid)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	t := campaign.Template{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Body: body}
	if t.Name == "" {
		t.Name = title
	}
	err = wb.campaigns().CreateTemplate(r.Context(), pg.P, httpx.ActorFrom(r), o, &t)
	var fe *campaign.FieldError
	switch {
	case errors.As(err, &fe):
		pg.Title = pg.L.T("tmpl.title")
		pg.Errors["_"] = pg.L.T("tmpl.error.save", "Reason", fe.Error())
		ts, _ := wb.campaigns().Templates(r.Context(), o)
		pg.Data = templatesData{Templates: ts}
		wb.render(w, r, http.StatusUnprocessableEntity, "tmpl_list", pg)
	case err != nil:
		wb.fail(w, r, err)
	default:
		redirect(w, r, pg.OrgURL("templates/"+strconv.FormatInt(t.ID, 10)+"?done=saved"))
	}
}

func (wb *Web) templateShow(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int, res *campaign.Instantiated) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	t, err := wb.campaigns().Template(r.Context(), o, id)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = t.Name
	if r.URL.Query().Get("done") == "saved" {
		pg.Notice = pg.L.T("tmpl.notice.saved")
	}
	pg.Data = templatesData{Template: t, Result: res}
	wb.render(w, r, status, "tmpl_show", pg)
}

func (wb *Web) templatePage(w http.ResponseWriter, r *http.Request, o org.Org) {
	wb.templateShow(w, r, o, wb.orgPage(r, o, "campaigns", ""), http.StatusOK, nil)
}

func (wb *Web) instantiate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	pg.Form = r.PostForm
	res, err := wb.campaigns().Instantiate(r.Context(), pg.P, o, id, r.PostForm.Get("title"), r.PostForm.Get("start"))
	var fe *campaign.FieldError
	switch {
	case errors.As(err, &fe):
		field := fe.Field
		if field != "title" && field != "start" {
			field = "_"
		}
		pg.Errors[field] = reason(pg, fe.Reason)
		if field == "_" {
			pg.Errors[field] = fe.Error()
		}
		wb.templateShow(w, r, o, pg, http.StatusUnprocessableEntity, nil)
	case err != nil:
		wb.fail(w, r, err)
	default:
		pg.Notice = pg.L.T("tmpl.notice.created", "Title", res.Campaign.Title)
		pg.Form = nil
		wb.templateShow(w, r, o, pg, http.StatusOK, &res)
	}
}

func (wb *Web) deleteTemplate(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err := wb.campaigns().DeleteTemplate(r.Context(), httpx.ActorFrom(r), o, id); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/templates?done=deleted")
}
