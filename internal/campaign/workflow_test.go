package campaign_test

// The approval workflow: four eyes, multi-step policies, request changes,
// locking after approval, and the kept versions.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/testutil"
)

// submitted returns a variant written by author and sent for approval.
func (f *fixture) submitted(t *testing.T, author string, scheduled bool) campaign.Variant {
	t.Helper()
	c := f.campaign(t, f.A, "Workflow", "2026-12-01", "2026-12-31")
	var when *time.Time
	if scheduled {
		when = at("2026-12-05T12:00:00Z")
	}
	it := f.item(t, author, c, "Text to approve", f.variantFor("a-telegram", when))
	v, err := f.svc.Submit(ctx, f.u[author], it.Variants[0].ID)
	if err != nil || v.State != campaign.StateInReview {
		t.Fatalf("submit: %+v, %v", v, err)
	}
	return v
}

func (f *fixture) state(t *testing.T, id int64) campaign.Variant {
	t.Helper()
	v, _, _, err := f.svc.GetVariant(ctx, f.u["a-admin"], id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFourEyes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		v := f.submitted(t, "a-editor", true)
		// The author cannot approve; roles outside the policy (default:
		// reviewer or admin) cannot; strangers cannot see it.
		for _, x := range []struct {
			user string
			err  error
		}{
			{"a-editor", campaign.ErrOwnVariant},
			{"a-editor2", campaign.ErrNotApprover},
			{"a-analyst", campaign.ErrNotApprover},
			{"a-trainer", authz.ErrForbidden},
			{"p-reviewer", authz.ErrNotMember},
			{"b-admin", authz.ErrNotMember},
		} {
			_, err := f.svc.Approve(ctx, f.u[x.user], audit.System, v.ID, "")
			if !errors.Is(err, x.err) {
				t.Errorf("%s approving: %v, want %v", x.user, err, x.err)
			}
		}
		if got := f.state(t, v.ID); got.State != campaign.StateInReview {
			t.Fatalf("refused approvals changed the state to %s", got.State)
		}
		// A reviewer approves; with a time set it is scheduled.
		got, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, v.ID, "Good to go")
		if err != nil || got.State != campaign.StateScheduled {
			t.Fatalf("reviewer approving: %+v, %v", got, err)
		}
		if _, err := f.svc.Approve(ctx, f.u["a-admin"], audit.System, v.ID, ""); !errors.Is(err, campaign.ErrWrongState) {
			t.Errorf("approving a scheduled variant: %v", err)
		}
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], v.ID); !errors.Is(err, campaign.ErrWrongState) {
			t.Errorf("submitting a scheduled variant: %v", err)
		}

		// Any author of any version, even an admin, cannot approve: the
		// admin edits the editor's draft, the editor submits, and neither
		// may approve it.
		w := f.submitted(t, "a-editor", false)
		if _, err := f.svc.EditVariant(ctx, f.u["a-admin"], w.ID, campaign.VariantInput{ChannelAccountID: w.ChannelAccountID, Text: "Admin's wording"}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], w.ID); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"a-admin", "a-editor"} {
			if _, err := f.svc.Approve(ctx, f.u[u], audit.System, w.ID, ""); !errors.Is(err, campaign.ErrOwnVariant) {
				t.Errorf("%s (an author) approving: %v, want ErrOwnVariant", u, err)
			}
			if _, err := f.svc.RequestChanges(ctx, f.u[u], audit.System, w.ID, "Fix it"); !errors.Is(err, campaign.ErrOwnVariant) {
				t.Errorf("%s (an author) requesting changes: %v, want ErrOwnVariant", u, err)
			}
		}
		got, err = f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, w.ID, "")
		if err != nil || got.State != campaign.StateApproved {
			t.Errorf("reviewer approving an unscheduled variant: %+v, %v", got, err)
		}
		// Each decision is in the audit log of the variant's organisation.
		var n int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND action = 'variant.approve'", f.A.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d approvals in the audit log, want 2", n)
		}
	})
}

