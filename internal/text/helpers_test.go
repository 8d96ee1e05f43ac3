package text

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// keysOf returns the key sets of the tokens of s.
func keysOf(s string) [][]string {
	var out [][]string
	for _, t := range Analyze(s) {
		out = append(out, t.Keys)
	}
	return out
}

// checkToken reports what is wrong with one token: every key non-empty,
// lower-case, without combining marks after canonical decomposition, and
// no key twice.
func checkToken(t *testing.T, context string, tok Token, pos int) {
	t.Helper()
	if tok.Pos != pos {
		t.Errorf("%s: token %d has Pos %d", context, pos, tok.Pos)
	}
	if len(tok.Keys) == 0 {
		t.Errorf("%s: token %d has no keys", context, pos)
	}
	for i, k := range tok.Keys {
		if k == "" {
			t.Errorf("%s: token %d key %d is empty", context, pos, i)
		}
		if strings.ToLower(k) != k {
			t.Errorf("%s: token %d key %q is not lower-case", context, pos, k)
		}
		for _, r := range norm.NFD.String(k) {
			if unicode.Is(unicode.Mn, r) {
				t.Errorf("%s: token %d key %q has the combining mark %U", context, pos, k, r)
			}
		}
		if slices.Contains(tok.Keys[:i], k) {
			t.Errorf("%s: token %d has the key %q twice", context, pos, k)
		}
	}
}

// checkTokens applies checkToken to every token of s.
func checkTokens(t *testing.T, s string) []Token {
	t.Helper()
	toks := Analyze(s)
	for i, tok := range toks {
		checkToken(t, truncate(s), tok, i)
	}
	return toks
}

// truncate shortens s for error messages.
func truncate(s string) string {
	if len(s) > 80 {
		return strings.ToValidUTF8(s[:80], "") + "…"
	}
	return s
}

// intersects reports whether a and b share a key.
func intersects(a, b []string) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}
