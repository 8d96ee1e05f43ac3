package api

// Listening's alerts through the API: the list (newest first, by kind,
// topic and whether anyone has seen to them, in pages), one alert with
// its kind's detail, and the acknowledgement. The rules are
// signal.Service's, as on the web pages.

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/signal"
)

func (a *API) alertService() *signal.Service { return &signal.Service{DB: a.DB} }

// alertList is the answer of GET …/alerts: Next, when set, is the path
// and query of the following page (the same filters, after the last
// alert of this one).
type alertList struct {
	Alerts []signal.Alert `json:"alerts"`
	Next   string         `json:"next,omitempty"`
}

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	f, field, reason := alertFilterOf(r.URL.Query())
	if field != "" {
		invalid(w, r, field, reason)
		return
	}
	as, err := a.alertService().Alerts(r.Context(), p, o.ID, f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := alertList{Alerts: as}
	if len(as) == f.Limit {
		last := as[len(as)-1]
		next := r.URL.Query()
		next.Set("before", last.CreatedAt.Format(time.RFC3339Nano))
		next.Set("before_id", strconv.FormatInt(last.ID, 10))
		out.Next = r.URL.Path + "?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// alertFilterOf reads the list's query; a bad parameter is named with
// the reason.
func alertFilterOf(q url.Values) (f signal.AlertFilter, field, reason string) {
	f.Limit = signal.DefaultAlertLimit
	switch k := q.Get("kind"); k {
	case "", signal.KindSpike, signal.KindCoordination:
		f.Kind = k
	default:
		return f, "kind", "must be spike or coordination"
	}
	if s := q.Get("open"); s != "" {
		open, err := strconv.ParseBool(s)
		if err != nil {
			return f, "open", "must be true (only alerts nobody has acknowledged) or false"
		}
		f.Unacknowledged = open
	}
	if s := q.Get("topic"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			return f, "topic", "must be a topic id"
		}
		f.TopicID = id
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > signal.MaxAlertLimit {
			return f, "limit", "must be between 1 and " + strconv.Itoa(signal.MaxAlertLimit)
		}
		f.Limit = n
	}
	before, beforeID := q.Get("before"), q.Get("before_id")
	switch {
	case before == "" && beforeID == "":
		return f, "", ""
	case before == "":
		return f, "before", "is required with before_id: the created_at of the last alert of the previous page"
	case beforeID == "":
		return f, "before_id", "is required with before: the id of the last alert of the previous page"
	}
	at, err := time.Parse(time.RFC3339Nano, before)
	if err != nil {
		return f, "before", "must be a time like 2026-11-26T09:00:00.123456Z (the created_at of the last alert of the previous page)"
	}
	id, err := strconv.ParseInt(beforeID, 10, 64)
	if err != nil || id < 1 {
		return f, "before_id", "must be an alert id"
	}
	f.Before = &signal.Cursor{At: at, ID: id}
	return f, "", ""
}

func (a *API) getAlert(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	al, err := a.alertService().Alert(r.Context(), p, o.ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, al)
}

// acknowledgeAlert marks an alert as seen to and answers with it; doing
// it again keeps the first acknowledgement (who and when).
func (a *API) acknowledgeAlert(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	svc := a.alertService()
	if err := svc.Acknowledge(r.Context(), p, actor(r), o.ID, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	al, err := svc.Alert(r.Context(), p, o.ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, al)
}
