package lql

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse: no input panics; an error names a position inside the query
// (or just after it); an accepted query's canonical form parses to itself
// and matches the same texts. Seeds: testdata/fuzz/FuzzParse/.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"grain", `"grain corridor" NEAR/2 Odesa`, "lang:uk AND (EU OR NATO) -Kosovo"} {
		f.Add(s)
	}
	docs := []*Doc{
		newDoc("The grain corridor from Odesa, said NATO and the EU.", "lang=uk source=telegram author=ana country=UA"),
		newDoc("Председник Вучић је данас разговарао о санкцијама.", "lang=sr"),
		newDoc("", ""),
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): error %T, want *Error", s, err)
			}
			if n := utf8.RuneCountInString(s); pe.Pos < 1 || pe.Pos > n+1 {
				t.Fatalf("Parse(%q): position %d outside 1..%d", s, pe.Pos, n+1)
			}
			return
		}
		canon := q.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("Parse(%q) = %q, which parses as %q", s, canon, again.String())
		}
		m := NewMatcher()
		m.Set("q", q)
		for _, d := range docs {
			want := q.Match(d)
			if again.Match(d) != want {
				t.Fatalf("%q and its canonical form %q differ", s, canon)
			}
			if got := len(m.Match(d, nil)) == 1; got != want {
				t.Fatalf("%q: Matcher %v, Query.Match %v", s, got, want)
			}
		}
	})
}
