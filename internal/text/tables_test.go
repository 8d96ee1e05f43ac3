package text

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// translit returns word under one table, as the analyser spells it.
func translit(word string, t table) string {
	var a analyzer
	a = a.collectLetters(word, false)
	planTables(a.letters)
	return string(appendTranslit(nil, a.letters, t))
}

// TestTables checks each table against the examples of its standard (the
// sources are listed in docs/text-analysis.md); the Latin side is the
// standard's spelling, lower-cased and with diacritics folded.
func TestTables(t *testing.T) {
	cases := []struct {
		table table
		pairs string // "Cyrillic=latin" pairs separated by spaces
	}{
		{tableUkrainian, // Resolution of the Cabinet of Ministers of Ukraine No. 55 (2010), its table of examples
			"Алушта=alushta Андрій=andrii Борщагівка=borshchahivka Борисенко=borysenko Вінниця=vinnytsia " +
				"Володимир=volodymyr Гадяч=hadiach Богдан=bohdan Згурський=zghurskyi Ґалаґан=galagan Ґорґани=gorgany " +
				"Донецьк=donetsk Дмитро=dmytro Рівне=rivne Олег=oleh Есмань=esman Єнакієве=yenakiieve Гаєвич=haievych " +
				"Короп'є=koropie Житомир=zhytomyr Жанна=zhanna Жежелів=zhezheliv Закарпаття=zakarpattia " +
				"Казимирчук=kazymyrchuk Медвин=medvyn Михайленко=mykhailenko Іванків=ivankiv Іващенко=ivashchenko " +
				"Їжакевич=yizhakevych Кадиївка=kadyivka Мар'їне=marine Йосипівка=yosypivka Стрий=stryi " +
				"Олексій=oleksii Київ=kyiv Коваленко=kovalenko Лебедин=lebedyn Леонід=leonid Миколаїв=mykolaiv " +
				"Маринич=marynych Ніжин=nizhyn Наталія=nataliia Одеса=odesa Онищенко=onyshchenko Полтава=poltava " +
				"Петро=petro Решетилівка=reshetylivka Рибчинський=rybchynskyi Суми=sumy Соломія=solomiia " +
				"Тернопіль=ternopil Троць=trots Ужгород=uzhhorod Уляна=uliana Фастів=fastiv Філіпчук=filipchuk " +
				"Харків=kharkiv Христина=khrystyna Стеценко=stetsenko Чернівці=chernivtsi Шевченко=shevchenko " +
				"Шостка=shostka Кишеньки=kyshenky Щербухи=shcherbukhy Гоща=hoshcha Гаращенко=harashchenko " +
				"Юрій=yurii Корюківка=koriukivka Яготин=yahotyn Ярошенко=yaroshenko Костянтин=kostiantyn " +
				"Знам'янка=znamianka Феодосія=feodosiia Запоріжжя=zaporizhzhia"},
		{tableSerbian, // the Serbian Latin alphabet (Vuk–Gaj correspondence), diacritics folded
			"Београд=beograd Ниш=nis Чачак=cacak Ђорђе=djordje Љубљана=ljubljana Њујорк=njujork Џеп=dzep " +
				"Ћуприја=cuprija Шабац=sabac Жабаљ=zabalj Ужице=uzice Херцег=herceg Крагујевац=kragujevac " +
				"Војводина=vojvodina Ђердап=djerdap Вучић=vucic Ђоковић=djokovic"},
		{tableMacedonian, // the Macedonian Latin alphabet, diacritics folded, ǵ ḱ as gj kj
			"Скопје=skopje Охрид=ohrid Ѓорче=gjorce Ќичево=kjicevo Ѕвезда=dzvezda Битола=bitola Штип=stip " +
				"Џамија=dzamija Љубојно=ljubojno Њивиште=njiviste Кочани=kocani Гевгелија=gevgelija Струмица=strumica"},
		{tableMacedonianASCII, // the romanisation of Macedonian for names (Official Gazette), ASCII
			"Скопје=skopje Штип=shtip Кочани=kochani Џамија=dzhamija Ѓорче=gjorche Ќичево=kjichevo Жеден=zheden " +
				"Ѕвезда=dzvezda Струмица=strumica Чашка=chashka"},
		{tableRussian, // BGN/PCGN (1947), ë folded, ye at the start of a word and after ь ъ
			"Москва=moskva Екатеринбург=yekaterinburg Хабаровск=khabarovsk Щёлково=shchelkovo Ельцин=yeltsin " +
				"Юрьев=yuryev Подъезд=podyezd Ярославль=yaroslavl Чечня=chechnya Жуковский=zhukovskiy " +
				"Царицын=tsaritsyn Ижевск=izhevsk Эстония=estoniya Горбачёв=gorbachev Брянск=bryansk " +
				"Новосибирск=novosibirsk Киев=kiev Россия=rossiya София=sofiya"},
		{tableBulgarian, // the Transliteration Act (2009), Streamlined System
			"София=sofia Шумен=shumen Търговище=targovishte Кърджали=kardzhali Хасково=haskovo " +
				"Перущица=perushtitsa Смолян=smolyan Оряховица=oryahovitsa Юрий=yuriy Мария=maria Йордан=yordan " +
				"Жулиета=zhulieta Ботевград=botevgrad Ямбол=yambol Цанко=tsanko Благоевград=blagoevgrad " +
				"Христо=hristo Щастие=shtastie Дьо=dyo"},
	}
	for _, tc := range cases {
		for _, pair := range strings.Fields(tc.pairs) {
			cyr, want, _ := strings.Cut(pair, "=")
			if got := translit(cyr, tc.table); got != want {
				t.Errorf("table %d: %s = %q, want %q", tc.table, cyr, got, want)
			}
			if keys := TermKeys(cyr); !slices.Contains(keys, want) {
				t.Errorf("table %d: %s keys %q lack %q", tc.table, cyr, keys, want)
			}
		}
	}
}

