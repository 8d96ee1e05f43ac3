package lql

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// queryGen writes random queries over a small vocabulary, so that they
// match the random texts often, with every operator of the language.
type queryGen struct{ r *rand.Rand }

var (
	// Some words have several keys (Киев: kiev, kyev; жито: zito, zhito,
	// zhyto), so that ORs and NOTs of keys are exercised too.
	genTerms = []string{"grain", "wheat", "corridor", "Odesa", "Kyiv", "Київ", "russia", "sanctions", "EU", "nato", "Vucic", "Вучић", "and",
		"e-mail", "export", "Киев", "kiev", "жито", "zhito", "don't"}
	genPrefixes = []string{"gra*", "whe*", "cor*", "sanc*", "exp*", "Kyi*", "e-ma*", "Вуч*", "zhi*", "Кие*"}
	genPhrases  = []string{`"grain corridor"`, `"wheat export"`, `"EU sanctions"`, `"Kyiv grain"`, `"and wheat"`}
	genFilters  = []string{"lang:uk", "lang:sr", "source:telegram", "author:@ana", "country:RS", "country:ua"}
	// Words of the random texts: the query words in other cases and
	// scripts, near misses and noise.
	genWords = []string{"grain", "Grain", "grains", "wheat", "WHEAT", "corridor", "corridors", "Odesa", "Одеса", "Kyiv", "Київ",
		"Russia", "russian", "sanctions", "EU", "europe", "NATO", "Vučić", "Вучић", "and", "e-mail", "e-mails", "mail", "export",
		"exports", "x", "the", "of", "Киев", "Kiev", "жито", "zhyto", "zito", "don't", "dont"}
	genLangs    = []string{"", "uk", "sr", "sr-Latn", "en"}
	genSources  = []string{"", "telegram", "rss"}
	genAuthors  = []string{"", "ana", "@Ana", "bob"}
	genCountrys = []string{"", "RS", "ua", "de"}
)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func (g queryGen) operand() string {
	switch g.r.IntN(3) {
	case 0:
		return pick(g.r, genPrefixes)
	case 1:
		return pick(g.r, genPhrases)
	}
	return pick(g.r, genTerms)
}

func (g queryGen) clause(depth int) string {
	n := 8
	if depth > 0 {
		n = 11
	}
	switch g.r.IntN(n) {
	case 0, 1, 2:
		return pick(g.r, genTerms)
	case 3:
		return pick(g.r, genPrefixes)
	case 4:
		return pick(g.r, genPhrases)
	case 5:
		return pick(g.r, genFilters)
	case 6, 7:
		f := ""
		if g.r.IntN(2) == 0 {
			f = "f"
		}
		return fmt.Sprintf("%s NEAR/%d%s %s", g.operand(), 1+g.r.IntN(4), f, g.operand())
	case 8:
		if g.r.IntN(2) == 0 {
			return "NOT " + g.clause(depth-1)
		}
		return "-" + g.atom(depth-1)
	}
	return "(" + g.expr(depth-1) + ")"
}

// atom is what may follow a minus directly.
func (g queryGen) atom(depth int) string {
	switch g.r.IntN(3) {
	case 0:
		return pick(g.r, genTerms)
	case 1:
		return pick(g.r, genPhrases)
	}
	if depth > 0 {
		return "(" + g.expr(depth-1) + ")"
	}
	return pick(g.r, genFilters)
}

func (g queryGen) expr(depth int) string {
	var b strings.Builder
	b.WriteString(g.clause(depth))
	for k := g.r.IntN(3); k > 0; k-- {
		b.WriteString(pick(g.r, []string{" AND ", " ", " OR ", " OR ", "  AND\t"}))
		b.WriteString(g.clause(depth))
	}
	return b.String()
}

func (g queryGen) doc() *Doc {
	words := make([]string, g.r.IntN(13))
	for i := range words {
		words[i] = pick(g.r, genWords)
	}
	return newDocFields(strings.Join(words, pick(g.r, []string{" ", ", ", " - "})),
		pick(g.r, genLangs), pick(g.r, genSources), pick(g.r, genAuthors), pick(g.r, genCountrys))
}

func newDocFields(s, lang, source, author, country string) *Doc {
	d := newDoc(s, "")
	d.Lang, d.Source, d.Author, d.Country = lang, source, author, country
	return d
}

// queries returns n valid random queries (the generator also writes
// invalid ones, e.g. without a positive clause; those are skipped).
func (g queryGen) queries(t *testing.T, n int) []*Query {
	var out []*Query
	for tries := 0; len(out) < n; tries++ {
		if tries > 20*n {
			t.Fatalf("only %d of %d random queries are valid", len(out), n)
		}
		if q, err := Parse(g.expr(3)); err == nil {
			out = append(out, q)
		}
	}
	return out
}

