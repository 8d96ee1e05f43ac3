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
// characters changed no answer in high mode (docs/langid.md).
const maxModelRunes = 300

// maxLowModelRunes is the bound in low accuracy mode, where lingua scores
// trigrams only and its cost grows with every character: on the
// development set, 150 characters give the same answers as 300 (0.9945 of
// the sentences, 0.9858 of the snippets) at 27% less time per sentence
// (measured 2026-11-27, docs/langid.md). High mode keeps 300: below 120
// letters lingua switches to its slower 1- to 5-gram scoring.
const maxLowModelRunes = 150

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
