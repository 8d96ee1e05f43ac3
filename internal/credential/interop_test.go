package credential

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests check the credentials against an independent implementation
// of Verifiable Credentials: Digital Bazaar's @digitalbazaar/vc with the
// eddsa-rdfc-2022 cryptosuite, run by node from test/vc (offline).

const vcDir = "../../test/vc"

// requireNode finds node and the installed test/vc packages. Without them
// the test skips, except in CI, where it fails.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(vcDir, "node_modules", "@digitalbazaar", "vc", "package.json"))
	}
	if err != nil {
		msg := "node or test/vc/node_modules is missing (" + err.Error() + "): run `npm ci --prefix test/vc`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node
}

type nodeResult struct {
	Verified bool     `json:"verified"`
	Status   string   `json:"status"`
	Errors   []string `json:"errors"`
}

// runNode runs a script of test/vc and returns its stdout and exit code.
func runNode(t *testing.T, node, script string, args ...string) ([]byte, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(vcDir, script)}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.Bytes(), 0
	case errors.As(err, &exit):
		return stdout.Bytes(), exit.ExitCode()
	}
	t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	return nil, -1
}

func nodeVerify(t *testing.T, node string, files ...string) (nodeResult, int) {
	t.Helper()
	out, code := runNode(t, node, "verify.mjs", files...)
	var r nodeResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("verify.mjs printed no JSON result (exit %d): %v\n%s", code, err, out)
	}
	return r, code
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInteropDigitalBazaarVerifiesOurCredential(t *testing.T) {
	node := requireNode(t)
	is := testIssuer(t)
	// validFrom must not be in the future for the JS verifier's clock.
	award := testAward()
	award.ValidFrom = time.Now().Add(-time.Hour)
	cred, err := is.Issue(award, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	didDoc, err := is.DIDDocument()
	if err != nil {
		t.Fatal(err)
	}
	list, _ := NewStatusList(MinStatusListSize)
	validList, err := is.StatusListCredential(award.StatusListCredential, list, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_ = list.Set(award.StatusListIndex, true)
	revokedList, err := is.StatusListCredential(award.StatusListCredential, list, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	credPath := writeFile(t, dir, "credential.json", cred)
	didPath := writeFile(t, dir, "did.json", didDoc)
	validPath := writeFile(t, dir, "status-valid.json", validList)
	revokedPath := writeFile(t, dir, "status-revoked.json", revokedList)

	if r, code := nodeVerify(t, node, credPath, didPath); code != 0 || !r.Verified || r.Status != "not checked" {
		t.Fatalf("verify.mjs on the credential: exit %d, %+v\n%s", code, r, cred)
	}
	if r, code := nodeVerify(t, node, credPath, didPath, validPath); code != 0 || !r.Verified || r.Status != "valid" {
		t.Errorf("verify.mjs with the status list: exit %d, %+v", code, r)
	}
	if r, code := nodeVerify(t, node, credPath, didPath, revokedPath); code != 1 || r.Verified || r.Status != "revoked" {
		t.Errorf("verify.mjs with the list revoking it: exit %d, %+v", code, r)
	}

	// One character of a signed value changed: the name.
	const name = `"name": "Digital Diplomacy Training Course"`
	if bytes.Count(cred, []byte(name)) < 1 {
		t.Fatalf("the credential has no %s", name)
	}
	tampered := bytes.Replace(cred, []byte(name), []byte(`"name": "Digital Diplomacy Training Coursf"`), 1)
	tamperedPath := writeFile(t, dir, "tampered.json", tampered)
	r, code := nodeVerify(t, node, tamperedPath, didPath)
	if code != 1 || r.Verified || !strings.Contains(strings.Join(r.Errors, " "), "Invalid signature") {
		t.Errorf("verify.mjs on the changed credential: exit %d, %+v", code, r)
	}
	if err := Verify(tampered, is.Resolver()); err == nil {
		t.Error("Go Verify accepted the changed credential")
	}

	// A changed status list (its entry cleared again) fails as well.
	cleared, _ := NewStatusList(MinStatusListSize)
	enc, _ := cleared.Encode()
	forgedList := mutate(t, revokedList, "credentialSubject.encodedList", enc)
	forgedPath := writeFile(t, dir, "status-forged.json", forgedList)
	if r, code := nodeVerify(t, node, credPath, didPath, forgedPath); code != 1 || r.Verified {
		t.Errorf("verify.mjs with a forged status list: exit %d, %+v", code, r)
	}

	// A DID document with another key fails.
	other, _ := NewIssuer("https://academy.example.org", "Digital Diplomacy Programme", testKey(8))
	otherDoc, _ := other.DIDDocument()
	otherPath := writeFile(t, dir, "other-did.json", otherDoc)
	if r, code := nodeVerify(t, node, credPath, otherPath); code != 1 || r.Verified {
		t.Errorf("verify.mjs with another key: exit %d, %+v", code, r)
	}
}

func TestInteropWeVerifyDigitalBazaarsSignature(t *testing.T) {
	node := requireNode(t)
	is := testIssuer(t)
	unsigned, err := is.Build(testAward())
	if err != nil {
		t.Fatal(err)
	}
	unsignedJSON, _ := json.Marshal(unsigned)
	dir := t.TempDir()
	path := writeFile(t, dir, "unsigned.json", unsignedJSON)
	created := testNow.Format(time.RFC3339)
	signed, code := runNode(t, node, "sign.mjs", path,
		base64.StdEncoding.EncodeToString(is.Key.Seed()), is.VerificationMethod(), created)
	if code != 0 {
		t.Fatalf("sign.mjs: exit %d\n%s", code, signed)
	}
	if err := Verify(signed, is.Resolver()); err != nil {
		t.Fatalf("Go Verify of the credential signed by @digitalbazaar/vc: %v\n%s", err, signed)
	}
	// Ed25519 is deterministic: the same document, key and date give the
	// same signature only if both canonicalized the same N-Quads.
	ours := issue(t, is, testAward())
	if got, want := proofValue(signed), proofValue(ours); got != want {
		t.Errorf("proofValue from @digitalbazaar/vc %s, from us %s", got, want)
	}
	tampered := mutate(t, signed, "credentialSubject.achievement.name", "Advanced Public Relations Training")
	if err := Verify(tampered, is.Resolver()); err == nil {
		t.Error("Go Verify accepted a changed credential signed by @digitalbazaar/vc")
	}
}
