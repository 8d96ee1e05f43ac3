package listen_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/text"
	"github.com/attache-project/attache/internal/valid"
)

// words splits a sentence into its words as written.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' })
}

// parityQueries draws searches from the samples: words in their own script,
// the same words by a Latin key (Київ as kyiv), ORs of two words, words
// from different sentences, words found nowhere, with and without filters.
func parityQueries(samples []sample, ms []listen.Mention, n int) []listen.SearchQuery {
	rng := rand.New(rand.NewPCG(6, 5))
	word := func() (string, sample) {
		for {
			s := samples[rng.IntN(len(samples))]
			if ws := words(s.Text); len(ws) > 0 {
				return ws[rng.IntN(len(ws))], s
			}
		}
	}
	term := func(w string) []string {
		keys := text.TermKeys(w)
		switch rng.IntN(5) {
		case 0: // one Latin key, as an analyst would type the name
			if len(keys) > 0 {
				return keys[len(keys)-1:]
			}
		case 1: // an OR with another word
			w2, _ := word()
			return append(slices.Clone(keys), text.TermKeys(w2)...)
		}
		return keys
	}
	var out []listen.SearchQuery
	for len(out) < n {
		var q listen.SearchQuery
		w, s := word()
		q.Terms = append(q.Terms, term(w))
		switch rng.IntN(4) {
		case 0, 1: // a second word of the same sentence
			ws := words(s.Text)
			q.Terms = append(q.Terms, term(ws[rng.IntN(len(ws))]))
		case 2: // a word of any sentence
			w2, _ := word()
			q.Terms = append(q.Terms, term(w2))
		}
		if rng.IntN(8) == 0 {
			q.Terms = append(q.Terms, []string{"zzqxv"})
		}
		if rng.IntN(6) == 0 { // a third word
			ws := words(s.Text)
			q.Terms = append(q.Terms, term(ws[rng.IntN(len(ws))]))
		}
		if rng.IntN(2) == 0 {
			q.Lang = s.language()
		}
		if rng.IntN(5) == 0 {
			q.Source = testSources[rng.IntN(len(testSources))]
		}
		if rng.IntN(5) == 0 {
			q.Author = testAuthors[rng.IntN(len(testAuthors))]
		}
		if rng.IntN(4) == 0 {
			q.From = ms[rng.IntN(len(ms))].At
			q.To = q.From.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
		}
		if rng.IntN(6) == 0 {
			q.Before = listen.CursorOf(ms[rng.IntN(len(ms))])
		}
		q.Limit = []int{0, 3, 10, 1000}[rng.IntN(4)]
		if slices.ContainsFunc(q.Terms, func(t []string) bool { return len(t) == 0 }) {
			continue
		}
		out = append(out, q)
	}
	return out
}

// The same data and queries give the same mentions, in the same order, on
// both engines and in a brute-force scan in Go.
func TestSearchParity(t *testing.T) {
	samples := loadSamples(t)
	results := map[string][][]string{} // engine → per query, the external ids found
	var queries []listen.SearchQuery
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		a, b := newOrg(t, e.DB, "a"), newOrg(t, e.DB, "b")
		ma := mentionsOf(a, samples, "a")
		mb := mentionsOf(b, samples[:200], "b")
		insertAll(t, e.DB, ma)
		insertAll(t, e.DB, mb)
		if queries == nil {
			queries = parityQueries(samples, ma, 400)
		}
		ext := map[int64]string{}
		for _, m := range ma {
			ext[m.ID] = m.ExternalID
		}
		nonEmpty, full := 0, 0
		for i, q := range queries {
			got, err := listen.Search(ctx, e.DB.R(), a, q)
			if err != nil {
				t.Fatalf("query %d %+v: %v", i, q, err)
			}
			want := bruteSearch(ma, a, q)
			if !slices.Equal(idsOf(got), want) {
				t.Errorf("query %d %v (lang %q source %q author %q from %v to %v limit %d): got %v, want %v",
					i, q.Terms, q.Lang, q.Source, q.Author, q.From, q.To, q.Limit, idsOf(got), want)
			}
			// Both ways a search may be answered (reading rows by time for
			// common terms, the index for rare ones) give the same.
			for _, common := range []int{1, 1 << 30} {
				forced, err := listen.SearchWith(ctx, e.DB.R(), a, q, common)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(idsOf(forced), want) {
					t.Errorf("query %d %v with common=%d: got %v, want %v", i, q.Terms, common, idsOf(forced), want)
				}
			}
			var exts []string
			for _, m := range got {
				if m.OrgID != a {
					t.Fatalf("query %d returned mention %d of org %d", i, m.ID, m.OrgID)
				}
				exts = append(exts, ext[m.ID])
			}
			results[e.Name] = append(results[e.Name], exts)
			if len(got) > 0 {
				nonEmpty++
			}
			if q.Limit > 0 && len(got) == q.Limit {
				full++
			}
		}
		t.Logf("%d queries: %d found something, %d filled their limit", len(queries), nonEmpty, full)
		// The test means something only if many queries find something and
		// some are cut by their limit.
		if nonEmpty < len(queries)/3 || full < 10 {
			t.Errorf("%d of %d queries found something, %d filled their limit: the queries are too weak", nonEmpty, len(queries), full)
		}
	})
	s, p := results["sqlite"], results["postgres"]
	if s != nil && p != nil {
		for i := range s {
			if !slices.Equal(s[i], p[i]) {
				t.Errorf("query %d %v: sqlite %v, postgres %v", i, queries[i].Terms, s[i], p[i])
			}
		}
	}
}

