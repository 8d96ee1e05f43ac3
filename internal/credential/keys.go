package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// GenerateKey makes a new Ed25519 signing key from rand (crypto/rand.Reader
// in production).
func GenerateKey(rand io.Reader) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("credential: generate key: %w", err)
	}
	return priv, nil
}

// MarshalPrivateKey encodes the key's 32-byte seed as standard base64, the
// form to seal with secret.Box and store. The seed is the whole secret: the
// private and public keys are derived from it.
func MarshalPrivateKey(key ed25519.PrivateKey) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", errors.New("credential: not an Ed25519 private key")
	}
	return base64.StdEncoding.EncodeToString(key.Seed()), nil
}

// UnmarshalPrivateKey decodes what MarshalPrivateKey produced.
func UnmarshalPrivateKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("credential: key is not base64: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("credential: key seed must be %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// The multicodec prefix of an Ed25519 public key (ed25519-pub, 0xed as an
// unsigned varint), which Multikey's publicKeyMultibase carries.
const (
	multicodecEd25519Pub0 = 0xed
	multicodecEd25519Pub1 = 0x01
)

// PublicKeyMultibase encodes a public key as a Multikey publicKeyMultibase:
// base58-btc ("z") of 0xed 0x01 followed by the 32 key bytes.
func PublicKeyMultibase(pub ed25519.PublicKey) string {
	b := make([]byte, 0, 2+len(pub))
	b = append(b, multicodecEd25519Pub0, multicodecEd25519Pub1)
	b = append(b, pub...)
	return "z" + base58Encode(b)
}

// ParsePublicKeyMultibase decodes a Multikey publicKeyMultibase of an
// Ed25519 key.
func ParsePublicKeyMultibase(s string) (ed25519.PublicKey, error) {
	if len(s) < 2 || len(s) > 64 || s[0] != 'z' {
		return nil, errors.New("credential: publicKeyMultibase must be base58-btc (\"z…\")")
	}
	b, err := base58Decode(s[1:])
	if err != nil {
		return nil, fmt.Errorf("credential: publicKeyMultibase: %w", err)
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != multicodecEd25519Pub0 || b[1] != multicodecEd25519Pub1 {
		return nil, errors.New("credential: publicKeyMultibase is not an Ed25519 public key (0xed01 + 32 bytes)")
	}
	return ed25519.PublicKey(b[2:]), nil
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Encode is base58 with the Bitcoin alphabet (multibase "z"); each
// leading zero byte becomes a leading '1'.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) ≈ 1.366 digits per byte.
	size := (len(b)-zeros)*138/100 + 1
	digits := make([]byte, size)
	high := size - 1
	for _, c := range b[zeros:] {
		carry := int(c)
		j := size - 1
		for ; j > high || carry != 0; j-- {
			carry += 256 * int(digits[j])
			digits[j] = byte(carry % 58)
			carry /= 58
		}
		high = j
	}
	i := 0
	for i < size && digits[i] == 0 {
		i++
	}
	out := make([]byte, zeros, zeros+size-i)
	for k := range out {
		out[k] = '1'
	}
	for ; i < size; i++ {
		out = append(out, base58Alphabet[digits[i]])
	}
	return string(out)
}

func base58Decode(s string) ([]byte, error) {
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// log(58)/log(256) ≈ 0.733 bytes per digit.
	size := (len(s)-zeros)*733/1000 + 1
	bin := make([]byte, size)
	high := size - 1
	for i := zeros; i < len(s); i++ {
		carry := strings.IndexByte(base58Alphabet, s[i])
		if carry < 0 {
			return nil, fmt.Errorf("invalid base58 character %q", s[i])
		}
		j := size - 1
		for ; j > high || carry != 0; j-- {
			carry += 58 * int(bin[j])
			bin[j] = byte(carry % 256)
			carry /= 256
		}
		high = j
	}
	i := 0
	for i < size && bin[i] == 0 {
		i++
	}
	out := make([]byte, zeros, zeros+size-i)
	return append(out, bin[i:]...), nil
}
