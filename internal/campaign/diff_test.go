package campaign

import (
	"strings"
	"testing"
)

// rebuild returns the old and the new text from a diff.
func rebuild(ps []DiffPart) (string, string) {
	var a, b strings.Builder
	for _, p := range ps {
		if p.Op != "insert" {
			a.WriteString(p.Text)
		}
		if p.Op != "delete" {
			b.WriteString(p.Text)
		}
	}
	return a.String(), b.String()
}

func TestDiff(t *testing.T) {
	for _, c := range []struct {
		a, b        string
		ins, del    []string
		onlyEqual   bool
		description string
	}{
		{a: "Grain from Odesa feeds the world.", b: "Grain from Odesa feeds the world.", onlyEqual: true, description: "same text"},
		{a: "Grain from Odesa feeds Africa.", b: "Grain from Odesa feeds Africa and Asia.", ins: []string{" and Asia"}, description: "words added"},
		{a: "Зерно з Одеси годує світ.", b: "Зерно з Одеси годує Африку.", ins: []string{"Африку"}, del: []string{"світ"}, description: "Cyrillic word replaced"},
		{a: "Georgia 🇬🇪 welcomes you", b: "Georgia welcomes you", del: []string{" 🇬🇪"}, description: "emoji removed"},
		{a: "", b: "New text", ins: []string{"New text"}, description: "from nothing"},
	} {
		ps := Diff(c.a, c.b)
		if a, b := rebuild(ps); a != c.a || b != c.b {
			t.Errorf("%s: the diff rebuilds %q → %q, want %q → %q", c.description, a, b, c.a, c.b)
		}
		var ins, del []string
		for i, p := range ps {
			if i > 0 && ps[i-1].Op == p.Op {
				t.Errorf("%s: two %s runs in a row", c.description, p.Op)
			}
			switch p.Op {
			case "insert":
				ins = append(ins, p.Text)
			case "delete":
				del = append(del, p.Text)
			}
		}
		if c.onlyEqual && (len(ins) > 0 || len(del) > 0) {
			t.Errorf("%s: changes in a diff of equal texts: %+v", c.description, ps)
		}
		if !c.onlyEqual && (strings.Join(ins, "|") != strings.Join(c.ins, "|") || strings.Join(del, "|") != strings.Join(c.del, "|")) {
			t.Errorf("%s: inserted %q, deleted %q; want %q, %q", c.description, ins, del, c.ins, c.del)
		}
	}
}
