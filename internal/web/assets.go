package web

import (
	"crypto/sha256"
	"embed"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// static holds the stylesheet, the scripts and vendored htmx
// (htmx.org 2.0.11, dist/htmx.min.js, pinned on purpose: npm's latest tag
// is a later major version).
//
//go:embed static/*
var staticFS embed.FS

type asset struct {
	body  []byte
	ctype string
}

// assets serves static files under content-hashed names
// (app.css → app.3f2a1c9b.css) with a one-year immutable cache.
type assets struct {
	byHashed map[string]asset
	hashed   map[string]string // app.css → app.3f2a1c9b.css
}

func loadAssets() (*assets, error) {
	as := &assets{byHashed: map[string]asset{}, hashed: map[string]string{}}
	names, err := fs.Glob(staticFS, "static/*")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		body, err := staticFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("web: asset %s: %w", n, err)
		}
		base := path.Base(n)
		sum := sha256.Sum256(body)
		ext := path.Ext(base)
		h := strings.TrimSuffix(base, ext) + "." + letterHash(sum[:6]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as.byHashed[h] = asset{body: body, ctype: ct}
		as.hashed[base] = h
	}
	return as, nil
}

// url returns the hashed URL of a static file.
func (as *assets) url(name string) (string, error) {
	h, ok := as.hashed[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + h, nil
}

func (as *assets) serve(w http.ResponseWriter, r *http.Request) {
	a, ok := as.byHashed[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}

// letterHash writes a hash with the letters a–p only: hashed asset names
// then carry no digits, so that pages differ only where their data does
// (the authorisation matrix compares pages with ids replaced).
func letterHash(b []byte) string {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, 'a'+c>>4, 'a'+c&0xf)
	}
	return string(out)
}

// favicon answers /favicon.ico, which browsers and feed readers ask for
// whatever the page links, with the SVG icon (the pages link its hashed
// URL). It is cached for a day, not for a year: the name does not change
// when the icon does.
func (as *assets) favicon(w http.ResponseWriter, r *http.Request) {
	a, ok := as.byHashed[as.hashed["favicon.svg"]]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(a.body)
}
