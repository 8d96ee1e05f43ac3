package web

// The email newsletter: the public subscribe form (double opt-in: a
// confirmation email, then a button behind its link), the unsubscribe page
// of each newsletter's link (a POST without any form field is the RFC 8058
// one-click unsubscribe), and the subscriber list of an email account for
// the organisation (add or import addresses, which get a confirmation
// email, never a subscription without it; remove).

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/newsletter"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

func (wb *Web) registerNewsletter(rt *httpx.Router) {
	g := routes{wb, rt}
	g.pub("GET", "/newsletter/{account}/subscribe", wb.nlSubscribeForm)
	g.pub("POST", "/newsletter/{account}/subscribe", wb.nlSubscribe)
	g.pub("GET", "/newsletter/{account}/confirm/{token}", wb.nlConfirmForm)
	g.pub("POST", "/newsletter/{account}/confirm/{token}", wb.nlConfirm)
	g.pub("GET", "/unsubscribe/{token}", wb.nlUnsubscribeForm)
	g.pub("POST", "/unsubscribe/{token}", wb.nlUnsubscribe)
	g.inOrg("GET", "/o/{org}/channels/{id}/subscribers", authz.ManageChannels, wb.nlSubscribers)
	g.inOrg("POST", "/o/{org}/channels/{id}/subscribers", authz.ManageChannels, wb.nlImport)
	g.inOrg("GET", "/o/{org}/channels/{id}/subscribers/{sub}/remove", authz.ManageChannels, wb.nlRemoveConfirm)
	g.inOrg("POST", "/o/{org}/channels/{id}/subscribers/{sub}/remove", authz.ManageChannels, wb.nlRemove)
}

type nlPublicData struct {
	Step    string // form, sent, confirm, confirmed, unsubscribe, unsubscribed
	Account channel.Account
	Email   string
	Action  string
}

// nlAccount finds a live email account by its id in the path.
func (wb *Web) nlAccount(r *http.Request, orgID int64) (channel.Account, bool) {
	id, ok := pathID(r, "account")
	if orgID != 0 {
		id, ok = pathID(r, "id")
	}
	if !ok {
		return channel.Account{}, false
	}
	var acc channel.Account
	var err error
	if orgID != 0 {
		acc, err = channel.Get(r.Context(), wb.DB.R(), orgID, id)
	} else {
		var owner int64
		if err = wb.DB.R().QueryRowContext(r.Context(), "SELECT org_id FROM channel_accounts WHERE id = ?", id).Scan(&owner); err == nil {
			acc, err = channel.Get(r.Context(), wb.DB.R(), owner, id)
		}
	}
	if err != nil || acc.Network != limits.Email || (orgID == 0 && acc.ArchivedAt != nil) {
		return channel.Account{}, false
	}
	return acc, true
}

func (wb *Web) nlPage(r *http.Request, titleKey string, d nlPublicData) *page {
	pg := wb.page(r, "")
	pg.Bare = true
	pg.Title = pg.L.T(titleKey, "Name", d.Account.Name)
	pg.Data = d
	return pg
}

func (wb *Web) nlSubscribeForm(w http.ResponseWriter, r *http.Request) {
	acc, ok := wb.nlAccount(r, 0)
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	pg := wb.nlPage(r, "newsletter.subscribe.title", nlPublicData{Step: "form", Account: acc, Action: r.URL.Path})
	wb.render(w, r, http.StatusOK, "newsletter", pg)
}

// mailConfirmation sends a confirmation link, or logs it without SMTP.
func (wb *Web) mailConfirmation(ctx context.Context, acc channel.Account, email, token, lang string) error {
	if wb.Auth == nil || wb.Auth.Mailer == nil {
		wb.Log.Info("newsletter confirmation (no SMTP configured)", "account", acc.ID, "to", email, "link", newsletter.ConfirmURL(wb.baseURL(), acc.ID, token))
		return nil
	}
	return newsletter.SendConfirmation(ctx, wb.Auth.Mailer, wb.baseURL(), acc.ID, acc.Name, email, token, lang)
}

