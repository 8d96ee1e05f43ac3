package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// specialFolds are the letters that compatibility decomposition leaves alone
// but a Latin reader folds to other letters. đ is "dj" (Đoković = Djokovic),
// as in Serbian and Croatian; Ð (U+00D0) is folded like Đ (U+0110) because
// the two look the same and keyboards mix them up, while lower-case ð (eth)
// keeps its Icelandic reading. ς is Greek final sigma, folded to σ.
var specialFolds = map[rune]string{
	'đ': "dj", 'Đ': "dj", 'Ð': "dj", 'ð': "d",
	'ß': "ss", 'ẞ': "ss",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'ı': "i",
	'þ': "th", 'Þ': "th", 'ħ': "h", 'Ħ': "h", 'ŧ': "t", 'Ŧ': "t",
	'ĸ': "k", 'ŋ': "ng", 'Ŋ': "ng", 'ƒ': "f", 'Ƒ': "f",
	'ə': "e", 'Ə': "e", 'ǝ': "e", 'Ǝ': "e", 'ɨ': "i", 'Ɨ': "i",
	'ƀ': "b", 'Ƀ': "b", 'ɗ': "d", 'Ɗ': "d", 'ƙ': "k", 'Ƙ': "k", 'ǥ': "g", 'Ǥ': "g",
	'ς': "σ",
}

// foldTableSize bounds the precomputed folds: Latin, IPA, spacing modifier
// letters and Greek, the scripts of nearly every non-Cyrillic word we see.
const foldTableSize = 0x400

// foldTable holds foldSlow(r) for every r below foldTableSize ("" for runes
// that are not letters or digits). It is built once and never written again.
var foldTable = func() (t [foldTableSize]string) {
	for r := range rune(foldTableSize) {
		t[r] = string(foldSlow(nil, r))
	}
	return t
}()

// foldRune appends the key form of one letter or digit of a script without a
// transliteration table: lower-case, compatibility-decomposed (ﬁ → fi,
// Ｋ → k), combining marks dropped, special letters spelt out.
func foldRune(dst []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	case r < foldTableSize:
		return append(dst, foldTable[r]...)
	}
	return foldSlow(dst, r)
}

// foldSlow computes a fold from the Unicode tables. Of the decomposition it
// keeps what can stand in a word (letters, digits, spacing marks); it drops
// non-spacing and enclosing marks (the diacritics), apostrophes, and the
// spaces and punctuation some compatibility forms contain. So a key is
// again a single word: TermKeys(key) holds key.
func foldSlow(dst []byte, r rune) []byte {
	if f, ok := specialFolds[r]; ok {
		return append(dst, f...)
	}
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], unicode.ToLower(r))
	dec := norm.NFKD.Properties(enc[:n]).Decomposition()
	if dec == nil {
		dec = enc[:n]
	}
	for len(dec) > 0 {
		d, size := utf8.DecodeRune(dec)
		dec = dec[size:]
		if f, ok := specialFolds[d]; ok {
			dst = append(dst, f...)
			continue
		}
		if c := classOf(d); !c.startsWord() && c != classIdeograph {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(d))
	}
	return dst
}

// Fold folds case and diacritics of a Latin string (used for field values like author handles).
//
// Letters are folded as in keys (Đoković → djokovic, İstanbul → istanbul);
// everything else (digits, punctuation, spaces, '_', '@') is kept, except
// combining marks and invisible format characters, which are dropped.
// Cyrillic and Georgian letters are only lower-cased: Fold does not
// transliterate. Invalid UTF-8 bytes are dropped.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var scratch [16]byte
	for i := 0; i < len(s); {
		r, size := decode(s, i)
		i += size
		switch c := classOf(r); {
		case r == utf8.RuneError && size == 1, c == classMark, c == classFormat:
			// dropped
		case c == classLetter:
			b.Write(foldRune(scratch[:0], r))
		case c == classIdeograph:
			b.Write(appendIdeograph(scratch[:0], r))
		case c == classCyrillic, c == classGeorgian:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isFolded reports whether Fold(s) is s itself: ASCII without capitals.
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// appendIdeograph appends the key of a one-character word (Han, Hiragana):
// its fold (が → か, a compatibility ideograph → the unified one) when that
// is one character, else the character itself (ゟ stays ゟ, not より, which
// would be two words).
func appendIdeograph(dst []byte, r rune) []byte {
	n := len(dst)
	dst = foldRune(dst, r)
	if f, size := utf8.DecodeRune(dst[n:]); n+size == len(dst) && classOf(f) == classIdeograph {
		return dst
	}
	return utf8.AppendRune(dst[:n], unicode.ToLower(r))
}
