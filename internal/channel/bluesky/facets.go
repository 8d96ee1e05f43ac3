package bluesky

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TIDAlphabet is base32-sortable, the alphabet of TIDs.
const TIDAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidBase is 2024-01-01T00:00:00Z in microseconds: derived keys read as
// timestamps after it.
const tidBase = int64(1704067200) * 1_000_000

// RecordKey is the deterministic record key (a TID) of a variant's
// version: 64 bits with the top one zero, 53 bits of "timestamp" and 10 of
// "clock id", written as 13 characters of TIDAlphabet. Distinct
// (variant, version) pairs get distinct keys; the same pair always gets the
// same key, so a retry collides with the record it may already have made.
func RecordKey(variantID int64, version int) string {
	v := uint64(max(version, 0))
	ts := uint64(tidBase) + uint64(max(variantID, 0))*1024 + v>>10
	ts &= 1<<53 - 1
	n := ts<<10 | (v & 1023)
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = TIDAlphabet[n&31]
		n >>= 5
	}
	return string(b[:])
}

// ValidTID reports whether s has the syntax of a TID.
func ValidTID(s string) bool {
	if len(s) != 13 || !strings.ContainsRune("234567abcdefghij", rune(s[0])) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(TIDAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

// Facet is a rich-text annotation of a byte range of a post's text.
type Facet struct {
	Index    ByteSlice      `json:"index"`
	Features []FacetFeature `json:"features"`
}

// ByteSlice is a range of UTF-8 bytes, end exclusive.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// FacetFeature is a link, a mention or a tag.
type FacetFeature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	DID  string `json:"did,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// Feature types.
const (
	FeatureLink    = "app.bsky.richtext.facet#link"
	FeatureMention = "app.bsky.richtext.facet#mention"
	FeatureTag     = "app.bsky.richtext.facet#tag"
)

// A span found in a text before handles are resolved.
type span struct {
	start, end int // bytes
	kind       string
	value      string // URL, handle (no @) or tag (no #)
}

var (
	linkRe    = regexp.MustCompile(`(?:^|[\s(])(https?://[^\s]+)`)
	mentionRe = regexp.MustCompile(`(?:^|[\s(])(@[a-zA-Z0-9][a-zA-Z0-9.-]*)`)
	tagRe     = regexp.MustCompile(`(?:^|\s)([#＃][^\s#＃]+)`)
)

// detect finds links, mentions and hashtags in text, with byte offsets.
func detect(text string) []span {
	var out []span
	for _, m := range linkRe.FindAllStringSubmatchIndex(text, -1) {
		s, e := m[2], m[3]
		u := trimURL(text[s:e])
		out = append(out, span{s, s + len(u), FeatureLink, u})
	}
	for _, m := range mentionRe.FindAllStringSubmatchIndex(text, -1) {
		s, e := m[2], m[3]
		h := strings.TrimRight(text[s+1:e], ".-")
		if !validHandle(h) {
			continue
		}
		out = append(out, span{s, s + 1 + len(h), FeatureMention, strings.ToLower(h)})
	}
	for _, m := range tagRe.FindAllStringSubmatchIndex(text, -1) {
		s, e := m[2], m[3]
		_, hashLen := utf8.DecodeRuneInString(text[s:])
		tag := strings.TrimRightFunc(text[s+hashLen:e], unicode.IsPunct)
		if tag == "" || utf8.RuneCountInString(tag) > 64 || strings.IndexFunc(tag, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		out = append(out, span{s, s + hashLen + len(tag), FeatureTag, tag})
	}
	// Drop spans overlapping an earlier one (a "#x" inside a URL).
	var keep []span
	for _, sp := range out {
		ok := true
		for _, k := range keep {
			if sp.start < k.end && k.start < sp.end {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, sp)
		}
	}
	return keep
}

// trimURL drops trailing punctuation, and a closing parenthesis without
// its opening one.
func trimURL(u string) string {
	for {
		n := len(u)
		u = strings.TrimRight(u, ".,;:!?\"'»…")
		if strings.HasSuffix(u, ")") && strings.Count(u, "(") < strings.Count(u, ")") {
			u = u[:len(u)-1]
		}
		if len(u) == n {
			return u
		}
	}
}

// validHandle: a domain name of at least two labels, the last not numeric.
func validHandle(h string) bool {
	if len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return !unicode.IsDigit(rune(tld[0]))
}
