package web

// Channel accounts: the records content is prepared for (connecting them
// to the networks comes with publishing).

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

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

type channelsData struct {
	Accounts  []channel.Account
	Networks  []networkOption
	CanManage bool
	Edit      *channel.Account // the account being edited
	Confirm   *channel.Account // the account whose archiving is being confirmed
}

// NetworkLabel names a network for people.
func (channelsData) NetworkLabel(n limits.Network) string { return limits.Label(n) }

func networkOptions() []networkOption {
	out := make([]networkOption, len(limits.Networks))
	for i, n := range limits.Networks {
		out[i] = networkOption{n, limits.Label(n)}
	}
	return out
}

func (st *studio) channelsPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, edit, confirm int64) {
	accs, err := channel.List(r.Context(), st.DB.R(), o.ID, true)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	d := channelsData{Accounts: accs, Networks: networkOptions(), CanManage: pg.Can(authz.ManageChannels)}
	for i := range accs {
		switch accs[i].ID {
		case edit:
			d.Edit = &accs[i]
		case confirm:
			d.Confirm = &accs[i]
		}
	}
	if (edit != 0 && d.Edit == nil) || (confirm != 0 && (d.Confirm == nil || d.Confirm.ArchivedAt != nil)) {
		st.errorPage(w, r, http.StatusNotFound)
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
	pg.Data = d
	st.render(w, r, status, "channels", pg)
}

func (st *studio) channelList(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "channels.title")
	switch r.URL.Query().Get("done") {
	case "created":
		pg.Notice = pg.L.T("channels.notice.created")
	case "saved":
		pg.Notice = pg.L.T("channels.notice.saved")
	case "archived":
		pg.Notice = pg.L.T("channels.notice.archived")
	}
	st.channelsPage(w, r, o, http.StatusOK, pg, 0, 0)
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
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, 0, 0)
		return
	}
	err := channel.Insert(r.Context(), st.DB.W(), &acc)
	if studioFieldError(pg, err, nil) {
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, 0, 0)
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
	st.channelsPage(w, r, o, http.StatusOK, st.studioPage(r, o, "channels.title"), id, 0)
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
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, id, 0)
		return
	}
	err = channel.Update(r.Context(), st.DB.W(), &acc)
	if studioFieldError(pg, err, nil) {
		st.channelsPage(w, r, o, http.StatusUnprocessableEntity, pg, id, 0)
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
	st.channelsPage(w, r, o, http.StatusOK, st.studioPage(r, o, "channels.archive.title"), 0, id)
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
