package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// The campaign calendar: month and week grids (FullCalendar 6.1.21, the
// standard bundle, vendored as static/fullcalendar.min.js with its licence)
// and a list that is rendered here and works without JavaScript.
//
// Times. Everything on the page is in the organisation's time zone. The
// events endpoint speaks that zone's wall-clock time without an offset
// ("2026-12-01T10:00:00"), and FullCalendar runs with timeZone "UTC", a
// zone without daylight-saving gaps, so it shows those wall-clock times
// exactly as sent, whatever the browser's own zone; a dropped event's
// time is read back the same way and the server turns it into UTC in the
// organisation's zone (time.Date normalises a time that falls in a
// daylight-saving gap).
//
// CSP. FullCalendar 6 injects its CSS through a <style> element it
// creates, which "style-src 'self'" blocks (the element gets no sheet and
// FullCalendar throws). The same CSS is served as static/fullcalendar.css
// (extracted from the bundle's injectStyles calls) and calendar.js gives
// FullCalendar a placeholder style element whose sheet swallows the rules.
//
// Filters are kept in the URL; the last ones used in an organisation are
// kept in a cookie per browser and applied when the calendar is opened
// without any (saved per person's browser rather than per account).

func (wb *Web) registerCalendar(rt *httpx.Router) {
	inOrg := routes{wb, rt}.inOrg
	signed := routes{wb, rt}.signed
	inOrg("GET", "/o/{org}/calendar", authz.UseCampaigns, wb.calendarPage)
	inOrg("GET", "/o/{org}/calendar/events", authz.UseCampaigns, wb.calendarEvents)
	inOrg("POST", "/o/{org}/calendar/variants/{id}/move", authz.EditCampaigns, wb.calendarMove)
	signed("GET", "/account/calendar", wb.calendarFeedPage)
	signed("POST", "/account/calendar", wb.calendarFeedRegenerate)
	// The feed is fetched by calendar applications: no session, the secret
	// in the path is the credential. (ServeMux wildcards are whole
	// segments, so ".ics" is checked by the handler.)
	rt.Handle(httpx.Route{Method: "GET", Pattern: "/calendar/{file}", Access: httpx.Public}, http.HandlerFunc(wb.calendarFeed))
}

const calCookie = "attache_cal"

// calFilterKeys are the query parameters that are filters (saved in the
// cookie); "date" is not one.
var calFilterKeys = []string{"view", "campaign", "network", "state", "org"}

// calQuery is a calendar request's view, anchor date and filters.
type calQuery struct {
	View    string // month, week, list
	Date    time.Time
	Filter  campaign.CalendarFilter
	Invalid bool // a parameter was not understood (ignored, with a 400)
}

func parseCalQuery(q url.Values, loc *time.Location) calQuery {
	c := calQuery{View: q.Get("view")}
	switch c.View {
	case "month", "week", "list":
	case "":
		c.View = "month"
	default:
		c.View, c.Invalid = "month", true
	}
	now := time.Now().In(loc)
	c.Date = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if d := q.Get("date"); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, loc)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			c.Invalid = true
		} else {
			c.Date = t
		}
	}
	id := func(key string) int64 {
		v := q.Get(key)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			c.Invalid = true
			return 0
		}
		return n
	}
	c.Filter.CampaignID, c.Filter.OrgID = id("campaign"), id("org")
	if n := q.Get("network"); n != "" {
		if limits.Valid(n) {
			c.Filter.Network = limits.Network(n)
		} else {
			c.Invalid = true
		}
	}
	if s := q.Get("state"); s != "" {
		if st := campaign.State(s); slices.Contains(campaign.States, st) {
			c.Filter.State = st
		} else {
			c.Invalid = true
		}
	}
	return c
}

// values encodes the query back, for links; date is left out when zero.
func (c calQuery) values(view string, date time.Time) url.Values {
	v := url.Values{"view": {view}}
	if !date.IsZero() {
		v.Set("date", date.Format("2006-01-02"))
	}
	if c.Filter.CampaignID != 0 {
		v.Set("campaign", strconv.FormatInt(c.Filter.CampaignID, 10))
	}
	if c.Filter.Network != "" {
		v.Set("network", string(c.Filter.Network))
	}
	if c.Filter.State != "" {
		v.Set("state", string(c.Filter.State))
	}
	if c.Filter.OrgID != 0 {
		v.Set("org", strconv.FormatInt(c.Filter.OrgID, 10))
	}
	return v
}

