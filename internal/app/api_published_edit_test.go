package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// A published post cannot be taken back by editing it: even with reopen,
// the edit is refused, and the variant keeps its state and text.
func TestPublishedVariantCannotBeEdited(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		ed := f.Members[authz.Editor]
		v := newItem(t, f, f.A).Variants[0]
		if _, err := f.DB.W().ExecContext(context.Background(), "UPDATE variants SET state = 'published', external_id = 'ext-1' WHERE id = ?", v.ID); err != nil {
			t.Fatal(err)
		}
		r := f.Do(t, "PATCH", "/api/v1/variants/"+itoa(v.ID), ed.Token, `{"text":"Corrected text","reopen":true}`)
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "published") {
			t.Fatalf("editing a published variant: %d %s", r.Status, r.Body)
		}
		r = f.Do(t, "GET", "/api/v1/variants/"+itoa(v.ID), ed.Token, "")
		if !strings.Contains(r.Body, `"state":"published"`) || strings.Contains(r.Body, "Corrected text") {
			t.Fatalf("the published variant changed: %s", r.Body)
		}
	})
}
