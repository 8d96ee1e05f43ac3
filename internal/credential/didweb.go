package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The contexts of the DID document: DID Core 1.0 and Multikey. They are
// only named here (resolvers know them); nothing in this package expands
// the DID document as JSON-LD.
const (
	ContextDIDv1       = "https://www.w3.org/ns/did/v1"
	ContextMultikeyV1  = "https://w3id.org/security/multikey/v1"
	JWKSPath           = "/.well-known/jwks.json"
	defaultKeyFragment = "key-1"
)

// DIDWeb returns the did:web identifier of the site at baseURL: the host
// (lower-cased), a port percent-encoded as %3A, and each path segment as a
// further ":segment" (did:web method, §3.2 Create). IP addresses are
// refused: did:web names a domain.
func DIDWeb(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return "", fmt.Errorf("credential: base URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("credential: base URL %q must be an https URL", baseURL)
	}
	if u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("credential: base URL %q must be scheme://host[:port][/path] only", baseURL)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fmt.Errorf("credential: base URL %q has no host", baseURL)
	}
	if net.ParseIP(host) != nil {
		return "", fmt.Errorf("credential: base URL %q names an IP address; did:web needs a domain name", baseURL)
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "", fmt.Errorf("credential: host %q must be an ASCII domain name (use the punycode form)", host)
		}
	}
	id := "did:web:" + host
	if port := u.Port(); port != "" {
		id += "%3A" + port
	}
	path := strings.Trim(u.EscapedPath(), "/")
	if path == "" {
		return id, nil
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("credential: base URL %q has an empty or dot path segment", baseURL)
		}
		id += ":" + strings.ReplaceAll(seg, ":", "%3A")
	}
	return id, nil
}

// DIDDocumentPath is where, on the host of baseURL, a did:web resolver
// fetches the DID document: /.well-known/did.json for a bare host,
// /{path}/did.json when the base URL has a path.
func DIDDocumentPath(baseURL string) (string, error) {
	if _, err := DIDWeb(baseURL); err != nil {
		return "", err
	}
	u, _ := url.Parse(strings.TrimSpace(baseURL))
	path := strings.Trim(u.EscapedPath(), "/")
	if path == "" {
		return "/.well-known/did.json", nil
	}
	return "/" + path + "/did.json", nil
}

// PublicKey is a published verification key: its fragment in the DID
// document ("key-1") and the key.
type PublicKey struct {
	Fragment string
	Key      ed25519.PublicKey
}

// Issuer signs the programme's credentials. Build it with NewIssuer; the
// fields are exported so that a key rotation can keep publishing earlier
// keys (Retired) while signing with a new one under a new fragment.
type Issuer struct {
	DID  string // did:web of the base URL
	Name string // the issuing programme, shown by wallets
	URL  string // its home page

	KeyFragment string             // fragment of the signing key in the DID document
	Key         ed25519.PrivateKey // the signing key
	Retired     []PublicKey        // earlier keys, still published so that what they signed verifies
}

// NewIssuer makes the issuer for the site at baseURL, signing with key
// under the fragment "key-1".
func NewIssuer(baseURL, name string, key ed25519.PrivateKey) (*Issuer, error) {
	did, err := DIDWeb(baseURL)
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("credential: the issuer needs an Ed25519 private key")
	}
	name = cleanText(name)
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("credential: the issuer needs a name")
	}
	return &Issuer{
		DID:         did,
		Name:        name,
		URL:         strings.TrimRight(strings.TrimSpace(baseURL), "/"),
		KeyFragment: defaultKeyFragment,
		Key:         key,
	}, nil
}

// VerificationMethod is the DID URL of the signing key, as it appears in
// a proof's verificationMethod.
func (is *Issuer) VerificationMethod() string {
	return is.DID + "#" + is.KeyFragment
}

func (is *Issuer) publicKeys() []PublicKey {
	keys := []PublicKey{{Fragment: is.KeyFragment, Key: is.Key.Public().(ed25519.PublicKey)}}
	return append(keys, is.Retired...)
}

