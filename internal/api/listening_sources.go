package api

// Listening's sources through the API: the feeds, Mastodon timelines,
// Jetstream and Telegram bots an organisation collects from, with their
// state; adding, changing and removing them; and a test that fetches a
// polled source now without storing anything. The rules (who may, public
// addresses unless the server allows private ones, the kind's settings,
// the interval's bounds) are source.Service's, as on the web pages.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/source"
	"github.com/attache-project/attache/internal/valid"
)

// sourceFetchTimeout bounds a test fetch's HTTP client (the runner has
// its own, shorter, deadline for the whole fetch).
const sourceFetchTimeout = 30 * time.Second

// Test fetches: how many items an answer lists.
const (
	defaultTestItems = 10
	maxTestItems     = 100
)

// maxIntervalSeconds bounds what interval_seconds may say before the
// service brings it within the kind's bounds (it must fit a Duration).
const maxIntervalSeconds = 1<<31 - 1

func (a *API) sources() *source.Service {
	return &source.Service{DB: a.DB, AllowPrivate: a.AllowPrivate, Runner: a.sourceRunner()}
}

// sourceRunner is the runner of test fetches, made once: its client is
// the guarded one, allowing private addresses only with AllowPrivate.
func (a *API) sourceRunner() *source.Runner {
	a.runnerOnce.Do(func() {
		client := a.HTTP
		if client == nil {
			client = netguard.Client(a.AllowPrivate, sourceFetchTimeout)
		}
		a.runner = &source.Runner{DB: a.DB, HTTP: client}
	})
	return a.runner
}

// sourceOut is a source as the API shows it; the poller's state (ETags,
// cursors) stays inside.
type sourceOut struct {
	ID              int64           `json:"id"`
	OrgID           int64           `json:"org_id"`
	Kind            source.Kind     `json:"kind"`
	Name            string          `json:"name"`
	Config          json.RawMessage `json:"config"`
	AccountID       *int64          `json:"account_id"` // a Telegram source's account; null for the others
	IntervalSeconds int64           `json:"interval_seconds"`
	Enabled         bool            `json:"enabled"`
	NextRunAt       time.Time       `json:"next_run_at"`
	LastRunAt       *time.Time      `json:"last_run_at"`
	LastOKAt        *time.Time      `json:"last_ok_at"`
	LastError       string          `json:"last_error"`
	Failures        int             `json:"failures"`
	ItemsTotal      int64           `json:"items_total"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// sourceSaved is the answer of a creation or change: the source and what
// the service adjusted in what was sent (a default name, an interval
// brought within bounds).
type sourceSaved struct {
	sourceOut
	Adjusted []string `json:"adjusted"`
}

func sourceOutOf(s source.Source) sourceOut {
	out := sourceOut{ID: s.ID, OrgID: s.OrgID, Kind: s.Kind, Name: s.Name, Config: s.Config,
		IntervalSeconds: int64(s.Interval / time.Second), Enabled: s.Enabled, NextRunAt: s.NextRunAt,
		LastRunAt: s.LastRunAt, LastOKAt: s.LastOKAt, LastError: s.LastError, Failures: s.Failures,
		ItemsTotal: s.ItemsTotal, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.AccountID != 0 {
		id := s.AccountID
		out.AccountID = &id
	}
	if len(out.Config) == 0 {
		out.Config = json.RawMessage("{}")
	}
	return out
}

func sourceSavedOf(s source.Source) sourceSaved {
	adj := s.Adjusted
	if adj == nil {
		adj = []string{}
	}
	return sourceSaved{sourceOutOf(s), adj}
}

// sourceIn is a source as a client sends it; on PATCH a field left out
// keeps its value, and config is merged into the stored settings key by
// key (JSON Merge Patch: a key set to null is removed).
type sourceIn struct {
	Kind            *string         `json:"kind"`
	Name            *string         `json:"name"`
	Config          json.RawMessage `json:"config"`
	IntervalSeconds *int64          `json:"interval_seconds"`
	Enabled         *bool           `json:"enabled"`
}

// configObject parses the config the client sent: a JSON object, by key.
func (in sourceIn) configObject() (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	raw := bytes.TrimSpace(in.Config)
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, &valid.FieldError{Field: "config", Reason: "must be an object: the settings of the source's kind"}
	}
	return m, nil
}

// apply copies what the client sent onto s (the kind excepted).
func (in sourceIn) apply(s *source.Source) error {
	if in.Name != nil {
		s.Name = *in.Name
	}
	if in.Enabled != nil {
		s.Enabled = *in.Enabled
	}
	if in.IntervalSeconds != nil {
		n := *in.IntervalSeconds
		if n < 0 || n > maxIntervalSeconds {
			return &valid.FieldError{Field: "interval_seconds", Reason: "must be a number of seconds (0 for the default); the service keeps it between 300 and 86400"}
		}
		s.Interval = time.Duration(n) * time.Second
	}
	if in.Config == nil {
		return nil
	}
	patch, err := in.configObject()
	if err != nil {
		return err
	}
	merged := map[string]json.RawMessage{}
	_ = json.Unmarshal(s.Config, &merged) // a new source has none
	for k, v := range patch {
		if string(bytes.TrimSpace(v)) == "null" {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	s.Config, err = json.Marshal(merged)
	return err
}

func (a *API) listSources(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	ss, err := a.sources().List(r.Context(), p, o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]sourceOut, len(ss))
	for i, s := range ss {
		out[i] = sourceOutOf(s)
	}
	writeJSON(w, http.StatusOK, struct {
		Sources []sourceOut `json:"sources"`
	}{out})
}

func (a *API) createSource(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	var in sourceIn
	if !decode(w, r, &in) {
		return
	}
	s := source.Source{OrgID: o.ID, Enabled: true}
	if in.Kind != nil {
		s.Kind = source.Kind(*in.Kind)
	}
	if in.Config == nil {
		in.Config = json.RawMessage("{}") // the kind's settings then say what is missing
	}
	if err := in.apply(&s); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.sources().Create(r.Context(), p, actor(r), &s); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sourceSavedOf(s))
}

// sourceOf loads the source named by {id} of o, or writes the error.
func (a *API) sourceOf(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) (source.Source, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return source.Source{}, false
	}
	s, err := a.sources().Get(r.Context(), p, o.ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return s, false
	}
	return s, true
}

func (a *API) getSource(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	if s, ok := a.sourceOf(w, r, p, o); ok {
		writeJSON(w, http.StatusOK, sourceOutOf(s))
	}
}

func (a *API) updateSource(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	var in sourceIn
	if !decode(w, r, &in) {
		return
	}
	cur, ok := a.sourceOf(w, r, p, o)
	if !ok {
		return
	}
	if in.Kind != nil && source.Kind(strings.ToLower(strings.TrimSpace(*in.Kind))) != cur.Kind {
		invalid(w, r, "kind", "cannot change; create a new source instead")
		return
	}
	// The account follows the settings (a Telegram source's account_id).
	s := source.Source{ID: cur.ID, OrgID: o.ID, Kind: cur.Kind, Name: cur.Name, Config: cur.Config,
		Interval: cur.Interval, Enabled: cur.Enabled}
	if err := in.apply(&s); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.sources().Update(r.Context(), p, actor(r), &s); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sourceSavedOf(s))
}

func (a *API) deleteSource(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := a.sources().Delete(r.Context(), p, actor(r), o.ID, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// itemOut is an item a test fetch found, in the shape of the ingest
// endpoint's mentions.
type itemOut struct {
	Source      string     `json:"source"`
	ID          string     `json:"id"`
	URL         string     `json:"url,omitempty"`
	AuthorID    string     `json:"author_id,omitempty"`
	Author      string     `json:"author,omitempty"`
	AuthorName  string     `json:"author_name,omitempty"`
	Country     string     `json:"country,omitempty"`
	Text        string     `json:"text"`
	Lang        string     `json:"lang,omitempty"`
	InReplyTo   string     `json:"in_reply_to,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Likes       int64      `json:"likes"`
	Reposts     int64      `json:"reposts"`
	Replies     int64      `json:"replies"`
}

