package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestDIDWeb(t *testing.T) {
	for _, c := range []struct{ base, did, path string }{
		{"https://academy.example.org", "did:web:academy.example.org", "/.well-known/did.json"},
		{"https://academy.example.org/", "did:web:academy.example.org", "/.well-known/did.json"},
		{"https://Academy.Example.ORG", "did:web:academy.example.org", "/.well-known/did.json"},
		{"http://localhost:8080", "did:web:localhost%3A8080", "/.well-known/did.json"},
		{"https://example.com:3000/user/alice", "did:web:example.com%3A3000:user:alice", "/user/alice/did.json"},
		{"https://w3c-ccg.github.io/user/alice/", "did:web:w3c-ccg.github.io:user:alice", "/user/alice/did.json"},
		{"https://example.org/a:b", "did:web:example.org:a%3Ab", "/a:b/did.json"},
		{"https://example.org/my%20school", "did:web:example.org:my%20school", "/my%20school/did.json"},
	} {
		got, err := DIDWeb(c.base)
		if err != nil || got != c.did {
			t.Errorf("DIDWeb(%q) = %q, %v; want %q", c.base, got, err, c.did)
		}
		path, err := DIDDocumentPath(c.base)
		if err != nil || path != c.path {
			t.Errorf("DIDDocumentPath(%q) = %q, %v; want %q", c.base, path, err, c.path)
		}
	}
	for _, bad := range []string{
		"", "academy.example.org", "ftp://academy.example.org", "https://", "https://127.0.0.1:8080",
		"https://[::1]", "https://user@academy.example.org", "https://academy.example.org/?q=1",
		"https://academy.example.org/#x", "https://académie.example.org", "https://academy.example.org/a//b",
		"https://academy.example.org/a/../b",
	} {
		if got, err := DIDWeb(bad); err == nil {
			t.Errorf("DIDWeb(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDIDDocumentAndJWKS(t *testing.T) {
	is := testIssuer(t)
	pub := is.Key.Public().(ed25519.PublicKey)
	docJSON, err := is.DIDDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc DIDDocument
	if err := json.Unmarshal(docJSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != "did:web:academy.example.org" || len(doc.Context) != 2 || doc.Context[0] != "https://www.w3.org/ns/did/v1" ||
		doc.Context[1] != "https://w3id.org/security/multikey/v1" {
		t.Errorf("document = %s", docJSON)
	}
	vm := doc.VerificationMethod[0]
	if vm.ID != "did:web:academy.example.org#key-1" || vm.Type != "Multikey" || vm.Controller != doc.ID ||
		!strings.HasPrefix(vm.PublicKeyMultibase, "z6Mk") {
		t.Errorf("verification method = %+v", vm)
	}
	if k, err := ParsePublicKeyMultibase(vm.PublicKeyMultibase); err != nil || !k.Equal(pub) {
		t.Errorf("publicKeyMultibase does not decode to the key: %v", err)
	}
	if len(doc.AssertionMethod) != 1 || doc.AssertionMethod[0] != vm.ID || len(doc.Authentication) != 1 || doc.Authentication[0] != vm.ID {
		t.Errorf("assertionMethod %v, authentication %v", doc.AssertionMethod, doc.Authentication)
	}

	jwksJSON, err := is.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct{ Keys []JWK }
	if err := json.Unmarshal(jwksJSON, &jwks); err != nil {
		t.Fatal(err)
	}
	k := jwks.Keys[0]
	x, _ := base64.RawURLEncoding.DecodeString(k.X)
	if len(jwks.Keys) != 1 || k.Kty != "OKP" || k.Crv != "Ed25519" || k.Kid != vm.ID || k.Alg != "EdDSA" ||
		!ed25519.PublicKey(x).Equal(pub) {
		t.Errorf("JWKS = %s", jwksJSON)
	}
}

// After a key rotation the old key stays published under its fragment, so
// that what it signed still verifies, and only the new key signs.
func TestKeyRotation(t *testing.T) {
	is := testIssuer(t)
	old := issue(t, is, testAward())

	is.Retired = []PublicKey{{Fragment: is.KeyFragment, Key: is.Key.Public().(ed25519.PublicKey)}}
	is.Key, is.KeyFragment = testKey(11), "key-2"
	fresh := issue(t, is, testAward())

	docJSON, err := is.DIDDocument()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ResolverFromDIDDocument(docJSON)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][]byte{"old": old, "new": fresh} {
		if err := Verify(c, res); err != nil {
			t.Errorf("%s credential: %v", name, err)
		}
		if err := Verify(c, is.Resolver()); err != nil {
			t.Errorf("%s credential with the issuer's resolver: %v", name, err)
		}
	}
	var doc DIDDocument
	_ = json.Unmarshal(docJSON, &doc)
	if len(doc.VerificationMethod) != 2 || len(doc.AssertionMethod) != 2 ||
		len(doc.Authentication) != 1 || doc.Authentication[0] != "did:web:academy.example.org#key-2" {
		t.Errorf("document after rotation = %s", docJSON)
	}
	jwks, _ := is.JWKS()
	if !strings.Contains(string(jwks), "#key-1") || !strings.Contains(string(jwks), "#key-2") {
		t.Errorf("JWKS after rotation = %s", jwks)
	}

	// Dropping the old key from the document makes its credentials fail.
	is.Retired = nil
	docJSON, _ = is.DIDDocument()
	res, _ = ResolverFromDIDDocument(docJSON)
	if err := Verify(old, res); err == nil {
		t.Error("a credential of an unpublished key still verifies")
	}
}

func TestResolverFromDIDDocumentRefusesOthers(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":     `{`,
		"no id":        `{"verificationMethod":[]}`,
		"no keys":      `{"id":"did:web:a.example","verificationMethod":[],"assertionMethod":[]}`,
		"not asserted": `{"id":"did:web:a.example","verificationMethod":[{"id":"did:web:a.example#k","type":"Multikey","controller":"did:web:a.example","publicKeyMultibase":"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}],"assertionMethod":[]}`,
		"bad key":      `{"id":"did:web:a.example","verificationMethod":[{"id":"did:web:a.example#k","type":"Multikey","controller":"did:web:a.example","publicKeyMultibase":"zQ3s"}],"assertionMethod":["did:web:a.example#k"]}`,
	} {
		if _, err := ResolverFromDIDDocument([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := `{"id":"did:web:a.example","verificationMethod":[{"id":"did:web:a.example#k","type":"Multikey","controller":"did:web:a.example","publicKeyMultibase":"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}],"assertionMethod":["did:web:a.example#k"]}`
	res, err := ResolverFromDIDDocument([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := res("did:web:a.example#k"); err != nil {
		t.Error(err)
	}
	if _, err := res("did:web:a.example#other"); err == nil {
		t.Error("resolved a key the document does not list")
	}
}

func TestNewIssuerChecks(t *testing.T) {
	if _, err := NewIssuer("https://127.0.0.1", "P", testKey(1)); err == nil {
		t.Error("accepted an IP address")
	}
	if _, err := NewIssuer("https://a.example", " ", testKey(1)); err == nil {
		t.Error("accepted an empty name")
	}
	if _, err := NewIssuer("https://a.example", "P", ed25519.PrivateKey{1}); err == nil {
		t.Error("accepted a short key")
	}
}
