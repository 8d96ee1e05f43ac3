package text

// A word that mixes Latin and Cyrillic letters is either a name in two
// scripts or a homoglyph trick (Latin K in "Kиев", Cyrillic о and с in
// "Mоsсоw") that defeats naive filters. Its first keys transliterate the
// Cyrillic letters and keep the Latin ones; then come, when every foreign
// letter has a look-alike, the word read wholly as Latin and the word read
// wholly as Cyrillic (then transliterated). The look-alikes depend on case:
// Cyrillic В looks like B, в does not.

// latinLookalike maps a Cyrillic letter to the Latin letter it looks like.
var latinLookalike = map[rune]byte{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x',
	'і': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w',
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o',
	'Р': 'p', 'С': 'c', 'Т': 't', 'Х': 'x', 'У': 'y', 'І': 'i', 'Ј': 'j',
	'Ѕ': 's', 'Ԛ': 'q', 'Ԝ': 'w', 'Ү': 'y',
}

// cyrillicLookalike maps an ASCII letter to the Cyrillic letter it looks like.
var cyrillicLookalike = map[byte]rune{
	'a': 'а', 'c': 'с', 'e': 'е', 'o': 'о', 'p': 'р', 'x': 'х', 'y': 'у',
	'i': 'і', 'j': 'ј', 's': 'ѕ', 'k': 'к',
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М',
	'O': 'О', 'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У', 'I': 'І', 'J': 'Ј', 'S': 'Ѕ',
}

// asLatin appends to dst the letters of text read as Latin; ok is false when
// a Cyrillic letter has no Latin look-alike.
func asLatin(dst []letter, text string) (_ []letter, ok bool) {
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		i += size
		switch classOf(r) {
		case classCyrillic:
			l, found := latinLookalike[r]
			if !found {
				return dst, false
			}
			dst = append(dst, letter{r: rune(l)})
		case classLetter, classGeorgian:
			dst = append(dst, letter{r: r})
		}
	}
	return dst, true
}

// asCyrillic appends to dst the letters of text read as Cyrillic; ok is false
// when an ASCII letter has no Cyrillic look-alike.
func asCyrillic(dst []letter, text string) (_ []letter, ok bool) {
	for i := 0; i < len(text); {
		r, size := decode(text, i)
		i += size
		c := classOf(r)
		switch {
		case c == classLetter && r < 0x80 && !('0' <= r && r <= '9'):
			l, found := cyrillicLookalike[byte(r)]
			if !found {
				return dst, false
			}
			dst = append(dst, newLetter(l))
		case c.startsWord():
			dst = append(dst, newLetter(r))
		}
	}
	return dst, true
}
