package lql

import (
	"strings"

	"github.com/attache-project/attache/internal/text"
)

// Limits that keep a query cheap to parse, store and evaluate. They bound
// the parsed query, not its spelling, so the canonical form (which adds
// parentheses and ANDs) parses under the same limits.
const (
	maxClauses  = 1000 // terms, phrases, prefixes and filters
	maxDepth    = 100  // nesting of AND, OR, NOT and NEAR in the parsed query
	maxNesting  = 1000 // parentheses, NOTs and minuses while reading
	maxElements = 100  // words in one phrase
)

// Parse parses and validates a query. An invalid query gets an *Error
// with the position (1-based, in characters) and the problem.
func Parse(q string) (*Query, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, dict: map[string]uint32{}}
	if p.peek().kind == tEOF {
		return nil, errAt(1, "empty query")
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		// or() stops only at the end or at a ")" it did not open.
		return nil, errAt(t.pos, "unbalanced parenthesis")
	}
	if d := root.depth(); d > maxDepth {
		return nil, errAt(1, "too deeply nested: %d levels (at most %d)", d, maxDepth)
	}
	if culprit := positiveCheck(root); culprit != nil {
		return nil, errAt(culprit.pos, "a query needs at least one positive clause")
	}
	return &Query{root: root, dict: p.dict, prog: compile(root, nil, nil)}, nil
}

type parser struct {
	toks    []lexeme
	i       int
	nesting int
	clauses int
	dict    map[string]uint32
}

func (p *parser) peek() lexeme { return p.toks[p.i] }

