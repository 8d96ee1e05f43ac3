package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// coordWorld is a ministry with two missions, another ministry with its
// own mission, a partner ministry, and people in each.
type coordWorld struct {
	t                                  *testing.T
	s                                  *Service
	d                                  *db.DB
	hq, mission, mission2, other, othM org.Org
	partner                            org.Org
	editor, reviewer, trainer          *authz.Principal // of hq
	missionEd, mission2Ed, otherEd     *authz.Principal
	partnerEd, outsider                *authz.Principal
	users                              map[*authz.Principal]int64
	n                                  int
}

func newCoordWorld(t *testing.T, e testutil.Engine) *coordWorld {
	w := &coordWorld{t: t, d: e.DB, s: &Service{DB: e.DB}, users: map[*authz.Principal]int64{}}
	w.hq = w.org("hq", org.Ministry, 0)
	w.mission = w.org("hq-vienna", org.Mission, w.hq.ID)
	w.mission2 = w.org("hq-warsaw", org.Mission, w.hq.ID)
	w.other = w.org("other", org.Ministry, 0)
	w.othM = w.org("other-rome", org.Mission, w.other.ID)
	w.partner = w.org("partner", org.Ministry, 0)
	w.editor = w.person("iryna.shevchenko@mfa.example", w.hq, authz.Editor)
	w.reviewer = w.person("olena@mfa.example", w.hq, authz.Reviewer)
	w.trainer = w.person("trainer@mfa.example", w.hq, authz.Trainer)
	w.missionEd = w.person("taras@vienna.example", w.mission, authz.Editor)
	w.mission2Ed = w.person("bohdan@warsaw.example", w.mission2, authz.Editor)
	w.otherEd = w.person("marco@other.example", w.other, authz.Editor)
	w.partnerEd = w.person("ana@partner.example", w.partner, authz.Editor)
	w.outsider = w.person("iryna.shevchenko@other.example", w.othM, authz.Editor) // same handle, not a participant
	return w
}

func (w *coordWorld) org(slug string, kind org.Kind, parent int64) org.Org {
	o := org.Org{Slug: slug, Name: "Org " + slug, Kind: kind, ParentID: parent, TimeZone: "Europe/Kyiv"}
	if err := org.InsertOrg(context.Background(), w.d.W(), &o); err != nil {
		w.t.Fatal(err)
	}
	return o
}

func (w *coordWorld) person(email string, o org.Org, role authz.Role) *authz.Principal {
	ctx := context.Background()
	var id int64
	if err := w.d.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, ?) RETURNING id", email, "Name "+email, time.Now().UTC()).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	if err := org.AddMember(ctx, w.d.W(), o.ID, id, role); err != nil {
		w.t.Fatal(err)
	}
	p := &authz.Principal{UserID: id, Email: email, Memberships: []authz.Membership{{OrgID: o.ID, Role: role}}}
	w.users[p] = id
	return p
}

func (w *coordWorld) campaign(owner org.Org, by *authz.Principal) Campaign {
	c := Campaign{Title: "Grain from Ukraine", Period: Period{Start: "2026-12-01", End: "2026-12-31"}}
	plan := &Plan{KeyMessages: []KeyMessage{{Title: "Food security", LineToTake: true, Translations: map[string]string{"en": "Ukraine feeds the world.", "uk": "Україна годує світ."}}}}
	if err := w.s.Create(context.Background(), by, audit.System, owner, &c, plan); err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *coordWorld) item(c Campaign, by *authz.Principal) Item {
	it := Item{Title: "Harvest day", Text: "The 2026 harvest is in. #GrainFromUkraine"}
	if err := w.s.CreateItem(context.Background(), by, c.ID, 0, &it, nil); err != nil {
		w.t.Fatal(err)
	}
	return it
}

