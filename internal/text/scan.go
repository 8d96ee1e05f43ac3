package text

import "unicode/utf8"

// word is one word found in a text, with what key building needs to know
// about it (gathered in the same pass, so that plain words take the fast path).
type word struct {
	start, end  int  // byte offsets in the text
	nonASCII    bool // has a byte ≥ 0x80
	upper       bool // has an ASCII capital
	apostrophes int  // apostrophes inside the word
	marks       bool // has combining marks or format characters
	asciiLetter bool // has an ASCII letter (for homoglyph keys)
	cyrillic    bool // has a Cyrillic letter
	georgian    bool // has a Georgian letter
}

// plain reports whether the word is its own key: ASCII lower-case letters and digits only.
func (w *word) plain() bool {
	return !w.nonASCII && !w.upper && w.apostrophes == 0
}

// decode returns the rune at s[i] and its size; an invalid byte is
// utf8.RuneError of size 1, which classOf treats as a separator.
func decode(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	// Two-byte sequences (Latin with diacritics, Greek, Cyrillic) inline.
	if 0xC2 <= c && c <= 0xDF && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
		return rune(c&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	}
	return utf8.DecodeRuneInString(s[i:])
}

// nextWord finds the first word that begins at or after byte i of s. ok is
// false when there is none. The word ends where a separator begins, or at an
// apostrophe that is not followed by a letter. Every step moves forward, so
// the scan is linear in len(s).
func nextWord(s string, i int) (w word, ok bool) {
	for i < len(s) {
		r, size := decode(s, i)
		c := classOf(r)
		if c == classIdeograph {
			return word{start: i, end: i + size, nonASCII: true}, true
		}
		if c.startsWord() {
			break
		}
		i += size
	}
	if i >= len(s) {
		return word{}, false
	}
	w = word{start: i}
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf && c != '\'' { // ASCII letters, digits and separators inline
			switch {
			case 'a' <= c && c <= 'z':
				w.asciiLetter = true
			case 'A' <= c && c <= 'Z':
				w.asciiLetter, w.upper = true, true
			case '0' <= c && c <= '9':
			default:
				return w, true
			}
			i++
			w.end = i
			continue
		}
		r, size := decode(s, i)
		switch classOf(r) {
		case classLetter:
			w.nonASCII = true
		case classCyrillic:
			w.nonASCII = true
			w.cyrillic = true
		case classGeorgian:
			w.nonASCII = true
			w.georgian = true
		case classMark, classFormat:
			w.nonASCII = true
			w.marks = true
		case classApostrophe:
			if i+size >= len(s) {
				return w, true
			}
			next, _ := decode(s, i+size)
			if !classOf(next).startsWord() {
				return w, true
			}
			w.apostrophes++
			if r >= utf8.RuneSelf {
				w.nonASCII = true
			}
		default: // a separator or an ideograph ends the word
			return w, true
		}
		i += size
		w.end = i
	}
	return w, true
}
