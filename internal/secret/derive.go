package secret

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
)

// Derive returns a 32-byte key for one purpose, derived from the instance
// key with HKDF-SHA256 (RFC 5869) and label as its info. Other uses of the
// key (signing public media URLs, …) take a sub-key from here instead of
// the encryption key itself, so that no value made for one purpose is
// valid for another. Rotating the instance key changes every derived key.
func Derive(key []byte, label string) ([]byte, error) {
	if len(key) < 32 {
		return nil, errors.New("secret: derive: the key must be at least 32 bytes")
	}
	if label == "" {
		return nil, errors.New("secret: derive: a label is required")
	}
	return hkdf.Key(sha256.New, key, nil, "attache/"+label, 32)
}
