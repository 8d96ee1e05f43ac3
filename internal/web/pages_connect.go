package web

// Connecting channel accounts to their networks: the OAuth sign-in where
// the network has one and the operator registered an app (the flow itself
// is in channel/oauthflow), the choice of a Facebook Page, token or
// app-password entry for every network, and disconnection. Credentials are
// sealed and merged over the stored ones (a reconnect keeps a working
// refresh token); each connection and disconnection is audited.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/channel/oauthflow"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/org"
)

// OAuthCallbackPath is where every network sends the browser back; the
// network and account come from the stored state.
const OAuthCallbackPath = "/oauth/callback"

func (wb *Web) registerConnect(rt *httpx.Router) {
	g := routes{wb, rt}
	g.inOrg("GET", "/o/{org}/channels/{id}/connect", authz.ManageChannels, wb.connectForm)
	g.inOrg("POST", "/o/{org}/channels/{id}/connect", authz.ManageChannels, wb.connectManual)
	g.inOrg("POST", "/o/{org}/channels/{id}/oauth", authz.ManageChannels, wb.oauthStart)
	g.signed("GET", OAuthCallbackPath, wb.oauthCallback)
	g.inOrg("GET", "/o/{org}/channels/{id}/connect/page", authz.ManageChannels, wb.pageChoice)
	g.inOrg("POST", "/o/{org}/channels/{id}/connect/page", authz.ManageChannels, wb.pageChoose)
	g.inOrg("GET", "/o/{org}/channels/{id}/disconnect", authz.ManageChannels, wb.disconnectConfirm)
	g.inOrg("POST", "/o/{org}/channels/{id}/disconnect", authz.ManageChannels, wb.disconnect)
}

// connectField is one input of the connect form.
type connectField struct {
	channel.CredentialField
	Label, Hint string
}

// connectPanel is the connect form of one account.
type connectPanel struct {
	Account channel.Account
	// OAuth: the network signs in with OAuth; OAuthReady: the operator
	// registered the app, so the "Connect with …" button is offered.
	OAuth, OAuthReady bool
	// Operator names the settings the operator must give for the button.
	Operator string
	// RedirectURI is what the operator registers with the network.
	RedirectURI string
	Fields      []connectField
	// Hint says where to get the token.
	Hint string
	// BaseURL: the network's API address can be changed (not for the
	// newsletter and the website, which have none); BaseURLRequired for
	// Mastodon (the instance).
	BaseURL, BaseURLRequired bool
}

// hasAPI says whether a network's connector calls an API at a base URL.
func hasAPI(n limits.Network) bool { return n != limits.Email && n != limits.Website }

// choicePanel offers the Facebook Pages of a sign-in.
type choicePanel struct {
	Account channel.Account
	State   string // the choice's single-use handle
	Pages   []oauthflow.Page
}

// oauthApp is the operator's app for a provider; ok is false when it is
// not configured.
func (wb *Web) oauthApp(p oauthflow.Provider) (id, secret string, ok bool) {
	c := wb.Config
	if c == nil {
		return "", "", false
	}
	switch p.App {
	case "x":
		id, secret = c.OAuthXID, c.OAuthXSecret
	case "linkedin":
		id, secret = c.OAuthLinkedInID, c.OAuthLinkedInSecret
	case "meta":
		id, secret = c.OAuthMetaID, c.OAuthMetaSecret
	case "threads":
		id, secret = c.OAuthThreadsID, c.OAuthThreadsSecret
	}
	return id, secret, id != "" && (secret != "" || !p.SecretRequired)
}

// operatorSettings names the settings of an app for the sentence to the
// admin (never their values).
var operatorSettings = map[string]string{
	"x":        "--oauth-x-client-id (ATTACHE_OAUTH_X_CLIENT_ID) and --oauth-x-client-secret",
	"linkedin": "--oauth-linkedin-client-id and --oauth-linkedin-client-secret (ATTACHE_OAUTH_LINKEDIN_CLIENT_ID, …_SECRET)",
	"meta":     "--oauth-meta-app-id and --oauth-meta-app-secret (ATTACHE_OAUTH_META_APP_ID, …_SECRET)",
	"threads":  "--oauth-threads-app-id and --oauth-threads-app-secret (ATTACHE_OAUTH_THREADS_APP_ID, …_SECRET)",
}

