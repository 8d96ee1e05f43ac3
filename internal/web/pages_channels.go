package web

// Channel accounts: the records content is prepared for, their connection
// to the networks (pages_connect.go) and its health.

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

type networkOption struct {
	Value limits.Network
	Label string
}

// accountRow is an account with what its card shows of its health.
type accountRow struct {
	channel.Account
	// Expiry of the access token: "" (none known), "ok", "soon" (within
	// expirySoon) or "expired".
	Expiry string
}

// expirySoon is when a token's coming expiry is worth a warning.
const expirySoon = 7 * 24 * time.Hour

func expiryOf(a channel.Account, now time.Time) string {
	switch {
	case !a.Connected || a.TokenExpiresAt == nil:
		return ""
	case !now.Before(*a.TokenExpiresAt):
		return "expired"
	case a.TokenExpiresAt.Sub(now) <= expirySoon:
		return "soon"
	}
	return "ok"
}

// channelsView says which panel the channels page opens, if any.
type channelsView struct {
	edit, confirm, connect, disconnect int64
	choice                             *choicePanel
}

type channelsData struct {
	Accounts   []accountRow
	Networks   []networkOption
	CanManage  bool
	Edit       *channel.Account // the account being edited
	Confirm    *channel.Account // the account whose archiving is being confirmed
	Connect    *connectPanel    // the account being connected
	Disconnect *channel.Account // the account whose disconnection is being confirmed
	Choice     *choicePanel     // the Facebook Page being chosen
	// Warning is shown above the accounts (a connection the person did
	// not allow, …).
	Warning string
}

// NetworkLabel names a network for people.
func (channelsData) NetworkLabel(n limits.Network) string { return limits.Label(n) }

// IsEmail says whether an account is an email newsletter (it has
// subscribers).
func (channelsData) IsEmail(n limits.Network) bool { return n == limits.Email }

func networkOptions() []networkOption {
	out := make([]networkOption, len(limits.Networks))
	for i, n := range limits.Networks {
		out[i] = networkOption{n, limits.Label(n)}
	}
	return out
}

