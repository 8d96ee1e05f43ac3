package lql

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/listen/listenbench"
	"github.com/attache-project/attache/internal/text"
)

// The matcher benchmarks: 10,000 standing queries written from the
// vocabulary of real multilingual text (the UDHR development set embedded
// in listenbench) against its short texts (the 8-word snippets), as texts
// per second for (a) analysis alone, (b) the Matcher, analysis included,
// (c) brute force: every query's Query.Match, analysis included.
//
//	go test -run '^$' -bench 'Analyze|Matcher|BruteForce' -cpu 1 -count 6 ./internal/lql/
//
// BenchmarkMatcherVsAnalysis runs (a) and (b) in alternating rounds, for
// their ratio on a shared machine.

const benchQueries = 10000

type benchText struct{ text, lang string }

type benchData struct {
	texts   []benchText // short texts to match
	queries []*Query
}

var benchOnce = sync.OnceValues(loadBenchData)

func loadBenchData() (*benchData, error) {
	samples, err := listenbench.Builtin()
	if err != nil {
		return nil, err
	}
	sentences, snippets := listenbench.Split(samples)
	d := &benchData{}
	for _, s := range snippets {
		// "sr-Latn" and the like: the language part is what lang: filters name.
		d.texts = append(d.texts, benchText{s.Text, s.Language()})
	}
	w := listenbench.NewQueryWriter(sentences, rand.New(rand.NewPCG(2026, 6)))
	for len(d.queries) < benchQueries {
		s := w.Query()
		q, err := Parse(s)
		if err != nil {
			return nil, fmt.Errorf("benchmark query %q: %w", s, err)
		}
		d.queries = append(d.queries, q)
	}
	return d, nil
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

// benchMatcher returns a Matcher of the benchmark queries with its index
// built (the first Match after a change builds it).
func benchMatcher(d *benchData) *Matcher {
	m := NewMatcher()
	for i, q := range d.queries {
		m.Set(fmt.Sprint(i), q)
	}
	m.Match(&Doc{}, nil)
	return m
}

// BenchmarkMatcherBuild is the cost of a change of topics: setting the
// 10,000 queries and building the index (the first Match).
func BenchmarkMatcherBuild(b *testing.B) {
	d := benchSetup(b)
	for b.Loop() {
		benchMatcher(d)
	}
}

func BenchmarkMatcher(b *testing.B) {
	d := benchSetup(b)
	m := benchMatcher(d)
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

// BenchmarkMatcherVsAnalysis runs (a) and (b) in alternating rounds of 64
// texts within one benchmark, so that both see the same machine: on a
// shared machine the ratio is steadier than two separate benchmarks.
func BenchmarkMatcherVsAnalysis(b *testing.B) {
	d := benchSetup(b)
	m := benchMatcher(d)
	var doc Doc
	var ids []string
	var toks []text.Token
	var ta, tm time.Duration
	const round = 64
	n := 0
	for b.Loop() {
		start := time.Now()
		for j := range round {
			toks = text.AnalyzeAppend(toks[:0], d.texts[(n+j)%len(d.texts)].text)
		}
		mid := time.Now()
		for j := range round {
			t := d.texts[(n+j)%len(d.texts)]
			doc = Doc{Tokens: text.AnalyzeAppend(doc.Tokens[:0], t.text), Lang: t.lang}
			ids = m.Match(&doc, ids[:0])
		}
		tm += time.Since(mid)
		ta += mid.Sub(start)
		n += round
	}
	b.ReportMetric(float64(n)/ta.Seconds(), "analysis-texts/s")
	b.ReportMetric(float64(n)/tm.Seconds(), "matcher-texts/s")
	b.ReportMetric(ta.Seconds()/tm.Seconds(), "ratio")
}
