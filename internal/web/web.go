// Package web serves the HTML user interface: server-rendered pages
// (html/template, embedded), htmx for partial updates, a hand-written
// stylesheet, and static assets under content-hashed URLs.
package web

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/config"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
)

//go:embed templates/*.html
var templateFS embed.FS

// Deps is what the web UI needs.
type Deps struct {
	DB        *db.DB
	Auth      *auth.Service
	Orgs      *org.Service
	Campaigns *campaign.Service
	Imports   *campaign.Importer
	Media     *media.Store
	Notify    *notify.Service
	Academy   *academy.Service // may be nil: built from DB and Auth
	// ListenImports reads the files imported into listening; nil means
	// imports through the web are off.
	ListenImports *ingest.Importer
	Log           *slog.Logger
	Config        *config.Config
	// HTTP calls the networks when accounts are connected (the
	// SSRF-guarded client).
	HTTP    *http.Client
	Version string
}

// Web is the HTML user interface.
type Web struct {
	Deps
	i18n   *i18n.Bundle
	assets *assets
	pages  map[string]*template.Template
}

// New prepares templates, messages and assets.
func New(d Deps) (*Web, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	b, err := i18n.New()
	if err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	wb := &Web{Deps: d, i18n: b, assets: as, pages: map[string]*template.Template{}}
	zones := loadableTimeZones()
	funcs := template.FuncMap{
		"asset":   as.url,
		"roleKey": func(r authz.Role) string { return "role." + string(r) },
		"kindKey": func(k org.Kind) string { return "kind." + string(k) },
		"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// caret marks character n (1-based) of the line above it.
		"caret":     func(n int) string { return strings.Repeat(" ", max(n-1, 0)) + "^" },
		"num":       formatNumber,
		"netLabel":  func(n limits.Network) string { return limits.Label(n) },
		"replace":   func(s, old, new string) string { return strings.ReplaceAll(s, old, new) },
		"roles":     func() []authz.Role { return authz.Roles },
		"kinds":     func() []org.Kind { return org.Kinds },
		"langName":  func(l string) string { return i18n.Names[l] },
		"languages": func() []string { return i18n.Supported },
		"timeZones": func() []string { return zones },
		"list":      func(xs ...string) []string { return xs },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, errors.New("dict: keys must be strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Files named _*.html hold blocks shared by the pages of an area; every
	// page is parsed with them and the layout.
	partials, err := fs.Glob(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, append([]string{"templates/layout.html", n}, partials...)...)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", base, err)
		}
		wb.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return wb, nil
}

// routes registers UI routes with their access level, wrapping each
// handler in the session (and organisation) check it needs.
type routes struct {
	wb *Web
	rt *httpx.Router
}

func (g routes) pub(m, p string, h http.HandlerFunc) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.Public}, g.wb.optional(h))
}

func (g routes) signed(m, p string, h http.HandlerFunc) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.Signed}, g.wb.signed(h, false))
}

func (g routes) inOrg(m, p string, action authz.Action, h orgHandler) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.OrgRole, Action: action}, g.wb.signed(g.wb.orgScoped(action, h), false))
}

