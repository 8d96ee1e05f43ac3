package lql

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/attache-project/attache/internal/text"
)

// example is one case of testdata/examples.jsonl (a copy of the shared
// ../shared/data/lql/examples.jsonl): Match nil means Parse must fail.
type example struct {
	ID      string `json:"id"`
	Query   string `json:"query"`
	Text    string `json:"text"`
	Lang    string `json:"lang"`
	Source  string `json:"source"`
	Author  string `json:"author"`
	Country string `json:"country"`
	Match   *bool  `json:"match"`
	Why     string `json:"why"`
}

func loadExamples(t *testing.T) []example {
	t.Helper()
	f, err := os.Open("testdata/examples.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var ex example
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			t.Fatalf("examples line %d: %v", len(out)+1, err)
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no examples")
	}
	return out
}

func (ex example) doc() *Doc {
	return &Doc{Tokens: text.Analyze(ex.Text), Lang: ex.Lang, Source: ex.Source, Author: ex.Author, Country: ex.Country}
}

func TestExamples(t *testing.T) {
	examples := loadExamples(t)
	m := NewMatcher()
	for _, ex := range examples {
		t.Run(ex.ID, func(t *testing.T) {
			q, err := Parse(ex.Query)
			if ex.Match == nil {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error (%s)", ex.Query, q, ex.Why)
				}
				if _, ok := err.(*Error); !ok {
					t.Fatalf("Parse(%q) error %T, want *Error", ex.Query, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v (%s)", ex.Query, err, ex.Why)
			}
			m.Set(ex.ID, q)
			if got := q.Match(ex.doc()); got != *ex.Match {
				t.Errorf("%s ~ %q: match %v, want %v (%s)", ex.Query, ex.Text, got, *ex.Match, ex.Why)
			}
		})
	}
	// As the acceptance check runs them: every query against every text,
	// through the matcher; each text's own query decides its case.
	for _, ex := range examples {
		if ex.Match == nil {
			continue
		}
		got := m.Match(ex.doc(), nil)
		own := false
		for _, id := range got {
			own = own || id == ex.ID
		}
		if own != *ex.Match {
			t.Errorf("matcher: %s ~ %q: match %v, want %v", ex.Query, ex.Text, own, *ex.Match)
		}
	}
}
