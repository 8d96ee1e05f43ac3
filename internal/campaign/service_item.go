package campaign

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
)

// VariantInput is what a user gives for a variant.
type VariantInput struct {
	ChannelAccountID int64
	Language         string
	Text             string
	ScheduledAt      *time.Time
}

// actingOrg chooses the organisation a contribution is made for: the one
// asked for (which must be the owner or a partner where p may edit), or
// the one access came through.
func actingOrg(p *authz.Principal, ac Access, asked int64) (int64, error) {
	if asked == 0 {
		return ac.OrgID, nil
	}
	if asked != ac.Campaign.OrgID && !contains(ac.Campaign.Partners, asked) {
		return 0, &FieldError{Field: "org_id", Reason: "is not the owner or a partner of this campaign"}
	}
	if !authz.Can(p, asked, authz.EditCampaigns) {
		return 0, authz.ErrForbidden
	}
	return asked, nil
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// checkVariant validates one variant input against the account it is for
// and the account's network rules; index names it in errors. It knows only
// the master text: checkVariantFor, given the item, also measures the text
// as published.
func (s *Service) checkVariant(ctx context.Context, q db.Queryer, orgID int64, in *VariantInput, index int, master string) (channel.Account, error) {
	return s.checkVariantFor(ctx, q, orgID, in, index, &Item{Text: master})
}

// checkVariantFor is checkVariant for a variant of it, measuring the text as
// it will be published: links tagged with the campaign's UTM parameters, and
// as a caption when the item has media (an item not stored yet has none).
func (s *Service) checkVariantFor(ctx context.Context, q db.Queryer, orgID int64, in *VariantInput, index int, it *Item) (channel.Account, error) {
	var c Campaign
	var err error
	if it.CampaignID != 0 {
		if c, err = getCampaign(ctx, q, it.CampaignID); err != nil {
			return channel.Account{}, err
		}
	}
	hasMedia, err := s.ItemHasMedia(ctx, it.ID)
	if err != nil {
		return channel.Account{}, err
	}
	return checkVariantWith(ctx, q, orgID, in, index, it.Text, c, hasMedia)
}

// checkVariantWith is the check itself, given the campaign (for its UTM
// parameters; a zero Campaign tags nothing) and whether the item has media.
// Bulk callers load those once.
func checkVariantWith(ctx context.Context, q db.Queryer, orgID int64, in *VariantInput, index int, master string, c Campaign, hasMedia bool) (channel.Account, error) {
	field := func(f string) string {
		if index < 0 {
			return f
		}
		return fmt.Sprintf("variants/%d/%s", index, f)
	}
	acc, err := channel.Get(ctx, q, orgID, in.ChannelAccountID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && acc.ArchivedAt != nil) {
		return acc, &FieldError{Field: field("channel_account_id"), Reason: "is not an active channel account of your organisation"}
	}
	if err != nil {
		return acc, err
	}
	if in.Language == "" {
		in.Language = acc.Language
	}
	if err := channel.CheckLanguage(field("language"), in.Language); err != nil {
		return acc, err
	}
	if in.Text == "" {
		in.Text = master
	}
	if in.Text, err = cleanText(field("text"), in.Text, 100000, true); err != nil {
		return acc, err
	}
	if in.ScheduledAt != nil {
		t := in.ScheduledAt.UTC().Truncate(time.Second)
		in.ScheduledAt = &t
	}
	if m := measurePublished(c, acc.Network, in.Text, acc.Options(hasMedia)); !m.OK() {
		return acc, &LengthError{Index: index, Measure: m}
	}
	return acc, nil
}

// CreateItem adds an item with its variants to a campaign, all or nothing.
// orgID chooses the contributing organisation (0: the one access came
// through).
func (s *Service) CreateItem(ctx context.Context, p *authz.Principal, campaignID, orgID int64, it *Item, vs []VariantInput) error {
	ac, err := s.access(ctx, p, campaignID, authz.EditCampaigns)
	if err != nil {
		return err
	}
	if it.OrgID, err = actingOrg(p, ac, orgID); err != nil {
		return err
	}
	if err := checkItemText(it); err != nil {
		return err
	}
	if len(vs) > 50 {
		return &FieldError{Field: "variants", Reason: "an item has at most 50 variants"}
	}
	it.CampaignID, it.CreatedBy = campaignID, p.UserID
	it.Variants = make([]Variant, 0, len(vs))
	for i := range vs {
		acc, err := s.checkVariantFor(ctx, s.DB.R(), it.OrgID, &vs[i], i, it)
		if err != nil {
			return err
		}
		it.Variants = append(it.Variants, Variant{CampaignID: campaignID, OrgID: it.OrgID, ChannelAccountID: acc.ID, Network: acc.Network,
			Language: vs[i].Language, Text: vs[i].Text, ScheduledAt: vs[i].ScheduledAt, AuthorID: p.UserID})
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertItem(ctx, tx, it); err != nil {
			return err
		}
		for i := range it.Variants {
			it.Variants[i].ItemID = it.ID
			if err := insertVariant(ctx, tx, &it.Variants[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Read back, in the order given: the stored variants carry their
	// measure as published.
	stored, err := listVariants(ctx, s.DB.R(), "v.item_id = ?", it.ID)
	if err != nil {
		return err
	}
	sort.Slice(stored, func(i, j int) bool { return stored[i].ID < stored[j].ID })
	it.Variants = stored
	return nil
}

// Items lists a campaign's items with their variants.
func (s *Service) Items(ctx context.Context, p *authz.Principal, campaignID int64) ([]Item, error) {
	if _, err := s.access(ctx, p, campaignID, authz.UseCampaigns); err != nil {
		return nil, err
	}
	items, err := listItems(ctx, s.DB.R(), campaignID)
	if items == nil {
		items = []Item{}
	}
	return items, err
}

// GetItem returns one item with its variants.
func (s *Service) GetItem(ctx context.Context, p *authz.Principal, itemID int64) (Item, Access, error) {
	it, err := getItem(ctx, s.DB.R(), itemID)
	if errors.Is(err, db.ErrNotFound) {
		return it, Access{}, authz.ErrNotMember
	}
	if err != nil {
		return it, Access{}, err
	}
	ac, err := s.access(ctx, p, it.CampaignID, authz.UseCampaigns)
	if err != nil {
		return Item{}, ac, err
	}
	return it, ac, nil
}

// UpdateItem changes an item's title, master text and link.
func (s *Service) UpdateItem(ctx context.Context, p *authz.Principal, itemID int64, change func(*Item)) (Item, error) {
	it, _, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return it, err
	}
	if !authz.Can(p, it.OrgID, authz.EditCampaigns) {
		return it, authz.ErrForbidden
	}
	change(&it)
	if err := checkItemText(&it); err != nil {
		return it, err
	}
	return it, updateItem(ctx, s.DB.W(), &it)
}

// AddVariant adds a variant to an existing item for the principal's
// organisation orgID (0: the item's organisation).
func (s *Service) AddVariant(ctx context.Context, p *authz.Principal, itemID, orgID int64, in VariantInput) (Variant, error) {
	it, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return Variant{}, err
	}
	if orgID == 0 {
		orgID = it.OrgID
	}
	if orgID, err = actingOrg(p, ac, orgID); err != nil {
		return Variant{}, err
	}
	acc, err := s.checkVariantFor(ctx, s.DB.R(), orgID, &in, -1, &it)
	if err != nil {
		return Variant{}, err
	}
	v := Variant{ItemID: it.ID, CampaignID: it.CampaignID, OrgID: orgID, ChannelAccountID: acc.ID, Network: acc.Network, Language: in.Language,
		Text: in.Text, ScheduledAt: in.ScheduledAt, AuthorID: p.UserID}
	if err := s.DB.InTx(ctx, func(tx *db.Tx) error { return insertVariant(ctx, tx, &v) }); err != nil {
		return v, err
	}
	return getVariant(ctx, s.DB.R(), v.ID)
}

// variantAccess loads a variant the principal may read, and says whether
// they may edit it (editors of the variant's own organisation).
func (s *Service) variantAccess(ctx context.Context, p *authz.Principal, id int64) (Variant, Access, error) {
	v, err := getVariant(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return v, Access{}, authz.ErrNotMember
	}
	if err != nil {
		return v, Access{}, err
	}
	ac, err := s.access(ctx, p, v.CampaignID, authz.UseCampaigns)
	if err != nil {
		return Variant{}, ac, err
	}
	return v, ac, nil
}

// GetVariant returns a variant with its versions and decisions.
func (s *Service) GetVariant(ctx context.Context, p *authz.Principal, id int64) (Variant, []Version, []Decision, error) {
	v, _, err := s.variantAccess(ctx, p, id)
	if err != nil {
		return v, nil, nil, err
	}
	vers, err := listVersions(ctx, s.DB.R(), id)
	if err != nil {
		return v, nil, nil, err
	}
	ds, err := listDecisions(ctx, s.DB.R(), id)
	return v, vers, ds, err
}

// EditVariant saves a new version. An approved variant is locked: only an
// explicit reopen edits it, and sends it back to draft for approval.
func (s *Service) EditVariant(ctx context.Context, p *authz.Principal, id int64, in VariantInput, reopen bool) (Variant, error) {
	v, _, err := s.variantAccess(ctx, p, id)
	if err != nil {
		return v, err
	}
	if !authz.Can(p, v.OrgID, authz.EditCampaigns) {
		return v, authz.ErrForbidden
	}
	if v.State == StatePublishing || v.State == StatePublished {
		return v, ErrPublished
	}
	if v.State.Locked() && !reopen {
		return v, ErrLocked
	}
	it, err := getItem(ctx, s.DB.R(), v.ItemID)
	if err != nil {
		return v, err
	}
	acc, err := s.checkVariantFor(ctx, s.DB.R(), v.OrgID, &in, -1, &it)
	if err != nil {
		return v, err
	}
	v.ChannelAccountID, v.Network, v.Language, v.Text, v.ScheduledAt, v.AuthorID = acc.ID, acc.Network, in.Language, in.Text, in.ScheduledAt, p.UserID
	if v.State.Locked() || v.State == StateChangesRequested {
		v.State = StateDraft
	}
	if err := s.DB.InTx(ctx, func(tx *db.Tx) error { return saveVariantVersion(ctx, tx, &v) }); err != nil {
		return v, err
	}
	return getVariant(ctx, s.DB.R(), v.ID)
}

// Submit sends a draft for approval.
func (s *Service) Submit(ctx context.Context, p *authz.Principal, id int64) (Variant, error) {
	v, _, err := s.variantAccess(ctx, p, id)
	if err != nil {
		return v, err
	}
	if !authz.Can(p, v.OrgID, authz.EditCampaigns) {
		return v, authz.ErrForbidden
	}
	if v.State == StateInReview {
		return v, nil
	}
	if !v.Measure.OK() {
		return v, &LengthError{Index: -1, Measure: v.Measure}
	}
	ok, err := setVariantState(ctx, s.DB.W(), id, []State{StateDraft, StateChangesRequested}, StateInReview)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, ErrWrongState
	}
	v.State = StateInReview
	return v, nil
}

// Approve records the principal's approval of the current version. When
// the organisation's policy has enough distinct approvals, the variant is
// approved (scheduled when it has a time). The author of any version can
// never approve it.
func (s *Service) Approve(ctx context.Context, p *authz.Principal, a audit.Actor, id int64, comment string) (Variant, error) {
	return s.decide(ctx, p, a, id, "approve", comment)
}

// RequestChanges sends a variant in review back to its authors.
func (s *Service) RequestChanges(ctx context.Context, p *authz.Principal, a audit.Actor, id int64, comment string) (Variant, error) {
	return s.decide(ctx, p, a, id, "request_changes", comment)
}

// Outbox is the publishing engine's side of approval: EnqueueTx adds the
// publish job of a variant's version inside the approving transaction, so
// the job exists exactly when the variant is scheduled.
type Outbox interface {
	EnqueueTx(ctx context.Context, tx *db.Tx, variantID int64, version int, at time.Time) error
}

func (s *Service) decide(ctx context.Context, p *authz.Principal, a audit.Actor, id int64, decision, comment string) (Variant, error) {
	v, _, err := s.variantAccess(ctx, p, id)
	if err != nil {
		return v, err
	}
	// The comment is checked after access, so that a stranger learns
	// nothing; a blank one does not count as saying what should change.
	if comment, err = cleanText("comment", comment, 5000, decision == "request_changes"); err != nil {
		if comment == "" {
			err = &FieldError{Field: "comment", Reason: "say what should change"}
		}
		return v, err
	}
	role, member := p.RoleIn(v.OrgID)
	if !member {
		return v, ErrNotApprover
	}
	written, err := authors(ctx, s.DB.R(), id)
	if err != nil {
		return v, err
	}
	if written[p.UserID] {
		return v, ErrOwnVariant
	}
	pol, err := GetPolicy(ctx, s.DB.R(), v.OrgID)
	if err != nil {
		return v, err
	}
	if !pol.Allows(role) {
		return v, ErrNotApprover
	}
	if v.State != StateInReview {
		return v, ErrWrongState
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertDecision(ctx, tx, id, v.Version, p.UserID, decision, comment); err != nil {
			return err
		}
		to := StateChangesRequested
		if decision == "approve" {
			n, err := countApprovals(ctx, tx, id, v.Version)
			if err != nil {
				return err
			}
			if n < pol.Steps {
				to = StateInReview
			} else if v.ScheduledAt != nil {
				to = StateScheduled
			} else {
				to = StateApproved
			}
		}
		if to != v.State {
			ok, err := setVariantState(ctx, tx, id, []State{StateInReview}, to)
			if err != nil {
				return err
			}
			if !ok {
				return ErrWrongState
			}
			v.State = to
			if to == StateScheduled && s.Outbox != nil {
				// A training sandbox schedules as for real, but nothing
				// in it is ever handed to the publishing engine.
				sandbox, err := InSandbox(ctx, tx, id)
				if err != nil {
					return err
				}
				if !sandbox {
					if err := s.Outbox.EnqueueTx(ctx, tx, id, v.Version, *v.ScheduledAt); err != nil {
						return fmt.Errorf("enqueue publishing: %w", err)
					}
				}
			}
		}
		return audit.Append(ctx, tx, a.Entry(v.OrgID, "variant."+decision, "variant:"+strconv.FormatInt(id, 10),
			map[string]string{"version": strconv.Itoa(v.Version), "state": string(v.State)}))
	})
	return v, err
}

// reopenApproved sends the approved and scheduled variants of an item back
// to draft with a new version by authorID: a change to what goes out with
// them (an image, its alt text) needs a fresh approval, and the person who
// made it may not give it.
func reopenApproved(ctx context.Context, tx *db.Tx, itemID, authorID int64) error {
	vs, err := listVariants(ctx, tx, "v.item_id = ? AND v.state IN (?, ?)", itemID, StateApproved, StateScheduled)
	if err != nil {
		return err
	}
	for i := range vs {
		vs[i].State, vs[i].AuthorID = StateDraft, authorID
		if err := saveVariantVersion(ctx, tx, &vs[i]); err != nil {
			return err
		}
	}
	return nil
}