// calRange is the span a view shows around its date: the month, the week
// (from Monday), or for the list three months from the first of the month.
func calRange(view string, d time.Time) (time.Time, time.Time) {
	switch view {
	case "week":
		from := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		return from, from.AddDate(0, 0, 7)
	case "list":
		from := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location())
		return from, from.AddDate(0, 3, 0)
	}
	from := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location())
	return from, from.AddDate(0, 1, 0)
}

func orgLocation(o org.Org) *time.Location {
	if loc, err := time.LoadLocation(o.TimeZone); err == nil && o.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// calEvent is a calendar entry as the page's script uses it: the API's
// entry plus what the grid shows.
type calEvent struct {
	campaign.Entry
	Start        string `json:"start"` // wall-clock time in the organisation's zone, no offset
	Color        int    `json:"color"` // colour class by campaign
	NetworkLabel string `json:"network_label"`
	StateLabel   string `json:"state_label"`
	Editable     bool   `json:"editable"` // the user may move it
	Locked       bool   `json:"locked"`   // approved: moving it sends it back for approval
	URL          string `json:"url"`
}

const calColors = 12

// Message IDs built at run time (each one exists in both languages).
// States use the studio's words (stateKey), the same on every page.
func calWeekdayKey(d time.Weekday) string { return "calendar.weekday." + strconv.Itoa(int(d)) }
func calMonthKey(m time.Month) string     { return "calendar.month." + strconv.Itoa(int(m)) }

// calEvents turns entries into events; labels are translated once per
// request, not once per entry (a month may hold thousands).
func calEvents(pg *page, es []campaign.Entry, loc *time.Location) []calEvent {
	states := map[campaign.State]string{}
	for _, st := range campaign.States {
		states[st] = pg.L.T(stateKey(st))
	}
	base := pg.OrgURL("campaigns/")
	out := make([]calEvent, len(es))
	for i, e := range es {
		out[i] = calEvent{
			Entry:        e,
			Start:        e.ScheduledAt.In(loc).Format("2006-01-02T15:04:05"),
			Color:        int(e.CampaignID % calColors),
			NetworkLabel: limits.Label(e.Network),
			StateLabel:   states[e.State],
			Editable:     authz.Can(pg.P, e.OrgID, authz.EditCampaigns),
			Locked:       e.State.Locked(),
			URL:          base + strconv.FormatInt(e.CampaignID, 10),
		}
	}
	return out
}

// calRow is one line of the list, flat and preformatted: html/template
// finds fields by reflection, which is slow through embedded structs.
type calRow struct {
	Time, ISO, Network, NetworkLabel, Account, Language string
	CampaignTitle, URL, OrgName, State, StateLabel      string
	Excerpt                                             string
	Color                                               int
	Foreign                                             bool // contributed by another organisation
}

type calDay struct {
	Date    string
	Weekday string
	Rows    []calRow
}

type calOption struct {
	ID   int64
	Name string
}

type netOption struct {
	Network limits.Network
	Label   string
}

type calendarData struct {
	calQuery
	From, To   time.Time // the list's span
	RangeLabel string
	TimeZone   string
	Days       []calDay
	Count      int
	Campaigns  []calOption
	Orgs       []calOption
	Networks   []netOption
	States     []campaign.State
	ViewURL    map[string]string
	PrevURL    string
	NextURL    string
	TodayURL   string
	ClearURL   string
	EventsURL  string
}

func (wb *Web) calendarPage(w http.ResponseWriter, r *http.Request, o org.Org) {
	loc := orgLocation(o)
	base := "/o/" + o.Slug + "/calendar"
	if r.URL.RawQuery == "" {
		if ck, err := r.Cookie(calCookie); err == nil {
			if saved, err := url.ParseQuery(ck.Value); err == nil && !parseCalQuery(saved, loc).Invalid {
				redirect(w, r, base+"?"+saved.Encode())
				return
			}
		}
	}
	q := parseCalQuery(r.URL.Query(), loc)
	if !q.Invalid && r.URL.RawQuery != "" {
		saved := url.Values{}
		for _, k := range calFilterKeys {
			if v := r.URL.Query().Get(k); v != "" {
				saved.Set(k, v)
			}
		}
		http.SetCookie(w, &http.Cookie{Name: calCookie, Value: saved.Encode(), Path: base, MaxAge: int((180 * 24 * time.Hour).Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: wb.Config.SecureCookies()})
	}
	pg := wb.orgPage(r, o, "calendar", "")
	pg.Title = pg.L.T("nav.calendar")
	d := calendarData{calQuery: q, TimeZone: loc.String(), States: campaign.States, ViewURL: map[string]string{}}
	for _, n := range limits.Networks {
		d.Networks = append(d.Networks, netOption{n, limits.Label(n)})
	}
	d.From, d.To = calRange(q.View, q.Date)
	link := func(view string, date time.Time) string { return base + "?" + q.values(view, date).Encode() }
	for _, v := range []string{"month", "week", "list"} {
		d.ViewURL[v] = link(v, q.Date)
	}
	step := func(n int) time.Time {
		if q.View == "week" {
			return q.Date.AddDate(0, 0, 7*n)
		}
		return time.Date(q.Date.Year(), q.Date.Month()+time.Month(n), 1, 0, 0, 0, 0, loc)
	}
	d.PrevURL, d.NextURL, d.TodayURL = link(q.View, step(-1)), link(q.View, step(1)), link(q.View, time.Time{})
	d.ClearURL = base + "?view=" + q.View
	ev := q.values(q.View, time.Time{})
	ev.Del("view")
	d.EventsURL = base + "/events?" + ev.Encode()
	last := d.To.AddDate(0, 0, -1)
	d.RangeLabel = pg.L.T(calMonthKey(d.From.Month())) + " " + strconv.Itoa(d.From.Year())
	if q.View == "week" {
		d.RangeLabel = d.From.Format("2006-01-02") + " – " + last.Format("2006-01-02")
	} else if q.View == "list" {
		d.RangeLabel += " – " + pg.L.T(calMonthKey(last.Month())) + " " + strconv.Itoa(last.Year())
	}
	if err := wb.calendarOptions(r, o, &d); err != nil {
		wb.fail(w, r, err)
		return
	}
	if q.View == "list" {
		es, err := wb.Campaigns.Calendar(r.Context(), o, d.From, d.To, q.Filter)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.Count = len(es)
		for _, e := range calEvents(pg, es, loc) {
			day := e.Start[:10]
			if n := len(d.Days); n == 0 || d.Days[n-1].Date != day {
				t, _ := time.Parse("2006-01-02", day)
				d.Days = append(d.Days, calDay{Date: day, Weekday: pg.L.T(calWeekdayKey(t.Weekday()))})
			}
			d.Days[len(d.Days)-1].Rows = append(d.Days[len(d.Days)-1].Rows, calRow{
				Time: e.Start[11:16], ISO: e.ScheduledAt.Format(time.RFC3339), Network: string(e.Network), NetworkLabel: e.NetworkLabel,
				Account: e.AccountName, Language: e.Language, CampaignTitle: e.CampaignTitle, URL: e.URL, OrgName: e.OrgName,
				State: string(e.State), StateLabel: e.StateLabel, Excerpt: e.Excerpt, Color: e.Color, Foreign: e.OrgID != o.ID,
			})
		}
	}
	status := http.StatusOK
	if q.Invalid {
		status = http.StatusBadRequest
		pg.Errors["_"] = pg.L.T("calendar.error.query")
	}
	pg.Data = d
	wb.render(w, r, status, "calendar", pg)
}

// calendarOptions fills the filters' choices: the organisation's campaigns
// and the organisations taking part in them.
func (wb *Web) calendarOptions(r *http.Request, o org.Org, d *calendarData) error {
	cs, err := wb.Campaigns.List(r.Context(), o, campaign.Filter{})
	if err != nil {
		return err
	}
	orgIDs := []int64{o.ID}
	for _, c := range cs {
		d.Campaigns = append(d.Campaigns, calOption{c.ID, c.Title})
		for _, id := range append([]int64{c.OrgID}, c.Partners...) {
			if !slices.Contains(orgIDs, id) {
				orgIDs = append(orgIDs, id)
			}
		}
	}
	for _, id := range orgIDs {
		oo, err := org.GetOrg(r.Context(), wb.DB.R(), id)
		if err != nil {
			return err
		}
		d.Orgs = append(d.Orgs, calOption{oo.ID, oo.Name})
	}
	return nil
}

// parseWallClock reads a time in loc given as "2006-01-02T15:04:05",
// "2006-01-02T15:04" or "2006-01-02".
func parseWallClock(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// calendarEvents answers FullCalendar: the entries in [start, end), both
// wall-clock times in the organisation's zone, with the page's filters.
func (wb *Web) calendarEvents(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "calendar", "")
	loc := orgLocation(o)
	qs := r.URL.Query()
	from, err1 := parseWallClock(qs.Get("start"), loc)
	to, err2 := parseWallClock(qs.Get("end"), loc)
	q := parseCalQuery(qs, loc)
	if err1 != nil || err2 != nil || q.Invalid {
		calJSON(w, http.StatusBadRequest, map[string]string{"error": pg.L.T("calendar.error.query")})
		return
	}
	es, err := wb.Campaigns.Calendar(r.Context(), o, from, to, q.Filter)
	var fe *campaign.FieldError
	if errors.As(err, &fe) {
		calJSON(w, http.StatusBadRequest, map[string]string{"error": pg.L.T("calendar.error.span")})
		return
	}
	if err != nil {
		wb.Log.Error("calendar events", "err", err)
		calJSON(w, http.StatusInternalServerError, map[string]string{"error": pg.L.T("error.internal.title")})
		return
	}
	out := calEvents(pg, es, loc)
	calJSON(w, http.StatusOK, struct {
		From     time.Time  `json:"from"`
		To       time.Time  `json:"to"`
		TimeZone string     `json:"time_zone"`
		Entries  []calEvent `json:"entries"`
	}{from.UTC(), to.UTC(), loc.String(), out})
}

func calJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// calendarMove reschedules a variant dragged on the grid: start is the new
// wall-clock time in the organisation's zone; reopen=1 confirms moving an
// approved variant, which sends it back for approval.
func (wb *Web) calendarMove(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "calendar", "")
	fail := func(status int, key string) { calJSON(w, status, map[string]string{"error": pg.L.T(key)}) }
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "calendar.error.time")
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		fail(http.StatusNotFound, "calendar.error.notfound")
		return
	}
	loc := orgLocation(o)
	at, err := parseWallClock(r.PostForm.Get("start"), loc)
	if err != nil || at.Year() < 2000 || at.Year() > 2200 {
		fail(http.StatusBadRequest, "calendar.error.time")
		return
	}
	v, err := wb.Campaigns.Reschedule(r.Context(), pg.P, id, at, r.PostForm.Get("reopen") == "1")
	var fe *campaign.FieldError
	var le *campaign.LengthError
	switch {
	case err == nil:
	case errors.Is(err, authz.ErrNotMember), errors.Is(err, db.ErrNotFound):
		fail(http.StatusNotFound, "calendar.error.notfound")
		return
	case errors.Is(err, authz.ErrForbidden):
		fail(http.StatusForbidden, "calendar.error.forbidden")
		return
	case errors.Is(err, campaign.ErrPublished):
		fail(http.StatusConflict, "calendar.error.published")
		return
	case errors.Is(err, campaign.ErrLocked):
		fail(http.StatusConflict, "calendar.error.locked")
		return
	case errors.As(err, &fe) && fe.Field == "scheduled_at":
		fail(http.StatusUnprocessableEntity, "calendar.error.past")
		return
	case errors.As(err, &fe), errors.As(err, &le):
		// The variant itself no longer passes (an archived account, a
		// network rule): it must be fixed in the composer.
		calJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": pg.L.T("calendar.error.invalid", "Reason", err.Error())})
		return
	default:
		wb.Log.Error("calendar move", "variant", id, "err", err)
		fail(http.StatusInternalServerError, "error.internal.title")
		return
	}
	calJSON(w, http.StatusOK, map[string]any{"id": v.ID, "state": v.State, "state_label": pg.L.T(stateKey(v.State)),
		"scheduled_at": v.ScheduledAt, "start": v.ScheduledAt.In(loc).Format("2006-01-02T15:04:05"), "locked": v.State.Locked()})
}

