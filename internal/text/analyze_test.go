package text

import (
	"slices"
	"strings"
	"testing"
)

// TestAnalyzeLanguages checks the words of each language against the
// spelling its readers search for. want[i] must be among the keys of token
// i; the number of tokens must be len(want). Every Latin spelling comes from
// the language's official Latin alphabet or romanisation (the sources are in
// docs/text-analysis.md), not from running the analyser.
func TestAnalyzeLanguages(t *testing.T) {
	cases := []struct {
		lang, text string
		want       []string
	}{
		// The region.
		{"sq", "Shqipëria dhe Kosova çelin rrugën", []string{"shqiperia", "dhe", "kosova", "celin", "rrugen"}},
		{"bs", "Sarajevo, Bošnjaci i Hercegovina", []string{"sarajevo", "bosnjaci", "i", "hercegovina"}},
		{"bs-Cyrl", "Сарајево, Бошњаци и Херцеговина", []string{"sarajevo", "bosnjaci", "i", "hercegovina"}},
		{"hr", "Đakovo, Čakovec, Šibenik i Žminj", []string{"djakovo", "cakovec", "sibenik", "i", "zminj"}},
		{"sr", "Председник Вучић је данас разговарао.", []string{"predsednik", "vucic", "je", "danas", "razgovarao"}},
		{"sr-Latn", "Predsednik Vučić je danas razgovarao.", []string{"predsednik", "vucic", "je", "danas", "razgovarao"}},
		{"sr", "Новак Ђоковић је победио у Београду", []string{"novak", "djokovic", "je", "pobedio", "u", "beogradu"}},
		{"sr", "Љубљана, Њујорк, џеп, Ћуприја, Шабац, Жабаљ, Ужице", []string{"ljubljana", "njujork", "dzep", "cuprija", "sabac", "zabalj", "uzice"}},
		{"cnr", "Подгорица и Цетиње, сјутра", []string{"podgorica", "i", "cetinje", "sjutra"}},
		{"cnr", "С́ало и З́ело", []string{"salo", "i", "zelo"}}, // С́ З́ fold like ś ź
		{"mk", "Скопје денес беше домаќин.", []string{"skopje", "denes", "bese", "domakjin"}},
		{"mk", "Скопје денес беше домаќин.", []string{"skopje", "denes", "beshe", "domakjin"}},
		{"mk", "Ѓорче Петров, Ќичево, Ѕвезда, џамија", []string{"gjorce", "petrov", "kjicevo", "dzvezda", "dzamija"}},
		{"mk", "Ѓорче Петров, Ќичево, Штип, џамија", []string{"gjorche", "petrov", "kjichevo", "shtip", "dzhamija"}},
		{"ro", "București, Timișoara, Iași și Brașov; Ţara Făgăraşului", []string{"bucuresti", "timisoara", "iasi", "si", "brasov", "tara", "fagarasului"}},
		{"uk", "Київ відповів на заяву.", []string{"kyiv", "vidpoviv", "na", "zaiavu"}},
		{"uk", "Харків, Запоріжжя, Одеса, Житомир", []string{"kharkiv", "zaporizhzhia", "odesa", "zhytomyr"}},
		{"ru", "Москва заявила протест Киеву", []string{"moskva", "zayavila", "protest", "kievu"}},
		{"ru", "Екатеринбург, Хабаровск, Щёлково, Ельцин", []string{"yekaterinburg", "khabarovsk", "shchelkovo", "yeltsin"}},
		{"bg", "София, България, Търговище, Кърджали", []string{"sofia", "balgaria", "targovishte", "kardzhali"}},
		{"bg", "Шумен, Хасково, Перущица, Смолян", []string{"shumen", "haskovo", "perushtitsa", "smolyan"}},
		{"ka", "თბილისი დღეს მასპინძლობს.", []string{"tbilisi", "dghes", "maspindzlobs"}},
		{"ka", "საქართველო, ქუთაისი, ბათუმი, მცხეთა", []string{"sakartvelo", "kutaisi", "batumi", "mtskheta"}},
		{"sl", "Ljubljana, Žalec, Šoštanj in Črnomelj", []string{"ljubljana", "zalec", "sostanj", "in", "crnomelj"}},
		// The other languages of the platform.
		{"en", "The Embassy opened today.", []string{"the", "embassy", "opened", "today"}},
		{"de", "Die Straße über Köln nach Düsseldorf", []string{"die", "strasse", "uber", "koln", "nach", "dusseldorf"}},
		{"fr", "L'ambassade de France à Bruxelles, François", []string{"ambassade", "de", "france", "a", "bruxelles", "francois"}},
		{"tr", "İstanbul'da Işık Erdoğan ve Türkiye", []string{"istanbul", "isik", "erdogan", "ve", "turkiye"}},
		{"el", "Η Αθήνα και η ΘΕΣΣΑΛΟΝΊΚΗ, Σωκράτης", []string{"η", "αθηνα", "και", "η", "θεσσαλονικη", "σωκρατησ"}},
		// Diacritics folded as DESIGN §5 lists them.
		{"folds", "č ć ž š ë ç ș ş ț ţ ă â î ü ö ğ ı ß æ ø å ł đ Đ", []string{"c", "c", "z", "s", "e", "c", "s", "s", "t", "t", "a", "a", "i", "u", "o", "g", "i", "ss", "ae", "o", "a", "l", "dj", "dj"}},
	}
	for _, tc := range cases {
		t.Run(tc.lang+"/"+tc.text, func(t *testing.T) {
			toks := checkTokens(t, tc.text)
			if len(toks) != len(tc.want) {
				t.Fatalf("%d tokens %q, want %d", len(toks), keysOf(tc.text), len(tc.want))
			}
			for i, w := range tc.want {
				if !slices.Contains(toks[i].Keys, w) {
					t.Errorf("token %d: keys %q lack %q", i, toks[i].Keys, w)
				}
			}
		})
	}
}

