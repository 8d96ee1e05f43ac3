package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/piprate/json-gold/ld"
)

// The Data Integrity proof this package makes and accepts (W3C vc-di-eddsa,
// §3.1 eddsa-rdfc-2022).
const (
	ProofType      = "DataIntegrityProof"
	Cryptosuite    = "eddsa-rdfc-2022"
	ProofPurpose   = "assertionMethod"
	timeLayout     = "2006-01-02T15:04:05Z"
	maxDocument    = 256 << 10 // bytes; our credentials are a few KiB
	maxBlankNodes  = 32        // bounds the work of RDFC-1.0 on hostile input
	maxProofValue  = 128       // characters; an Ed25519 signature is ~88 in base58
	signatureBytes = ed25519.SignatureSize
)

// Proof is an embedded Data Integrity proof.
type Proof struct {
	Type               string `json:"type"`
	Cryptosuite        string `json:"cryptosuite"`
	Created            string `json:"created"`
	VerificationMethod string `json:"verificationMethod"`
	ProofPurpose       string `json:"proofPurpose"`
	ProofValue         string `json:"proofValue"`
}

// sign adds an eddsa-rdfc-2022 proof to the unsecured document doc (a
// JSON object without "proof") and returns the proof. The proof options
// are canonicalized with the document's @context, as the cryptosuite's
// proof configuration step requires; the stored proof carries no
// @context of its own (the VC 2.0 context defines its terms).
func sign(doc map[string]any, key ed25519.PrivateKey, verificationMethod string, created time.Time, loader ld.DocumentLoader) (*Proof, error) {
	if _, has := doc["proof"]; has {
		return nil, errors.New("credential: the document is already signed")
	}
	p := &Proof{
		Type:               ProofType,
		Cryptosuite:        Cryptosuite,
		Created:            created.UTC().Format(timeLayout),
		VerificationMethod: verificationMethod,
		ProofPurpose:       ProofPurpose,
	}
	cfg := map[string]any{
		"@context":           doc["@context"],
		"type":               p.Type,
		"cryptosuite":        p.Cryptosuite,
		"created":            p.Created,
		"verificationMethod": p.VerificationMethod,
		"proofPurpose":       p.ProofPurpose,
	}
	h, err := hashData(cfg, doc, loader)
	if err != nil {
		return nil, fmt.Errorf("credential: sign: %w", err)
	}
	p.ProofValue = "z" + base58Encode(ed25519.Sign(key, h))
	return p, nil
}

// Verify checks the eddsa-rdfc-2022 proof of a credential: the proof's
// shape, that its key belongs to the credential's issuer, and the Ed25519
// signature over the canonical proof configuration and document. resolve
// gives the public key of the proof's verificationMethod (for example
// Issuer.Resolver or ResolverFromDIDDocument). The error says what failed.
// Verify does not check validity dates or revocation: see CheckStatus.
func Verify(credential []byte, resolve Resolver) error {
	return verify(credential, resolve, contextLoader{})
}

