package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/testutil"
)

// calWorld is a fixture with content on the calendar of a month four
// months ahead (so that rescheduling into it is never in the past):
//   - A's own campaign with a Telegram (uk) and an X (en) variant;
//   - B's private campaign with one variant (A must never see it);
//   - a joint campaign owned by B with A as partner, with a variant by
//     each (A sees both).
type calWorld struct {
	*Fixture
	Month                             time.Time // first of the month, UTC
	CampA, CampB, Joint               campaign.Campaign
	VarUK, VarX, VarB, JointB, JointA int64
}

func (f *Fixture) principal(t testing.TB, u *TestUser) *authz.Principal {
	t.Helper()
	p, err := f.Auth.Principal(context.Background(), u.User)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func actorOf(u *TestUser) audit.Actor { return audit.Actor{UserID: u.ID, Name: u.Email} }

func newCalWorld(t testing.TB, f *Fixture) *calWorld {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	w := &calWorld{Fixture: f, Month: time.Date(now.Year(), now.Month()+4, 1, 0, 0, 0, 0, time.UTC)}
	editor, out := f.Members[authz.Editor], f.Outsider
	pe, po := f.principal(t, editor), f.principal(t, out)
	account := func(orgID int64, n, name, lang string) int64 {
		a := channel.Account{OrgID: orgID, Network: limits.Network(n), Name: name, Handle: fmt.Sprintf("h%d", f.Seq()), Language: lang}
		if err := channel.Insert(ctx, f.DB.W(), &a); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	tgA, xA, tgB := account(f.A.ID, "telegram", "Alpha Telegram", "uk"), account(f.A.ID, "x", "Alpha on X", "en"), account(f.B.ID, "telegram", "Beta Telegram", "en")
	period := campaign.Period{Start: w.Month.Format("2006-01-02"), End: w.Month.AddDate(0, 1, -1).Format("2006-01-02")}
	w.CampA = campaign.Campaign{Title: "Alpha grain corridor", Period: period}
	w.CampB = campaign.Campaign{Title: "Beta private plans", Period: period}
	w.Joint = campaign.Campaign{Title: "Joint Balkans", Period: period}
	if err := f.Campaigns.Create(ctx, pe, actorOf(editor), f.A, &w.CampA, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*campaign.Campaign{&w.CampB, &w.Joint} {
		if err := f.Campaigns.Create(ctx, po, actorOf(out), f.B, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Campaigns.AddPartner(ctx, po, actorOf(out), w.Joint.ID, f.A.ID); err != nil {
		t.Fatal(err)
	}
	at := func(day, hour int) *time.Time {
		t := w.Month.AddDate(0, 0, day-1).Add(time.Duration(hour) * time.Hour)
		return &t
	}
	item := func(p *authz.Principal, campaignID int64, title string, vs ...campaign.VariantInput) []int64 {
		it := campaign.Item{Title: title, Text: title}
		if err := f.Campaigns.CreateItem(ctx, p, campaignID, 0, &it, vs); err != nil {
			t.Fatalf("create item %s: %v", title, err)
		}
		ids := []int64{}
		for _, v := range it.Variants {
			ids = append(ids, v.ID)
		}
		return ids
	}
	ids := item(pe, w.CampA.ID, "Alpha item",
		campaign.VariantInput{ChannelAccountID: tgA, Text: "Зерно з України годує світ", ScheduledAt: at(10, 10)},
		campaign.VariantInput{ChannelAccountID: xA, Text: "Grain from Alpha feeds the world", ScheduledAt: at(11, 9)})
	w.VarUK, w.VarX = ids[0], ids[1]
	w.VarB = item(po, w.CampB.ID, "Beta item", campaign.VariantInput{ChannelAccountID: tgB, Text: "Beta secret announcement", ScheduledAt: at(10, 12)})[0]
	w.JointB = item(po, w.Joint.ID, "Joint item", campaign.VariantInput{ChannelAccountID: tgB, Text: "Joint post by Beta", ScheduledAt: at(12, 8)})[0]
	w.JointA = item(pe, w.Joint.ID, "Joint item A", campaign.VariantInput{ChannelAccountID: tgA, Text: "Joint post by Alpha", ScheduledAt: at(12, 9)})[0]
	return w
}

func (w *calWorld) listURL(org, extra string) string {
	return "/o/" + org + "/calendar?view=list&date=" + w.Month.Format("2006-01-02") + extra
}

func TestWebCalendarList(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		w := newCalWorld(t, f)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Reviewer])

		resp := b.get(w.listURL(f.A.Slug, ""))
		wantStatus(t, "list", resp, http.StatusOK)
		wantBody(t, "list", resp, "Зерно з України годує світ", "Grain from Alpha feeds the world", "Joint post by Beta", "Joint post by Alpha",
			"Alpha grain corridor", "Joint Balkans", "Ministry Beta of Foreign Affairs", "Telegram", "Draft")
		if strings.Contains(resp.Body, "Beta secret") || strings.Contains(resp.Body, "Beta private plans") {
			t.Errorf("A's calendar shows B's private campaign: %.800s", resp.Body)
		}
		// 10:00 UTC is 11:00 or 12:00 in Tirane (CET, or CEST from late March).
		local := w.Month.AddDate(0, 0, 9).Add(10 * time.Hour).In(mustZone(t, "Europe/Tirane")).Format("15:04")
		wantBody(t, "list time in the org's zone", resp, ">"+local+"</time>")

		for _, c := range []struct {
			name, query string
			want, not   []string
		}{
			{"network", "&network=x", []string{"Grain from Alpha"}, []string{"Зерно", "Joint post"}},
			{"campaign", "&campaign=" + itoa(w.CampA.ID), []string{"Зерно", "Grain from Alpha"}, []string{"Joint post"}},
			{"contributing org", "&org=" + itoa(f.B.ID), []string{"Joint post by Beta"}, []string{"Joint post by Alpha", "Зерно"}},
			{"state", "&state=scheduled", []string{"Nothing is scheduled"}, []string{"Зерно", "Joint post"}},
		} {
			resp := b.get(w.listURL(f.A.Slug, c.query))
			wantStatus(t, c.name, resp, http.StatusOK)
			wantBody(t, c.name, resp, c.want...)
			for _, n := range c.not {
				if strings.Contains(resp.Body, n) {
					t.Errorf("filter %s: shows %q", c.name, n)
				}
			}
		}
		wantStatus(t, "bad filter", b.get(w.listURL(f.A.Slug, "&state=bogus")), http.StatusBadRequest)
		wantStatus(t, "bad date", b.get("/o/"+f.A.Slug+"/calendar?view=list&date=yesterday"), http.StatusBadRequest)

		// The filters are remembered: the bare address brings them back.
		b.get(w.listURL(f.A.Slug, "&network=x"))
		resp = b.get("/o/" + f.A.Slug + "/calendar")
		if loc := resp.Header.Get("Location"); resp.Status != http.StatusSeeOther || !strings.Contains(loc, "network=x") || !strings.Contains(loc, "view=list") {
			t.Errorf("saved filters: %d %q", resp.Status, loc)
		}

		// B's admin sees B's campaigns and the joint one, nothing of A's own.
		ob := newBrowser(t, f)
		ob.signIn(f.Outsider)
		resp = ob.get(w.listURL(f.B.Slug, ""))
		wantBody(t, "B's list", resp, "Beta secret announcement", "Joint post by Beta", "Joint post by Alpha")
		if strings.Contains(resp.Body, "Зерно") || strings.Contains(resp.Body, "Alpha grain corridor") {
			t.Errorf("B's calendar shows A's own campaign")
		}
		// The month grid is a page with the script and the events address.
		resp = b.get("/o/" + f.A.Slug + "/calendar?view=month")
		wantStatus(t, "month", resp, http.StatusOK)
		wantBody(t, "month", resp, `id="calendar"`, "/static/fullcalendar.", "/static/calendar.", `data-events="/o/`+f.A.Slug+`/calendar/events?`)
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

type calEventsBody struct {
	TimeZone string `json:"time_zone"`
	Entries  []struct {
		VariantID   int64     `json:"variant_id"`
		OrgID       int64     `json:"org_id"`
		Start       string    `json:"start"`
		ScheduledAt time.Time `json:"scheduled_at"`
		Editable    bool      `json:"editable"`
		State       string    `json:"state"`
		Excerpt     string    `json:"excerpt"`
		Network     string    `json:"network"`
	} `json:"entries"`
}

func (w *calWorld) events(t *testing.T, b *browser, org, extra string) (Response, calEventsBody) {
	t.Helper()
	start, end := w.Month.Format("2006-01-02T15:04:05"), w.Month.AddDate(0, 1, 0).Format("2006-01-02T15:04:05")
	resp := b.get("/o/" + org + "/calendar/events?start=" + start + "&end=" + end + extra)
	var body calEventsBody
	if resp.Status == http.StatusOK {
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatalf("events JSON: %v: %.300s", err, resp.Body)
		}
	}
	return resp, body
}

func TestWebCalendarEvents(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		w := newCalWorld(t, f)
		tirane := mustZone(t, "Europe/Tirane")
		for _, c := range []struct {
			role     authz.Role
			editable bool
		}{{authz.Editor, true}, {authz.Reviewer, false}} {
			b := newBrowser(t, f)
			b.signIn(f.Members[c.role])
			resp, body := w.events(t, b, f.A.Slug, "")
			wantStatus(t, "events", resp, http.StatusOK)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("events Content-Type %q", ct)
			}
			if body.TimeZone != "Europe/Tirane" || len(body.Entries) != 4 {
				t.Fatalf("%s: zone %q, %d entries, want 4: %.600s", c.role, body.TimeZone, len(body.Entries), resp.Body)
			}
			for _, en := range body.Entries {
				if en.VariantID == w.VarB {
					t.Errorf("B's private variant on A's calendar")
				}
				if want := en.ScheduledAt.In(tirane).Format("2006-01-02T15:04:05"); en.Start != want {
					t.Errorf("start %q, want the wall-clock time in Tirane %q", en.Start, want)
				}
				// Only variants of A are A's editor's to move; the joint
				// variant written by B is not.
				if want := c.editable && en.OrgID == f.A.ID; en.Editable != want {
					t.Errorf("%s: variant %d of org %d editable=%v, want %v", c.role, en.VariantID, en.OrgID, en.Editable, want)
				}
			}
		}
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Editor])
		_, body := w.events(t, b, f.A.Slug, "&network=x")
		if len(body.Entries) != 1 || body.Entries[0].VariantID != w.VarX {
			t.Errorf("network filter: %+v", body.Entries)
		}
		wantStatus(t, "no range", b.get("/o/"+f.A.Slug+"/calendar/events"), http.StatusBadRequest)
		wantStatus(t, "too long", b.get("/o/"+f.A.Slug+"/calendar/events?start=2026-01-01&end=2028-01-01"), http.StatusBadRequest)
		wantStatus(t, "bad filter", b.get("/o/"+f.A.Slug+"/calendar/events?start=2026-01-01&end=2026-02-01&campaign=x"), http.StatusBadRequest)
		wantStatus(t, "other org", b.get("/o/"+f.B.Slug+"/calendar/events?start=2026-01-01&end=2026-02-01"), http.StatusNotFound)
	})
}

