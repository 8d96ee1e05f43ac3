package lql

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// The presearcher decides where the Matcher files each query, so that a
// document is evaluated only against queries it could match:
//
//   - A query made only of words, prefixes and filters with AND, OR and
//     NOT is rewritten as an OR of ANDs of "atoms" (a word — any of its
//     keys —, a prefix — any key starting with it —, or a field value)
//     present or absent, and filed once per AND (or per group of ANDs
//     that differ in one atom, factor.go), under its rarest atom, with up
//     to two more atoms that must be present too ("also"), up to three of
//     which one must be ("any") and two that must not. Such a query needs
//     no evaluation: a filing whose conditions hold is a match.
//   - Any other query (phrases, NEAR) is filed under a need: what every
//     match contains (one element of a phrase, an OR of such), with up to
//     two atoms every match also contains; a filing whose atoms are
//     present makes the query a candidate, evaluated in full.
//   - A query with no need (NOT inside OR, say) is checked against every
//     document; the language requires a positive clause, so these are rare.

// atom is one search key, one word, one prefix or one field value. A word
// with several keys (a Cyrillic word has one per transliteration table) is
// one atom, present when any of its keys is: filing it under each key
// would multiply the filings of an AND by the keys of each of its words,
// and a text in Cyrillic, which has them all, would reach every one of
// them. A prefix is an atom too, present when a key starts with it (with
// several keys, any of them).
type atom struct {
	key    string    // a token key, or alternatives (altKey), or
	filter filterKey // a field value, when key is ""
}

// keySep joins the alternatives of an atom; no key contains it, nor the
// star that ends a prefix alternative.
const keySep = "\x00"

// altKey is the atom key of a span element: its key when it is one word
// with one key, else its keys (prefixes with a star), sorted and joined by
// keySep.
func altKey(keys []string, prefix bool) string {
	alts := slices.Clone(keys)
	if prefix {
		for i := range alts {
			alts[i] += "*"
		}
	}
	if len(alts) == 1 {
		return alts[0]
	}
	slices.Sort(alts)
	return strings.Join(slices.Compact(alts), keySep)
}

// alternatives are the keys and prefixes (with their star) of an atom key.
func altsOf(k string) []string { return strings.Split(k, keySep) }

// compound reports whether an atom key is not a single key: several
// alternatives, or a prefix. Only single keys are looked up directly; a
// compound atom is found through its alternatives.
func compound(k string) bool { return strings.Contains(k, keySep) || strings.HasSuffix(k, "*") }

// prefixAlt returns the prefix of a prefix alternative.
func prefixAlt(alt string) (string, bool) { return strings.CutSuffix(alt, "*") }

type filterKey struct {
	field field
	value string // folded
}

// need is one way to file a query: every match contains one of its terms
// (atom keys: words or prefixes) or one of its field values.
type need struct {
	terms   []string
	filters []filterKey
	cost    float64 // estimated share of documents that contain the need
}

// filing is one place a query is filed.
type filing struct {
	at    atom   // the atom it is filed under
	also  []atom // at most maxAlso, present too
	any   []atom // at most maxAny, one of them present (exact filings only; none: no condition)
	not   []atom // at most maxNot, absent (exact filings only)
	exact bool   // at and also present, not absent: the query matches
}

// plan is where a query is filed; none: it is checked against every document.
type plan struct {
	filings []filing
	none    bool
}

const (
	maxAlso  = 2  // atoms checked in a filing besides the one it is filed under
	maxNot   = 2  // atoms a filing checks are absent
	maxTerms = 16 // ANDs in the OR-of-ANDs form of an exact query
)

// costs estimates how often a document contains an atom or a prefix.
// There are no document frequencies here, so length stands in for rarity
// (longer words are rarer) and a prefix matches a family of words;
// language, source and country split the stream into a few large parts,
// authors into many. uses, when set, counts the standing queries that use
// an atom or prefix: a word many topics watch is likely common in the
// stream they watch, and filing under it would make long posting lists.
type costs struct {
	uses       func(atom) int
	prefixUses func(string) int
}

func lengthCost(key string) float64 {
	l := float64(max(1, utf8.RuneCountInString(key)))
	return 1 / (l * l)
}

