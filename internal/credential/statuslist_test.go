package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The encodedList of the Status List Credential example of W3C Bitstring
// Status List v1.0: 16 KiB of zero bits.
const specExampleList = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"

// Made by @digitalbazaar/vc-bitstring-status-list 2.0.1 (test/vc) with
// entries 0, 7, 8, 1000, 94567 and 131071 set in a list of 131,072.
const jsEncodedList = "uH4sIAAAAAAAAA-3OwQ0AMAjEsLJ52ZwZeJ2E7AWS_i8n2QYAAAAAAAAAAAAAOKzSAwAAAABs1QAkSf4pAEAAAA"

var jsSetEntries = []int{0, 7, 8, 1000, 94567, 131071}

func setEntries(t *testing.T, l *StatusList) []int {
	t.Helper()
	var set []int
	for i := 0; i < l.Len(); i++ {
		r, err := l.Revoked(i)
		if err != nil {
			t.Fatal(err)
		}
		if r {
			set = append(set, i)
		}
	}
	return set
}

func TestStatusListSpecExample(t *testing.T) {
	l, err := DecodeStatusList(specExampleList)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != MinStatusListSize {
		t.Errorf("Len = %d, want %d", l.Len(), MinStatusListSize)
	}
	if set := setEntries(t, l); len(set) != 0 {
		t.Errorf("set entries %v, want none", set)
	}
}

func TestStatusListDecodesOtherImplementation(t *testing.T) {
	l, err := DecodeStatusList(jsEncodedList)
	if err != nil {
		t.Fatal(err)
	}
	if got := setEntries(t, l); !slices.Equal(got, jsSetEntries) {
		t.Errorf("set entries %v, want %v", got, jsSetEntries)
	}
}

func TestStatusListRoundTripAndBitOrder(t *testing.T) {
	l, err := NewStatusList(MinStatusListSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range jsSetEntries {
		if err := l.Set(i, true); err != nil {
			t.Fatal(err)
		}
	}
	// Entry 0 is the left-most bit of the first byte, 7 its right-most.
	if l.bits[0] != 0x81 || l.bits[1] != 0x80 || l.bits[len(l.bits)-1] != 0x01 {
		t.Errorf("bytes %08b %08b … %08b", l.bits[0], l.bits[1], l.bits[len(l.bits)-1])
	}
	enc, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "u") || strings.ContainsAny(enc, "=+/") {
		t.Errorf("encodedList %q is not multibase base64url without padding", enc)
	}
	back, err := DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got := setEntries(t, back); !slices.Equal(got, jsSetEntries) {
		t.Errorf("after the round trip %v, want %v", got, jsSetEntries)
	}
	// Clearing works too.
	_ = back.Set(94567, false)
	if r, _ := back.Revoked(94567); r {
		t.Error("entry still set after clearing")
	}
	if r, _ := back.Revoked(8); !r {
		t.Error("clearing 94567 cleared 8")
	}
}

func TestStatusListBounds(t *testing.T) {
	for _, n := range []int{0, 8, MinStatusListSize - 8, MinStatusListSize + 3, MaxStatusListSize + 8} {
		if _, err := NewStatusList(n); err == nil {
			t.Errorf("NewStatusList(%d) accepted it", n)
		}
	}
	l, _ := NewStatusList(MinStatusListSize)
	for _, i := range []int{-1, MinStatusListSize} {
		if err := l.Set(i, true); err == nil {
			t.Errorf("Set(%d) accepted it", i)
		}
		if _, err := l.Revoked(i); err == nil {
			t.Errorf("Revoked(%d) accepted it", i)
		}
	}
}

func gzipBase64(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeStatusListRefusesBadInput(t *testing.T) {
	for name, enc := range map[string]string{
		"empty":            "",
		"no multibase":     specExampleList[1:],
		"base58 multibase": "z" + specExampleList[1:],
		"padding":          specExampleList + "=",
		"not base64":       "u!!!!",
		"not gzip":         "uAAAA",
		"too short":        gzipBase64(t, make([]byte, 1024)),
		"too long (bomb)":  gzipBase64(t, make([]byte, MaxStatusListSize/8+1)),
	} {
		if _, err := DecodeStatusList(enc); err == nil {
			t.Errorf("%s: DecodeStatusList accepted it", name)
		}
	}
}

const testListURL = "https://academy.example.org/credentials/status/1"

func TestStatusListCredentialAndCheckStatus(t *testing.T) {
	is := testIssuer(t)
	cred := issue(t, is, testAward())
	l, _ := NewStatusList(MinStatusListSize)
	slc, err := is.StatusListCredential(testListURL, l, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(slc, is.Resolver()); err != nil {
		t.Fatalf("the status list credential does not verify: %v", err)
	}
	var m map[string]any
	_ = json.Unmarshal(slc, &m)
	subject := m["credentialSubject"].(map[string]any)
	if m["issuer"] != is.DID || subject["id"] != testListURL+"#list" || subject["type"] != "BitstringStatusList" ||
		subject["statusPurpose"] != "revocation" || !strings.HasPrefix(subject["encodedList"].(string), "uH4sI") {
		t.Errorf("status list credential = %s", slc)
	}
	if types := m["type"].([]any); types[1] != "BitstringStatusListCredential" {
		t.Errorf("type = %v", types)
	}

	revoked, err := CheckStatus(cred, slc, is.Resolver())
	if err != nil || revoked {
		t.Fatalf("CheckStatus = %v, %v; want valid", revoked, err)
	}

	_ = l.Set(94567, true)
	slc2, err := is.StatusListCredential(testListURL, l, testNow)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err = CheckStatus(cred, slc2, is.Resolver())
	if err != nil || !revoked {
		t.Fatalf("CheckStatus = %v, %v; want revoked", revoked, err)
	}

	// A list that is not the one the credential names, from another
	// issuer, or changed after signing is refused.
	otherList, _ := is.StatusListCredential("https://academy.example.org/credentials/status/2", l, testNow)
	other, _ := NewIssuer("https://other.example.org", "Other", testKey(9))
	otherIssuer, _ := other.StatusListCredential(testListURL, l, testNow)
	cleared, _ := NewStatusList(MinStatusListSize)
	clearedEnc, _ := cleared.Encode()
	tampered := mutate(t, slc2, "credentialSubject.encodedList", clearedEnc)
	for name, list := range map[string][]byte{
		"another list":   otherList,
		"another issuer": otherIssuer,
		"tampered list":  tampered,
	} {
		res := is.Resolver()
		if name == "another issuer" {
			res = other.Resolver()
		}
		if _, err := CheckStatus(cred, list, res); err == nil {
			t.Errorf("%s: CheckStatus accepted it", name)
		}
	}
	noStatus := mutate(t, cred, "credentialStatus", nil)
	if _, err := CheckStatus(noStatus, slc, is.Resolver()); err == nil {
		t.Error("CheckStatus accepted a credential without credentialStatus")
	}
}
