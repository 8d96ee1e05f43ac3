package app_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// The end of a course in a browser: the final self-assessment answered
// with the keyboard alone (arrow keys in the rating groups, Enter on the
// button), the certificate page, the public verification page, and the
// organiser's certificates, revocation, impact and discussion pages, all
// without serious axe-core violations.
func TestBrowserCertificate(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		f := NewFixture(t, e, WithPasswords())
		h, c := newCohort(t, f, f.A)
		participant, admin := f.Members[authz.Participant], f.Members[authz.Admin]
		completeCourse(t, f, h, c, participant)
		srv := httptest.NewServer(f.H)
		t.Cleanup(srv.Close)
		base := srv.URL
		cohort := fmt.Sprintf("/o/%s/academy/cohorts/%d", f.A.Slug, h.ID)

		signInWith(t, ctx, base, participant.Email, f.Password)
		open(t, ctx, base, cohort+"/certificate")
		if p := currentPath(t, ctx); p != cohort+"/assessment/end" {
			t.Fatalf("the certificate page did not ask for the self-assessment first: %s", p)
		}
		requireNoSeriousAxe(t, ctx, "final self-assessment")
		// Rating 4 on the first statement, 1 on the second, by keyboard.
		testutil.BrowserDo(t, ctx, "rate with the arrow keys",
			chromedp.Focus(chromedp.CSS(`input[name="rating.basics"][value="1"]`)),
			chromedp.KeyEvent(" "),
			chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
			chromedp.Focus(chromedp.CSS(`input[name="rating.practice"][value="1"]`)),
			chromedp.KeyEvent(" "),
		)
		checked := evalString(t, ctx, "read the ratings", `Array.from(document.querySelectorAll("input[type=radio]:checked")).map(i => i.name + "=" + i.value).join(" ")`)
		if checked != "rating.basics=4 rating.practice=1" {
			t.Fatalf("ratings chosen by keyboard: %q", checked)
		}
		pressEnterAndWaitForPage(t, ctx, `.assessment-form button.btn-primary`, "save the ratings with Enter")
		if p := currentPath(t, ctx); p != cohort+"/certificate" {
			t.Fatalf("after the self-assessment the browser is at %s\n%s", p, testutil.PageReport(ctx))
		}
		requireNoSeriousAxe(t, ctx, "certificate page")
		saveScreenshot(t, ctx, "academy-certificate.png")
		code := evalString(t, ctx, "read the code", `document.querySelector("code.secret").textContent`)
		open(t, ctx, base, cohort)
		requireNoSeriousAxe(t, ctx, "cohort page with the certificate")
		open(t, ctx, base, fmt.Sprintf("%s/modules/%d/discussion", cohort, c.Modules[0].ID))
		requireNoSeriousAxe(t, ctx, "discussion")

		// The public page, signed out.
		clickAndWaitForPage(t, ctx, `form[action="/logout"] button[type="submit"]`, "sign out")
		anon := ctx
		open(t, anon, base, "/verify/"+code)
		requireNoSeriousAxe(t, anon, "verification page")
		saveScreenshot(t, anon, "academy-verify.png")
		if txt := evalString(t, anon, "read the status", `document.querySelector(".verify-status").textContent`); !strings.Contains(txt, "Valid certificate") {
			t.Fatalf("verification: %q", txt)
		}
		open(t, anon, base, "/verify")
		requireNoSeriousAxe(t, anon, "verification form")

		// The organiser.
		org := ctx
		signInWith(t, org, base, admin.Email, f.Password)
		open(t, org, base, cohort+"/certificates")
		requireNoSeriousAxe(t, org, "certificates")
		clickAndWaitForPage(t, org, `a[href$="/revoke"]`, "open the revocation page")
		requireNoSeriousAxe(t, org, "revocation page")
		testutil.BrowserDo(t, org, "give the reason", chromedp.SendKeys(chromedp.CSS(`#reason`), "Issued to the wrong person"))
		clickAndWaitForPage(t, org, `form button.btn-danger`, "revoke")
		requireNoSeriousAxe(t, org, "certificates after revoking")
		open(t, anon, base, "/verify/"+code)
		if txt := evalString(t, anon, "read the status", `document.querySelector(".verify-status").textContent`); !strings.Contains(txt, "Issued to the wrong person") {
			t.Fatalf("verification after revoking: %q", txt)
		}
		requireNoSeriousAxe(t, anon, "verification page of a revoked certificate")
		open(t, org, base, cohort+"/impact")
		requireNoSeriousAxe(t, org, "impact")
	})
}