func (w *coordWorld) account(o org.Org, network, lang string) channel.Account {
	w.n++
	a := channel.Account{OrgID: o.ID, Network: "telegram", Name: "Channel", Handle: fmt.Sprintf("@ch%d", w.n), Language: lang}
	if network != "" {
		a.Network = limits.Network(network)
	}
	if err := channel.Insert(context.Background(), w.d.W(), &a); err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *coordWorld) notes(p *authz.Principal) []notify.Notification {
	ns, err := (&notify.Service{DB: w.d}).List(context.Background(), p.UserID, false, 100)
	if err != nil {
		w.t.Fatal(err)
	}
	return ns
}

func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestTasks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		w := newCoordWorld(t, e)
		c := w.campaign(w.hq, w.editor)
		if err := w.s.AddPartner(ctx, w.editor, audit.System, c.ID, w.partner.ID); err != nil {
			t.Fatal(err)
		}

		// The assignee must be a participant who can use campaigns.
		for name, x := range map[string]*authz.Principal{"outsider": w.outsider, "another ministry": w.otherEd, "trainer (no campaigns)": w.trainer} {
			tk := Task{Title: "Translate", AssigneeID: x.UserID}
			if err := w.s.CreateTask(ctx, w.editor, c.ID, &tk); fieldOf(err) != "assignee_id" {
				t.Errorf("assign to %s: %v, want an assignee_id error", name, err)
			}
		}
		tk := Task{Title: "Translate into Polish", Kind: TaskTranslating, AssigneeID: w.partnerEd.UserID, DueDate: "2026-12-03"}
		if err := w.s.CreateTask(ctx, w.editor, c.ID, &tk); err != nil {
			t.Fatal(err)
		}
		if tk.Status != TaskTodo || tk.AssigneeName == "" || tk.OrgID != w.hq.ID {
			t.Errorf("created task %+v", tk)
		}
		ns := w.notes(w.partnerEd)
		if len(ns) != 1 || ns[0].Kind != notify.TaskAssigned || ns[0].Link != fmt.Sprintf("/o/partner/campaigns/%d/coordination", c.ID) {
			t.Errorf("partner editor's notifications: %+v", ns)
		}

		// Validation.
		for _, bad := range []Task{{Title: ""}, {Title: "x", Kind: "cooking"}, {Title: "x", Status: "blocked"}, {Title: "x", DueDate: "03/12/2026"}} {
			if err := w.s.CreateTask(ctx, w.editor, c.ID, &bad); fieldOf(err) == "" {
				t.Errorf("task %+v accepted: %v", bad, err)
			}
		}
		// Read: UseCampaigns; change: EditCampaigns; strangers see nothing.
		if ts, err := w.s.Tasks(ctx, w.reviewer, c.ID); err != nil || len(ts) != 1 {
			t.Errorf("reviewer lists tasks: %v %v", ts, err)
		}
		if err := w.s.CreateTask(ctx, w.reviewer, c.ID, &Task{Title: "x"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("reviewer creates a task: %v", err)
		}
		if _, err := w.s.Tasks(ctx, w.otherEd, c.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("another ministry lists tasks: %v", err)
		}
		if _, _, err := w.s.GetTask(ctx, w.otherEd, tk.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("another ministry reads a task: %v", err)
		}
		// The partner's editor moves it on; reassigning notifies the new
		// assignee, not the one who does it.
		up, err := w.s.UpdateTask(ctx, w.partnerEd, tk.ID, func(t *Task) { t.Status = TaskDoing; t.AssigneeID = w.reviewer.UserID })
		if err != nil || up.Status != TaskDoing || up.AssigneeID != w.reviewer.UserID {
			t.Fatalf("update: %+v %v", up, err)
		}
		if ns := w.notes(w.reviewer); len(ns) != 1 {
			t.Errorf("reviewer's notifications after reassignment: %+v", ns)
		}
		if _, err := w.s.UpdateTask(ctx, w.partnerEd, tk.ID, func(t *Task) { t.AssigneeID = w.outsider.UserID }); fieldOf(err) != "assignee_id" {
			t.Errorf("reassign to an outsider: %v", err)
		}
		// My tasks: through the organisation that takes part.
		mine, err := w.s.MyTasks(ctx, w.reviewer, []int64{w.hq.ID}, false)
		if err != nil || len(mine) != 1 || mine[0].CampaignTitle != c.Title {
			t.Errorf("reviewer's tasks: %+v %v", mine, err)
		}
		if mine, _ := w.s.MyTasks(ctx, w.reviewer, []int64{w.other.ID}, false); len(mine) != 0 {
			t.Errorf("tasks through an organisation the user is not in: %+v", mine)
		}
		if _, err := w.s.UpdateTask(ctx, w.editor, tk.ID, func(t *Task) { t.Status = TaskDone }); err != nil {
			t.Fatal(err)
		}
		if mine, _ := w.s.MyTasks(ctx, w.reviewer, []int64{w.hq.ID}, false); len(mine) != 0 {
			t.Errorf("done tasks listed as open: %+v", mine)
		}
		if mine, _ := w.s.MyTasks(ctx, w.reviewer, []int64{w.hq.ID}, true); len(mine) != 1 {
			t.Errorf("done tasks with done=true: %+v", mine)
		}
		if err := w.s.DeleteTask(ctx, w.reviewer, tk.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("reviewer deletes: %v", err)
		}
		if err := w.s.DeleteTask(ctx, w.editor, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.s.GetTask(ctx, w.editor, tk.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("deleted task: %v", err)
		}
	})
}

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"@iryna.shevchenko please check.", []string{"iryna.shevchenko"}},
		{"cc @Taras, @olena; write to x@y.org", []string{"taras", "olena"}},
		{"(@ana) and @ana again", []string{"ana"}},
		{"full: @taras@vienna.example.", []string{"taras@vienna.example"}},
		{"email me: someone@example.org", nil},
		{"@", nil},
	} {
		if got := Mentions(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Mentions(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestComments(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		w := newCoordWorld(t, e)
		c := w.campaign(w.hq, w.editor)
		it := w.item(c, w.editor)
		// The outsider shares the handle iryna.shevchenko but takes no part:
		// only the participant is notified, and nothing reveals the other.
		cm, err := w.s.AddComment(ctx, w.reviewer, it.ID, "@iryna.shevchenko the second line is too long.\n@marco @nobody @olena")
		if err != nil {
			t.Fatal(err)
		}
		if len(cm.Mentioned) != 1 || cm.Mentioned[0].UserID != w.editor.UserID {
			t.Errorf("mentioned: %+v", cm.Mentioned)
		}
		if ns := w.notes(w.editor); len(ns) != 1 || ns[0].Kind != notify.Mentioned || ns[0].Link != fmt.Sprintf("/o/hq/items/%d/comments#comment-%d", it.ID, cm.ID) {
			t.Errorf("editor's notifications: %+v", ns)
		}
		for _, p := range []*authz.Principal{w.outsider, w.otherEd, w.reviewer} {
			if ns := w.notes(p); len(ns) != 0 {
				t.Errorf("%s was notified: %+v", p.Email, ns)
			}
		}
		cs, err := w.s.Comments(ctx, w.editor, it.ID)
		if err != nil || len(cs) != 1 || cs[0].Body != cm.Body || cs[0].AuthorName == "" {
			t.Errorf("comments: %+v %v", cs, err)
		}
		if _, err := w.s.Comments(ctx, w.otherEd, it.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("stranger reads comments: %v", err)
		}
		if _, err := w.s.AddComment(ctx, w.trainer, it.ID, "hi"); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("trainer comments: %v", err)
		}
		long := make([]rune, MaxComment+1)
		for i := range long {
			long[i] = 'ї'
		}
		for _, body := range []string{"", "   ", string(long), "bad \x00 byte"} {
			if _, err := w.s.AddComment(ctx, w.editor, it.ID, body); fieldOf(err) != "body" {
				t.Errorf("comment %.20q: %v", body, err)
			}
		}
	})
}