func (c costs) atom(a atom) float64 {
	base := 0.5
	switch {
	case compound(a.key): // present when any of its alternatives is
		sum := 0.0
		for _, alt := range altsOf(a.key) {
			if p, ok := prefixAlt(alt); ok {
				sum += c.prefix(p)
			} else {
				sum += c.atom(atom{key: alt})
			}
		}
		return sum
	case a.key != "":
		base = lengthCost(a.key)
	case a.filter.field == fieldAuthor:
		base = 0.01
	}
	if c.uses != nil {
		base *= float64(1 + c.uses(a))
	}
	return base
}

func (c costs) prefix(p string) float64 {
	base := 2 * lengthCost(p)
	if c.prefixUses != nil {
		base *= float64(1 + c.prefixUses(p))
	}
	return base
}

func (c costs) compare(a, b atom) int {
	switch ca, cb := c.atom(a), c.atom(b); {
	case ca < cb:
		return -1
	case ca > cb:
		return 1
	}
	return 0
}

// planFor chooses where to file a parsed query.
func planFor(root *node, c costs) plan {
	if ands, ok := dnf(root, false); ok && !slices.ContainsFunc(ands, func(c conj) bool { return len(c.pos) == 0 }) {
		// (An AND with nothing present would match the empty document,
		// which Parse does not let through; it is refused here all the same.)
		return exactPlan(ands, c)
	}
	alts := alternatives(root, c)
	if len(alts) == 0 {
		return plan{none: true}
	}
	required := requiredAtoms(root)
	// The best filing makes the fewest candidates (its need and its also
	// atoms all present); between equals, the one filed under the rarer
	// need is looked at less often.
	var best []filing
	var bestCost, bestNeed float64
	for _, nd := range alts {
		also := pickAlso(required, nd, c)
		cost := nd.cost
		for _, a := range also {
			cost *= c.atom(a)
		}
		if best == nil || cost < bestCost || cost == bestCost && nd.cost < bestNeed {
			best, bestCost, bestNeed = nd.filings(also), cost, nd.cost
		}
	}
	return plan{filings: best}
}

// exactPlan files each AND of atoms under its rarest atom, the others
// checked with it.
func exactPlan(ands []conj, c costs) plan {
	var p plan
	for _, g := range factor(ands, c) {
		pos := slices.Clone(g.common)
		slices.SortStableFunc(pos, c.compare)
		p.filings = append(p.filings, filing{at: pos[0], also: pos[1:], any: g.any, not: g.neg, exact: true})
	}
	return p
}

// conj is an AND of atoms present (pos) and absent (neg).
type conj struct{ pos, neg []atom }

