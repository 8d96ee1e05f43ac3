package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// campaignView is a campaign with its plan.
type campaignView struct {
	campaign.Campaign
	campaign.Plan
}

type campaignInput struct {
	Title       *string               `json:"title"`
	Brief       *string               `json:"brief"`
	Status      *string               `json:"status"`
	Period      *campaign.Period      `json:"period"`
	Tags        []string              `json:"tags"`
	UTMSource   *string               `json:"utm_source"`
	UTMMedium   *string               `json:"utm_medium"`
	UTMCampaign *string               `json:"utm_campaign"`
	Objectives  []campaign.Objective  `json:"objectives"`
	Audiences   []campaign.Audience   `json:"audiences"`
	KeyMessages []campaign.KeyMessage `json:"key_messages"`
}

func (in campaignInput) apply(c *campaign.Campaign) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Title, in.Title)
	set(&c.Brief, in.Brief)
	if in.Status != nil {
		c.Status = campaign.Status(*in.Status)
	}
	if in.Period != nil {
		c.Period = *in.Period
	}
	if in.Tags != nil {
		c.Tags = in.Tags
	}
	set(&c.UTMSource, in.UTMSource)
	set(&c.UTMMedium, in.UTMMedium)
	set(&c.UTMCampaign, in.UTMCampaign)
}

// plan returns the plan parts that were sent (nil when none was).
func (in campaignInput) plan() *campaign.Plan {
	if in.Objectives == nil && in.Audiences == nil && in.KeyMessages == nil {
		return nil
	}
	return &campaign.Plan{Objectives: in.Objectives, Audiences: in.Audiences, KeyMessages: in.KeyMessages}
}

func (a *API) listCampaigns(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	q := r.URL.Query()
	if s := campaign.Status(q.Get("status")); s != "" && !slices.Contains(campaign.Statuses, s) {
		invalid(w, r, "status", "must be draft, active, completed or archived")
		return
	}
	cs, err := a.Campaigns.List(r.Context(), o, campaign.Filter{Status: campaign.Status(q.Get("status")), Tag: q.Get("tag"), Query: q.Get("q")})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Campaigns []campaign.Campaign `json:"campaigns"`
	}{cs})
}

func (a *API) createCampaign(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org) {
	var in campaignInput
	if !decode(w, r, &in) {
		return
	}
	var c campaign.Campaign
	in.apply(&c)
	plan := in.plan()
	if err := a.Campaigns.Create(r.Context(), p, actor(r), o, &c, plan); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCampaign(w, r, p, c.ID, http.StatusCreated)
}

func (a *API) writeCampaign(w http.ResponseWriter, r *http.Request, p *authz.Principal, id int64, status int) {
	ac, plan, err := a.Campaigns.Get(r.Context(), p, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/campaigns/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, campaignView{Campaign: ac.Campaign, Plan: plan})
}

func (a *API) getCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	a.writeCampaign(w, r, httpx.PrincipalFrom(r.Context()), id, http.StatusOK)
}

func (a *API) updateCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in campaignInput
	if !decode(w, r, &in) {
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	if _, err := a.Campaigns.Update(r.Context(), p, id, in.apply, in.plan()); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCampaign(w, r, p, id, http.StatusOK)
}

type partnerInput struct {
	OrgID ID `json:"org_id"`
}

