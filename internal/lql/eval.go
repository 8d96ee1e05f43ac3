package lql

import (
	"slices"
	"strings"

	"github.com/attache-project/attache/internal/text"
)

// Match reports whether the document matches the query. It evaluates this
// one query from scratch: the reference the Matcher is tested against, and
// the way to test a single query (a topic preview).
func (q *Query) Match(d *Doc) bool {
	var st docState
	st.load(d, q.dict)
	ok, _ := st.run(&q.prog, 0)
	return ok
}

// docState is a document prepared for evaluation against programs whose
// key numbers come from one dictionary (a query's own or a Matcher's).
type docState struct {
	toks    []text.Token
	ids     []uint32                // numbers of the tokens' keys found in the dictionary, token after token
	pos     []int32                 // pos[j]: the token of ids[j]
	ends    []int32                 // ends[i]: where token i's numbers end in ids
	present bitset                  // id present: some token has key id (or the document the field value)
	marked  []uint32                // the ids added to present, to clear them
	fields  [len(fieldNames)]string // folded Lang, Source, Author, Country
	raw     [len(fieldNames)]string // the same as given
	starts  [2][]int32              // NEAR's scratch: where each operand matches
}

// reset starts a new document for a dictionary of dictSize keys, reusing
// the buffers.
func (st *docState) reset(d *Doc, dictSize int) {
	st.present.clearSome(st.marked)
	st.marked = st.marked[:0]
	st.present = st.present.grow(dictSize)
	st.ids, st.pos, st.ends = st.ids[:0], st.pos[:0], st.ends[:0]
	st.toks = d.Tokens
	for f, v := range [...]string{d.Lang, d.Source, d.Author, d.Country} {
		// Texts in a row mostly share their language, source and country:
		// fold a value only when it changes.
		if v != st.raw[f] {
			st.raw[f] = v
			if v != "" {
				v = foldField(field(f), v)
			}
			st.fields[f] = v
		}
	}
}

// load prepares d against dict.
func (st *docState) load(d *Doc, dict map[string]uint32) {
	st.reset(d, len(dict))
	for i, tok := range d.Tokens {
		for _, k := range tok.Keys {
			if id, ok := dict[k]; ok {
				st.ids = append(st.ids, id)
				st.pos = append(st.pos, int32(i))
				st.mark(id)
			}
		}
		st.ends = append(st.ends, int32(len(st.ids)))
	}
}

// run evaluates the clause at pc and returns its value and the index after
// it (see compile.go for the layout).
func (st *docState) run(p *program, pc int) (bool, int) {
	code := p.code
	switch code[pc] {
	case opAnd, opOr:
		end := int(code[pc+1])
		// AND stops at the first false child, OR at the first true one.
		stopAt := code[pc] == opOr
		for i := pc + 2; i < end; {
			var ok bool
			ok, i = st.run(p, i)
			if ok == stopAt {
				return stopAt, end
			}
		}
		return !stopAt, end
	case opNot:
		ok, next := st.run(p, pc+1)
		return !ok, next
	case opSpan:
		return st.spanAnywhere(p, pc), int(code[pc+2])
	case opNear:
		return st.near(p, pc), int(code[pc+3])
	case opFilter:
		return st.filter(field(code[pc+1]), p.strs[code[pc+2]]), pc + 3
	}
	return false, len(code)
}

// filter compares a field; lang:sr also matches sr-Latn and sr-Cyrl.
func (st *docState) filter(f field, want string) bool {
	v := st.fields[f]
	if v == want {
		return v != ""
	}
	return f == fieldLang && len(v) > len(want) && v[len(want)] == '-' && v[:len(want)] == want
}

// mark adds id to present; false if it was there already.
func (st *docState) mark(id uint32) bool {
	if st.present.has(id) {
		return false
	}
	st.present.add(id)
	st.marked = append(st.marked, id)
	return true
}

func (st *docState) anyPresent(ids []uint32) bool {
	for _, id := range ids {
		if st.present.has(id) {
			return true
		}
	}
	return false
}

// elemSize is the number of words of the element at epc.
func elemSize(code []uint32, epc int) int { return 1 + int(code[epc]&^prefixBit) }

// possible is a quick necessary condition for the span at pc: each exact
// element has one of its keys somewhere in the document.
func (st *docState) possible(p *program, pc int) bool {
	epc := pc + 3
	for range p.code[pc+1] {
		n := int(p.code[epc] &^ prefixBit)
		if p.code[epc]&prefixBit == 0 && !st.anyPresent(p.code[epc+1:epc+1+n]) {
			return false
		}
		epc += 1 + n
	}
	return true
}

