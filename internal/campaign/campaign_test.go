package campaign_test

// Shared fixture of the campaign tests, and the validation rules of a
// campaign and its plan (no database).

import (
	"context"
	"errors"
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

var ctx = context.Background()

// fixture: ministry A (the owner of campaigns) with a user of each role it
// needs, partner ministry P (invited into joint campaigns), and ministry B
// (a stranger). Principals are built from the memberships directly, as
// auth.Service.Principal would.
type fixture struct {
	e   testutil.Engine
	svc *campaign.Service
	A   org.Org
	B   org.Org
	P   org.Org
	// users by key: a-admin, a-editor, a-editor2, a-reviewer, a-reviewer2,
	// a-analyst, a-trainer, p-editor, p-reviewer, b-admin.
	u   map[string]*authz.Principal
	acc map[string]channel.Account // a-x, a-bluesky, a-telegram, p-telegram, b-x
	seq int
}

func newFixture(t *testing.T, e testutil.Engine) *fixture {
	t.Helper()
	f := &fixture{e: e, svc: &campaign.Service{DB: e.DB}, u: map[string]*authz.Principal{}, acc: map[string]channel.Account{}}
	mk := func(slug, name string) org.Org {
		o := org.Org{Slug: slug, Name: name, Kind: org.Ministry, TimeZone: "Europe/Kyiv"}
		if err := org.InsertOrg(ctx, e.DB.W(), &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.A, f.P, f.B = mk("ministry-a", "Ministry A"), mk("ministry-p", "Ministry P"), mk("ministry-b", "Ministry B")
	for _, x := range []struct {
		key  string
		o    org.Org
		role authz.Role
	}{
		{"a-admin", f.A, authz.Admin}, {"a-editor", f.A, authz.Editor}, {"a-editor2", f.A, authz.Editor},
		{"a-reviewer", f.A, authz.Reviewer}, {"a-reviewer2", f.A, authz.Reviewer}, {"a-analyst", f.A, authz.Analyst},
		{"a-trainer", f.A, authz.Trainer}, {"p-editor", f.P, authz.Editor}, {"p-reviewer", f.P, authz.Reviewer},
		{"b-admin", f.B, authz.Admin},
	} {
		var id int64
		if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP) RETURNING id",
			x.key+"@example.org", "User "+x.key).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := org.AddMember(ctx, e.DB.W(), x.o.ID, id, x.role); err != nil {
			t.Fatal(err)
		}
		f.u[x.key] = &authz.Principal{UserID: id, Email: x.key + "@example.org", Memberships: []authz.Membership{{OrgID: x.o.ID, Role: x.role}}}
	}
	for _, x := range []struct {
		key  string
		o    org.Org
		n    limits.Network
		lang string
	}{
		{"a-x", f.A, limits.X, "en"}, {"a-bluesky", f.A, limits.Bluesky, "en"}, {"a-telegram", f.A, limits.Telegram, "uk"},
		{"p-telegram", f.P, limits.Telegram, "pl"}, {"b-x", f.B, limits.X, "en"},
	} {
		a := channel.Account{OrgID: x.o.ID, Network: x.n, Name: "Account " + x.key, Handle: "@" + x.key, Language: x.lang}
		if err := channel.Insert(ctx, e.DB.W(), &a); err != nil {
			t.Fatal(err)
		}
		f.acc[x.key] = a
	}
	return f
}

// campaign creates a campaign of o by A's (or P's, B's) first editor/admin.
func (f *fixture) campaign(t *testing.T, o org.Org, title string, start, end string) campaign.Campaign {
	t.Helper()
	by := map[int64]string{f.A.ID: "a-editor", f.P.ID: "p-editor", f.B.ID: "b-admin"}[o.ID]
	c := campaign.Campaign{Title: title, Period: campaign.Period{Start: start, End: end}}
	if err := f.svc.Create(ctx, f.u[by], audit.System, o, &c, nil); err != nil {
		t.Fatalf("create campaign %q: %v", title, err)
	}
	return c
}

// item adds an item with one variant per (account, time) to a campaign,
// written by user.
func (f *fixture) item(t *testing.T, user string, c campaign.Campaign, text string, vs ...campaign.VariantInput) campaign.Item {
	t.Helper()
	it := campaign.Item{Title: "Item", Text: text}
	if err := f.svc.CreateItem(ctx, f.u[user], c.ID, 0, &it, vs); err != nil {
		t.Fatalf("create item: %v", err)
	}
	return it
}

func (f *fixture) variantFor(acc string, at *time.Time) campaign.VariantInput {
	return campaign.VariantInput{ChannelAccountID: f.acc[acc].ID, ScheduledAt: at}
}

// count returns the number of rows of a table (for all-or-nothing checks).
func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// fieldOf names the field of a validation error ("" when err is not one).
func fieldOf(err error) string {
	var fe *campaign.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func mustErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func TestCampaignValidate(t *testing.T) {
	base := func() campaign.Campaign {
		return campaign.Campaign{Title: "Grain from Ukraine", Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}}
	}
	for _, c := range []struct {
		name   string
		change func(*campaign.Campaign)
		field  string
	}{
		{"valid", func(*campaign.Campaign) {}, ""},
		{"one-day period", func(c *campaign.Campaign) { c.Period.End = c.Period.Start }, ""},
		{"title missing", func(c *campaign.Campaign) { c.Title = "   " }, "title"},
		{"title too long", func(c *campaign.Campaign) { c.Title = strings.Repeat("я", 201) }, "title"},
		{"control character", func(c *campaign.Campaign) { c.Title = "a\x00b" }, "title"},
		{"unknown status", func(c *campaign.Campaign) { c.Status = "paused" }, "status"},
		{"start missing", func(c *campaign.Campaign) { c.Period.Start = "" }, "period/start"},
		{"start not a date", func(c *campaign.Campaign) { c.Period.Start = "2026-13-01" }, "period/start"},
		{"end in another format", func(c *campaign.Campaign) { c.Period.End = "31.12.2026" }, "period/end"},
		{"end before start", func(c *campaign.Campaign) { c.Period.End = "2026-11-30" }, "period/end"},
		{"longer than five years", func(c *campaign.Campaign) { c.Period.End = "2032-12-31" }, "period/end"},
		{"too many tags", func(c *campaign.Campaign) { c.Tags = strings.Split(strings.Repeat("t,", 21), ",")[:21] }, "tags"},
		{"empty tag", func(c *campaign.Campaign) { c.Tags = []string{"grain", " "} }, "tags/1"},
		{"tag too long", func(c *campaign.Campaign) { c.Tags = []string{strings.Repeat("x", 41)} }, "tags/0"},
		{"utm too long", func(c *campaign.Campaign) { c.UTMSource = strings.Repeat("x", 101) }, "utm_source"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := base()
			c.change(&x)
			err := x.Validate()
			if got := fieldOf(err); got != c.field || (c.field == "" && err != nil) {
				t.Errorf("Validate() = %v (field %q), want field %q", err, got, c.field)
			}
		})
	}
	// Normalised: trimmed, draft by default, tags deduplicated ignoring case.
	x := base()
	x.Title, x.Tags = "  Grain  ", []string{"Grain", " EU ", "grain", "Зерно", "зерно"}
	if err := x.Validate(); err != nil {
		t.Fatal(err)
	}
	if x.Title != "Grain" || x.Status != campaign.Draft || strings.Join(x.Tags, ",") != "Grain,EU,Зерно" {
		t.Errorf("not normalised: title %q status %q tags %q", x.Title, x.Status, x.Tags)
	}
}

func TestPlanValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		err   error
		field string
	}{
		{"objective ok", (&campaign.Objective{Title: "Reach", Metric: "reach", TargetValue: 1e6, DueDate: "2026-12-31"}).Validate(0), ""},
		{"objective without title", (&campaign.Objective{Metric: "reach"}).Validate(2), "objectives/2/title"},
		{"objective without metric", (&campaign.Objective{Title: "Reach"}).Validate(0), "objectives/0/metric"},
		{"negative target", (&campaign.Objective{Title: "Reach", Metric: "reach", TargetValue: -1}).Validate(0), "objectives/0/target_value"},
		{"bad due date", (&campaign.Objective{Title: "Reach", Metric: "reach", DueDate: "tomorrow"}).Validate(1), "objectives/1/due_date"},
		{"audience ok", (&campaign.Audience{Country: "pl"}).Validate(0), ""},
		{"audience country of three letters", (&campaign.Audience{Country: "POL"}).Validate(0), "audiences/0/country"},
		{"audience of nothing", (&campaign.Audience{}).Validate(3), "audiences/3/description"},
		{"message ok", (&campaign.KeyMessage{Title: "Grain", Translations: map[string]string{"uk": "Зерно", "en": "Grain"}}).Validate(0), ""},
		{"message without title", (&campaign.KeyMessage{}).Validate(0), "key_messages/0/title"},
		{"message language x", (&campaign.KeyMessage{Title: "G", Translations: map[string]string{"x": "?"}}).Validate(0), "key_messages/0/translations"},
		{"message empty translation", (&campaign.KeyMessage{Title: "G", Translations: map[string]string{"uk": " "}}).Validate(1), "key_messages/1/translations/uk"},
	} {
		if got := fieldOf(c.err); got != c.field || (c.field == "" && c.err != nil) {
			t.Errorf("%s: %v (field %q), want field %q", c.name, c.err, got, c.field)
		}
	}
	a := campaign.Audience{Country: " ua ", Language: "uk"}
	if err := a.Validate(0); err != nil || a.Country != "UA" {
		t.Errorf("audience not normalised: %+v %v", a, err)
	}
}

func TestTagLink(t *testing.T) {
	c := campaign.Campaign{Title: "Зерно з України 2026!"}
	c.DefaultUTM()
	if c.UTMMedium != "social" || c.UTMCampaign != "зерно-з-україни-2026" {
		t.Errorf("DefaultUTM: medium %q campaign %q", c.UTMMedium, c.UTMCampaign)
	}
	got := c.TagLink("https://mfa.gov.ua/news?id=7&utm_medium=email", "telegram")
	for _, want := range []string{"id=7", "utm_source=telegram", "utm_medium=email", "utm_campaign="} {
		if !strings.Contains(got, want) {
			t.Errorf("TagLink = %q, want it to contain %q", got, want)
		}
	}
	if got := c.TagLink("mailto:press@mfa.gov.ua", "x"); got != "mailto:press@mfa.gov.ua" {
		t.Errorf("a non-web link is changed: %q", got)
	}
}

// A LengthError names the variant's text in the request.
func TestLengthErrorField(t *testing.T) {
	m := limits.Count(limits.X, strings.Repeat("a", 281), limits.Options{})
	for _, c := range []struct {
		index int
		want  string
	}{{-1, "text"}, {0, "variants/0/text"}, {2, "variants/2/text"}} {
		e := &campaign.LengthError{Index: c.index, Measure: m}
		if e.Field() != c.want || !strings.Contains(e.Error(), "281") {
			t.Errorf("index %d: field %q, error %q", c.index, e.Field(), e.Error())
		}
	}
}
