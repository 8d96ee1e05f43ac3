package campaign_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/testutil"
)

func TestCalendarFiltersAndRange(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c1 := f.campaign(t, f.A, "Grain", "2026-12-01", "2026-12-31")
		c2 := f.campaign(t, f.A, "Balkans", "2026-12-01", "2026-12-31")
		if err := f.svc.AddPartner(ctx, f.u["a-editor"], audit.System, c2.ID, f.P.ID); err != nil {
			t.Fatal(err)
		}
		from, to := *at("2026-12-01T00:00:00Z"), *at("2026-12-08T00:00:00Z")
		// In range: at the start (inclusive), in the middle, one second
		// before the end. Out: one second before the start, at the end
		// (exclusive), unscheduled.
		i1 := f.item(t, "a-editor", c1, "Grain text",
			f.variantFor("a-x", at("2026-12-01T00:00:00Z")),
			f.variantFor("a-telegram", at("2026-12-03T12:00:00+02:00")),
			f.variantFor("a-bluesky", at("2026-12-07T23:59:59Z")),
			f.variantFor("a-x", at("2026-11-30T23:59:59Z")),
			f.variantFor("a-telegram", at("2026-12-08T00:00:00Z")),
			f.variantFor("a-bluesky", nil))
		i2 := f.item(t, "a-editor", c2, "Balkans text of A", f.variantFor("a-telegram", at("2026-12-04T08:00:00Z")))
		p := campaign.Item{Text: "Balkans text of P"}
		if err := f.svc.CreateItem(ctx, f.u["p-editor"], c2.ID, 0, &p, []campaign.VariantInput{f.variantFor("p-telegram", at("2026-12-05T08:00:00Z"))}); err != nil {
			t.Fatal(err)
		}
		// One variant in review, one scheduled.
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], i1.Variants[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], i2.Variants[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, i2.Variants[0].ID, ""); err != nil {
			t.Fatal(err)
		}

		ids := func(es []campaign.Entry) []int64 {
			out := []int64{}
			for _, x := range es {
				out = append(out, x.VariantID)
			}
			return out
		}
		v := func(it campaign.Item, i int) int64 { return it.Variants[i].ID }
		for _, x := range []struct {
			name string
			f    campaign.CalendarFilter
			want []int64
		}{
			{"all, by time", campaign.CalendarFilter{}, []int64{v(i1, 0), v(i1, 1), v(i2, 0), v(p, 0), v(i1, 2)}},
			{"campaign", campaign.CalendarFilter{CampaignID: c2.ID}, []int64{v(i2, 0), v(p, 0)}},
			{"network", campaign.CalendarFilter{Network: limits.Telegram}, []int64{v(i1, 1), v(i2, 0), v(p, 0)}},
			{"state in review", campaign.CalendarFilter{State: campaign.StateInReview}, []int64{v(i1, 1)}},
			{"state scheduled", campaign.CalendarFilter{State: campaign.StateScheduled}, []int64{v(i2, 0)}},
			{"contributing org", campaign.CalendarFilter{OrgID: f.P.ID}, []int64{v(p, 0)}},
			{"campaign and network", campaign.CalendarFilter{CampaignID: c1.ID, Network: limits.Bluesky}, []int64{v(i1, 2)}},
			{"nothing matches", campaign.CalendarFilter{CampaignID: c1.ID, State: campaign.StateScheduled}, []int64{}},
		} {
			es, err := f.svc.Calendar(ctx, f.A, from, to, x.f)
			if err != nil {
				t.Fatalf("%s: %v", x.name, err)
			}
			if got := ids(es); !slices.Equal(got, x.want) {
				t.Errorf("%s: variants %v, want %v", x.name, got, x.want)
			}
		}
		// An entry carries what the calendar shows, in UTC.
		es, _ := f.svc.Calendar(ctx, f.A, from, to, campaign.CalendarFilter{State: campaign.StateInReview})
		if len(es) == 1 {
			x := es[0]
			if x.CampaignTitle != "Grain" || x.OrgName != "Ministry A" || x.AccountName != "Account a-telegram" || x.Network != limits.Telegram ||
				x.Language != "uk" || x.ItemID != i1.ID || x.CampaignID != c1.ID || x.Excerpt != "Grain text" ||
				!x.ScheduledAt.Equal(*at("2026-12-03T10:00:00Z")) || x.ScheduledAt.Location() != time.UTC {
				t.Errorf("entry: %+v", x)
			}
		}
		// A range given in another zone means the same instants.
		kyivFrom := from.In(time.FixedZone("EET", 2*3600))
		if es, _ := f.svc.Calendar(ctx, f.A, kyivFrom, to, campaign.CalendarFilter{}); len(es) != 5 {
			t.Errorf("range in another zone: %d entries", len(es))
		}
		// The partner sees the joint campaign only, with both
		// organisations' variants; a filter on the other campaign finds
		// nothing.
		es, _ = f.svc.Calendar(ctx, f.P, from, to, campaign.CalendarFilter{})
		if got := ids(es); !slices.Equal(got, []int64{v(i2, 0), v(p, 0)}) {
			t.Errorf("partner's calendar: %v", got)
		}
		if es, _ := f.svc.Calendar(ctx, f.P, from, to, campaign.CalendarFilter{CampaignID: c1.ID}); len(es) != 0 {
			t.Errorf("partner filtering on A's other campaign: %+v", es)
		}
		// Bounds of the range.
		for _, x := range []struct {
			name     string
			from, to time.Time
		}{
			{"empty range", from, from},
			{"end before start", to, from},
			{"more than 400 days", from, from.Add(401 * 24 * time.Hour)},
		} {
			if _, err := f.svc.Calendar(ctx, f.A, x.from, x.to, campaign.CalendarFilter{}); fieldOf(err) != "to" {
				t.Errorf("%s: %v, want an error on to", x.name, err)
			}
		}
		if _, err := f.svc.Calendar(ctx, f.A, from, from.Add(400*24*time.Hour), campaign.CalendarFilter{}); err != nil {
			t.Errorf("400 days: %v", err)
		}
	})
}

// Long texts are cut at a character boundary for the calendar.
func TestCalendarExcerpt(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c := f.campaign(t, f.A, "Long", "2026-12-01", "2026-12-31")
		text := strings.Repeat("ქართული ", 40) // Georgian, 3 bytes a letter
		f.item(t, "a-editor", c, text, f.variantFor("a-telegram", at("2026-12-02T10:00:00Z")))
		es, err := f.svc.Calendar(ctx, f.A, *at("2026-12-01T00:00:00Z"), *at("2026-12-31T00:00:00Z"), campaign.CalendarFilter{})
		if err != nil || len(es) != 1 {
			t.Fatalf("%v, %v", es, err)
		}
		r := []rune(es[0].Excerpt)
		if len(r) != 140 || r[139] != '…' || !strings.HasPrefix(text, string(r[:139])) {
			t.Errorf("excerpt %q (%d characters)", es[0].Excerpt, len(r))
		}
	})
}
