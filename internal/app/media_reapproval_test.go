package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/testutil"
)

// What goes out with an approved variant is part of what was approved:
// attaching an image, changing its alt text or removing it sends the item's
// approved variants back to draft with a new version, and the person who
// changed the media cannot approve that version.
func TestMediaChangeSendsApprovedVariantsBack(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		ed, rv := f.Members[authz.Editor], f.Members[authz.Reviewer]
		it := newItem(t, f, f.A)
		v := it.Variants[0]
		approve := func() {
			t.Helper()
			if _, err := f.Campaigns.Submit(ctx, principalOf(t, f, ed), v.ID); err != nil {
				t.Fatal(err)
			}
			got, err := f.Campaigns.Approve(ctx, principalOf(t, f, rv), audit.System, v.ID, "")
			if err != nil || got.State != campaign.StateScheduled {
				t.Fatalf("approve: %v %v", got.State, err)
			}
		}
		state := func() campaign.Variant {
			t.Helper()
			got, _, _, err := f.Campaigns.GetVariant(ctx, principalOf(t, f, ed), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		approve()
		// The editor attaches an image: back to draft, version 2 by them.
		resp := apiUploadMedia(t, f, ed.Token, it.ID, "photo.png", "image/png", mediaTestPNG(t, 40, 30, 1), mediaStr("Grain ship leaving Odesa at dawn"))
		if resp.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", resp.Status, resp.Body)
		}
		got := state()
		if got.State != campaign.StateDraft || got.Version != 2 {
			t.Fatalf("after attaching media: state %s version %d, want draft 2", got.State, got.Version)
		}
		if _, err := f.Campaigns.Submit(ctx, principalOf(t, f, ed), v.ID); err != nil {
			t.Fatal(err)
		}
		// Version 2 is the editor's: even an admin-editor could not approve
		// it; the reviewer does.
		got, err := f.Campaigns.Approve(ctx, principalOf(t, f, rv), audit.System, v.ID, "")
		if err != nil || got.State != campaign.StateScheduled {
			t.Fatalf("approve v2: %v %v", got.State, err)
		}
		m := decodeMedia(t, resp)
		if r := f.Do(t, "PATCH", "/api/v1/media/"+itoa(m.ID), ed.Token, `{"alt_text":"Grain ship leaving the port of Odesa"}`); r.Status != http.StatusOK {
			t.Fatalf("alt text: %d %s", r.Status, r.Body)
		}
		if got := state(); got.State != campaign.StateDraft || got.Version != 3 {
			t.Fatalf("after changing alt text: state %s version %d, want draft 3", got.State, got.Version)
		}
		approve()
		if r := f.Do(t, "DELETE", "/api/v1/media/"+itoa(m.ID), ed.Token, ""); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if got := state(); got.State != campaign.StateDraft || got.Version != 4 {
			t.Fatalf("after removing media: state %s version %d, want draft 4", got.State, got.Version)
		}
	})
}
