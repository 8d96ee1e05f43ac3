package campaign_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// seedCalendarMonth gives an organisation 2,000 variants scheduled in one
// month (a month with nothing before it), across 10 campaigns and 6
// channel accounts, written through the service as users would. Another
// organisation gets the same load in the same month, so that the query
// has to leave it out.
func seedCalendarMonth(b *testing.B, e testutil.Engine) (*campaign.Service, org.Org, time.Time) {
	b.Helper()
	svc := &campaign.Service{DB: e.DB}
	month := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	var first org.Org
	for n, slug := range []string{"bench-a", "bench-b"} {
		o := org.Org{Slug: slug, Name: "Bench " + slug, Kind: org.Ministry, TimeZone: "Europe/Kyiv"}
		if err := org.InsertOrg(ctx, e.DB.W(), &o); err != nil {
			b.Fatal(err)
		}
		var uid int64
		if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP) RETURNING id",
			slug+"@example.org", "Editor "+slug).Scan(&uid); err != nil {
			b.Fatal(err)
		}
		if err := org.AddMember(ctx, e.DB.W(), o.ID, uid, authz.Editor); err != nil {
			b.Fatal(err)
		}
		p := &authz.Principal{UserID: uid, Memberships: []authz.Membership{{OrgID: o.ID, Role: authz.Editor}}}
		nets := []limits.Network{limits.Telegram, limits.X, limits.Facebook, limits.Bluesky, limits.Mastodon, limits.LinkedIn}
		accs := make([]int64, len(nets))
		for i, nw := range nets {
			a := channel.Account{OrgID: o.ID, Network: nw, Name: fmt.Sprintf("Account %d", i), Handle: fmt.Sprintf("acc%d", i), Language: "uk"}
			if err := channel.Insert(ctx, e.DB.W(), &a); err != nil {
				b.Fatal(err)
			}
			accs[i] = a.ID
		}
		text := strings.Repeat("Зерно з України годує світ. Grain from Ukraine feeds the world. ", 3)
		k := 0
		for c := range 10 {
			cp := campaign.Campaign{Title: fmt.Sprintf("Campaign %d", c), Period: campaign.Period{Start: "2027-03-01", End: "2027-03-31"}}
			if err := svc.Create(ctx, p, audit.System, o, &cp, nil); err != nil {
				b.Fatal(err)
			}
			for range 20 { // 20 items × 10 variants per campaign
				vs := make([]campaign.VariantInput, 10)
				for v := range vs {
					at := month.Add(time.Duration(k%(31*24*4)) * 15 * time.Minute) // spread over the month
					vs[v] = campaign.VariantInput{ChannelAccountID: accs[k%len(accs)], Text: text, ScheduledAt: &at}
					k++
				}
				it := campaign.Item{Title: "Item", Text: text}
				if err := svc.CreateItem(ctx, p, cp.ID, 0, &it, vs); err != nil {
					b.Fatal(err)
				}
			}
		}
		if n == 0 {
			first = o
		}
	}
	return svc, first, month
}

// BenchmarkCalendarMonth is the calendar query of a month holding 2,000
// variants, beside the same query for the empty month before it (the
// baseline: a round trip and an index probe).
func BenchmarkCalendarMonth(b *testing.B) {
	for _, e := range testutil.Engines(b) {
		svc, o, month := seedCalendarMonth(b, e)
		for _, c := range []struct {
			name string
			from time.Time
			want int
		}{{"empty-month", month.AddDate(0, -1, 0), 0}, {"2000-variants", month, 2000}} {
			b.Run(e.Name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					es, err := svc.Calendar(ctx, o, c.from, c.from.AddDate(0, 1, 0), campaign.CalendarFilter{})
					if err != nil || len(es) != c.want {
						b.Fatalf("%d entries, want %d: %v", len(es), c.want, err)
					}
				}
			})
		}
	}
}