// dnf rewrites a clause of words and filters under AND, OR and NOT as an
// OR of ANDs of atoms and absent atoms (a word with several keys is an OR
// of them; NOT is pushed down to the atoms). It fails for anything else,
// or when the result is too large to file. neg: the clause is negated.
func dnf(n *node, neg bool) ([]conj, bool) {
	switch n.kind {
	case kSpan:
		if len(n.span.elems) != 1 {
			return nil, false
		}
		e := n.span.elems[0]
		a := atom{key: altKey(e.keys, e.prefix)}
		if neg {
			return []conj{{neg: []atom{a}}}, true
		}
		return []conj{{pos: []atom{a}}}, true
	case kFilter:
		a := atom{filter: filterKey{n.field, n.value}}
		if neg {
			return []conj{{neg: []atom{a}}}, true
		}
		return []conj{{pos: []atom{a}}}, true
	case kNot:
		return dnf(n.kids[0], !neg)
	case kOr, kAnd:
		if (n.kind == kOr) != neg { // an OR, or a negated AND: any child
			var out []conj
			for _, k := range n.kids {
				sub, ok := dnf(k, neg)
				if !ok || len(out)+len(sub) > maxTerms {
					return nil, false
				}
				out = append(out, sub...)
			}
			return out, true
		}
		out := []conj{{}} // an AND, or a negated OR: every child
		for _, k := range n.kids {
			sub, ok := dnf(k, neg)
			if !ok || len(out)*len(sub) > maxTerms {
				return nil, false
			}
			var next []conj
			for _, left := range out {
				for _, right := range sub {
					c, possible := left.and(right)
					if !possible {
						continue // a and NOT a: this AND never holds
					}
					if len(c.pos) > 1+maxAlso || len(c.neg) > maxNot {
						return nil, false
					}
					next = append(next, c)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false // NEAR
}

// and joins two ANDs; false if one needs an atom the other excludes.
func (c conj) and(d conj) (conj, bool) {
	out := conj{pos: slices.Clone(c.pos), neg: slices.Clone(c.neg)}
	for _, a := range d.pos {
		if !slices.Contains(out.pos, a) {
			out.pos = append(out.pos, a)
		}
	}
	for _, a := range d.neg {
		if !slices.Contains(out.neg, a) {
			out.neg = append(out.neg, a)
		}
	}
	for _, a := range out.pos {
		if slices.Contains(out.neg, a) {
			return conj{}, false
		}
	}
	return out, true
}

// alternatives lists the needs a query can be filed under: for an AND (a
// NEAR, a phrase) any part's need will do.
func alternatives(n *node, c costs) []need {
	switch n.kind {
	case kSpan:
		var out []need
		for _, e := range n.span.elems {
			k := altKey(e.keys, e.prefix)
			out = append(out, need{terms: []string{k}, cost: c.atom(atom{key: k})})
		}
		return out
	case kFilter:
		f := filterKey{n.field, n.value}
		return []need{{filters: []filterKey{f}, cost: c.atom(atom{filter: f})}}
	case kAnd, kNear:
		var out []need
		for _, k := range n.kids {
			out = append(out, alternatives(k, c)...)
		}
		return out
	case kOr:
		// Every branch must be covered: the union of each one's cheapest need.
		var all need
		for _, k := range n.kids {
			alts := alternatives(k, c)
			if len(alts) == 0 {
				return nil
			}
			best := slices.MinFunc(alts, func(a, b need) int {
				switch {
				case a.cost < b.cost:
					return -1
				case a.cost > b.cost:
					return 1
				}
				return 0
			})
			all.terms = append(all.terms, best.terms...)
			all.filters = append(all.filters, best.filters...)
			all.cost += best.cost
		}
		all.terms = dedup(all.terms)
		return []need{all}
	}
	return nil // NOT
}

// requiredAtoms lists atoms that every match of the clause contains.
func requiredAtoms(n *node) []atom {
	switch n.kind {
	case kSpan:
		var out []atom
		for _, e := range n.span.elems {
			if a := (atom{key: altKey(e.keys, e.prefix)}); !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out
	case kFilter:
		return []atom{{filter: filterKey{n.field, n.value}}}
	case kAnd, kNear:
		var out []atom
		for _, k := range n.kids {
			for _, a := range requiredAtoms(k) {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
		return out
	}
	return nil // an OR's branches may differ; NOT requires absence
}

// pickAlso chooses the rarest required atoms that the need itself does not
// already stand for.
func pickAlso(required []atom, nd need, c costs) []atom {
	var cands []atom
	for _, a := range required {
		if a.key != "" && len(nd.terms) == 1 && nd.terms[0] == a.key && len(nd.filters) == 0 {
			continue
		}
		if a.key == "" && len(nd.filters) == 1 && nd.filters[0] == a.filter && len(nd.terms) == 0 {
			continue
		}
		cands = append(cands, a)
	}
	slices.SortStableFunc(cands, c.compare)
	return cands[:min(len(cands), maxAlso)]
}

// filings turns a need into one filing per term and field value.
func (nd need) filings(also []atom) []filing {
	var out []filing
	for _, k := range nd.terms {
		out = append(out, filing{at: atom{key: k}, also: also})
	}
	for _, f := range dedupFilters(nd.filters) {
		out = append(out, filing{at: atom{filter: f}, also: also})
	}
	return out
}

func dedupFilters(fs []filterKey) []filterKey {
	out := make([]filterKey, 0, len(fs))
	for _, f := range fs {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// uses lists the atoms and prefixes a query uses, each once.
func uses(n *node, atoms []atom, prefixes []string) ([]atom, []string) {
	switch n.kind {
	case kSpan:
		for _, e := range n.span.elems {
			for _, k := range e.keys {
				if e.prefix {
					if !slices.Contains(prefixes, k) {
						prefixes = append(prefixes, k)
					}
				} else if a := (atom{key: k}); !slices.Contains(atoms, a) {
					atoms = append(atoms, a)
				}
			}
		}
	case kFilter:
		if a := (atom{filter: filterKey{n.field, n.value}}); !slices.Contains(atoms, a) {
			atoms = append(atoms, a)
		}
	}
	for _, k := range n.kids {
		atoms, prefixes = uses(k, atoms, prefixes)
	}
	return atoms, prefixes
}