func TestAmplification(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		w := newCoordWorld(t, e)
		c := w.campaign(w.hq, w.editor)
		it := w.item(c, w.editor)
		acc := w.account(w.mission, "telegram", "de")
		hqAcc := w.account(w.hq, "telegram", "uk")

		// Only missions of the owning ministry; the same words for any
		// other organisation, existing or not.
		for name, id := range map[string]int64{"another ministry's mission": w.othM.ID, "the ministry itself": w.hq.ID, "a partner": w.partner.ID, "nothing": 987654} {
			_, err := w.s.RequestAmplification(ctx, w.editor, audit.System, it.ID, []int64{id}, "")
			if fieldOf(err) != "org_ids/0" {
				t.Errorf("send to %s: %v", name, err)
			}
		}
		if _, err := w.s.RequestAmplification(ctx, w.editor, audit.System, it.ID, nil, ""); fieldOf(err) != "org_ids" {
			t.Errorf("send to nobody: %v", err)
		}
		if _, err := w.s.RequestAmplification(ctx, w.reviewer, audit.System, it.ID, []int64{w.mission.ID}, ""); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("reviewer sends: %v", err)
		}
		// A campaign of a non-ministry owner cannot be amplified.
		mc := w.campaign(w.mission, w.missionEd)
		mit := w.item(mc, w.missionEd)
		if _, err := w.s.RequestAmplification(ctx, w.missionEd, audit.System, mit.ID, []int64{w.mission2.ID}, ""); err != ErrNotMinistry {
			t.Errorf("amplify a mission's campaign: %v", err)
		}

		rs, err := w.s.RequestAmplification(ctx, w.editor, audit.System, it.ID, []int64{w.mission.ID, w.mission2.ID, w.mission.ID}, "Please post on Monday.")
		if err != nil || len(rs) != 2 {
			t.Fatalf("send: %+v %v", rs, err)
		}
		// Sending again keeps the existing requests.
		if again, err := w.s.RequestAmplification(ctx, w.editor, audit.System, it.ID, []int64{w.mission.ID}, ""); err != nil || len(again) != 2 {
			t.Errorf("send again: %+v %v", again, err)
		}
		if ns := w.notes(w.missionEd); len(ns) != 1 || ns[0].Kind != notify.AmplificationRequest {
			t.Errorf("mission editor's notifications: %+v", ns)
		}
		// The mission is now a partner: it sees the campaign.
		if _, _, err := w.s.Get(ctx, w.missionEd, c.ID); err != nil {
			t.Errorf("mission reads the campaign: %v", err)
		}
		inbox, err := w.s.AmplificationInbox(ctx, w.mission, "")
		if err != nil || len(inbox) != 1 || inbox[0].ItemText != it.Text || len(inbox[0].KeyMessages) != 1 || inbox[0].Note != "Please post on Monday." {
			t.Fatalf("inbox: %+v %v", inbox, err)
		}
		var r1, r2 Amplification
		for _, r := range rs {
			if r.ToOrgID == w.mission.ID {
				r1 = r
			} else {
				r2 = r
			}
		}
		// Only the mission's editors answer; a decline needs a reason.
		if _, err := w.s.AnswerAmplification(ctx, w.editor, audit.System, r1.ID, AmpAnswer{Action: "decline", Note: "no"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("headquarters answers for the mission: %v", err)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.mission2Ed, audit.System, r1.ID, AmpAnswer{Action: "decline", Note: "no"}); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("another mission answers: %v", err)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.mission2Ed, audit.System, r2.ID, AmpAnswer{Action: "decline", Note: "  "}); fieldOf(err) != "note" {
			t.Errorf("decline without a reason: %v", err)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, r1.ID, AmpAnswer{Action: "accept", Variant: VariantInput{ChannelAccountID: hqAcc.ID}}); fieldOf(err) != "channel_account_id" {
			t.Errorf("accept on headquarters' account: %v", err)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, r1.ID, AmpAnswer{Action: "shout"}); fieldOf(err) != "action" {
			t.Errorf("unknown action: %v", err)
		}
		// Accept: the mission's variant on the mission's account, in the
		// account's language, with the master text.
		got, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, r1.ID, AmpAnswer{Action: "accept", Variant: VariantInput{ChannelAccountID: acc.ID}})
		if err != nil || got.State != AmpAccepted || got.VariantID == 0 || got.VariantState != StateDraft {
			t.Fatalf("accept: %+v %v", got, err)
		}
		v, _, _, err := w.s.GetVariant(ctx, w.missionEd, got.VariantID)
		if err != nil || v.OrgID != w.mission.ID || v.ChannelAccountID != acc.ID || v.Language != "de" || v.Text != it.Text || v.AuthorID != w.missionEd.UserID {
			t.Errorf("accepted variant: %+v %v", v, err)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, r1.ID, AmpAnswer{Action: "decline", Note: "changed my mind"}); !errors.Is(err, ErrWrongState) {
			t.Errorf("answer twice: %v", err)
		}
		if ns := w.notes(w.editor); len(ns) != 1 || ns[0].Kind != notify.AmplificationAnswered {
			t.Errorf("headquarters' notifications: %+v", ns)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.mission2Ed, audit.System, r2.ID, AmpAnswer{Action: "decline", Note: "Our audience is on holiday."}); err != nil {
			t.Fatal(err)
		}
		// Headquarters sees the network; a mission sees its own request only.
		all, err := w.s.ItemAmplification(ctx, w.reviewer, it.ID)
		if err != nil || len(all) != 2 {
			t.Fatalf("headquarters' view: %+v %v", all, err)
		}
		states := map[int64]AmpState{}
		for _, r := range all {
			states[r.ToOrgID] = r.State
		}
		if states[w.mission.ID] != AmpAccepted || states[w.mission2.ID] != AmpDeclined {
			t.Errorf("states: %v", states)
		}
		if camp, _ := w.s.CampaignAmplification(ctx, w.editor, c.ID); len(camp) != 2 {
			t.Errorf("campaign view: %+v", camp)
		}
		if own, err := w.s.ItemAmplification(ctx, w.missionEd, it.ID); err != nil || len(own) != 1 || own[0].ToOrgID != w.mission.ID {
			t.Errorf("mission's view: %+v %v", own, err)
		}
		if _, err := w.s.ItemAmplification(ctx, w.otherEd, it.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("stranger's view: %v", err)
		}
		if _, err := w.s.GetAmplification(ctx, w.otherEd, r1.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("stranger reads a request: %v", err)
		}
	})
}