// DIDDocument is the document a did:web resolver fetches.
type DIDDocument struct {
	Context            []string             `json:"@context"`
	ID                 string               `json:"id"`
	VerificationMethod []VerificationMethod `json:"verificationMethod"`
	AssertionMethod    []string             `json:"assertionMethod"`
	Authentication     []string             `json:"authentication,omitempty"`
}

// VerificationMethod is a Multikey (Controlled Identifiers §2.2.2).
type VerificationMethod struct {
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         string `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// DIDDocument returns the JSON of the issuer's DID document, for
// DIDDocumentPath. Every published key may assert (sign credentials);
// only the current one authenticates.
func (is *Issuer) DIDDocument() ([]byte, error) {
	doc := DIDDocument{
		Context:        []string{ContextDIDv1, ContextMultikeyV1},
		ID:             is.DID,
		Authentication: []string{is.VerificationMethod()},
	}
	for _, k := range is.publicKeys() {
		if k.Fragment == "" || len(k.Key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("credential: published key %q is incomplete", k.Fragment)
		}
		vm := is.DID + "#" + k.Fragment
		doc.VerificationMethod = append(doc.VerificationMethod, VerificationMethod{
			ID: vm, Type: "Multikey", Controller: is.DID, PublicKeyMultibase: PublicKeyMultibase(k.Key),
		})
		doc.AssertionMethod = append(doc.AssertionMethod, vm)
	}
	return json.MarshalIndent(doc, "", "  ")
}

// JWK is an Ed25519 public key as a JSON Web Key (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns the JSON Web Key Set of the published keys, for JWKSPath;
// each kid is the key's verification method (the DID URL in proofs).
func (is *Issuer) JWKS() ([]byte, error) {
	set := struct {
		Keys []JWK `json:"keys"`
	}{}
	for _, k := range is.publicKeys() {
		if len(k.Key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("credential: published key %q is incomplete", k.Fragment)
		}
		set.Keys = append(set.Keys, JWK{
			Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Key),
			Kid: is.DID + "#" + k.Fragment, Alg: "EdDSA", Use: "sig",
		})
	}
	return json.MarshalIndent(set, "", "  ")
}

// Resolver finds the public key of a verification method (a DID URL).
type Resolver func(verificationMethod string) (ed25519.PublicKey, error)

// Resolver resolves the issuer's own published keys, without a network.
func (is *Issuer) Resolver() Resolver {
	keys := is.publicKeys()
	return func(vm string) (ed25519.PublicKey, error) {
		for _, k := range keys {
			if vm == is.DID+"#"+k.Fragment {
				return k.Key, nil
			}
		}
		return nil, fmt.Errorf("verification method %q is not a key of %s", vm, is.DID)
	}
}

// ResolverFromDIDDocument resolves the Multikey Ed25519 keys that a DID
// document lists under assertionMethod.
func ResolverFromDIDDocument(doc []byte) (Resolver, error) {
	var d DIDDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("credential: DID document: %w", err)
	}
	if !strings.HasPrefix(d.ID, "did:") {
		return nil, errors.New("credential: DID document has no DID id")
	}
	asserts := map[string]bool{}
	for _, a := range d.AssertionMethod {
		asserts[a] = true
	}
	keys := map[string]ed25519.PublicKey{}
	for _, vm := range d.VerificationMethod {
		if vm.Type != "Multikey" || vm.Controller != d.ID || !asserts[vm.ID] || !strings.HasPrefix(vm.ID, d.ID+"#") {
			continue
		}
		pub, err := ParsePublicKeyMultibase(vm.PublicKeyMultibase)
		if err != nil {
			return nil, fmt.Errorf("credential: DID document key %q: %w", vm.ID, err)
		}
		keys[vm.ID] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("credential: DID document has no Ed25519 Multikey assertion method")
	}
	return func(vm string) (ed25519.PublicKey, error) {
		if k, ok := keys[vm]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("verification method %q is not an assertion method of %s", vm, d.ID)
	}, nil
}
