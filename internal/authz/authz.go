// Package authz is the one place that decides who may do what in which
// organisation. Every web and API handler asks it through Require before it
// reads or changes anything of an organisation.
package authz

import (
	"errors"
	"slices"
)

// Role is a member's role in one organisation.
type Role string

const (
	Admin       Role = "admin"
	Editor      Role = "editor"   // communications officer
	Reviewer    Role = "reviewer" // approver
	Analyst     Role = "analyst"
	Trainer     Role = "trainer"
	Participant Role = "participant"
	Alumni      Role = "alumni"
)

// Roles lists every role in display order.
var Roles = []Role{Admin, Editor, Reviewer, Analyst, Trainer, Participant, Alumni}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool { return slices.Contains(Roles, Role(r)) }

// Action is something a member may be allowed to do in an organisation.
type Action string

const (
	ViewOrg          Action = "org.view"         // see the organisation and its dashboard
	ManageOrg        Action = "org.manage"       // rename, time zone, 2FA policy
	CreateSubOrg     Action = "org.create"       // create organisations (programme admins)
	ViewMembers      Action = "members.view"     // list members and their roles
	ManageMembers    Action = "members.manage"   // change roles, remove members, invite
	ViewAudit        Action = "audit.view"       // read the organisation's audit log
	UseCampaigns     Action = "campaigns.use"    // campaign studio, calendar (read)
	EditCampaigns    Action = "campaigns.edit"   // create and change campaigns, items, variants, tasks
	ManageChannels   Action = "channels.manage"  // add and change channel accounts, approval policy
	UseInbox         Action = "inbox.use"        // engagement inbox
	UseListening     Action = "listening.use"    // listening and analytics
	ManageListening  Action = "listening.manage" // topics, imports and ingest of listening
	UseAcademy       Action = "academy.use"      // courses
	UseAlumni        Action = "alumni.use"       // alumni network
	UseLibrary       Action = "library.use"      // supporting materials
	ViewAdminSection Action = "admin.view"       // the Admin area of the navigation
)

// matrix lists, for every action, the roles allowed to do it.
var matrix = map[Action][]Role{
	ViewOrg:          Roles,
	ViewMembers:      Roles,
	ManageOrg:        {Admin},
	CreateSubOrg:     {Admin},
	ManageMembers:    {Admin},
	ViewAudit:        {Admin},
	ViewAdminSection: {Admin},
	UseCampaigns:     {Admin, Editor, Reviewer, Analyst, Participant},
	EditCampaigns:    {Admin, Editor},
	ManageChannels:   {Admin, Editor},
	UseInbox:         {Admin, Editor, Reviewer},
	UseListening:     {Admin, Editor, Reviewer, Analyst},
	ManageListening:  {Admin, Analyst},
	UseAcademy:       Roles,
	UseAlumni:        {Admin, Trainer, Participant, Alumni},
	UseLibrary:       Roles,
}

// Allowed reports whether role may do action.
func Allowed(role Role, action Action) bool { return slices.Contains(matrix[action], role) }

// Actions lists every action (for the permission matrix test and page).
func Actions() []Action {
	out := make([]Action, 0, len(matrix))
	for a := range matrix {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Membership is a principal's role in one organisation.
type Membership struct {
	OrgID int64
	Role  Role
}

// Principal is who is acting: a signed-in user or the bearer of a token.
type Principal struct {
	UserID      int64
	Email       string
	Memberships []Membership
}

// RoleIn returns the principal's role in org, if a member.
func (p *Principal) RoleIn(orgID int64) (Role, bool) {
	if p == nil {
		return "", false
	}
	for _, m := range p.Memberships {
		if m.OrgID == orgID {
			return m.Role, true
		}
	}
	return "", false
}

// ErrNotMember hides an organisation from someone outside it (rendered as
// 404: its existence is not confirmed). ErrForbidden refuses a member
// whose role does not allow the action (rendered as 403).
var (
	ErrNotMember = errors.New("not found")
	ErrForbidden = errors.New("your role in this organisation does not allow this")
)

// Require returns nil when p may do action in orgID.
func Require(p *Principal, orgID int64, action Action) error {
	role, ok := p.RoleIn(orgID)
	if !ok {
		return ErrNotMember
	}
	if !Allowed(role, action) {
		return ErrForbidden
	}
	return nil
}

// Can is Require as a boolean, for templates deciding what to show.
func Can(p *Principal, orgID int64, action Action) bool { return Require(p, orgID, action) == nil }