// The ICS feed.

type feedData struct {
	Feed   *campaign.Feed
	URL    string // shown once, after it is made
	Asking bool   // confirm replacing the current address
}

func (wb *Web) feedPage(w http.ResponseWriter, r *http.Request, status int, pg *page, d feedData) {
	f, err := campaign.GetFeed(r.Context(), wb.DB.R(), pg.User.ID)
	if err == nil {
		d.Feed = &f
	} else if !errors.Is(err, db.ErrNotFound) {
		wb.fail(w, r, err)
		return
	}
	pg.Data = d
	wb.render(w, r, status, "calendar_feed", pg)
}

func (wb *Web) calendarFeedPage(w http.ResponseWriter, r *http.Request) {
	wb.feedPage(w, r, http.StatusOK, wb.accountPage(r, "calendar.feed.title"), feedData{})
}

// calendarFeedRegenerate makes the feed address; replacing an existing one
// (which stops it working in every calendar subscribed to it) asks first.
func (wb *Web) calendarFeedRegenerate(w http.ResponseWriter, r *http.Request) {
	if !wb.parseForm(w, r) {
		return
	}
	pg := wb.accountPage(r, "calendar.feed.title")
	if _, err := campaign.GetFeed(r.Context(), wb.DB.R(), pg.User.ID); err == nil && r.PostForm.Get("confirm") != "yes" {
		wb.feedPage(w, r, http.StatusOK, pg, feedData{Asking: true})
		return
	}
	secret, err := wb.Campaigns.RegenerateFeed(r.Context(), httpx.ActorFrom(r), pg.User.ID)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	pg.Notice = pg.L.T("calendar.feed.notice")
	wb.feedPage(w, r, http.StatusCreated, pg, feedData{URL: strings.TrimSuffix(wb.Config.BaseURL, "/") + "/calendar/" + secret + ".ics"})
}

