package langid

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pemistahl/lingua-go"
)

// sample is one line of testdata/udhr-dev.jsonl.
type sample struct {
	Lang  string `json:"lang"` // BCP 47: "sr-Latn", "cnr", "uk" …
	Text  string `json:"text"`
	Short bool   `json:"short"` // an 8-word snippet of a longer sentence
}

func loadSamples(t testing.TB, path string) []sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no samples", path)
	}
	return out
}

// group maps a language tag to its scoring group: Bosnian, Croatian,
// Serbian and Montenegrin are one (Serbo-Croatian) group.
func group(tag string) string {
	base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
	switch base {
	case "bs", "hr", "sr", "cnr", "sh":
		return "bcms"
	}
	return base
}

// evaluation is the outcome of running a detector over samples.
type evaluation struct {
	correct, total map[bool]int              // by Short
	confusion      map[string]map[string]int // gold tag → detected code → count
}

func (e evaluation) accuracy(short bool) float64 {
	if e.total[short] == 0 {
		return 0
	}
	return float64(e.correct[short]) / float64(e.total[short])
}

func evaluate(d *Detector, samples []sample) evaluation {
	return evaluateFunc(func(text string) string { return d.Detect(text).Lang }, samples)
}

// evaluateFunc scores any detector given as a function from text to code.
func evaluateFunc(detect func(string) string, samples []sample) evaluation {
	e := evaluation{correct: map[bool]int{}, total: map[bool]int{}, confusion: map[string]map[string]int{}}
	for _, s := range samples {
		got := detect(s.Text)
		e.total[s.Short]++
		if group(got) == group(s.Lang) {
			e.correct[s.Short]++
		}
		if e.confusion[s.Lang] == nil {
			e.confusion[s.Lang] = map[string]int{}
		}
		e.confusion[s.Lang][got]++
	}
	return e
}

// table renders the confusion rows as Markdown, detected codes as columns.
func (e evaluation) table() string {
	golds := make([]string, 0, len(e.confusion))
	colSet := map[string]bool{}
	for g, row := range e.confusion {
		golds = append(golds, g)
		for c := range row {
			colSet[c] = true
		}
	}
	sort.Strings(golds)
	cols := make([]string, 0, len(colSet))
	for c := range colSet {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var b strings.Builder
	b.WriteString("| gold \\ detected |")
	for _, c := range cols {
		if c == "" {
			c = "(none)"
		}
		fmt.Fprintf(&b, " %s |", c)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(cols)) + "\n")
	for _, g := range golds {
		fmt.Fprintf(&b, "| %s |", g)
		for _, c := range cols {
			if n := e.confusion[g][c]; n > 0 {
				fmt.Fprintf(&b, " %d |", n)
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestUDHRDevAccuracy is the acceptance measurement: group accuracy on the
// development set, sentences and 8-word snippets, in both modes.
func TestUDHRDevAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the language models and scores the whole development set")
	}
	samples := loadSamples(t, "testdata/udhr-dev.jsonl")
	for _, tc := range []struct {
		mode                  Mode
		minSentence, minShort float64
	}{
		{High, 0.99, 0.98},
		{Low, 0.99, 0.98},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			d, err := New(tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			e := evaluate(d, samples)
			sent, short := e.accuracy(false), e.accuracy(true)
			t.Logf("group accuracy: sentences %.4f (%d/%d), snippets %.4f (%d/%d)\n%s",
				sent, e.correct[false], e.total[false], short, e.correct[true], e.total[true], e.table())
			if sent < tc.minSentence {
				t.Errorf("sentence group accuracy %.4f < %.2f", sent, tc.minSentence)
			}
			if short < tc.minShort {
				t.Errorf("snippet group accuracy %.4f < %.2f", short, tc.minShort)
			}
		})
	}
}

// unnarrowed is the baseline the script narrowing is measured against: one
// lingua detector over all sixteen languages, given the whole text.
func unnarrowed(mode Mode) func(string) string {
	all := append(append([]lingua.Language{lingua.Georgian, lingua.Greek}, cyrillicLanguages...), latinLanguages...)
	b := lingua.NewLanguageDetectorBuilder().FromLanguages(all...).WithPreloadedLanguageModels()
	if mode == Low {
		b = b.WithLowAccuracyMode()
	}
	ld := b.Build()
	return func(text string) string {
		if l, ok := ld.DetectLanguageOf(text); ok {
			return isoCode(l)
		}
		return ""
	}
}

// TestNarrowingNoWorse checks the design choice: narrowing the candidates by
// script must not cost accuracy against plain lingua over all languages.
func TestNarrowingNoWorse(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the language models of both detectors")
	}
	samples := loadSamples(t, "testdata/udhr-dev.jsonl")
	for _, mode := range []Mode{High, Low} {
		t.Run(mode.String(), func(t *testing.T) {
			narrowed := evaluate(newDetector(t, mode), samples)
			plain := evaluateFunc(unnarrowed(mode), samples)
			t.Logf("group accuracy, narrowed: %.4f / %.4f; plain lingua over 16 languages: %.4f / %.4f (sentences / snippets)\n%s",
				narrowed.accuracy(false), narrowed.accuracy(true), plain.accuracy(false), plain.accuracy(true), plain.table())
			for _, short := range []bool{false, true} {
				if narrowed.correct[short] < plain.correct[short] {
					t.Errorf("short=%v: narrowed %d correct < plain %d", short, narrowed.correct[short], plain.correct[short])
				}
			}
		})
	}
}