func verify(data []byte, resolve Resolver, loader ld.DocumentLoader) error {
	if resolve == nil {
		return errors.New("credential: no key resolver")
	}
	doc, err := decodeDocument(data)
	if err != nil {
		return err
	}
	rawProof, ok := doc["proof"]
	if !ok {
		return errors.New("credential: no proof")
	}
	proofMap, ok := rawProof.(map[string]any)
	if !ok {
		return errors.New("credential: proof must be a single object")
	}
	proof, err := checkProof(proofMap)
	if err != nil {
		return err
	}
	issuer, err := issuerID(doc["issuer"])
	if err != nil {
		return err
	}
	vmDID, _, _ := strings.Cut(proof.VerificationMethod, "#")
	if vmDID != issuer {
		return fmt.Errorf("credential: proof key %q does not belong to the issuer %q", proof.VerificationMethod, issuer)
	}
	pub, err := resolve(proof.VerificationMethod)
	if err != nil {
		return fmt.Errorf("credential: resolve %q: %w", proof.VerificationMethod, err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("credential: resolve %q: not an Ed25519 public key", proof.VerificationMethod)
	}
	sig, err := base58Decode(proof.ProofValue[1:])
	if err != nil || len(sig) != signatureBytes {
		return errors.New("credential: proofValue is not a base58-btc Ed25519 signature")
	}

	// The proof configuration: the proof without proofValue, in the
	// document's @context (or its own, which must then be the document's).
	cfg := map[string]any{}
	for k, v := range proofMap {
		if k != "proofValue" {
			cfg[k] = v
		}
	}
	if pc, has := cfg["@context"]; has {
		if !reflect.DeepEqual(pc, doc["@context"]) {
			return errors.New("credential: the proof's @context differs from the credential's")
		}
	} else {
		cfg["@context"] = doc["@context"]
	}
	delete(doc, "proof")

	h, err := hashData(cfg, doc, loader)
	if err != nil {
		return fmt.Errorf("credential: canonicalize: %w", err)
	}
	if !ed25519.Verify(pub, h, sig) {
		return errors.New("credential: the signature does not match the credential (it was changed, or signed by another key)")
	}
	return nil
}

// decodeDocument parses a JSON-LD document for verification and refuses
// what this package cannot canonicalize the way other implementations do.
func decodeDocument(data []byte) (map[string]any, error) {
	if len(data) > maxDocument {
		return nil, fmt.Errorf("credential: document larger than %d bytes", maxDocument)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("credential: not JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("credential: trailing data after the JSON document")
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("credential: the document must be a JSON object")
	}
	if err := checkStrings(doc); err != nil {
		return nil, err
	}
	ctx, ok := doc["@context"].([]any)
	if !ok || len(ctx) == 0 || ctx[0] != ContextCredentialsV2 {
		return nil, fmt.Errorf("credential: @context must be a list starting with %q", ContextCredentialsV2)
	}
	for _, c := range ctx {
		if _, ok := c.(string); !ok {
			return nil, errors.New("credential: @context entries must be URLs")
		}
	}
	return doc, nil
}

// checkStrings refuses numbers and the control characters that RDFC-1.0
// escapes in N-Quads but json-gold does not (it escapes only \t \n \r " \):
// a signature over them would not verify elsewhere. Our credentials carry
// neither.
func checkStrings(v any) error {
	switch t := v.(type) {
	case string:
		if badControl(t) {
			return errors.New("credential: a value contains a control character")
		}
	case json.Number:
		return errors.New("credential: numbers are not supported")
	case []any:
		for _, e := range t {
			if err := checkStrings(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range t {
			if badControl(k) {
				return errors.New("credential: a key contains a control character")
			}
			if err := checkStrings(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func badControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return true
		}
	}
	return false
}

func checkProof(m map[string]any) (*Proof, error) {
	str := func(k string) string { s, _ := m[k].(string); return s }
	p := &Proof{
		Type: str("type"), Cryptosuite: str("cryptosuite"), Created: str("created"),
		VerificationMethod: str("verificationMethod"), ProofPurpose: str("proofPurpose"), ProofValue: str("proofValue"),
	}
	switch {
	case p.Type != ProofType:
		return nil, fmt.Errorf("credential: proof type must be %q", ProofType)
	case p.Cryptosuite != Cryptosuite:
		return nil, fmt.Errorf("credential: proof cryptosuite must be %q", Cryptosuite)
	case p.ProofPurpose != ProofPurpose:
		return nil, fmt.Errorf("credential: proof purpose must be %q", ProofPurpose)
	case !strings.HasPrefix(p.VerificationMethod, "did:") || !strings.Contains(p.VerificationMethod, "#"):
		return nil, errors.New("credential: proof verificationMethod must be a DID URL with a key fragment")
	case len(p.ProofValue) < 2 || len(p.ProofValue) > maxProofValue || p.ProofValue[0] != 'z':
		return nil, errors.New("credential: proofValue must be multibase base58-btc (\"z…\")")
	}
	if p.Created != "" {
		if _, err := time.Parse(time.RFC3339, p.Created); err != nil {
			return nil, errors.New("credential: proof created is not a date-time")
		}
	}
	return p, nil
}

// issuerID is the id of the credential's issuer: the issuer itself when a
// string, its "id" when a profile object.
func issuerID(v any) (string, error) {
	switch t := v.(type) {
	case string:
		if t != "" {
			return t, nil
		}
	case map[string]any:
		if id, ok := t["id"].(string); ok && id != "" {
			return id, nil
		}
	}
	return "", errors.New("credential: no issuer id")
}

// toObject turns a Go value into the generic JSON object that json-gold
// processes.
func toObject(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
