package text

import (
	"unicode"
	"unicode/utf8"
)

// class is the part a rune plays in word segmentation.
type class uint8

const (
	classSep        class = iota // separates words: spaces, punctuation, symbols, emoji, invalid bytes
	classLetter                  // a letter or digit folded as Latin is (every script without a table of its own)
	classCyrillic                // a Cyrillic letter: transliterated
	classGeorgian                // a Georgian letter: transliterated
	classIdeograph               // a Han ideograph or a Hiragana letter: a word by itself, as in UAX #29
	classMark                    // a non-spacing or enclosing mark (a diacritic): continues a word, dropped from keys
	classFormat                  // an invisible format character (soft hyphen, ZWJ, ZWSP, bidi marks): continues a word, dropped
	classApostrophe              // ' ’ ʼ: part of a word only between two letters, dropped from keys
)

// startsWord reports whether a rune of class c can begin (and continue) a word.
func (c class) startsWord() bool {
	return c == classLetter || c == classCyrillic || c == classGeorgian
}

// asciiClass classifies the ASCII bytes; everything but letters, digits and
// the apostrophe separates words, including '_', '-', '.', '#' and '@'.
var asciiClass = func() (t [utf8.RuneSelf]class) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = classLetter
		case c == '\'':
			t[c] = classApostrophe
		}
	}
	return t
}()

// Code point ranges of the scripts with tables of their own.
const (
	cyrillicFirst = 0x0400 // Cyrillic and Cyrillic Supplement: U+0400–U+052F
	cyrillicLast  = 0x052F
)

func isCyrillicRange(r rune) bool { return cyrillicFirst <= r && r <= cyrillicLast }

// isGeorgianRange covers Asomtavruli and Mkhedruli (U+10A0–U+10FF),
// Mtavruli capitals (U+1C90–U+1CBF) and Nuskhuri (U+2D00–U+2D2F).
func isGeorgianRange(r rune) bool {
	return (0x10A0 <= r && r <= 0x10FF) || (0x1C90 <= r && r <= 0x1CBF) || (0x2D00 <= r && r <= 0x2D2F)
}

// classTableSize bounds the precomputed classes: every alphabet below
// U+3000 (Latin, Greek, Cyrillic, Georgian, Arabic, Indic …) and the general
// punctuation block, so that the common runes skip the Unicode range tables.
const classTableSize = 0x3000

// classTable holds classSlow(r) for every r below classTableSize. Built once, never written.
var classTable = func() (t [classTableSize]class) {
	for r := range rune(classTableSize) {
		t[r] = classSlow(r)
	}
	return t
}()

// classOf returns the class of r. utf8.RuneError (an invalid byte or a real
// U+FFFD) is a symbol and therefore a separator.
func classOf(r rune) class {
	if 0 <= r && r < classTableSize {
		return classTable[r]
	}
	return classSlow(r)
}

// classSlow computes the class of r from the Unicode tables.
func classSlow(r rune) class {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch {
	case r == '\u2019' || r == '\u02BC': // right single quotation mark, modifier letter apostrophe
		return classApostrophe
	case isCyrillicRange(r):
		if unicode.IsLetter(r) {
			return classCyrillic
		}
	case isGeorgianRange(r):
		if unicode.IsLetter(r) {
			return classGeorgian
		}
		return classSep // ჻ is punctuation
	}
	// Spacing marks (Mc) count as letters: in Indic scripts they are vowels.
	if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Nl, unicode.Mc) {
		if unicode.Is(unicode.Ideographic, r) || unicode.Is(unicode.Hiragana, r) {
			return classIdeograph
		}
		return classLetter
	}
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return classMark
	}
	if unicode.Is(unicode.Cf, r) {
		return classFormat
	}
	return classSep
}