func (st *docState) spanAnywhere(p *program, pc int) bool {
	if p.code[pc+1] == 1 && p.code[pc+3]&prefixBit == 0 {
		return st.anyPresent(p.code[pc+4 : pc+4+int(p.code[pc+3])])
	}
	st.starts[0] = st.spanFind(p, pc, st.starts[0][:0], true)
	return len(st.starts[0]) > 0
}

// spanFind appends the positions where the span at pc matches (only the
// first one if first).
func (st *docState) spanFind(p *program, pc int, dst []int32, first bool) []int32 {
	elems := int32(p.code[pc+1])
	last := int32(len(st.toks)) - elems // the last position a match can start at
	if p.code[pc+3]&prefixBit != 0 {
		// Every position is a start: first rule out a missing word.
		if !st.possible(p, pc) {
			return dst
		}
		for at := int32(0); at <= last; at++ {
			if st.spanAt(p, pc, int(at)) {
				if dst = append(dst, at); first {
					return dst
				}
			}
		}
		return dst
	}
	// Start only where the first word occurs.
	want := p.code[pc+4 : pc+4+int(p.code[pc+3])]
	prev := int32(-1)
	for j, id := range st.ids {
		at := st.pos[j]
		if at == prev || at > last || !slices.Contains(want, id) {
			continue
		}
		prev = at
		if st.spanAfterFirst(p, pc, int(at)) {
			if dst = append(dst, at); first {
				return dst
			}
		}
	}
	return dst
}

// spanAt reports whether the span at pc matches the tokens from at on.
func (st *docState) spanAt(p *program, pc, at int) bool {
	epc := pc + 3
	for k := range int(p.code[pc+1]) {
		if !st.elemAt(p, epc, at+k) {
			return false
		}
		epc += elemSize(p.code, epc)
	}
	return true
}

// spanAfterFirst is spanAt for a start where the first element is known
// to match.
func (st *docState) spanAfterFirst(p *program, pc, at int) bool {
	epc := pc + 3
	epc += elemSize(p.code, epc)
	for k := 1; k < int(p.code[pc+1]); k++ {
		if !st.elemAt(p, epc, at+k) {
			return false
		}
		epc += elemSize(p.code, epc)
	}
	return true
}

// elemAt reports whether the element at epc matches token i.
func (st *docState) elemAt(p *program, epc, i int) bool {
	n := int(p.code[epc] &^ prefixBit)
	words := p.code[epc+1 : epc+1+n]
	if p.code[epc]&prefixBit != 0 {
		for _, key := range st.toks[i].Keys {
			for _, s := range words {
				if strings.HasPrefix(key, p.strs[s]) {
					return true
				}
			}
		}
		return false
	}
	start := int32(0)
	if i > 0 {
		start = st.ends[i-1]
	}
	for _, id := range st.ids[start:st.ends[i]] {
		for _, want := range words {
			if id == want {
				return true
			}
		}
	}
	return false
}

// near: both spans occur on different tokens, at most dist apart, where the
// distance between spans is the first token of the later one minus the
// last token of the earlier one (so adjacent words are 1 apart).
func (st *docState) near(p *program, pc int) bool {
	apc := pc + 4
	bpc := int(p.code[apc+2])
	as := st.spanFind(p, apc, st.starts[0][:0], false)
	st.starts[0] = as
	if len(as) == 0 {
		return false
	}
	bs := st.spanFind(p, bpc, st.starts[1][:0], false)
	st.starts[1] = bs
	la, lb, dist := int32(p.code[apc+1]), int32(p.code[bpc+1]), int32(p.code[pc+1])
	ordered := p.code[pc+2] != 0
	for _, i := range as {
		for _, j := range bs {
			if j >= i+la && j-(i+la-1) <= dist {
				return true
			}
			if !ordered && i >= j+lb && i-(j+lb-1) <= dist {
				return true
			}
		}
	}
	return false
}

// positiveCheck returns the clause that makes the query match a document
// with no words and no fields, or nil when the query needs something to be
// present. Such a query has no positive clause that counts: it would match
// nearly every text.
func positiveCheck(root *node) *node {
	if !emptyMatch(root) {
		return nil
	}
	return culprit(root)
}

// emptyMatch evaluates a clause on the empty document.
func emptyMatch(n *node) bool {
	switch n.kind {
	case kAnd:
		for _, k := range n.kids {
			if !emptyMatch(k) {
				return false
			}
		}
		return true
	case kOr:
		for _, k := range n.kids {
			if emptyMatch(k) {
				return true
			}
		}
		return false
	case kNot:
		return !emptyMatch(n.kids[0])
	}
	return false // words, phrases, NEAR and filters need something present
}

// culprit finds, in a clause true on the empty document, the NOT that
// makes it so.
func culprit(n *node) *node {
	switch n.kind {
	case kAnd:
		return culprit(n.kids[0])
	case kOr:
		for _, k := range n.kids {
			if emptyMatch(k) {
				return culprit(k)
			}
		}
	}
	return n
}