// channelsPage renders the channel accounts of o, with the panel v opens.
func (wb *Web) channelsPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, v channelsView) {
	accs, err := channel.List(r.Context(), wb.DB.R(), o.ID, true)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d, _ := pg.Data.(channelsData) // a warning set by the caller stays
	d.Networks, d.CanManage, d.Choice = networkOptions(), pg.Can(authz.ManageChannels), v.choice
	d.Accounts = make([]accountRow, len(accs))
	now := time.Now()
	for i := range accs {
		d.Accounts[i] = accountRow{Account: accs[i], Expiry: expiryOf(accs[i], now)}
		a := &d.Accounts[i].Account
		switch a.ID {
		case v.edit:
			d.Edit = a
		case v.confirm:
			d.Confirm = a
		case v.disconnect:
			d.Disconnect = a
		case v.connect:
			d.Connect = wb.connectPanel(pg, *a)
		}
	}
	live := func(a *channel.Account) bool { return a != nil && a.ArchivedAt == nil }
	switch {
	case v.edit != 0 && d.Edit == nil,
		v.confirm != 0 && !live(d.Confirm),
		v.disconnect != 0 && !live(d.Disconnect),
		v.connect != 0 && (d.Connect == nil || d.Connect.Account.ArchivedAt != nil):
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	if d.Edit != nil {
		pg.Title = pg.L.T("channels.edit.title", "Name", d.Edit.Name)
		if _, posted := pg.Form["name"]; !posted {
			pg.Form.Set("name", d.Edit.Name)
			pg.Form.Set("handle", d.Edit.Handle)
			pg.Form.Set("language", d.Edit.Language)
			if d.Edit.MaxChars > 0 {
				pg.Form.Set("max_chars", strconv.Itoa(d.Edit.MaxChars))
			}
		}
	}
	if d.Connect != nil {
		pg.Title = pg.L.T("connect.title", "Name", d.Connect.Account.Name)
		if _, posted := pg.Form["base_url"]; !posted {
			pg.Form.Set("base_url", d.Connect.Account.BaseURL)
		}
	}
	pg.Data = d
	wb.render(w, r, status, "channels", pg)
}

// channelsStudioPage is the common page of the channel pages (in the
// Campaigns area, as the rest of the studio).
func (wb *Web) channelsStudioPage(r *http.Request, o org.Org, titleKey string, args ...any) *page {
	pg := wb.orgPage(r, o, "campaigns", "")
	pg.Title = pg.L.T(titleKey, args...)
	return pg
}

var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

func (st *studio) channelList(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "channels.title")
	q := r.URL.Query()
	network := limits.Label(limits.Network(q.Get("network")))
	if !limits.Valid(q.Get("network")) {
		network = ""
	}
	var d channelsData
	switch q.Get("done") {
	case "created":
		pg.Notice = pg.L.T("channels.notice.created")
	case "saved":
		pg.Notice = pg.L.T("channels.notice.saved")
	case "archived":
		pg.Notice = pg.L.T("channels.notice.archived")
	case "connected":
		pg.Notice = pg.L.T("connect.notice.connected")
	case "disconnected":
		pg.Notice = pg.L.T("connect.notice.disconnected")
	case "denied":
		if network != "" {
			d.Warning = pg.L.T("connect.notice.denied", "Network", network)
		}
	case "refused":
		// Only the OAuth error code comes back: the description is the
		// network's (or anyone's) text and is not shown.
		if code := q.Get("code"); network != "" && oauthErrorCode.MatchString(code) {
			d.Warning = pg.L.T("connect.notice.refused", "Network", network, "Code", code)
		}
	case "expired":
		d.Warning = pg.L.T("connect.notice.expired")
	}
	pg.Data = d
	st.channelsPage(w, r, o, http.StatusOK, pg, channelsView{})
}

// accountFromForm reads the account fields; a bad number is put in place.
func accountFromForm(pg *page, acc *channel.Account) bool {
	f := pg.Form
	acc.Name, acc.Handle, acc.Language = f.Get("name"), f.Get("handle"), strings.TrimSpace(f.Get("language"))
	acc.MaxChars = 0
	if s := strings.TrimSpace(f.Get("max_chars")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			pg.Errors["max_chars"] = pg.L.T("studio.reason.number")
			return false
		}
		acc.MaxChars = n
	}
	return true
}

func (st *studio) channelCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	pg := st.studioPage(r, o, "channels.title")
	pg.Form = r.PostForm
	acc := channel.Account{OrgID: o.ID, Network: limits.Network(r.PostForm.Get("network"))}
	if !accountFromForm(pg, &acc) {
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{})
		return
	}
	err := channel.Insert(r.Context(), st.DB.W(), &acc)
	if studioFieldError(pg, err, nil) {
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{})
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("channels?done=created"))
}

func (st *studio) channelEdit(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	st.channelsPage(w, r, o, http.StatusOK, st.studioPage(r, o, "channels.title"), channelsView{edit: id})
}

func (st *studio) channelSave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	acc, err := channel.Get(r.Context(), st.DB.R(), o.ID, id)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "channels.title")
	pg.Form = r.PostForm
	if !accountFromForm(pg, &acc) {
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{edit: id})
		return
	}
	err = channel.Update(r.Context(), st.DB.W(), &acc)
	if studioFieldError(pg, err, nil) {
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, channelsView{edit: id})
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("channels?done=saved"))
}

func (st *studio) channelArchiveConfirm(w http.ResponseWriter, r *http.Request, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	st.channelsPage(w, r, o, http.StatusOK, st.studioPage(r, o, "channels.archive.title"), channelsView{confirm: id})
}

func (st *studio) channelArchive(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	err := channel.Archive(r.Context(), st.DB.W(), o.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/o/%s/channels?done=archived", o.Slug))
}
