// Package listenbench writes realistic multilingual listening data for the
// benchmarks of the listening engine: short mentions whose words are drawn,
// by frequency, from real text in the languages Attaché watches, and
// standing queries written from the same vocabulary the way analysts
// write them (ANDs, ORs, phrases, NEARs, NOTs, prefixes, filters).
//
// The go test benchmarks (internal/lql, internal/listen) and `attache
// bench listen` share it, so their figures describe the same data. It
// imports nothing of the project: internal/lql's own tests use it.
package listenbench

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

//go:embed data/udhr-dev.jsonl
var udhrDev []byte

// Sample is one line of a samples file: a text and its language.
type Sample struct {
	Lang  string `json:"lang"` // BCP 47: "uk", "sr-Latn", "cnr"
	Text  string `json:"text"`
	Short bool   `json:"short,omitempty"` // a short snippet of a longer text
}

// Language is the ISO 639 part of the sample's tag ("sr" for "sr-Latn").
func (s Sample) Language() string {
	l, _, _ := strings.Cut(s.Lang, "-")
	return l
}

// Builtin returns the embedded samples: the UDHR development set (546
// sentences and 494 eight-word snippets in 19 language variants; see
// data/README.md).
func Builtin() ([]Sample, error) {
	return ReadSamples(bytes.NewReader(udhrDev))
}

// ReadSamples reads JSONL samples ({"lang", "text", "short"?}); blank
// lines are skipped, a line without text or language is an error.
func ReadSamples(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var s Sample
		if err := json.Unmarshal(line, &s); err != nil {
			return nil, fmt.Errorf("samples line %d: %w", n, err)
		}
		if strings.TrimSpace(s.Text) == "" || s.Lang == "" {
			return nil, fmt.Errorf("samples line %d: want \"lang\" and \"text\"", n)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("samples: none")
	}
	return out, nil
}

// Split returns the full texts and the short snippets.
func Split(samples []Sample) (long, short []Sample) {
	for _, s := range samples {
		if s.Short {
			short = append(short, s)
		} else {
			long = append(long, s)
		}
	}
	return long, short
}

// Queries writes n standing queries from the vocabulary of texts (see
// QueryWriter), the same ones for the same seed.
func Queries(texts []Sample, n int, seed uint64) []string {
	w := NewQueryWriter(texts, rand.New(rand.NewPCG(seed, 6)))
	out := make([]string, n)
	for i := range out {
		out[i] = w.Query()
	}
	return out
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }
