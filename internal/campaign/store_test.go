package campaign_test

// Campaigns, plans, partners and items through the service, on both
// engines.

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

func TestCampaignCreateGetUpdate(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		editor := f.u["a-editor"]
		c := campaign.Campaign{Title: " Зерно з України ", Brief: "**Food security** first.", Tags: []string{"grain", "Grain", "EU"},
			Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}}
		plan := &campaign.Plan{
			Objectives: []campaign.Objective{{Title: "Reach in the Global South", Metric: "reach", TargetValue: 2e6, DueDate: "2026-12-31"}},
			Audiences:  []campaign.Audience{{Country: "eg", Language: "ar", Description: "Egyptian public"}, {Country: "NG"}},
			KeyMessages: []campaign.KeyMessage{{Title: "Grain corridor", LineToTake: true,
				Translations: map[string]string{"uk": "Зерновий коридор працює.", "en": "The grain corridor works.", "ka": "მარცვლეულის დერეფანი მუშაობს."}}},
		}
		if err := f.svc.Create(ctx, editor, audit.System, f.A, &c, plan); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.OrgID != f.A.ID || c.CreatedBy != editor.UserID || c.Status != campaign.Draft || c.UTMMedium != "social" || c.UTMCampaign == "" {
			t.Errorf("created campaign not filled in: %+v", c)
		}
		ac, got, err := f.svc.Get(ctx, f.u["a-analyst"], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !ac.Owner || ac.OrgID != f.A.ID || ac.Role != authz.Analyst {
			t.Errorf("access = %+v", ac)
		}
		gc := ac.Campaign
		if gc.Title != "Зерно з України" || gc.Brief != c.Brief || !reflect.DeepEqual(gc.Tags, []string{"grain", "EU"}) || gc.Period != c.Period ||
			!gc.CreatedAt.Equal(c.CreatedAt) || len(gc.Partners) != 0 || gc.Partners == nil {
			t.Errorf("stored campaign differs: %+v", gc)
		}
		if len(got.Objectives) != 1 || got.Objectives[0].TargetValue != 2e6 || got.Objectives[0].DueDate != "2026-12-31" || got.Objectives[0].ID == 0 {
			t.Errorf("objectives: %+v", got.Objectives)
		}
		if len(got.Audiences) != 2 || got.Audiences[0].Country != "EG" || got.Audiences[1].Country != "NG" {
			t.Errorf("audiences (in order): %+v", got.Audiences)
		}
		if len(got.KeyMessages) != 1 || !got.KeyMessages[0].LineToTake || len(got.KeyMessages[0].Translations) != 3 ||
			got.KeyMessages[0].Translations["ka"] != "მარცვლეულის დერეფანი მუშაობს." {
			t.Errorf("key messages: %+v", got.KeyMessages)
		}

		// Update: fields change; a plan part that is sent replaces that
		// part whole, the others are kept.
		upd, err := f.svc.Update(ctx, f.u["a-admin"], c.ID, func(c *campaign.Campaign) {
			c.Title, c.Status = "Grain from Ukraine", campaign.Active
		}, &campaign.Plan{Objectives: []campaign.Objective{{Title: "Sign-ups", Metric: "newsletter sign-ups", TargetValue: 500}, {Title: "Mentions", Metric: "press mentions", TargetValue: 40}}})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Title != "Grain from Ukraine" || upd.Status != campaign.Active {
			t.Errorf("update result: %+v", upd)
		}
		_, got, _ = f.svc.Get(ctx, editor, c.ID)
		if len(got.Objectives) != 2 || got.Objectives[0].Title != "Sign-ups" || got.Objectives[1].Title != "Mentions" {
			t.Errorf("objectives not replaced: %+v", got.Objectives)
		}
		if len(got.Audiences) != 2 || len(got.KeyMessages) != 1 {
			t.Errorf("parts not sent were changed: %d audiences, %d messages", len(got.Audiences), len(got.KeyMessages))
		}
		// An empty list clears a part.
		if _, err := f.svc.Update(ctx, editor, c.ID, func(*campaign.Campaign) {}, &campaign.Plan{Audiences: []campaign.Audience{}}); err != nil {
			t.Fatal(err)
		}
		if _, got, _ = f.svc.Get(ctx, editor, c.ID); len(got.Audiences) != 0 || len(got.Objectives) != 2 {
			t.Errorf("clearing audiences: %+v", got)
		}

		// Invalid changes store nothing.
		_, err = f.svc.Update(ctx, editor, c.ID, func(c *campaign.Campaign) { c.Title = "Changed"; c.Period.End = "2026-01-01" }, nil)
		if fieldOf(err) != "period/end" {
			t.Errorf("end before start: %v", err)
		}
		_, err = f.svc.Update(ctx, editor, c.ID, func(c *campaign.Campaign) { c.Title = "Changed" },
			&campaign.Plan{Objectives: []campaign.Objective{{Title: "ok", Metric: "reach"}, {Title: "no metric"}}})
		if fieldOf(err) != "objectives/1/metric" {
			t.Errorf("bad objective: %v", err)
		}
		if ac, got, _ = f.svc.Get(ctx, editor, c.ID); ac.Campaign.Title != "Grain from Ukraine" || len(got.Objectives) != 2 {
			t.Errorf("a refused update changed the campaign: %q, %d objectives", ac.Campaign.Title, len(got.Objectives))
		}

		// Who may: readers read, only editors and admins of the owner edit;
		// strangers cannot tell the campaign exists.
		for _, x := range []struct {
			user string
			err  error
		}{{"a-reviewer", authz.ErrForbidden}, {"a-analyst", authz.ErrForbidden}, {"a-trainer", authz.ErrForbidden}, {"b-admin", authz.ErrNotMember}, {"p-editor", authz.ErrNotMember}} {
			_, err := f.svc.Update(ctx, f.u[x.user], c.ID, func(c *campaign.Campaign) { c.Title = "Hijacked" }, nil)
			if !errors.Is(err, x.err) {
				t.Errorf("%s updating: %v, want %v", x.user, err, x.err)
			}
		}
		if _, _, err := f.svc.Get(ctx, f.u["a-trainer"], c.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("trainer reading: %v", err)
		}
		_, _, errStranger := f.svc.Get(ctx, f.u["b-admin"], c.ID)
		_, _, errMissing := f.svc.Get(ctx, f.u["b-admin"], c.ID+1000)
		if !errors.Is(errStranger, authz.ErrNotMember) || !errors.Is(errMissing, authz.ErrNotMember) {
			t.Errorf("stranger: %v; missing campaign: %v (both must be ErrNotMember)", errStranger, errMissing)
		}

		// A campaign that fails validation is not stored.
		before := f.count(t, "campaigns")
		bad := campaign.Campaign{Title: "x", Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}}
		err = f.svc.Create(ctx, editor, audit.System, f.A, &bad, &campaign.Plan{KeyMessages: []campaign.KeyMessage{{Title: ""}}})
		if fieldOf(err) != "key_messages/0/title" || f.count(t, "campaigns") != before {
			t.Errorf("bad plan: %v, %d campaigns (was %d)", err, f.count(t, "campaigns"), before)
		}
	})
}

func titles(cs []campaign.Campaign) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Title)
	}
	return out
}

func TestCampaignListOwnerAndPartner(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		joint := f.campaign(t, f.A, "Західні Балкани в ЄС", "2026-10-01", "2026-12-31")
		own := f.campaign(t, f.A, "Grain exports", "2026-11-01", "2026-11-30")
		other := f.campaign(t, f.B, "Beta culture week", "2026-11-01", "2026-11-07")
		if _, err := f.svc.Update(ctx, f.u["a-editor"], own.ID, func(c *campaign.Campaign) { c.Status, c.Tags = campaign.Active, []string{"Food"} }, nil); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddPartner(ctx, f.u["a-editor"], audit.System, joint.ID, f.P.ID); err != nil {
			t.Fatal(err)
		}
		// Twice is harmless.
		if err := f.svc.AddPartner(ctx, f.u["a-admin"], audit.System, joint.ID, f.P.ID); err != nil {
			t.Fatal(err)
		}
		orgs := map[string]org.Org{"A": f.A, "P": f.P, "B": f.B}
		list := func(fl campaign.Filter, orgKey string) []campaign.Campaign {
			t.Helper()
			cs, err := f.svc.List(ctx, orgs[orgKey], fl)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		// Newest period first.
		if got := titles(list(campaign.Filter{}, "A")); !slices.Equal(got, []string{"Grain exports", "Західні Балкани в ЄС"}) {
			t.Errorf("A lists %q", got)
		}
		p := list(campaign.Filter{}, "P")
		if got := titles(p); !slices.Equal(got, []string{"Західні Балкани в ЄС"}) {
			t.Errorf("the partner lists %q, want the joint campaign only", got)
		}
		if len(p) == 1 && !slices.Equal(p[0].Partners, []int64{f.P.ID}) {
			t.Errorf("listed joint campaign has partners %v", p[0].Partners)
		}
		if a := list(campaign.Filter{}, "A"); a[0].Partners == nil || len(a[0].Partners) != 0 || !slices.Equal(a[1].Partners, []int64{f.P.ID}) {
			t.Errorf("A's list partners: %v, %v", a[0].Partners, a[1].Partners)
		}
		if got := titles(list(campaign.Filter{}, "B")); !slices.Equal(got, []string{other.Title}) {
			t.Errorf("B lists %q", got)
		}
		// Filters: status, tag (any case), words of the title (any case,
		// Cyrillic too).
		for _, x := range []struct {
			f    campaign.Filter
			want []string
		}{
			{campaign.Filter{Status: campaign.Active}, []string{"Grain exports"}},
			{campaign.Filter{Status: campaign.Draft}, []string{"Західні Балкани в ЄС"}},
			{campaign.Filter{Tag: "food"}, []string{"Grain exports"}},
			{campaign.Filter{Query: "БАЛКАНИ"}, []string{"Західні Балкани в ЄС"}},
			{campaign.Filter{Query: "grain", Status: campaign.Archived}, []string{}},
		} {
			if got := titles(list(x.f, "A")); !slices.Equal(got, x.want) {
				t.Errorf("filter %+v: %q, want %q", x.f, got, x.want)
			}
		}
		// Partners: not the owner itself, not an unknown organisation, and
		// only the owner's editors invite.
		if err := f.svc.AddPartner(ctx, f.u["a-editor"], audit.System, joint.ID, f.A.ID); fieldOf(err) != "org_id" {
			t.Errorf("owner as partner: %v", err)
		}
		if err := f.svc.AddPartner(ctx, f.u["a-editor"], audit.System, joint.ID, 987654); fieldOf(err) != "org_id" {
			t.Errorf("unknown partner: %v", err)
		}
		if err := f.svc.AddPartner(ctx, f.u["p-editor"], audit.System, joint.ID, f.B.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a partner inviting another: %v", err)
		}
		if err := f.svc.AddPartner(ctx, f.u["a-reviewer"], audit.System, joint.ID, f.B.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("a reviewer inviting: %v", err)
		}
		if err := f.svc.RemovePartner(ctx, f.u["a-editor"], audit.System, joint.ID, f.B.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("removing an org that is no partner: %v", err)
		}
		// Removing the partner ends its access.
		if err := f.svc.RemovePartner(ctx, f.u["a-editor"], audit.System, joint.ID, f.P.ID); err != nil {
			t.Fatal(err)
		}
		if got := list(campaign.Filter{}, "P"); len(got) != 0 {
			t.Errorf("a removed partner still lists %q", titles(got))
		}
		if _, _, err := f.svc.Get(ctx, f.u["p-editor"], joint.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("a removed partner reads the campaign: %v", err)
		}
		// Partner changes are in A's audit log.
		var n int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND action LIKE 'campaign.partner_%'", f.A.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("%d partner audit entries, want 3 (two adds, one removal)", n)
		}
	})
}

// A partner organisation sees the joint campaign, its items and its
// calendar entries, and nothing else of the owner.
func TestJointCampaignPartnerSeesOnlyThatCampaign(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		joint := f.campaign(t, f.A, "Joint campaign", "2026-12-01", "2026-12-31")
		secret := f.campaign(t, f.A, "A's own campaign", "2026-12-01", "2026-12-31")
		if err := f.svc.AddPartner(ctx, f.u["a-editor"], audit.System, joint.ID, f.P.ID); err != nil {
			t.Fatal(err)
		}
		when := at("2026-12-10T09:00:00Z")
		jointItem := f.item(t, "a-editor", joint, "Joint text", f.variantFor("a-x", when))
		secretItem := f.item(t, "a-editor", secret, "Secret text of A", f.variantFor("a-x", when), f.variantFor("a-telegram", when))

		p := f.u["p-editor"]
		ac, _, err := f.svc.Get(ctx, p, joint.ID)
		if err != nil || ac.Owner || ac.OrgID != f.P.ID || ac.Role != authz.Editor {
			t.Fatalf("partner reading the joint campaign: %+v, %v", ac, err)
		}
		items, err := f.svc.Items(ctx, p, joint.ID)
		if err != nil || len(items) != 1 || items[0].ID != jointItem.ID {
			t.Errorf("partner's items of the joint campaign: %+v, %v", items, err)
		}
		// The partner contributes, with its own accounts only.
		mine := campaign.Item{Text: "Partner's text"}
		if err := f.svc.CreateItem(ctx, p, joint.ID, 0, &mine, []campaign.VariantInput{f.variantFor("p-telegram", when)}); err != nil {
			t.Fatal(err)
		}
		if mine.OrgID != f.P.ID || mine.Variants[0].OrgID != f.P.ID || mine.Variants[0].Language != "pl" {
			t.Errorf("the partner's item belongs to %d, variant %+v", mine.OrgID, mine.Variants[0])
		}
		bad := campaign.Item{Text: "With A's account"}
		if err := f.svc.CreateItem(ctx, p, joint.ID, 0, &bad, []campaign.VariantInput{f.variantFor("a-x", nil)}); fieldOf(err) != "variants/0/channel_account_id" {
			t.Errorf("partner using A's account: %v", err)
		}
		if err := f.svc.CreateItem(ctx, p, joint.ID, f.A.ID, &bad, nil); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("partner contributing in A's name: %v", err)
		}
		if err := f.svc.CreateItem(ctx, p, joint.ID, f.B.ID, &bad, nil); fieldOf(err) != "org_id" {
			t.Errorf("partner contributing in a stranger's name: %v", err)
		}
		// Only the owner changes the campaign itself.
		if _, err := f.svc.Update(ctx, p, joint.ID, func(c *campaign.Campaign) { c.Title = "Ours now" }, nil); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("partner updating the campaign: %v", err)
		}
		// The owner's editors cannot edit the partner's variant, nor the
		// partner's editors the owner's.
		if _, err := f.svc.EditVariant(ctx, f.u["a-editor"], mine.Variants[0].ID, campaign.VariantInput{ChannelAccountID: f.acc["p-telegram"].ID, Text: "x"}, false); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("owner editing the partner's variant: %v", err)
		}
		if _, err := f.svc.EditVariant(ctx, p, jointItem.Variants[0].ID, campaign.VariantInput{ChannelAccountID: f.acc["a-x"].ID, Text: "x"}, false); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("partner editing the owner's variant: %v", err)
		}

		// Nothing else of A: its other campaign, that campaign's items and
		// variants; the same answer as for things that do not exist.
		type check struct {
			name string
			err  error
		}
		var checks []check
		_, _, err = f.svc.Get(ctx, p, secret.ID)
		checks = append(checks, check{"campaign", err})
		_, err = f.svc.Items(ctx, p, secret.ID)
		checks = append(checks, check{"items", err})
		_, _, err = f.svc.GetItem(ctx, p, secretItem.ID)
		checks = append(checks, check{"item", err})
		_, _, _, err = f.svc.GetVariant(ctx, p, secretItem.Variants[1].ID)
		checks = append(checks, check{"variant", err})
		_, err = f.svc.Approve(ctx, f.u["p-reviewer"], audit.System, secretItem.Variants[0].ID, "")
		checks = append(checks, check{"approve", err})
		_, err = f.svc.AddVariant(ctx, p, secretItem.ID, 0, f.variantFor("p-telegram", nil))
		checks = append(checks, check{"add variant", err})
		_, err = f.svc.UpdateItem(ctx, p, secretItem.ID, func(it *campaign.Item) { it.Text = "x" })
		checks = append(checks, check{"update item", err})
		_, _, _, err = f.svc.GetVariant(ctx, p, 987654)
		checks = append(checks, check{"missing variant", err})
		for _, c := range checks {
			if !errors.Is(c.err, authz.ErrNotMember) {
				t.Errorf("partner: %s of A's other campaign: %v, want ErrNotMember", c.name, c.err)
			}
		}
		// The calendar: the joint campaign's entries (A's and P's), not
		// the other campaign's.
		es, err := f.svc.Calendar(ctx, f.P, *at("2026-12-01T00:00:00Z"), *at("2027-01-01T00:00:00Z"), campaign.CalendarFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range es {
			if x.CampaignID != joint.ID || strings.Contains(x.Excerpt, "Secret") {
				t.Errorf("the partner's calendar shows %+v", x)
			}
		}
		if len(es) != 2 {
			t.Errorf("the partner's calendar has %d entries, want 2 (A's and P's in the joint campaign)", len(es))
		}
		// A sees everything of its own, including the partner's
		// contribution; B sees nothing.
		if es, _ := f.svc.Calendar(ctx, f.A, *at("2026-12-01T00:00:00Z"), *at("2027-01-01T00:00:00Z"), campaign.CalendarFilter{}); len(es) != 4 {
			t.Errorf("A's calendar has %d entries, want 4", len(es))
		}
		if es, _ := f.svc.Calendar(ctx, f.B, *at("2026-12-01T00:00:00Z"), *at("2027-01-01T00:00:00Z"), campaign.CalendarFilter{}); len(es) != 0 {
			t.Errorf("B's calendar shows %+v", es)
		}
	})
}

// CreateItem stores an item with all its variants or nothing.
func TestCreateItemAllOrNothing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c := f.campaign(t, f.A, "Campaign", "2026-12-01", "2026-12-31")
		good := []campaign.VariantInput{f.variantFor("a-telegram", at("2026-12-02T10:00:00+02:00")), {ChannelAccountID: f.acc["a-bluesky"].ID, Language: "en", Text: "Short"}}
		for _, x := range []struct {
			name  string
			third campaign.VariantInput
			field string
		}{
			{"over X's limit", campaign.VariantInput{ChannelAccountID: f.acc["a-x"].ID, Text: strings.Repeat("a", 281)}, "variants/2/text"},
			{"another org's account", f.variantFor("b-x", nil), "variants/2/channel_account_id"},
			{"no account", campaign.VariantInput{}, "variants/2/channel_account_id"},
			{"language x", campaign.VariantInput{ChannelAccountID: f.acc["a-x"].ID, Language: "x"}, "variants/2/language"},
		} {
			it := campaign.Item{Title: "T", Text: "Master text"}
			vs := append(slices.Clone(good), x.third)
			err := f.svc.CreateItem(ctx, f.u["a-editor"], c.ID, 0, &it, vs)
			var le *campaign.LengthError
			got := fieldOf(err)
			if errors.As(err, &le) {
				got = le.Field()
				if le.Measure.Length != 281 || le.Measure.Limit != 280 {
					t.Errorf("%s: measure %+v", x.name, le.Measure)
				}
			}
			if got != x.field {
				t.Errorf("%s: %v, want an error on %s", x.name, err, x.field)
			}
			if n, m, k := f.count(t, "items"), f.count(t, "variants"), f.count(t, "variant_versions"); n+m+k != 0 {
				t.Errorf("%s: %d items, %d variants, %d versions stored", x.name, n, m, k)
			}
		}
		// The item's own fields are checked as well.
		for _, x := range []struct {
			it    campaign.Item
			field string
		}{{campaign.Item{Text: " "}, "text"}, {campaign.Item{Text: "t", LinkURL: "ftp://x"}, "link_url"}} {
			if err := f.svc.CreateItem(ctx, f.u["a-editor"], c.ID, 0, &x.it, good); fieldOf(err) != x.field {
				t.Errorf("item %+v: %v, want %s", x.it, err, x.field)
			}
		}
		if err := f.svc.CreateItem(ctx, f.u["a-editor"], c.ID, 0, &campaign.Item{Text: "t"}, make([]campaign.VariantInput, 51)); fieldOf(err) != "variants" {
			t.Errorf("51 variants: %v", err)
		}
		// The good ones alone are stored, with defaults from the account and
		// the master text, times in UTC to the second.
		it := campaign.Item{Title: "T", Text: "Master text"}
		if err := f.svc.CreateItem(ctx, f.u["a-editor"], c.ID, 0, &it, good); err != nil {
			t.Fatal(err)
		}
		got, _, err := f.svc.GetItem(ctx, f.u["a-reviewer"], it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Variants) != 2 {
			t.Fatalf("stored %d variants", len(got.Variants))
		}
		v := got.Variants[0]
		if v.ID != it.Variants[0].ID || v.Language != "uk" || v.Text != "Master text" || v.State != campaign.StateDraft || v.Version != 1 ||
			v.AuthorID != f.u["a-editor"].UserID || v.ScheduledAt == nil || !v.ScheduledAt.Equal(*at("2026-12-02T08:00:00Z")) || v.ScheduledAt.Location().String() != "UTC" {
			t.Errorf("stored variant: %+v", v)
		}
		if v.Measure.Network != "telegram" || v.Measure.Length != len("Master text") || !v.Measure.OK() {
			t.Errorf("measure: %+v", v.Measure)
		}
		if got.Variants[1].ScheduledAt != nil || got.Variants[1].Text != "Short" {
			t.Errorf("unscheduled variant: %+v", got.Variants[1])
		}
		// Only the owner's editors add items.
		for _, u := range []string{"a-reviewer", "a-analyst"} {
			if err := f.svc.CreateItem(ctx, f.u[u], c.ID, 0, &campaign.Item{Text: "t"}, nil); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("%s adding an item: %v", u, err)
			}
		}
		if err := f.svc.CreateItem(ctx, f.u["b-admin"], c.ID, 0, &campaign.Item{Text: "t"}, nil); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("a stranger adding an item: %v", err)
		}
	})
}
