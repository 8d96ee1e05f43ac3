package text

import (
	"bytes"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// keySpan locates one key: bytes [start, end) of the analysed text when
// inText (a word that is already its own key), otherwise of analyzer.buf.
type keySpan struct {
	start, end int
	inText     bool
}

// analyzer is the scratch state of one call. Keys are written into buf and
// recorded as spans; appendTokens turns buf into one string at the end, so a
// text costs one allocation for all its keys (none when every word is
// already lower-case ASCII). The caller keeps the backing arrays on its
// stack; the methods take and return the analyzer by value because a store
// through a pointer would make the compiler move those arrays to the heap.
type analyzer struct {
	s       string
	buf     []byte
	keys    []keySpan
	toks    []int    // for each token, the index in keys of its first key
	letters []letter // the letters of the word being transliterated
}

// run analyses a.s, or only its first word.
func (a analyzer) run(firstOnly bool) analyzer {
	for i := 0; i < len(a.s); {
		w, ok := nextWord(a.s, i)
		if !ok {
			break
		}
		a = a.addWord(&w)
		if firstOnly {
			break
		}
		i = w.end
	}
	return a
}

// addWord records one token and its keys.
func (a analyzer) addWord(w *word) analyzer {
	a.toks = append(a.toks, len(a.keys))
	text := a.s[w.start:w.end]
	switch {
	case w.plain():
		a.keys = append(a.keys, keySpan{start: w.start, end: w.end, inText: true})
		return a
	case !w.nonASCII && w.apostrophes == 0: // ASCII with capitals
		start := len(a.buf)
		for i := 0; i < len(text); i++ {
			c := text[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			a.buf = append(a.buf, c)
		}
		a.keys = append(a.keys, keySpan{start: start, end: len(a.buf)})
		return a
	case w.cyrillic:
		a = a.addCyrillicKeys(w, text)
	default:
		start := len(a.buf)
		a.buf = appendFolded(a.buf, text)
		a = a.commit(start)
		if w.apostrophes > 0 && !w.georgian {
			a = a.addApostropheKeys(text)
		}
	}
	if len(a.keys) == a.toks[len(a.toks)-1] {
		a = a.addFallbackKey(text)
	}
	return a
}

// appendFolded appends the key of a word without Cyrillic letters.
func appendFolded(dst []byte, text string) []byte {
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		i += size
		switch classOf(r) {
		case classLetter:
			dst = foldRune(dst, r)
		case classIdeograph:
			dst = appendIdeograph(dst, r)
		case classGeorgian:
			dst = appendGeorgian(dst, r)
		}
	}
	return dst
}

// addCyrillicKeys adds one key per table that fits the word, then, for a word
// mixing Latin and Cyrillic letters, its homoglyph readings.
func (a analyzer) addCyrillicKeys(w *word, text string) analyzer {
	a = a.collectLetters(text, w.marks)
	a = a.addTranslitKeys(a.letters)
	if !w.asciiLetter {
		return a
	}
	if latin, ok := asLatin(a.letters[:0], text); ok {
		a.letters = latin
		start := len(a.buf)
		for _, l := range latin {
			if r := l.r; isGeorgianRange(r) {
				a.buf = appendGeorgian(a.buf, r)
			} else {
				a.buf = foldRune(a.buf, r)
			}
		}
		a = a.commit(start)
	}
	if cyr, ok := asCyrillic(a.letters[:0], text); ok {
		a.letters = cyr
		a = a.addTranslitKeys(cyr)
	}
	return a
}

// addTranslitKeys adds the key of letters under every table that fits them
// and gives a key of its own (see planTables).
func (a analyzer) addTranslitKeys(letters []letter) analyzer {
	emit := planTables(letters)
	for t := range numTables {
		if emit&(1<<t) == 0 {
			continue
		}
		start := len(a.buf)
		a.buf = appendTranslit(a.buf, letters, t)
		a = a.commit(start)
	}
	return a
}

// collectLetters puts the letters and digits of text in a.letters, composed first
// when the word has combining marks, so that a decomposed й (и + breve) is
// still й.
func (a analyzer) collectLetters(text string, marks bool) analyzer {
	a.letters = a.letters[:0]
	if marks {
		// A copy, because handing text itself to norm would make the
		// compiler move the caller's stack arrays to the heap.
		b := norm.NFC.Append(nil, []byte(text)...)
		for len(b) > 0 {
			r, size := utf8.DecodeRune(b)
			b = b[size:]
			if classOf(r).startsWord() {
				a.letters = append(a.letters, newLetter(r))
			}
		}
		return a
	}
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		i += size
		if classOf(r).startsWord() {
			a.letters = append(a.letters, newLetter(r))
		}
	}
	return a
}

