package lql

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatcherSmallSets: the property test on many small matchers. With a
// thousand queries every atom has postings of its own; with a few, a word
// or a prefix is often filed under nothing and only checked as another
// query's "also" or "not", which is where a sparse index goes wrong.
func TestMatcherSmallSets(t *testing.T) {
	g := queryGen{rand.New(rand.NewPCG(11, 12))}
	docs := make([]*Doc, 60)
	for i := range docs {
		docs[i] = g.doc()
	}
	pool := g.queries(t, 3000)
	matched, pairs := 0, 0
	for round := range 1500 {
		m := NewMatcher()
		live := map[string]*Query{}
		for i := range 1 + round%4 {
			q := pool[g.r.IntN(len(pool))]
			id := fmt.Sprint(i)
			m.Set(id, q)
			live[id] = q
		}
		n, p := compareAll(t, m, live, docs[round%2*30:round%2*30+30])
		matched, pairs = matched+n, pairs+p
	}
	t.Logf("%d matching pairs of %d", matched, pairs)
}

// TestMatcherAtoms: a word with several keys and a prefix are atoms of
// their own; they must be found also when they are only another filing's
// condition, through a key in the index as well as one that is not.
func TestMatcherAtoms(t *testing.T) {
	m := NewMatcher()
	m.Set("and", mustParse(t, "жито grain"))
	m.Set("not", mustParse(t, "grain -жито -embass*"))
	m.Set("near", mustParse(t, "жито NEAR/3 corridor"))
	m.Set("prefix", mustParse(t, "corridor embass*"))
	m.Set("embassy", mustParse(t, "embassy"))
	m.Set("vuc", mustParse(t, "Вуч* Beograd"))
	for _, tc := range []struct{ text, want string }{
		{"grain from жито", "[and]"},
		{"grain from zhyto", "[and]"},
		{"grain from zito", "[and]"},
		{"grain from wheat", "[not]"},
		{"grain from the embassies", "[]"},
		{"zhito in the corridor", "[near]"},
		{"жито", "[]"},
		{"corridor to the embassies", "[prefix]"}, // embassies: no query has this key
		{"corridor to the embassy", "[embassy prefix]"},
		{"Vucic in Beograd", "[vuc]"},
		{"Вучич в Белграде and Beograd", "[vuc]"},
	} {
		got := m.Match(newDoc(tc.text, ""), nil)
		slices.Sort(got)
		if fmt.Sprint(got) != tc.want {
			t.Errorf("%q: %v, want %s", tc.text, got, tc.want)
		}
	}
}
