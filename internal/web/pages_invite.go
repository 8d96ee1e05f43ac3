package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

type inviteData struct {
	Inv      auth.Invitation
	Org      org.Org
	Existing bool // an account exists for the invited address
	SignedAs string
	Token    string
}

func (wb *Web) invitePage(w http.ResponseWriter, r *http.Request, status int, pg *page) bool {
	token := r.PathValue("token")
	inv, o, err := wb.Auth.InvitationBySecret(r.Context(), token)
	if errors.Is(err, auth.ErrInvitationUnusable) || errors.Is(err, db.ErrNotFound) {
		pg.Bare = true
		pg.Title = pg.L.T("invite.unusable.title")
		wb.render(w, r, http.StatusNotFound, "invite_unusable", pg)
		return false
	}
	if err != nil {
		wb.fail(w, r, err)
		return false
	}
	d := inviteData{Inv: inv, Org: o, Token: token}
	if _, err := auth.GetUserByEmail(r.Context(), wb.DB.R(), inv.Email); err == nil {
		d.Existing = true
	} else if !errors.Is(err, db.ErrNotFound) {
		wb.fail(w, r, err)
		return false
	}
	if pg.User != nil {
		d.SignedAs = pg.User.Email
	}
	pg.Bare = true
	pg.Title = pg.L.T("invite.title", "Org", o.Name)
	pg.Data = d
	if status != 0 {
		wb.render(w, r, status, "invite", pg)
	}
	return true
}

func (wb *Web) inviteForm(w http.ResponseWriter, r *http.Request) {
	wb.invitePage(w, r, http.StatusOK, wb.page(r, ""))
}

// inviteSubmit accepts an invitation. A new person chooses a name and a
// password; someone who already has an account must be signed in as the
// invited address, so that a forwarded link cannot add a stranger's account.
func (wb *Web) inviteSubmit(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.page(r, "")
	if !wb.invitePage(w, r, 0, pg) {
		return
	}
	d := pg.Data.(inviteData)
	name, pw := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password")
	pg.Form = url.Values{"name": {name}}
	if d.Existing {
		if !strings.EqualFold(d.SignedAs, d.Inv.Email) {
			pg.Errors["_"] = pg.L.T("invite.error.signin")
			wb.render(w, r, http.StatusConflict, "invite", pg)
			return
		}
	} else {
		if name == "" {
			pg.Errors["name"] = pg.L.T("form.required")
		} else if len(name) > 200 {
			pg.Errors["name"] = pg.L.T("form.toolong")
		}
		checkNewPassword(pg, pw, r.PostForm.Get("password_confirm"), "password")
		if len(pg.Errors) > 0 {
			wb.render(w, r, http.StatusUnprocessableEntity, "invite", pg)
			return
		}
	}
	u, err := wb.Auth.AcceptInvitation(r.Context(), d.Token, name, pw, httpx.ClientIP(r))
	if errors.Is(err, auth.ErrInvitationUnusable) {
		pg.Title = pg.L.T("invite.unusable.title")
		wb.render(w, r, http.StatusNotFound, "invite_unusable", pg)
		return
	}
	if fieldErrors(pg, err) {
		wb.render(w, r, http.StatusUnprocessableEntity, "invite", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	dest := "/o/" + d.Org.Slug + "/"
	if !d.Existing && u.Locale != pg.Lang {
		// A new account keeps the language its owner was reading in.
		if err := auth.SetLocale(r.Context(), wb.DB.W(), u.ID, pg.Lang); err != nil {
			wb.Log.Warn("save the new member's language", "err", err)
		}
	}
	if d.Existing {
		redirect(w, r, dest)
		return
	}
	// Sign the new member straight in with the password they just chose.
	res, err := wb.Auth.Login(r.Context(), u.Email, pw, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		redirect(w, r, "/login?done=joined&next="+url.QueryEscape(dest))
		return
	}
	wb.startSession(w, r, res, dest)
}

// Password reset: the request page never says whether an account exists.
func (wb *Web) forgotForm(w http.ResponseWriter, r *http.Request) {
	pg := wb.page(r, "")
	pg.Bare = true
	pg.Title = pg.L.T("forgot.title")
	wb.render(w, r, http.StatusOK, "forgot", pg)
}

func (wb *Web) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.page(r, "")
	pg.Bare = true
	pg.Title = pg.L.T("forgot.title")
	email := strings.TrimSpace(r.PostForm.Get("email"))
	pg.Form = url.Values{"email": {email}}
	if email == "" {
		pg.Errors["email"] = pg.L.T("form.required")
	} else if _, err := auth.NormaliseEmail(email); err != nil {
		pg.Errors["email"] = pg.L.T("form.email.invalid")
	}
	if len(pg.Errors) > 0 {
		wb.render(w, r, http.StatusUnprocessableEntity, "forgot", pg)
		return
	}
	err := wb.Auth.RequestPasswordReset(r.Context(), email, httpx.ClientIP(r))
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &rl):
		pg.Errors["_"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.render(w, r, http.StatusTooManyRequests, "forgot", pg)
		return
	case fieldErrors(pg, err):
		wb.render(w, r, http.StatusUnprocessableEntity, "forgot", pg)
		return
	case err != nil:
		wb.fail(w, r, err)
		return
	}
	pg.Notice = pg.L.T("forgot.sent")
	pg.Data = true
	wb.render(w, r, http.StatusOK, "forgot", pg)
}

func (wb *Web) resetForm(w http.ResponseWriter, r *http.Request) {
	pg := wb.page(r, "")
	pg.Bare = true
	pg.Title = pg.L.T("reset.title")
	pg.Data = r.PathValue("token")
	wb.render(w, r, http.StatusOK, "reset", pg)
}

func (wb *Web) resetSubmit(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.page(r, "")
	pg.Bare = true
	pg.Title = pg.L.T("reset.title")
	pg.Data = r.PathValue("token")
	pw := r.PostForm.Get("password")
	checkNewPassword(pg, pw, r.PostForm.Get("password_confirm"), "password")
	if len(pg.Errors) > 0 {
		wb.render(w, r, http.StatusUnprocessableEntity, "reset", pg)
		return
	}
	_, err := wb.Auth.ResetPassword(r.Context(), r.PathValue("token"), pw, httpx.ClientIP(r))
	var rl *auth.RateLimitedError
	switch {
	case err == nil:
		wb.clearSessionCookie(w)
		redirect(w, r, "/login?done=reset")
	case errors.As(err, &rl):
		pg.Errors["_"] = pg.L.N("login.error.ratelimited", minutes(rl.RetryAfter))
		wb.render(w, r, http.StatusTooManyRequests, "reset", pg)
	case fieldErrors(pg, err):
		wb.render(w, r, http.StatusUnprocessableEntity, "reset", pg)
	case errors.Is(err, auth.ErrResetUnusable), errors.Is(err, db.ErrNotFound):
		pg.Errors["_"] = pg.L.T("reset.error.link")
		wb.render(w, r, http.StatusNotFound, "reset", pg)
	default:
		wb.fail(w, r, err)
	}
}