func TestWebCalendarMove(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		w := newCalWorld(t, f)
		ctx := context.Background()
		tirane := mustZone(t, "Europe/Tirane")
		move := func(b *browser, org string, id int64, start string, reopen bool) Response {
			form := url.Values{"start": {start}}
			if reopen {
				form.Set("reopen", "1")
			}
			return b.post("/o/"+org+"/calendar/variants/"+itoa(id)+"/move", form)
		}
		newDay := w.Month.AddDate(0, 0, 19).Format("2006-01-02") + "T14:30:00"
		wantAt := time.Date(w.Month.Year(), w.Month.Month(), 20, 14, 30, 0, 0, tirane).UTC()

		ed := newBrowser(t, f)
		ed.signIn(f.Members[authz.Editor])
		resp := move(ed, f.A.Slug, w.VarUK, newDay, false)
		wantStatus(t, "editor moves A's draft", resp, http.StatusOK)
		v, vers, _, err := f.Campaigns.GetVariant(ctx, f.principal(t, f.Members[authz.Editor]), w.VarUK)
		if err != nil {
			t.Fatal(err)
		}
		if v.ScheduledAt == nil || !v.ScheduledAt.Equal(wantAt) {
			t.Errorf("moved to %v, want %v (14:30 in Tirane)", v.ScheduledAt, wantAt)
		}
		if len(vers) != 2 {
			t.Errorf("a move is a new version: %d versions", len(vers))
		}

		// Refused: a reviewer (no right to edit), A's editor on B's joint
		// variant (another organisation's content), on B's private variant
		// (not shared: not found), and B's admin on A's variant.
		rv := newBrowser(t, f)
		rv.signIn(f.Members[authz.Reviewer])
		wantStatus(t, "reviewer", move(rv, f.A.Slug, w.VarX, newDay, false), http.StatusForbidden)
		resp = move(ed, f.A.Slug, w.JointB, newDay, false)
		wantStatus(t, "A's editor on B's joint variant", resp, http.StatusForbidden)
		wantBody(t, "refusal message", resp, `"error":"You may not move this post`)
		wantStatus(t, "A's editor on B's private variant", move(ed, f.A.Slug, w.VarB, newDay, false), http.StatusNotFound)
		ob := newBrowser(t, f)
		ob.signIn(f.Outsider)
		wantStatus(t, "B's admin on A's variant", move(ob, f.B.Slug, w.VarX, newDay, false), http.StatusNotFound)
		wantStatus(t, "B's admin through A", move(ob, f.A.Slug, w.VarX, newDay, false), http.StatusNotFound)
		if v, _, _, _ := f.Campaigns.GetVariant(ctx, f.principal(t, f.Members[authz.Editor]), w.VarX); !v.ScheduledAt.Equal(w.Month.AddDate(0, 0, 10).Add(9 * time.Hour)) {
			t.Errorf("a refused move changed the variant: %v", v.ScheduledAt)
		}

		// Bad input: a clear 4xx.
		wantStatus(t, "bad time", move(ed, f.A.Slug, w.VarX, "tomorrow", false), http.StatusBadRequest)
		wantStatus(t, "past", move(ed, f.A.Slug, w.VarX, "2020-01-01T10:00:00", false), http.StatusUnprocessableEntity)
		wantStatus(t, "no such variant", move(ed, f.A.Slug, 987654321, newDay, false), http.StatusNotFound)

		// An approved variant moves only when confirmed, and goes back to
		// draft for approval.
		pe := f.principal(t, f.Members[authz.Editor])
		if _, err := f.Campaigns.Submit(ctx, pe, w.VarX); err != nil {
			t.Fatal(err)
		}
		v, err = f.Campaigns.Approve(ctx, f.principal(t, f.Members[authz.Reviewer]), actorOf(f.Members[authz.Reviewer]), w.VarX, "")
		if err != nil || v.State != campaign.StateScheduled {
			t.Fatalf("approve: %v %s", err, v.State)
		}
		wantStatus(t, "approved without reopen", move(ed, f.A.Slug, w.VarX, newDay, false), http.StatusConflict)
		resp = move(ed, f.A.Slug, w.VarX, newDay, true)
		wantStatus(t, "approved with reopen", resp, http.StatusOK)
		wantBody(t, "reopened", resp, `"state":"draft"`)
	})
}

