package text

import (
	"strings"
	"unicode/utf8"
)

// An apostrophe inside a word does not split it: the primary key is the
// word without apostrophes (don't → dont, м'ясо → miaso). A Latin-script
// word with an apostrophe also gets the keys a reader would search for:
//   - after an elided article or preposition (French, Italian), the rest:
//     l'Ukraine → ukraine, d'Artagnan → artagnan, dell'Europa → europa;
//   - before a short ending (English 's and 're, Turkish case endings after
//     proper names), the stem: Russia's → russia, Rusya'nın → rusya,
//     NATO'ya → nato. The stem needs two letters, the ending at most five.
// Cyrillic words get no such keys: there the apostrophe is a letter of the
// word (Ukrainian м'ясо, Belarusian).

// elisions are the folded words that elide before an apostrophe.
var elisions = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true, "presqu": true,
	"dell": true, "dall": true, "nell": true, "sull": true, "all": true, "coll": true,
	"quest": true, "quell": true, "un": true, "sant": true,
}

const (
	maxEndingRunes = 5
	minStemRunes   = 2
)

// isApostrophe reports whether r is one of the apostrophes words keep inside.
func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' || r == '\u02BC' }

// apostropheParts returns the text before the first apostrophe, after it,
// before the last apostrophe and after it.
func apostropheParts(text string) (head, rest, stem, ending string) {
	first := strings.IndexFunc(text, isApostrophe)
	last := strings.LastIndexFunc(text, isApostrophe)
	if first < 0 {
		return text, "", text, ""
	}
	_, firstSize := utf8.DecodeRuneInString(text[first:])
	_, lastSize := utf8.DecodeRuneInString(text[last:])
	return text[:first], text[first+firstSize:], text[:last], text[last+lastSize:]
}

// letterCount counts the runes of text that start words (letters and digits).
func letterCount(text string) int {
	n := 0
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		i += size
		if classOf(r).startsWord() {
			n++
		}
	}
	return n
}