// TestMatcherEqualsBruteForce: the Matcher finds exactly the queries that
// brute force (Query.Match on each) finds, and both agree with the plain
// reference evaluation — also after queries are replaced and removed.
func TestMatcherEqualsBruteForce(t *testing.T) {
	g := queryGen{rand.New(rand.NewPCG(1, 2))}
	queries := g.queries(t, 1000)
	docs := make([]*Doc, 1000)
	for i := range docs {
		docs[i] = g.doc()
	}
	m := NewMatcher()
	live := map[string]*Query{}
	for i, q := range queries {
		id := fmt.Sprint(i)
		m.Set(id, q)
		live[id] = q
	}
	matched, pairs := compareAll(t, m, live, docs)
	t.Logf("%d queries × %d texts: %d matching pairs of %d", len(live), len(docs), matched, pairs)
	if matched < pairs/20 || matched > pairs/2 {
		t.Fatalf("%d matching pairs of %d: the random cases do not exercise both outcomes", matched, pairs)
	}

	// Replace a third, remove a third, add some: the index must follow.
	fresh := g.queries(t, 600)
	for i := range 1000 {
		id := fmt.Sprint(i)
		switch i % 3 {
		case 0:
			m.Set(id, fresh[i/3])
			live[id] = fresh[i/3]
		case 1:
			m.Remove(id)
			delete(live, id)
		}
	}
	for i, q := range fresh[400:] {
		id := fmt.Sprint("new", i)
		m.Set(id, q)
		live[id] = q
	}
	m.Remove("no such id")
	if m.Len() != len(live) {
		t.Fatalf("Len() = %d, want %d", m.Len(), len(live))
	}
	compareAll(t, m, live, docs[:300])
}

func compareAll(t *testing.T, m *Matcher, live map[string]*Query, docs []*Doc) (matched, pairs int) {
	t.Helper()
	var got []string
	for _, d := range docs {
		got = m.Match(d, got[:0])
		slices.Sort(got)
		var want []string
		for id, q := range live {
			brute := q.Match(d)
			if ref := refMatch(q.root, d); brute != ref {
				t.Fatalf("%s ~ %+v: Query.Match %v, reference %v", q, d, brute, ref)
			}
			if brute {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			for _, id := range symmetricDiff(got, want) {
				t.Errorf("query %s %s: matcher %v, brute force %v", id, live[id], slices.Contains(got, id), slices.Contains(want, id))
			}
			t.Fatalf("text %v [%s %s %s %s]: matcher and brute force differ", d.Tokens, d.Lang, d.Source, d.Author, d.Country)
		}
		matched += len(want)
		pairs += len(live)
	}
	return matched, pairs
}

func symmetricDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestRoundTrip: the canonical form parses to the same query, which
// matches the same texts.
func TestRoundTrip(t *testing.T) {
	g := queryGen{rand.New(rand.NewPCG(3, 4))}
	docs := make([]*Doc, 200)
	for i := range docs {
		docs[i] = g.doc()
	}
	for _, q := range g.queries(t, 2000) {
		s := q.String()
		again, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q), the canonical form: %v", s, err)
		}
		if again.String() != s {
			t.Fatalf("canonical form %q re-parses as %q", s, again.String())
		}
		for _, d := range docs[:50] {
			if q.Match(d) != again.Match(d) {
				t.Fatalf("%s and its canonical form differ on %v", s, d.Tokens)
			}
		}
	}
}

// TestMatcherConcurrent: Match from several goroutines while queries are
// set and removed; the queries that do not change keep their answers.
// Run with -race.
func TestMatcherConcurrent(t *testing.T) {
	g := queryGen{rand.New(rand.NewPCG(5, 6))}
	stable := g.queries(t, 200)
	churn := g.queries(t, 200)
	docs := make([]*Doc, 200)
	for i := range docs {
		docs[i] = g.doc()
	}
	m := NewMatcher()
	want := make([][]string, len(docs))
	for i, q := range stable {
		m.Set(fmt.Sprint("s", i), q)
	}
	for j, d := range docs {
		for i, q := range stable {
			if q.Match(d) {
				want[j] = append(want[j], fmt.Sprint("s", i))
			}
		}
		slices.Sort(want[j])
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprint("c", k%50)
			if k%3 == 2 {
				m.Remove(id)
			} else {
				m.Set(id, churn[k%len(churn)])
			}
		}
	})
	errs := make(chan string, 4)
	var readers sync.WaitGroup
	for w := range 4 {
		readers.Go(func() {
			var got []string
			for round := range 5 {
				for j, d := range docs {
					got = m.Match(d, got[:0])
					got = slices.DeleteFunc(got, func(id string) bool { return strings.HasPrefix(id, "c") })
					slices.Sort(got)
					if !slices.Equal(got, want[j]) {
						errs <- fmt.Sprintf("reader %d round %d text %d: %v, want %v", w, round, j, got, want[j])
						return
					}
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
