package web

// The approval queue (four eyes) and the organisation's approval policy.

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

type queueRow struct {
	campaign.QueueEntry
	Preview  any // template.HTML of the network preview
	Diff     []campaign.DiffPart
	Against  int  // the version compared with (0: the first version, all new)
	Mine     bool // the user wrote a version: four eyes forbid deciding
	Decided  bool // the user already approved this version
	Approval int  // approvals of this version so far
	Local    string
	UTC      string
}

// StateKey is the message ID of the variant's state.
func (q queueRow) StateKey() string { return stateKey(q.State) }

// NetworkLabel names the variant's network.
func (q queueRow) NetworkLabel() string { return limits.Label(q.Network) }

type queueData struct {
	Rows       []queueRow
	Rule       string
	CanApprove bool // the user's role approves under the policy
	Steps      int
}

// ruleText says the policy as people read it: "1 approval from: Reviewer, Admin".
func ruleText(pg *page, pol campaign.Policy) string {
	names := make([]string, len(pol.Roles))
	for i, r := range pol.Roles {
		names[i] = pg.L.T(roleMessage(r))
	}
	return pg.L.N("approvals.rule", pol.Steps, "Roles", strings.Join(names, ", "))
}

// roleMessage is the message ID of a role's name.
func roleMessage(r authz.Role) string { return "role." + string(r) }

func (st *studio) queuePage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page) {
	ctx := r.Context()
	p := httpx.PrincipalFrom(ctx)
	entries, err := st.svc.ReviewQueue(ctx, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pol, err := st.svc.Policy(ctx, o.ID)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	d := queueData{Rule: ruleText(pg, pol), CanApprove: pol.Allows(pg.Role), Steps: pol.Steps}
	loc := location(o)
	for _, e := range entries {
		row := queueRow{QueueEntry: e, UTC: utcLabel(e.ScheduledAt)}
		if e.ScheduledAt != nil {
			row.Local = localWhen(pg, e.ScheduledAt.In(loc))
		}
		_, vers, ds, err := st.svc.GetVariant(ctx, p, e.ID)
		if err != nil {
			st.fail(w, r, err)
			return
		}
		for _, v := range vers {
			row.Mine = row.Mine || v.AuthorID == pg.User.ID
		}
		for _, dec := range ds {
			if dec.Version == e.Version && dec.Decision == "approve" {
				row.Approval++
				row.Decided = row.Decided || dec.UserID == pg.User.ID
			}
		}
		before := ""
		if b := campaign.Baseline(vers, ds, e.Version); b != nil {
			before, row.Against = b.Text, b.Version
		}
		row.Diff = campaign.Diff(before, e.Text)
		row.Preview = st.fragment("preview", previewData{L: pg.L, DOM: fmt.Sprintf("q%d", e.ID), Network: e.Network, Label: limits.Label(e.Network),
			Name: e.AccountName, Handle: e.AccountHandle, Language: e.Language, Segs: segments(e.Text)})
		d.Rows = append(d.Rows, row)
	}
	pg.Data = d
	st.render(w, r, status, "approvals", pg)
}

func (st *studio) approvalQueue(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "approvals.title")
	switch r.URL.Query().Get("done") {
	case "approved":
		pg.Notice = pg.L.T("approvals.notice.approved")
	case "changes":
		pg.Notice = pg.L.T("approvals.notice.changes")
	}
	st.queuePage(w, r, o, http.StatusOK, pg)
}

