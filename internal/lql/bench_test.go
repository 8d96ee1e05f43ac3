package lql

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/text"
)

// The matcher benchmarks: 10,000 standing queries written from the
// vocabulary of real multilingual text (testdata/udhr-dev.jsonl, see
// testdata/README.md) against its short texts (the 8-word snippets), as
// texts per second for (a) analysis alone, (b) the Matcher, analysis
// included, (c) brute force: every query's Query.Match, analysis included.
//
//	go test -run '^$' -bench 'Analyze|Matcher|BruteForce' -cpu 1 -count 5 ./internal/lql/

const benchQueries = 10000

type benchText struct{ text, lang string }

type benchData struct {
	texts   []benchText // short texts to match
	queries []*Query
}

var benchOnce = sync.OnceValues(loadBenchData)

func loadBenchData() (*benchData, error) {
	f, err := os.Open("testdata/udhr-dev.jsonl")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var sentences []benchText
	d := &benchData{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Lang, Text string
			Short      bool
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, err
		}
		// "sr-Latn" and the like: the language part is what lang: filters name.
		lang, _, _ := strings.Cut(line.Lang, "-")
		if line.Short {
			d.texts = append(d.texts, benchText{line.Text, lang})
		} else {
			sentences = append(sentences, benchText{line.Text, lang})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	w := newQueryWriter(sentences, rand.New(rand.NewPCG(2026, 6)))
	for len(d.queries) < benchQueries {
		s := w.query()
		q, err := Parse(s)
		if err != nil {
			return nil, fmt.Errorf("benchmark query %q: %w", s, err)
		}
		d.queries = append(d.queries, q)
	}
	return d, nil
}

// queryWriter writes queries the way analysts do: content words, names and
// short phrases from the language of the stream, drawn by frequency.
type queryWriter struct {
	r       *rand.Rand
	words   []string // content words (at least 4 letters), once per occurrence: a uniform pick is a pick by frequency
	bigrams []string // adjacent word pairs from the sentences, with a content word
	langs   []string
}

func newQueryWriter(sentences []benchText, r *rand.Rand) *queryWriter {
	w := &queryWriter{r: r}
	seen := map[string]bool{}
	for _, s := range sentences {
		if !seen[s.lang] {
			seen[s.lang] = true
			w.langs = append(w.langs, s.lang)
		}
		ws := strings.FieldsFunc(s.text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
		for i, word := range ws {
			word = strings.Trim(word, "-")
			if utf8.RuneCountInString(word) >= 4 {
				w.words = append(w.words, word)
				if i+1 < len(ws) {
					w.bigrams = append(w.bigrams, word+" "+strings.Trim(ws[i+1], "-"))
				}
			}
		}
	}
	slices.Sort(w.langs)
	return w
}

func (w *queryWriter) word() string   { return pick(w.r, w.words) }
func (w *queryWriter) phrase() string { return `"` + pick(w.r, w.bigrams) + `"` }

// prefix cuts a content word after 4 to 6 letters.
func (w *queryWriter) prefix() string {
	rs := []rune(w.word())
	n := min(len(rs), 4+w.r.IntN(3))
	return string(rs[:n]) + "*"
}

func (w *queryWriter) query() string {
	switch k := w.r.IntN(20); {
	case k < 4: // two or three words
		if w.r.IntN(2) == 0 {
			return w.word() + " " + w.word()
		}
		return w.word() + " AND " + w.word() + " " + w.word()
	case k < 7: // a topic: any of several names, with a context word
		return fmt.Sprintf("(%s OR %s OR %s) %s", w.word(), w.word(), w.word(), w.word())
	case k < 9:
		return w.word() + " OR " + w.word()
	case k < 12:
		if w.r.IntN(2) == 0 {
			return w.phrase()
		}
		return w.phrase() + " " + w.word()
	case k < 14:
		f := ""
		if w.r.IntN(3) == 0 {
			f = "f"
		}
		return fmt.Sprintf("%s NEAR/%d%s %s", w.word(), 2+w.r.IntN(4), f, w.word())
	case k < 16: // exclusions
		if w.r.IntN(2) == 0 {
			return w.word() + " " + w.word() + " -" + w.word()
		}
		return fmt.Sprintf("%s NOT (%s OR %s)", w.word(), w.word(), w.word())
	case k < 18:
		return w.prefix() + " " + w.word()
	}
	return fmt.Sprintf("lang:%s (%s OR %s)", pick(w.r, w.langs), w.word(), w.word())
}

func benchSetup(b *testing.B) *benchData {
	d, err := benchOnce()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func reportTexts(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

func BenchmarkAnalyze(b *testing.B) {
	d := benchSetup(b)
	var toks []text.Token
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		toks = text.AnalyzeAppend(toks[:0], d.texts[i%len(d.texts)].text)
	}
	reportTexts(b)
}

func BenchmarkMatcher(b *testing.B) {
	d := benchSetup(b)
	m := NewMatcher()
	for i, q := range d.queries {
		m.Set(fmt.Sprint(i), q)
	}
	var doc Doc
	var ids []string
	matched := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t := d.texts[i%len(d.texts)]
		doc = Doc{Tokens: text.AnalyzeAppend(doc.Tokens[:0], t.text), Lang: t.lang}
		ids = m.Match(&doc, ids[:0])
		matched += len(ids)
	}
	reportTexts(b)
	b.ReportMetric(float64(matched)/float64(b.N), "matches/text")
	b.ReportMetric(meanEvaluated(m, d.texts), "evaluated/text")
}

// meanEvaluated is how many queries the presearcher leaves to evaluate
// (the other matches are proved by the index alone).
func meanEvaluated(m *Matcher, texts []benchText) float64 {
	var s scratch
	n := 0
	for _, t := range texts {
		m.candidates(&Doc{Tokens: text.Analyze(t.text), Lang: t.lang}, &s)
		n += len(s.cands)
	}
	return float64(n) / float64(len(texts))
}

func BenchmarkBruteForce(b *testing.B) {
	d := benchSetup(b)
	var doc Doc
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t := d.texts[i%len(d.texts)]
		doc = Doc{Tokens: text.AnalyzeAppend(doc.Tokens[:0], t.text), Lang: t.lang}
		for _, q := range d.queries {
			q.Match(&doc)
		}
	}
	reportTexts(b)
}