func (wb *Web) redirectURI() string { return wb.baseURL() + OAuthCallbackPath }

func (wb *Web) connectPanel(pg *page, acc channel.Account) *connectPanel {
	// Keys built at run time: connect.hint.<network>, connect.field.<key>
	// and connect.field.<network>.<key>.
	hint := "connect.hint." + string(acc.Network)
	cp := &connectPanel{Account: acc, RedirectURI: wb.redirectURI(), BaseURL: hasAPI(acc.Network),
		BaseURLRequired: acc.Network == limits.Mastodon, Hint: pg.L.T(hint)}
	if p, ok := oauthflow.For(acc.Network); ok {
		cp.OAuth = true
		_, _, cp.OAuthReady = wb.oauthApp(p)
		cp.Operator = operatorSettings[p.App]
	}
	for _, f := range channel.CredentialForm(acc.Network) {
		key := "connect.field." + f.Key
		label := pg.L.T(key)
		// A key can mean something else on one network (Viber's "from").
		if k := "connect.field." + string(acc.Network) + "." + f.Key; pg.L.T(k) != k {
			label = pg.L.T(k)
		}
		cp.Fields = append(cp.Fields, connectField{CredentialField: f, Label: label})
	}
	return cp
}

// loadAccount reads the live account {id} of o.
func (wb *Web) loadAccount(r *http.Request, o org.Org) (channel.Account, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return channel.Account{}, db.ErrNotFound
	}
	acc, err := channel.Get(r.Context(), wb.DB.R(), o.ID, id)
	if err == nil && acc.ArchivedAt != nil {
		err = db.ErrNotFound
	}
	return acc, err
}

func (wb *Web) connectForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	wb.channelsPage(w, r, o, http.StatusOK, wb.channelsStudioPage(r, o, "channels.title"), channelsView{connect: acc.ID})
}

// connectManual stores the credentials typed into the connect form.
func (wb *Web) connectManual(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg := wb.channelsStudioPage(r, o, "channels.title")
	pg.Form = r.PostForm
	again := func() { wb.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{connect: acc.ID}) }

	creds := channel.Credentials{}
	for _, f := range channel.CredentialForm(acc.Network) {
		if v := strings.TrimSpace(r.PostForm.Get(f.Key)); v != "" {
			creds[f.Key] = v
		} else if f.Required && !acc.Connected {
			pg.Errors[f.Key] = pg.L.T("connect.error.required")
		}
	}
	baseURL := strings.TrimSpace(r.PostForm.Get("base_url"))
	baseChanged := hasAPI(acc.Network) && strings.TrimRight(baseURL, "/") != acc.BaseURL
	switch {
	case baseURL == "" && acc.Network == limits.Mastodon:
		pg.Errors["base_url"] = pg.L.T("connect.error.instance")
	case baseChanged && baseURL != "":
		if err := channel.CheckBaseURL(baseURL, wb.Config != nil && wb.Config.AllowPriv); err != nil {
			studioFieldError(pg, err, nil)
		}
	}
	if len(pg.Errors) == 0 && len(creds) == 0 {
		pg.Errors["_"] = pg.L.T("connect.error.empty")
	}
	if len(pg.Errors) > 0 {
		if pg.Errors["_"] == "" {
			pg.Errors["_"] = pg.L.T("form.errors")
		}
		again()
		return
	}
	err = channel.CheckCredentials(acc.Network, creds)
	if err == nil && !acc.Connected {
		err = channel.CheckRequired(acc.Network, creds)
	}
	if err == nil {
		err = wb.DB.InTx(r.Context(), func(tx *db.Tx) error {
			if baseChanged {
				acc.BaseURL = baseURL
				if err := channel.Update(r.Context(), tx, &acc); err != nil {
					return err
				}
			}
			return wb.storeConnection(r, tx, &acc, creds, nil, "token")
		})
	}
	if studioFieldError(pg, err, func(name string) string { return strings.TrimPrefix(name, "credentials.") }) {
		again()
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("channels?done=connected"))
}

