package web

// Listening's sources: the feeds, Mastodon timelines, Jetstream and
// Telegram bots an organisation collects from, with their state (last
// run, last error, what they brought), the form to add or change one, a
// test that fetches a polled source without storing, and removal after a
// confirmation. Rules are in source.Service.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/source"
	"github.com/attache-project/attache/internal/valid"
)

func (wb *Web) sources() *source.Service {
	return &source.Service{DB: wb.DB, AllowPrivate: wb.Config != nil && wb.Config.AllowPriv, Runner: &source.Runner{DB: wb.DB, HTTP: wb.HTTP}}
}

func (wb *Web) registerListeningSources(inOrg func(string, string, authz.Action, orgHandler)) {
	inOrg("GET", "/o/{org}/listening/sources", authz.UseListening, wb.sourceList)
	inOrg("POST", "/o/{org}/listening/sources", authz.ManageListening, wb.sourceCreate)
	inOrg("GET", "/o/{org}/listening/sources/{id}", authz.UseListening, wb.sourcePage)
	inOrg("POST", "/o/{org}/listening/sources/{id}", authz.ManageListening, wb.sourceUpdate)
	inOrg("POST", "/o/{org}/listening/sources/{id}/test", authz.ManageListening, wb.sourceTest)
	inOrg("POST", "/o/{org}/listening/sources/{id}/delete", authz.ManageListening, wb.sourceDelete)
}

type sourcesData struct {
	Sources  []source.Source
	Source   *source.Source
	Accounts []channel.Account // Telegram accounts a source may read through
	Kinds    []source.Kind
	Tested   []ingest.Item // what a test fetched
	TestErr  string
	Tried    bool
	Settings map[string]string // the source's settings, for display
}

func (wb *Web) sourceList(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	if pg.Form.Get("kind") == "" {
		pg.Form = url.Values{"kind": {"rss"}, "interval": {"15"}, "enabled": {"1"}}
	}
	if r.URL.Query().Get("deleted") != "" {
		pg.Notice = pg.L.T("listening.sources.deleted")
	}
	wb.renderSources(w, r, o, pg, http.StatusOK)
}