func itemOutOf(it ingest.Item) itemOut {
	out := itemOut{Source: it.Source, ID: it.ExternalID, URL: it.URL, AuthorID: it.AuthorID, Author: it.AuthorHandle,
		AuthorName: it.AuthorName, Country: it.Country, Text: it.Text, Lang: it.Lang, InReplyTo: it.InReplyTo,
		Likes: it.Likes, Reposts: it.Reposts, Replies: it.Replies}
	if !it.At.IsZero() {
		at := it.At.UTC()
		out.PublishedAt = &at
	}
	return out
}

// sourceTestResult is what a test fetch brought, or the network's error:
// the answer is the point of a test, so a failure is not a 5xx.
type sourceTestResult struct {
	Items []itemOut `json:"items"`
	Error string    `json:"error,omitempty"`
}

// testSource fetches a polled source now and lists what it would bring,
// storing nothing and leaving the source as it was.
func (a *API) testSource(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	limit := defaultTestItems
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxTestItems {
			invalid(w, r, "limit", "must be between 1 and "+strconv.Itoa(maxTestItems))
			return
		}
		limit = n
	}
	s, ok := a.sourceOf(w, r, p, o)
	if !ok {
		return
	}
	if !s.Kind.Polled() {
		invalid(w, r, "kind", "only rss and mastodon sources can be fetched on demand; "+string(s.Kind)+" sources are followed as they come")
		return
	}
	items, err := a.sources().Test(r.Context(), p, o.ID, s.ID, limit)
	var fe *valid.FieldError
	switch {
	case errors.Is(err, authz.ErrNotMember), errors.Is(err, authz.ErrForbidden), errors.Is(err, db.ErrNotFound), errors.As(err, &fe):
		a.writeError(w, r, err)
		return
	}
	out := sourceTestResult{Items: make([]itemOut, len(items))}
	for i, it := range items {
		out.Items[i] = itemOutOf(it)
	}
	if err != nil {
		out.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}
