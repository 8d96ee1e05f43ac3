package api

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/media"
)

// registerMedia adds the attachment routes.
func (a *API) registerMedia(rt *httpx.Router) {
	resource := routes{a, rt}.resource
	resource("GET", "/api/v1/items/{id}/media", authz.UseCampaigns, a.listMedia)
	resource("POST", "/api/v1/items/{id}/media", authz.EditCampaigns, a.uploadMedia)
	resource("PATCH", "/api/v1/media/{id}", authz.EditCampaigns, a.updateMedia)
	resource("DELETE", "/api/v1/media/{id}", authz.EditCampaigns, a.deleteMedia)
	resource("GET", "/api/v1/media/{id}/content", authz.UseCampaigns, a.mediaContent)
}

// maxUpload bounds a whole upload request: the largest file plus room for
// the form's other parts.
const maxUpload = media.MaxVideoBytes + 1<<20

// writeMediaError answers the errors of uploads, then anything else as
// writeError does.
func (a *API) writeMediaError(w http.ResponseWriter, r *http.Request, err error) {
	var tl *media.TooLargeError
	if errors.As(err, &tl) {
		writeProblem(w, r, Problem{Type: problemBase + "too-large", Status: http.StatusRequestEntityTooLarge, Detail: tl.Error(),
			Errors: []FieldIssue{{Pointer: "/file", Detail: tl.Error()}}})
		return
	}
	a.writeError(w, r, err)
}

func (a *API) listMedia(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	_, ms, ws, err := a.Campaigns.ItemMedia(r.Context(), httpx.PrincipalFrom(r.Context()), a.Media, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Media    []campaign.Media        `json:"media"`
		Warnings []campaign.MediaWarning `json:"warnings"`
	}{ms, ws})
}

// uploadMedia takes multipart/form-data with a "file" part and an
// "alt_text" field.
func (a *API) uploadMedia(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	// Refuse strangers and readers before reading a body of up to 100 MiB.
	if err := a.Campaigns.CheckAttach(r.Context(), httpx.PrincipalFrom(r.Context()), id); err != nil {
		a.writeError(w, r, err)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		writeProblem(w, r, Problem{Type: problemBase + "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Detail: `send multipart/form-data with a "file" part and an "alt_text" field`})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(w, r, Problem{Type: problemBase + "too-large", Status: http.StatusRequestEntityTooLarge,
				Detail: "the upload is too large: an image may be at most 8 MiB, a video 100 MiB"})
			return
		}
		writeProblem(w, r, Problem{Type: problemBase + "malformed-multipart", Title: "The request body is not valid multipart/form-data.", Status: http.StatusBadRequest, Detail: err.Error()})
		return
	}
	defer r.MultipartForm.RemoveAll()
	alt := ""
	if vs := r.MultipartForm.Value["alt_text"]; len(vs) > 0 {
		alt = vs[0]
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 {
		invalid(w, r, "file", "send exactly one file part named \"file\"")
		return
	}
	f, err := fhs[0].Open()
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer f.Close()
	m, err := a.Campaigns.AddMedia(r.Context(), httpx.PrincipalFrom(r.Context()), actor(r), a.Media, id, fhs[0].Filename, alt, f)
	if err != nil {
		a.writeMediaError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/media/"+strconv.FormatInt(m.ID, 10))
	writeJSON(w, http.StatusCreated, m)
}

type mediaPatch struct {
	AltText *string `json:"alt_text"`
}

func (a *API) updateMedia(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in mediaPatch
	if !decode(w, r, &in) {
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	if in.AltText == nil {
		// Nothing to change: answer with the attachment as it is.
		m, err := a.Campaigns.GetMedia(r.Context(), p, id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, m)
		return
	}
	m, err := a.Campaigns.SetMediaAlt(r.Context(), p, actor(r), id, *in.AltText)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (a *API) deleteMedia(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := a.Campaigns.DeleteMedia(r.Context(), httpx.PrincipalFrom(r.Context()), actor(r), a.Media, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) mediaContent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	m, err := a.Campaigns.GetMedia(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	f, err := a.Media.Open(m.SHA256)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer f.Close()
	media.ServeFile(w, r, f, m.ContentType, m.FileName, m.SHA256, m.CreatedAt)
}
