package campaign

import (
	"context"
	"errors"
	"strconv"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
)

// Service applies the rules of the campaign studio.
type Service struct {
	DB     *db.DB
	Notify *notify.Service // woken after a change notifies someone; may be nil
	Outbox Outbox          // enqueues publishing when a variant is scheduled; may be nil
}

// Errors callers turn into responses.
var (
	ErrPublished      = errors.New("this variant is being published or has been published; a correction goes out as a new item")
	ErrLocked         = errors.New("this variant is approved and locked; editing it sends it back for approval (confirm with reopen)")
	ErrWrongState     = errors.New("the variant is not in a state that allows this")
	ErrOwnVariant     = errors.New("four eyes: you wrote a version of this variant, so you cannot approve it")
	ErrNotApprover    = errors.New("your role is not one that approves content in this organisation")
	ErrAlreadyDecided = errors.New("you have already decided on this version")
)

// Access is how a principal reaches a campaign: through which
// organisation (the owner or a partner) and with which role.
type Access struct {
	Campaign Campaign
	OrgID    int64
	Role     authz.Role
	Owner    bool // OrgID owns the campaign
}

// access loads a campaign and checks that p may do action in it through
// the owner or a partner organisation. Strangers get authz.ErrNotMember
// whether or not the campaign exists.
func (s *Service) access(ctx context.Context, p *authz.Principal, campaignID int64, action authz.Action) (Access, error) {
	c, err := getCampaign(ctx, s.DB.R(), campaignID)
	if errors.Is(err, db.ErrNotFound) {
		return Access{}, authz.ErrNotMember
	}
	if err != nil {
		return Access{}, err
	}
	member := false
	for _, orgID := range append([]int64{c.OrgID}, c.Partners...) {
		role, ok := p.RoleIn(orgID)
		if !ok {
			continue
		}
		member = true
		if authz.Allowed(role, action) {
			return Access{Campaign: c, OrgID: orgID, Role: role, Owner: orgID == c.OrgID}, nil
		}
	}
	if member {
		return Access{}, authz.ErrForbidden
	}
	return Access{}, authz.ErrNotMember
}

// Create stores a new campaign of o (already resolved with EditCampaigns)
// with its plan.
func (s *Service) Create(ctx context.Context, p *authz.Principal, a audit.Actor, o org.Org, c *Campaign, plan *Plan) error {
	c.OrgID, c.CreatedBy = o.ID, p.UserID
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	c.DefaultUTM()
	if plan == nil {
		plan = &Plan{}
	}
	if err := plan.validate(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertCampaign(ctx, tx, c); err != nil {
			return err
		}
		c.Partners = []int64{}
		return savePlan(ctx, tx, c.ID, plan)
	})
}

func (p *Plan) validate() error {
	for i := range p.Objectives {
		if err := p.Objectives[i].Validate(i); err != nil {
			return err
		}
	}
	for i := range p.Audiences {
		if err := p.Audiences[i].Validate(i); err != nil {
			return err
		}
	}
	for i := range p.KeyMessages {
		if err := p.KeyMessages[i].Validate(i); err != nil {
			return err
		}
	}
	if len(p.Objectives) > 50 || len(p.Audiences) > 50 || len(p.KeyMessages) > 100 {
		return &FieldError{Field: "objectives", Reason: "a plan holds at most 50 objectives, 50 audiences and 100 key messages"}
	}
	return nil
}

// savePlan writes the parts of a plan that are set (nil parts are kept).
func savePlan(ctx context.Context, q db.Queryer, campaignID int64, p *Plan) error {
	if p.Objectives != nil {
		if err := replaceObjectives(ctx, q, campaignID, p.Objectives); err != nil {
			return err
		}
	}
	if p.Audiences != nil {
		if err := replaceAudiences(ctx, q, campaignID, p.Audiences); err != nil {
			return err
		}
	}
	if p.KeyMessages != nil {
		if err := replaceKeyMessages(ctx, q, campaignID, p.KeyMessages); err != nil {
			return err
		}
	}
	return nil
}

// Get returns a campaign and its plan for a reader.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Access, Plan, error) {
	ac, err := s.access(ctx, p, id, authz.UseCampaigns)
	if err != nil {
		return ac, Plan{}, err
	}
	plan, err := getPlan(ctx, s.DB.R(), id)
	return ac, plan, err
}

