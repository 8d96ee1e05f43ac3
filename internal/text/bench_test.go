package text

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"
)

// sample is one line of testdata/udhr-sample.jsonl.
type sample struct {
	Lang  string `json:"lang"`
	Text  string `json:"text"`
	Short bool   `json:"short"`
}

// loadSamples reads the UDHR sentences and 8-word snippets (see testdata/README.md).
func loadSamples(tb testing.TB) []sample {
	tb.Helper()
	f, err := os.Open("testdata/udhr-sample.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			tb.Fatalf("udhr-sample.jsonl: %v", err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("udhr-sample.jsonl is empty")
	}
	return out
}

// benchTexts returns the sample texts whose language matches keep.
func benchTexts(tb testing.TB, keep func(lang string) bool) ([]string, int) {
	var texts []string
	bytes := 0
	for _, s := range loadSamples(tb) {
		if keep(s.Lang) {
			texts = append(texts, s.Text)
			bytes += len(s.Text)
		}
	}
	return texts, bytes
}

var benchSets = []struct {
	name string
	keep func(lang string) bool
}{
	{"all", func(string) bool { return true }},
	{"latin", func(l string) bool {
		return !strings.HasSuffix(l, "Cyrl") && l != "uk" && l != "ru" && l != "bg" && l != "mk" && l != "ka" && l != "el"
	}},
	{"cyrillic", func(l string) bool {
		return strings.HasSuffix(l, "Cyrl") || l == "uk" || l == "ru" || l == "bg" || l == "mk"
	}},
	{"georgian", func(l string) bool { return l == "ka" }},
}

// BenchmarkAnalyze measures the analyser on the UDHR sample, one text per
// iteration, with a reused token buffer (the matcher's hot path) and with a
// fresh one. The baseline lower-cases and splits on non-letters with the
// standard library only, the least any tokenizer does.
func BenchmarkAnalyze(b *testing.B) {
	for _, set := range benchSets {
		texts, size := benchTexts(b, set.keep)
		perText := int64(size / len(texts))
		b.Run(set.name+"/append", func(b *testing.B) {
			var toks []Token
			defer reportRate(b, processCPU())
			b.SetBytes(perText)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				toks = AnalyzeAppend(toks[:0], texts[i%len(texts)])
			}
		})
		b.Run(set.name+"/fresh", func(b *testing.B) {
			defer reportRate(b, processCPU())
			b.SetBytes(perText)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = Analyze(texts[i%len(texts)])
			}
		})
		b.Run(set.name+"/baseline-lower-fields", func(b *testing.B) {
			defer reportRate(b, processCPU())
			b.SetBytes(perText)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = strings.FieldsFunc(strings.ToLower(texts[i%len(texts)]), func(r rune) bool {
					return !unicode.IsLetter(r) && !unicode.IsDigit(r)
				})
			}
		})
	}
}

// reportRate reports texts per second of wall time and, where the platform
// measures it, per second of process CPU time since cpuStart (the honest
// figure on a shared machine; it includes the garbage collector's work).
func reportRate(b *testing.B, cpuStart int64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
	if cpu := processCPU() - cpuStart; cpuStart > 0 && cpu > 0 {
		b.ReportMetric(float64(b.N)/(float64(cpu)/1e9), "texts/cpu-s")
	}
}

// BenchmarkTermKeys measures folding one query word.
func BenchmarkTermKeys(b *testing.B) {
	words := []string{"embassy", "Vučić", "Вучић", "Київ", "თბილისი", "l'Ukraine"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = TermKeys(words[i%len(words)])
	}
}
