package academy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/credential"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/testutil"
)

// signing gives the world's service a secret box and a public address,
// so that it signs credentials.
func (w *world) signing(t *testing.T, baseURL string) {
	t.Helper()
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	w.svc.Box, w.svc.BaseURL = box, baseURL
}

// acceptWork records an accepted submission of the course's assignments
// (the review workflow lives in submission.go; here only its outcome
// matters).
func (w *world) acceptWork(t *testing.T, c *Course, h Cohort, p *authz.Principal) {
	t.Helper()
	for _, m := range c.Modules {
		if m.Assignment == nil {
			continue
		}
		var id int64
		if err := w.e.DB.W().QueryRowContext(context.Background(), "SELECT id FROM assignments WHERE module_id = (SELECT id FROM course_modules WHERE course_id = (SELECT id FROM courses WHERE slug = ?) AND slug = ?)", "test-course", m.Slug).Scan(&id); err != nil {
			t.Fatal(err)
		}
		_, err := w.e.DB.W().ExecContext(context.Background(), `INSERT INTO submissions (cohort_id, user_id, assignment_id, revision, state, body, submitted_at, decided_at)
			VALUES (?, ?, ?, 1, 'accepted', 'My plan', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, h.ID, p.UserID, id)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// completeCourse does a participant's whole course: the assignment first
// (accepted), then the lessons and the quiz, so that the last lesson
// opened completes the course.
func (w *world) completeCourse(t *testing.T, c *Course, h Cohort, p *authz.Principal) {
	t.Helper()
	ctx := context.Background()
	w.acceptWork(t, c, h, p)
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if _, err := w.svc.OpenLesson(ctx, p, h.ID, l.ID, "", "en"); err != nil {
				t.Fatalf("open %s: %v", l.Slug, err)
			}
			if l.Completion == CompleteOnMark {
				if err := w.svc.MarkDone(ctx, p, h.ID, l.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if m.Quiz == nil {
			continue
		}
		at, err := w.svc.StartAttempt(ctx, p, audit.CLI, h.ID, m.Quiz.ID)
		if err != nil {
			t.Fatal(err)
		}
		av, err := w.svc.Attempt(ctx, p, h.ID, at.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SubmitAttempt(ctx, p, audit.CLI, h.ID, at.ID, RightAnswers(av)); err != nil {
			t.Fatal(err)
		}
	}
}

func xapiVerbs(t *testing.T, e testutil.Engine, cohortID, userID int64) []string {
	t.Helper()
	rows, err := e.DB.R().QueryContext(context.Background(), "SELECT verb FROM xapi_statements WHERE cohort_id = ? AND user_id = ? ORDER BY stored_at, id", cohortID, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		_ = rows.Scan(&v)
		out = append(out, v)
	}
	return out
}

// The last piece of work issues the certificate by itself, once; it
// carries a signed credential that verifies, names the participant by a
// salted hash of their email, and points to its bit of the status list.
// The organiser revokes it with a reason: the list is signed again and
// says revoked. Trainers and participants cannot revoke.
func TestCertificateIssuedOnCompletionAndRevoked(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		w.signing(t, "https://academy.example.org")
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		p := w.participant

		v, err := w.svc.MyCertificate(ctx, p, h.ID)
		if err != nil || v.Certificate != nil {
			t.Fatalf("certificate before completion: %+v %v", v.Certificate, err)
		}
		if _, err := w.svc.MyCertificate(ctx, w.trainer, h.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("trainer's own certificate: %v", err)
		}
		w.completeCourse(t, c, h, p)
		k, err := certificateOf(ctx, e.DB.R(), h.ID, p.UserID)
		if err != nil {
			t.Fatalf("no certificate after the last lesson: %v", err)
		}
		if norm, ok := NormaliseCode(strings.ToLower(strings.ReplaceAll(k.Code, "-", ""))); !ok || norm != k.Code {
			t.Errorf("code %q does not normalise to itself (%q)", k.Code, norm)
		}
		if k.StatusIndex < 0 || k.StatusIndex >= credential.MinStatusListSize || k.Credential == "" || k.Revoked() {
			t.Fatalf("certificate: %+v", k)
		}
		again, ok, err := w.svc.IssueIfComplete(ctx, h.ID, p.UserID)
		if err != nil || !ok || again.ID != k.ID || again.Credential != k.Credential {
			t.Fatalf("issuing again: %+v %v %v", again, ok, err)
		}
		var n int
		_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM certificates").Scan(&n)
		if n != 1 {
			t.Fatalf("%d certificates", n)
		}

		// The credential as served: the stored bytes.
		served, err := w.svc.CredentialOf(ctx, strings.ToLower(k.Code))
		if err != nil || string(served) != k.Credential {
			t.Fatalf("credential served: %v", err)
		}
		is, err := w.svc.Issuer(ctx, "Programme")
		if err != nil {
			t.Fatal(err)
		}
		if is.DID != "did:web:academy.example.org" {
			t.Errorf("DID %s", is.DID)
		}
		doc, _ := w.svc.DIDDocument(ctx)
		resolve, err := credential.ResolverFromDIDDocument(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := credential.Verify(served, resolve); err != nil {
			t.Fatalf("the credential does not verify: %v\n%s", err, served)
		}
		cred, _ := credential.Parse(served)
		if cred.ID != "https://academy.example.org/credentials/"+k.Code || cred.Issuer.Name != "Programme" || cred.CredentialSubject.Achievement.Name != "Test Course" ||
			!cred.RecipientIs("NINO@example.org") || strings.Contains(string(served), "nino@example.org") || cred.CredentialSubject.Name != "nino" ||
			!strings.Contains(cred.Description, "Trainers: trainer") {
			t.Errorf("credential content: %s", served)
		}
		if tampered := bytes.Replace(served, []byte("Test Course"), []byte("Test Coursf"), 1); credential.Verify(tampered, resolve) == nil {
			t.Error("a changed credential verifies")
		}
		list, err := w.svc.StatusList(ctx, StatusListID)
		if err != nil {
			t.Fatal(err)
		}
		if revoked, err := credential.CheckStatus(served, list, resolve); err != nil || revoked {
			t.Fatalf("status before revocation: %v %v", revoked, err)
		}
		ver, err := w.svc.Verify(ctx, k.Code)
		if err != nil || !ver.Signed || !ver.SignatureValid || ver.Certificate.Revoked() || ver.Certificate.Name != "nino" || len(ver.Trainers) != 1 {
			t.Fatalf("verification: %+v %v", ver, err)
		}
		if _, err := w.svc.Verify(ctx, "0000-0000-0000"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown code: %v", err)
		}

		// The work was recorded as xAPI statements, the certificate last.
		// (Statements of one transaction may share a microsecond: compare sorted.)
		verbs := xapiVerbs(t, e, h.ID, p.UserID)
		slices.Sort(verbs)
		if got := strings.Join(verbs, " "); got != "attempted completed completed completed completed completed earned passed" {
			t.Errorf("xAPI verbs: %s", got)
		}

		// Revocation.
		for _, who := range []*authz.Principal{w.trainer, p} {
			if _, err := w.svc.RevokeCertificate(ctx, who, audit.CLI, h.ID, k.ID, "Plagiarism"); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("revoked by %s: %v", who.Email, err)
			}
		}
		if _, err := w.svc.RevokeCertificate(ctx, w.outsider, audit.CLI, h.ID, k.ID, "x"); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("revoked by an outsider: %v", err)
		}
		var fe *FieldError
		if _, err := w.svc.RevokeCertificate(ctx, w.organiser, audit.CLI, h.ID, k.ID, "  "); !errors.As(err, &fe) || fe.Field != "reason" {
			t.Errorf("revoked without a reason: %v", err)
		}
		rk, err := w.svc.RevokeCertificate(ctx, w.organiser, audit.CLI, h.ID, k.ID, "The capstone was plagiarised")
		if err != nil || !rk.Revoked() {
			t.Fatalf("revoke: %v", err)
		}
		if _, err := w.svc.RevokeCertificate(ctx, w.organiser, audit.CLI, h.ID, k.ID, "again"); !errors.Is(err, ErrRevoked) {
			t.Errorf("revoked twice: %v", err)
		}
		list2, _ := w.svc.StatusList(ctx, StatusListID)
		if bytes.Equal(list, list2) {
			t.Fatal("the status list was not signed again")
		}
		if revoked, err := credential.CheckStatus(served, list2, resolve); err != nil || !revoked {
			t.Fatalf("status after revocation: %v %v", revoked, err)
		}
		ver, _ = w.svc.Verify(ctx, k.Code)
		if !ver.Certificate.Revoked() || ver.Certificate.RevokedReason != "The capstone was plagiarised" || !ver.SignatureValid {
			t.Errorf("verification after revocation: %+v", ver.Certificate)
		}
		// The credential itself is unchanged: revocation is the list's.
		if after, _ := w.svc.CredentialOf(ctx, k.Code); string(after) != k.Credential {
			t.Error("revoking changed the stored credential")
		}
	})
}

// Rotating the key signs new certificates with key-2 and keeps key-1 in
// the DID document, so that what key-1 signed still verifies.
func TestSigningKeyRotation(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		w.signing(t, "https://academy.example.org")
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		w.completeCourse(t, c, h, w.participant)
		first, _ := certificateOf(ctx, e.DB.R(), h.ID, w.participant.UserID)

		fragment, err := w.svc.RotateSigningKey(ctx, audit.CLI)
		if err != nil || fragment != "key-2" {
			t.Fatalf("rotate: %q %v", fragment, err)
		}
		h2 := w.cohortWith(t, c.ID, "Cohort B", w.trainer2, w.other)
		w.completeCourse(t, c, h2, w.other)
		second, _ := certificateOf(ctx, e.DB.R(), h2.ID, w.other.UserID)
		doc, _ := w.svc.DIDDocument(ctx)
		resolve, err := credential.ResolverFromDIDDocument(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []Certificate{first, second} {
			if err := credential.Verify([]byte(k.Credential), resolve); err != nil {
				t.Errorf("%s after rotation: %v", k.Code, err)
			}
		}
		if !strings.Contains(first.Credential, "#key-1") || !strings.Contains(second.Credential, "#key-2") {
			t.Error("the certificates are not signed with key-1 and key-2")
		}
		var jwks struct{ Keys []credential.JWK }
		raw, _ := w.svc.JWKS(ctx)
		if err := json.Unmarshal(raw, &jwks); err != nil || len(jwks.Keys) != 2 {
			t.Fatalf("JWKS: %s", raw)
		}
		// The list is signed with the new key, and still checks the old credential.
		list, _ := w.svc.StatusList(ctx, StatusListID)
		if !strings.Contains(string(list), "#key-2") {
			t.Error("the status list was not signed again with the new key")
		}
		if revoked, err := credential.CheckStatus([]byte(first.Credential), list, resolve); err != nil || revoked {
			t.Errorf("status of the old certificate: %v %v", revoked, err)
		}
	})
}

// did:web needs a domain: a loopback address becomes localhost; another IP
// address issues the certificate (code, verification page) without a
// signed credential, which is signed once the base URL names a domain.
func TestCertificateWithoutDomain(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ base, want string }{
		{"http://127.0.0.1:8080", "http://localhost:8080"},
		{"http://[::1]:8080/", "http://localhost:8080"},
		{"https://academy.example.org", "https://academy.example.org"},
	} {
		if got, err := DIDBase(tc.base); err != nil || got != tc.want {
			t.Errorf("DIDBase(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
	}
	for _, bad := range []string{"http://192.0.2.7:8080", "https://example.org/attache", "ftp://example.org"} {
		var su *SigningUnavailable
		if _, err := DIDBase(bad); !errors.As(err, &su) {
			t.Errorf("DIDBase(%q): %v", bad, err)
		}
	}
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		w.signing(t, "http://192.0.2.7:8080")
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		w.completeCourse(t, c, h, w.participant)
		k, err := certificateOf(ctx, e.DB.R(), h.ID, w.participant.UserID)
		if err != nil || k.Credential != "" {
			t.Fatalf("certificate on an IP address: %+v %v", k, err)
		}
		ver, err := w.svc.Verify(ctx, k.Code)
		if err != nil || ver.Signed || ver.Certificate.Name != "nino" {
			t.Fatalf("verification without a credential: %+v %v", ver, err)
		}
		for name, f := range map[string]func() error{
			"credential":  func() error { _, err := w.svc.CredentialOf(ctx, k.Code); return err },
			"DID":         func() error { _, err := w.svc.DIDDocument(ctx); return err },
			"status list": func() error { _, err := w.svc.StatusList(ctx, StatusListID); return err },
		} {
			if err := f(); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s on an IP address: %v", name, err)
			}
		}
		if _, err := w.svc.RevokeCertificate(ctx, w.organiser, audit.CLI, h.ID, k.ID, "Issued by mistake"); err != nil {
			t.Fatalf("revoke without signing: %v", err)
		}
		// Now with a domain: signed when first asked for.
		w.svc.BaseURL = "http://localhost:8080"
		served, err := w.svc.CredentialOf(ctx, k.Code)
		if err != nil {
			t.Fatal(err)
		}
		is, _ := w.svc.Issuer(ctx, "")
		if is.DID != "did:web:localhost%3A8080" {
			t.Errorf("DID %s", is.DID)
		}
		if err := credential.Verify(served, is.Resolver()); err != nil {
			t.Fatal(err)
		}
		list, _ := w.svc.StatusList(ctx, StatusListID)
		if revoked, err := credential.CheckStatus(served, list, is.Resolver()); err != nil || !revoked {
			t.Errorf("the revocation made before signing is not in the list: %v %v", revoked, err)
		}
	})
}

func TestNormaliseCode(t *testing.T) {
	for in, want := range map[string]string{
		"7K3M-Q9XD-2HVA":   "7K3M-Q9XD-2HVA",
		"7k3mq9xd2hva":     "7K3M-Q9XD-2HVA",
		" 7k3m q9xd 2hva ": "7K3M-Q9XD-2HVA",
		"OIL0-0000-0000":   "0110-0000-0000",
	} {
		if got, ok := NormaliseCode(in); !ok || got != want {
			t.Errorf("NormaliseCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "7K3M-Q9XD-2HV", "7K3M-Q9XD-2HVAA", "7K3M-Q9XD-2HVU", "../../etc", strings.Repeat("A", 100)} {
		if got, ok := NormaliseCode(bad); ok {
			t.Errorf("NormaliseCode(%q) = %q", bad, got)
		}
	}
	seen := map[string]bool{}
	for range 200 {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := NormaliseCode(c); !ok || n != c || seen[c] {
			t.Fatalf("newCode %q", c)
		}
		seen[c] = true
	}
}

// The PDF shows the participant's name in Latin, Cyrillic and Georgian
// script, the course, the trainers and the verification code.
func TestCertificatePDFScripts(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is needed (poppler-utils)")
		}
		t.Skip("pdftotext is not installed")
	}
	labels := CertificateLabels{Title: "Certificate of completion", Certifies: "This certifies that", Completed: "has completed the course",
		Cohort: "Cohort", Trainers: "Trainers", IssuedBy: "Issued by", IssuedOn: "Date of issue", Code: "Verification code",
		Verify: "Check this certificate at", Revoked: "Revoked"}
	for _, name := range []string{"Nino Beridze", "Ніно Беридзе", "ნინო ბერიძე"} {
		k := Certificate{Code: "7K3M-Q9XD-2HVA", Name: name, CourseTitle: "Digital Diplomacy Training Course", CohortName: "Tbilisi spring 2026",
			StartsOn: "2026-03-02", EndsOn: "2026-06-26", OrgName: "Digital Diplomacy Programme", IssuedAt: now()}
		doc := CertificateDocument{Certificate: k, Trainers: []string{"Олена Коваленко", "Ana Popescu"}, VerifyURL: "https://academy.example.org/verify/7K3M-Q9XD-2HVA"}
		var buf bytes.Buffer
		if err := WriteCertificatePDF(&buf, doc, labels); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(pdftotext, "-layout", "-", "-")
		cmd.Stdin = &buf
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := string(out)
		for _, want := range []string{name, "Digital Diplomacy Training Course", "Олена Коваленко", "7K3M-Q9XD-2HVA", "Tbilisi spring 2026", "https://academy.example.org/verify/7K3M-Q9XD-2HVA"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF text lacks %q:\n%s", name, want, text)
			}
		}
	}
}
