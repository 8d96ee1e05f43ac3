package text

import (
	"unicode"
	"unicode/utf8"
)

// letter is one letter of a word being transliterated, with its row in
// cyrLetters looked up once (rowIndex: 1 + the row, 0 for none) and the
// form its position calls for.
type letter struct {
	r        rune
	rowIndex uint8
	form     uint8 // formInside, formStart or formContext
}

// The forms of a letter by position.
const (
	formInside  = iota // the table's form
	formStart          // the first letter of a word: the word-initial form where a table has one
	formContext        // a context rule applies (see contextRules)
)

// newLetter looks up the row of r.
func newLetter(r rune) letter {
	if isCyrillicRange(r) {
		return letter{r: r, rowIndex: cyrIndex[r-cyrillicFirst]}
	}
	return letter{r: r}
}

// row returns the row of the letter, or nil.
func (l letter) row() *cyrLetter {
	if l.rowIndex == 0 {
		return nil
	}
	return &cyrLetters[l.rowIndex-1]
}

// contextRules are the rules that look at the neighbours of a letter; each
// changes the letter's form in one table only:
//   - ru е ё after ь or ъ → ye (Васильев → vasilyev);
//   - uk зг → zgh (so that it is not read as ж);
//   - bg final ия → ia (България → balgaria, София → sofia).
//
// Word-initial forms (uk є ї й ю я → ye yi y yu ya; ru е ё → ye) are in the
// rows themselves.
var contextRules = map[rune]struct {
	table table
	form  string
}{
	'е': {tableRussian, "ye"}, 'ё': {tableRussian, "ye"},
	'г': {tableUkrainian, "gh"},
	'я': {tableBulgarian, "a"},
}

// inContext reports whether the context rule of letter k holds.
func inContext(letters []letter, k int) bool {
	if k == 0 || letters[k-1].rowIndex == 0 {
		return false
	}
	prev := letters[k-1].row().letter
	switch letters[k].row().letter {
	case 'е', 'ё':
		return prev == 'ь' || prev == 'ъ'
	case 'г':
		return prev == 'з'
	case 'я':
		return prev == 'и' && k == len(letters)-1
	}
	return false
}

// cyrForms holds, for each row of cyrLetters, its forms in every table
// inside a word [formInside], at its start [formStart] and where its context
// rule holds [formContext]. Built once, never written.
var cyrForms = func() (f [len(cyrLetters)][3][numTables]string) {
	for i, l := range cyrLetters {
		f[i][formInside], f[i][formStart], f[i][formContext] = l.latin, l.latin, l.latin
		for t, form := range l.initial {
			if form != "" {
				f[i][formStart][t] = form
			}
		}
		if rule, ok := contextRules[l.letter]; ok {
			f[i][formContext][rule.table] = rule.form
		}
	}
	return f
}()

// appendTranslit appends the key of a word's letters (without marks,
// format characters or apostrophes; marked by planTables) under table t.
// Letters of other scripts are folded as everywhere else.
func appendTranslit(dst []byte, letters []letter, t table) []byte {
	for _, lt := range letters {
		switch r := lt.r; {
		case lt.rowIndex != 0:
			if f := cyrForms[lt.rowIndex-1][lt.form][t]; len(f) == 1 {
				dst = append(dst, f[0]) // most forms are one letter: no copy call
			} else {
				dst = append(dst, f...)
			}
		case r < utf8.RuneSelf:
			dst = foldRune(dst, r)
		case isCyrillicRange(r):
			dst = utf8.AppendRune(dst, unicode.ToLower(r)) // a rare letter without a row
		case isGeorgianRange(r):
			dst = appendGeorgian(dst, r)
		default:
			dst = foldRune(dst, r)
		}
	}
	return dst
}
