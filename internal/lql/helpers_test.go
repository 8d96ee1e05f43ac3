package lql

import (
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/text"
)

func mustParse(t testing.TB, q string) *Query {
	t.Helper()
	query, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	return query
}

// fields are "lang=uk source=telegram …" for test tables.
func newDoc(s, fields string) *Doc {
	d := &Doc{Tokens: text.Analyze(s)}
	for _, kv := range strings.Fields(fields) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "lang":
			d.Lang = v
		case "source":
			d.Source = v
		case "author":
			d.Author = v
		case "country":
			d.Country = v
		}
	}
	return d
}

// refMatch is a second, deliberately plain evaluation of the parsed tree:
// strings instead of key numbers, every position tried, no shortcuts. The
// property tests hold Query.Match and the Matcher to it.
func refMatch(n *node, d *Doc) bool {
	switch n.kind {
	case kSpan:
		return len(refStarts(n.span, d)) > 0
	case kFilter:
		v := []string{d.Lang, d.Source, d.Author, d.Country}[n.field]
		v = foldField(n.field, v)
		if v == "" {
			return false
		}
		return v == n.value || n.field == fieldLang && strings.HasPrefix(v, n.value+"-")
	case kAnd:
		for _, k := range n.kids {
			if !refMatch(k, d) {
				return false
			}
		}
		return true
	case kOr:
		for _, k := range n.kids {
			if refMatch(k, d) {
				return true
			}
		}
		return false
	case kNot:
		return !refMatch(n.kids[0], d)
	case kNear:
		a, b := n.kids[0].span, n.kids[1].span
		for _, i := range refStarts(a, d) {
			for _, j := range refStarts(b, d) {
				aEnd, bEnd := i+len(a.elems)-1, j+len(b.elems)-1
				if aEnd < j && j-aEnd <= n.dist {
					return true
				}
				if !n.ordered && bEnd < i && i-bEnd <= n.dist {
					return true
				}
			}
		}
		return false
	}
	panic("unknown node kind")
}

func refStarts(sp *span, d *Doc) []int {
	var out []int
	for p := 0; p+len(sp.elems) <= len(d.Tokens); p++ {
		ok := true
		for k, e := range sp.elems {
			if !refToken(e, d.Tokens[p+k]) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

func refToken(e elem, tok text.Token) bool {
	for _, key := range tok.Keys {
		for _, want := range e.keys {
			if key == want || e.prefix && strings.HasPrefix(key, want) {
				return true
			}
		}
	}
	return false
}
