package web

// The public side of certificates, without sign-in: the verification page
// of a code (/verify/{code}, and /verify to type one in), the signed
// credential as issued (/credentials/{code}, application/ld+json), the
// revocation status list (/credentials/status/{list}) and the issuer's
// keys (/.well-known/did.json, /.well-known/jwks.json). Organisation slugs
// "verify" and "credentials" are reserved (internal/org), so that these
// paths never shadow an organisation's public feeds at /{org}/…; ".well-
// known" cannot be a slug. Verification pages are kept out of search
// engines: a certificate is checked by whoever has its code.

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
)

func (wb *Web) academySvc() *academy.Service {
	if wb.Academy != nil {
		return wb.Academy
	}
	s := &academy.Service{DB: wb.DB, Auth: wb.Auth, Log: wb.Log}
	if wb.Auth != nil {
		s.Box = wb.Auth.Box
	}
	if wb.Config != nil {
		s.BaseURL = wb.Config.BaseURL
	}
	return s
}

// registerVerify adds the public certificate routes.
func (wb *Web) registerVerify(rt *httpx.Router) {
	pub := routes{wb, rt}.pub
	pub("GET", "/verify", wb.verifyForm)
	pub("GET", "/verify/{code}", wb.verifyPage)
	pub("GET", "/credentials/{code}", wb.credentialDoc)
	pub("GET", "/credentials/status/{list}", wb.statusListDoc)
	pub("GET", "/.well-known/did.json", wb.didDocument)
	pub("GET", "/.well-known/jwks.json", wb.jwksDocument)
}

func noIndex(w http.ResponseWriter) { w.Header().Set("X-Robots-Tag", "noindex, nofollow") }

type verifyData struct {
	V         academy.Verification
	Code      string
	DID       string // the issuer's DID document
	StatusURL string
}

func (wb *Web) verifyForm(w http.ResponseWriter, r *http.Request) {
	noIndex(w)
	pg := wb.page(r, "")
	pg.NoIndex = true
	pg.Title = pg.L.T("verify.title")
	if raw := r.URL.Query().Get("code"); raw != "" {
		if code, ok := academy.NormaliseCode(raw); ok {
			http.Redirect(w, r, "/verify/"+code, http.StatusSeeOther)
			return
		}
		pg.Form.Set("code", raw)
		pg.Errors["code"] = pg.L.T("verify.code_invalid")
	}
	wb.render(w, r, http.StatusOK, "verify_form", pg)
}

func (wb *Web) verifyPage(w http.ResponseWriter, r *http.Request) {
	noIndex(w)
	svc := wb.academySvc()
	v, err := svc.Verify(r.Context(), r.PathValue("code"))
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg := wb.page(r, "")
	pg.NoIndex = true
	pg.Title = pg.L.T("verify.title")
	pg.Data = verifyData{V: v, Code: v.Certificate.Code, StatusURL: svc.StatusListURL(), DID: "/.well-known/did.json"}
	wb.render(w, r, http.StatusOK, "verify", pg)
}

// serveJSON answers a public JSON document that other sites' verifiers
// and wallets fetch.
func serveJSON(w http.ResponseWriter, contentType string, body []byte, maxAge int) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(maxAge))
	h.Set("X-Robots-Tag", "noindex")
	_, _ = w.Write(body)
}

// publicFail answers a public document's error: a 404 page, or a 500.
func (wb *Web) publicFail(w http.ResponseWriter, r *http.Request, err error) {
	noIndex(w)
	if errors.Is(err, db.ErrNotFound) {
		wb.notFoundPage(w, r)
		return
	}
	wb.fail(w, r, err)
}

func (wb *Web) credentialDoc(w http.ResponseWriter, r *http.Request) {
	b, err := wb.academySvc().CredentialOf(r.Context(), r.PathValue("code"))
	if err != nil {
		wb.publicFail(w, r, err)
		return
	}
	// Served byte for byte as signed.
	serveJSON(w, "application/ld+json", b, 300)
}

func (wb *Web) statusListDoc(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("list"), 10, 64)
	if err != nil {
		wb.publicFail(w, r, db.ErrNotFound)
		return
	}
	b, err := wb.academySvc().StatusList(r.Context(), id)
	if err != nil {
		wb.publicFail(w, r, err)
		return
	}
	// Verifiers must see a revocation soon.
	serveJSON(w, "application/ld+json", b, 60)
}

func (wb *Web) didDocument(w http.ResponseWriter, r *http.Request) {
	b, err := wb.academySvc().DIDDocument(r.Context())
	if err != nil {
		wb.publicFail(w, r, err)
		return
	}
	// Plain JSON, as a did.json file on a web server would be served.
	serveJSON(w, "application/json", b, 300)
}

func (wb *Web) jwksDocument(w http.ResponseWriter, r *http.Request) {
	b, err := wb.academySvc().JWKS(r.Context())
	if err != nil {
		wb.publicFail(w, r, err)
		return
	}
	serveJSON(w, "application/json", b, 300)
}
