package campaign_test

import (
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

func TestParseTemplateBodyIsStrict(t *testing.T) {
	ok := `{"brief":"b","duration_days":14,"objectives":[{"title":"Reach","metric":"reach","target_value":1000,"due_day":13}],
		"key_messages":[{"title":"Corridor","line_to_take":true,"translations":{"uk":"Коридор працює","ka":"დერეფანი მუშაობს"}}],
		"timeline":[{"day":0,"time":"09:30","network":"telegram","language":"uk","text":"Старт"}]}`
	b, err := campaign.ParseTemplateBody([]byte(ok))
	if err != nil || b.DurationDays != 14 || len(b.Timeline) != 1 || b.Tags == nil {
		t.Fatalf("valid body: %v %+v", err, b)
	}
	for _, c := range []struct{ body, field string }{
		{`{"brief":"b","colour":"red"}`, "body"},
		{`{"brief":1}`, "body"},
		{`{} {}`, "body"},
		{`{"duration_days":9999}`, "body/duration_days"},
		{`{"objectives":[{"title":"","metric":"m","target_value":1}]}`, "body/objectives/0/title"},
		{`{"objectives":[{"title":"t","metric":"m","target_value":1,"due_day":-1}]}`, "body/objectives/0/due_day"},
		{`{"audiences":[{"country":"Ukraine"}]}`, "body/audiences/0/country"},
		{`{"timeline":[{"day":0,"time":"25:00","network":"x","language":"en","text":"t"}]}`, "body/timeline/0/time"},
		{`{"timeline":[{"day":0,"network":"myspace","language":"en","text":"t"}]}`, "body/timeline/0/network"},
		{`{"timeline":[{"day":0,"network":"x","language":"english","text":"t"}]}`, "body/timeline/0/language"},
		{`{"timeline":[{"day":0,"network":"x","language":"en","text":"` + strings.Repeat("a", 300) + `"}]}`, "body/timeline/0/text"},
	} {
		if _, err := campaign.ParseTemplateBody([]byte(c.body)); fieldOf(err) != c.field {
			t.Errorf("%s: got %v, want an error on %s", c.body, err, c.field)
		}
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		editor := f.u["a-editor"]
		src := campaign.Campaign{Title: "Grain", Brief: "# Why\nFood security.", Tags: []string{"grain"}, Period: campaign.Period{Start: "2026-12-01", End: "2026-12-14"}}
		plan := &campaign.Plan{
			Objectives:  []campaign.Objective{{Title: "Reach", Metric: "reach", TargetValue: 1e6, DueDate: "2026-12-10"}, {Title: "Mentions", Metric: "mentions", TargetValue: 10}},
			Audiences:   []campaign.Audience{{Country: "EG", Language: "ar", Description: "Egypt"}},
			KeyMessages: []campaign.KeyMessage{{Title: "Corridor", LineToTake: true, Translations: map[string]string{"uk": "Коридор працює", "en": "The corridor works"}}},
		}
		if err := f.svc.Create(ctx, editor, audit.System, f.A, &src, plan); err != nil {
			t.Fatal(err)
		}
		// 10:00 in Kyiv on the 3rd day (offset 2), and an unscheduled post.
		f.item(t, "a-editor", src, "Зерно", f.variantFor("a-telegram", at("2026-12-03T08:00:00Z")), f.variantFor("a-x", nil))
		body, title, err := f.svc.TemplateFromCampaign(ctx, f.u["a-analyst"], src.ID)
		if err != nil {
			t.Fatal(err)
		}
		tp := campaign.Template{Name: title, Description: "from Grain", Body: body}
		if err := f.svc.CreateTemplate(ctx, editor, audit.System, f.A, &tp); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Template(ctx, f.A, tp.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := got.Body
		if got.Name != "Grain" || b.DurationDays != 14 || b.Brief != src.Brief || len(b.Objectives) != 2 || b.Objectives[0].Due() != 9 || b.Objectives[1].HasDue() ||
			len(b.Audiences) != 1 || len(b.KeyMessages) != 1 || b.KeyMessages[0].Translations["uk"] != "Коридор працює" || len(b.Timeline) != 2 {
			t.Fatalf("template: %+v", got)
		}
		sk := b.Timeline[0]
		if sk.Day != 2 || sk.Time != "10:00" || sk.Network != limits.Telegram || sk.Language != "uk" || sk.Text != "Зерно" || b.Timeline[1].Time != "" {
			t.Errorf("timeline: %+v", b.Timeline)
		}
		if ts, _ := f.svc.Templates(ctx, f.B); len(ts) != 0 {
			t.Error("another organisation sees the template")
		}
		if _, err := f.svc.Template(ctx, f.B, tp.ID); err != db.ErrNotFound {
			t.Errorf("B gets A's template: %v", err)
		}

		// Instantiate in A, a month later: dates shift.
		res, err := f.svc.Instantiate(ctx, editor, f.A, tp.ID, "Grain, January", "2027-01-10")
		if err != nil {
			t.Fatal(err)
		}
		if res.Campaign.Period != (campaign.Period{Start: "2027-01-10", End: "2027-01-23"}) || res.Items != 2 || res.Variants != 2 || len(res.Unmatched) != 0 {
			t.Errorf("result: %+v", res)
		}
		_, p2, _ := f.svc.Get(ctx, editor, res.Campaign.ID)
		if p2.Objectives[0].DueDate != "2027-01-19" || p2.Objectives[1].DueDate != "" || !p2.KeyMessages[0].LineToTake {
			t.Errorf("plan: %+v", p2)
		}
		items, _ := f.svc.Items(ctx, editor, res.Campaign.ID)
		var sched *time.Time
		for _, it := range items {
			for _, v := range it.Variants {
				if v.Network == limits.Telegram {
					sched = v.ScheduledAt
				}
				if v.State != campaign.StateDraft {
					t.Errorf("variant not a draft: %+v", v)
				}
			}
		}
		if sched == nil || !sched.Equal(time.Date(2027, 1, 12, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("telegram post at %v, want 2027-01-12 10:00 Kyiv", sched)
		}

		// In P (only a Polish Telegram account): nothing matches; items are
		// made without variants and listed.
		pt := campaign.Template{Name: "Shared", Body: body}
		if err := f.svc.CreateTemplate(ctx, f.u["p-editor"], audit.System, f.P, &pt); err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.Instantiate(ctx, f.u["p-editor"], f.P, pt.ID, "Zboże", "2027-02-01")
		if err != nil {
			t.Fatal(err)
		}
		if res.Variants != 0 || len(res.Unmatched) != 2 || res.Unmatched[0].ItemID == 0 || res.Unmatched[0].Network != limits.Telegram {
			t.Errorf("unmatched: %+v", res)
		}
		if _, err := f.svc.Instantiate(ctx, editor, f.A, tp.ID, "", "2027-01-10"); fieldOf(err) != "title" {
			t.Errorf("no title: %v", err)
		}
		if _, err := f.svc.Instantiate(ctx, editor, f.A, tp.ID, "x", "10.01.2027"); fieldOf(err) != "start" {
			t.Errorf("bad start: %v", err)
		}
		if err := f.svc.DeleteTemplate(ctx, audit.System, f.B, tp.ID); err != db.ErrNotFound {
			t.Errorf("B deletes A's template: %v", err)
		}
		if err := f.svc.DeleteTemplate(ctx, audit.System, f.A, tp.ID); err != nil {
			t.Fatal(err)
		}
	})
}
