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
			return a.key
		}
		return a.filter.field.String() + ":" + a.filter.value
	}
	var parts []string
	for _, f := range p.filings {
		s := name(f.at)
		if f.prefix != "" {
			s = f.prefix + "*"
		}
		for _, a := range f.also {
			s += "+" + name(a)
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
// is taken as the rarer.
func TestPlan(t *testing.T) {
	tests := []struct{ query, want string }{
		{"grain", "exact grain"},
		{"grain corridor", "exact corridor+grain"},
		{"grain OR wheat", "exact grain | exact wheat"},
		{"grain -wheat", "exact grain-wheat"},
		{"corridor NOT (wheat OR grain)", "exact corridor-wheat-grain"},
		{"NOT NOT grain", "exact grain"},
		{"(EU OR NATO) Kosovo", "exact kosovo+eu | exact kosovo+nato"},
		{"grain -grain", ""}, // never matches: filed nowhere
		{"lang:uk", "exact lang:uk"},
		{"lang:uk grain", "exact grain+lang:uk"},
		{"author:@Ana grain", "exact author:ana+grain"},
		{`"grain corridor"`, "corridor+grain"},
		{`"grain corridor" -wheat`, "corridor+grain"},
		{"sanctions NEAR/3 Russia", "sanctions+russia"},
		{"embass* grain", "embass*+grain"},
		{"embass*", "embass*"},
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
