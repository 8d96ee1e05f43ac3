// Package credential issues and verifies the programme's certificates as
// Open Badges 3.0 OpenBadgeCredentials (W3C Verifiable Credentials Data
// Model 2.0), secured with an Ed25519 Data Integrity proof (eddsa-rdfc-2022)
// by an issuer identified with did:web, and revoked through a W3C Bitstring
// Status List. It is pure: keys, time and key resolution are passed in; the
// JSON-LD contexts are embedded and nothing is fetched.
package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Achievement types of Open Badges 3.0 (AchievementType enumeration) that
// fit a course: "Certificate" designates the knowledge and skills of an
// academic programme; "CertificateOfCompletion" acknowledges completing a
// training.
const (
	AchievementCertificate             = "Certificate"
	AchievementCertificateOfCompletion = "CertificateOfCompletion"
)

// OpenBadgeCredential is the JSON of a credential this package issues.
type OpenBadgeCredential struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"`
	Type              []string           `json:"type"`
	Issuer            Profile            `json:"issuer"`
	ValidFrom         string             `json:"validFrom"`
	Name              string             `json:"name"`
	Description       string             `json:"description,omitempty"`
	CredentialSubject AchievementSubject `json:"credentialSubject"`
	CredentialStatus  *StatusEntry       `json:"credentialStatus,omitempty"`
	Proof             *Proof             `json:"proof,omitempty"`
}

// Profile describes the issuer (OB 3.0 Profile).
type Profile struct {
	ID   string   `json:"id"`
	Type []string `json:"type"`
	Name string   `json:"name"`
	URL  string   `json:"url,omitempty"`
}

// AchievementSubject is the learner and what they achieved.
type AchievementSubject struct {
	Type        []string         `json:"type"`
	Name        string           `json:"name,omitempty"`
	Identifier  []IdentityObject `json:"identifier"`
	Achievement Achievement      `json:"achievement"`
}

// IdentityObject identifies the learner by a salted SHA-256 of their email
// address, so that the public credential does not disclose it while the
// holder (who knows the address) can prove it is theirs.
type IdentityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	Salt         string `json:"salt"`
}

