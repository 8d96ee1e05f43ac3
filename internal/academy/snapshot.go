package academy

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
)

// PlanSnapshot is a campaign plan as handed in: the campaign, its plan
// (objectives with KPIs, audiences, key messages with their translations),
// its items with their variants and attachments, and the calendar those
// make. It is frozen as JSON in submissions.snapshot when the participant
// submits, so that what the trainer reviews no longer changes with the
// sandbox. It holds no names of people (peer reviewers read it too).
type PlanSnapshot struct {
	TakenAt     time.Time             `json:"taken_at"`
	CampaignID  int64                 `json:"campaign_id"`
	Title       string                `json:"title"`
	Brief       string                `json:"brief"` // Markdown
	Status      campaign.Status       `json:"status"`
	Period      campaign.Period       `json:"period"`
	Tags        []string              `json:"tags"`
	UTMSource   string                `json:"utm_source"`
	UTMMedium   string                `json:"utm_medium"`
	UTMCampaign string                `json:"utm_campaign"`
	Objectives  []campaign.Objective  `json:"objectives"`
	Audiences   []campaign.Audience   `json:"audiences"`
	KeyMessages []campaign.KeyMessage `json:"key_messages"`
	Items       []SnapshotItem        `json:"items"`
	Calendar    []CalendarLine        `json:"calendar"`
}

// SnapshotItem is a content item of the plan.
type SnapshotItem struct {
	Title    string            `json:"title"`
	Text     string            `json:"text"`
	LinkURL  string            `json:"link_url,omitempty"`
	Media    []SnapshotMedia   `json:"media"`
	Variants []SnapshotVariant `json:"variants"`
}

// SnapshotMedia is an attachment of an item (described, not copied).
type SnapshotMedia struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	AltText     string `json:"alt_text"`
}

// SnapshotVariant is an item's text for one account and language.
type SnapshotVariant struct {
	Network     limits.Network `json:"network"`
	Account     string         `json:"account"`
	Language    string         `json:"language"`
	Text        string         `json:"text"`
	ScheduledAt *time.Time     `json:"scheduled_at,omitempty"`
	State       campaign.State `json:"state"`
	Version     int            `json:"version"`
}

// CalendarLine is one scheduled variant, in time order.
type CalendarLine struct {
	At       time.Time      `json:"at"`
	Item     string         `json:"item"`
	Network  limits.Network `json:"network"`
	Account  string         `json:"account"`
	Language string         `json:"language"`
	State    campaign.State `json:"state"`
}

// takeSnapshot reads a campaign of the participant's sandbox through the
// campaign studio (as the participant, who is its admin).
func (s *Service) takeSnapshot(ctx context.Context, p *authz.Principal, sandboxOrgID, campaignID int64) (PlanSnapshot, error) {
	var snap PlanSnapshot
	if s.Campaigns == nil {
		return snap, fmt.Errorf("snapshot: the campaign studio is not available")
	}
	ac, plan, err := s.Campaigns.Get(ctx, p, campaignID)
	if err != nil {
		return snap, err
	}
	if ac.Campaign.OrgID != sandboxOrgID {
		return snap, &FieldError{Field: "campaign_id", Reason: "is not a campaign of your training sandbox"}
	}
	c := ac.Campaign
	snap = PlanSnapshot{TakenAt: now(), CampaignID: c.ID, Title: c.Title, Brief: c.Brief, Status: c.Status, Period: c.Period,
		Tags: c.Tags, UTMSource: c.UTMSource, UTMMedium: c.UTMMedium, UTMCampaign: c.UTMCampaign,
		Objectives: plan.Objectives, Audiences: plan.Audiences, KeyMessages: plan.KeyMessages,
		Items: []SnapshotItem{}, Calendar: []CalendarLine{}}
	if snap.Tags == nil {
		snap.Tags = []string{}
	}
	accs, err := channel.List(ctx, s.DB.R(), sandboxOrgID, true)
	if err != nil {
		return snap, err
	}
	names := map[int64]string{}
	for _, a := range accs {
		names[a.ID] = a.Name
	}
	items, err := s.Campaigns.Items(ctx, p, campaignID)
	if err != nil {
		return snap, err
	}
	for _, it := range items {
		si := SnapshotItem{Title: it.Title, Text: it.Text, LinkURL: it.LinkURL, Media: []SnapshotMedia{}, Variants: []SnapshotVariant{}}
		if s.StudioFiles != nil {
			_, ms, _, err := s.Campaigns.ItemMedia(ctx, p, s.StudioFiles, it.ID)
			if err != nil {
				return snap, err
			}
			for _, m := range ms {
				si.Media = append(si.Media, SnapshotMedia{FileName: m.FileName, ContentType: m.ContentType, AltText: m.AltText})
			}
		}
		for _, v := range it.Variants {
			si.Variants = append(si.Variants, SnapshotVariant{Network: v.Network, Account: names[v.ChannelAccountID], Language: v.Language,
				Text: v.Text, ScheduledAt: v.ScheduledAt, State: v.State, Version: v.Version})
			if v.ScheduledAt != nil {
				title := it.Title
				if title == "" {
					title = clipRunes(it.Text, 80)
				}
				snap.Calendar = append(snap.Calendar, CalendarLine{At: v.ScheduledAt.UTC(), Item: title, Network: v.Network,
					Account: names[v.ChannelAccountID], Language: v.Language, State: v.State})
			}
		}
		snap.Items = append(snap.Items, si)
	}
	sort.SliceStable(snap.Calendar, func(i, j int) bool { return snap.Calendar[i].At.Before(snap.Calendar[j].At) })
	return snap, nil
}

// Snapshot decodes a submission's frozen campaign plan (nil when it has
// none).
func (sub Submission) Snapshot() (*PlanSnapshot, error) {
	if sub.SnapshotJSON == "" {
		return nil, nil
	}
	var snap PlanSnapshot
	if err := json.Unmarshal([]byte(sub.SnapshotJSON), &snap); err != nil {
		return nil, fmt.Errorf("submission %d: snapshot: %w", sub.ID, err)
	}
	return &snap, nil
}