// TestGeorgian checks the national romanisation (2002) on place names as the
// Georgian state spells them in Latin.
func TestGeorgian(t *testing.T) {
	pairs := "თბილისი=tbilisi საქართველო=sakartvelo ქუთაისი=kutaisi ბათუმი=batumi მცხეთა=mtskheta " +
		"ზუგდიდი=zugdidi ჭიათურა=chiatura წყალტუბო=tsqaltubo ყვარელი=qvareli ზესტაფონი=zestaponi " +
		"ღვინო=ghvino ჟინვალი=zhinvali შოთა=shota ჯავახეთი=javakheti ჰერეთი=hereti ძამა=dzama " +
		"რუსთავი=rustavi გორი=gori თელავი=telavi ფოთი=poti"
	for _, pair := range strings.Fields(pairs) {
		geo, want, _ := strings.Cut(pair, "=")
		if keys := TermKeys(geo); !slices.Equal(keys, []string{want}) {
			t.Errorf("%s: keys %q, want [%q]", geo, keys, want)
		}
	}
	// Mtavruli capitals and the old Asomtavruli/Nuskhuri letters read the same.
	for _, w := range []string{"ᲗᲑᲘᲚᲘᲡᲘ", "ႧႡႨႪႨႱႨ", "ⴇⴁⴈⴊⴈⴑⴈ"} {
		if keys := TermKeys(w); !slices.Equal(keys, []string{"tbilisi"}) {
			t.Errorf("%s: keys %q, want [tbilisi]", w, keys)
		}
	}
}

// TestTableRows checks the table itself: both cases of every letter find
// its row, every form is lower-case ASCII, and a letter belongs to the
// alphabet of at least one table unless it is one of the extra letters.
func TestTableRows(t *testing.T) {
	for i, l := range cyrLetters {
		for _, r := range []rune{l.letter, unicode.ToUpper(l.letter)} {
			if got := newLetter(r).row(); got != &cyrLetters[i] {
				t.Errorf("%c (%U) does not find its row", r, r)
			}
		}
		for tb, forms := range [][numTables]string{l.latin, l.initial} {
			for _, f := range forms {
				if strings.Trim(f, "abcdefghijklmnopqrstuvwxyz") != "" {
					t.Errorf("%c: form %q (set %d) is not lower-case ASCII", l.letter, f, tb)
				}
			}
		}
	}
}

// TestPlanTablesMatchesEveryTable: computing only the tables that
// differ, then removing duplicates (as commit does: two tables may still
// agree on a word letter by letter differently, bg ь+е = "y"+"e" and
// ru ь+е = ""+"ye"), gives exactly the keys of computing every fitting table,
// on random words over the whole table.
func TestPlanTablesMatchesEveryTable(t *testing.T) {
	var alphabet []rune
	for _, l := range cyrLetters {
		alphabet = append(alphabet, l.letter, unicode.ToUpper(l.letter))
	}
	alphabet = append(alphabet, 'a', 'K', '7')
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := 1 + rng.IntN(7)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		w := b.String()
		var a analyzer
		a = a.collectLetters(w, false)
		emit := planTables(a.letters)
		fits := allTables
		for _, l := range a.letters {
			if row := l.row(); row != nil {
				fits &= row.fits
			}
		}
		if fits == 0 {
			fits = allTables
		}
		var want []string
		for tb := range numTables {
			if fits&(1<<tb) != 0 {
				if k := string(appendTranslit(nil, a.letters, tb)); k != "" && !slices.Contains(want, k) {
					want = append(want, k)
				}
			}
		}
		var got []string
		for tb := range numTables {
			if emit&(1<<tb) != 0 {
				if k := string(appendTranslit(nil, a.letters, tb)); k != "" && !slices.Contains(got, k) {
					got = append(got, k)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: planned tables give %q, every table %q", w, got, want)
		}
	}
}
