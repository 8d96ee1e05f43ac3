package text

import "unicode"

// georgianLatin is the national romanisation of Georgian (2002) for the
// Mkhedruli letters U+10D0–U+10FF, indexed by r − U+10D0. The apostrophes
// that mark ejectives (k', p', t', q', ts', ch') are left out of keys, as
// in most official use. Archaic and extension letters get their usual
// reading; "" drops a sign with no sound of its own. docs/text-analysis.md
// prints the table.
var georgianLatin = [0x30]string{
	"a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m", "n", "o", "p", "zh", // ა–ჟ
	"r", "s", "t", "u", "p", "k", "gh", "q", "sh", "ch", "ts", "dz", "ts", "ch", "kh", "j", // რ–ჯ
	"h", "e", "y", "w", "q", "o", "f", "e", "", "g", "", "", "n", "e", "", "", // ჰ–ჿ (U+10FB ჻ is punctuation)
}

// mkhedruli maps any Georgian letter (Asomtavruli, Nuskhuri, Mtavruli) to its
// Mkhedruli form, which the tables use: lower-casing maps Mtavruli to
// Mkhedruli and Asomtavruli to Nuskhuri, and Nuskhuri parallels Mkhedruli.
func mkhedruli(r rune) rune {
	if 0x10D0 <= r && r <= 0x10FF { // already Mkhedruli: the common case
		return r
	}
	r = unicode.ToLower(r)
	if 0x2D00 <= r && r <= 0x2D2F {
		r += 0x10D0 - 0x2D00
	}
	return r
}

// appendGeorgian appends the Latin form of one Georgian letter.
func appendGeorgian(dst []byte, r rune) []byte {
	if m := mkhedruli(r); 0x10D0 <= m && m <= 0x10FF {
		return append(dst, georgianLatin[m-0x10D0]...)
	}
	return foldRune(dst, r) // not reached for letters; kept total for safety
}
