package listenbench

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Mention is a generated public text with the fields a source gives.
type Mention struct {
	ExternalID string
	Lang       string // ISO 639 code of the words drawn
	Text       string
	Source     string
	Author     string
	At         time.Time
	Likes      int64
}

// Corpus draws mentions: a language (weighted by how many samples it
// has), then MinWords to MaxWords words of that language drawn by their
// frequency in the samples, a time within Span before End, a source and
// one of Authors authors.
type Corpus struct {
	Langs  []string            // one entry per sample: drawing from it weights languages
	Tokens map[string][]string // language → every word occurrence, lower case (drawing from it follows frequency)
	Vocab  map[string][]string // language → distinct words

	MinWords, MaxWords int
	Sources            []string
	Authors            int
	End                time.Time
	Span               time.Duration
}

// NewCorpus learns the words of samples. The defaults: 8–40 words, six
// sources (telegram, mastodon, bluesky, x, rss, file), 20,000 authors,
// times over the 90 days before end.
func NewCorpus(samples []Sample, end time.Time) *Corpus {
	c := &Corpus{Tokens: map[string][]string{}, Vocab: map[string][]string{},
		MinWords: 8, MaxWords: 40, Sources: []string{"telegram", "mastodon", "bluesky", "x", "rss", "file"},
		Authors: 20000, End: end, Span: 90 * 24 * time.Hour}
	seen := map[string]bool{}
	for _, s := range samples {
		l := s.Language()
		c.Langs = append(c.Langs, l)
		for _, w := range Words(s.Text) {
			w = strings.ToLower(w)
			c.Tokens[l] = append(c.Tokens[l], w)
			if !seen[l+" "+w] {
				seen[l+" "+w] = true
				c.Vocab[l] = append(c.Vocab[l], w)
			}
		}
	}
	return c
}

// Words splits a text at everything but letters, digits and apostrophes.
func Words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' })
}

// Mention draws one mention with this external id.
func (c *Corpus) Mention(rng *rand.Rand, ext string) Mention {
	l := c.Langs[rng.IntN(len(c.Langs))]
	toks := c.Tokens[l]
	n := c.MinWords + rng.IntN(c.MaxWords-c.MinWords+1)
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(toks[rng.IntN(len(toks))])
	}
	return Mention{
		ExternalID: ext, Lang: l, Text: b.String(),
		Source: c.Sources[rng.IntN(len(c.Sources))], Author: "user" + strconv.Itoa(rng.IntN(c.Authors)),
		At:    c.End.Add(-time.Duration(rng.Int64N(int64(c.Span)))).Truncate(time.Microsecond),
		Likes: int64(rng.IntN(50)),
	}
}

// Mentions draws n mentions with external ids prefix0 … prefix(n-1).
func (c *Corpus) Mentions(rng *rand.Rand, prefix string, n int) []Mention {
	out := make([]Mention, n)
	for i := range out {
		out[i] = c.Mention(rng, prefix+strconv.Itoa(i))
	}
	return out
}
