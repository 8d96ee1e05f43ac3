package lql

import (
	"strconv"
	"strings"
)

// Query is a parsed, valid listening query. It is immutable and safe to
// share between goroutines and matchers.
type Query struct {
	root *node
	// dict numbers the query's exact search keys; elem.ids refer to it.
	// Query.Match uses it as is; a Matcher renumbers into its own.
	dict map[string]uint32
	prog program
}

type kind uint8

const (
	kSpan   kind = iota // a term, prefix or phrase: consecutive tokens
	kFilter             // lang:, source:, author:, country:
	kAnd
	kOr
	kNot
	kNear
)

// node is one clause of the parsed query.
type node struct {
	kind kind
	pos  int     // where the clause starts in the query as written (1-based)
	kids []*node // kAnd, kOr: two or more; kNot: one; kNear: two kSpan
	span *span   // kSpan

	dist    int  // kNear: at most this many tokens apart
	ordered bool // kNear with f: the left operand comes first

	field field  // kFilter
	value string // kFilter: folded value compared with the folded field
	raw   string // kFilter: the value as written
}

// span is a sequence of tokens that must follow each other in the text.
// A single word is a span of one element.
type span struct {
	raw   string // as written: word, word* or "a phrase" (quotes included)
	elems []elem
}

// elem is one token position of a span: it matches a token that has one of
// the keys, or, for a prefix, a key that starts with one of the keys.
type elem struct {
	keys   []string
	ids    []uint32 // dictionary numbers of keys (exact elements only)
	prefix bool
}

// field is a metadata filter's field.
type field uint8

const (
	fieldLang field = iota
	fieldSource
	fieldAuthor
	fieldCountry
)

// fieldNames is the immutable table of filter names, in field order.
var fieldNames = [...]string{"lang", "source", "author", "country"}

func (f field) String() string { return fieldNames[f] }

// String returns the canonical, fully parenthesised form of the query:
// every AND, OR, NOT and NEAR in its own parentheses, words, phrases and
// filter values as written. Parsing it gives the same query.
func (q *Query) String() string {
	var b strings.Builder
	q.root.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case kSpan:
		b.WriteString(n.span.raw)
	case kFilter:
		b.WriteString(n.field.String())
		b.WriteByte(':')
		if strings.ContainsAny(n.raw, "()\"") || hasSpace(n.raw) {
			b.WriteByte('"')
			b.WriteString(n.raw)
			b.WriteByte('"')
		} else {
			b.WriteString(n.raw)
		}
	case kNot:
		b.WriteString("(NOT ")
		n.kids[0].write(b)
		b.WriteByte(')')
	case kNear:
		b.WriteByte('(')
		n.kids[0].write(b)
		b.WriteString(" NEAR/")
		b.WriteString(strconv.Itoa(n.dist))
		if n.ordered {
			b.WriteByte('f')
		}
		b.WriteByte(' ')
		n.kids[1].write(b)
		b.WriteByte(')')
	case kAnd, kOr:
		op := " AND "
		if n.kind == kOr {
			op = " OR "
		}
		b.WriteByte('(')
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(op)
			}
			k.write(b)
		}
		b.WriteByte(')')
	}
}

func hasSpace(s string) bool {
	for _, r := range s {
		if isSpace(r) {
			return true
		}
	}
	return false
}
