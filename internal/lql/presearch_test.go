package lql

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// describe writes a plan as "exact: at+also-not | …" for comparison.
func describe(p plan) string {
	if p.none {
		return "always"
	}
	name := func(a atom) string {
		if a.key != "" {
			return strings.ReplaceAll(a.key, keySep, "/")
		}
		return a.filter.field.String() + ":" + a.filter.value
	}
	var parts []string
	for _, f := range p.filings {
		s := name(f.at)
		for _, a := range f.also {
			s += "+" + name(a)
		}
		if len(f.any) > 0 {
			var any []string
			for _, a := range f.any {
				any = append(any, name(a))
			}
			s += "+(" + strings.Join(any, "|") + ")"
		}
		for _, a := range f.not {
			s += "-" + name(a)
		}
		if f.exact {
			s = "exact " + s
		}
		parts = append(parts, s)
	}
	slices.Sort(parts)
	return strings.Join(parts, " | ")
}

// TestPlan: where queries are filed. Without use counts, the longer word
// is taken as the rarer. Several keys of one word, or prefixes, print as
// alternatives joined by "/".
func TestPlan(t *testing.T) {
	tests := []struct{ query, want string }{
		{"grain", "exact grain"},
		{"grain corridor", "exact corridor+grain"},
		{"grain OR wheat", "exact grain | exact wheat"},
		{"grain -wheat", "exact grain-wheat"},
		{"corridor NOT (wheat OR grain)", "exact corridor-wheat-grain"},
		{"NOT NOT grain", "exact grain"},
		{"(EU OR NATO) Kosovo", "exact kosovo+(eu|nato)"}, // one filing: any of the names
		{"(EU OR NATO OR UN) Kosovo -Serbia", "exact kosovo+(eu|nato|un)-serbia"},
		{"(EU OR NATO OR UN OR OSCE) Kosovo", "exact kosovo+(eu|nato|un) | exact kosovo+osce"},
		{"(Kosovo OR Serbia) EU", "exact kosovo+eu | exact serbia+eu"}, // EU is more common than either
		{"grain -grain", ""},                                           // never matches: filed nowhere
		{"lang:uk", "exact lang:uk"},
		{"lang:uk grain", "exact grain+lang:uk"},
		{"author:@Ana grain", "exact author:ana+grain"},
		{`"grain corridor"`, "corridor+grain"},
		{`"grain corridor" -wheat`, "corridor+grain"},
		{"sanctions NEAR/3 Russia", "sanctions+russia"},
		{"embass* grain", "exact grain+embass*"}, // a prefix is an atom: present when a key starts with it
		{"embass*", "exact embass*"},
		{"embass* -grain", "exact embass*-grain"},
		{"Вуч* grain", "exact grain+vuc*/vuch*"}, // a prefix with several keys: any of them
		{"embass* NEAR/2 grain", "grain+embass*"},
		{`grain OR "wheat exports"`, "exports | grain"},
		{`NOT NOT "grain corridor"`, "always"},
	}
	for _, tt := range tests {
		if got := describe(planFor(mustParse(t, tt.query).root, costs{})); got != tt.want {
			t.Errorf("%s: filed %q, want %q", tt.query, got, tt.want)
		}
	}
}

// TestPresearchPrunes: with the random queries of the property test, a
// text is evaluated against few of them, and most matches need no
// evaluation at all.
func TestPresearchPrunes(t *testing.T) {
	g := queryGen{rand.New(rand.NewPCG(7, 8))}
	queries := g.queries(t, 1000)
	m := NewMatcher()
	for i, q := range queries {
		m.Set(fmt.Sprint(i), q)
	}
	var s scratch
	evaluated, proved, matched := 0, 0, 0
	for range 500 {
		d := g.doc()
		m.candidates(d, &s)
		evaluated += len(s.cands)
		proved += len(s.matched)
		matched += len(m.Match(d, nil))
	}
	t.Logf("per text: %d queries, %.1f evaluated, %.1f matched, %.1f of them proved by the index", len(queries),
		float64(evaluated)/500, float64(matched)/500, float64(proved)/500)
	if evaluated > 500*len(queries)/4 {
		t.Errorf("%.1f of %d queries evaluated per text: the presearcher prunes too little", float64(evaluated)/500, len(queries))
	}
	if proved < matched/4 {
		t.Errorf("%d of %d matches proved by the index: exact filings are not used", proved, matched)
	}
}
