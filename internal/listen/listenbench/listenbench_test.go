package listenbench

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBuiltin(t *testing.T) {
	s, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	long, short := Split(s)
	if len(long) != 546 || len(short) != 494 {
		t.Fatalf("%d sentences and %d snippets, want 546 and 494", len(long), len(short))
	}
	langs := map[string]bool{}
	for _, x := range s {
		langs[x.Language()] = true
	}
	if len(langs) != 17 { // bs, hr, sr and cnr apart; sr and bs in Latin and Cyrillic together
		t.Errorf("%d languages: %v", len(langs), langs)
	}
}

func TestReadSamplesErrors(t *testing.T) {
	for _, in := range []string{"", "\n\n", `{"lang": "uk"}`, `{"text": "x"}`, `{"lang": "uk", "text": "x"`, "[1]"} {
		if _, err := ReadSamples(strings.NewReader(in)); err == nil {
			t.Errorf("ReadSamples(%q): no error", in)
		}
	}
	got, err := ReadSamples(strings.NewReader("\n{\"lang\": \"sr-Latn\", \"text\": \"Niko ne smije\"}\n\n"))
	if err != nil || len(got) != 1 || got[0].Language() != "sr" {
		t.Errorf("one sample: %v %v", got, err)
	}
}

// The same seed gives the same queries; every kind of query is written.
func TestQueries(t *testing.T) {
	s, _ := Builtin()
	long, _ := Split(s)
	a, b := Queries(long, 500, 1), Queries(long, 500, 1)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave other queries")
	}
	for _, want := range []string{" OR ", " AND ", `"`, " NEAR/", " -", " NOT (", "*", "lang:"} {
		if !slices.ContainsFunc(a, func(q string) bool { return strings.Contains(q, want) }) {
			t.Errorf("no query with %q", want)
		}
	}
}

// Mentions follow the corpus settings and the language of their words.
func TestMentions(t *testing.T) {
	s, _ := Builtin()
	end := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	c := NewCorpus(s, end)
	c.MinWords, c.MaxWords, c.Span = 6, 30, 25*24*time.Hour
	ms := c.Mentions(rand.New(rand.NewPCG(1, 2)), "m", 2000)
	langs := map[string]int{}
	for i, m := range ms {
		n := len(strings.Fields(m.Text))
		if n < 6 || n > 30 || !utf8.ValidString(m.Text) {
			t.Fatalf("mention %d: %d words: %q", i, n, m.Text)
		}
		if m.At.After(end) || m.At.Before(end.Add(-25*24*time.Hour)) || m.ExternalID == "" || m.Source == "" || m.Author == "" {
			t.Fatalf("mention %d: %+v", i, m)
		}
		for _, w := range strings.Fields(m.Text) {
			if !slices.Contains(c.Vocab[m.Lang], w) {
				t.Fatalf("mention %d: %q is not a %s word", i, w, m.Lang)
			}
		}
		langs[m.Lang]++
	}
	if len(langs) != 17 {
		t.Errorf("languages drawn: %v", langs)
	}
}

func FuzzReadSamples(f *testing.F) {
	f.Add([]byte(`{"lang": "uk", "text": "Київ", "short": true}`))
	f.Add([]byte("{\"lang\": \"ka\", \"text\": \"თბილისი\"}\n\n{\"lang\": \"en\", \"text\": \"x\"}"))
	f.Add([]byte(`{"lang": "uk", "text": 1}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ReadSamples(strings.NewReader(string(in)))
		if err != nil {
			return
		}
		for _, x := range s {
			if strings.TrimSpace(x.Text) == "" || x.Lang == "" {
				t.Fatalf("accepted %+v", x)
			}
		}
	})
}
