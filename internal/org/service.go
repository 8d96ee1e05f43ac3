package org

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// Service applies the rules of organisations and memberships. Every method
// that touches an organisation checks the principal first.
type Service struct {
	DB *db.DB
}

// ErrLastAdmin refuses to leave an organisation without an admin.
var ErrLastAdmin = errors.New("an organisation must keep at least one admin; make someone else admin first")

// Resolve finds the organisation named by ref (numeric id or slug) and
// checks that p may do action in it. Non-members get authz.ErrNotMember
// whether or not the organisation exists.
func (s *Service) Resolve(ctx context.Context, p *authz.Principal, ref string, action authz.Action) (Org, error) {
	var o Org
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		if _, member := p.RoleIn(id); !member {
			return o, authz.ErrNotMember
		}
		o, err = GetOrg(ctx, s.DB.R(), id)
	} else {
		if !slugRE.MatchString(ref) {
			return o, authz.ErrNotMember
		}
		o, err = GetOrgBySlug(ctx, s.DB.R(), ref)
	}
	if errors.Is(err, db.ErrNotFound) {
		return o, authz.ErrNotMember
	}
	if err != nil {
		return o, err
	}
	if err := authz.Require(p, o.ID, action); err != nil {
		return Org{}, err
	}
	return o, nil
}

// ListFor returns the principal's memberships.
func (s *Service) ListFor(ctx context.Context, p *authz.Principal) ([]Membership, error) {
	return ListMemberships(ctx, s.DB.R(), p.UserID)
}

// Create stores a new organisation. Only admins of the programme may
// create organisations; missions additionally need the right to manage their
// parent ministry. The creator becomes admin of the new organisation.
func (s *Service) Create(ctx context.Context, p *authz.Principal, a audit.Actor, o *Org) error {
	if !s.isProgrammeAdmin(ctx, p) {
		if o.Kind != Mission || o.ParentID == 0 || !authz.Can(p, o.ParentID, authz.ManageOrg) {
			return authz.ErrForbidden
		}
	}
	if o.ParentID != 0 {
		parent, err := GetOrg(ctx, s.DB.R(), o.ParentID)
		if errors.Is(err, db.ErrNotFound) {
			return &FieldError{Field: "parent_id", Reason: "no such organisation"}
		}
		if err != nil {
			return err
		}
		if parent.Kind != Ministry {
			return &FieldError{Field: "parent_id", Reason: "a mission's parent must be a ministry"}
		}
		// A mission made inside a training sandbox is part of it.
		o.Sandbox = parent.Sandbox
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := InsertOrg(ctx, tx, o); err != nil {
			return err
		}
		if err := AddMember(ctx, tx, o.ID, p.UserID, authz.Admin); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "org.create", "org:"+o.Slug, map[string]string{"name": o.Name, "kind": string(o.Kind)}))
	})
}

// CreateBootstrap stores an organisation without a principal (CLI, demo).
func (s *Service) CreateBootstrap(ctx context.Context, a audit.Actor, o *Org) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := InsertOrg(ctx, tx, o); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "org.create", "org:"+o.Slug, map[string]string{"name": o.Name, "kind": string(o.Kind)}))
	})
}

func (s *Service) isProgrammeAdmin(ctx context.Context, p *authz.Principal) bool {
	for _, m := range p.Memberships {
		if m.Role != authz.Admin {
			continue
		}
		if o, err := GetOrg(ctx, s.DB.R(), m.OrgID); err == nil && o.Kind == Programme {
			return true
		}
	}
	return false
}

// Update saves the editable settings of an organisation the caller
// resolved with authz.ManageOrg.
func (s *Service) Update(ctx context.Context, a audit.Actor, before, after Org) error {
	after.ID, after.Slug, after.Kind, after.ParentID = before.ID, before.Slug, before.Kind, before.ParentID
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := UpdateOrg(ctx, tx, &after); err != nil {
			return err
		}
		detail := map[string]string{}
		if before.Name != after.Name {
			detail["name"] = before.Name + " → " + after.Name
		}
		if before.TimeZone != after.TimeZone {
			detail["time_zone"] = before.TimeZone + " → " + after.TimeZone
		}
		if before.Country != after.Country {
			detail["country"] = before.Country + " → " + after.Country
		}
		if before.Require2FA != after.Require2FA {
			detail["require_2fa"] = fmt.Sprint(before.Require2FA, " → ", after.Require2FA)
		}
		return audit.Append(ctx, tx, a.Entry(before.ID, "org.update", "org:"+before.Slug, detail))
	})
}

// SetRole changes the role of an existing member of o.
func (s *Service) SetRole(ctx context.Context, a audit.Actor, o Org, userID int64, role authz.Role) error {
	if !authz.ValidRole(string(role)) {
		return &FieldError{Field: "role", Reason: "must be one of admin, editor, reviewer, analyst, trainer, participant, alumni"}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := MemberRole(ctx, tx, o.ID, userID)
		if err != nil {
			return err
		}
		if old == authz.Admin && role != authz.Admin {
			if n, err := CountAdmins(ctx, tx, o.ID); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastAdmin
			}
		}
		if err := AddMember(ctx, tx, o.ID, userID, role); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "member.role", "user:"+strconv.FormatInt(userID, 10), map[string]string{"from": string(old), "to": string(role)}))
	})
}

// AddMemberAudited makes a user a member of o with a role.
func (s *Service) AddMemberAudited(ctx context.Context, a audit.Actor, o Org, userID int64, role authz.Role) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := AddMember(ctx, tx, o.ID, userID, role); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "member.add", "user:"+strconv.FormatInt(userID, 10), map[string]string{"role": string(role)}))
	})
}

// RemoveMember ends a membership in o.
func (s *Service) RemoveMember(ctx context.Context, a audit.Actor, o Org, userID int64) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := MemberRole(ctx, tx, o.ID, userID)
		if err != nil {
			return err
		}
		if old == authz.Admin {
			if n, err := CountAdmins(ctx, tx, o.ID); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastAdmin
			}
		}
		if _, err := RemoveMember(ctx, tx, o.ID, userID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "member.remove", "user:"+strconv.FormatInt(userID, 10), map[string]string{"role": string(old)}))
	})
}
