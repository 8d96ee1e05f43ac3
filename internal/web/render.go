package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
	"github.com/attache-project/attache/internal/org"
)

// page is what every template receives.
type page struct {
	L       *i18n.Localizer
	Lang    string
	Other   string // the language the switch offers
	Title   string
	Path    string // the current path and query, for the language switch
	User    *auth.User
	P       *authz.Principal
	Org     *org.Org // the organisation in the path, when there is one
	Role    authz.Role
	Orgs    []org.Membership
	Nav     []navItem
	Active  string // slug of the current area
	Notice  string // a confirmation to show above the content
	Errors  map[string]string
	Form    url.Values
	Data    any
	Version string
	Unread  int // the user's unread notifications, for the top bar
	// Bare pages (sign-in and friends) have no navigation.
	Bare bool
	// NoIndex keeps the page out of search engines (certificate
	// verification pages).
	NoIndex bool
	// Error pages keep the navigation short.
	Error bool
}

// Err returns the error of one field ("" when none).
func (p *page) Err(field string) string { return p.Errors[field] }

// V returns a submitted form value, to keep what the user typed.
func (p *page) V(field string) string { return p.Form.Get(field) }

// Can reports whether the user may do action in the current organisation.
func (p *page) Can(action authz.Action) bool {
	return p.Org != nil && authz.Can(p.P, p.Org.ID, action)
}

// OrgURL prefixes a path with the current organisation.
func (p *page) OrgURL(rest string) string {
	if p.Org == nil {
		return "/"
	}
	return "/o/" + p.Org.Slug + "/" + strings.TrimPrefix(rest, "/")
}

// page builds the common part of every page for r.
func (wb *Web) page(r *http.Request, title string) *page {
	lang := wb.lang(r)
	pg := &page{L: wb.i18n.For(lang), Lang: lang, Title: title, Path: r.URL.RequestURI(), Version: wb.Version, Errors: map[string]string{}, Form: url.Values{}}
	for _, l := range i18n.Supported {
		if l != lang {
			pg.Other = l
			break
		}
	}
	if u, ok := httpx.UserFrom(r.Context()); ok {
		pg.User = &u
		pg.P = httpx.PrincipalFrom(r.Context())
		if ms, err := wb.Orgs.ListFor(r.Context(), pg.P); err == nil {
			pg.Orgs = ms
		}
		pg.Unread = wb.unread(r.Context(), u.ID)
	}
	return pg
}

// orgPage is page for a page inside organisation o.
func (wb *Web) orgPage(r *http.Request, o org.Org, active, title string) *page {
	pg := wb.page(r, title)
	pg.Org = &o
	pg.Role, _ = pg.P.RoleIn(o.ID)
	pg.Active = active
	pg.Nav = navFor(pg)
	// The "To grade" count: on the academy's pages, and on every page of
	// the programme, whose navigation always shows the item to graders.
	if active == "academy" || o.Kind == org.Programme {
		wb.gradingCount(r.Context(), pg, active == "academy")
	}
	return pg
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 rather than half a page.
func (wb *Web) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page) {
	t, ok := wb.pages[name]
	if !ok {
		wb.Log.Error("web: no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if pg.User == nil && !pg.Bare {
		pg.Bare = true
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		wb.Log.Error("web: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", pg.Lang)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// redirect sends the browser on with 303 See Other (after a POST).
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

const maxForm = 64 << 10

// parseForm reads a urlencoded form of at most 64 KiB. On failure it
// answers 400/413 itself and returns false.
func (wb *Web) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		code := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			code = http.StatusRequestEntityTooLarge
		}
		pg := wb.page(r, "")
		pg.Title = pg.L.T("error.badrequest.title")
		pg.Data = code
		wb.render(w, r, code, "error", pg)
		return false
	}
	return true
}

// localPath accepts only a path on this site ("/o/x/", not "//evil" or
// "https://…"), for the next= parameter of the sign-in page.
func localPath(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n\t\\") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return s
}

// formatNumber writes a KPI value for people: no exponent ("2000000", not
// "2e+06"), thousands grouped with a narrow no-break space (the SI way,
// right in English and Ukrainian alike), decimals only when there are any.
func formatNumber(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 && len(whole) > 4 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	if frac != "" {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

// localWhen writes a time already in the wanted zone the same way on every
// page and in every language: the translated weekday, then an ISO date and
// the time ("Fri 2026-11-27 10:00", "пт 2026-11-27 10:00").
func localWhen(pg *page, t time.Time) string {
	return pg.L.T(calWeekdayKey(t.Weekday())) + " " + t.Format("2006-01-02 15:04")
}
