package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/credential"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// completeCourse does a participant's whole course through the service:
// the assignment is recorded as accepted first (its review is another
// test's subject), so that the last lesson completes the course.
func completeCourse(t *testing.T, f *Fixture, h academy.Cohort, c *academy.Course, u *TestUser) {
	t.Helper()
	ctx := context.Background()
	p := principalOf(t, f, u)
	for _, m := range c.Modules {
		if m.Assignment == nil {
			continue
		}
		var asID int64
		if err := f.DB.R().QueryRowContext(ctx, "SELECT id FROM assignments WHERE module_id = ?", m.ID).Scan(&asID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.DB.W().ExecContext(ctx, `INSERT INTO submissions (cohort_id, user_id, assignment_id, revision, state, body, submitted_at, decided_at)
			VALUES (?, ?, ?, 1, 'accepted', 'My plan', ?, ?)`, h.ID, u.ID, asID, time.Now().UTC(), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if _, err := f.Academy.OpenLesson(ctx, p, h.ID, l.ID, "", "en"); err != nil {
				t.Fatal(err)
			}
			if l.Completion == academy.CompleteOnMark {
				if err := f.Academy.MarkDone(ctx, p, h.ID, l.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if m.Quiz == nil {
			continue
		}
		at, err := f.Academy.StartAttempt(ctx, p, audit.System, h.ID, m.Quiz.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.Academy.Attempt(ctx, p, h.ID, at.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Academy.SubmitAttempt(ctx, p, audit.System, h.ID, at.ID, academy.RightAnswers(v)); err != nil {
			t.Fatal(err)
		}
	}
}

// nodeVerifier finds node and test/vc's packages: skipped without them,
// except in CI.
func nodeVerifier(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat("../../test/vc/node_modules/@digitalbazaar/vc/package.json")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or test/vc/node_modules is missing: %v (run npm ci --prefix test/vc)", err)
		}
		t.Logf("skipping the independent verifier: %v (run npm ci --prefix test/vc)", err)
		return ""
	}
	return node
}

type nodeVerdict struct {
	Verified bool     `json:"verified"`
	Status   string   `json:"status"`
	Errors   []string `json:"errors"`
	exit     int
}

// runVerifier runs test/vc/verify.mjs on the documents as served.
func runVerifier(t *testing.T, node string, docs ...[]byte) nodeVerdict {
	t.Helper()
	dir := t.TempDir()
	args := []string{"../../test/vc/verify.mjs"}
	for i, d := range docs {
		p := filepath.Join(dir, fmt.Sprintf("doc%d.json", i))
		if err := os.WriteFile(p, d, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var v nodeVerdict
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		v.exit = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("verify.mjs: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("verify.mjs printed no result: %v\n%s\n%s", err, out.String(), stderr.String())
	}
	return v
}

// A participant rates themselves at the start, completes the course,
// skips the final self-assessment and gets the certificate: the PDF names
// them in their script with the code; the public page and the credential
// served verify (in Go and with Digital Bazaar's verifier, with the status
// list); the organiser revokes it with a reason after a confirmation, and
// the page, the list and both verifiers say revoked. One changed byte
// fails verification.
func TestWebCertificateLifecycle(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		h, c := newCohort(t, f, f.A)
		participant, admin := f.Members[authz.Participant], f.Members[authz.Admin]
		if _, err := f.DB.W().ExecContext(ctx, "UPDATE users SET name = ? WHERE id = ?", "Ніно Беридзе", participant.ID); err != nil {
			t.Fatal(err)
		}
		base := fmt.Sprintf("/o/%s/academy/cohorts/%d", f.A.Slug, h.ID)

		b := newBrowser(t, f)
		b.signIn(participant)
		wantBody(t, "cohort before starting", b.get(base), "Before your first lesson", base+"/assessment/start", "Discussion (0 posts)")
		wantBody(t, "start form", b.get(base+"/assessment/start"), "I can explain the basics.", `name="rating.basics"`, "Skip")
		resp := b.post(base+"/assessment/start", url.Values{"rating.basics": {"2"}})
		wantStatus(t, "start incomplete", resp, 422)
		wantBody(t, "start incomplete", resp, "Choose a rating from 1 to 5")
		wantStatus(t, "start", b.post(base+"/assessment/start", url.Values{"rating.basics": {"2"}, "rating.practice": {"1"}, "next": {base}}), 303)
		if strings.Contains(b.get(base).Body, "Before your first lesson") {
			t.Error("still prompted after answering")
		}
		wantBody(t, "certificate before completion", b.get(base+"/certificate"), "Your certificate is issued when every module is complete")

		completeCourse(t, f, h, c, participant)
		wantBody(t, "cohort after completion", b.get(base), "Your certificate is ready")
		resp = b.get(base + "/certificate")
		wantStatus(t, "certificate asks for the end", resp, 303)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, base+"/assessment/end?next=") {
			t.Fatalf("certificate → %s", loc)
		}
		wantStatus(t, "skip the end", b.post(base+"/assessment/end", url.Values{"skip": {"1"}, "next": {base + "/certificate"}}), 303)
		resp = b.get(base + "/certificate")
		wantStatus(t, "certificate", resp, 200)
		var code string
		if err := f.DB.R().QueryRowContext(ctx, "SELECT code FROM certificates WHERE cohort_id = ? AND user_id = ?", h.ID, participant.ID).Scan(&code); err != nil {
			t.Fatal(err)
		}
		wantBody(t, "certificate", resp, code, "Ніно Беридзе", "/verify/"+code, "certificate.pdf", "/credentials/"+code)

		pdf := b.get(base + "/certificate.pdf")
		wantStatus(t, "pdf", pdf, 200)
		if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("pdf Content-Type %q", ct)
		}
		if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
			cmd := exec.Command(pdftotext, "-", "-")
			cmd.Stdin = strings.NewReader(pdf.Body)
			text, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Ніно Беридзе", "Test Course", code, "Alpha trainer", "Matrix cohort"} {
				if !strings.Contains(string(text), want) {
					t.Errorf("the PDF lacks %q:\n%s", want, text)
				}
			}
		}

		// The public side, anonymously.
		anon := newBrowser(t, f)
		page := anon.get("/verify/" + code)
		wantStatus(t, "verify", page, 200)
		wantBody(t, "verify", page, "Valid certificate", "Ніно Беридзе", "Test Course", "Matrix cohort", "Ministry Alpha of Foreign Affairs", "Alpha trainer",
			`<meta name="robots" content="noindex, nofollow">`, "/credentials/"+code)
		if page.Header.Get("X-Robots-Tag") == "" {
			t.Error("the verification page has no X-Robots-Tag")
		}
		wantStatus(t, "verify typed", anon.get("/verify/"+strings.ToLower(strings.ReplaceAll(code, "-", ""))), 200)
		if resp := anon.get("/verify?code=" + url.QueryEscape(strings.ToLower(code))); resp.Status != 303 || resp.Header.Get("Location") != "/verify/"+code {
			t.Errorf("verify form: %d %s", resp.Status, resp.Header.Get("Location"))
		}
		wantBody(t, "verify form bad", anon.get("/verify?code=nonsense"), "This is not a verification code")
		wantStatus(t, "unknown code", anon.get("/verify/ZZZZ-ZZZZ-ZZZZ"), 404)
		wantStatus(t, "unknown credential", anon.get("/credentials/ZZZZ-ZZZZ-ZZZZ"), 404)
		wantStatus(t, "unknown list", anon.get("/credentials/status/2"), 404)

		cred := anon.get("/credentials/" + code)
		if cred.Status != 200 || cred.Header.Get("Content-Type") != "application/ld+json" {
			t.Fatalf("credential: %d %s", cred.Status, cred.Header.Get("Content-Type"))
		}
		var stored string
		_ = f.DB.R().QueryRowContext(ctx, "SELECT credential FROM certificates WHERE code = ?", code).Scan(&stored)
		if cred.Body != stored {
			t.Error("the credential served is not the stored bytes")
		}
		did := anon.get("/.well-known/did.json")
		jwks := anon.get("/.well-known/jwks.json")
		list := anon.get("/credentials/status/1")
		if did.Status != 200 || jwks.Status != 200 || list.Status != 200 || !strings.Contains(jwks.Body, `"kty": "OKP"`) {
			t.Fatalf("did %d, jwks %d, list %d", did.Status, jwks.Status, list.Status)
		}
		resolve, err := credential.ResolverFromDIDDocument([]byte(did.Body))
		if err != nil {
			t.Fatal(err)
		}
		if err := credential.Verify([]byte(cred.Body), resolve); err != nil {
			t.Fatalf("the credential served does not verify: %v", err)
		}
		if revoked, err := credential.CheckStatus([]byte(cred.Body), []byte(list.Body), resolve); err != nil || revoked {
			t.Fatalf("status: %v %v", revoked, err)
		}
		parsed, _ := credential.Parse([]byte(cred.Body))
		if parsed.Issuer.Name != f.A.Name || parsed.CredentialSubject.Name != "Ніно Беридзе" || !parsed.RecipientIs(participant.Email) {
			t.Errorf("credential: %s", cred.Body)
		}
		// One byte changed: the name's last letter.
		tampered := []byte(strings.Replace(cred.Body, "Беридзе", "Беридза", 1))
		if credential.Verify(tampered, resolve) == nil {
			t.Error("Go verifies a changed credential")
		}
		node := nodeVerifier(t)
		if node != "" {
			if v := runVerifier(t, node, []byte(cred.Body), []byte(did.Body), []byte(list.Body)); v.exit != 0 || !v.Verified || v.Status != "valid" {
				t.Errorf("Digital Bazaar's verifier on the served credential: %+v", v)
			}
			if v := runVerifier(t, node, tampered, []byte(did.Body)); v.exit != 1 || v.Verified {
				t.Errorf("Digital Bazaar's verifier on a changed credential: %+v", v)
			}
		}

		// The organiser revokes it, after a confirmation page.
		ob := newBrowser(t, f)
		ob.signIn(admin)
		var certID int64
		_ = f.DB.R().QueryRowContext(ctx, "SELECT id FROM certificates WHERE code = ?", code).Scan(&certID)
		wantBody(t, "certificates", ob.get(base+"/certificates"), "Ніно Беридзе", code, fmt.Sprintf("/certificates/%d/revoke", certID))
		wantBody(t, "revoke form", ob.get(fmt.Sprintf("%s/certificates/%d/revoke", base, certID)), "Revoking cannot be undone", `name="reason"`)
		wantStatus(t, "revoke without reason", ob.post(fmt.Sprintf("%s/certificates/%d/revoke", base, certID), url.Values{"reason": {" "}}), 422)
		wantStatus(t, "revoke by the participant", b.post(fmt.Sprintf("%s/certificates/%d/revoke", base, certID), url.Values{"reason": {"mine"}}), 403)
		wantStatus(t, "revoke", ob.post(fmt.Sprintf("%s/certificates/%d/revoke", base, certID), url.Values{"reason": {"The capstone plan was copied from another cohort"}}), 303)
		wantStatus(t, "revoke twice", ob.post(fmt.Sprintf("%s/certificates/%d/revoke", base, certID), url.Values{"reason": {"again"}}), 409)
		page = anon.get("/verify/" + code)
		wantBody(t, "verify revoked", page, "This certificate has been revoked", "The capstone plan was copied from another cohort", "Revoked on "+time.Now().UTC().Format("2006-01-02"))
		if strings.Contains(page.Body, "Valid certificate") {
			t.Error("a revoked certificate shows as valid")
		}
		list2 := anon.get("/credentials/status/1")
		if revoked, err := credential.CheckStatus([]byte(cred.Body), []byte(list2.Body), resolve); err != nil || !revoked {
			t.Fatalf("status after revocation: %v %v", revoked, err)
		}
		if node != "" {
			if v := runVerifier(t, node, []byte(cred.Body), []byte(did.Body), []byte(list2.Body)); v.exit != 1 || v.Verified || v.Status != "revoked" {
				t.Errorf("Digital Bazaar's verifier after revocation: %+v", v)
			}
		}
		wantBody(t, "participant's page after revocation", b.get(base+"/certificate"), "This certificate has been revoked.")

		// xAPI and impact for the organiser, on the web and in the API.
		x := ob.get(base + "/xapi")
		wantStatus(t, "xapi download", x, 200)
		if !strings.Contains(x.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(x.Body, "specification.openbadges.org/xapi/verbs/earned.json") {
			t.Errorf("xapi download: %s %.300s", x.Header.Get("Content-Disposition"), x.Body)
		}
		wantStatus(t, "xapi as participant", b.get(base+"/xapi"), 403)
		wantBody(t, "impact", ob.get(base+"/impact"), "Per ministry", "Per participant", "Ніно Беридзе")
		o := loadOpenAPI(t, f.TestApp)
		for _, path := range []string{"impact", "xapi"} {
			pattern := "/api/v1/cohorts/{id}/" + path
			resp := f.Do(t, "GET", fmt.Sprintf("/api/v1/cohorts/%d/%s", h.ID, path), admin.Token, "")
			wantStatus(t, pattern, resp, 200)
			o.validate(t, pattern, "GET", pattern, resp)
			resp = f.Do(t, "GET", fmt.Sprintf("/api/v1/cohorts/%d/%s", h.ID, path), participant.Token, "")
			wantStatus(t, pattern+" as participant", resp, 403)
			o.validate(t, pattern+" as participant", "GET", pattern, resp)
		}
	})
}

// Discussion posts are Markdown, sanitised; people outside the cohort get
// a 404. Organisation slugs of the public routes are reserved.
func TestWebDiscussion(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		h, c := newCohort(t, f, f.A)
		path := fmt.Sprintf("/o/%s/academy/cohorts/%d/modules/%d/discussion", f.A.Slug, h.ID, c.Modules[0].ID)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Participant])
		wantStatus(t, "empty post", b.post(path, url.Values{"body": {"  "}}), 422)
		resp := b.post(path, url.Values{"body": {"A **first** question <script>alert(1)</script> [guide](https://example.org/g)"}})
		wantStatus(t, "post", resp, 303)
		tb := newBrowser(t, f)
		tb.signIn(f.Members[authz.Trainer])
		wantStatus(t, "reply", tb.post(path, url.Values{"body": {"An answer"}}), 303)
		page := b.get(path)
		wantBody(t, "discussion", page, "<strong>first</strong>", `href="https://example.org/g"`, "Alpha participant", "Alpha trainer", "Trainer")
		if strings.Contains(page.Body, "<script>alert") {
			t.Error("a script survived sanitising")
		}
		if strings.Index(page.Body, "first") > strings.Index(page.Body, "An answer") {
			t.Error("newest is not last")
		}
		for _, u := range []*TestUser{f.Members[authz.Editor], f.Outsider} {
			ub := newBrowser(t, f)
			ub.signIn(u)
			wantStatus(t, "discussion for "+u.Email, ub.get(path), 404)
		}
		for _, slug := range []string{"verify", "credentials"} {
			o := org.Org{Name: "Reserved", Slug: slug, Kind: org.Ministry}
			if err := o.Validate(); err == nil {
				t.Errorf("slug %q accepted", slug)
			}
		}
	})
}
