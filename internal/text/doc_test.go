package text

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"
)

// docPath is the user documentation that prints the tables.
const docPath = "../../docs/text-analysis.md"

// docCyrillicRows renders cyrLetters as the rows of the table in the docs.
func docCyrillicRows() []string {
	var rows []string
	for _, l := range cyrLetters {
		cells := []string{fmt.Sprintf("%c %c", l.letter, unicode.ToUpper(l.letter))}
		for t := range numTables {
			f := l.latin[t]
			if f == "" {
				f = "–"
			}
			if l.initial[t] != "" {
				f += " (" + l.initial[t] + " at the start)"
			}
			cells = append(cells, f)
		}
		cells = append(cells, docAlphabets(l.fits))
		rows = append(rows, "| "+strings.Join(cells, " | ")+" |")
	}
	return rows
}

// docAlphabets names the tables of a mask.
func docAlphabets(m tableMask) string {
	switch m {
	case allTables:
		return "all"
	case 0:
		return "none"
	}
	var names []string
	for t, name := range []string{"sr", "mk", "mk", "uk", "ru", "bg"} {
		if m&(1<<t) != 0 && (len(names) == 0 || names[len(names)-1] != name) {
			names = append(names, name)
		}
	}
	return strings.Join(names, " ")
}

// docGeorgianRows renders georgianLatin as the rows of the table in the docs.
func docGeorgianRows() []string {
	var rows []string
	for i, f := range georgianLatin {
		r := rune(0x10D0 + i)
		if !unicode.IsLetter(r) {
			continue
		}
		if f == "" {
			f = "–"
		}
		rows = append(rows, fmt.Sprintf("| %c | U+%04X | %s |", r, r, f))
	}
	return rows
}

// TestDocTablesMatchCode: the tables printed in docs/text-analysis.md are
// the tables the code uses, row for row.
func TestDocTablesMatchCode(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("the tables must be documented: %v", err)
	}
	for _, row := range append(docCyrillicRows(), docGeorgianRows()...) {
		if !strings.Contains(string(doc), row+"\n") {
			t.Errorf("%s lacks the row\n%s", docPath, row)
		}
	}
}