func (a *API) addPartner(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in partnerInput
	if !decode(w, r, &in) {
		return
	}
	if in.OrgID == 0 {
		invalid(w, r, "org_id", "is required")
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	if err := a.Campaigns.AddPartner(r.Context(), p, actor(r), id, int64(in.OrgID)); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCampaign(w, r, p, id, http.StatusOK)
}

func (a *API) removePartner(w http.ResponseWriter, r *http.Request) {
	id, ok1 := pathID(r, "id")
	orgID, ok2 := pathID(r, "org")
	if !ok1 || !ok2 {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := a.Campaigns.RemovePartner(r.Context(), httpx.PrincipalFrom(r.Context()), actor(r), id, orgID); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Channel accounts.

type accountInput struct {
	Network  *string `json:"network"`
	Name     *string `json:"name"`
	Handle   *string `json:"handle"`
	Language *string `json:"language"`
	MaxChars *int    `json:"max_chars"`
	BaseURL  *string `json:"base_url"`
	// Credentials are write-only (see accounts_connect.go): absent or null
	// keeps them, {} disconnects.
	Credentials map[string]string `json:"credentials"`
}

func (in accountInput) apply(acc *channel.Account) {
	if in.Network != nil {
		acc.Network = limits.Network(*in.Network)
	}
	if in.Name != nil {
		acc.Name = *in.Name
	}
	if in.Handle != nil {
		acc.Handle = *in.Handle
	}
	if in.Language != nil {
		acc.Language = *in.Language
	}
	if in.MaxChars != nil {
		acc.MaxChars = *in.MaxChars
	}
	if in.BaseURL != nil {
		acc.BaseURL = *in.BaseURL
	}
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	accs, err := channel.List(r.Context(), a.DB.R(), o.ID, r.URL.Query().Get("archived") == "true")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Accounts []channel.Account `json:"channel_accounts"`
	}{orEmpty(accs)})
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	var in accountInput
	if !decode(w, r, &in) {
		return
	}
	acc := channel.Account{OrgID: o.ID}
	in.apply(&acc)
	a.saveAccount(w, r, &acc, in)
}

func (a *API) updateAccount(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in accountInput
	if !decode(w, r, &in) {
		return
	}
	if in.Network != nil {
		invalid(w, r, "network", "cannot be changed; add a new account instead")
		return
	}
	acc, err := channel.Get(r.Context(), a.DB.R(), o.ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	in.apply(&acc)
	a.saveAccount(w, r, &acc, in)
}

func (a *API) archiveAccount(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	if err := channel.Archive(r.Context(), a.DB.W(), o.ID, id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Approval policy.

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	pol, err := a.Campaigns.Policy(r.Context(), o.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pol)
}

func (a *API) setPolicy(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	var pol campaign.Policy
	if !decode(w, r, &pol) {
		return
	}
	if err := a.Campaigns.SetPolicy(r.Context(), actor(r), o, pol); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pol)
}

// Calendar.

func (a *API) calendar(w http.ResponseWriter, r *http.Request, _ *authz.Principal, o org.Org) {
	q := r.URL.Query()
	from, err := time.Parse(time.RFC3339, q.Get("from"))
	if err != nil {
		invalid(w, r, "from", "must be an RFC 3339 time such as 2026-12-01T00:00:00Z")
		return
	}
	to, err := time.Parse(time.RFC3339, q.Get("to"))
	if err != nil {
		invalid(w, r, "to", "must be an RFC 3339 time such as 2027-01-01T00:00:00Z")
		return
	}
	var f campaign.CalendarFilter
	f.Network, f.State = limits.Network(q.Get("network")), campaign.State(q.Get("state"))
	// An unknown filter value is a mistake, not an empty calendar.
	if f.Network != "" && !limits.Valid(string(f.Network)) {
		invalid(w, r, "network", "is not a network")
		return
	}
	if f.State != "" && !slices.Contains(campaign.States, f.State) {
		invalid(w, r, "state", "must be draft, in_review, changes_requested, approved, scheduled, publishing, published or failed")
		return
	}
	if v := q.Get("campaign"); v != "" {
		if f.CampaignID, err = strconv.ParseInt(v, 10, 64); err != nil {
			invalid(w, r, "campaign", "must be a campaign id")
			return
		}
	}
	if v := q.Get("org"); v != "" {
		if f.OrgID, err = strconv.ParseInt(v, 10, 64); err != nil {
			invalid(w, r, "org", "must be an organisation id")
			return
		}
	}
	es, err := a.Campaigns.Calendar(r.Context(), o, from, to, f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		From    time.Time        `json:"from"`
		To      time.Time        `json:"to"`
		Entries []campaign.Entry `json:"entries"`
	}{from.UTC(), to.UTC(), es})
}