// addApostropheKeys adds the elision and stem keys described in apostrophe.go.
func (a analyzer) addApostropheKeys(text string) analyzer {
	head, rest, stem, ending := apostropheParts(text)
	start := len(a.buf)
	a.buf = appendFolded(a.buf, head)
	elided := elisions[string(a.buf[start:])]
	a.buf = a.buf[:start]
	if elided {
		a.buf = appendFolded(a.buf, rest)
		a = a.commit(start)
	}
	if letterCount(ending) <= maxEndingRunes && letterCount(stem) >= minStemRunes {
		start = len(a.buf)
		a.buf = appendFolded(a.buf, stem)
		a = a.commit(start)
	}
	return a
}

// addFallbackKey gives a word whose letters all fold to nothing (a lone
// Georgian elifi, a compatibility letter made of a space and a mark) its
// letters, lower-cased, as key, so that no token is without one.
func (a analyzer) addFallbackKey(text string) analyzer {
	start := len(a.buf)
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		i += size
		if c := classOf(r); c.startsWord() || c == classIdeograph {
			a.buf = utf8.AppendRune(a.buf, unicode.ToLower(r))
		}
	}
	return a.commit(start)
}

// commit records a.buf[start:] as a key of the current token, unless it is
// empty or the token already has it, in which case it is discarded.
func (a analyzer) commit(start int) analyzer {
	k := a.buf[start:]
	if len(k) == 0 {
		return a
	}
	for _, prev := range a.keys[a.toks[len(a.toks)-1]:] {
		if prev.inText && string(k) == a.s[prev.start:prev.end] ||
			!prev.inText && bytes.Equal(k, a.buf[prev.start:prev.end]) {
			a.buf = a.buf[:start]
			return a
		}
	}
	a.keys = append(a.keys, keySpan{start: start, end: len(a.buf)})
	return a
}

// minKeysCap is the room for keys given to a token slot that will be reused
// (most words need one key, Cyrillic words up to four), so that a reused
// buffer stops allocating after a few texts.
const minKeysCap = 4

// appendTokens appends the tokens found in s (which is a.s, passed apart so
// that the keys cut from it do not make the compiler move a's arrays to the
// heap) to dst, reusing the Keys arrays of the slots in dst's spare capacity;
// all new Keys arrays come from one allocation.
func (a *analyzer) appendTokens(dst []Token, s string) []Token {
	n := len(a.toks)
	if n == 0 {
		return dst
	}
	minCap := minKeysCap
	if cap(dst) == 0 { // a one-off call: nothing will be reused, size exactly
		minCap = 1
	}
	base := len(dst)
	dst = slices.Grow(dst, n)[:base+n]
	fresh := 0
	for i := range n {
		if need := a.keyCount(i); cap(dst[base+i].Keys) < need {
			fresh += max(need, minCap)
		}
	}
	var chunk []string
	if fresh > 0 {
		chunk = make([]string, fresh)
	}
	str := string(a.buf)
	for i := range n {
		tok := &dst[base+i]
		first, need := a.toks[i], a.keyCount(i)
		keys := tok.Keys
		if cap(keys) < need {
			c := max(need, minCap)
			keys, chunk = chunk[:0:c], chunk[c:]
		}
		keys = keys[:need]
		for j, span := range a.keys[first : first+need] {
			if span.inText {
				keys[j] = s[span.start:span.end]
			} else {
				keys[j] = str[span.start:span.end]
			}
		}
		tok.Pos, tok.Keys = i, keys
	}
	return dst
}

// keyCount is the number of keys of token i.
func (a *analyzer) keyCount(i int) int {
	if i+1 < len(a.toks) {
		return a.toks[i+1] - a.toks[i]
	}
	return len(a.keys) - a.toks[i]
}
