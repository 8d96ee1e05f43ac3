package web

import (
	"context"
	"net/http"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// home sends the user to their first organisation.
func (wb *Web) home(w http.ResponseWriter, r *http.Request) {
	ms, err := wb.Orgs.ListFor(r.Context(), httpx.PrincipalFrom(r.Context()))
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	if len(ms) > 0 {
		redirect(w, r, "/o/"+ms[0].Org.Slug+"/")
		return
	}
	pg := wb.page(r, "")
	pg.Title = pg.L.T("noorg.title")
	wb.render(w, r, http.StatusOK, "noorg", pg)
}

// switchOrg is the organisation switcher (a GET form, so it works without
// JavaScript).
func (wb *Web) switchOrg(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("org")
	if ref == "" || len(ref) > 100 {
		wb.errorPage(w, r, http.StatusNotFound)
		return
	}
	o, err := wb.Orgs.Resolve(r.Context(), httpx.PrincipalFrom(r.Context()), ref, authz.ViewOrg)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	redirect(w, r, "/o/"+o.Slug+"/")
}

type dashData struct {
	Parent        *org.Org
	Admin         bool
	Members       int
	MembersNo2FA  int
	Pending       int
	Recent        []audit.Entry
	RecoveryLeft  int
	ShowRecovery  bool
	LocalTime     string
	CanCreateOrgs bool
	Work          *dashWork // the campaign panels; nil for roles without campaigns
}

// dashWork is what waits for the user in the campaign studio.
type dashWork struct {
	Editor   bool // may edit campaigns: waiting for me, today and tomorrow
	Waiting  []dashVariant
	Soon     []dashEntry
	SoonMore int  // entries beyond those shown
	Approver bool // approves under the organisation's policy
	Queue    []dashVariant
	QueueN   int
	Mission  bool
	Requests []campaign.Amplification
	Tasks    []campaign.Task
	Today    string // the dates of the two days, in the organisation's zone
	Tomorrow string
}

type dashVariant struct {
	campaign.QueueEntry
	Local string // the scheduled time in the organisation's zone
}

type dashEntry struct {
	campaign.Entry
	Local    string
	Tomorrow bool
}

// StateKey names a variant state for people (the studio's words).
func (dashWork) StateKey(s campaign.State) string { return stateKey(s) }

// dashShown bounds each list on the home page; the full list is a click away.
const dashShown = 5

// work gathers the campaign panels of the home page for the member's role.
func (wb *Web) work(ctx context.Context, pg *page, o org.Org) (*dashWork, error) {
	if !pg.Can(authz.UseCampaigns) {
		return nil, nil
	}
	svc, p, loc := wb.campaigns(), pg.P, location(o)
	d := &dashWork{Editor: pg.Can(authz.EditCampaigns), Mission: o.Kind == org.Mission}
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return localWhen(pg, t.In(loc))
	}
	if d.Editor {
		ws, err := svc.Waiting(ctx, p, o)
		if err != nil {
			return nil, err
		}
		for _, e := range ws[:min(len(ws), dashShown)] {
			d.Waiting = append(d.Waiting, dashVariant{QueueEntry: e, Local: when(e.ScheduledAt)})
		}
		now := time.Now().In(loc)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		tomorrow, after := today.AddDate(0, 0, 1), today.AddDate(0, 0, 2)
		d.Today, d.Tomorrow = today.Format("2006-01-02"), tomorrow.Format("2006-01-02")
		es, err := svc.Calendar(ctx, o, today, after, campaign.CalendarFilter{})
		if err != nil {
			return nil, err
		}
		const soonShown = 8
		for _, e := range es[:min(len(es), soonShown)] {
			at := e.ScheduledAt.In(loc)
			d.Soon = append(d.Soon, dashEntry{Entry: e, Local: at.Format("15:04"), Tomorrow: !at.Before(tomorrow)})
		}
		d.SoonMore = len(es) - len(d.Soon)
	}
	pol, err := svc.Policy(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if pol.Allows(pg.Role) {
		d.Approver = true
		qs, err := svc.ReviewQueue(ctx, o)
		if err != nil {
			return nil, err
		}
		d.QueueN = len(qs)
		for _, e := range qs[:min(len(qs), dashShown)] {
			d.Queue = append(d.Queue, dashVariant{QueueEntry: e, Local: when(e.ScheduledAt)})
		}
	}
	if d.Mission {
		rs, err := svc.AmplificationInbox(ctx, o, campaign.AmpPending)
		if err != nil {
			return nil, err
		}
		d.Requests = rs[:min(len(rs), dashShown)]
	}
	ts, err := svc.MyTasks(ctx, p, []int64{o.ID}, false)
	if err != nil {
		return nil, err
	}
	d.Tasks = ts[:min(len(ts), dashShown)]
	return d, nil
}

func (wb *Web) dashboard(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := wb.orgPage(r, o, "home", o.Name)
	ctx := r.Context()
	d := dashData{}
	if o.ParentID != 0 {
		for _, m := range pg.Orgs {
			if m.Org.ID == o.ParentID {
				p := m.Org
				d.Parent = &p
			}
		}
		if d.Parent == nil {
			// Not a member of the parent: its name is still public to the
			// mission's members, the way the mission itself names it.
			if p, err := org.GetOrg(ctx, wb.DB.R(), o.ParentID); err == nil {
				d.Parent = &p
			}
		}
	}
	if loc, err := time.LoadLocation(o.TimeZone); err == nil {
		d.LocalTime = time.Now().In(loc).Format("15:04")
	}
	if pg.Can(authz.ManageMembers) {
		d.Admin = true
		ms, err := org.ListMembers(ctx, wb.DB.R(), o.ID)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.Members = len(ms)
		for _, m := range ms {
			if !m.TOTPEnabled {
				d.MembersNo2FA++
			}
		}
		invs, err := auth.ListInvitations(ctx, wb.DB.R(), o.ID)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		now := time.Now()
		for _, i := range invs {
			if i.State(now) == "pending" {
				d.Pending++
			}
		}
	}
	if pg.Can(authz.ViewAudit) {
		es, err := audit.List(ctx, wb.DB.R(), o.ID, 0, 6)
		if err != nil {
			wb.fail(w, r, err)
			return
		}
		d.Recent = es
	}
	d.CanCreateOrgs = o.Kind == org.Programme && pg.Can(authz.CreateSubOrg)
	work, err := wb.work(ctx, pg, o)
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	d.Work = work
	if pg.User.TOTPEnabled {
		if n, err := wb.Auth.RecoveryCodesLeft(ctx, pg.User.ID); err == nil {
			d.RecoveryLeft, d.ShowRecovery = n, true
		}
	}
	pg.Data = d
	wb.render(w, r, http.StatusOK, "dashboard", pg)
}