// decide serves Approve and Request changes.
func (st *studio) decide(w http.ResponseWriter, r *http.Request, o org.Org, approve bool) {
	if !st.parseForm(w, r) {
		return
	}
	v, _, _, err := st.loadVariant(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "approvals.title")
	comment := r.PostForm.Get("comment")
	field := fmt.Sprintf("c%d", v.ID)
	pg.Form.Set(field, comment)
	p, a := httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r)
	if approve {
		_, err = st.svc.Approve(r.Context(), p, a, v.ID, comment)
	} else {
		_, err = st.svc.RequestChanges(r.Context(), p, a, v.ID, comment)
	}
	switch {
	case err == nil && approve:
		redirect(w, r, pg.OrgURL("approvals?done=approved"))
	case err == nil:
		redirect(w, r, pg.OrgURL("approvals?done=changes"))
	case errors.Is(err, campaign.ErrOwnVariant):
		pg.Errors["_"] = pg.L.T("approvals.error.own")
		st.queuePage(w, r, o, http.StatusForbidden, pg)
	case errors.Is(err, campaign.ErrNotApprover):
		pg.Errors["_"] = pg.L.T("approvals.error.role")
		st.queuePage(w, r, o, http.StatusForbidden, pg)
	case errors.Is(err, campaign.ErrWrongState), errors.Is(err, campaign.ErrAlreadyDecided):
		pg.Errors["_"] = pg.L.T("approvals.error.state")
		st.queuePage(w, r, o, http.StatusConflict, pg)
	case studioFieldError(pg, err, func(string) string { return field }):
		st.queuePage(w, r, o, http.StatusUnprocessableEntity, pg)
	default:
		st.fail(w, r, err)
	}
}

func (st *studio) variantApprove(w http.ResponseWriter, r *http.Request, o org.Org) {
	st.decide(w, r, o, true)
}

func (st *studio) variantRequestChanges(w http.ResponseWriter, r *http.Request, o org.Org) {
	st.decide(w, r, o, false)
}

// The approval policy (admin).

type policyData struct {
	Steps []int
	Roles []authz.Role
}

func (st *studio) policyPage(r *http.Request, o org.Org) *page {
	pg := st.orgPage(r, o, "admin", "")
	pg.Title = pg.L.T("policy.title")
	return pg
}

func (st *studio) renderPolicy(w http.ResponseWriter, r *http.Request, status int, pg *page) {
	pg.Data = policyData{Steps: []int{1, 2, 3, 4, 5}, Roles: authz.Roles}
	st.render(w, r, status, "approvals_policy", pg)
}

func (st *studio) policyForm(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.policyPage(r, o)
	pol, err := st.svc.Policy(r.Context(), o.ID)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg.Form.Set("steps", strconv.Itoa(pol.Steps))
	for _, role := range pol.Roles {
		pg.Form.Add("roles", string(role))
	}
	if r.URL.Query().Get("done") == "saved" {
		pg.Notice = pg.L.T("policy.notice.saved")
	}
	st.renderPolicy(w, r, http.StatusOK, pg)
}

func (st *studio) policySave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	pg := st.policyPage(r, o)
	pg.Form = r.PostForm
	steps, err := strconv.Atoi(r.PostForm.Get("steps"))
	if err != nil {
		steps = 0 // refused below with the policy's own message
	}
	pol := campaign.Policy{Steps: steps}
	for _, s := range r.PostForm["roles"] {
		if !authz.ValidRole(s) {
			pg.Errors["roles"] = pg.L.T("members.error.role")
			st.renderPolicy(w, r, http.StatusUnprocessableEntity, pg)
			return
		}
		if !slices.Contains(pol.Roles, authz.Role(s)) {
			pol.Roles = append(pol.Roles, authz.Role(s))
		}
	}
	err = st.svc.SetPolicy(r.Context(), httpx.ActorFrom(r), o, pol)
	if studioFieldError(pg, err, func(name string) string {
		if strings.HasPrefix(name, "roles") {
			return "roles"
		}
		return name
	}) {
		st.renderPolicy(w, r, http.StatusUnprocessableEntity, pg)
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL("admin/approvals?done=saved"))
}

// HasValue reports whether a multi-valued form field (checkboxes) holds value.
func (p *page) HasValue(field, value string) bool { return slices.Contains(p.Form[field], value) }