// List returns the campaigns o owns or takes part in.
func (s *Service) List(ctx context.Context, o org.Org, f Filter) ([]Campaign, error) {
	cs, err := listCampaigns(ctx, s.DB.R(), o.ID, f)
	if cs == nil {
		cs = []Campaign{}
	}
	return cs, err
}

// Update changes a campaign's fields and, for the parts that are set, its
// plan. Partners may contribute content but only the owner changes the
// campaign itself.
func (s *Service) Update(ctx context.Context, p *authz.Principal, id int64, change func(*Campaign), plan *Plan) (Campaign, error) {
	ac, err := s.access(ctx, p, id, authz.EditCampaigns)
	if err != nil {
		return Campaign{}, err
	}
	if !ac.Owner {
		return Campaign{}, authz.ErrForbidden
	}
	c := ac.Campaign
	change(&c)
	if err := c.Validate(); err != nil {
		return c, err
	}
	if plan != nil {
		if err := plan.validate(); err != nil {
			return c, err
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := updateCampaign(ctx, tx, &c); err != nil {
			return err
		}
		if plan != nil {
			return savePlan(ctx, tx, c.ID, plan)
		}
		return nil
	})
	return c, err
}

// AddPartner invites another organisation into a joint campaign: its
// members then see and contribute to this campaign, and nothing else of
// the owner.
func (s *Service) AddPartner(ctx context.Context, p *authz.Principal, a audit.Actor, id, partnerOrgID int64) error {
	ac, err := s.access(ctx, p, id, authz.EditCampaigns)
	if err != nil {
		return err
	}
	if !ac.Owner {
		return authz.ErrForbidden
	}
	if partnerOrgID == ac.Campaign.OrgID {
		return &FieldError{Field: "org_id", Reason: "the owner is already part of its campaign"}
	}
	partner, err := org.GetOrg(ctx, s.DB.R(), partnerOrgID)
	if err != nil {
		return &FieldError{Field: "org_id", Reason: "no such organisation"}
	}
	// Training sandboxes and real organisations never share a campaign:
	// a real partner's variants would publish from a training campaign.
	owner, err := org.GetOrg(ctx, s.DB.R(), ac.Campaign.OrgID)
	if err != nil {
		return err
	}
	if owner.Sandbox != partner.Sandbox {
		return &FieldError{Field: "org_id", Reason: "a training sandbox and a real organisation cannot share a campaign"}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := addPartner(ctx, tx, id, partnerOrgID, p.UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(ac.Campaign.OrgID, "campaign.partner_add", "campaign:"+strconv.FormatInt(id, 10), map[string]string{"partner_org_id": strconv.FormatInt(partnerOrgID, 10)}))
	})
}

// RemovePartner ends a partner's access to a joint campaign.
func (s *Service) RemovePartner(ctx context.Context, p *authz.Principal, a audit.Actor, id, partnerOrgID int64) error {
	ac, err := s.access(ctx, p, id, authz.EditCampaigns)
	if err != nil {
		return err
	}
	if !ac.Owner {
		return authz.ErrForbidden
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := removePartner(ctx, tx, id, partnerOrgID)
		if err != nil {
			return err
		}
		if !ok {
			return db.ErrNotFound
		}
		return audit.Append(ctx, tx, a.Entry(ac.Campaign.OrgID, "campaign.partner_remove", "campaign:"+strconv.FormatInt(id, 10), map[string]string{"partner_org_id": strconv.FormatInt(partnerOrgID, 10)}))
	})
}

// Policy returns an organisation's approval policy.
func (s *Service) Policy(ctx context.Context, orgID int64) (Policy, error) {
	return GetPolicy(ctx, s.DB.R(), orgID)
}

// SetPolicy changes an organisation's approval policy (o resolved with
// ManageOrg by the caller).
func (s *Service) SetPolicy(ctx context.Context, a audit.Actor, o org.Org, pol Policy) error {
	if err := pol.Validate(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := savePolicy(ctx, tx, o.ID, pol); err != nil {
			return err
		}
		roles := ""
		for i, r := range pol.Roles {
			if i > 0 {
				roles += ","
			}
			roles += string(r)
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "approval.policy", "org:"+o.Slug, map[string]string{"steps": strconv.Itoa(pol.Steps), "roles": roles}))
	})
}
