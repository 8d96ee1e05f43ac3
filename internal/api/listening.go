package api

// Listening through the API: an organisation's topics (standing queries),
// its mentions (newest first, searched and filtered), and the
// authenticated ingest endpoint through which a script or a partner's
// collector hands in public texts.

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

// maxIngest is the most mentions one ingest request may carry.
const maxIngest = 1000

func (a *API) listening() *listen.Service { return &listen.Service{DB: a.DB} }

func (a *API) ingestPipeline() *ingest.Pipeline {
	if a.Ingest != nil {
		return a.Ingest
	}
	return &ingest.Pipeline{DB: a.DB, Topics: &ingest.Topics{DB: a.DB}}
}

func (a *API) registerListening(g routes) {
	g.inOrg("GET", "/api/v1/orgs/{org}/topics", authz.UseListening, a.listTopics)
	g.inOrg("POST", "/api/v1/orgs/{org}/topics", authz.ManageListening, a.createTopic)
	g.inOrg("GET", "/api/v1/orgs/{org}/topics/{id}", authz.UseListening, a.getTopic)
	g.inOrg("PATCH", "/api/v1/orgs/{org}/topics/{id}", authz.ManageListening, a.updateTopic)
	g.inOrg("DELETE", "/api/v1/orgs/{org}/topics/{id}", authz.ManageListening, a.archiveTopic)
	g.inOrg("GET", "/api/v1/orgs/{org}/topics/{id}/stats", authz.UseListening, a.topicStats)
	g.inOrg("GET", "/api/v1/orgs/{org}/mentions", authz.UseListening, a.listMentions)
	g.inOrg("POST", "/api/v1/orgs/{org}/mentions", authz.ManageListening, a.ingestMentions)
	// Alerts (listening_alerts.go): read by everyone who listens,
	// acknowledged by those who manage listening.
	g.inOrg("GET", "/api/v1/orgs/{org}/alerts", authz.UseListening, a.listAlerts)
	g.inOrg("GET", "/api/v1/orgs/{org}/alerts/{id}", authz.UseListening, a.getAlert)
	g.inOrg("POST", "/api/v1/orgs/{org}/alerts/{id}/acknowledge", authz.ManageListening, a.acknowledgeAlert)
	// Sources (listening_sources.go): the same split.
	g.inOrg("GET", "/api/v1/orgs/{org}/sources", authz.UseListening, a.listSources)
	g.inOrg("POST", "/api/v1/orgs/{org}/sources", authz.ManageListening, a.createSource)
	g.inOrg("GET", "/api/v1/orgs/{org}/sources/{id}", authz.UseListening, a.getSource)
	g.inOrg("PATCH", "/api/v1/orgs/{org}/sources/{id}", authz.ManageListening, a.updateSource)
	g.inOrg("DELETE", "/api/v1/orgs/{org}/sources/{id}", authz.ManageListening, a.deleteSource)
	g.inOrg("POST", "/api/v1/orgs/{org}/sources/{id}/test", authz.ManageListening, a.testSource)
}

func (a *API) listTopics(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	ts, err := a.listening().Topics(r.Context(), p, o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if ts == nil {
		ts = []listen.Topic{}
	}
	writeJSON(w, http.StatusOK, struct {
		Topics []listen.Topic `json:"topics"`
	}{ts})
}

// topicIn is a topic or narrative as a client sends it; a field left
// out keeps its value on PATCH.
type topicIn struct {
	Name         *string   `json:"name"`
	Query        *string   `json:"query"`
	Kind         *string   `json:"kind"`
	Claim        *string   `json:"claim"`
	Disproof     *string   `json:"disproof"`
	CounterLines *[]string `json:"counter_lines"`
	Countries    *[]string `json:"countries"`
	Languages    *[]string `json:"languages"`
}

// apply copies what the client sent onto c.
func (in topicIn) apply(c *listen.TopicChange) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setList := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.Query, in.Query)
	set(&c.Claim, in.Claim)
	set(&c.Disproof, in.Disproof)
	setList(&c.CounterLines, in.CounterLines)
	setList(&c.Countries, in.Countries)
	setList(&c.Languages, in.Languages)
}

