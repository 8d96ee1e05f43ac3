package app_test

// Campaign studio resources for the matrix and the API tests, made through
// the service directly. Titles and texts contain the owning organisation's
// name, so that a response that leaks them to a stranger is caught by the
// matrix's check for the organisation's name.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/org"
)

// campaignAuthor is who makes resources in o: A's editor in A, the
// outsider (B's admin) in B, A's admin (also the mission's admin) in the
// mission.
func campaignAuthor(t *testing.T, f *Fixture, o org.Org) *TestUser {
	t.Helper()
	switch o.ID {
	case f.A.ID:
		return f.Members[authz.Editor]
	case f.B.ID:
		return f.Outsider
	case f.Mission.ID:
		return f.Members[authz.Admin]
	}
	t.Fatalf("no campaign author for %s", o.Slug)
	return nil
}

func principalOf(t *testing.T, f *Fixture, u *TestUser) *authz.Principal {
	t.Helper()
	p, err := f.Auth.Principal(context.Background(), u.User)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// accounts caches one Telegram account per fixture and organisation.
var accounts sync.Map // accountKey → int64

type accountKey struct {
	f   *Fixture
	org int64
}

// accountOf returns o's Telegram channel account, made once.
func accountOf(t *testing.T, f *Fixture, o org.Org) int64 {
	t.Helper()
	if id, ok := accounts.Load(accountKey{f, o.ID}); ok {
		return id.(int64)
	}
	id := newAccount(t, f, o, limits.Telegram, "uk")
	accounts.Store(accountKey{f, o.ID}, id)
	return id
}

// newAccount adds a channel account to o.
func newAccount(t *testing.T, f *Fixture, o org.Org, n limits.Network, lang string) int64 {
	t.Helper()
	a := channel.Account{OrgID: o.ID, Network: n, Name: fmt.Sprintf("%s %s %d", o.Name, n, f.Seq()), Handle: fmt.Sprintf("@%s%d", o.Slug, f.Seq()), Language: lang}
	if err := channel.Insert(context.Background(), f.DB.W(), &a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// newCampaign creates a campaign of o.
func newCampaign(t *testing.T, f *Fixture, o org.Org) campaign.Campaign {
	t.Helper()
	c := campaign.Campaign{Title: fmt.Sprintf("Campaign %d of %s", f.Seq(), o.Name), Brief: "Brief of " + o.Name,
		Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}}
	if err := f.Campaigns.Create(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), audit.System, o, &c, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// newItem creates an item of a new campaign of o with one scheduled
// variant (a draft).
func newItem(t *testing.T, f *Fixture, o org.Org) campaign.Item {
	t.Helper()
	c := newCampaign(t, f, o)
	when := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	it := campaign.Item{Title: "Item of " + o.Name, Text: "Text of " + o.Name}
	vs := []campaign.VariantInput{{ChannelAccountID: accountOf(t, f, o), Text: "Variant of " + o.Name, ScheduledAt: &when}}
	if err := f.Campaigns.CreateItem(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), c.ID, 0, &it, vs); err != nil {
		t.Fatal(err)
	}
	return it
}

// The resource makers of the matrix.

func campaignIn(t *testing.T, f *Fixture, o org.Org) string { return itoa(newCampaign(t, f, o).ID) }

func itemIn(t *testing.T, f *Fixture, o org.Org) string { return itoa(newItem(t, f, o).ID) }

func variantIn(t *testing.T, f *Fixture, o org.Org) string {
	return itoa(newItem(t, f, o).Variants[0].ID)
}

// submittedVariantIn makes a variant in review, written by o's campaign
// author.
func submittedVariantIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	v := newItem(t, f, o).Variants[0]
	if _, err := f.Campaigns.Submit(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), v.ID); err != nil {
		t.Fatal(err)
	}
	return itoa(v.ID)
}

// jointCampaignIn makes a campaign of o with the programme as partner (no
// fixture user of A or B is a member of the programme).
func jointCampaignIn(t *testing.T, f *Fixture, o org.Org) string {
	t.Helper()
	c := newCampaign(t, f, o)
	if err := f.Campaigns.AddPartner(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), audit.System, c.ID, f.Programme.ID); err != nil {
		t.Fatal(err)
	}
	return itoa(c.ID)
}

// newAccountOfA gives {id}: a new channel account of A per request.
func newAccountOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	return map[string]string{"id": itoa(newAccount(t, f, f.A, limits.X, "en"))}
}

// accountOfA gives {account}: A's Telegram account.
func accountOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	return map[string]string{"account": itoa(accountOf(t, f, f.A))}
}