// Keys with the engines' query syntax in them (quotes, backslashes,
// operators, parentheses, stars, colons) are searched as plain keys.
func TestSearchKeysWithQuerySyntax(t *testing.T) {
	keys := []string{`o'brien`, `say"hi`, `back\slash`, `\'`, `and`, `or`, `not`, `near`, `x*`, `-y`, `col:val`, `(p)`, `{q}`,
		`^r`, `a&b`, `c|d`, `!e`, `<->`, `f:*`, `'quoted'`, `"`, `''`, `naïve`, `київ`, `₴100`}
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "k")
		ms := make([]listen.Mention, len(keys))
		for i, k := range keys {
			// Each mention holds its key, its neighbour's, and a shared one.
			ms[i] = listen.Mention{OrgID: org, Source: "file", ExternalID: fmt.Sprint(i), At: testBase.Add(time.Duration(i) * time.Minute),
				Keys: k + " " + keys[(i+1)%len(keys)] + " common"}
		}
		insertAll(t, e.DB, ms)
		for i, k := range keys {
			prev := (i + len(keys) - 1) % len(keys)
			holders := []int64{ms[max(i, prev)].ID, ms[min(i, prev)].ID} // newest first
			upper := strings.ToUpper(k)
			cases := []struct {
				terms [][]string
				want  []int64
			}{
				{[][]string{{k}}, holders},
				{[][]string{{k}, {"common"}}, holders},
				{[][]string{{"missing", k}}, holders},
				{[][]string{{k}, {"missing"}}, []int64{}},
				// ASCII letters are lowered on both sides; other letters
				// are not folded by the index (internal/text folds them).
				{[][]string{{upper}}, map[bool][]int64{true: holders, false: {}}[upper == k || isASCII(k)]},
			}
			for _, c := range cases {
				for _, common := range []int{0, 1} { // 1: read rows by time
					got, err := listen.SearchWith(ctx, e.DB.R(), org, listen.SearchQuery{Terms: c.terms}, common)
					if err != nil {
						t.Fatalf("%q: %v", c.terms, err)
					}
					if !slices.Equal(idsOf(got), c.want) {
						t.Errorf("search %q (common=%d): got %v, want %v", c.terms, common, idsOf(got), c.want)
					}
				}
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestSearchRefusesOrFindsNothing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "n")
		insertAll(t, e.DB, mentionsOf(org, loadSamples(t)[:20], "n"))
		// A term with no key the index can hold matches nothing.
		for _, terms := range [][][]string{{{""}}, {{"two words"}}, {{"tab\there"}}, {{strings.Repeat("a", db.MaxKeyBytes+1)}}, {{"the"}, {}}} {
			got, err := listen.Search(ctx, e.DB.R(), org, listen.SearchQuery{Terms: terms})
			if err != nil || len(got) != 0 {
				t.Errorf("search %q = %v, %v; want nothing", terms, idsOf(got), err)
			}
		}
		many := make([][]string, db.MaxTerms+1)
		for i := range many {
			many[i] = []string{"the"}
		}
		var fe *valid.FieldError
		if _, err := listen.Search(ctx, e.DB.R(), org, listen.SearchQuery{Terms: many}); !errors.As(err, &fe) || fe.Field != "terms" {
			t.Errorf("%d terms: %v", len(many), err)
		}
	})
}
