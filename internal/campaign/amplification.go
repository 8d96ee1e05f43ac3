package campaign

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
)

// AmpState is where an amplification request stands.
type AmpState string

const (
	AmpPending  AmpState = "pending"
	AmpAccepted AmpState = "accepted" // the mission made a variant of the master text
	AmpAdapted  AmpState = "adapted"  // the mission made a variant with its own text
	AmpDeclined AmpState = "declined"
)

// Amplification is headquarters asking one of its missions to publish a
// localised variant of an item.
type Amplification struct {
	ID           int64      `json:"id"`
	ItemID       int64      `json:"item_id"`
	CampaignID   int64      `json:"campaign_id"`
	FromOrgID    int64      `json:"from_org_id"`
	ToOrgID      int64      `json:"to_org_id"`
	ToOrgName    string     `json:"to_org_name"`
	ToOrgSlug    string     `json:"-"`
	State        AmpState   `json:"state"`
	Note         string     `json:"note"`
	ResponseNote string     `json:"response_note"`
	VariantID    int64      `json:"variant_id,omitempty"`
	VariantState State      `json:"variant_state,omitempty"`
	RequestedBy  int64      `json:"requested_by,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	RespondedAt  *time.Time `json:"responded_at"`
	// What the mission needs to answer (set in its inbox).
	ItemTitle     string       `json:"item_title"`
	ItemText      string       `json:"item_text"`
	CampaignTitle string       `json:"campaign_title"`
	KeyMessages   []KeyMessage `json:"key_messages,omitempty"`
}

// ErrNotMinistry refuses amplification of a campaign whose owner is not a
// ministry: only a ministry has missions.
var ErrNotMinistry = &FieldError{Field: "org_ids", Reason: "only a ministry's campaign can be sent to missions"}

// RequestAmplification sends an item of a ministry's campaign to some of
// the ministry's missions. Only editors of the owning ministry
// (headquarters) may. Each mission is added as a partner of the campaign:
// a mission is part of its ministry, it needs the campaign's brief, key
// messages and calendar to localise well, AddVariant already requires the
// contributing organisation to be a partner, and headquarters sees and can
// revoke the partnership like any other. Sending again to a mission that
// already has a request for the item keeps that request.
func (s *Service) RequestAmplification(ctx context.Context, p *authz.Principal, a audit.Actor, itemID int64, orgIDs []int64, note string) ([]Amplification, error) {
	it, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return nil, err
	}
	c := ac.Campaign
	if !authz.Can(p, c.OrgID, authz.EditCampaigns) {
		return nil, authz.ErrForbidden
	}
	owner, err := org.GetOrg(ctx, s.DB.R(), c.OrgID)
	if err != nil {
		return nil, err
	}
	if owner.Kind != org.Ministry {
		return nil, ErrNotMinistry
	}
	if note, err = cleanText("note", note, 2000, false); err != nil {
		return nil, err
	}
	if len(orgIDs) == 0 || len(orgIDs) > 100 {
		return nil, &FieldError{Field: "org_ids", Reason: "name between 1 and 100 missions"}
	}
	var missions []org.Org
	for i, id := range orgIDs {
		if slices.ContainsFunc(missions, func(m org.Org) bool { return m.ID == id }) {
			continue
		}
		m, err := org.GetOrg(ctx, s.DB.R(), id)
		// The same words whether the organisation is missing or someone
		// else's: the request reveals nothing about other organisations.
		if errors.Is(err, db.ErrNotFound) || err == nil && (m.Kind != org.Mission || m.ParentID != owner.ID) {
			return nil, &FieldError{Field: "org_ids/" + strconv.Itoa(i), Reason: "is not a mission of " + owner.Name}
		}
		if err != nil {
			return nil, err
		}
		missions = append(missions, m)
	}
	title := itemTitle(it)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, m := range missions {
			if err := addPartner(ctx, tx, c.ID, m.ID, p.UserID); err != nil {
				return err
			}
			id, created, err := insertAmplification(ctx, tx, it.ID, owner.ID, m.ID, note, p.UserID)
			if err != nil {
				return err
			}
			if !created {
				continue
			}
			if err := audit.Append(ctx, tx, a.Entry(owner.ID, "amplification.request", "item:"+strconv.FormatInt(it.ID, 10),
				map[string]string{"to_org_id": strconv.FormatInt(m.ID, 10)})); err != nil {
				return err
			}
			editors, err := org.ListMembers(ctx, tx, m.ID)
			if err != nil {
				return err
			}
			for _, e := range editors {
				if !authz.Allowed(e.Role, authz.EditCampaigns) || e.UserID == p.UserID {
					continue
				}
				if err := notify.Notify(ctx, tx, notify.Notification{UserID: e.UserID, OrgID: m.ID, Kind: notify.AmplificationRequest,
					Title: title + " · " + owner.Name, Link: "/o/" + m.Slug + "/amplification/" + strconv.FormatInt(id, 10)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Notify.Wake()
	return listAmplifications(ctx, s.DB.R(), "r.item_id = ?", it.ID)
}

func itemTitle(it Item) string {
	if it.Title != "" {
		return it.Title
	}
	return notify.Snippet(it.Text)
}

// ItemAmplification shows the requests for an item: all of them to
// readers in the owning organisation (headquarters sees the network),
// otherwise only those to organisations the reader belongs to.
func (s *Service) ItemAmplification(ctx context.Context, p *authz.Principal, itemID int64) ([]Amplification, error) {
	_, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return nil, err
	}
	rs, err := listAmplifications(ctx, s.DB.R(), "r.item_id = ?", itemID)
	return visibleTo(p, ac.Campaign, rs), err
}

// CampaignAmplification is ItemAmplification for every item of a campaign.
func (s *Service) CampaignAmplification(ctx context.Context, p *authz.Principal, campaignID int64) ([]Amplification, error) {
	ac, err := s.access(ctx, p, campaignID, authz.UseCampaigns)
	if err != nil {
		return nil, err
	}
	rs, err := listAmplifications(ctx, s.DB.R(), "i.campaign_id = ?", campaignID)
	return visibleTo(p, ac.Campaign, rs), err
}

func visibleTo(p *authz.Principal, c Campaign, rs []Amplification) []Amplification {
	if authz.Can(p, c.OrgID, authz.UseCampaigns) {
		return rs
	}
	return slices.DeleteFunc(rs, func(r Amplification) bool { return !authz.Can(p, r.ToOrgID, authz.UseCampaigns) })
}

// AmplificationInbox lists the requests sent to o (resolved by the caller
// with UseCampaigns), pending first, each with the item's text and the
// campaign's key messages.
func (s *Service) AmplificationInbox(ctx context.Context, o org.Org, state AmpState) ([]Amplification, error) {
	where, args := "r.to_org_id = ?", []any{o.ID}
	if state != "" {
		where += " AND r.state = ?"
		args = append(args, state)
	}
	rs, err := listAmplifications(ctx, s.DB.R(), where, args...)
	if err != nil {
		return nil, err
	}
	return rs, s.withKeyMessages(ctx, rs)
}

func (s *Service) withKeyMessages(ctx context.Context, rs []Amplification) error {
	plans := map[int64][]KeyMessage{}
	for i := range rs {
		kms, ok := plans[rs[i].CampaignID]
		if !ok {
			plan, err := getPlan(ctx, s.DB.R(), rs[i].CampaignID)
			if err != nil {
				return err
			}
			kms = plan.KeyMessages
			plans[rs[i].CampaignID] = kms
		}
		rs[i].KeyMessages = kms
	}
	return nil
}

// GetAmplification returns one request for a member of the mission it
// was sent to, or of the ministry that sent it, with what is needed to
// answer it.
func (s *Service) GetAmplification(ctx context.Context, p *authz.Principal, id int64) (Amplification, error) {
	r, err := getAmplification(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return r, authz.ErrNotMember
	}
	if err != nil {
		return r, err
	}
	if err := authz.Require(p, r.ToOrgID, authz.UseCampaigns); err != nil {
		if err2 := authz.Require(p, r.FromOrgID, authz.UseCampaigns); err2 != nil {
			return Amplification{}, err
		}
	}
	rs := []Amplification{r}
	return rs[0], s.withKeyMessages(ctx, rs)
}

// AmpAnswer is a mission's answer. Accept and adapt create the mission's
// variant for one of its own channel accounts (adapt with its own text);
// decline needs a reason in Note.
type AmpAnswer struct {
	Action  string // accept, adapt or decline
	Variant VariantInput
	Note    string
}

// AnswerAmplification records a mission's answer (editors of the mission
// only) and tells the requester.
func (s *Service) AnswerAmplification(ctx context.Context, p *authz.Principal, a audit.Actor, id int64, ans AmpAnswer) (Amplification, error) {
	r, err := getAmplification(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return r, authz.ErrNotMember
	}
	if err != nil {
		return r, err
	}
	if err := authz.Require(p, r.ToOrgID, authz.EditCampaigns); err != nil {
		if errors.Is(err, authz.ErrNotMember) && authz.Can(p, r.FromOrgID, authz.UseCampaigns) {
			err = authz.ErrForbidden // headquarters sees the request but does not answer for the mission
		}
		return r, err
	}
	if r.State != AmpPending {
		return r, ErrWrongState
	}
	if ans.Note, err = cleanText("note", ans.Note, 2000, ans.Action == "decline"); err != nil {
		if ans.Action == "decline" && ans.Note == "" {
			return r, &FieldError{Field: "note", Reason: "say why the mission declines"}
		}
		return r, err
	}
	var v *Variant
	var to AmpState
	switch ans.Action {
	case "decline":
		to = AmpDeclined
	case "accept", "adapt":
		to = AmpAccepted
		if ans.Action == "adapt" {
			to = AmpAdapted
			if _, err := cleanText("text", ans.Variant.Text, 100000, true); err != nil {
				return r, err
			}
		} else {
			ans.Variant.Text = "" // the master text, unchanged
		}
		it, ac, err := s.GetItem(ctx, p, r.ItemID)
		if err != nil {
			return r, err
		}
		// The mission contributes as a partner of the campaign (see
		// RequestAmplification), with the rules of AddVariant.
		orgID, err := actingOrg(p, ac, r.ToOrgID)
		if err != nil {
			return r, err
		}
		acc, err := s.checkVariantFor(ctx, s.DB.R(), orgID, &ans.Variant, -1, &it)
		if err != nil {
			return r, err
		}
		in := ans.Variant
		v = &Variant{ItemID: it.ID, CampaignID: it.CampaignID, OrgID: orgID, ChannelAccountID: acc.ID, Network: acc.Network, Language: in.Language,
			Text: in.Text, ScheduledAt: in.ScheduledAt, AuthorID: p.UserID}
	default:
		return r, &FieldError{Field: "action", Reason: "must be accept, adapt or decline"}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var variantID int64
		if v != nil {
			if err := insertVariant(ctx, tx, v); err != nil {
				return err
			}
			variantID = v.ID
		}
		ok, err := answerAmplification(ctx, tx, id, to, ans.Note, variantID, p.UserID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState // answered meanwhile; the variant is rolled back
		}
		if err := audit.Append(ctx, tx, a.Entry(r.ToOrgID, "amplification."+string(to), "item:"+strconv.FormatInt(r.ItemID, 10),
			map[string]string{"request_id": strconv.FormatInt(id, 10), "variant_id": strconv.FormatInt(variantID, 10)})); err != nil {
			return err
		}
		if r.RequestedBy == 0 || r.RequestedBy == p.UserID {
			return nil
		}
		from, err := org.GetOrg(ctx, tx, r.FromOrgID)
		if err != nil {
			return err
		}
		return notify.Notify(ctx, tx, notify.Notification{UserID: r.RequestedBy, OrgID: from.ID, Kind: notify.AmplificationAnswered,
			Title: r.ToOrgName + " · " + itemTitle(Item{Title: r.ItemTitle, Text: r.ItemText}),
			Link:  "/o/" + from.Slug + "/items/" + strconv.FormatInt(r.ItemID, 10) + "/comments#amplification"})
	})
	if err != nil {
		return r, err
	}
	s.Notify.Wake()
	return getAmplification(ctx, s.DB.R(), id)
}

// AmplificationTargets lists the missions p may send an item to: the
// missions of the owning ministry, for its editors; none for anyone else.
func (s *Service) AmplificationTargets(ctx context.Context, p *authz.Principal, itemID int64) ([]org.Org, error) {
	_, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return nil, err
	}
	if !authz.Can(p, ac.Campaign.OrgID, authz.EditCampaigns) {
		return nil, nil
	}
	return listMissions(ctx, s.DB.R(), ac.Campaign.OrgID)
}