func (wb *Web) baseURL() string {
	if wb.Config != nil && wb.Config.BaseURL != "" {
		return wb.Config.BaseURL
	}
	return ""
}

func (wb *Web) nlSubscribe(w http.ResponseWriter, r *http.Request) {
	acc, ok := wb.nlAccount(r, 0)
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if !wb.parseForm(w, r) {
		return
	}
	d := nlPublicData{Step: "form", Account: acc, Action: r.URL.Path}
	pg := wb.nlPage(r, "newsletter.subscribe.title", d)
	pg.Form = r.PostForm
	email := strings.TrimSpace(r.PostForm.Get("email"))
	sub, token, err := newsletter.Subscribe(r.Context(), wb.DB.W(), acc.ID, email, r.PostForm.Get("name"), pg.Lang)
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		if fe.Field == "email" {
			pg.Errors["email"] = pg.L.T("form.email.invalid")
		} else {
			pg.Errors[fe.Field] = reason(pg, fe.Reason)
		}
		wb.render(w, r, http.StatusUnprocessableEntity, "newsletter", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	if token != "" {
		if err := wb.mailConfirmation(r.Context(), acc, sub.Email, token, pg.Lang); err != nil {
			wb.Log.Error("newsletter: confirmation email", "account", acc.ID, "err", err)
		}
	}
	// The same answer whether or not the address was on the list.
	d.Step, d.Email = "sent", sub.Email
	pg.Data = d
	wb.render(w, r, http.StatusOK, "newsletter", pg)
}

// nlConfirmForm shows a button: link scanners that fetch every link in an
// email must not confirm on their own.
func (wb *Web) nlConfirmForm(w http.ResponseWriter, r *http.Request) {
	pg := wb.nlPage(r, "newsletter.confirm.title", nlPublicData{Step: "confirm", Action: r.URL.Path})
	wb.render(w, r, http.StatusOK, "newsletter", pg)
}

func (wb *Web) nlConfirm(w http.ResponseWriter, r *http.Request) {
	acc, ok := pathID(r, "account")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	sub, err := newsletter.Confirm(r.Context(), wb.DB.W(), acc, r.PathValue("token"))
	if errors.Is(err, newsletter.ErrBadToken) {
		pg := wb.nlPage(r, "newsletter.badlink.title", nlPublicData{Step: "badlink"})
		wb.render(w, r, http.StatusNotFound, "newsletter", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg := wb.nlPage(r, "newsletter.confirmed.title", nlPublicData{Step: "confirmed", Email: sub.Email})
	wb.render(w, r, http.StatusOK, "newsletter", pg)
}

func (wb *Web) nlUnsubscribeForm(w http.ResponseWriter, r *http.Request) {
	sub, err := newsletter.ByUnsubscribeToken(r.Context(), wb.DB.R(), r.PathValue("token"))
	if errors.Is(err, newsletter.ErrBadToken) {
		pg := wb.nlPage(r, "newsletter.badlink.title", nlPublicData{Step: "badlink"})
		wb.render(w, r, http.StatusNotFound, "newsletter", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	step := "unsubscribe"
	if sub.State == newsletter.Unsubscribed {
		step = "unsubscribed"
	}
	pg := wb.nlPage(r, "newsletter.unsubscribe.title", nlPublicData{Step: step, Email: sub.Email, Action: r.URL.Path})
	wb.render(w, r, http.StatusOK, "newsletter", pg)
}

// nlUnsubscribe is the button of the page and the one-click POST of mail
// clients (RFC 8058): the token in the path is all it needs; the body is
// not read.
func (wb *Web) nlUnsubscribe(w http.ResponseWriter, r *http.Request) {
	sub, err := newsletter.Unsubscribe(r.Context(), wb.DB.W(), r.PathValue("token"))
	if errors.Is(err, newsletter.ErrBadToken) {
		pg := wb.nlPage(r, "newsletter.badlink.title", nlPublicData{Step: "badlink"})
		wb.render(w, r, http.StatusNotFound, "newsletter", pg)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg := wb.nlPage(r, "newsletter.unsubscribe.title", nlPublicData{Step: "unsubscribed", Email: sub.Email})
	wb.render(w, r, http.StatusOK, "newsletter", pg)
}

type nlListData struct {
	Account     channel.Account
	Counts      newsletter.Counts
	Subscribers []newsletter.Subscriber
	SubscribeAt string // the public form's address
	Confirm     *newsletter.Subscriber
}

func (wb *Web) nlListPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, confirm int64) {
	acc, ok := wb.nlAccount(r, o.ID)
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	ctx := r.Context()
	subs, err := newsletter.List(ctx, wb.DB.R(), acc.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	counts, err := newsletter.Count(ctx, wb.DB.R(), acc.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := nlListData{Account: acc, Counts: counts, Subscribers: subs, SubscribeAt: wb.baseURL() + "/newsletter/" + r.PathValue("id") + "/subscribe"}
	if confirm != 0 {
		for i := range subs {
			if subs[i].ID == confirm {
				d.Confirm = &subs[i]
			}
		}
		if d.Confirm == nil {
			wb.errorPage(w, r, http.StatusNotFound)
			return
		}
	}
	pg.Title = pg.L.T("newsletter.subscribers.title", "Name", acc.Name)
	pg.Data = d
	wb.render(w, r, status, "newsletter_subscribers", pg)
}

func (wb *Web) nlSubscribers(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "campaigns", "")
	switch r.URL.Query().Get("done") {
	case "invited":
		pg.Notice = pg.L.T("newsletter.notice.invited")
	case "removed":
		pg.Notice = pg.L.T("newsletter.notice.removed")
	}
	wb.nlListPage(w, r, o, http.StatusOK, pg, 0)
}

func (wb *Web) nlImport(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "campaigns", "")
	pg.Form = r.PostForm
	acc, ok := wb.nlAccount(r, o.ID)
	if !ok || acc.ArchivedAt != nil {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	addrs, err := newsletter.ParseAddresses(strings.NewReader(r.PostForm.Get("addresses")))
	var fe *valid.FieldError
	if errors.As(err, &fe) {
		pg.Errors["addresses"] = fe.Reason
		wb.nlListPage(w, r, o, http.StatusUnprocessableEntity, pg, 0)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	lang := strings.TrimSpace(r.PostForm.Get("language"))
	if lang == "" {
		lang = acc.Language
	}
	if err := channel.CheckLanguage("language", lang); err != nil {
		pg.Errors["language"] = reason(pg, err.(*valid.FieldError).Reason)
		wb.nlListPage(w, r, o, http.StatusUnprocessableEntity, pg, 0)
		return
	}
	for _, a := range addrs {
		sub, token, err := newsletter.Subscribe(r.Context(), wb.DB.W(), acc.ID, a.Email, a.Name, lang)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		if token != "" {
			if err := wb.mailConfirmation(r.Context(), acc, sub.Email, token, lang); err != nil {
				wb.Log.Error("newsletter: confirmation email", "account", acc.ID, "err", err)
			}
		}
	}
	redirect(w, r, pg.OrgURL("channels/"+r.PathValue("id")+"/subscribers?done=invited"))
}

func (wb *Web) nlRemoveConfirm(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "sub")
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	wb.nlListPage(w, r, o, http.StatusOK, wb.orgPage(r, o, "campaigns", ""), id)
}

func (wb *Web) nlRemove(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "sub")
	acc, okAcc := wb.nlAccount(r, o.ID)
	if !ok || !okAcc {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	err := newsletter.Remove(r.Context(), wb.DB.W(), acc.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/channels/"+r.PathValue("id")+"/subscribers?done=removed")
}