func (wb *Web) renderSources(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int) {
	ss, err := wb.sources().List(r.Context(), pg.P, o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	accs, err := wb.sources().TelegramAccounts(r.Context(), pg.P, o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("listening.sources.title")
	pg.Data = sourcesData{Sources: ss, Accounts: accs, Kinds: source.Kinds()}
	wb.render(w, r, status, "listening_sources", pg)
}

// sourceOfForm builds a source from the form: the settings of its kind
// as JSON, the interval in minutes.
func sourceOfForm(f url.Values) source.Source {
	s := source.Source{Kind: source.Kind(f.Get("kind")), Name: f.Get("name"), Enabled: f.Get("enabled") == "1"}
	var cfg any
	switch s.Kind {
	case source.KindRSS:
		cfg = source.RSSConfig{URL: f.Get("url")}
	case source.KindMastodon:
		c := source.MastodonConfig{Instance: f.Get("instance"), Hashtag: f.Get("hashtag")}
		if c.Hashtag == "" {
			c.Timeline = f.Get("timeline")
		}
		cfg = c
	case source.KindBluesky:
		c := source.BlueskyConfig{Jetstream: f.Get("jetstream")}
		for _, x := range strings.FieldsFunc(f.Get("collections"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
			c.Collections = append(c.Collections, x)
		}
		cfg = c
	case source.KindTelegram:
		id, _ := strconv.ParseInt(f.Get("account_id"), 10, 64)
		cfg = source.TelegramConfig{AccountID: id}
	}
	s.Config, _ = json.Marshal(cfg)
	if n, err := strconv.Atoi(strings.TrimSpace(f.Get("interval"))); err == nil && n > 0 {
		s.Interval = time.Duration(n) * time.Minute
	}
	return s
}

// formOfSource fills the form from a stored source.
func formOfSource(s source.Source) url.Values {
	f := url.Values{"kind": {string(s.Kind)}, "name": {s.Name}, "interval": {strconv.Itoa(int(s.Interval / time.Minute))}}
	if s.Enabled {
		f.Set("enabled", "1")
	}
	var m map[string]any
	_ = json.Unmarshal(s.Config, &m)
	for k, v := range m {
		switch v := v.(type) {
		case string:
			f.Set(k, v)
		case float64:
			f.Set(k, strconv.FormatInt(int64(v), 10))
		case []any:
			var parts []string
			for _, x := range v {
				if s, ok := x.(string); ok {
					parts = append(parts, s)
				}
			}
			f.Set(k, strings.Join(parts, " "))
		}
	}
	return f
}

// sourceFieldErrors shows a source's field error under its form field
// ("config/collections/1" is the collections field).
func sourceFieldErrors(pg *page, err error) bool {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	field := strings.TrimPrefix(fe.Field, "config/")
	field, _, _ = strings.Cut(field, "/")
	pg.Errors[field] = reason(pg, fe.Reason)
	return true
}

func (wb *Web) sourceCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "listening", "")
	pg.Form = r.PostForm
	s := sourceOfForm(r.PostForm)
	s.OrgID = o.ID
	err := wb.sources().Create(r.Context(), pg.P, httpx.ActorFrom(r), &s)
	if sourceFieldErrors(pg, err) {
		wb.renderSources(w, r, o, pg, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	q := "?created=1"
	if len(s.Adjusted) > 0 {
		q += "&adjusted=" + url.QueryEscape(strings.Join(s.Adjusted, "; "))
	}
	redirect(w, r, pg.OrgURL("listening/sources/"+strconv.FormatInt(s.ID, 10))+q)
}

func (wb *Web) sourceOf(w http.ResponseWriter, r *http.Request, o org.Org, pg *page) (source.Source, bool) {
	return byPathID(wb, w, r, func(id int64) (source.Source, error) { return wb.sources().Get(r.Context(), pg.P, o.ID, id) })
}

func (wb *Web) sourcePage(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	s, ok := wb.sourceOf(w, r, o, pg)
	if !ok {
		return
	}
	switch q := r.URL.Query(); {
	case q.Get("created") != "":
		pg.Notice = pg.L.T("listening.sources.created")
	case q.Get("saved") != "":
		pg.Notice = pg.L.T("listening.sources.saved")
	}
	if adj := r.URL.Query().Get("adjusted"); adj != "" {
		pg.Notice += " " + pg.L.T("listening.sources.adjusted", "What", adj)
	}
	pg.Form = formOfSource(s)
	wb.renderSource(w, r, o, pg, s, sourcesData{}, http.StatusOK)
}

func (wb *Web) renderSource(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, s source.Source, d sourcesData, status int) {
	accs, err := wb.sources().TelegramAccounts(r.Context(), pg.P, o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d.Source, d.Accounts, d.Kinds = &s, accs, source.Kinds()
	pg.Title = s.Name
	pg.Data = d
	wb.render(w, r, status, "listening_sources", pg)
}

func (wb *Web) sourceUpdate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "listening", "")
	cur, ok := wb.sourceOf(w, r, o, pg)
	if !ok {
		return
	}
	r.PostForm.Set("kind", string(cur.Kind)) // the kind stays
	pg.Form = r.PostForm
	s := sourceOfForm(r.PostForm)
	s.ID, s.OrgID = cur.ID, o.ID
	err := wb.sources().Update(r.Context(), pg.P, httpx.ActorFrom(r), &s)
	if sourceFieldErrors(pg, err) {
		wb.renderSource(w, r, o, pg, cur, sourcesData{}, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("listening/sources/"+strconv.FormatInt(s.ID, 10))+"?saved=1")
}

// sourceTest fetches the source now and shows what it would bring.
func (wb *Web) sourceTest(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	s, ok := wb.sourceOf(w, r, o, pg)
	if !ok {
		return
	}
	pg.Form = formOfSource(s)
	d := sourcesData{Tried: true}
	items, err := wb.sources().Test(r.Context(), pg.P, o.ID, s.ID, 10)
	switch {
	case errors.Is(err, authz.ErrForbidden), errors.Is(err, db.ErrNotFound):
		wb.fail(w, r, err)
		return
	case err != nil:
		// The network's answer is the point of a test: shown, not a 5xx.
		d.TestErr = err.Error()
	}
	d.Tested = items
	wb.renderSource(w, r, o, pg, s, d, http.StatusOK)
}

func (wb *Web) sourceDelete(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	s, ok := wb.sourceOf(w, r, o, pg)
	if !ok {
		return
	}
	if err := wb.sources().Delete(r.Context(), pg.P, httpx.ActorFrom(r), o.ID, s.ID); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("listening/sources")+"?deleted=1")
}
