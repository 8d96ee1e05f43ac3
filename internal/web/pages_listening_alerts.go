package web

// Listening's alerts: the list (newest first, filtered by kind and by
// whether anyone has seen to them), and one alert's page — a spike with
// its hourly chart against the baseline, or a cluster of near-identical
// posts with its authors and mentions — where those who manage listening
// acknowledge it.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/signal"
)

func (wb *Web) alerts() *signal.Service { return &signal.Service{DB: wb.DB} }

func (wb *Web) registerListeningAlerts(inOrg func(string, string, authz.Action, orgHandler)) {
	inOrg("GET", "/o/{org}/listening/alerts", authz.UseListening, wb.alertList)
	inOrg("GET", "/o/{org}/listening/alerts/{id}", authz.UseListening, wb.alertPage)
	inOrg("POST", "/o/{org}/listening/alerts/{id}/acknowledge", authz.ManageListening, wb.alertAcknowledge)
}

type alertsData struct {
	Alerts []signal.Alert
	Topics map[int64]string // names of the topics the alerts name
	Kind   string
	Open   bool   // only unacknowledged
	Older  string // the next page's query, "" at the end
	// The alert page.
	Alert     *signal.Alert
	Spike     *signal.SpikeDetail
	SpikeJSON string
	Coord     *signal.CoordDetail
	Mentions  []listen.Mention
}

func (wb *Web) alertList(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	q := r.URL.Query()
	f := signal.AlertFilter{Unacknowledged: q.Get("open") == "1", Limit: 50}
	if k := q.Get("kind"); k == signal.KindSpike || k == signal.KindCoordination {
		f.Kind = k
	}
	if at, err := time.Parse(time.RFC3339Nano, q.Get("before")); err == nil {
		if id, err := strconv.ParseInt(q.Get("before_id"), 10, 64); err == nil {
			f.Before = &signal.Cursor{At: at, ID: id}
		}
	}
	as, err := wb.alerts().Alerts(r.Context(), pg.P, o.ID, f)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d := alertsData{Alerts: as, Kind: f.Kind, Open: f.Unacknowledged}
	if d.Topics, err = wb.topicNames(r, pg, o); err != nil {
		wb.fail(w, r, err)
		return
	}
	if len(as) == f.Limit {
		last := as[len(as)-1]
		next := r.URL.Query()
		next.Set("before", last.CreatedAt.Format(time.RFC3339Nano))
		next.Set("before_id", strconv.FormatInt(last.ID, 10))
		d.Older = "?" + next.Encode()
	}
	if q.Get("acknowledged") != "" {
		pg.Notice = pg.L.T("listening.alert.acknowledged")
	}
	pg.Title = pg.L.T("listening.alerts.title")
	pg.Data = d
	wb.render(w, r, http.StatusOK, "listening_alerts", pg)
}

// topicNames maps the organisation's topic ids (archived too) to names.
func (wb *Web) topicNames(r *http.Request, pg *page, o org.Org) (map[int64]string, error) {
	if err := authz.Require(pg.P, o.ID, authz.UseListening); err != nil {
		return nil, err
	}
	ts, err := listen.ListTopics(r.Context(), wb.DB.R(), o.ID, true)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(ts))
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return names, nil
}

func (wb *Web) alertOf(w http.ResponseWriter, r *http.Request, o org.Org, pg *page) (signal.Alert, bool) {
	return byPathID(wb, w, r, func(id int64) (signal.Alert, error) { return wb.alerts().Alert(r.Context(), pg.P, o.ID, id) })
}

func (wb *Web) alertPage(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	a, ok := wb.alertOf(w, r, o, pg)
	if !ok {
		return
	}
	d := alertsData{Alert: &a}
	var err error
	if d.Topics, err = wb.topicNames(r, pg, o); err != nil {
		wb.fail(w, r, err)
		return
	}
	switch a.Kind {
	case signal.KindSpike:
		var s signal.SpikeDetail
		if json.Unmarshal(a.Detail, &s) == nil {
			d.Spike, d.SpikeJSON = &s, string(a.Detail)
		}
	case signal.KindCoordination:
		var c signal.CoordDetail
		if json.Unmarshal(a.Detail, &c) == nil {
			d.Coord = &c
			if d.Mentions, err = listen.GetMany(r.Context(), wb.DB.R(), o.ID, c.Mentions); err != nil {
				wb.fail(w, r, err)
				return
			}
		}
	}
	pg.Title = a.Title
	pg.Data = d
	wb.render(w, r, http.StatusOK, "listening_alerts", pg)
}

func (wb *Web) alertAcknowledge(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "listening", "")
	a, ok := wb.alertOf(w, r, o, pg)
	if !ok {
		return
	}
	if err := wb.alerts().Acknowledge(r.Context(), pg.P, httpx.ActorFrom(r), o.ID, a.ID); err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("listening/alerts")+"?acknowledged=1")
}
