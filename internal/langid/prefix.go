package langid

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxModelRunes bounds the text given to lingua. Its cost per text jumps
// beyond a few hundred characters (measured: ~1 ms at 300 characters, ~15 ms
// at 1,000: when a language's probability underflows float64, lingua falls
// back to arbitrary-precision decimals), while its accuracy is already
// saturated: on the development set, cutting sentences at 100 to 300
// characters changed no answer in high mode (docs/bench-langid.md).
const maxModelRunes = 300

// modelPrefix returns at most max runes of s. When the cut would split a
// word, it moves back to the last whitespace, if that is in the second half
// of the kept part (a text without spaces is cut at the rune).
func modelPrefix(s string, max int) string {
	if len(s) <= max { // bytes ≥ runes: short texts need no counting
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			p := s[:i]
			if r, _ := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
				return p // the cut falls between words
			}
			if j := strings.LastIndexAny(p, " \t\n\r"); j >= len(p)/2 {
				p = p[:j]
			}
			return p
		}
		n++
	}
	return s
}
