package org_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// addUser inserts a user row directly (the auth package is not needed here).
func addUser(t *testing.T, d *db.DB, email, name string) int64 {
	t.Helper()
	var id int64
	err := d.W().QueryRowContext(context.Background(), "INSERT INTO users (email, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP) RETURNING id", email, name).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func fieldOf(err error) string {
	var fe *org.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestOrgStore(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		q := e.DB.W()
		o := org.Org{Slug: "  mfa-ua ", Name: "  Ministry of Foreign Affairs of Ukraine ", Kind: org.Ministry, Country: "ua", TimeZone: "Europe/Kyiv"}
		if err := org.InsertOrg(ctx, q, &o); err != nil {
			t.Fatal(err)
		}
		if o.ID == 0 || o.CreatedAt.IsZero() {
			t.Fatalf("insert did not set id/created_at: %+v", o)
		}
		got, err := org.GetOrg(ctx, e.DB.R(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Slug != "mfa-ua" || got.Name != "Ministry of Foreign Affairs of Ukraine" || got.Country != "UA" || got.TimeZone != "Europe/Kyiv" || got.Kind != org.Ministry {
			t.Errorf("stored org not normalised: %+v", got)
		}
		if !got.CreatedAt.Equal(o.CreatedAt) {
			t.Errorf("created_at round trip: %v != %v", got.CreatedAt, o.CreatedAt)
		}
		bySlug, err := org.GetOrgBySlug(ctx, e.DB.R(), "mfa-ua")
		if err != nil || bySlug.ID != o.ID {
			t.Errorf("GetOrgBySlug = %+v, %v", bySlug, err)
		}
		if _, err := org.GetOrg(ctx, e.DB.R(), 999999); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("GetOrg(missing) err = %v, want ErrNotFound", err)
		}
		if _, err := org.GetOrgBySlug(ctx, e.DB.R(), "nope"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("GetOrgBySlug(missing) err = %v", err)
		}

		dup := org.Org{Slug: "mfa-ua", Name: "Other", Kind: org.Partner}
		if err := org.InsertOrg(ctx, q, &dup); fieldOf(err) != "slug" {
			t.Errorf("duplicate slug: err = %v, want a slug FieldError", err)
		}

		m := org.Org{Slug: "ua-emb-warsaw", Name: "Embassy in Warsaw", Kind: org.Mission, ParentID: o.ID}
		if err := org.InsertOrg(ctx, q, &m); err != nil {
			t.Fatal(err)
		}
		if g, _ := org.GetOrg(ctx, e.DB.R(), m.ID); g.ParentID != o.ID || g.TimeZone != "UTC" {
			t.Errorf("mission: %+v", g)
		}

		got.Name, got.TimeZone, got.Country, got.Require2FA = "Renamed", "Europe/Warsaw", "pl", true
		if err := org.UpdateOrg(ctx, q, &got); err != nil {
			t.Fatal(err)
		}
		after, _ := org.GetOrg(ctx, e.DB.R(), o.ID)
		if after.Name != "Renamed" || after.TimeZone != "Europe/Warsaw" || after.Country != "PL" || !after.Require2FA {
			t.Errorf("update not stored: %+v", after)
		}
		bad := after
		bad.TimeZone = "Mars/Olympus"
		if err := org.UpdateOrg(ctx, q, &bad); fieldOf(err) != "time_zone" {
			t.Errorf("update with bad time zone: %v", err)
		}
		if n, err := org.CountOrgs(ctx, e.DB.R()); n != 2 || err != nil {
			t.Errorf("CountOrgs = %d, %v", n, err)
		}
	})
}

func TestMemberships(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		q := e.DB.W()
		a := org.Org{Slug: "a", Name: "Zulu ministry", Kind: org.Ministry}
		b := org.Org{Slug: "b", Name: "Alpha ministry", Kind: org.Ministry}
		p := org.Org{Slug: "p", Name: "Programme", Kind: org.Programme}
		for _, o := range []*org.Org{&a, &b, &p} {
			if err := org.InsertOrg(ctx, q, o); err != nil {
				t.Fatal(err)
			}
		}
		ann := addUser(t, e.DB, "ann@example.org", "Ann")
		bob := addUser(t, e.DB, "bob@example.org", "Bob")
		for _, x := range []struct {
			o    int64
			u    int64
			role authz.Role
		}{{a.ID, ann, authz.Admin}, {b.ID, ann, authz.Editor}, {p.ID, ann, authz.Participant}, {a.ID, bob, authz.Analyst}} {
			if err := org.AddMember(ctx, q, x.o, x.u, x.role); err != nil {
				t.Fatal(err)
			}
		}
		if err := org.AddMember(ctx, q, a.ID, bob, "owner"); fieldOf(err) != "role" {
			t.Errorf("invalid role: %v", err)
		}
		ms, err := org.ListMemberships(ctx, e.DB.R(), ann)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, m := range ms {
			order = append(order, m.Org.Slug+":"+string(m.Role))
		}
		// Programme first, then ministries by name.
		if strings.Join(order, ",") != "p:participant,b:editor,a:admin" {
			t.Errorf("memberships = %v", order)
		}
		// Changing a role is an upsert.
		if err := org.AddMember(ctx, q, a.ID, bob, authz.Reviewer); err != nil {
			t.Fatal(err)
		}
		if r, err := org.MemberRole(ctx, e.DB.R(), a.ID, bob); r != authz.Reviewer || err != nil {
			t.Errorf("MemberRole = %q, %v", r, err)
		}
		if _, err := org.MemberRole(ctx, e.DB.R(), b.ID, bob); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("MemberRole of non-member: %v", err)
		}
		members, err := org.ListMembers(ctx, e.DB.R(), a.ID)
		if err != nil || len(members) != 2 || members[0].Email != "ann@example.org" || members[1].Role != authz.Reviewer {
			t.Errorf("ListMembers = %+v, %v", members, err)
		}
		if n, _ := org.CountAdmins(ctx, e.DB.R(), a.ID); n != 1 {
			t.Errorf("CountAdmins = %d", n)
		}
		if ok, err := org.RemoveMember(ctx, q, a.ID, bob); !ok || err != nil {
			t.Errorf("RemoveMember = %v, %v", ok, err)
		}
		if ok, _ := org.RemoveMember(ctx, q, a.ID, bob); ok {
			t.Error("removing twice reported a removal")
		}
	})
}

