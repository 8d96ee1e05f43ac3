package web

// Listening's pages: the topics (standing queries) with their editor, and
// the stream of mentions with search and filters. The rules live in
// listen.Service; these handlers parse, call and render.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/org"
)

func (wb *Web) listening() *listen.Service { return &listen.Service{DB: wb.DB} }

func (wb *Web) registerListening(inOrg func(string, string, authz.Action, orgHandler)) {
	inOrg("GET", "/o/{org}/listening", authz.UseListening, wb.listeningHome)
	inOrg("POST", "/o/{org}/listening/topics", authz.ManageListening, wb.topicCreate)
	inOrg("POST", "/o/{org}/listening/preview", authz.UseListening, wb.topicPreview)
	inOrg("GET", "/o/{org}/listening/topics/{id}", authz.UseListening, wb.topicPage)
	inOrg("POST", "/o/{org}/listening/topics/{id}", authz.ManageListening, wb.topicUpdate)
	inOrg("POST", "/o/{org}/listening/topics/{id}/archive", authz.ManageListening, wb.topicArchive)
}

// listeningData is the listening home: topics, the new-topic form and the
// stream with its filters.
type listeningData struct {
	Topics   []listen.Topic
	Mentions []listen.Mention
	Topic    *listen.Topic // the topic page's topic
	Filter   url.Values    // the stream's filters as given
	// QueryCaret: where the query's problem is, for the marker under it.
	QueryCaret int
	// Preview: what the query in the form matched in the last 7 days.
	Preview *listen.Preview
}

// streamFilter reads the stream's filters from the query string; a bad
// value is ignored (and shown as given), not an error page.
func streamFilter(q url.Values) (listen.Filter, string) {
	f := listen.Filter{Lang: strings.TrimSpace(q.Get("lang")), Source: strings.TrimSpace(q.Get("source")), Author: strings.TrimSpace(q.Get("author"))}
	if id, err := strconv.ParseInt(q.Get("topic"), 10, 64); err == nil && id > 0 {
		f.TopicID = id
	}
	return f, q.Get("q")
}

func (wb *Web) listeningHome(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	switch {
	case r.URL.Query().Get("archived") != "":
		pg.Notice = pg.L.T("listening.topic.archived")
	}
	wb.renderListening(w, r, o, pg, http.StatusOK, nil)
}

// topicPreview tests the query of the new-topic form against the last
// 7 days, without saving anything.
func (wb *Web) topicPreview(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "listening", "")
	pg.Form = url.Values{"name": {r.PostForm.Get("name")}, "query": {r.PostForm.Get("query")}}
	pv, err := wb.listening().Preview(r.Context(), pg.P, o.ID, r.PostForm.Get("query"), time.Now().AddDate(0, 0, -7))
	if fieldErrors(pg, err) {
		wb.renderListening(w, r, o, pg, http.StatusUnprocessableEntity, nil)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	wb.renderListening(w, r, o, pg, http.StatusOK, &pv)
}

func (wb *Web) renderListening(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, status int, pv *listen.Preview) {
	ctx := r.Context()
	ts, err := wb.listening().Topics(ctx, pg.P, o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	f, words := streamFilter(r.URL.Query())
	ms, err := wb.listening().Mentions(ctx, pg.P, o.ID, words, f)
	if errors.Is(err, db.ErrNotFound) { // a topic of the filter that is not ours
		ms, err = nil, nil
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("nav.listening")
	pg.Data = listeningData{Topics: ts, Mentions: ms, Filter: r.URL.Query(), QueryCaret: queryCaret(pg), Preview: pv}
	wb.render(w, r, status, "listening", pg)
}

// queryCaret is the position of a query error ("… at 14"), 0 when none.
func queryCaret(pg *page) int {
	msg := pg.Errors["query"]
	i := strings.LastIndex(msg, " at ")
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(msg[i+4:])
	if err != nil {
		return 0
	}
	return n
}

func (wb *Web) topicCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "listening", "")
	c := topicChangeOf(r.PostForm)
	t := listen.Topic{OrgID: o.ID, Kind: r.PostForm.Get("kind"), Name: c.Name, Query: c.Query, Claim: c.Claim, Disproof: c.Disproof,
		CounterLines: c.CounterLines, Countries: c.Countries, Languages: c.Languages}
	pg.Form = r.PostForm
	err := wb.listening().CreateTopic(r.Context(), pg.P, httpx.ActorFrom(r), &t)
	if fieldErrors(pg, err) {
		wb.renderListening(w, r, o, pg, http.StatusUnprocessableEntity, nil)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("listening/topics/"+strconv.FormatInt(t.ID, 10))+"?created=1")
}

// topicChangeOf reads a topic or narrative form: counter-lines one per
// line, countries and languages as codes separated by spaces or commas.
func topicChangeOf(f url.Values) listen.TopicChange {
	return listen.TopicChange{Name: f.Get("name"), Query: f.Get("query"), Claim: f.Get("claim"), Disproof: f.Get("disproof"),
		CounterLines: listen.SplitLines(f.Get("counter_lines")), Countries: listen.SplitCodes(f.Get("countries")),
		Languages: listen.SplitCodes(f.Get("languages"))}
}

func (wb *Web) topicOf(w http.ResponseWriter, r *http.Request, o org.Org, pg *page) (listen.Topic, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.fail(w, r, db.ErrNotFound)
		return listen.Topic{}, false
	}
	t, err := wb.listening().Topic(r.Context(), pg.P, o.ID, id)
	if err != nil {
		wb.fail(w, r, err)
		return t, false
	}
	return t, true
}

func (wb *Web) topicPage(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	t, ok := wb.topicOf(w, r, o, pg)
	if !ok {
		return
	}
	switch {
	case r.URL.Query().Get("created") != "":
		pg.Notice = pg.L.T("listening.topic.created")
	case r.URL.Query().Get("saved") != "":
		pg.Notice = pg.L.T("listening.topic.saved")
	}
	pg.Form = url.Values{"name": {t.Name}, "query": {t.Query}}
	wb.renderTopic(w, r, o, pg, t, http.StatusOK)
}

func (wb *Web) renderTopic(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, t listen.Topic, status int) {
	ms, err := wb.listening().Mentions(r.Context(), pg.P, o.ID, "", listen.Filter{TopicID: t.ID})
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = t.Name
	pg.Data = listeningData{Topic: &t, Mentions: ms, QueryCaret: queryCaret(pg)}
	wb.render(w, r, status, "listening", pg)
}

func (wb *Web) topicUpdate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.orgPage(r, o, "listening", "")
	t, ok := wb.topicOf(w, r, o, pg)
	if !ok {
		return
	}
	c := topicChangeOf(r.PostForm)
	pg.Form = r.PostForm
	_, err := wb.listening().UpdateTopic(r.Context(), pg.P, httpx.ActorFrom(r), o.ID, t.ID, c)
	if fieldErrors(pg, err) {
		wb.renderTopic(w, r, o, pg, t, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("listening/topics/"+strconv.FormatInt(t.ID, 10))+"?saved=1")
}

func (wb *Web) topicArchive(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	t, ok := wb.topicOf(w, r, o, pg)
	if !ok {
		return
	}
	if err := wb.listening().ArchiveTopic(r.Context(), pg.P, httpx.ActorFrom(r), o.ID, t.ID); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("listening")+"?archived=1")
}
