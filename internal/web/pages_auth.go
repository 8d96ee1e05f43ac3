package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
)

// loginData is what the sign-in page needs besides the form.
type loginData struct {
	Next     string
	OIDCName string // "" when OIDC sign-in is not configured
	Message  string // a notice, e.g. after a password reset
}

func (wb *Web) loginPage(w http.ResponseWriter, r *http.Request, status int, pg *page, next string) {
	pg.Bare = true
	pg.Title = pg.L.T("login.title")
	d := loginData{Next: next}
	if wb.Auth.OIDC != nil {
		d.OIDCName = wb.Config.OIDCName
		if d.OIDCName == "" {
			d.OIDCName = "SSO"
		}
	}
	pg.Data = d
	wb.render(w, r, status, "login", pg)
}

func (wb *Web) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := httpx.UserFrom(r.Context()); ok {
		redirect(w, r, orDefault(next, "/"))
		return
	}
	pg := wb.page(r, "")
	switch r.URL.Query().Get("done") {
	case "reset":
		pg.Notice = pg.L.T("login.notice.reset")
	case "out":
		pg.Notice = pg.L.T("login.notice.out")
	case "joined":
		pg.Notice = pg.L.T("login.notice.joined")
	}
	wb.loginPage(w, r, http.StatusOK, pg, next)
}

func (wb *Web) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.page(r, "")
	pg.Form = url.Values{"email": {strings.TrimSpace(r.PostForm.Get("email"))}}
	next := localPath(r.PostForm.Get("next"))
	email, pw := pg.V("email"), r.PostForm.Get("password")
	if email == "" {
		pg.Errors["email"] = pg.L.T("form.required")
	}
	if pw == "" {
		pg.Errors["password"] = pg.L.T("form.required")
	}
	if len(pg.Errors) > 0 {
		wb.loginPage(w, r, http.StatusUnprocessableEntity, pg, next)
		return
	}
	res, err := wb.Auth.Login(r.Context(), email, pw, httpx.ClientIP(r), r.UserAgent())
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", fmt.Sprint(int(rl.RetryAfter.Seconds())))
		pg.Errors["_"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.loginPage(w, r, http.StatusTooManyRequests, pg, next)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		pg.Errors["_"] = pg.L.T("login.error.credentials")
		wb.loginPage(w, r, http.StatusUnprocessableEntity, pg, next)
		return
	case err != nil:
		wb.fail(w, r, err)
		return
	}
	// A language chosen on the sign-in page itself becomes the profile's.
	if c, err := r.Cookie(langCookie); err == nil && i18n.IsSupported(c.Value) && c.Value != res.User.Locale {
		if err := auth.SetLocale(r.Context(), wb.DB.W(), res.User.ID, c.Value); err != nil {
			wb.Log.Warn("save language at sign-in", "err", err)
		}
	}
	wb.startSession(w, r, res, next)
}

// startSession sets the cookie of a freshly opened session (a new one at
// every sign-in) and sends the user on.
func (wb *Web) startSession(w http.ResponseWriter, r *http.Request, res auth.LoginResult, next string) {
	wb.setSessionCookie(w, res.SessionSecret)
	if res.NeedsTOTP {
		to := "/login/2fa"
		if next != "" {
			to += "?next=" + url.QueryEscape(next)
		}
		redirect(w, r, to)
		return
	}
	redirect(w, r, orDefault(next, "/"))
}