// storeConnection seals creds for acc (merged over the stored ones) in tx
// and audits the connection; method is "token" or "oauth".
func (wb *Web) storeConnection(r *http.Request, tx *db.Tx, acc *channel.Account, creds channel.Credentials, expires *time.Time, method string) error {
	if err := channel.SaveCredentials(r.Context(), tx, wb.Auth.Box, acc, creds, expires); err != nil {
		return err
	}
	return audit.Append(r.Context(), tx, httpx.ActorFrom(r).Entry(acc.OrgID, "channel.connect", "channel_account:"+strconv.FormatInt(acc.ID, 10),
		map[string]string{"network": string(acc.Network), "method": method}))
}

// oauthStart sends the browser to the network's sign-in.
func (wb *Web) oauthStart(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	p, ok := oauthflow.For(acc.Network)
	if !ok {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	id, secret, ready := wb.oauthApp(p)
	if !ready {
		pg := wb.channelsStudioPage(r, o, "channels.title")
		pg.Errors["_"] = pg.L.T("connect.error.no_app", "Network", limits.Label(acc.Network))
		wb.channelsPage(w, r, o, http.StatusConflict, pg, channelsView{connect: acc.ID})
		return
	}
	st := &oauthflow.State{OrgID: o.ID, AccountID: acc.ID, UserID: httpx.PrincipalFrom(r.Context()).UserID, Network: acc.Network}
	if p.PKCE {
		st.Verifier = oauthflow.NewSecret()
	}
	state, err := oauthflow.SaveState(r.Context(), wb.DB.W(), wb.Auth.Box, st)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	flow := wb.flow(p, acc, id, secret)
	http.Redirect(w, r, flow.AuthorizeURL(state, st.Verifier), http.StatusSeeOther)
}

func (wb *Web) flow(p oauthflow.Provider, acc channel.Account, id, secret string) *oauthflow.Flow {
	client := wb.HTTP
	if client == nil {
		client = netguard.Client(wb.Config != nil && wb.Config.AllowPriv, 30*time.Second)
	}
	return &oauthflow.Flow{Provider: p, ClientID: id, ClientSecret: secret, RedirectURI: wb.redirectURI(), BaseURL: acc.BaseURL, Client: client}
}

// connectRefused is the page of a callback or choice that cannot go on.
func (wb *Web) connectRefused(w http.ResponseWriter, r *http.Request, err error) {
	pg := wb.page(r, "")
	pg.Path = "/"
	pg.Error = true
	code, key := http.StatusBadRequest, "connect.refused.unknown"
	switch {
	case errors.Is(err, oauthflow.ErrStateExpired):
		key = "connect.refused.expired"
	case errors.Is(err, oauthflow.ErrStateOtherUser):
		code, key = http.StatusForbidden, "connect.refused.other_user"
	}
	pg.Title = pg.L.T("connect.refused.title")
	pg.Data = pg.L.T(key)
	wb.render(w, r, code, "connect_refused", pg)
}

// deniedCodes are the answers of a person who declined: OAuth's
// access_denied, and LinkedIn's own codes for a cancelled sign-in.
var deniedCodes = map[string]bool{"access_denied": true, "user_cancelled_login": true, "user_cancelled_authorize": true}

// oauthCallback is where the network sends the browser back, with a code
// or an error, and the state.
func (wb *Web) oauthCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := httpx.PrincipalFrom(ctx)
	q := r.URL.Query()
	st, err := oauthflow.TakeState(ctx, wb.DB.W(), wb.Auth.Box, q.Get("state"), p.UserID, time.Now())
	if errors.Is(err, oauthflow.ErrStateUnknown) || errors.Is(err, oauthflow.ErrStateExpired) || errors.Is(err, oauthflow.ErrStateOtherUser) {
		wb.connectRefused(w, r, err)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	// The person must still be allowed to manage the organisation's
	// channels, and the account must still be there.
	o, err := wb.Orgs.Resolve(ctx, p, strconv.FormatInt(st.OrgID, 10), authz.ManageChannels)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	acc, err := channel.Get(ctx, wb.DB.R(), o.ID, st.AccountID)
	if err == nil && (acc.ArchivedAt != nil || acc.Network != st.Network) {
		err = db.ErrNotFound
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	back := "/o/" + o.Slug + "/channels?network=" + url.QueryEscape(string(acc.Network))
	if e := q.Get("error"); e != "" {
		// Nothing is stored: the person said no, or the network refused.
		if deniedCodes[e] {
			redirect(w, r, back+"&done=denied")
		} else {
			redirect(w, r, back+"&done=refused&code="+url.QueryEscape(e))
		}
		return
	}
	prov, _ := oauthflow.For(acc.Network)
	id, secret, ready := wb.oauthApp(prov)
	pg := wb.channelsStudioPage(r, o, "channels.title")
	if !ready {
		pg.Errors["_"] = pg.L.T("connect.error.no_app", "Network", limits.Label(acc.Network))
		wb.channelsPage(w, r, o, http.StatusConflict, pg, channelsView{connect: acc.ID})
		return
	}
	res, err := wb.flow(prov, acc, id, secret).Complete(ctx, q.Get("code"), st.Verifier)
	if err != nil {
		wb.connectFailed(w, r, o, pg, acc, err)
		return
	}
	if acc.Network == limits.Facebook || acc.Network == limits.Instagram {
		switch len(res.Pages) {
		case 0:
			noPages := "connect.error.no_pages." + string(acc.Network)
			pg.Errors["_"] = pg.L.T(noPages)
			wb.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{connect: acc.ID})
			return
		case 1:
			res.Credentials = oauthflow.PageCredentials(acc.Network, res.Pages[0])
		default:
			// Several pages: the person chooses one on our page; the
			// pages and their tokens wait sealed, for ten minutes.
			choice := &oauthflow.State{OrgID: o.ID, AccountID: acc.ID, UserID: p.UserID, Network: acc.Network, Pages: res.Pages}
			handle, err := oauthflow.SaveState(ctx, wb.DB.W(), wb.Auth.Box, choice)
			if err != nil {
				wb.fail(w, r, err)
				return
			}
			redirect(w, r, pg.OrgURL("channels/"+strconv.FormatInt(acc.ID, 10)+"/connect/page?c="+url.QueryEscape(handle)))
			return
		}
	}
	if err := wb.saveOAuth(r, &acc, res); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("channels?done=connected"))
}