// TestLatinWordsHaveOneKey: folding alone gives one key; only transliteration
// (and the apostrophe rules) gives several.
func TestLatinWordsHaveOneKey(t *testing.T) {
	for _, text := range []string{
		"The Embassy opened today", "Shqipëria", "Đoković", "Straße", "İstanbul", "Αθήνα", "Łódź", "2026", "G7",
	} {
		for _, tok := range checkTokens(t, text) {
			if len(tok.Keys) != 1 {
				t.Errorf("%q: keys %q, want one", text, tok.Keys)
			}
		}
	}
}

// TestCyrillicKeySets checks the complete key sets of words whose
// alphabet is ambiguous or not: a word with a letter of one alphabet gets
// that table only; a word of common letters gets every table's spelling,
// deduplicated.
func TestCyrillicKeySets(t *testing.T) {
	cases := []struct {
		word string
		want []string // exactly these keys, primary first
	}{
		{"Вучић", []string{"vucic"}},                      // ћ: Serbian only
		{"Ђоковић", []string{"djokovic"}},                 // ђ: Serbian only
		{"Київ", []string{"kyiv"}},                        // ї: Ukrainian only
		{"Харків", []string{"kharkiv"}},                   // і: Ukrainian only
		{"Запоріжжя", []string{"zaporizhzhia"}},           // і: Ukrainian only
		{"Скопје", []string{"skopje"}},                    // ј: Serbian and Macedonian agree
		{"Москва", []string{"moskva"}},                    // every table agrees
		{"Одеса", []string{"odesa"}},                      // every table agrees
		{"Киев", []string{"kiev", "kyev"}},                // и is i, but y in Ukrainian
		{"Горбачёв", []string{"gorbachev"}},               // ё: Russian only
		{"Шабац", []string{"sabac", "shabac", "shabats"}}, // ш ц: sr/mk folded, mk ASCII, uk/ru/bg
		{"Хасково", []string{"haskovo", "khaskovo"}},      // х: h (sr, mk, bg) or kh (uk, ru)
		{"Щит", []string{"shchyt", "shchit", "shtit"}},    // щ: uk, ru, bg
	}
	for _, tc := range cases {
		toks := checkTokens(t, tc.word)
		if len(toks) != 1 || !slices.Equal(toks[0].Keys, tc.want) {
			t.Errorf("%s: keys %q, want %q", tc.word, keysOf(tc.word), tc.want)
		}
	}
	// София: Sofiya (Russian) and Sofia (Bulgarian law) are both keys.
	keys := TermKeys("София")
	for _, w := range []string{"sofiya", "sofia"} {
		if !slices.Contains(keys, w) {
			t.Errorf("София: keys %q lack %q", keys, w)
		}
	}
}

