package campaign

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/org"
)

// Plan export: a campaign with everything a briefing or a spreadsheet
// needs, read once.

// ExportData is a campaign's plan and content as one reader sees it.
type ExportData struct {
	Campaign Campaign
	Plan     Plan
	Items    []Item
	Owner    org.Org
	Partners []org.Org
	// Accounts are the channel accounts the variants use, by id.
	Accounts map[int64]channel.Account
	// Location is the reading organisation's time zone: times are shown
	// in it.
	Location *time.Location
	Reader   org.Org
}

// Export loads what a plan export needs, for a reader of the campaign.
func (s *Service) Export(ctx context.Context, p *authz.Principal, campaignID int64) (ExportData, error) {
	ac, plan, err := s.Get(ctx, p, campaignID)
	if err != nil {
		return ExportData{}, err
	}
	items, err := listItems(ctx, s.DB.R(), campaignID)
	if err != nil {
		return ExportData{}, err
	}
	d := ExportData{Campaign: ac.Campaign, Plan: plan, Items: items, Accounts: map[int64]channel.Account{}, Location: time.UTC}
	if d.Owner, err = org.GetOrg(ctx, s.DB.R(), ac.Campaign.OrgID); err != nil {
		return d, err
	}
	d.Reader = d.Owner
	for _, id := range ac.Campaign.Partners {
		if o, err := org.GetOrg(ctx, s.DB.R(), id); err == nil {
			d.Partners = append(d.Partners, o)
			if id == ac.OrgID {
				d.Reader = o
			}
		}
	}
	if loc, err := time.LoadLocation(d.Reader.TimeZone); err == nil {
		d.Location = loc
	}
	orgs := map[int64]bool{}
	for _, it := range items {
		for _, v := range it.Variants {
			orgs[v.OrgID] = true
		}
	}
	for id := range orgs {
		accs, err := channel.List(ctx, s.DB.R(), id, true)
		if err != nil {
			return d, err
		}
		for _, a := range accs {
			d.Accounts[a.ID] = a
		}
	}
	return d, nil
}

// accountRef is how the export names an account: its handle when that is
// unambiguous in its organisation, else its id (the import reads both).
func (d ExportData) accountRef(a channel.Account) string {
	n := 0
	for _, b := range d.Accounts {
		if b.OrgID == a.OrgID && b.ArchivedAt == nil && strings.EqualFold(strings.TrimPrefix(b.Handle, "@"), strings.TrimPrefix(a.Handle, "@")) {
			n++
		}
	}
	if n == 1 && a.ArchivedAt == nil {
		if _, err := strconv.ParseInt(a.Handle, 10, 64); err != nil {
			return a.Handle
		}
	}
	return strconv.FormatInt(a.ID, 10)
}

// WriteCSV writes one row per variant, with the import's columns first so
// that the file imports again (into this or another campaign), then
// columns for people (network, account name, state) that the import
// ignores. Cells a spreadsheet would run as formulas are guarded.
func (d ExportData) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append(append([]string{}, ImportColumns...), exportOnlyColumns...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, it := range d.Items {
		key := fmt.Sprintf("item-%d", it.ID)
		for _, v := range it.Variants {
			a := d.Accounts[v.ChannelAccountID]
			when := ""
			if v.ScheduledAt != nil {
				when = v.ScheduledAt.In(d.Location).Format(time.RFC3339)
			}
			rec := []string{key, it.Title, it.Text, d.accountRef(a), v.Language, v.Text, when, it.LinkURL, string(a.Network), a.Name, string(v.State)}
			for i := range rec {
				rec[i] = guard(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