// connectFailed shows why a sign-in could not be completed.
func (wb *Web) connectFailed(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, acc channel.Account, err error) {
	var fe *oauthflow.Error
	if !errors.As(err, &fe) {
		wb.fail(w, r, err)
		return
	}
	wb.Log.Warn("connecting a channel account failed", "account", acc.ID, "network", acc.Network, "err", fe.Error())
	pg.Errors["_"] = pg.L.T("connect.error.exchange", "Network", fe.Network, "Reason", fe.Step+": "+fe.Reason)
	wb.channelsPage(w, r, o, http.StatusBadGateway, pg, channelsView{connect: acc.ID})
}

// saveOAuth stores what a sign-in gave: the credentials merged over the
// stored ones, the token's expiry and, when the network names the account,
// its handle (unless another account of the organisation has it).
func (wb *Web) saveOAuth(r *http.Request, acc *channel.Account, res oauthflow.Result) error {
	var exp *time.Time
	if !res.Expires.IsZero() {
		exp = &res.Expires
	}
	return wb.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if res.Handle != "" && res.Handle != acc.Handle && !handleTaken(r.Context(), tx, *acc, res.Handle) {
			acc.Handle = res.Handle
			if err := channel.Update(r.Context(), tx, acc); err != nil {
				return err
			}
		}
		return wb.storeConnection(r, tx, acc, res.Credentials, exp, "oauth")
	})
}

func handleTaken(ctx context.Context, q db.Queryer, acc channel.Account, handle string) bool {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM channel_accounts WHERE org_id = ? AND network = ? AND handle = ? AND id <> ?",
		acc.OrgID, acc.Network, handle, acc.ID).Scan(&n)
	return err != nil || n > 0
}

