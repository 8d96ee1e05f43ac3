package lql

// A query is evaluated as a flat program: one []uint32 per query, so that
// checking a candidate touches a cache line or two instead of a tree of
// pointers (with 10,000 standing queries, memory latency is most of the
// cost of evaluation). Layout, word by word:
//
//	opAnd, end, children…       end: index after the last child
//	opOr,  end, children…
//	opNot, child
//	opSpan, elements, end, element…
//	    element: n (| prefixBit), then n key numbers, or n indexes of prefix strings
//	opNear, dist, ordered, end, span, span
//	opFilter, field, index of the folded value in strs
const (
	opAnd uint32 = iota + 1
	opOr
	opNot
	opSpan
	opNear
	opFilter
)

const prefixBit = 1 << 31

// program is a compiled query: its code and the strings it refers to.
type program struct {
	code []uint32
	strs []string
}

type compiler struct {
	program
	number func(uint32) uint32
	str    func(string) uint32
}

// compile writes the program of a parsed query; number maps the query's
// own key numbers to those of the dictionary the program will run against,
// str numbers its strings in a table shared by many programs (nil: the
// query's own numbers, its own strings in program.strs).
func compile(root *node, number func(uint32) uint32, str func(string) uint32) program {
	c := compiler{number: number, str: str}
	c.emit(root)
	return c.program
}

// strIndex numbers a prefix or a filter value.
func (c *compiler) strIndex(s string) uint32 {
	if c.str != nil {
		return c.str(s)
	}
	c.strs = append(c.strs, s)
	return uint32(len(c.strs) - 1)
}

func (c *compiler) emit(n *node) {
	switch n.kind {
	case kAnd, kOr:
		op := opAnd
		if n.kind == kOr {
			op = opOr
		}
		at := len(c.code)
		c.code = append(c.code, op, 0)
		for _, k := range n.kids {
			c.emit(k)
		}
		c.code[at+1] = uint32(len(c.code))
	case kNot:
		c.code = append(c.code, opNot)
		c.emit(n.kids[0])
	case kSpan:
		c.span(n.span)
	case kNear:
		at := len(c.code)
		ordered := uint32(0)
		if n.ordered {
			ordered = 1
		}
		c.code = append(c.code, opNear, uint32(n.dist), ordered, 0)
		c.span(n.kids[0].span)
		c.span(n.kids[1].span)
		c.code[at+3] = uint32(len(c.code))
	case kFilter:
		c.code = append(c.code, opFilter, uint32(n.field), c.strIndex(n.value))
	}
}

func (c *compiler) span(sp *span) {
	at := len(c.code)
	c.code = append(c.code, opSpan, uint32(len(sp.elems)), 0)
	for _, e := range sp.elems {
		if e.prefix {
			c.code = append(c.code, uint32(len(e.keys))|prefixBit)
			for _, k := range e.keys {
				c.code = append(c.code, c.strIndex(k))
			}
			continue
		}
		c.code = append(c.code, uint32(len(e.ids)))
		for _, id := range e.ids {
			if c.number != nil {
				id = c.number(id)
			}
			c.code = append(c.code, id)
		}
	}
	c.code[at+2] = uint32(len(c.code))
}
