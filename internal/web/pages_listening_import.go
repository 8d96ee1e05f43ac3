package web

// Importing a file of mentions (JSONL or CSV) into listening from the
// browser: the upload is spooled and read in the background
// (ingest.Importer); its page shows a progress bar that htmx refreshes
// until the import has finished, then what was stored and the bad records
// with their line.

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/org"
)

func (wb *Web) registerListeningImport(inOrg func(string, string, authz.Action, orgHandler)) {
	inOrg("GET", "/o/{org}/listening/import", authz.ManageListening, wb.listenImportForm)
	inOrg("POST", "/o/{org}/listening/import", authz.ManageListening, wb.listenImportUpload)
	inOrg("GET", "/o/{org}/listening/imports/{id}", authz.UseListening, wb.listenImportPage)
}

type listenImportData struct {
	Import  *ingest.Import  // the import page's import
	Recent  []ingest.Import // the form page's latest imports
	URL     string          // the import page, for the progress refresh
	MaxMB   int
	Enabled bool
}

func (wb *Web) listenImportForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	wb.renderListenImportForm(w, r, o, wb.orgPage(r, o, "listening", ""), http.StatusOK)
}

func (wb *Web) renderListenImportForm(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	recent, err := ingest.ListImports(r.Context(), wb.DB.R(), o.ID, 10)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("listening.import.title")
	pg.Data = listenImportData{Recent: recent, MaxMB: ingest.MaxImportBytes >> 20, Enabled: wb.ListenImports != nil}
	wb.render(w, r, status, "listening_import", pg)
}

func (wb *Web) listenImportUpload(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	if wb.ListenImports == nil {
		wb.fail(w, r, db.ErrNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, ingest.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		status := http.StatusBadRequest
		pg.Errors["file"] = pg.L.T("listening.import.error.form")
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
			pg.Errors["file"] = pg.L.T("listening.import.error.size", "MB", ingest.MaxImportBytes>>20)
		}
		wb.renderListenImportForm(w, r, o, pg, status)
		return
	}
	defer r.MultipartForm.RemoveAll()
	pg.Form = r.PostForm
	f, fh, err := r.FormFile("file")
	if err != nil {
		pg.Errors["file"] = pg.L.T("listening.import.error.nofile")
		wb.renderListenImportForm(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	defer f.Close()
	im, err := wb.ListenImports.Start(r.Context(), o.ID, pg.P.UserID, fh.Filename, r.PostForm.Get("format"), r.PostForm.Get("source"), f)
	if fieldErrors(pg, err) {
		wb.renderListenImportForm(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	wb.Log.Info("listening import started", "org", o.ID, "import", im.ID, "file", im.Filename, "bytes", im.SizeBytes, "user", pg.P.UserID)
	redirect(w, r, pg.OrgURL("listening/imports/"+strconv.FormatInt(im.ID, 10)))
}

func (wb *Web) listenImportPage(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	im, ok := byPathID(wb, w, r, func(id int64) (ingest.Import, error) { return ingest.GetImport(r.Context(), wb.DB.R(), o.ID, id) })
	if !ok {
		return
	}
	pg.Title = pg.L.T("listening.import.of", "File", im.Filename)
	pg.Data = listenImportData{Import: &im, URL: pg.OrgURL("listening/imports/" + strconv.FormatInt(im.ID, 10))}
	if r.Header.Get("HX-Request") == "true" {
		wb.renderBlock(w, r, "listening_import", "listen-import-progress", pg)
		return
	}
	wb.render(w, r, http.StatusOK, "listening_import", pg)
}