// choiceState reads the pending choice c of account acc for the person.
func (wb *Web) choiceState(r *http.Request, o org.Org, acc channel.Account, c string, take bool) (oauthflow.State, error) {
	uid := httpx.PrincipalFrom(r.Context()).UserID
	var st oauthflow.State
	var err error
	if take {
		st, err = oauthflow.TakeState(r.Context(), wb.DB.W(), wb.Auth.Box, c, uid, time.Now())
	} else {
		st, err = oauthflow.LoadState(r.Context(), wb.DB.W(), wb.Auth.Box, c, uid, time.Now())
	}
	if err == nil && (st.OrgID != o.ID || st.AccountID != acc.ID || len(st.Pages) == 0) {
		err = oauthflow.ErrStateUnknown
	}
	return st, err
}

// choiceGone answers a choice that is unknown, used or expired: back to
// the channels page, which says to start again.
func (wb *Web) choiceGone(w http.ResponseWriter, r *http.Request, o org.Org, err error) {
	if errors.Is(err, oauthflow.ErrStateOtherUser) {
		wb.connectRefused(w, r, err)
		return
	}
	if errors.Is(err, oauthflow.ErrStateUnknown) || errors.Is(err, oauthflow.ErrStateExpired) {
		redirect(w, r, "/o/"+o.Slug+"/channels?done=expired")
		return
	}
	wb.fail(w, r, err)
}

func (wb *Web) pageChoice(w http.ResponseWriter, r *http.Request, o org.Org) {
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	c := r.URL.Query().Get("c")
	st, err := wb.choiceState(r, o, acc, c, false)
	if err != nil {
		wb.choiceGone(w, r, o, err)
		return
	}
	pg := wb.channelsStudioPage(r, o, "connect.choose.title", "Name", acc.Name)
	wb.channelsPage(w, r, o, http.StatusOK, pg, channelsView{choice: &choicePanel{Account: acc, State: c, Pages: st.Pages}})
}

func (wb *Web) pageChoose(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	c := r.PostForm.Get("c")
	st, err := wb.choiceState(r, o, acc, c, false)
	if err != nil {
		wb.choiceGone(w, r, o, err)
		return
	}
	var chosen *oauthflow.Page
	for i := range st.Pages {
		if st.Pages[i].ID == r.PostForm.Get("page") {
			chosen = &st.Pages[i]
		}
	}
	if chosen == nil {
		pg := wb.channelsStudioPage(r, o, "connect.choose.title", "Name", acc.Name)
		pg.Errors["page"] = pg.L.T("connect.error.choose")
		pg.Errors["_"] = pg.Errors["page"]
		wb.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{choice: &choicePanel{Account: acc, State: c, Pages: st.Pages}})
		return
	}
	// Used up now: a second submission finds nothing.
	if _, err := wb.choiceState(r, o, acc, c, true); err != nil {
		wb.choiceGone(w, r, o, err)
		return
	}
	if err := wb.saveOAuth(r, &acc, oauthflow.Result{Credentials: oauthflow.PageCredentials(acc.Network, *chosen)}); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/channels?done=connected")
}

func (wb *Web) disconnectConfirm(w http.ResponseWriter, r *http.Request, o org.Org) {
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	wb.channelsPage(w, r, o, http.StatusOK, wb.channelsStudioPage(r, o, "connect.disconnect.title", "Name", acc.Name), channelsView{disconnect: acc.ID})
}

// disconnect forgets the account's credentials (the network's own grant
// is left for the person to revoke there).
func (wb *Web) disconnect(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	acc, err := wb.loadAccount(r, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	err = wb.DB.InTx(r.Context(), func(tx *db.Tx) error {
		if err := channel.SaveCredentials(r.Context(), tx, wb.Auth.Box, &acc, channel.Credentials{}, nil); err != nil {
			return err
		}
		return audit.Append(r.Context(), tx, httpx.ActorFrom(r).Entry(acc.OrgID, "channel.disconnect", "channel_account:"+strconv.FormatInt(acc.ID, 10),
			map[string]string{"network": string(acc.Network)}))
	})
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/channels?done=disconnected")
}
