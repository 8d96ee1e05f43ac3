package text

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// table is one Cyrillic transliteration table. The order is the order of the
// keys: the first table that fits a word gives its primary key.
type table uint8

const (
	tableSerbian         table = iota // Serbian, Montenegrin, Bosnian: the official Latin alphabet, diacritics folded
	tableMacedonian                   // Macedonian: the official Latin alphabet, diacritics folded, ǵ ḱ written gj kj
	tableMacedonianASCII              // Macedonian: the government's ASCII romanisation (zh, ch, sh, dzh)
	tableUkrainian                    // Ukrainian: the national romanisation of 2010
	tableRussian                      // Russian: BGN/PCGN with ë folded and ye only at the start and after ь ъ
	tableBulgarian                    // Bulgarian: the official Streamlined System (2009 law)
	numTables
)

// tableMask is a set of tables.
type tableMask uint8

const allTables tableMask = 1<<numTables - 1

const (
	fitSr  = tableMask(1 << tableSerbian)
	fitMk  = tableMask(1<<tableMacedonian | 1<<tableMacedonianASCII)
	fitUk  = tableMask(1 << tableUkrainian)
	fitRu  = tableMask(1 << tableRussian)
	fitBg  = tableMask(1 << tableBulgarian)
	fitAll = allTables
)

// cyrLetter is one Cyrillic letter: the alphabets it belongs to and its Latin
// form in each table. A table also spells letters outside its alphabet (in
// the way that language transcribes them), because a word whose letters fit
// no single alphabet is transliterated by every table.
type cyrLetter struct {
	letter  rune      // lower-case
	fits    tableMask // the tables whose alphabet has the letter
	latin   [numTables]string
	initial [numTables]string // the form at the start of a word, where it differs ("" = same as latin)
}

