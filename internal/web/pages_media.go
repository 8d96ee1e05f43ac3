package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/org"
)

// The attachments of an item: upload with required alt text, thumbnails,
// alt text editing and deletion with confirmation. Files are served back
// through /o/{org}/media/{id}/content after the same access check as the
// page (media.ServeFile sets the protective headers).

func (wb *Web) registerMedia(rt *httpx.Router) {
	inOrg := routes{wb, rt}.inOrg
	inOrg("GET", "/o/{org}/items/{id}/media", authz.UseCampaigns, wb.mediaPage)
	inOrg("POST", "/o/{org}/items/{id}/media", authz.EditCampaigns, wb.mediaUpload)
	inOrg("POST", "/o/{org}/media/{id}/alt", authz.EditCampaigns, wb.mediaAlt)
	inOrg("GET", "/o/{org}/media/{id}/delete", authz.EditCampaigns, wb.mediaDeleteConfirm)
	inOrg("POST", "/o/{org}/media/{id}/delete", authz.EditCampaigns, wb.mediaDelete)
	inOrg("GET", "/o/{org}/media/{id}/content", authz.UseCampaigns, wb.mediaContent)
}

type mediaPageData struct {
	Item      campaign.Item
	ItemTitle string
	CanEdit   bool
	Media     []mediaView
	Warnings  []string // about the item as a whole
	Confirm   *mediaView
	MaxAlt    int
	Accept    string
	EditID    int64  // the attachment whose alt text form has errors
	EditAlt   string // what was typed there
}

type mediaView struct {
	campaign.Media
	URL      string
	Size     string
	Warnings []string
}

// mediaVisible reports whether the campaign is o's own or shared with o:
// a page of o shows only those.
func mediaVisible(c campaign.Campaign, o org.Org) bool {
	return c.OrgID == o.ID || slices.Contains(c.Partners, o.ID)
}

func mediaItemTitle(it campaign.Item) string {
	if it.Title != "" {
		return it.Title
	}
	r := []rune(strings.Join(strings.Fields(it.Text), " "))
	if len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return string(r)
}

func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// warningText words a warning in the page's language.
func warningText(l *i18n.Localizer, w campaign.MediaWarning) string {
	switch w.Code {
	case campaign.WarnFileTooLarge:
		return l.T("media.warn.file", "Network", limits.Label(w.Network), "Limit", sizeLabel(w.Limit), "Size", sizeLabel(w.Length))
	case campaign.WarnAltTooLong:
		return l.T("media.warn.alt", "Network", limits.Label(w.Network), "Limit", w.Limit, "Length", w.Length)
	case campaign.WarnCaption:
		return l.T("media.warn.caption", "Limit", w.Limit, "Length", w.Length)
	}
	return w.Detail
}

