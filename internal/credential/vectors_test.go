package credential

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"
)

// The eddsa-rdfc-2022 test vector of W3C Data Integrity EdDSA Cryptosuites
// v1.0 (§B.1, TestVectors/eddsa-rdfc-2022 and keyPair.json of
// w3c/vc-di-eddsa).
const (
	vectorPublicKeyMultibase  = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	vectorPrivateKeyMultibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
	vectorVerificationMethod  = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	vectorCreated             = "2023-02-24T23:36:38Z"
	vectorCombinedHash        = "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
	vectorProofValue          = "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
	vectorCanonicalProof      = `_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .
_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"^^<https://w3id.org/security#cryptosuiteString> .
_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .
_:c14n0 <https://w3id.org/security#verificationMethod> <https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2> .
`
	vectorUnsigned = `{
  "@context": [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2"
  ],
  "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
  "type": ["VerifiableCredential", "AlumniCredential"],
  "name": "Alumni Credential",
  "description": "A minimum viable example of an Alumni Credential.",
  "issuer": "https://vc.example/issuers/5678",
  "validFrom": "2023-01-01T00:00:00Z",
  "credentialSubject": {
    "id": "did:example:abcdefgh",
    "alumniOf": "The School of Examples"
  }
}`
)

// The examples context the vector uses (test only: production loads just
// the VC 2.0 and Open Badges contexts).
var vectorLoader = contextLoader{extra: map[string][]byte{
	"https://www.w3.org/ns/credentials/examples/v2": []byte(`{"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}`),
}}

func vectorKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	// privateKeyMultibase: base58-btc of the multicodec ed25519-priv
	// (0x8026) and the 32-byte seed.
	b, err := base58Decode(vectorPrivateKeyMultibase[1:])
	if err != nil || len(b) != 34 || b[0] != 0x80 || b[1] != 0x26 {
		t.Fatalf("private key multibase: %x %v", b, err)
	}
	return ed25519.NewKeyFromSeed(b[2:])
}

func TestEddsaRdfc2022SpecVector(t *testing.T) {
	key := vectorKey(t)
	pub := key.Public().(ed25519.PublicKey)
	if got := PublicKeyMultibase(pub); got != vectorPublicKeyMultibase {
		t.Fatalf("PublicKeyMultibase = %s, want %s", got, vectorPublicKeyMultibase)
	}
	if back, err := ParsePublicKeyMultibase(vectorPublicKeyMultibase); err != nil || !back.Equal(pub) {
		t.Fatalf("ParsePublicKeyMultibase = %x, %v", back, err)
	}

	var doc map[string]any
	if err := json.Unmarshal([]byte(vectorUnsigned), &doc); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"@context": doc["@context"], "type": ProofType, "cryptosuite": Cryptosuite,
		"created": vectorCreated, "verificationMethod": vectorVerificationMethod, "proofPurpose": ProofPurpose,
	}
	canon, err := canonicalize(cfg, vectorLoader)
	if err != nil {
		t.Fatal(err)
	}
	if string(canon) != vectorCanonicalProof {
		t.Errorf("canonical proof configuration:\n%s\nwant\n%s", canon, vectorCanonicalProof)
	}
	h, err := hashData(cfg, doc, vectorLoader)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h); got != vectorCombinedHash {
		t.Errorf("hash data = %s, want %s", got, vectorCombinedHash)
	}

	created, _ := time.Parse(time.RFC3339, vectorCreated)
	p, err := sign(doc, key, vectorVerificationMethod, created, vectorLoader)
	if err != nil {
		t.Fatal(err)
	}
	if p.ProofValue != vectorProofValue {
		t.Errorf("proofValue = %s, want %s", p.ProofValue, vectorProofValue)
	}

	sig, err := base58Decode(vectorProofValue[1:])
	if err != nil || !ed25519.Verify(pub, h, sig) {
		t.Errorf("the vector's proofValue does not verify over the hash data (%v)", err)
	}
}

func TestBase58(t *testing.T) {
	for _, c := range []struct {
		in  []byte
		out string
	}{
		{nil, ""},
		{[]byte{0}, "1"},
		{[]byte{0, 0, 1}, "112"},
		{[]byte("Hello World!"), "2NEpo7TZRRrLZSi2U"},
		{[]byte{0xff, 0xff}, "LUv"},
	} {
		if got := base58Encode(c.in); got != c.out {
			t.Errorf("base58Encode(%x) = %q, want %q", c.in, got, c.out)
		}
		back, err := base58Decode(c.out)
		if err != nil || string(back) != string(c.in) {
			t.Errorf("base58Decode(%q) = %x, %v", c.out, back, err)
		}
	}
	if _, err := base58Decode("0OIl"); err == nil {
		t.Error("base58Decode accepted characters outside the alphabet")
	}
}