var feedURLRE = regexp.MustCompile(`/calendar/cal_[a-z2-7]{40}\.ics`)

func TestWebCalendarFeed(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		w := newCalWorld(t, f)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Editor])
		wantBody(t, "no feed yet", b.get("/account/calendar"), "You have no feed address yet.")
		resp := b.post("/account/calendar", nil)
		wantStatus(t, "create feed", resp, http.StatusCreated)
		first := feedURLRE.FindString(resp.Body)
		if first == "" {
			t.Fatalf("no feed address shown: %.600s", resp.Body)
		}
		if strings.Contains(b.get("/account/calendar").Body, first) {
			t.Errorf("the feed address is shown again after it was made")
		}

		feed := f.Serve(newRequest("GET", first))
		wantStatus(t, "feed", feed, http.StatusOK)
		if ct := feed.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("feed Content-Type %q", ct)
		}
		body := feed.Body
		if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
			t.Errorf("not CRLF-delimited iCalendar: %.300q", body)
		}
		unfolded := strings.ReplaceAll(body, "\r\n ", "")
		for _, id := range []int64{w.VarUK, w.VarX, w.JointA, w.JointB} {
			if !strings.Contains(unfolded, "UID:variant-"+itoa(id)+"@") {
				t.Errorf("feed lacks variant %d", id)
			}
		}
		if strings.Contains(unfolded, "UID:variant-"+itoa(w.VarB)+"@") || strings.Contains(unfolded, "Beta secret") || strings.Contains(unfolded, "Beta private") {
			t.Errorf("the feed of A's editor holds B's private variant")
		}
		start := w.Month.AddDate(0, 0, 9).Add(10 * time.Hour).Format("20060102T150405Z")
		for _, want := range []string{"DTSTART:" + start, "SUMMARY:[Telegram] Alpha grain corridor — Зерно з України годує світ", "/o/" + f.A.Slug + "/campaigns/" + itoa(w.CampA.ID)} {
			if !strings.Contains(unfolded, want) {
				t.Errorf("feed lacks %q: %.1200s", want, unfolded)
			}
		}
		for _, l := range strings.Split(body, "\r\n") {
			if len(l) > 75 {
				t.Errorf("line longer than 75 octets: %q", l)
			}
		}

		// B's admin: B's campaigns and the joint one, nothing of A's own.
		ob := newBrowser(t, f)
		ob.signIn(f.Outsider)
		other := feedURLRE.FindString(ob.post("/account/calendar", nil).Body)
		unfolded = strings.ReplaceAll(f.Serve(newRequest("GET", other)).Body, "\r\n ", "")
		if !strings.Contains(unfolded, "UID:variant-"+itoa(w.VarB)+"@") || strings.Contains(unfolded, "UID:variant-"+itoa(w.VarUK)+"@") || strings.Contains(unfolded, "Зерно") {
			t.Errorf("B's feed: %.800s", unfolded)
		}

		// Regenerating asks first, then revokes the old address.
		resp = b.post("/account/calendar", nil)
		wantStatus(t, "regenerate unconfirmed", resp, http.StatusOK)
		wantBody(t, "confirmation", resp, "Make a new feed address?")
		if feedURLRE.MatchString(resp.Body) {
			t.Errorf("an unconfirmed regeneration made an address")
		}
		resp = b.post("/account/calendar", url.Values{"confirm": {"yes"}})
		wantStatus(t, "regenerate", resp, http.StatusCreated)
		second := feedURLRE.FindString(resp.Body)
		if second == "" || second == first {
			t.Fatalf("regenerated address %q (first %q)", second, first)
		}
		wantStatus(t, "old address", f.Serve(newRequest("GET", first)), http.StatusNotFound)
		wantStatus(t, "new address", f.Serve(newRequest("GET", second)), http.StatusOK)
		for _, p := range []string{"/calendar/cal_" + strings.Repeat("a", 40) + ".ics", "/calendar/nothing.ics", strings.TrimSuffix(second, ".ics"), "/calendar/" + strings.Repeat("x", 300) + ".ics"} {
			wantStatus(t, "unknown "+p[:min(len(p), 40)], f.Serve(newRequest("GET", p)), http.StatusNotFound)
		}
	})
}