// Register adds the UI routes.
func (wb *Web) Register(rt *httpx.Router) {
	g := routes{wb, rt}
	pub, signed, inOrg := g.pub, g.signed, g.inOrg

	rt.Handle(httpx.Route{Method: "GET", Pattern: "/static/{file}", Access: httpx.Public}, http.HandlerFunc(wb.assets.serve))
	rt.Handle(httpx.Route{Method: "GET", Pattern: "/favicon.ico", Access: httpx.Public}, http.HandlerFunc(wb.assets.favicon))
	pub("GET", "/", wb.notFoundPage)
	pub("POST", "/lang", wb.setLang)

	// Signing in and out.
	pub("GET", "/login", wb.loginForm)
	pub("POST", "/login", wb.loginSubmit)
	pub("GET", "/login/oidc", wb.oidcStart)
	pub("GET", "/login/oidc/callback", wb.oidcCallback)
	pub("GET", "/login/2fa", wb.secondFactorForm)
	pub("POST", "/login/2fa", wb.secondFactorSubmit)
	pub("POST", "/logout", wb.logout)
	pub("GET", "/password/forgot", wb.forgotForm)
	pub("POST", "/password/forgot", wb.forgotSubmit)
	pub("GET", "/password/reset/{token}", wb.resetForm)
	pub("POST", "/password/reset/{token}", wb.resetSubmit)
	pub("GET", "/invite/{token}", wb.inviteForm)
	pub("POST", "/invite/{token}", wb.inviteSubmit)

	// Home and organisations.
	signed("GET", "/{$}", wb.home)
	signed("GET", "/switch", wb.switchOrg)
	inOrg("GET", "/o/{org}/{$}", authz.ViewOrg, wb.dashboard)
	for _, a := range areas {
		inOrg("GET", "/o/{org}/"+a.slug, a.action, wb.comingPage(a))
	}
	wb.registerCampaigns(rt)
	wb.registerListening(inOrg)

	// Administration.
	inOrg("GET", "/o/{org}/admin/{$}", authz.ViewAdminSection, wb.adminIndex)
	inOrg("GET", "/o/{org}/admin/members", authz.ManageMembers, wb.members)
	inOrg("POST", "/o/{org}/admin/members/{user}/role", authz.ManageMembers, wb.memberRole)
	inOrg("GET", "/o/{org}/admin/members/{user}/remove", authz.ManageMembers, wb.memberRemoveConfirm)
	inOrg("POST", "/o/{org}/admin/members/{user}/remove", authz.ManageMembers, wb.memberRemove)
	inOrg("GET", "/o/{org}/admin/invitations", authz.ManageMembers, wb.invitations)
	inOrg("POST", "/o/{org}/admin/invitations", authz.ManageMembers, wb.invite)
	inOrg("POST", "/o/{org}/admin/invitations/{id}/revoke", authz.ManageMembers, wb.revokeInvitation)
	inOrg("GET", "/o/{org}/admin/settings", authz.ManageOrg, wb.settings)
	inOrg("POST", "/o/{org}/admin/settings", authz.ManageOrg, wb.saveSettings)
	inOrg("GET", "/o/{org}/admin/audit", authz.ViewAudit, wb.auditLog)
	inOrg("GET", "/o/{org}/admin/orgs", authz.CreateSubOrg, wb.orgList)
	inOrg("POST", "/o/{org}/admin/orgs", authz.CreateSubOrg, wb.createOrg)

	// The signed-in user's own account.
	signed("GET", "/account", wb.account)
	signed("POST", "/account/profile", wb.saveProfile)
	signed("POST", "/account/password", wb.changePassword)
	signed("GET", "/account/tokens", wb.tokens)
	signed("POST", "/account/tokens", wb.createToken)
	signed("GET", "/account/tokens/{id}/revoke", wb.revokeTokenConfirm)
	signed("POST", "/account/tokens/{id}/revoke", wb.revokeToken)
	// The 2FA pages stay reachable for a user who must enrol first.
	rt.Handle(httpx.Route{Method: "GET", Pattern: "/account/2fa", Access: httpx.Signed}, wb.signed(wb.twoFactor, true))
	rt.Handle(httpx.Route{Method: "POST", Pattern: "/account/2fa/enable", Access: httpx.Signed}, wb.signed(wb.twoFactorEnable, true))
	signed("POST", "/account/2fa/disable", wb.twoFactorDisable)
	signed("POST", "/account/2fa/recovery", wb.twoFactorRecovery)
	wb.registerCalendar(rt)
	wb.registerMedia(rt)
	wb.registerCoordination(rt)
	wb.registerImportExport(rt)
	wb.registerNewsletter(rt)
	wb.registerFeeds(rt)
	wb.registerConnect(rt)
	wb.registerAcademy(rt)
	wb.registerVerify(rt)
}

// errorStatus maps a domain error to the page to show. ok is false for an
// unexpected error, which is logged and shown as a 500.
func errorStatus(err error) (int, bool) {
	switch {
	case errors.Is(err, authz.ErrNotMember), errors.Is(err, db.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, authz.ErrForbidden):
		return http.StatusForbidden, true
	}
	return http.StatusInternalServerError, false
}

// fail renders the error page for err.
func (wb *Web) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, ok := errorStatus(err)
	if !ok {
		wb.Log.Error("web error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	wb.errorPage(w, r, code)
}

func (wb *Web) errorPage(w http.ResponseWriter, r *http.Request, code int) {
	pg := wb.page(r, "")
	pg.Path = "/" // an error page does not echo the request
	pg.Error = true
	switch code {
	case http.StatusNotFound:
		pg.Title = pg.L.T("error.notfound.title")
	case http.StatusForbidden:
		pg.Title = pg.L.T("error.forbidden.title")
	default:
		pg.Title = pg.L.T("error.internal.title")
	}
	pg.Data = code
	wb.render(w, r, code, "error", pg)
}

func (wb *Web) notFoundPage(w http.ResponseWriter, r *http.Request) {
	wb.errorPage(w, r, http.StatusNotFound)
}
