package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
)

func (wb *Web) accountPage(r *http.Request, titleKey string) *page {
	pg := wb.page(r, "")
	pg.Title = pg.L.T(titleKey)
	pg.Active = "account"
	return pg
}

// profileData is what the profile form shows: the saved values, or what
// was submitted when it needs correcting.
type profileData struct {
	Name, TimeZone, Locale string
}

func userProfile(u *auth.User) profileData {
	return profileData{Name: u.Name, TimeZone: u.TimeZone, Locale: u.Locale}
}

func (wb *Web) account(w http.ResponseWriter, r *http.Request) {
	pg := wb.accountPage(r, "account.title")
	pg.Data = userProfile(pg.User)
	switch r.URL.Query().Get("done") {
	case "password":
		pg.Notice = pg.L.T("account.notice.password")
	case "profile":
		pg.Notice = pg.L.T("account.notice.profile")
	}
	wb.render(w, r, http.StatusOK, "account", pg)
}

// saveProfile changes the user's name, time zone and interface language.
func (wb *Web) saveProfile(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "account.title")
	f := r.PostForm
	d := profileData{Name: strings.TrimSpace(f.Get("name")), TimeZone: strings.TrimSpace(f.Get("time_zone")), Locale: f.Get("locale")}
	pg.Data = d
	if _, err := auth.CheckName(d.Name); err != nil {
		fieldErrors(pg, err)
	}
	if _, err := auth.CheckTimeZone(d.TimeZone); err != nil {
		fieldErrors(pg, err)
	}
	if !i18n.IsSupported(d.Locale) {
		pg.Errors["locale"] = pg.L.T("account.error.locale")
	}
	if len(pg.Errors) > 0 {
		wb.render(w, r, http.StatusUnprocessableEntity, "account", pg)
		return
	}
	err := wb.Auth.UpdateProfile(r.Context(), httpx.ActorFrom(r), *pg.User, d.Name, d.TimeZone, d.Locale)
	if fieldErrors(pg, err) {
		wb.render(w, r, http.StatusUnprocessableEntity, "account", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	wb.setLangCookie(w, d.Locale)
	redirect(w, r, "/account?done=profile")
}

func (wb *Web) changePassword(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "account.title")
	pg.Data = userProfile(pg.User)
	old, pw := r.PostForm.Get("current_password"), r.PostForm.Get("password")
	if old == "" {
		pg.Errors["current_password"] = pg.L.T("form.required")
	}
	checkNewPassword(pg, pw, r.PostForm.Get("password_confirm"), "password")
	if len(pg.Errors) > 0 {
		wb.render(w, r, http.StatusUnprocessableEntity, "account", pg)
		return
	}
	err := wb.Auth.ChangePassword(r.Context(), httpx.ActorFrom(r), *pg.User, old, pw, httpx.SessionFrom(r.Context()))
	var rl *auth.RateLimitedError
	switch {
	case err == nil:
		redirect(w, r, "/account?done=password")
	case errors.As(err, &rl):
		pg.Errors["current_password"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.render(w, r, http.StatusTooManyRequests, "account", pg)
	case fieldErrors(pg, err):
		wb.render(w, r, http.StatusUnprocessableEntity, "account", pg)
	default:
		wb.fail(w, r, err)
	}
}

// API tokens.

type tokenRow struct {
	auth.Token
	Active bool
}

type tokensData struct {
	Tokens  []tokenRow
	Secret  string // a new token's secret, shown once
	Confirm *auth.Token
}

func (wb *Web) tokensPage(w http.ResponseWriter, r *http.Request, status int, pg *page, secret string, confirm int64) {
	ts, err := auth.ListTokens(r.Context(), wb.DB.R(), pg.User.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := tokensData{Secret: secret}
	now := time.Now()
	for i := range ts {
		d.Tokens = append(d.Tokens, tokenRow{Token: ts[i], Active: ts[i].Active(now)})
		if ts[i].ID == confirm && ts[i].Active(now) {
			d.Confirm = &ts[i]
		}
	}
	if confirm != 0 && d.Confirm == nil {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if pg.V("expires") == "" {
		pg.Form.Set("expires", "90")
	}
	pg.Data = d
	wb.render(w, r, status, "tokens", pg)
}

func (wb *Web) tokens(w http.ResponseWriter, r *http.Request) {
	pg := wb.accountPage(r, "tokens.title")
	if r.URL.Query().Get("done") == "revoked" {
		pg.Notice = pg.L.T("tokens.notice.revoked")
	}
	wb.tokensPage(w, r, http.StatusOK, pg, "", 0)
}

// tokenExpiries are the lifetimes offered, in days (0: never expires).
var tokenExpiries = []int{30, 90, 365, 0}

func (wb *Web) createToken(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "tokens.title")
	name, exp := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("expires")
	pg.Form = url.Values{"name": {name}, "expires": {exp}}
	days, err := strconv.Atoi(exp)
	valid := false
	for _, d := range tokenExpiries {
		valid = valid || (err == nil && d == days)
	}
	if !valid {
		pg.Errors["expires"] = pg.L.T("tokens.error.expires")
	}
	if name == "" {
		pg.Errors["name"] = pg.L.T("form.required")
	} else if len(name) > 100 {
		pg.Errors["name"] = pg.L.T("form.toolong")
	}
	if len(pg.Errors) > 0 {
		wb.tokensPage(w, r, http.StatusUnprocessableEntity, pg, "", 0)
		return
	}
	secret, _, err := wb.Auth.CreateToken(r.Context(), httpx.ActorFrom(r), pg.User.ID, name, time.Duration(days)*24*time.Hour)
	if fieldErrors(pg, err) {
		wb.tokensPage(w, r, http.StatusUnprocessableEntity, pg, "", 0)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Form = url.Values{}
	pg.Notice = pg.L.T("tokens.notice.created")
	wb.tokensPage(w, r, http.StatusCreated, pg, secret, 0)
}

func (wb *Web) revokeTokenConfirm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.accountPage(r, "tokens.revoke.title")
	wb.tokensPage(w, r, http.StatusOK, pg, "", id)
}

func (wb *Web) revokeToken(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	u, _ := httpx.UserFrom(r.Context())
	err := wb.Auth.RevokeToken(r.Context(), httpx.ActorFrom(r), u.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/account/tokens?done=revoked")
}

// Two-factor authentication.

type twoFactorData struct {
	Enabled      bool
	MustEnrol    bool
	Secret       string // enrolment in progress
	URL          string
	QR           template.URL // data: URL of the QR code PNG (made here, so trusted)
	Recovery     []string
	RecoveryLeft int
}

func (wb *Web) twoFactorPage(w http.ResponseWriter, r *http.Request, status int, pg *page, d twoFactorData) {
	ctx := r.Context()
	u := *pg.User
	d.Enabled = u.TOTPEnabled
	if !u.TOTPEnabled {
		must, err := wb.Auth.MustEnrolTOTP(ctx, u)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.MustEnrol = must
		if d.Secret == "" {
			secret, otpURL, err := wb.Auth.BeginTOTP(ctx, u)
			if err != nil {
				wb.fail(w, r, err)
				return
			}
			d.Secret, d.URL = secret, otpURL
		}
		if d.URL != "" {
			d.QR = qrDataURL(d.URL)
		}
	} else if len(d.Recovery) == 0 {
		n, err := wb.Auth.RecoveryCodesLeft(ctx, u.ID)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.RecoveryLeft = n
	}
	pg.Data = d
	wb.render(w, r, status, "twofactor", pg)
}

// qrDataURL renders an otpauth:// URL as a PNG QR code (served inline in
// an <img>, which the CSP allows for data: URLs).
func qrDataURL(otpURL string) template.URL {
	k, err := otp.NewKeyFromURL(otpURL)
	if err != nil {
		return ""
	}
	img, err := k.Image(240, 240)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

func (wb *Web) twoFactor(w http.ResponseWriter, r *http.Request) {
	pg := wb.accountPage(r, "twofactor.title")
	switch r.URL.Query().Get("done") {
	case "disabled":
		pg.Notice = pg.L.T("twofactor.notice.disabled")
	}
	wb.twoFactorPage(w, r, http.StatusOK, pg, twoFactorData{})
}

func (wb *Web) twoFactorEnable(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "twofactor.title")
	secret, code := strings.TrimSpace(r.PostForm.Get("secret")), strings.TrimSpace(r.PostForm.Get("code"))
	otpURL := r.PostForm.Get("otpauth")
	if pg.User.TOTPEnabled {
		redirect(w, r, "/account/2fa")
		return
	}
	d := twoFactorData{Secret: secret, URL: otpURL}
	if secret == "" || len(secret) > 128 {
		redirect(w, r, "/account/2fa")
		return
	}
	if !strings.HasPrefix(otpURL, "otpauth://") || len(otpURL) > 1024 {
		d.URL = ""
	}
	if code == "" {
		pg.Errors["code"] = pg.L.T("form.required")
		wb.twoFactorPage(w, r, http.StatusUnprocessableEntity, pg, d)
		return
	}
	codes, err := wb.Auth.EnableTOTP(r.Context(), httpx.ActorFrom(r), *pg.User, secret, code)
	var rl *auth.RateLimitedError
	switch {
	case err == nil:
		pg.User.TOTPEnabled = true
		pg.Notice = pg.L.T("twofactor.notice.enabled")
		wb.twoFactorPage(w, r, http.StatusOK, pg, twoFactorData{Recovery: codes})
	case errors.Is(err, auth.ErrBadCode):
		pg.Errors["code"] = pg.L.T("login2fa.error.code")
		wb.twoFactorPage(w, r, http.StatusUnprocessableEntity, pg, d)
	case errors.As(err, &rl):
		pg.Errors["code"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.twoFactorPage(w, r, http.StatusTooManyRequests, pg, d)
	case fieldErrors(pg, err):
		wb.twoFactorPage(w, r, http.StatusUnprocessableEntity, pg, d)
	default:
		wb.fail(w, r, err)
	}
}

func (wb *Web) twoFactorDisable(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "twofactor.title")
	pw := r.PostForm.Get("password")
	if !pg.User.TOTPEnabled {
		redirect(w, r, "/account/2fa")
		return
	}
	if pw == "" {
		pg.Errors["password"] = pg.L.T("form.required")
		wb.twoFactorPage(w, r, http.StatusUnprocessableEntity, pg, twoFactorData{})
		return
	}
	err := wb.Auth.DisableTOTP(r.Context(), httpx.ActorFrom(r), *pg.User, pw)
	var rl *auth.RateLimitedError
	switch {
	case err == nil:
		redirect(w, r, "/account/2fa?done=disabled")
	case errors.As(err, &rl):
		pg.Errors["password"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.twoFactorPage(w, r, http.StatusTooManyRequests, pg, twoFactorData{})
	case fieldErrors(pg, err):
		wb.twoFactorPage(w, r, http.StatusUnprocessableEntity, pg, twoFactorData{})
	default:
		wb.fail(w, r, err)
	}
}

func (wb *Web) twoFactorRecovery(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "twofactor.title")
	if !pg.User.TOTPEnabled {
		redirect(w, r, "/account/2fa")
		return
	}
	codes, err := wb.Auth.RegenerateRecoveryCodes(r.Context(), httpx.ActorFrom(r), *pg.User)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Notice = pg.L.T("twofactor.notice.regenerated")
	wb.twoFactorPage(w, r, http.StatusOK, pg, twoFactorData{Recovery: codes})
}