func (a *API) createTopic(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	var in topicIn
	if !decode(w, r, &in) {
		return
	}
	var c listen.TopicChange
	in.apply(&c)
	t := listen.Topic{OrgID: o.ID, Name: c.Name, Query: c.Query, Claim: c.Claim, Disproof: c.Disproof,
		CounterLines: c.CounterLines, Countries: c.Countries, Languages: c.Languages}
	if in.Kind != nil {
		t.Kind = *in.Kind
	}
	if err := a.listening().CreateTopic(r.Context(), p, actor(r), &t); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (a *API) getTopic(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	t, err := a.listening().Topic(r.Context(), p, o.ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (a *API) updateTopic(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	var in topicIn
	if !decode(w, r, &in) {
		return
	}
	cur, err := a.listening().Topic(r.Context(), p, o.ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if in.Kind != nil && *in.Kind != cur.Kind {
		a.writeError(w, r, &valid.FieldError{Field: "kind", Reason: "cannot change: create a new topic or narrative instead"})
		return
	}
	c := listen.TopicChange{Name: cur.Name, Query: cur.Query, Claim: cur.Claim, Disproof: cur.Disproof,
		CounterLines: cur.CounterLines, Countries: cur.Countries, Languages: cur.Languages}
	in.apply(&c)
	t, err := a.listening().UpdateTopic(r.Context(), p, actor(r), o.ID, id, c)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (a *API) archiveTopic(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	if err := a.listening().ArchiveTopic(r.Context(), p, actor(r), o.ID, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Topic dashboards: the default period and the longest one.
const (
	defaultStatsPeriod = 7 * 24 * time.Hour
	maxStatsPeriod     = 93 * 24 * time.Hour
)

// topicStats is a topic's dashboard for [from, to): volume (hourly up to
// three days, daily beyond) and its top languages, sources and authors.
func (a *API) topicStats(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, authz.ErrNotMember)
		return
	}
	from, to, field, reason := statsPeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"), time.Now())
	if field != "" {
		invalid(w, r, field, reason)
		return
	}
	s, err := a.listening().TopicStats(r.Context(), p, o.ID, id, from, to)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// statsPeriod reads a dashboard's period: to defaults to the end of the
// current hour, from to seven days before to; it may span at most 93
// days. A bad parameter is named with the reason.
func statsPeriod(fromS, toS string, now time.Time) (from, to time.Time, field, reason string) {
	const like = "must be a time like 2026-11-26T09:00:00Z"
	to = now.UTC().Truncate(time.Hour).Add(time.Hour)
	if toS != "" {
		t, err := time.Parse(time.RFC3339, toS)
		if err != nil {
			return from, to, "to", like
		}
		to = t.UTC()
	}
	from = to.Add(-defaultStatsPeriod)
	if fromS != "" {
		t, err := time.Parse(time.RFC3339, fromS)
		if err != nil {
			return from, to, "from", like
		}
		from = t.UTC()
	}
	switch {
	case !from.Before(to):
		return from, to, "from", "must be before to"
	case to.Sub(from) > maxStatsPeriod:
		return from, to, "from", "the period may be at most 93 days"
	}
	return from, to, "", ""
}

func (a *API) listMentions(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	q := r.URL.Query()
	f := listen.Filter{Lang: q.Get("lang"), Source: q.Get("source"), Author: q.Get("author")}
	for _, x := range []struct {
		name string
		into *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.Get(x.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				invalid(w, r, x.name, "must be a time like 2026-11-26T09:00:00Z")
				return
			}
			*x.into = t
		}
	}
	if s := q.Get("topic"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			invalid(w, r, "topic", "must be a topic id")
			return
		}
		f.TopicID = id
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > listen.MaxLimit {
			invalid(w, r, "limit", "must be between 1 and "+strconv.Itoa(listen.MaxLimit))
			return
		}
		f.Limit = n
	}
	ms, err := a.listening().Mentions(r.Context(), p, o.ID, q.Get("q"), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if ms == nil {
		ms = []listen.Mention{}
	}
	writeJSON(w, http.StatusOK, struct {
		Mentions []listen.Mention `json:"mentions"`
	}{ms})
}

// mentionIn is one text handed in through the ingest endpoint.
type mentionIn struct {
	Source      string    `json:"source"`
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	AuthorID    string    `json:"author_id"`
	Author      string    `json:"author"`
	AuthorName  string    `json:"author_name"`
	Country     string    `json:"country"`
	Text        string    `json:"text"`
	Lang        string    `json:"lang"`
	InReplyTo   string    `json:"in_reply_to"`
	PublishedAt time.Time `json:"published_at"`
	Likes       int64     `json:"likes"`
	Reposts     int64     `json:"reposts"`
	Replies     int64     `json:"replies"`
}

func (a *API) ingestMentions(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	var in struct {
		Mentions []mentionIn `json:"mentions"`
	}
	if !decode(w, r, &in) {
		return
	}
	switch {
	case len(in.Mentions) == 0:
		invalid(w, r, "mentions", "must hold at least one mention")
		return
	case len(in.Mentions) > maxIngest:
		invalid(w, r, "mentions", "may hold at most "+strconv.Itoa(maxIngest)+" mentions a request")
		return
	}
	items := make([]ingest.Item, len(in.Mentions))
	for i, m := range in.Mentions {
		it := ingest.Item{Source: m.Source, ExternalID: m.ID, URL: m.URL, AuthorID: m.AuthorID, AuthorHandle: m.Author, AuthorName: m.AuthorName,
			Country: m.Country, Text: m.Text, Lang: m.Lang, InReplyTo: m.InReplyTo, At: m.PublishedAt, Likes: m.Likes, Reposts: m.Reposts, Replies: m.Replies}
		if it.Source == "" {
			it.Source = "http"
		}
		if err := ingest.Normalise(&it); err != nil {
			field, reason := "text", err.Error()
			var fe *valid.FieldError
			if errors.As(err, &fe) {
				field, reason = fe.Field, fe.Reason
			}
			if field == "at" {
				field = "published_at"
			}
			invalid(w, r, "mentions/"+strconv.Itoa(i)+"/"+field, reason)
			return
		}
		if it.ExternalID == "" {
			it.ExternalID = ingest.DeriveID(&it)
		}
		items[i] = it
	}
	res, err := a.ingestPipeline().Ingest(r.Context(), o.ID, items)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Received   int `json:"received"`
		Inserted   int `json:"inserted"`
		Duplicates int `json:"duplicates"`
		Matches    int `json:"matches"`
	}{res.Received, res.Inserted, res.Duplicates, res.Matches})
}
