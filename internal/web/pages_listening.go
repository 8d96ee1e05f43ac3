package web

// Listening's pages: the topics (standing queries) with their editor, and
// the stream of mentions with search and filters. The rules live in
// listen.Service; these handlers parse, call and render.

import (
	"encoding/json"
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
	"github.com/attache-project/attache/internal/signal"
)

func (wb *Web) listening() *listen.Service { return &listen.Service{DB: wb.DB} }

func (wb *Web) registerListening(inOrg func(string, string, authz.Action, orgHandler)) {
	inOrg("GET", "/o/{org}/listening", authz.UseListening, wb.listeningHome)
	inOrg("POST", "/o/{org}/listening/topics", authz.ManageListening, wb.topicCreate)
	inOrg("POST", "/o/{org}/listening/preview", authz.UseListening, wb.topicPreview)
	inOrg("GET", "/o/{org}/listening/topics/{id}", authz.UseListening, wb.topicPage)
	inOrg("POST", "/o/{org}/listening/topics/{id}", authz.ManageListening, wb.topicUpdate)
	inOrg("POST", "/o/{org}/listening/topics/{id}/archive", authz.ManageListening, wb.topicArchive)
	inOrg("GET", "/o/{org}/listening/narratives/new", authz.ManageListening, wb.narrativeForm)
	wb.registerListeningImport(inOrg)
	wb.registerListeningAlerts(inOrg)
	wb.registerListeningSources(inOrg)
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
	// The topic page's dashboard: the period shown, its counts, and the
	// same as JSON for the charts.
	Period    string
	Periods   []string
	Stats     *listen.Stats
	StatsJSON string
	// The home's topic list: matches per day over the last week.
	Sparks map[int64]sparkline
	// Older is the query of the stream's next page ("" at the end).
	Older string
	// OpenAlerts counts the alerts nobody has acknowledged.
	OpenAlerts int
	// NewNarrative: the form page of a new narrative.
	NewNarrative bool
}

// periods a topic's dashboard offers, and how far each looks back.
var periods = []struct {
	key string
	d   time.Duration
}{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}}

// periodOf reads ?period=, 7 days by default.
func periodOf(r *http.Request) (string, time.Duration) {
	for _, p := range periods {
		if p.key == r.URL.Query().Get("period") {
			return p.key, p.d
		}
	}
	return "7d", 7 * 24 * time.Hour
}

// streamFilter reads the stream's filters from the query string; a bad
// value is ignored (and shown as given), not an error page. The dates
// from and to (both included) are days in the organisation's time zone.
func streamFilter(q url.Values, loc *time.Location) (listen.Filter, string) {
	f := listen.Filter{Lang: strings.TrimSpace(q.Get("lang")), Source: strings.TrimSpace(q.Get("source")), Author: strings.TrimSpace(q.Get("author"))}
	if id, err := strconv.ParseInt(q.Get("topic"), 10, 64); err == nil && id > 0 {
		f.TopicID = id
	}
	if d, err := time.ParseInLocation("2006-01-02", q.Get("from"), loc); err == nil {
		f.From = d
	}
	if d, err := time.ParseInLocation("2006-01-02", q.Get("to"), loc); err == nil {
		f.To = d.AddDate(0, 0, 1)
	}
	f.Before = cursorOf(q)
	return f, q.Get("q")
}

// cursorOf reads the page position (before_at, before_id) of a listing.
func cursorOf(q url.Values) *listen.Cursor {
	at, err := time.Parse(time.RFC3339Nano, q.Get("before_at"))
	if err != nil {
		return nil
	}
	id, err := strconv.ParseInt(q.Get("before_id"), 10, 64)
	if err != nil || id < 1 {
		return nil
	}
	return &listen.Cursor{At: at, ID: id}
}

