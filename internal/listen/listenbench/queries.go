package listenbench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QueryWriter writes queries the way analysts do: content words, names and
// short phrases from the language of the stream, drawn by frequency.
type QueryWriter struct {
	r       *rand.Rand
	words   []string // content words (at least 4 letters), once per occurrence: a uniform pick is a pick by frequency
	bigrams []string // adjacent word pairs from the texts, with a content word
	langs   []string
}

// NewQueryWriter learns the vocabulary of texts.
func NewQueryWriter(texts []Sample, r *rand.Rand) *QueryWriter {
	w := &QueryWriter{r: r}
	seen := map[string]bool{}
	for _, s := range texts {
		if l := s.Language(); !seen[l] {
			seen[l] = true
			w.langs = append(w.langs, l)
		}
		ws := strings.FieldsFunc(s.Text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
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

func (w *QueryWriter) word() string   { return pick(w.r, w.words) }
func (w *QueryWriter) phrase() string { return `"` + pick(w.r, w.bigrams) + `"` }

// prefix cuts a content word after 4 to 6 letters.
func (w *QueryWriter) prefix() string {
	rs := []rune(w.word())
	n := min(len(rs), 4+w.r.IntN(3))
	return string(rs[:n]) + "*"
}

// Query writes one query: two or three words (20%), a topic of any of
// three names with a context word (15%), an OR of two words (10%), a
// phrase alone or with a word (15%), NEAR/n or NEAR/nf (10%), exclusions
// (10%), a prefix with a word (10%), a language filter with an OR (10%).
func (w *QueryWriter) Query() string {
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