// calendarFeed serves a user's feed: the variants scheduled from 30 days
// ago to 180 days ahead in every organisation where they use campaigns.
func (wb *Web) calendarFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	notFound := func() { http.Error(w, "no such calendar", http.StatusNotFound) }
	if !ok {
		notFound()
		return
	}
	userID, err := wb.Campaigns.FeedOwner(ctx, secret)
	if errors.Is(err, db.ErrNotFound) {
		notFound()
		return
	}
	var u auth.User
	if err == nil {
		u, err = auth.GetUser(ctx, wb.DB.R(), userID)
	}
	var ms []org.Membership
	if err == nil {
		ms, err = org.ListMemberships(ctx, wb.DB.R(), userID)
	}
	if err != nil || u.Disabled {
		if err != nil {
			wb.Log.Error("calendar feed", "err", err)
		}
		notFound()
		return
	}
	var orgs []org.Org
	for _, m := range ms {
		// An organisation that requires 2FA shares nothing with an account
		// that has not set it up, as at sign-in.
		if authz.Allowed(m.Role, authz.UseCampaigns) && (!m.Org.Require2FA || u.TOTPEnabled) {
			orgs = append(orgs, m.Org)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	es, err := wb.Campaigns.FeedEntries(ctx, orgs, now.Add(-campaign.FeedPast), now.Add(campaign.FeedFuture))
	if err != nil {
		wb.Log.Error("calendar feed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	events := make([]campaign.ICSEvent, len(es))
	for i, e := range es {
		events[i] = campaign.EntryEvent(e, wb.Config.BaseURL)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-cache")
	_ = campaign.WriteICS(w, "Attaché — "+u.Name, now, events)
}