// TestQueryMatchesAcrossScripts: a Latin query term matches the Cyrillic or
// Georgian word and the other way round (the cases of DESIGN §5 and of
// the query-language examples).
func TestQueryMatchesAcrossScripts(t *testing.T) {
	pairs := [][2]string{
		{"Vucic", "Вучић"}, {"Vučić", "Вучић"}, {"Djokovic", "Ђоковић"}, {"Đoković", "Ђоковић"},
		{"Skopje", "Скопје"}, {"Kyiv", "Київ"}, {"Kharkiv", "Харків"}, {"Zaporizhzhia", "Запоріжжя"},
		{"Odesa", "Одеса"}, {"Moskva", "Москва"}, {"Kiev", "Киев"}, {"Sofia", "София"}, {"Sofiya", "София"},
		{"Tbilisi", "თბილისი"}, {"Sakartvelo", "საქართველო"}, {"Republika", "Република"}, {"Srpska", "Српска"},
		{"Hristo", "Христо"}, {"Khristo", "Христо"}, {"Beograd", "Београд"}, {"Podgorica", "Подгорица"},
	}
	for _, p := range pairs {
		if q, w := TermKeys(p[0]), TermKeys(p[1]); !intersects(q, w) {
			t.Errorf("%s %q does not meet %s %q", p[0], q, p[1], w)
		}
	}
	// No substring matching, no stemming.
	for _, p := range [][2]string{{"EU", "Europe"}, {"embassy", "embassies"}, {"Kyiv", "Kyivan"}} {
		if intersects(TermKeys(p[0]), TermKeys(p[1])) {
			t.Errorf("%s meets %s", p[0], p[1])
		}
	}
}

