package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// W3C Bitstring Status List v1.0.
const (
	StatusPurposeRevocation = "revocation"
	// MinStatusListSize is the spec's minimum number of entries (16 KiB of
	// bits), so that one credential's index says little about who it is.
	MinStatusListSize = 131072
	// MaxStatusListSize bounds what DecodeStatusList expands (8 MiB).
	MaxStatusListSize = 1 << 26
)

// StatusList is a bitstring of revocation statuses: entry i is bit i,
// counted from the left-most (most significant) bit of the first byte.
type StatusList struct {
	bits []byte
}

// NewStatusList makes a list of size entries, all unset. size is a
// multiple of 8 from MinStatusListSize to MaxStatusListSize.
func NewStatusList(size int) (*StatusList, error) {
	if size < MinStatusListSize || size > MaxStatusListSize || size%8 != 0 {
		return nil, fmt.Errorf("credential: a status list has a multiple of 8 entries from %d to %d, not %d", MinStatusListSize, MaxStatusListSize, size)
	}
	return &StatusList{bits: make([]byte, size/8)}, nil
}

// Len is the number of entries.
func (l *StatusList) Len() int { return len(l.bits) * 8 }

func (l *StatusList) position(index int) (int, byte, error) {
	if index < 0 || index >= l.Len() {
		return 0, 0, fmt.Errorf("credential: status index %d is outside the list (0…%d)", index, l.Len()-1)
	}
	return index / 8, byte(0x80) >> (index % 8), nil
}

// Set sets (revoked) or clears entry index.
func (l *StatusList) Set(index int, revoked bool) error {
	i, mask, err := l.position(index)
	if err != nil {
		return err
	}
	if revoked {
		l.bits[i] |= mask
	} else {
		l.bits[i] &^= mask
	}
	return nil
}

// Revoked reads entry index.
func (l *StatusList) Revoked(index int) (bool, error) {
	i, mask, err := l.position(index)
	if err != nil {
		return false, err
	}
	return l.bits[i]&mask != 0, nil
}