func newRequest(method, path string) *http.Request { return httptest.NewRequest(method, path, nil) }

// BenchmarkCalendarWeb is the calendar through the whole handler (session,
// authorisation, query, rendering) for a month with 2,000 variants of A (10
// campaigns, 6 accounts), beside /healthz as the baseline of the HTTP and
// middleware cost: the events JSON that the month grid loads, the month
// page itself, and the server-rendered list (three months, holding the
// 2,000).
func BenchmarkCalendarWeb(b *testing.B) {
	for _, e := range testutil.Engines(b) {
		f := NewFixture(b, e, WithPasswords())
		ctx := context.Background()
		ed := f.Members[authz.Editor]
		p := f.principal(b, ed)
		month := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		nets := []limits.Network{limits.Telegram, limits.X, limits.Facebook, limits.Bluesky, limits.Mastodon, limits.LinkedIn}
		accs := make([]int64, len(nets))
		for i, n := range nets {
			a := channel.Account{OrgID: f.A.ID, Network: n, Name: fmt.Sprintf("Account %d", i), Handle: fmt.Sprintf("acc%d", i), Language: "uk"}
			if err := channel.Insert(ctx, f.DB.W(), &a); err != nil {
				b.Fatal(err)
			}
			accs[i] = a.ID
		}
		text := strings.Repeat("Зерно з України годує світ. Grain from Ukraine feeds the world. ", 3)
		k := 0
		for c := range 10 {
			cp := campaign.Campaign{Title: fmt.Sprintf("Campaign %d", c), Period: campaign.Period{Start: "2027-03-01", End: "2027-03-31"}}
			if err := f.Campaigns.Create(ctx, p, actorOf(ed), f.A, &cp, nil); err != nil {
				b.Fatal(err)
			}
			for range 20 {
				vs := make([]campaign.VariantInput, 10)
				for v := range vs {
					at := month.Add(time.Duration(k%(31*24*4)) * 15 * time.Minute)
					vs[v] = campaign.VariantInput{ChannelAccountID: accs[k%len(accs)], Text: text, ScheduledAt: &at}
					k++
				}
				it := campaign.Item{Title: "Item", Text: text}
				if err := f.Campaigns.CreateItem(ctx, p, cp.ID, 0, &it, vs); err != nil {
					b.Fatal(err)
				}
			}
		}
		cookies := f.SignIn(b, ed)
		base := "/o/" + f.A.Slug + "/calendar"
		for _, c := range []struct{ name, path, want string }{
			{"healthz", "/healthz", "ok"},
			{"events-json-month", base + "/events?start=2027-03-01T00:00:00&end=2027-04-01T00:00:00", `"variant_id"`},
			{"month-page", base + "?view=month&date=2027-03-01", `id="calendar"`},
			{"list-html", base + "?view=list&date=2027-03-01", "2000 posts"},
		} {
			b.Run(e.Name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest("GET", c.path, nil)
					for _, ck := range cookies {
						req.AddCookie(ck)
					}
					rec := httptest.NewRecorder()
					f.H.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), c.want) {
						b.Fatalf("%s: %d %.300s", c.path, rec.Code, rec.Body.String())
					}
				}
			})
		}
	}
}