// TestSegmentation covers what separates words and what does not.
func TestSegmentation(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string // the primary key of each token
	}{
		{"empty", "", nil},
		{"whitespace", " \t\n\r\u00A0\u2003 ", nil},
		{"punctuation only", "!?.,;:—–-()[]{}«»„“”", nil},
		{"apostrophe ASCII", "don't", []string{"dont"}},
		{"apostrophe right quote", "don’t", []string{"dont"}},
		{"apostrophe modifier letter", "donʼt", []string{"dont"}},
		{"apostrophe Ukrainian", "м'ясо м’ясо мʼясо", []string{"miaso", "miaso", "miaso"}},
		{"apostrophe Cyrillic name", "д'Артаньян", []string{"dartanian"}},
		{"apostrophe not inside", "'quoted' students' rock'", []string{"quoted", "students", "rock"}},
		{"double apostrophe", "a''b", []string{"a", "b"}},
		{"hyphen splits", "e-mail Bosnia-Herzegovina", []string{"e", "mail", "bosnia", "herzegovina"}},
		{"dot splits", "U.S.A. 3.14 mfa.gov.ua", []string{"u", "s", "a", "3", "14", "mfa", "gov", "ua"}},
		{"numbers", "2026, 1,000 and 42nd", []string{"2026", "1", "000", "and", "42nd"}},
		{"hashtag", "#Kyiv #СлаваУкраїні", []string{"kyiv", "slavaukraini"}},
		{"mention", "@mfa_ua said", []string{"mfa", "ua", "said"}},
		{"URL", "https://mfa.gov.ua/en/news?id=7#top", []string{"https", "mfa", "gov", "ua", "en", "news", "id", "7", "top"}},
		{"emoji", "grain🌾corridor 👍🏽ok 👨‍👩‍👧 🇺🇦UA", []string{"grain", "corridor", "ok", "ua"}},
		{"symbols", "€100 50% a+b a/b a&b a_b", []string{"100", "50", "a", "b", "a", "b", "a", "b", "a", "b"}},
		{"invalid UTF-8", "ab\xffcd\xc3 e\xe2\x82", []string{"ab", "cd", "e"}},
		{"decomposed Latin", "Vuc\u030Cic\u0301", []string{"vucic"}},
		{"leading mark", "\u0301abc", []string{"abc"}},
		{"soft hyphen inside", "Ukra\u00ADine", []string{"ukraine"}},
		{"zero-width space inside", "Ukr\u200Baine", []string{"ukraine"}},
		{"Han", "中文 abc", []string{"中", "文", "abc"}},
		{"Hiragana folds voicing", "が", []string{"か"}},
		{"fullwidth", "ＮＡＴＯ", []string{"nato"}},
		{"ligature", "ﬁnance", []string{"finance"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, tok := range checkTokens(t, tc.text) {
				got = append(got, tok.Keys[0])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%q: primary keys %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// TestDecomposedCyrillic: a letter typed as base + combining mark (и + ˘)
// is the precomposed letter (й), which decides the alphabet.
func TestDecomposedCyrillic(t *testing.T) {
	for _, p := range [][2]string{{"Сергии\u0306", "Сергий"}, {"Горбаче\u0308в", "Горбачёв"}, {"Ки\u0456\u0308в", "Київ"}} {
		if got, want := keysOf(p[0]), keysOf(p[1]); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%q: keys %q, want those of %s: %q", p[0], got, p[1], want)
		}
	}
}

// TestApostropheKeys: the extra keys of elisions and endings.
func TestApostropheKeys(t *testing.T) {
	cases := []struct {
		word    string
		want    []string // must be keys
		notWant []string // must not be
	}{
		{"l'Ukraine", []string{"lukraine", "ukraine"}, nil},
		{"d'Artagnan", []string{"dartagnan", "artagnan"}, nil},
		{"dell'Europa", []string{"delleuropa", "europa"}, nil},
		{"qu'il", []string{"quil", "il"}, nil},
		{"Russia's", []string{"russias", "russia"}, nil},
		{"Rusya'nın", []string{"rusyanin", "rusya"}, nil},
		{"NATO'ya", []string{"natoya", "nato"}, nil},
		{"O'Brien", []string{"obrien"}, []string{"o", "brien"}},
		{"м'ясо", []string{"miaso"}, []string{"m", "iaso", "yaso"}},
	}
	for _, tc := range cases {
		keys := TermKeys(tc.word)
		for _, w := range tc.want {
			if !slices.Contains(keys, w) {
				t.Errorf("%s: keys %q lack %q", tc.word, keys, w)
			}
		}
		for _, w := range tc.notWant {
			if slices.Contains(keys, w) {
				t.Errorf("%s: keys %q hold %q", tc.word, keys, w)
			}
		}
	}
}

// TestHomoglyphs: mixed-script words get the transliteration of their
// Cyrillic letters and, where every letter has a look-alike, the reading in
// one script.
func TestHomoglyphs(t *testing.T) {
	cases := []struct{ word, want string }{
		{"Kиев", "kiev"},       // Latin K
		{"Киeв", "kiev"},       // Latin e
		{"Mоsсоw", "moscow"},   // Cyrillic о and с read as Latin
		{"Xарків", "kharkiv"},  // Latin X read as Cyrillic Х
		{"Ukrаine", "ukraine"}, // Cyrillic а
		{"NАТО", "nato"},       // Cyrillic А Т О
	}
	for _, tc := range cases {
		if keys := TermKeys(tc.word); !slices.Contains(keys, tc.want) {
			t.Errorf("%s: keys %q lack %q", tc.word, keys, tc.want)
		}
	}
}

// TestPositions: Pos counts words from 0 in each text, whatever dst holds.
func TestPositions(t *testing.T) {
	toks := AnalyzeAppend(nil, "one two")
	toks = AnalyzeAppend(toks, "три, четыре; five")
	want := []int{0, 1, 0, 1, 2}
	if len(toks) != len(want) {
		t.Fatalf("%d tokens, want %d", len(toks), len(want))
	}
	for i, w := range want {
		if toks[i].Pos != w {
			t.Errorf("token %d: Pos %d, want %d", i, toks[i].Pos, w)
		}
	}
	if toks[1].Keys[0] != "two" || toks[2].Keys[0] != "tri" {
		t.Errorf("AnalyzeAppend disturbed the earlier tokens: %v", toks)
	}
}

// TestTermKeys: the first word only; nothing for a string without words.
func TestTermKeys(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"e-mail", []string{"e"}},
		{"  Embassy ", []string{"embassy"}},
		{"#Kyiv", []string{"kyiv"}},
		{"", nil},
		{" ", nil},
		{"!!!", nil},
		{"🌾", nil},
		{"\xff", nil},
	}
	for _, tc := range cases {
		if got := TermKeys(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("TermKeys(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFold covers the field-value folding.
func TestFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"mfa_ua", "mfa_ua"},
		{"@MFA_UA", "@mfa_ua"},
		{"Đoković", "djokovic"},
		{"İstanbul Işık", "istanbul isik"},
		{"Straße", "strasse"},
		{"Vuc\u030Cic\u0301", "vucic"},
		{"Київ", "київ"}, // lower-cased, not transliterated
		{"bad\xffbyte", "badbyte"},
		{"ＮＡＴＯ 2026!", "nato 2026!"},
	}
	for _, tc := range cases {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Fold(tc.want); got != Fold(tc.in) {
			t.Errorf("Fold is not idempotent on %q: %q", tc.in, got)
		}
	}
	if s := "already folded"; !strings.EqualFold(Fold(s), s) {
		t.Errorf("Fold(%q) = %q", s, Fold(s))
	}
}

// TestAllocations: with a reused token buffer, a text costs one allocation
// (the string that holds all its folded keys), or none when every word is
// already lower-case ASCII and its keys are substrings of the text.
func TestAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are measured in full runs only")
	}
	cases := []struct {
		text string
		max  float64
	}{
		{"grain exports from odesa resumed in 2026", 0},
		{"Председник Вучић је данас разговарао; The Embassy opened, l'Ukraine, თბილისი", 1},
	}
	for _, tc := range cases {
		toks := AnalyzeAppend(nil, tc.text)
		toks = AnalyzeAppend(toks[:0], tc.text) // the slots now have room for their keys
		got := testing.AllocsPerRun(100, func() { toks = AnalyzeAppend(toks[:0], tc.text) })
		if got > tc.max {
			t.Errorf("%q: %.1f allocations per text, want at most %.0f", tc.text, got, tc.max)
		}
	}
}
