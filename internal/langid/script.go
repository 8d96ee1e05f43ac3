package langid

import "unicode"

// scriptTable pairs a Unicode script with its ISO 15924 code. The order is
// the order of the checks, so the common scripts come first.
var scriptTable = [...]struct {
	table *unicode.RangeTable
	code  string
}{
	{unicode.Latin, "Latn"},
	{unicode.Cyrillic, "Cyrl"},
	{unicode.Georgian, "Geor"},
	{unicode.Greek, "Grek"},
	{unicode.Armenian, "Armn"},
	{unicode.Arabic, "Arab"},
	{unicode.Hebrew, "Hebr"},
	{unicode.Devanagari, "Deva"},
	{unicode.Han, "Hani"},
	{unicode.Hiragana, "Hira"},
	{unicode.Katakana, "Kana"},
	{unicode.Hangul, "Hang"},
	{unicode.Thai, "Thai"},
}

// Script returns the ISO 15924 code of the script that most letters of s are
// written in ("Latn", "Cyrl", "Geor", "Grek", …), or "" when s has no letter
// of a known script. Digits, punctuation, emoji and combining marks do not
// count; a tie goes to the script listed first in scriptTable.
func Script(s string) string {
	// An array of constant size: counting allocates nothing.
	var counts [len(scriptTable)]int
	for _, r := range s {
		if i := scriptIndex(r); i >= 0 {
			counts[i]++
		}
	}
	best, bestN := -1, 0
	for i, n := range counts {
		if n > bestN {
			best, bestN = i, n
		}
	}
	if best < 0 {
		return ""
	}
	return scriptTable[best].code
}

// scriptIndex is the index in scriptTable of the script of letter r, or -1
// when r is not a letter or its script is not in the table.
func scriptIndex(r rune) int {
	if r < 0x80 {
		// ASCII fast path: most texts are mostly ASCII or mostly one other script.
		if ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return 0
		}
		return -1
	}
	if !unicode.IsLetter(r) {
		return -1
	}
	for i := range scriptTable {
		if unicode.Is(scriptTable[i].table, r) {
			return i
		}
	}
	return -1
}
