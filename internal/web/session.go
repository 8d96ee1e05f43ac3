package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
	"github.com/attache-project/attache/internal/org"
)

const (
	sessionCookie = "attache_session"
	langCookie    = "attache_lang"
)

func (wb *Web) setSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.Config.SecureCookies()})
}

func (wb *Web) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.Config.SecureCookies()})
}

// session resolves the session cookie. pending is true for a session that
// still waits for its second factor.
func (wb *Web) session(r *http.Request) (u auth.User, secret string, pending bool, err error) {
	c, cerr := r.Cookie(sessionCookie)
	if cerr != nil || c.Value == "" {
		return u, "", false, auth.ErrUnauthenticated
	}
	u, pending, err = wb.Auth.SessionUser(r.Context(), c.Value)
	return u, c.Value, pending, err
}

// withUser puts a signed-in user and their principal in the context.
func (wb *Web) withUser(r *http.Request, u auth.User, secret string) (*http.Request, error) {
	p, err := wb.Auth.Principal(r.Context(), u)
	if err != nil {
		return r, err
	}
	ctx := httpx.WithPrincipal(r.Context(), u, p)
	ctx = httpx.WithSession(ctx, secret)
	return r.WithContext(ctx), nil
}

// optional is for public pages: it adds the user when there is a full
// session, so that the layout can show the navigation.
func (wb *Web) optional(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, secret, pending, err := wb.session(r)
		if err == nil && !pending {
			if r2, err := wb.withUser(r, u, secret); err == nil {
				r = r2
			}
		}
		next(w, r)
	}
}

// signed requires a full session. Anonymous visitors go to the sign-in
// page (and come back afterwards), pending sessions to the second-factor
// step, and users whose organisation requires 2FA they have not set up to
// the 2FA page (enrolPage marks the pages allowed in that state).
func (wb *Web) signed(next http.HandlerFunc, enrolPage bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, secret, pending, err := wb.session(r)
		if errors.Is(err, auth.ErrUnauthenticated) {
			if _, cerr := r.Cookie(sessionCookie); cerr == nil {
				wb.clearSessionCookie(w)
			}
			to := "/login"
			if r.Method == http.MethodGet && r.URL.RequestURI() != "/" {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			redirect(w, r, to)
			return
		}
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		if pending {
			redirect(w, r, "/login/2fa")
			return
		}
		if !enrolPage {
			must, err := wb.Auth.MustEnrolTOTP(r.Context(), u)
			if err != nil {
				wb.fail(w, r, err)
				return
			}
			if must {
				redirect(w, r, "/account/2fa")
				return
			}
		}
		r, err = wb.withUser(r, u, secret)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		next(w, r)
	}
}

type orgHandler func(w http.ResponseWriter, r *http.Request, o org.Org)

// orgScoped resolves {org} with Orgs.Resolve, which checks membership and
// the action: a stranger gets 404, a member without the right 403.
func (wb *Web) orgScoped(action authz.Action, h orgHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := wb.Orgs.Resolve(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("org"), action)
		if err != nil {
			if code, ok := errorStatus(err); ok && code == http.StatusForbidden {
				// Render the 403 inside the organisation's navigation.
				if o2, err2 := wb.Orgs.Resolve(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("org"), authz.ViewOrg); err2 == nil {
					pg := wb.orgPage(r, o2, "", "")
					pg.Title = pg.L.T("error.forbidden.title")
					pg.Data = http.StatusForbidden
					wb.render(w, r, http.StatusForbidden, "error", pg)
					return
				}
			}
			wb.fail(w, r, err)
			return
		}
		h(w, r, o)
	}
}

// lang chooses the interface language, first match wins:
//
//  1. a signed-in user's saved language (users.locale), which the
//     language switch and the profile page both write, so that the choice
//     follows the person to every browser they sign in from;
//  2. for anonymous visitors (and a saved language we no longer offer),
//     the language switch's cookie;
//  3. the browser's Accept-Language;
//  4. English.
//
// The cookie therefore never overrides a signed-in user's choice.
func (wb *Web) lang(r *http.Request) string {
	if u, ok := httpx.UserFrom(r.Context()); ok && i18n.IsSupported(u.Locale) {
		return u.Locale
	}
	if c, err := r.Cookie(langCookie); err == nil && i18n.IsSupported(c.Value) {
		return c.Value
	}
	return wb.i18n.Match(r.Header.Get("Accept-Language"))
}

// setLangCookie remembers the language for this browser, for the pages
// seen while signed out.
func (wb *Web) setLangCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.Config.SecureCookies()})
}

// setLang is the language switch. A signed-in user's choice is saved in
// their profile; the cookie keeps it for this browser after signing out.
func (wb *Web) setLang(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	lang := r.PostForm.Get("lang")
	if !i18n.IsSupported(lang) {
		wb.errorPage(w, r, http.StatusBadRequest)
		return
	}
	if u, ok := httpx.UserFrom(r.Context()); ok && u.Locale != lang {
		if err := auth.SetLocale(r.Context(), wb.DB.W(), u.ID, lang); err != nil {
			wb.fail(w, r, err)
			return
		}
	}
	wb.setLangCookie(w, lang)
	next := localPath(r.PostForm.Get("next"))
	if next == "" {
		next = "/"
	}
	redirect(w, r, next)
}
