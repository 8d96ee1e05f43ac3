package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/briefing"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// Campaign templates, CSV import of items, and plan export (CSV and the
// PDF briefing document).

// registerImportExport adds the routes of this file.
func (a *API) registerImportExport(rt *httpx.Router) {
	if a.Imports == nil {
		a.Imports = campaign.NewImporter(a.Campaigns, a.Log)
	}
	resource := routes{a, rt}.resource
	inOrg := routes{a, rt}.inOrg
	resource("POST", "/api/v1/campaigns/{id}/imports", authz.EditCampaigns, a.startImport)
	resource("GET", "/api/v1/imports/{id}", authz.UseCampaigns, a.getImport)
	resource("GET", "/api/v1/campaigns/{id}/export.csv", authz.UseCampaigns, a.exportCSV)
	resource("GET", "/api/v1/campaigns/{id}/export.pdf", authz.UseCampaigns, a.exportPDF)
	inOrg("GET", "/api/v1/orgs/{org}/campaign-templates", authz.UseCampaigns, a.listTemplates)
	inOrg("POST", "/api/v1/orgs/{org}/campaign-templates", authz.EditCampaigns, a.createTemplate)
	inOrg("GET", "/api/v1/orgs/{org}/campaign-templates/{id}", authz.UseCampaigns, a.getTemplate)
	inOrg("DELETE", "/api/v1/orgs/{org}/campaign-templates/{id}", authz.EditCampaigns, a.deleteTemplate)
	inOrg("POST", "/api/v1/orgs/{org}/campaign-templates/{id}/campaigns", authz.EditCampaigns, a.instantiateTemplate)
}

// Import.

// startImport takes a CSV file as the whole body (text/csv) or as the
// "file" part of a multipart form, and answers 202 with the job.
func (a *API) startImport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	// Access first: a stranger learns nothing from how the upload is read.
	if err := a.Campaigns.CheckImport(r.Context(), httpx.PrincipalFrom(r.Context()), id, 0); err != nil {
		a.writeError(w, r, err)
		return
	}
	data, name, orgID, ok := a.readUpload(w, r)
	if !ok {
		return
	}
	j, err := a.Imports.Start(r.Context(), httpx.PrincipalFrom(r.Context()), id, orgID, name, data)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(j.ID, 10))
	writeJSON(w, http.StatusAccepted, j)
}

// readUpload reads an import file of at most 20 MiB. orgID is the
// optional org_id (query or form field) the content is contributed for.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request) (data []byte, name string, orgID int64, ok bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(w, r.Body, campaign.MaxImportBytes+1<<20)
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(w, r, Problem{Type: problemBase + "too-large", Status: http.StatusRequestEntityTooLarge, Detail: "an import file is at most 20 MiB"})
			return true
		}
		return false
	}
	orgRef := r.URL.Query().Get("org_id")
	switch mt {
	case "text/csv", "text/plain", "application/csv":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			if !tooLarge(err) {
				writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "could not read the request body"})
			}
			return nil, "", 0, false
		}
		data, name = b, "upload.csv"
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			if !tooLarge(err) {
				writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "the multipart form could not be read"})
			}
			return nil, "", 0, false
		}
		defer r.MultipartForm.RemoveAll()
		f, fh, err := r.FormFile("file")
		if err != nil {
			invalid(w, r, "file", "is required: send the CSV file as the form field \"file\"")
			return nil, "", 0, false
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, campaign.MaxImportBytes+1))
		if err != nil {
			writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "could not read the file"})
			return nil, "", 0, false
		}
		data, name = b, fh.Filename
		if v := r.FormValue("org_id"); v != "" {
			orgRef = v
		}
	default:
		writeProblem(w, r, Problem{Type: problemBase + "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Detail: "send the CSV file as text/csv, or as the field \"file\" of a multipart/form-data form"})
		return nil, "", 0, false
	}
	if len(data) > campaign.MaxImportBytes {
		writeProblem(w, r, Problem{Type: problemBase + "too-large", Status: http.StatusRequestEntityTooLarge, Detail: "an import file is at most 20 MiB"})
		return nil, "", 0, false
	}
	if orgRef != "" {
		n, err := strconv.ParseInt(orgRef, 10, 64)
		if err != nil || n <= 0 {
			invalid(w, r, "org_id", "must be an organisation id")
			return nil, "", 0, false
		}
		orgID = n
	}
	return data, name, orgID, true
}

func (a *API) getImport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	j, err := a.Campaigns.GetImport(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// Export.

func (a *API) export(w http.ResponseWriter, r *http.Request) (campaign.ExportData, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return campaign.ExportData{}, false
	}
	d, err := a.Campaigns.Export(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return d, false
	}
	return d, true
}

func (a *API) exportCSV(w http.ResponseWriter, r *http.Request) {
	d, ok := a.export(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // spreadsheets read UTF-8 only with the mark
	if err := d.WriteCSV(&buf); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d.csv"`, d.Campaign.ID))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

func (a *API) exportPDF(w http.ResponseWriter, r *http.Request) {
	d, ok := a.export(w, r)
	if !ok {
		return
	}
	lang := r.URL.Query().Get("lang")
	if u, ok := httpx.UserFrom(r.Context()); ok && lang == "" {
		lang = u.Locale
	}
	var buf bytes.Buffer
	if err := briefing.Write(&buf, d, lang, time.Now()); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d-briefing.pdf"`, d.Campaign.ID))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

// Templates.

type templateInput struct {
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Body           json.RawMessage `json:"body"`
	FromCampaignID ID              `json:"from_campaign_id"`
}

func (a *API) listTemplates(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	ts, err := a.Campaigns.Templates(r.Context(), o)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Templates []campaign.Template `json:"templates"`
	}{ts})
}

func (a *API) createTemplate(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	var in templateInput
	if !decode(w, r, &in) {
		return
	}
	t := campaign.Template{Name: in.Name, Description: in.Description}
	hasBody := len(in.Body) > 0 && string(in.Body) != "null"
	switch {
	case hasBody && in.FromCampaignID != 0:
		invalid(w, r, "body", "give either body or from_campaign_id, not both")
		return
	case in.FromCampaignID != 0:
		b, title, err := a.Campaigns.TemplateFromCampaign(r.Context(), p, int64(in.FromCampaignID))
		if errors.Is(err, authz.ErrNotMember) || errors.Is(err, db.ErrNotFound) {
			invalid(w, r, "from_campaign_id", "is not a campaign you can see")
			return
		}
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		t.Body = b
		if t.Name == "" {
			t.Name = title
		}
	case hasBody:
		b, err := campaign.ParseTemplateBody(in.Body)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		t.Body = b
	default:
		invalid(w, r, "body", "is required (or from_campaign_id, to save a campaign as a template)")
		return
	}
	if err := a.Campaigns.CreateTemplate(r.Context(), p, actor(r), o, &t); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/orgs/%d/campaign-templates/%d", o.ID, t.ID))
	writeJSON(w, http.StatusCreated, t)
}

func (a *API) getTemplate(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	t, err := a.Campaigns.Template(r.Context(), o, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (a *API) deleteTemplate(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := a.Campaigns.DeleteTemplate(r.Context(), actor(r), o, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type instantiateInput struct {
	Title string `json:"title"`
	Start string `json:"start"`
}

func (a *API) instantiateTemplate(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in instantiateInput
	if !decode(w, r, &in) {
		return
	}
	res, err := a.Campaigns.Instantiate(r.Context(), p, o, id, in.Title, in.Start)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/campaigns/"+strconv.FormatInt(res.Campaign.ID, 10))
	writeJSON(w, http.StatusCreated, res)
}
