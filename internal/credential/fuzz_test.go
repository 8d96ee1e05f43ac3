package credential

import (
	"encoding/json"
	"testing"
)

// FuzzVerify feeds arbitrary bytes to the parsers and the verifier: they
// must return an error rather than panic, and accept only what was signed.
func FuzzVerify(f *testing.F) {
	is := testIssuer(f)
	cred := issue(f, is, testAward())
	list, _ := NewStatusList(MinStatusListSize)
	slc, err := is.StatusListCredential(testListURL, list, testNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cred)
	f.Add(slc)
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"@context":null}`,
		`{"@context":["https://www.w3.org/ns/credentials/v2"],"proof":{}}`,
		`{"@context":["https://www.w3.org/ns/credentials/v2"],"issuer":"did:web:academy.example.org","proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","proofPurpose":"assertionMethod","verificationMethod":"did:web:academy.example.org#key-1","proofValue":"z11111"}}`,
		`{"@context":["https://www.w3.org/ns/credentials/v2",{"@vocab":"urn:x#"}],"issuer":"did:web:academy.example.org","a":{"@id":"_:b0","b":{"@id":"_:b1"}},"proof":{"type":"DataIntegrityProof","cryptosuite":"eddsa-rdfc-2022","proofPurpose":"assertionMethod","verificationMethod":"did:web:academy.example.org#key-1","proofValue":"z2"}}`,
	} {
		f.Add([]byte(s))
	}
	res := is.Resolver()
	signatures := map[string]bool{proofValue(cred): true, proofValue(slc): true}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Without the key, the only documents that verify carry one of the
		// signatures made here.
		if err := Verify(data, res); err == nil && !signatures[proofValue(data)] {
			t.Errorf("verified a document with a signature never made: %q", data)
		}
		_, _ = Parse(data)
		_, _ = CheckStatus(data, slc, res)
		_, _ = CheckStatus(cred, data, res)
		_, _ = DecodeStatusList(string(data))
		_, _ = ResolverFromDIDDocument(data)
		_, _ = ParsePublicKeyMultibase(string(data))
	})
}

func proofValue(doc []byte) string {
	var d struct {
		Proof struct {
			ProofValue string `json:"proofValue"`
		} `json:"proof"`
	}
	_ = json.Unmarshal(doc, &d)
	return d.Proof.ProofValue
}
