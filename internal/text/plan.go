package text

// sameForms records which tables spell a letter alike: byte t of the packed
// value is the set of tables whose form equals table t's form. The sets of
// a word's letters intersect (a bitwise AND) into the tables that spell the
// whole word alike, so a word is transliterated once per distinct result
// instead of once per table.
type sameForms uint64

// everyTableSame says that every table spells alike (the start of the AND).
const everyTableSame = sameForms(uint64(allTables) * 0x0000010101010101)

// sameFormsOf compares the forms of one letter in every table.
func sameFormsOf(forms [numTables]string) sameForms {
	var s sameForms
	for t := range numTables {
		for u := range numTables {
			if forms[t] == forms[u] {
				s |= 1 << (8*uint(t) + uint(u))
			}
		}
	}
	return s
}

// like returns the tables that spell the way t does.
func (s sameForms) like(t table) tableMask { return tableMask(s >> (8 * uint(t))) }

// cyrSame holds sameForms for each row of cyrLetters and each form
// (inside, start, context). Built once, never written.
var cyrSame = func() (t [len(cyrLetters)][3]sameForms) {
	for i, forms := range cyrForms {
		for f := range forms {
			t[i][f] = sameFormsOf(forms[f])
		}
	}
	return t
}()

// planTables marks the form of every letter of a word by its position and
// returns the tables to transliterate it with: of the tables whose
// alphabets hold all its Cyrillic letters (every table when none does),
// those that give a key no earlier such table gives. One pass over the
// letters does the three.
func planTables(letters []letter) tableMask {
	fits, same := allTables, everyTableSame
	for k := range letters {
		lt := &letters[k]
		if lt.rowIndex == 0 {
			continue
		}
		switch {
		case k == 0:
			lt.form = formStart
		case inContext(letters, k):
			lt.form = formContext
		default:
			lt.form = formInside
		}
		fits &= cyrLetters[lt.rowIndex-1].fits
		same &= cyrSame[lt.rowIndex-1][lt.form]
	}
	if fits == 0 {
		fits = allTables
	}
	var emit tableMask
	for t := range numTables {
		if fits&(1<<t) != 0 && same.like(t)&emit == 0 {
			emit |= 1 << t
		}
	}
	return emit
}