func minutes(d time.Duration) int {
	m := int((d + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	return m
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (wb *Web) logout(w http.ResponseWriter, r *http.Request) {
	if u, secret, _, err := wb.session(r); err == nil {
		if err := wb.Auth.Logout(r.Context(), secret, u, httpx.ClientIP(r)); err != nil {
			wb.Log.Error("logout", "err", err)
		}
	}
	wb.clearSessionCookie(w)
	redirect(w, r, "/login?done=out")
}

// secondFactorForm asks a pending session for its TOTP or recovery code.
func (wb *Web) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	_, _, pending, err := wb.session(r)
	next := localPath(r.URL.Query().Get("next"))
	if err != nil {
		redirect(w, r, "/login")
		return
	}
	if !pending {
		redirect(w, r, orDefault(next, "/"))
		return
	}
	pg := wb.page(r, "")
	wb.secondFactorPage(w, r, http.StatusOK, pg, next)
}

func (wb *Web) secondFactorPage(w http.ResponseWriter, r *http.Request, status int, pg *page, next string) {
	pg.Bare = true
	pg.Title = pg.L.T("login2fa.title")
	pg.Data = loginData{Next: next}
	wb.render(w, r, status, "login_2fa", pg)
}

func (wb *Web) secondFactorSubmit(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	_, secret, pending, err := wb.session(r)
	next := localPath(r.PostForm.Get("next"))
	if err != nil {
		redirect(w, r, "/login")
		return
	}
	if !pending {
		redirect(w, r, orDefault(next, "/"))
		return
	}
	pg := wb.page(r, "")
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if code == "" || len(code) > 64 {
		pg.Errors["code"] = pg.L.T("form.required")
		wb.secondFactorPage(w, r, http.StatusUnprocessableEntity, pg, next)
		return
	}
	err = wb.Auth.CompleteTOTP(r.Context(), secret, code, httpx.ClientIP(r))
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &rl):
		pg.Errors["code"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.secondFactorPage(w, r, http.StatusTooManyRequests, pg, next)
		return
	case errors.Is(err, auth.ErrBadCode):
		pg.Errors["code"] = pg.L.T("login2fa.error.code")
		wb.secondFactorPage(w, r, http.StatusUnprocessableEntity, pg, next)
		return
	case errors.Is(err, auth.ErrUnauthenticated):
		redirect(w, r, "/login")
		return
	case err != nil:
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, orDefault(next, "/"))
}

// OpenID Connect sign-in. State, nonce and the page to return to travel in
// a short-lived HttpOnly cookie.
const oidcCookie = "attache_oidc"

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (wb *Web) oidcStart(w http.ResponseWriter, r *http.Request) {
	if wb.Auth.OIDC == nil {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	state, nonce := randomHex(16), randomHex(16)
	next := localPath(r.URL.Query().Get("next"))
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + url.QueryEscape(next), Path: "/login/oidc", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.Config.SecureCookies()})
	to, err := wb.Auth.OIDC.AuthURL(r.Context(), state, nonce)
	if err != nil {
		wb.Log.Warn("oidc discovery", "err", err)
		pg := wb.page(r, "")
		pg.Errors["_"] = pg.L.T("login.error.oidc_unavailable")
		wb.loginPage(w, r, http.StatusServiceUnavailable, pg, next)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func (wb *Web) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if wb.Auth.OIDC == nil {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.page(r, "")
	fail := func(msg string) {
		pg.Errors["_"] = msg
		wb.loginPage(w, r, http.StatusBadRequest, pg, "")
	}
	c, err := r.Cookie(oidcCookie)
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/login/oidc", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.Config.SecureCookies()})
	if err != nil {
		fail(pg.L.T("login.error.oidc_state"))
		return
	}
	parts := strings.SplitN(c.Value, ".", 3)
	q := r.URL.Query()
	if len(parts) != 3 || q.Get("state") == "" || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		fail(pg.L.T("login.error.oidc_state"))
		return
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		fail(pg.L.T("login.error.oidc_refused"))
		return
	}
	next, _ := url.QueryUnescape(parts[2])
	next = localPath(next)
	email, err := wb.Auth.OIDC.Exchange(r.Context(), q.Get("code"), parts[1])
	if err != nil {
		wb.Log.Warn("oidc exchange", "err", err)
		fail(pg.L.T("login.error.oidc_refused"))
		return
	}
	res, err := wb.Auth.LoginOIDC(r.Context(), email, httpx.ClientIP(r), r.UserAgent())
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &rl):
		pg.Errors["_"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.loginPage(w, r, http.StatusTooManyRequests, pg, next)
		return
	case errors.Is(err, auth.ErrNoAccount), errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrUnauthenticated):
		fail(pg.L.T("login.error.oidc_noaccount"))
		return
	case err != nil:
		wb.fail(w, r, err)
		return
	}
	wb.startSession(w, r, res, next)
}

// checkNewPassword validates a new password and its confirmation with
// translated messages; the service checks the policy again.
func checkNewPassword(pg *page, pw, confirm, field string) {
	switch {
	case pw == "":
		pg.Errors[field] = pg.L.T("form.required")
	case utf8.RuneCountInString(pw) < auth.MinPasswordLength:
		pg.Errors[field] = pg.L.T("form.password.short", "Min", auth.MinPasswordLength)
	case len(pw) > 1024:
		pg.Errors[field] = pg.L.T("form.password.long")
	case pw != confirm:
		pg.Errors[field+"_confirm"] = pg.L.T("form.password.mismatch")
	}
}

// fieldErrors turns a service field error into a message in place; it
// reports false for any other error.
func fieldErrors(pg *page, err error) bool {
	var afe *auth.FieldError
	if errors.As(err, &afe) {
		pg.Errors[afe.Field] = reason(pg, afe.Reason)
		return true
	}
	return orgFieldError(pg, err)
}

// knownReasons translates the reasons the services give (in English) for
// the cases the interface meets most; others are shown as they come.
var knownReasons = map[string]string{
	"is not your current password":                  "account.error.current",
	"is required":                                   "form.required",
	"must be at most 120 characters":                "form.toolong",
	"must not contain control characters":           "form.control",
	"must be at most 1024 bytes":                    "form.password.long",
	"must not be your email address":                "form.password.email",
	"is already taken by another organisation":      "form.slug.taken",
	"must be an IANA time zone such as Europe/Kyiv": "form.timezone.invalid",
	"must be an ISO 3166-1 alpha-2 code such as UA": "form.country.invalid",
	"must be 1–64 lower-case letters, digits and hyphens, not starting or ending with a hyphen": "form.slug.invalid",
}

func reason(pg *page, r string) string {
	if id, ok := knownReasons[r]; ok {
		return pg.L.T(id)
	}
	if strings.HasPrefix(r, "must be at least ") && strings.HasSuffix(r, " characters") {
		return pg.L.T("form.password.short", "Min", auth.MinPasswordLength)
	}
	return r
}