// cyrLetters is the transliteration table, one row per letter, columns
// sr, mk, mk-ascii, uk, ru, bg. docs/text-analysis.md prints it.
var cyrLetters = [...]cyrLetter{
	{letter: 'а', fits: fitAll, latin: [numTables]string{"a", "a", "a", "a", "a", "a"}},
	{letter: 'б', fits: fitAll, latin: [numTables]string{"b", "b", "b", "b", "b", "b"}},
	{letter: 'в', fits: fitAll, latin: [numTables]string{"v", "v", "v", "v", "v", "v"}},
	{letter: 'г', fits: fitAll, latin: [numTables]string{"g", "g", "g", "h", "g", "g"}}, // uk: зг → zgh (see contextRules)
	{letter: 'ґ', fits: fitUk, latin: [numTables]string{"g", "g", "g", "g", "g", "g"}},
	{letter: 'д', fits: fitAll, latin: [numTables]string{"d", "d", "d", "d", "d", "d"}},
	{letter: 'ђ', fits: fitSr, latin: [numTables]string{"dj", "gj", "gj", "dj", "dj", "dj"}},
	{letter: 'ѓ', fits: fitMk, latin: [numTables]string{"dj", "gj", "gj", "gj", "gj", "gj"}},
	{letter: 'е', fits: fitAll, latin: [numTables]string{"e", "e", "e", "e", "e", "e"},
		initial: [numTables]string{tableRussian: "ye"}}, // ru: also after ь ъ (see contextRules)
	{letter: 'ѐ', fits: fitMk | fitBg, latin: [numTables]string{"e", "e", "e", "e", "e", "e"}},
	{letter: 'ё', fits: fitRu, latin: [numTables]string{"jo", "jo", "jo", "io", "e", "yo"},
		initial: [numTables]string{tableUkrainian: "yo", tableRussian: "ye"}},
	{letter: 'є', fits: fitUk, latin: [numTables]string{"je", "je", "je", "ie", "ye", "ye"},
		initial: [numTables]string{tableUkrainian: "ye"}},
	{letter: 'ж', fits: fitAll, latin: [numTables]string{"z", "z", "zh", "zh", "zh", "zh"}},
	{letter: 'з', fits: fitAll, latin: [numTables]string{"z", "z", "z", "z", "z", "z"}},
	{letter: 'ѕ', fits: fitMk, latin: [numTables]string{"dz", "dz", "dz", "dz", "dz", "dz"}},
	{letter: 'и', fits: fitAll, latin: [numTables]string{"i", "i", "i", "y", "i", "i"}},
	{letter: 'ѝ', fits: fitMk | fitBg, latin: [numTables]string{"i", "i", "i", "y", "i", "i"}},
	{letter: 'і', fits: fitUk, latin: [numTables]string{"i", "i", "i", "i", "i", "i"}},
	{letter: 'ї', fits: fitUk, latin: [numTables]string{"ji", "ji", "ji", "i", "yi", "yi"},
		initial: [numTables]string{tableUkrainian: "yi"}},
	{letter: 'й', fits: fitUk | fitRu | fitBg, latin: [numTables]string{"j", "j", "j", "i", "y", "y"},
		initial: [numTables]string{tableUkrainian: "y"}},
	{letter: 'ј', fits: fitSr | fitMk, latin: [numTables]string{"j", "j", "j", "j", "j", "j"}},
	{letter: 'к', fits: fitAll, latin: [numTables]string{"k", "k", "k", "k", "k", "k"}},
	{letter: 'ќ', fits: fitMk, latin: [numTables]string{"c", "kj", "kj", "kj", "kj", "kj"}},
	{letter: 'л', fits: fitAll, latin: [numTables]string{"l", "l", "l", "l", "l", "l"}},
	{letter: 'љ', fits: fitSr | fitMk, latin: [numTables]string{"lj", "lj", "lj", "lj", "lj", "lj"}},
	{letter: 'м', fits: fitAll, latin: [numTables]string{"m", "m", "m", "m", "m", "m"}},
	{letter: 'н', fits: fitAll, latin: [numTables]string{"n", "n", "n", "n", "n", "n"}},
	{letter: 'њ', fits: fitSr | fitMk, latin: [numTables]string{"nj", "nj", "nj", "nj", "nj", "nj"}},
	{letter: 'о', fits: fitAll, latin: [numTables]string{"o", "o", "o", "o", "o", "o"}},
	{letter: 'п', fits: fitAll, latin: [numTables]string{"p", "p", "p", "p", "p", "p"}},
	{letter: 'р', fits: fitAll, latin: [numTables]string{"r", "r", "r", "r", "r", "r"}},
	{letter: 'с', fits: fitAll, latin: [numTables]string{"s", "s", "s", "s", "s", "s"}},
	{letter: 'т', fits: fitAll, latin: [numTables]string{"t", "t", "t", "t", "t", "t"}},
	{letter: 'ћ', fits: fitSr, latin: [numTables]string{"c", "kj", "kj", "ch", "ch", "ch"}},
	{letter: 'у', fits: fitAll, latin: [numTables]string{"u", "u", "u", "u", "u", "u"}},
	{letter: 'ў', fits: 0, latin: [numTables]string{"u", "u", "u", "u", "u", "u"}}, // Belarusian: no table of ours
	{letter: 'ф', fits: fitAll, latin: [numTables]string{"f", "f", "f", "f", "f", "f"}},
	{letter: 'х', fits: fitAll, latin: [numTables]string{"h", "h", "h", "kh", "kh", "h"}},
	{letter: 'ц', fits: fitAll, latin: [numTables]string{"c", "c", "c", "ts", "ts", "ts"}},
	{letter: 'ч', fits: fitAll, latin: [numTables]string{"c", "c", "ch", "ch", "ch", "ch"}},
	{letter: 'џ', fits: fitSr | fitMk, latin: [numTables]string{"dz", "dz", "dzh", "dzh", "dzh", "dzh"}},
	{letter: 'ш', fits: fitAll, latin: [numTables]string{"s", "s", "sh", "sh", "sh", "sh"}},
	{letter: 'щ', fits: fitUk | fitRu | fitBg, latin: [numTables]string{"sc", "st", "sht", "shch", "shch", "sht"}},
	{letter: 'ъ', fits: fitRu | fitBg, latin: [numTables]string{"", "", "", "", "", "a"}},
	{letter: 'ы', fits: fitRu, latin: [numTables]string{"i", "i", "i", "y", "y", "y"}},
	{letter: 'ь', fits: fitUk | fitRu | fitBg, latin: [numTables]string{"", "", "", "", "", "y"}},
	{letter: 'э', fits: fitRu, latin: [numTables]string{"e", "e", "e", "e", "e", "e"}},
	{letter: 'ю', fits: fitUk | fitRu | fitBg, latin: [numTables]string{"ju", "ju", "ju", "iu", "yu", "yu"},
		initial: [numTables]string{tableUkrainian: "yu"}},
	{letter: 'я', fits: fitUk | fitRu | fitBg, latin: [numTables]string{"ja", "ja", "ja", "ia", "ya", "ya"},
		initial: [numTables]string{tableUkrainian: "ya"}}, // bg: final ия → ia (see contextRules)
	// Letters of other Cyrillic alphabets and of old orthographies, which
	// appear in names: one spelling for every table, no alphabet of ours.
	{letter: 'ѣ', latin: [numTables]string{"e", "e", "e", "e", "e", "e"}},
	{letter: 'ѳ', latin: [numTables]string{"f", "f", "f", "f", "f", "f"}},
	{letter: 'ѵ', latin: [numTables]string{"i", "i", "i", "i", "i", "i"}},
	{letter: 'ѫ', latin: [numTables]string{"a", "a", "a", "a", "a", "a"}},
	{letter: 'ѧ', latin: [numTables]string{"ya", "ya", "ya", "ya", "ya", "ya"}},
	{letter: 'ғ', latin: [numTables]string{"g", "g", "g", "g", "g", "g"}},
	{letter: 'қ', latin: [numTables]string{"q", "q", "q", "q", "q", "q"}},
	{letter: 'ң', latin: [numTables]string{"ng", "ng", "ng", "ng", "ng", "ng"}},
	{letter: 'ү', latin: [numTables]string{"u", "u", "u", "u", "u", "u"}},
	{letter: 'ұ', latin: [numTables]string{"u", "u", "u", "u", "u", "u"}},
	{letter: 'һ', latin: [numTables]string{"h", "h", "h", "h", "h", "h"}},
	{letter: 'ҳ', latin: [numTables]string{"h", "h", "h", "h", "h", "h"}},
	{letter: 'ҷ', latin: [numTables]string{"j", "j", "j", "j", "j", "j"}},
	{letter: 'ә', latin: [numTables]string{"a", "a", "a", "a", "a", "a"}},
	{letter: 'ө', latin: [numTables]string{"o", "o", "o", "o", "o", "o"}},
}

// cyrIndex maps every rune of U+0400–U+052F to 1 + its row in cyrLetters
// (both cases, and letters with diacritics to the row of their base letter,
// e.g. ӣ to и), or to 0 for runes without a row. Built once, never written.
var cyrIndex = func() (t [cyrillicLast - cyrillicFirst + 1]uint8) {
	row := make(map[rune]uint8, len(cyrLetters))
	for i, l := range cyrLetters {
		row[l.letter] = uint8(i + 1)
	}
	for r := rune(cyrillicFirst); r <= cyrillicLast; r++ {
		lower := unicode.ToLower(r)
		if i, ok := row[lower]; ok {
			t[r-cyrillicFirst] = i
			continue
		}
		if base, _ := utf8.DecodeRuneInString(norm.NFD.String(string(lower))); base != lower {
			t[r-cyrillicFirst] = row[base]
		}
	}
	return t
}()
