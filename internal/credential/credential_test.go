package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func testIssuer(t testing.TB) *Issuer {
	t.Helper()
	is, err := NewIssuer("https://academy.example.org", "Digital Diplomacy Programme", testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func testAward() Award {
	return Award{
		ID:                     "https://academy.example.org/credentials/42",
		ValidFrom:              testNow.Add(-time.Hour),
		RecipientEmail:         " Olena.Kovalenko@MFA.example.gov ",
		RecipientSalt:          "Kosher",
		RecipientName:          "Olena Kovalenko",
		AchievementID:          "https://academy.example.org/courses/digital-diplomacy",
		AchievementName:        "Digital Diplomacy Training Course",
		AchievementDescription: "Twelve modules on strategic communication for foreign ministries: audiences, platforms, crisis communication and campaign planning.",
		AchievementCriteria:    "Completed all twelve modules, passed each module quiz and had a capstone campaign plan accepted by a trainer.\n\nAssessed against the course rubric.",
		StatusListCredential:   "https://academy.example.org/credentials/status/1",
		StatusListIndex:        94567,
	}
}

func issue(t testing.TB, is *Issuer, a Award) []byte {
	t.Helper()
	b, err := is.Issue(a, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIssueAndVerify(t *testing.T) {
	is := testIssuer(t)
	cred := issue(t, is, testAward())

	if err := Verify(cred, is.Resolver()); err != nil {
		t.Fatalf("Verify: %v\n%s", err, cred)
	}
	didDoc, err := is.DIDDocument()
	if err != nil {
		t.Fatal(err)
	}
	res, err := ResolverFromDIDDocument(didDoc)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(cred, res); err != nil {
		t.Fatalf("Verify with the DID document: %v", err)
	}

	// The shape Open Badges 3.0 and VC 2.0 require.
	var m map[string]any
	if err := json.Unmarshal(cred, &m); err != nil {
		t.Fatal(err)
	}
	ctx := m["@context"].([]any)
	if len(ctx) != 2 || ctx[0] != ContextCredentialsV2 || ctx[1] != ContextOpenBadgesV3 {
		t.Errorf("@context = %v", ctx)
	}
	if got := m["type"].([]any); len(got) != 2 || got[0] != "VerifiableCredential" || got[1] != "OpenBadgeCredential" {
		t.Errorf("type = %v", got)
	}
	issuer := m["issuer"].(map[string]any)
	if issuer["id"] != "did:web:academy.example.org" || issuer["type"].([]any)[0] != "Profile" {
		t.Errorf("issuer = %v", issuer)
	}
	if m["validFrom"] != "2026-03-14T08:30:00Z" {
		t.Errorf("validFrom = %v", m["validFrom"])
	}
	status := m["credentialStatus"].(map[string]any)
	want := map[string]any{
		"id": "https://academy.example.org/credentials/status/1#94567", "type": "BitstringStatusListEntry",
		"statusPurpose": "revocation", "statusListIndex": "94567",
		"statusListCredential": "https://academy.example.org/credentials/status/1",
	}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("credentialStatus.%s = %v, want %v", k, status[k], v)
		}
	}
	proof := m["proof"].(map[string]any)
	if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != "eddsa-rdfc-2022" ||
		proof["proofPurpose"] != "assertionMethod" || proof["verificationMethod"] != "did:web:academy.example.org#key-1" ||
		proof["created"] != "2026-03-14T09:30:00Z" || !strings.HasPrefix(proof["proofValue"].(string), "z") {
		t.Errorf("proof = %v", proof)
	}
	if _, has := proof["@context"]; has {
		t.Error("the stored proof should not repeat the @context")
	}

	// No plain email is published; the holder can still prove it is theirs.
	if bytes.Contains(bytes.ToLower(cred), []byte("olena.kovalenko@")) {
		t.Error("the credential contains the plain email address")
	}
	c, err := Parse(cred)
	if err != nil {
		t.Fatal(err)
	}
	id := c.CredentialSubject.Identifier[0]
	if id.Type != "IdentityObject" || id.IdentityType != "emailAddress" || !id.Hashed || id.Salt != "Kosher" ||
		id.IdentityHash != IdentityHash("olena.kovalenko@mfa.example.gov", "Kosher") {
		t.Errorf("identifier = %+v", id)
	}
	if !c.RecipientIs("OLENA.KOVALENKO@mfa.example.gov") || c.RecipientIs("someone@else.example") {
		t.Error("RecipientIs does not match the hashed email")
	}
	ach := c.CredentialSubject.Achievement
	if ach.AchievementType != "Certificate" || ach.Type[0] != "Achievement" || ach.Criteria.Narrative == "" ||
		c.Name != "Digital Diplomacy Training Course" || c.CredentialSubject.Name != "Olena Kovalenko" {
		t.Errorf("parsed = %+v", c)
	}
	if !c.ValidFromTime().Equal(testNow.Add(-time.Hour)) {
		t.Errorf("ValidFromTime = %v", c.ValidFromTime())
	}
}

func TestIdentityHashSpecExample(t *testing.T) {
	// OB 3.0 §B.7, IdentityHash: 'a@example.com' salted with 'Kosher'.
	want := "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
	if got := IdentityHash("a@example.com", "Kosher"); got != want {
		t.Errorf("IdentityHash = %s, want %s", got, want)
	}
}

func TestRandomSaltWhenNoneGiven(t *testing.T) {
	is := testIssuer(t)
	a := testAward()
	a.RecipientSalt = ""
	c1, err := is.Build(a)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := is.Build(a)
	s1, s2 := c1.CredentialSubject.Identifier[0].Salt, c2.CredentialSubject.Identifier[0].Salt
	if len(s1) < 16 || s1 == s2 {
		t.Errorf("salts %q and %q should be random", s1, s2)
	}
}

func TestBuildRejectsBadAwards(t *testing.T) {
	is := testIssuer(t)
	for name, edit := range map[string]func(*Award){
		"relative id":          func(a *Award) { a.ID = "/credentials/42" },
		"id with a space":      func(a *Award) { a.ID = "https://academy.example.org/credentials/4 2" },
		"no achievement":       func(a *Award) { a.AchievementName = " " },
		"no description":       func(a *Award) { a.AchievementDescription = "" },
		"no criteria":          func(a *Award) { a.AchievementCriteria = "" },
		"no email":             func(a *Award) { a.RecipientEmail = "olena" },
		"no date":              func(a *Award) { a.ValidFrom = time.Time{} },
		"ftp status list":      func(a *Award) { a.StatusListCredential = "ftp://academy.example.org/status/1" },
		"negative status bit":  func(a *Award) { a.StatusListIndex = -1 },
		"achievement not http": func(a *Award) { a.AchievementID = "urn:course:1" },
	} {
		a := testAward()
		edit(&a)
		if _, err := is.Build(a); err == nil {
			t.Errorf("%s: Build accepted it", name)
		}
	}
}

func TestControlCharactersAreDropped(t *testing.T) {
	is := testIssuer(t)
	a := testAward()
	a.RecipientName = "Olena\x00 \x08Kovalenko\x7f\xff"
	a.AchievementCriteria = "Line one\n\tLine two\r\n"
	cred := issue(t, is, a)
	c, err := Parse(cred)
	if err != nil {
		t.Fatal(err)
	}
	if c.CredentialSubject.Name != "Olena Kovalenko" {
		t.Errorf("name = %q", c.CredentialSubject.Name)
	}
	if c.CredentialSubject.Achievement.Criteria.Narrative != "Line one\n\tLine two\r\n" {
		t.Errorf("narrative = %q", c.CredentialSubject.Achievement.Criteria.Narrative)
	}
	if err := Verify(cred, is.Resolver()); err != nil {
		t.Fatal(err)
	}
}

func TestNoStatusWhenNoList(t *testing.T) {
	is := testIssuer(t)
	a := testAward()
	a.StatusListCredential = ""
	cred := issue(t, is, a)
	if bytes.Contains(cred, []byte("credentialStatus")) {
		t.Error("credentialStatus without a list")
	}
	if err := Verify(cred, is.Resolver()); err != nil {
		t.Fatal(err)
	}
}

// mutate replaces the JSON value at path (keys separated by ".") and
// re-encodes the document.
func mutate(t *testing.T, cred []byte, path string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(cred, &m); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	cur := m
	for _, k := range keys[:len(keys)-1] {
		cur = cur[k].(map[string]any)
	}
	if value == nil {
		delete(cur, keys[len(keys)-1])
	} else {
		cur[keys[len(keys)-1]] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTamperedCredentialsFail(t *testing.T) {
	is := testIssuer(t)
	cred := issue(t, is, testAward())
	other, err := NewIssuer("https://academy.example.org", "Digital Diplomacy Programme", testKey(8))
	if err != nil {
		t.Fatal(err)
	}
	forged := issue(t, other, testAward())
	var forgedProof map[string]any
	_ = json.Unmarshal(forged, &struct {
		Proof *map[string]any `json:"proof"`
	}{&forgedProof})

	cases := map[string][]byte{
		"credential name":        mutate(t, cred, "name", "Digital Diplomacy Training Coursf"),
		"achievement name":       mutate(t, cred, "credentialSubject.achievement.name", "Advanced Public Relations Training"),
		"recipient name":         mutate(t, cred, "credentialSubject.name", "Someone Else"),
		"validFrom":              mutate(t, cred, "validFrom", "2020-01-01T00:00:00Z"),
		"status index":           mutate(t, cred, "credentialStatus.statusListIndex", "1"),
		"status removed":         mutate(t, cred, "credentialStatus", nil),
		"extra claim":            mutate(t, cred, "credentialSubject.role", "Ambassador"),
		"issuer name":            mutate(t, cred, "issuer.name", "Another Programme"),
		"proof created":          mutate(t, cred, "proof.created", "2026-03-14T09:30:01Z"),
		"proof purpose":          mutate(t, cred, "proof.proofPurpose", "authentication"),
		"proof cryptosuite":      mutate(t, cred, "proof.cryptosuite", "eddsa-jcs-2022"),
		"proof removed":          mutate(t, cred, "proof", nil),
		"another key's proof":    mutate(t, cred, "proof", forgedProof),
		"key of another issuer":  mutate(t, cred, "proof.verificationMethod", "did:web:evil.example#key-1"),
		"proof context differs":  mutate(t, cred, "proof.@context", []any{ContextCredentialsV2}),
		"unbundled context":      mutate(t, cred, "@context", []any{ContextCredentialsV2, "https://evil.example/ctx.json"}),
		"context order":          mutate(t, cred, "@context", []any{ContextOpenBadgesV3, ContextCredentialsV2}),
		"email hash":             mutate(t, cred, "credentialSubject.identifier", []any{map[string]any{"type": "IdentityObject", "identityHash": IdentityHash("x@y.example", "Kosher"), "identityType": "emailAddress", "hashed": true, "salt": "Kosher"}}),
		"not JSON":               []byte("{"),
		"array":                  []byte("[]"),
		"control character":      mutate(t, cred, "name", "Digital\u0001Diplomacy"),
		"number":                 mutate(t, cred, "credentialSubject.creditsEarned", 3),
		"proof as a set":         mutate(t, cred, "proof", []any{forgedProof}),
		"proofValue not base58":  mutate(t, cred, "proof.proofValue", "z0OIl"),
		"proofValue base64url":   mutate(t, cred, "proof.proofValue", "uAAAA"),
		"trailing data":          append(append([]byte{}, cred...), []byte(" {}")...),
		"subject type":           mutate(t, cred, "credentialSubject.type", []any{"Person"}),
		"achievement type value": mutate(t, cred, "credentialSubject.achievement.achievementType", "Diploma"),
	}
	for name, b := range cases {
		if err := Verify(b, is.Resolver()); err == nil {
			t.Errorf("%s: Verify accepted a changed credential", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// A key the resolver does not know.
	if err := Verify(cred, other.Resolver()); err == nil {
		t.Error("Verify accepted the credential with another issuer's key")
	}
}

// TestEveryByteMatters changes, one at a time, characters spread over the
// whole signed JSON (keys, values, proof); each change must fail.
// Whitespace between tokens is the only thing that may change freely.
// Every 13th byte by default; CREDENTIAL_EVERY_BYTE=1 tries them all
// (some 1,700 verifications).
func TestEveryByteMatters(t *testing.T) {
	is := testIssuer(t)
	cred := issue(t, is, testAward())
	step := 13
	if os.Getenv("CREDENTIAL_EVERY_BYTE") != "" {
		step = 1
	}
	inString, escaped, tried := false, false, 0
	for i := 0; i < len(cred); i++ {
		c := cred[i]
		significant := inString || !(c == ' ' || c == '\n' || c == '\t' || c == '\r')
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		}
		if !significant || i%step != 0 {
			continue
		}
		b := bytes.Clone(cred)
		if c == 'x' {
			b[i] = 'y'
		} else {
			b[i] = 'x'
		}
		tried++
		if err := Verify(b, is.Resolver()); err == nil {
			t.Errorf("byte %d (%q in …%s…) changed and the credential still verifies", i, c, cred[max(0, i-20):min(len(cred), i+20)])
		}
	}
	t.Logf("%d changes tried, all refused", tried)
}

func TestWhitespaceAndKeyOrderDoNotMatter(t *testing.T) {
	is := testIssuer(t)
	cred := issue(t, is, testAward())
	var v any
	_ = json.Unmarshal(cred, &v)
	compact, _ := json.Marshal(v) // keys re-ordered, no indentation
	if err := Verify(compact, is.Resolver()); err != nil {
		t.Fatalf("the same credential re-serialized does not verify: %v", err)
	}
}

func TestParseRefusesOthers(t *testing.T) {
	for _, in := range []string{
		``, `null`, `{}`, `{"type":["VerifiableCredential"]}`,
		`{"type":["OpenBadgeCredential"],"id":"x","issuer":{"id":"did:web:a"},"credentialSubject":{"achievement":{"name":"n"}},"validFrom":"yesterday"}`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) accepted it", in)
		}
	}
}

func TestKeyMarshalRoundTrip(t *testing.T) {
	key, err := GenerateKey(bytes.NewReader(bytes.Repeat([]byte{3}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := MarshalPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalPrivateKey(s)
	if err != nil {
		t.Fatal(err)
	}
	if !key.Equal(back) {
		t.Error("key changed in the round trip")
	}
	for _, bad := range []string{"", "not base64!", "AAAA"} {
		if _, err := UnmarshalPrivateKey(bad); err == nil {
			t.Errorf("UnmarshalPrivateKey(%q) accepted it", bad)
		}
	}
	if _, err := MarshalPrivateKey(ed25519.PrivateKey{1, 2}); err == nil {
		t.Error("MarshalPrivateKey accepted a short key")
	}
}

// A crafted graph of anonymous nodes that cannot be told apart makes
// RDFC-1.0 canonicalization exponential; Verify refuses it up front.
func TestHostileGraphsAreRefusedQuickly(t *testing.T) {
	is := testIssuer(t)
	proof := map[string]any{
		"type": ProofType, "cryptosuite": Cryptosuite, "created": "2026-03-14T09:30:00Z",
		"verificationMethod": is.VerificationMethod(), "proofPurpose": ProofPurpose,
		"proofValue": "z" + base58Encode(make([]byte, 64)),
	}
	doc := func(nodes []any) []byte {
		b, _ := json.Marshal(map[string]any{
			"@context": []any{ContextCredentialsV2}, "type": []any{"VerifiableCredential"},
			"issuer": is.DID, "urn:x:nodes": nodes, "proof": proof,
		})
		return b
	}
	var clique []any
	for i := range 12 {
		var links []any
		for j := range 12 {
			if j != i {
				links = append(links, map[string]any{"@id": "_:n" + strconv.Itoa(j)})
			}
		}
		clique = append(clique, map[string]any{"@id": "_:n" + strconv.Itoa(i), "urn:x:link": links})
	}
	var many []any
	for i := range 40 {
		many = append(many, map[string]any{"urn:x:v": strconv.Itoa(i)})
	}
	twins := []any{map[string]any{"urn:x:v": "same"}, map[string]any{"urn:x:v": "same"}}
	for name, d := range map[string][]byte{"clique": doc(clique), "many": doc(many), "twins": doc(twins)} {
		done := make(chan error, 1)
		go func() { done <- Verify(d, is.Resolver()) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "blank nodes") && !strings.Contains(err.Error(), "cannot be told apart") {
				t.Errorf("%s: Verify = %v", name, err)
			}
			t.Logf("%s: %v", name, err)
		case <-time.After(time.Minute):
			t.Fatalf("%s: Verify still running after a minute", name)
		}
	}
}