// olderQuery is the address ("?…") of the next page after ms under the
// filters of q, or "" when ms was the last page.
func olderQuery(q url.Values, ms []listen.Mention) string {
	if len(ms) < listen.DefaultLimit {
		return ""
	}
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	last := ms[len(ms)-1]
	next.Set("before_at", last.At.Format(time.RFC3339Nano))
	next.Set("before_id", strconv.FormatInt(last.ID, 10))
	return "?" + next.Encode()
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
	// The editor's live count (htmx, as the query is typed): only the line
	// under the query, with the count or the problem.
	if r.Header.Get("HX-Request") == "true" && (err == nil || fieldErrors(pg, err)) {
		pg.Data = listeningData{Preview: &pv}
		if err != nil {
			pg.Data = listeningData{}
		}
		wb.renderBlock(w, r, "listening", "query-live", pg)
		return
	}
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
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	f, words := streamFilter(r.URL.Query(), loc)
	ms, err := wb.listening().Mentions(ctx, pg.P, o.ID, words, f)
	if errors.Is(err, db.ErrNotFound) { // a topic of the filter that is not ours
		ms, err = nil, nil
	}
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	now := time.Now().UTC()
	daily, err := wb.listening().DailyCounts(ctx, pg.P, o.ID, now.AddDate(0, 0, -6), now.Add(time.Minute))
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	sparks := map[int64]sparkline{}
	for id, counts := range daily {
		sparks[id] = sparklineOf(counts)
	}
	pg.Title = pg.L.T("nav.listening")
	open, err := wb.alerts().Unacknowledged(ctx, pg.P, o.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Data = listeningData{Topics: ts, Mentions: ms, Filter: r.URL.Query(), QueryCaret: queryCaret(pg), Preview: pv, Sparks: sparks, OpenAlerts: open,
		Older: olderQuery(r.URL.Query(), ms)}
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
		if t.Kind == listen.KindNarrative {
			wb.renderNarrativeForm(w, r, pg, http.StatusUnprocessableEntity)
			return
		}
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

// byPathID loads what {id} names with get; a bad id or a failed load
// writes the error page and reports false.
func byPathID[T any](wb *Web, w http.ResponseWriter, r *http.Request, get func(id int64) (T, error)) (T, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		wb.fail(w, r, db.ErrNotFound)
		var zero T
		return zero, false
	}
	v, err := get(id)
	if err != nil {
		wb.fail(w, r, err)
		return v, false
	}
	return v, true
}

func (wb *Web) topicOf(w http.ResponseWriter, r *http.Request, o org.Org, pg *page) (listen.Topic, bool) {
	return byPathID(wb, w, r, func(id int64) (listen.Topic, error) { return wb.listening().Topic(r.Context(), pg.P, o.ID, id) })
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
	pg.Form = url.Values{"name": {t.Name}, "query": {t.Query}, "claim": {t.Claim}, "disproof": {t.Disproof},
		"counter_lines": {strings.Join(t.CounterLines, "\n")}, "countries": {strings.Join(t.Countries, " ")},
		"languages": {strings.Join(t.Languages, " ")}}
	wb.renderTopic(w, r, o, pg, t, http.StatusOK)
}

// narrativeForm is the form of a new narrative: a topic with its case
// record.
func (wb *Web) narrativeForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	wb.renderNarrativeForm(w, r, wb.orgPage(r, o, "listening", ""), http.StatusOK)
}

func (wb *Web) renderNarrativeForm(w http.ResponseWriter, r *http.Request, pg *page, status int) {
	pg.Title = pg.L.T("listening.narrative.new")
	pg.Data = listeningData{NewNarrative: true, QueryCaret: queryCaret(pg)}
	wb.render(w, r, status, "listening", pg)
}

func (wb *Web) renderTopic(w http.ResponseWriter, r *http.Request, o org.Org, pg *page, t listen.Topic, status int) {
	ctx := r.Context()
	ms, err := wb.listening().Mentions(ctx, pg.P, o.ID, "", listen.Filter{TopicID: t.ID, Before: cursorOf(r.URL.Query())})
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	period, d := periodOf(r)
	to := time.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	stats, err := wb.listening().TopicStats(ctx, pg.P, o.ID, t.ID, to.Add(-d), to)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	// Spikes raised for the topic in the period are marked on its chart.
	spikes, err := wb.alerts().Alerts(ctx, pg.P, o.ID, signal.AlertFilter{Kind: signal.KindSpike, TopicID: t.ID, Limit: 200})
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	type span struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	}
	marks := []span{}
	for _, a := range spikes {
		if a.WindowEnd.After(stats.From) && a.WindowStart.Before(stats.To) {
			marks = append(marks, span{a.WindowStart, a.WindowEnd})
		}
	}
	js, err := json.Marshal(struct {
		listen.Stats
		Spikes []span `json:"spikes"`
	}{stats, marks})
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Title = t.Name
	keys := make([]string, len(periods))
	for i, p := range periods {
		keys[i] = p.key
	}
	pg.Data = listeningData{Topic: &t, Mentions: ms, QueryCaret: queryCaret(pg), Period: period, Periods: keys, Stats: &stats, StatsJSON: string(js),
		Older: olderQuery(r.URL.Query(), ms)}
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

// sparkline is a topic's week drawn as an SVG polyline in a 100×24 box.
type sparkline struct {
	Points string
	Total  int64
}

func sparklineOf(counts []int64) sparkline {
	var peak, total int64
	for _, n := range counts {
		peak, total = max(peak, n), total+n
	}
	var b strings.Builder
	for i, n := range counts {
		x := 0.0
		if len(counts) > 1 {
			x = float64(i) * 100 / float64(len(counts)-1)
		}
		y := 22.0
		if peak > 0 {
			y = 22 - float64(n)*20/float64(peak)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64))
	}
	return sparkline{Points: b.String(), Total: total}
}