func TestTwoStepPolicy(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		for _, bad := range []struct {
			p     campaign.Policy
			field string
		}{
			{campaign.Policy{Steps: 0, Roles: []authz.Role{authz.Reviewer}}, "steps"},
			{campaign.Policy{Steps: 6, Roles: []authz.Role{authz.Reviewer}}, "steps"},
			{campaign.Policy{Steps: 1}, "roles"},
			{campaign.Policy{Steps: 1, Roles: []authz.Role{authz.Reviewer, "owner"}}, "roles/1"},
		} {
			if err := f.svc.SetPolicy(ctx, audit.System, f.A, bad.p); fieldOf(err) != bad.field {
				t.Errorf("policy %+v: %v, want %s", bad.p, err, bad.field)
			}
		}
		if pol, err := f.svc.Policy(ctx, f.A.ID); err != nil || pol.Steps != 1 || !pol.Allows(authz.Reviewer) || !pol.Allows(authz.Admin) || pol.Allows(authz.Editor) {
			t.Fatalf("default policy: %+v, %v", pol, err)
		}
		two := campaign.Policy{Steps: 2, Roles: []authz.Role{authz.Reviewer, authz.Admin}}
		if err := f.svc.SetPolicy(ctx, audit.System, f.A, two); err != nil {
			t.Fatal(err)
		}
		if pol, _ := f.svc.Policy(ctx, f.A.ID); pol.Steps != 2 || len(pol.Roles) != 2 {
			t.Fatalf("stored policy: %+v", pol)
		}
		if pol, _ := f.svc.Policy(ctx, f.B.ID); pol.Steps != 1 {
			t.Errorf("A's policy leaks into B: %+v", pol)
		}
		v := f.submitted(t, "a-editor", true)
		got, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, v.ID, "")
		if err != nil || got.State != campaign.StateInReview {
			t.Fatalf("first approval: %+v, %v", got, err)
		}
		// The same approver twice is not two approvals.
		if _, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, v.ID, ""); !errors.Is(err, campaign.ErrAlreadyDecided) {
			t.Errorf("second approval by the same reviewer: %v", err)
		}
		if f.state(t, v.ID).State != campaign.StateInReview {
			t.Fatal("one approver approved a two-step variant")
		}
		got, err = f.svc.Approve(ctx, f.u["a-admin"], audit.System, v.ID, "")
		if err != nil || got.State != campaign.StateScheduled {
			t.Fatalf("second approver: %+v, %v", got, err)
		}
		_, _, ds, _ := f.svc.GetVariant(ctx, f.u["a-analyst"], v.ID)
		if len(ds) != 2 || ds[0].UserID != f.u["a-reviewer"].UserID || ds[1].UserID != f.u["a-admin"].UserID || ds[0].UserName != "User a-reviewer" || ds[0].Version != 1 {
			t.Errorf("decisions: %+v", ds)
		}

		// A policy that names editors lets another editor approve, never
		// the author.
		if err := f.svc.SetPolicy(ctx, audit.System, f.A, campaign.Policy{Steps: 1, Roles: []authz.Role{authz.Editor}}); err != nil {
			t.Fatal(err)
		}
		w := f.submitted(t, "a-editor", false)
		if _, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, w.ID, ""); !errors.Is(err, campaign.ErrNotApprover) {
			t.Errorf("reviewer under an editors-only policy: %v", err)
		}
		if _, err := f.svc.Approve(ctx, f.u["a-editor"], audit.System, w.ID, ""); !errors.Is(err, campaign.ErrOwnVariant) {
			t.Errorf("the author under an editors-only policy: %v", err)
		}
		if got, err := f.svc.Approve(ctx, f.u["a-editor2"], audit.System, w.ID, ""); err != nil || got.State != campaign.StateApproved {
			t.Errorf("another editor: %+v, %v", got, err)
		}
	})
}