func TestServiceRules(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := &org.Service{DB: e.DB}
		prog := org.Org{Slug: "programme", Name: "Programme", Kind: org.Programme}
		mfa := org.Org{Slug: "mfa", Name: "Ministry", Kind: org.Ministry}
		other := org.Org{Slug: "other", Name: "Other ministry", Kind: org.Ministry}
		for _, o := range []*org.Org{&prog, &mfa, &other} {
			if err := s.CreateBootstrap(ctx, audit.CLI, o); err != nil {
				t.Fatal(err)
			}
		}
		organiser := addUser(t, e.DB, "organiser@example.org", "Organiser")
		admin := addUser(t, e.DB, "admin@example.org", "Admin")
		editor := addUser(t, e.DB, "editor@example.org", "Editor")
		_ = org.AddMember(ctx, e.DB.W(), prog.ID, organiser, authz.Admin)
		_ = org.AddMember(ctx, e.DB.W(), mfa.ID, admin, authz.Admin)
		_ = org.AddMember(ctx, e.DB.W(), mfa.ID, editor, authz.Editor)
		pOrganiser := &authz.Principal{UserID: organiser, Memberships: []authz.Membership{{OrgID: prog.ID, Role: authz.Admin}}}
		pAdmin := &authz.Principal{UserID: admin, Memberships: []authz.Membership{{OrgID: mfa.ID, Role: authz.Admin}}}
		pEditor := &authz.Principal{UserID: editor, Memberships: []authz.Membership{{OrgID: mfa.ID, Role: authz.Editor}}}
		actor := audit.Actor{Name: "test"}

		// Resolve: by id and slug; outsiders cannot tell existing from missing.
		if o, err := s.Resolve(ctx, pEditor, "mfa", authz.ViewOrg); err != nil || o.ID != mfa.ID {
			t.Errorf("Resolve by slug: %v", err)
		}
		if o, err := s.Resolve(ctx, pEditor, itoa(mfa.ID), authz.ViewOrg); err != nil || o.ID != mfa.ID {
			t.Errorf("Resolve by id: %v", err)
		}
		if _, err := s.Resolve(ctx, pEditor, "mfa", authz.ManageOrg); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("editor managing: %v, want ErrForbidden", err)
		}
		for _, ref := range []string{"other", itoa(other.ID), "missing", "999999", strings.Repeat("x", 100), ""} {
			if _, err := s.Resolve(ctx, pEditor, ref, authz.ViewOrg); !errors.Is(err, authz.ErrNotMember) {
				t.Errorf("Resolve(%q) by non-member: %v, want ErrNotMember", ref, err)
			}
		}

		// Create: ministry editors cannot; ministry admins may create missions of theirs; programme admins anything.
		if err := s.Create(ctx, pEditor, actor, &org.Org{Slug: "x1", Name: "X", Kind: org.Mission, ParentID: mfa.ID}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("editor creates mission: %v", err)
		}
		if err := s.Create(ctx, pAdmin, actor, &org.Org{Slug: "x2", Name: "X", Kind: org.Ministry}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("ministry admin creates ministry: %v", err)
		}
		if err := s.Create(ctx, pAdmin, actor, &org.Org{Slug: "x3", Name: "X", Kind: org.Mission, ParentID: other.ID}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("ministry admin creates mission of another ministry: %v", err)
		}
		mission := org.Org{Slug: "mission", Name: "Mission", Kind: org.Mission, ParentID: mfa.ID}
		if err := s.Create(ctx, pAdmin, actor, &mission); err != nil {
			t.Fatalf("ministry admin creates own mission: %v", err)
		}
		if r, _ := org.MemberRole(ctx, e.DB.R(), mission.ID, admin); r != authz.Admin {
			t.Errorf("creator is %q of the new org, want admin", r)
		}
		if err := s.Create(ctx, pOrganiser, actor, &org.Org{Slug: "x4", Name: "X", Kind: org.Mission}); fieldOf(err) != "parent_id" {
			t.Errorf("mission without parent: %v", err)
		}
		if err := s.Create(ctx, pOrganiser, actor, &org.Org{Slug: "x5", Name: "X", Kind: org.Mission, ParentID: mission.ID}); fieldOf(err) != "parent_id" {
			t.Errorf("mission of a mission: %v", err)
		}
		if err := s.Create(ctx, pOrganiser, actor, &org.Org{Slug: "x6", Name: "X", Kind: org.Mission, ParentID: 424242}); fieldOf(err) != "parent_id" {
			t.Errorf("mission of a missing org: %v", err)
		}
		if err := s.Create(ctx, pOrganiser, actor, &org.Org{Slug: "x7", Name: "X", Kind: org.Partner, ParentID: mfa.ID}); fieldOf(err) != "parent_id" {
			t.Errorf("partner with parent: %v", err)
		}
		if err := s.Create(ctx, pOrganiser, actor, &org.Org{Slug: "x8", Name: "X", Kind: org.Partner}); err != nil {
			t.Errorf("programme admin creates partner: %v", err)
		}

		// The last admin stays.
		if err := s.SetRole(ctx, actor, mfa, admin, authz.Editor); !errors.Is(err, org.ErrLastAdmin) {
			t.Errorf("demote last admin: %v", err)
		}
		if err := s.RemoveMember(ctx, actor, mfa, admin); !errors.Is(err, org.ErrLastAdmin) {
			t.Errorf("remove last admin: %v", err)
		}
		if err := s.SetRole(ctx, actor, mfa, editor, "boss"); fieldOf(err) != "role" {
			t.Errorf("invalid role: %v", err)
		}
		if err := s.SetRole(ctx, actor, mfa, organiser, authz.Editor); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("SetRole of a non-member: %v", err)
		}
		if err := s.SetRole(ctx, actor, mfa, editor, authz.Admin); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRole(ctx, actor, mfa, admin, authz.Analyst); err != nil {
			t.Errorf("demote one of two admins: %v", err)
		}
		if err := s.RemoveMember(ctx, actor, mfa, admin); err != nil {
			t.Errorf("remove non-admin: %v", err)
		}
		if err := s.RemoveMember(ctx, actor, mfa, admin); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("remove twice: %v", err)
		}

		// Update keeps identity fields and records the change.
		after := mfa
		after.Name, after.Slug, after.Kind = "New name", "hijack", org.Programme
		if err := s.Update(ctx, actor, mfa, after); err != nil {
			t.Fatal(err)
		}
		got, _ := org.GetOrg(ctx, e.DB.R(), mfa.ID)
		if got.Name != "New name" || got.Slug != "mfa" || got.Kind != org.Ministry {
			t.Errorf("update: %+v", got)
		}
		es, err := audit.List(ctx, e.DB.R(), mfa.ID, 0, 100)
		if err != nil || len(es) == 0 || es[0].Action != "org.update" || es[0].Detail["name"] != "Ministry → New name" {
			t.Errorf("audit after update: %+v, %v", es, err)
		}
		if n, err := audit.Verify(ctx, e.DB.R()); err != nil || n == 0 {
			t.Errorf("audit chain: %d, %v", n, err)
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