// Achievement is the course completed.
type Achievement struct {
	ID              string   `json:"id"`
	Type            []string `json:"type"`
	AchievementType string   `json:"achievementType,omitempty"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Criteria        Criteria `json:"criteria"`
}

// Criteria says how the achievement is earned (Markdown allowed).
type Criteria struct {
	Narrative string `json:"narrative"`
}

// StatusEntry points to the credential's bit in a revocation status list
// (Bitstring Status List, BitstringStatusListEntry).
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Award is what the academy knows about a completion; Issue turns it into
// a signed credential.
type Award struct {
	ID          string    // URL of this credential, e.g. {base}/credentials/{id}
	Name        string    // display name of the credential; the achievement's name when empty
	Description string    // optional
	ValidFrom   time.Time // when it was awarded

	RecipientEmail string // hashed with the salt; never published
	RecipientSalt  string // random when empty
	RecipientName  string // optional, published as credentialSubject.name

	AchievementID          string // URL of the course
	AchievementName        string
	AchievementDescription string
	AchievementCriteria    string // narrative: what earned it
	AchievementType        string // AchievementCertificate when empty

	StatusListCredential string // URL of the revocation list; no status when empty
	StatusListIndex      int    // this credential's bit in it
}

// Build makes the unsigned credential of an award, checking its fields.
func (is *Issuer) Build(a Award) (*OpenBadgeCredential, error) {
	var errs []string
	bad := func(field, why string) { errs = append(errs, field+" "+why) }
	for _, f := range []struct{ name, v string }{
		{"ID", a.ID}, {"AchievementID", a.AchievementID},
	} {
		if err := checkURL(f.v); err != nil {
			bad(f.name, err.Error())
		}
	}
	achName := cleanText(a.AchievementName)
	achDesc := cleanText(a.AchievementDescription)
	criteria := cleanText(a.AchievementCriteria)
	if strings.TrimSpace(achName) == "" {
		bad("AchievementName", "is required")
	}
	if strings.TrimSpace(achDesc) == "" {
		bad("AchievementDescription", "is required")
	}
	if strings.TrimSpace(criteria) == "" {
		bad("AchievementCriteria", "is required")
	}
	email := normalizeEmail(a.RecipientEmail)
	if !strings.Contains(email, "@") {
		bad("RecipientEmail", "is not an email address")
	}
	if a.ValidFrom.IsZero() {
		bad("ValidFrom", "is required")
	}
	achType := a.AchievementType
	if achType == "" {
		achType = AchievementCertificate
	}
	var status *StatusEntry
	if a.StatusListCredential != "" {
		if err := checkURL(a.StatusListCredential); err != nil {
			bad("StatusListCredential", err.Error())
		}
		if a.StatusListIndex < 0 {
			bad("StatusListIndex", "must not be negative")
		}
		idx := strconv.Itoa(a.StatusListIndex)
		status = &StatusEntry{
			ID:                   a.StatusListCredential + "#" + idx,
			Type:                 "BitstringStatusListEntry",
			StatusPurpose:        StatusPurposeRevocation,
			StatusListIndex:      idx,
			StatusListCredential: a.StatusListCredential,
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("credential: award: %s", strings.Join(errs, "; "))
	}
	salt := a.RecipientSalt
	if salt == "" {
		salt = rand.Text()
	}
	name := cleanText(a.Name)
	if strings.TrimSpace(name) == "" {
		name = achName
	}
	return &OpenBadgeCredential{
		Context: []string{ContextCredentialsV2, ContextOpenBadgesV3},
		ID:      a.ID,
		Type:    []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer: Profile{
			ID: is.DID, Type: []string{"Profile"}, Name: is.Name, URL: is.URL,
		},
		ValidFrom:   a.ValidFrom.UTC().Format(timeLayout),
		Name:        name,
		Description: cleanText(a.Description),
		CredentialSubject: AchievementSubject{
			Type: []string{"AchievementSubject"},
			Name: cleanText(a.RecipientName),
			Identifier: []IdentityObject{{
				Type:         "IdentityObject",
				IdentityHash: IdentityHash(email, salt),
				IdentityType: "emailAddress",
				Hashed:       true,
				Salt:         salt,
			}},
			Achievement: Achievement{
				ID:              a.AchievementID,
				Type:            []string{"Achievement"},
				AchievementType: achType,
				Name:            achName,
				Description:     achDesc,
				Criteria:        Criteria{Narrative: criteria},
			},
		},
		CredentialStatus: status,
	}, nil
}

// Issue builds the credential of an award and signs it at now. The result
// is the JSON-LD to serve as application/ld+json and to store: a signed
// credential is never rebuilt, since any change breaks its proof.
func (is *Issuer) Issue(a Award, now time.Time) ([]byte, error) {
	c, err := is.Build(a)
	if err != nil {
		return nil, err
	}
	doc, err := toObject(c)
	if err != nil {
		return nil, err
	}
	p, err := sign(doc, is.Key, is.VerificationMethod(), now, contextLoader{})
	if err != nil {
		return nil, err
	}
	c.Proof = p
	return json.MarshalIndent(c, "", "  ")
}

// Parse reads a credential of ours for display (the verification page). It
// does not verify it: call Verify for that.
func Parse(data []byte) (*OpenBadgeCredential, error) {
	if len(data) > maxDocument {
		return nil, fmt.Errorf("credential: document larger than %d bytes", maxDocument)
	}
	var c OpenBadgeCredential
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("credential: parse: %w", err)
	}
	switch {
	case !slices.Contains(c.Type, "OpenBadgeCredential"):
		return nil, errors.New("credential: not an OpenBadgeCredential")
	case c.ID == "" || c.Issuer.ID == "":
		return nil, errors.New("credential: missing id or issuer")
	case c.CredentialSubject.Achievement.Name == "":
		return nil, errors.New("credential: missing achievement")
	}
	if _, err := time.Parse(time.RFC3339, c.ValidFrom); err != nil {
		return nil, errors.New("credential: validFrom is not a date-time")
	}
	return &c, nil
}

// ValidFromTime is validFrom as a time.
func (c *OpenBadgeCredential) ValidFromTime() time.Time {
	t, _ := time.Parse(time.RFC3339, c.ValidFrom)
	return t
}

// RecipientIs reports whether the credential was awarded to email: the
// salted hash of one of its email identifiers matches.
func (c *OpenBadgeCredential) RecipientIs(email string) bool {
	email = normalizeEmail(email)
	for _, id := range c.CredentialSubject.Identifier {
		if id.IdentityType == "emailAddress" && id.Hashed && strings.EqualFold(id.IdentityHash, IdentityHash(email, id.Salt)) {
			return true
		}
	}
	return false
}

// IdentityHash is an OB 3.0 IdentityHash: "sha256$" and the hex SHA-256 of
// the identifier followed by the salt.
func IdentityHash(identifier, salt string) string {
	sum := sha256.Sum256([]byte(identifier + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// normalizeEmail makes the hashed form of an address: trimmed and lower-
// cased, so that whoever checks it with the address as typed gets a match.
func normalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// cleanText drops invalid UTF-8 and the control characters (all but tab,
// newline and carriage return) that canonical N-Quads escape differently
// across implementations; they have no place in a certificate anyway.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
}

// checkURL accepts an absolute http(s) URL whose characters need no
// escaping in an N-Quads IRI.
func checkURL(s string) error {
	if s == "" {
		return errors.New("is required")
	}
	if strings.ContainsAny(s, " <>\"{}|^`\\") || badControl(s) {
		return errors.New("has characters not allowed in a URL")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("must be an absolute https URL")
	}
	return nil
}