func TestRequestChanges(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		v := f.submitted(t, "a-editor", false)
		for _, c := range []string{"", "   \n"} {
			if _, err := f.svc.RequestChanges(ctx, f.u["a-reviewer"], audit.System, v.ID, c); fieldOf(err) != "comment" {
				t.Errorf("request changes with comment %q: %v, want an error on comment", c, err)
			}
		}
		// Strangers learn nothing, whatever the comment.
		if _, err := f.svc.RequestChanges(ctx, f.u["b-admin"], audit.System, v.ID, ""); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("stranger requesting changes without a comment: %v", err)
		}
		got, err := f.svc.RequestChanges(ctx, f.u["a-reviewer"], audit.System, v.ID, "  Shorter, please.  ")
		if err != nil || got.State != campaign.StateChangesRequested {
			t.Fatalf("request changes: %+v, %v", got, err)
		}
		_, _, ds, _ := f.svc.GetVariant(ctx, f.u["a-editor"], v.ID)
		if len(ds) != 1 || ds[0].Decision != "request_changes" || ds[0].Comment != "Shorter, please." {
			t.Errorf("decisions: %+v", ds)
		}
		if _, err := f.svc.Approve(ctx, f.u["a-admin"], audit.System, v.ID, ""); !errors.Is(err, campaign.ErrWrongState) {
			t.Errorf("approving a variant with changes requested: %v", err)
		}
		// The author's edit returns it to draft as version 2; resubmitted,
		// it can be approved by the same reviewer (a new version).
		ed, err := f.svc.EditVariant(ctx, f.u["a-editor"], v.ID, campaign.VariantInput{ChannelAccountID: v.ChannelAccountID, Text: "Shorter."}, false)
		if err != nil || ed.State != campaign.StateDraft || ed.Version != 2 {
			t.Fatalf("edit after changes requested: %+v, %v", ed, err)
		}
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], v.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, v.ID, ""); err != nil || got.State != campaign.StateApproved {
			t.Errorf("approving version 2: %+v, %v", got, err)
		}
		// A submit from changes_requested works directly too.
		w := f.submitted(t, "a-editor", false)
		if _, err := f.svc.RequestChanges(ctx, f.u["a-admin"], audit.System, w.ID, "Add a link"); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Submit(ctx, f.u["a-editor"], w.ID); err != nil || got.State != campaign.StateInReview {
			t.Errorf("resubmitting: %+v, %v", got, err)
		}
		// Only editors of the variant's organisation submit.
		if _, err := f.svc.Submit(ctx, f.u["a-reviewer"], w.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("reviewer submitting: %v", err)
		}
	})
}

func TestEditAfterApproval(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		if err := f.svc.SetPolicy(ctx, audit.System, f.A, campaign.Policy{Steps: 2, Roles: []authz.Role{authz.Reviewer, authz.Admin}}); err != nil {
			t.Fatal(err)
		}
		v := f.submitted(t, "a-editor", true)
		for _, u := range []string{"a-reviewer", "a-reviewer2"} {
			if _, err := f.svc.Approve(ctx, f.u[u], audit.System, v.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		if f.state(t, v.ID).State != campaign.StateScheduled {
			t.Fatal("not scheduled after two approvals")
		}
		edit := campaign.VariantInput{ChannelAccountID: v.ChannelAccountID, Text: "Changed after approval", ScheduledAt: v.ScheduledAt}
		// Locked: an edit without reopen is refused and changes nothing.
		if _, err := f.svc.EditVariant(ctx, f.u["a-editor"], v.ID, edit, false); !errors.Is(err, campaign.ErrLocked) {
			t.Fatalf("edit of an approved variant: %v, want ErrLocked", err)
		}
		if got := f.state(t, v.ID); got.Version != 1 || got.Text != "Text to approve" || got.State != campaign.StateScheduled {
			t.Fatalf("a refused edit changed the variant: %+v", got)
		}
		// With reopen: back to draft, a new version.
		got, err := f.svc.EditVariant(ctx, f.u["a-editor"], v.ID, edit, true)
		if err != nil || got.State != campaign.StateDraft || got.Version != 2 || got.Text != "Changed after approval" {
			t.Fatalf("reopen: %+v, %v", got, err)
		}
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], v.ID); err != nil {
			t.Fatal(err)
		}
		// The two approvals were of version 1: they do not count. One new
		// approval is not enough; the first reviewer may approve again.
		if got, err := f.svc.Approve(ctx, f.u["a-reviewer"], audit.System, v.ID, ""); err != nil || got.State != campaign.StateInReview {
			t.Fatalf("first approval of version 2: %+v, %v", got, err)
		}
		if got, err := f.svc.Approve(ctx, f.u["a-admin"], audit.System, v.ID, ""); err != nil || got.State != campaign.StateScheduled {
			t.Fatalf("second approval of version 2: %+v, %v", got, err)
		}
		// A reviewer who edits becomes an author: no longer an approver of
		// this variant.
		if _, err := f.svc.EditVariant(ctx, f.u["a-admin"], v.ID, edit, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, f.u["a-editor"], v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.u["a-admin"], audit.System, v.ID, ""); !errors.Is(err, campaign.ErrOwnVariant) {
			t.Errorf("an admin who edited approving: %v", err)
		}
	})
}

func TestVersionsAreKept(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c := f.campaign(t, f.A, "Versions", "2026-12-01", "2026-12-31")
		it := f.item(t, "a-editor", c, "Version one", f.variantFor("a-x", nil))
		id := it.Variants[0].ID
		start := time.Now().Add(-time.Minute)
		if _, err := f.svc.EditVariant(ctx, f.u["a-admin"], id, campaign.VariantInput{ChannelAccountID: f.acc["a-x"].ID, Language: "en-GB", Text: "Version two", ScheduledAt: at("2026-12-03T10:00:00+01:00")}, false); err != nil {
			t.Fatal(err)
		}
		// An invalid edit is not a version.
		if _, err := f.svc.EditVariant(ctx, f.u["a-editor"], id, campaign.VariantInput{ChannelAccountID: f.acc["a-x"].ID, Text: "x\x00"}, false); fieldOf(err) != "text" {
			t.Errorf("edit with a control character: %v", err)
		}
		if _, err := f.svc.EditVariant(ctx, f.u["a-editor"], id, campaign.VariantInput{ChannelAccountID: f.acc["a-telegram"].ID, Text: "Version three"}, false); err != nil {
			t.Fatal(err)
		}
		v, vers, _, err := f.svc.GetVariant(ctx, f.u["a-reviewer"], id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 3 || v.Network != "telegram" || v.AuthorID != f.u["a-editor"].UserID || v.Language != "uk" {
			t.Errorf("current variant: %+v", v)
		}
		if len(vers) != 3 {
			t.Fatalf("%d versions, want 3", len(vers))
		}
		want := []struct {
			text, author string
		}{{"Version one", "a-editor"}, {"Version two", "a-admin"}, {"Version three", "a-editor"}}
		for i, w := range want {
			x := vers[i]
			if x.Version != i+1 || x.Text != w.text || x.AuthorID != f.u[w.author].UserID || x.AuthorName != "User "+w.author || x.CreatedAt.Before(start) {
				t.Errorf("version %d: %+v, want %q by %s", i+1, x, w.text, w.author)
			}
		}
		if vers[1].ScheduledAt == nil || !vers[1].ScheduledAt.Equal(*at("2026-12-03T09:00:00Z")) || vers[0].ScheduledAt != nil {
			t.Errorf("scheduled times of versions: %v, %v", vers[0].ScheduledAt, vers[1].ScheduledAt)
		}
		if vers[2].ChannelAccountID != f.acc["a-telegram"].ID || vers[1].Language != "en-GB" {
			t.Errorf("account/language of versions: %+v", vers)
		}
		// An edit that puts the text over the new network's limit is refused.
		long := strings.Repeat("ж", 281)
		_, err = f.svc.EditVariant(ctx, f.u["a-editor"], id, campaign.VariantInput{ChannelAccountID: f.acc["a-x"].ID, Text: long}, false)
		var le *campaign.LengthError
		if !errors.As(err, &le) || le.Field() != "text" || le.Measure.Length != 281 {
			t.Errorf("over-limit edit: %v", err)
		}
	})
}
