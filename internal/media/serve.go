package media

import (
	"mime"
	"net/http"
	"os"
	"time"
)

// ContentCSP is the Content-Security-Policy of a served file: nothing may
// load or run in it, and it is sandboxed should a browser open it as a
// document.
const ContentCSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"

// ServeFile answers with a stored file after the caller has checked
// access. The type is the one stored at upload (never text/html: only
// accepted types are stored), the browser may not sniff another, images
// show inline and anything else downloads. Range requests work (video
// seeking); the hash is the ETag.
func ServeFile(w http.ResponseWriter, r *http.Request, f *os.File, contentType, fileName, sha string, modTime time.Time) {
	if _, ok := accepted[contentType]; !ok && !IsDocument(contentType) {
		contentType = "application/octet-stream"
	}
	disp := "attachment"
	if IsImage(contentType) {
		disp = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", ContentCSP)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", `"`+sha+`"`)
	if v := mime.FormatMediaType(disp, map[string]string{"filename": fileName}); v != "" {
		h.Set("Content-Disposition", v)
	} else {
		h.Set("Content-Disposition", disp)
	}
	http.ServeContent(w, r, "", modTime, f)
}