// TestBrowserCalendarMonth opens the month grid in Chromium under the real
// CSP: FullCalendar renders with its stylesheet (served from 'self', its
// own style injection neutralised), shows A's events with their network
// label and state chip, and nothing is blocked or thrown; axe-core finds
// no serious problem.
func TestBrowserCalendarMonth(t *testing.T) {
	f := NewFixture(t, testutil.SQLite(t), WithPasswords())
	w := newCalWorld(t, f)
	ctx := testutil.Browser(t)
	srv := httptest.NewServer(f.H)
	t.Cleanup(srv.Close)
	testutil.BrowserDo(t, ctx, "sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), f.Members[authz.Editor].Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), f.Password),
	)
	clickAndWaitForPage(t, ctx, `form[action="/login"] button[type="submit"]`, "click the sign-in button")
	testutil.BrowserDo(t, ctx, "open the month grid",
		chromedp.Navigate(srv.URL+"/o/"+f.A.Slug+"/calendar?view=month&date="+w.Month.Format("2006-01-02")),
		chromedp.WaitVisible(chromedp.CSS(`.fc-daygrid-day .cal-ev`)),
	)
	n := testutil.BrowserRun(t, ctx, "count the events", chromedp.Evaluate[int](`document.querySelectorAll(".cal-ev").length`))
	if n != 4 {
		t.Errorf("%d events on the grid, want 4 (A's two, the joint campaign's two)\n%s", n, testutil.PageReport(ctx))
	}
	styled := testutil.BrowserRun(t, ctx, "check FullCalendar's stylesheet applies",
		chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".fc-toolbar")).display + " " + getComputedStyle(document.querySelector(".cal-ev")).backgroundColor`))
	if !strings.HasPrefix(styled, "flex ") || strings.HasSuffix(styled, "rgba(0, 0, 0, 0)") {
		t.Errorf("FullCalendar is unstyled: %q", styled)
	}
	text := testutil.BrowserRun(t, ctx, "read an event", chromedp.Evaluate[string](`document.querySelector(".cal-ev").textContent`))
	if !strings.Contains(text, "Telegram") || !strings.Contains(text, "Draft") {
		t.Errorf("event shows %q, want the network and the state", text)
	}
	requireNoSeriousAxe(t, ctx, "calendar month")
	saveScreenshot(t, ctx, "calendar-month.png")
	for _, c := range testutil.BrowserConsole(ctx) {
		t.Errorf("browser console: %s", c)
	}
}