// mediaPageFor loads item {id} (or the item of attachment mediaID) for a
// page of o and renders the attachments page.
func (wb *Web) mediaRender(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, itemID int64, fill func(*mediaPageData)) {
	p := httpx.PrincipalFrom(r.Context())
	it, ms, ws, err := wb.Campaigns.ItemMedia(r.Context(), p, wb.Media, itemID)
	if err == nil {
		var ac campaign.Access
		if _, ac, err = wb.Campaigns.GetItem(r.Context(), p, itemID); err == nil && !mediaVisible(ac.Campaign, o) {
			err = db.ErrNotFound
		}
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := mediaPageData{Item: it, ItemTitle: mediaItemTitle(it), CanEdit: authz.Can(p, it.OrgID, authz.EditCampaigns),
		MaxAlt: campaign.MaxAltText, Accept: "image/jpeg,image/png,image/gif,image/webp,video/mp4"}
	for _, m := range ms {
		v := mediaView{Media: m, URL: pg.OrgURL("media/" + strconv.FormatInt(m.ID, 10) + "/content"), Size: sizeLabel(m.Size)}
		for _, x := range m.Warnings {
			v.Warnings = append(v.Warnings, warningText(pg.L, x))
		}
		d.Media = append(d.Media, v)
	}
	for _, x := range ws {
		d.Warnings = append(d.Warnings, warningText(pg.L, x))
	}
	if fill != nil {
		fill(&d)
	}
	pg.Title = pg.L.T("media.title", "Title", d.ItemTitle)
	pg.Active = "campaigns"
	pg.Data = d
	wb.render(w, r, status, "media", pg)
}

func (wb *Web) mediaPage(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	switch r.URL.Query().Get("done") {
	case "uploaded":
		pg.Notice = pg.L.T("media.notice.uploaded")
	case "saved":
		pg.Notice = pg.L.T("media.notice.saved")
	case "deleted":
		pg.Notice = pg.L.T("media.notice.deleted")
	}
	wb.mediaRender(w, r, o, http.StatusOK, pg, id, nil)
}

// loadMedia reads attachment {id} for a page of o.
func (wb *Web) loadMedia(r *http.Request, o org.Org) (campaign.Media, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Media{}, db.ErrNotFound
	}
	p := httpx.PrincipalFrom(r.Context())
	m, err := wb.Campaigns.GetMedia(r.Context(), p, id)
	if err != nil {
		return m, err
	}
	_, ac, err := wb.Campaigns.GetItem(r.Context(), p, m.ItemID)
	if err == nil && !mediaVisible(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	return m, err
}

func (wb *Web) itemMediaURL(o org.Org, itemID int64, done string) string {
	return "/o/" + o.Slug + "/items/" + strconv.FormatInt(itemID, 10) + "/media?done=" + done
}

func (wb *Web) mediaUpload(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	// Refuse strangers and readers before reading a body of up to 100 MiB;
	// the item must belong to a campaign this page's organisation sees.
	p := httpx.PrincipalFrom(r.Context())
	if _, ac, err := wb.Campaigns.GetItem(r.Context(), p, id); err != nil || !mediaVisible(ac.Campaign, o) {
		wb.fail(w, r, cmpErr(err, db.ErrNotFound))
		return
	}
	if err := wb.Campaigns.CheckAttach(r.Context(), p, id); err != nil {
		wb.fail(w, r, err)
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		wb.errorPage(w, r, http.StatusBadRequest)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, media.MaxVideoBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			pg.Errors["file"] = pg.L.T("media.error.too_large")
			wb.mediaRender(w, r, o, http.StatusRequestEntityTooLarge, pg, id, nil)
			return
		}
		wb.errorPage(w, r, http.StatusBadRequest)
		return
	}
	defer r.MultipartForm.RemoveAll()
	alt := r.PostFormValue("alt_text")
	pg.Form.Set("alt_text", alt)
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 || fhs[0].Size == 0 {
		pg.Errors["file"] = pg.L.T("media.error.file_required")
		wb.mediaRender(w, r, o, http.StatusUnprocessableEntity, pg, id, nil)
		return
	}
	f, err := fhs[0].Open()
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	defer f.Close()
	_, err = wb.Campaigns.AddMedia(r.Context(), p, httpx.ActorFrom(r), wb.Media, id, fhs[0].Filename, alt, f)
	if wb.mediaFormError(pg, err, "alt_text") {
		status := http.StatusUnprocessableEntity
		var tl *media.TooLargeError
		if errors.As(err, &tl) {
			status = http.StatusRequestEntityTooLarge
		}
		wb.mediaRender(w, r, o, status, pg, id, nil)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, wb.itemMediaURL(o, id, "uploaded"))
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// mediaFormError puts an upload or alt text error on its field; it reports
// false for errors that are not the user's to fix.
func (wb *Web) mediaFormError(pg *page, err error, altField string) bool {
	var fe *campaign.FieldError
	var tl *media.TooLargeError
	switch {
	case err == nil:
		return false
	case errors.As(err, &tl):
		if media.IsImage(tl.ContentType) {
			pg.Errors["file"] = pg.L.T("media.error.image_too_large", "Limit", tl.Limit>>20)
		} else {
			pg.Errors["file"] = pg.L.T("media.error.video_too_large", "Limit", tl.Limit>>20)
		}
		return true
	case errors.As(err, &fe) && fe.Field == "file":
		pg.Errors["file"] = pg.L.T("media.error.type")
		return true
	case errors.As(err, &fe) && fe.Field == "alt_text":
		if strings.HasPrefix(fe.Reason, "is required") {
			pg.Errors[altField] = pg.L.T("media.error.alt_required")
		} else if strings.HasPrefix(fe.Reason, "must be at most") {
			pg.Errors[altField] = pg.L.T("media.error.alt_long", "Max", campaign.MaxAltText)
		} else {
			pg.Errors[altField] = pg.L.T("media.error.alt_control")
		}
		return true
	}
	return false
}

func (wb *Web) mediaAlt(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	m, err := wb.loadMedia(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	alt := r.PostForm.Get("alt_text")
	_, err = wb.Campaigns.SetMediaAlt(r.Context(), httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r), m.ID, alt)
	pg := wb.orgPage(r, o, "campaigns", "")
	field := "alt_" + strconv.FormatInt(m.ID, 10)
	if wb.mediaFormError(pg, err, field) {
		wb.mediaRender(w, r, o, http.StatusUnprocessableEntity, pg, m.ItemID, func(d *mediaPageData) { d.EditID, d.EditAlt = m.ID, alt })
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, wb.itemMediaURL(o, m.ItemID, "saved"))
}

func (wb *Web) mediaDeleteConfirm(w http.ResponseWriter, r *http.Request, o org.Org) {
	m, err := wb.loadMedia(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	if !authz.Can(httpx.PrincipalFrom(r.Context()), m.OrgID, authz.EditCampaigns) {
		wb.fail(w, r, authz.ErrForbidden)
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	wb.mediaRender(w, r, o, http.StatusOK, pg, m.ItemID, func(d *mediaPageData) {
		for i := range d.Media {
			if d.Media[i].ID == m.ID {
				d.Confirm = &d.Media[i]
			}
		}
	})
}

func (wb *Web) mediaDelete(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	m, err := wb.loadMedia(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	if err := wb.Campaigns.DeleteMedia(r.Context(), httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r), wb.Media, m.ID); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, wb.itemMediaURL(o, m.ItemID, "deleted"))
}

func (wb *Web) mediaContent(w http.ResponseWriter, r *http.Request, o org.Org) {
	m, err := wb.loadMedia(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	f, err := wb.Media.Open(m.SHA256)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	defer f.Close()
	media.ServeFile(w, r, f, m.ContentType, m.FileName, m.SHA256, m.CreatedAt)
}
