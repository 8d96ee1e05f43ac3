package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newSecret returns a random URL-safe secret with a recognisable prefix
// (so leaked tokens can be found by secret scanners).
func newSecret(prefix string) string {
	b := make([]byte, 25)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(b32.EncodeToString(b))
}

// hashSecret is how secrets are stored: SHA-256 is enough for 200 random
// bits, and lets us look them up by hash.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