func (p *parser) next() lexeme {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// startsClause reports whether a token can begin a clause.
func startsClause(k tokKind) bool {
	switch k {
	case tLParen, tWord, tPhrase, tField, tNot, tMinus:
		return true
	}
	return false
}

// or := and ("OR" and)*
func (p *parser) or() (*node, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for p.peek().kind == tOr {
		op := p.next()
		if !startsClause(p.peek().kind) {
			return nil, errAt(op.pos, "OR needs a clause on each side")
		}
		k, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	return group(kOr, kids), nil
}

// and := unary (["AND"] unary)*
func (p *parser) and() (*node, error) {
	if t := p.peek(); !startsClause(t.kind) {
		return nil, p.missing(t)
	}
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for {
		t := p.peek()
		if t.kind == tAnd {
			p.next()
			if !startsClause(p.peek().kind) {
				return nil, errAt(t.pos, "AND needs a clause on each side")
			}
		} else if !startsClause(t.kind) {
			break
		}
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	return group(kAnd, kids), nil
}

// missing explains a token found where a clause should start.
func (p *parser) missing(t lexeme) error {
	switch t.kind {
	case tAnd:
		return errAt(t.pos, "AND needs a clause on each side")
	case tOr:
		return errAt(t.pos, "OR needs a clause on each side")
	case tNear:
		return errAt(t.pos, "NEAR needs a term, phrase or prefix on each side")
	case tRParen:
		return errAt(t.pos, "unbalanced parenthesis")
	}
	return errAt(t.pos, "a clause is missing")
}

func group(k kind, kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	return &node{kind: k, pos: kids[0].pos, kids: kids}
}

// unary := ("NOT" | "-") unary | near
func (p *parser) unary() (*node, error) {
	t := p.peek()
	if t.kind != tNot && t.kind != tMinus {
		return p.near()
	}
	p.next()
	if !startsClause(p.peek().kind) {
		if t.kind == tMinus {
			return nil, errAt(t.pos, "'-' must be directly followed by a term, phrase or parenthesis")
		}
		return nil, errAt(t.pos, "NOT needs a clause after it")
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	k, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &node{kind: kNot, pos: t.pos, kids: []*node{k}}, nil
}

func (p *parser) enter(pos int) error {
	p.nesting++
	if p.nesting > maxNesting {
		return errAt(pos, "too deeply nested (at most %d levels)", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.nesting-- }

// near := primary ("NEAR/n" primary)?  — both operands terms, phrases or prefixes
func (p *parser) near() (*node, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != tNear {
		return left, nil
	}
	p.next()
	if left.kind != kSpan {
		return nil, errAt(op.pos, "NEAR needs a term, phrase or prefix on each side")
	}
	if k := p.peek().kind; k != tWord && k != tPhrase && k != tLParen {
		return nil, errAt(op.pos, "NEAR needs a term, phrase or prefix on each side")
	}
	right, err := p.primary()
	if err != nil {
		return nil, err
	}
	if right.kind != kSpan {
		return nil, errAt(op.pos, "NEAR needs a term, phrase or prefix on each side")
	}
	if again := p.peek(); again.kind == tNear {
		return nil, errAt(again.pos, "NEAR cannot be chained: write (a NEAR/3 b) AND (b NEAR/3 c)")
	}
	return &node{kind: kNear, pos: left.pos, kids: []*node{left, right}, dist: op.dist, ordered: op.ordered}, nil
}

// primary := "(" or ")" | word | phrase | filter
func (p *parser) primary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if p.peek().kind == tRParen {
			return nil, errAt(t.pos, "empty parentheses")
		}
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tRParen {
			return nil, errAt(t.pos, "unbalanced parenthesis")
		}
		return inner, nil
	case tWord, tPhrase:
		return p.span(t)
	case tField:
		if err := p.count(t); err != nil {
			return nil, err
		}
		v := foldField(t.field, t.text)
		if v == "" {
			return nil, errAt(t.pos, "empty value for %s:", t.field)
		}
		return &node{kind: kFilter, pos: t.pos, field: t.field, raw: t.text, value: v}, nil
	}
	return nil, p.missing(t)
}

// span analyses a word or phrase into the tokens it must match. A word that
// the analyser splits ("e-mail") is a phrase of its parts.
func (p *parser) span(t lexeme) (*node, error) {
	if err := p.count(t); err != nil {
		return nil, err
	}
	toks := text.Analyze(t.text)
	if len(toks) == 0 {
		if t.kind == tPhrase {
			return nil, errAt(t.pos, "empty phrase: %s has no words to search for", t.raw)
		}
		return nil, errAt(t.pos, "nothing to search for in %q", t.raw)
	}
	if len(toks) > maxElements {
		return nil, errAt(t.pos, "phrase too long: %d words (at most %d)", len(toks), maxElements)
	}
	sp := &span{raw: t.raw, elems: make([]elem, len(toks))}
	for i, tok := range toks {
		keys := tok.Keys
		if len(toks) == 1 && t.kind == tWord {
			// A lone word is folded as a query word, which may know more
			// spellings than a token in running text.
			if tk := text.TermKeys(t.text); len(tk) > 0 {
				keys = tk
			}
		}
		e := elem{keys: dedup(keys), prefix: t.prefix && i == len(toks)-1}
		if len(e.keys) == 0 {
			return nil, errAt(t.pos, "nothing to search for in %q", t.raw)
		}
		if !e.prefix {
			e.ids = make([]uint32, len(e.keys))
			for j, k := range e.keys {
				e.ids[j] = p.intern(k)
			}
		}
		sp.elems[i] = e
	}
	return &node{kind: kSpan, pos: t.pos, span: sp}, nil
}

// count counts a word, phrase, prefix or filter against maxClauses.
func (p *parser) count(t lexeme) error {
	if p.clauses++; p.clauses > maxClauses {
		return errAt(t.pos, "too many clauses (at most %d)", maxClauses)
	}
	return nil
}

func (p *parser) intern(key string) uint32 {
	id, ok := p.dict[key]
	if !ok {
		id = uint32(len(p.dict))
		p.dict[key] = id
	}
	return id
}

// dedup returns the keys without repeats or empty keys, in their order.
func dedup(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// foldField folds a filter value or a document's field for comparison:
// case and diacritics never matter, nor an author's leading @.
func foldField(f field, v string) string {
	v = text.Fold(strings.TrimFunc(v, isSpace))
	if f == fieldAuthor {
		v = strings.TrimLeft(v, "@")
	}
	return v
}

// depth is the nesting of operators in the parsed query (a leaf is 1).
func (n *node) depth() int {
	d := 0
	for _, k := range n.kids {
		d = max(d, k.depth())
	}
	return d + 1
}
