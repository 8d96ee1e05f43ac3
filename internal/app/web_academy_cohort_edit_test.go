package app_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// The organiser renames a cohort and moves its dates; bad dates are shown
// in the form with what was typed; the course cannot be changed; removing
// a member asks first.
func TestWebCohortEdit(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		h, c := newCohort(t, f, f.A)
		base := fmt.Sprintf("/o/%s/academy/cohorts/%d", f.A.Slug, h.ID)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Admin])

		wantBody(t, "cohort page", b.get(base), `href="`+base+`/edit"`, "data-confirm=\"Remove")
		form := b.get(base + "/edit")
		wantStatus(t, "edit form", form, 200)
		wantBody(t, "edit form", form, `value="Matrix cohort"`, c.Title, "cannot change", "Save changes")

		bad := b.post(base, url.Values{"name": {"Spring cohort"}, "starts_on": {"2026-06-01"}, "ends_on": {"2026-03-01"}, "course_id": {"987"}})
		wantStatus(t, "end before start", bad, 422)
		wantBody(t, "end before start", bad, `value="Spring cohort"`, "aria-invalid")

		wantStatus(t, "save", b.post(base, url.Values{"name": {"Spring cohort"}, "starts_on": {"2026-04-01"}, "ends_on": {"2026-07-31"}}), 303)
		page := b.get(base + "?saved=1")
		wantBody(t, "saved", page, "The cohort has been saved.", "Spring cohort", "2026-04-01", "2026-07-31", c.Title)

		tb := newBrowser(t, f)
		tb.signIn(f.Members[authz.Trainer])
		wantStatus(t, "a trainer edits", tb.post(base, url.Values{"name": {"Mine now"}, "starts_on": {"2026-04-01"}, "ends_on": {"2026-07-31"}}), 403)
	})
}