func TestAmplificationAdapt(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		w := newCoordWorld(t, e)
		c := w.campaign(w.hq, w.editor)
		it := w.item(c, w.editor)
		acc := w.account(w.mission, "x", "de")
		rs, err := w.s.RequestAmplification(ctx, w.editor, audit.System, it.ID, []int64{w.mission.ID}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, rs[0].ID, AmpAnswer{Action: "adapt", Variant: VariantInput{ChannelAccountID: acc.ID}}); fieldOf(err) != "text" {
			t.Errorf("adapt without text: %v", err)
		}
		long := "Die Ernte 2026 ist eingebracht. " + fmt.Sprintf("%0300d", 0)
		var le *LengthError
		if _, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, rs[0].ID, AmpAnswer{Action: "adapt", Variant: VariantInput{ChannelAccountID: acc.ID, Text: long}}); !errors.As(err, &le) {
			t.Errorf("adapt over X's limit: %v", err)
		}
		got, err := w.s.AnswerAmplification(ctx, w.missionEd, audit.System, rs[0].ID, AmpAnswer{Action: "adapt", Note: "Shortened for Austria.", Variant: VariantInput{ChannelAccountID: acc.ID, Text: "Die Ernte 2026 ist eingebracht."}})
		if err != nil || got.State != AmpAdapted || got.ResponseNote != "Shortened for Austria." {
			t.Fatalf("adapt: %+v %v", got, err)
		}
		v, _, _, err := w.s.GetVariant(ctx, w.editor, got.VariantID)
		if err != nil || v.Text != "Die Ernte 2026 ist eingebracht." || v.OrgID != w.mission.ID {
			t.Errorf("adapted variant: %+v %v", v, err)
		}
	})
}