// Encode is the encodedList: multibase base64url without padding ("u") of
// the GZIP-compressed bitstring.
func (l *StatusList) Encode() (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(l.bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeStatusList reads an encodedList, refusing one that expands past
// MaxStatusListSize or falls short of MinStatusListSize.
func DecodeStatusList(encoded string) (*StatusList, error) {
	if len(encoded) < 2 || encoded[0] != 'u' {
		return nil, errors.New("credential: encodedList must be multibase base64url (\"u…\")")
	}
	z, err := base64.RawURLEncoding.DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("credential: encodedList is not base64url without padding: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("credential: encodedList is not GZIP: %w", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, MaxStatusListSize/8+1))
	if err != nil {
		return nil, fmt.Errorf("credential: encodedList does not decompress: %w", err)
	}
	if len(bits)*8 > MaxStatusListSize {
		return nil, fmt.Errorf("credential: status list longer than %d entries", MaxStatusListSize)
	}
	if len(bits)*8 < MinStatusListSize {
		return nil, fmt.Errorf("credential: status list shorter than %d entries", MinStatusListSize)
	}
	return &StatusList{bits: bits}, nil
}

// statusListCredential is the JSON of a BitstringStatusListCredential.
type statusListCredential struct {
	Context           []string            `json:"@context"`
	ID                string              `json:"id"`
	Type              []string            `json:"type"`
	Issuer            string              `json:"issuer"`
	ValidFrom         string              `json:"validFrom"`
	CredentialSubject bitstringStatusList `json:"credentialSubject"`
	Proof             *Proof              `json:"proof,omitempty"`
}

// bitstringStatusList is the subject of a status list credential.
type bitstringStatusList struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// StatusListCredential signs the revocation list as the credential to
// serve at id (the statusListCredential URL of the entries pointing to
// it). Sign it again after each change: verifiers check its proof.
func (is *Issuer) StatusListCredential(id string, list *StatusList, now time.Time) ([]byte, error) {
	if err := checkURL(id); err != nil {
		return nil, fmt.Errorf("credential: status list id %s", err)
	}
	enc, err := list.Encode()
	if err != nil {
		return nil, err
	}
	c := statusListCredential{
		Context:   []string{ContextCredentialsV2},
		ID:        id,
		Type:      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer:    is.DID,
		ValidFrom: now.UTC().Format(timeLayout),
		CredentialSubject: bitstringStatusList{
			ID: id + "#list", Type: "BitstringStatusList", StatusPurpose: StatusPurposeRevocation, EncodedList: enc,
		},
	}
	doc, err := toObject(c)
	if err != nil {
		return nil, err
	}
	if c.Proof, err = sign(doc, is.Key, is.VerificationMethod(), now, contextLoader{}); err != nil {
		return nil, err
	}
	return json.MarshalIndent(c, "", "  ")
}

// CheckStatus reads a credential's revocation status from its status list
// credential, after verifying that list's proof with resolve and that it
// is the list the credential names, from the same issuer. It does not
// verify the credential itself (Verify does).
func CheckStatus(credential, statusList []byte, resolve Resolver) (revoked bool, err error) {
	var c struct {
		Issuer           json.RawMessage `json:"issuer"`
		CredentialStatus *StatusEntry    `json:"credentialStatus"`
	}
	if err := json.Unmarshal(credential, &c); err != nil {
		return false, fmt.Errorf("credential: parse: %w", err)
	}
	e := c.CredentialStatus
	if e == nil {
		return false, errors.New("credential: no credentialStatus")
	}
	if e.Type != "BitstringStatusListEntry" || e.StatusPurpose != StatusPurposeRevocation {
		return false, errors.New("credential: credentialStatus is not a revocation BitstringStatusListEntry")
	}
	index, err := strconv.Atoi(e.StatusListIndex)
	if err != nil || index < 0 {
		return false, errors.New("credential: statusListIndex is not a non-negative integer")
	}
	var issuer any
	if err := json.Unmarshal(c.Issuer, &issuer); err != nil {
		return false, errors.New("credential: no issuer")
	}
	credIssuer, err := issuerID(issuer)
	if err != nil {
		return false, err
	}

	if err := Verify(statusList, resolve); err != nil {
		return false, fmt.Errorf("status list: %w", err)
	}
	var sl struct {
		ID                string              `json:"id"`
		Type              []string            `json:"type"`
		Issuer            json.RawMessage     `json:"issuer"`
		CredentialSubject bitstringStatusList `json:"credentialSubject"`
	}
	if err := json.Unmarshal(statusList, &sl); err != nil {
		return false, fmt.Errorf("status list: parse: %w", err)
	}
	var slIssuerRaw any
	_ = json.Unmarshal(sl.Issuer, &slIssuerRaw)
	slIssuer, err := issuerID(slIssuerRaw)
	switch {
	case err != nil || slIssuer != credIssuer:
		return false, errors.New("status list: not issued by the credential's issuer")
	case sl.ID != e.StatusListCredential:
		return false, fmt.Errorf("status list: it is %q, the credential names %q", sl.ID, e.StatusListCredential)
	case !slices.Contains(sl.Type, "BitstringStatusListCredential") || sl.CredentialSubject.Type != "BitstringStatusList":
		return false, errors.New("status list: not a BitstringStatusListCredential")
	case sl.CredentialSubject.StatusPurpose != e.StatusPurpose:
		return false, fmt.Errorf("status list: its purpose is %q, not %q", sl.CredentialSubject.StatusPurpose, e.StatusPurpose)
	}
	list, err := DecodeStatusList(sl.CredentialSubject.EncodedList)
	if err != nil {
		return false, fmt.Errorf("status list: %w", err)
	}
	return list.Revoked(index)
}
