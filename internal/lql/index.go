package lql

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// index is a read-only snapshot of a Matcher's filings, laid out for
// matching. With thousands of standing queries the index does not fit in
// the fastest caches, and what a document costs is mostly the cache lines
// it touches; so a search key is found in one slot of an open-addressing
// table that holds its first bytes, and all posting lists sit one after
// another in one array, each candidate's program inline after its
// posting, so that evaluating it reads memory the scan just read.
//
// The Matcher builds a snapshot at the first Match after a change; a
// snapshot never changes, so Match reads it without a lock.
type index struct {
	seed   uint64
	table  []keySlot // len is a power of two, at most half full
	mask   uint32
	long   map[uint32]string // the keys longer than 16 bytes, by atom number
	arena  []uint32          // every posting list (frozen layout, below)
	code   []uint32          // the programs of the candidates: length, then the words
	fields [len(fieldNames)]map[string]fieldEntry
	heads  headTable
	short  []prefixGroup
	always extent
	strs   []string // the strings of every program
	progs  []uint32 // while building: where each query's program is in code, by the Matcher's slot
	local  []uint32 // while building: the index's slot + 1 of each of the Matcher's slots (0: none yet)
	ids    []string // query ids by the index's slot (localSlot)
	atoms  uint32   // atom numbers given so far
}

// In the arena a posting is laid out as in the Matcher's lists
// (postings.go), and a posting that is not exact is followed by the
// offset of its query's program in code.

type fieldEntry struct {
	id   uint32
	post extent
}

// candidate is a query to evaluate and its program.
type candidate struct {
	slot int32
	prog uint32 // its place in index.code
}

func keyMeta(h uint64, k string) uint32 {
	return uint32(h>>40)<<8 | uint32(min(len(k), 255))
}

// A key's record in the arena: the number of its links, the links, then
// its own postings. A link is (number, offset, length) of the list of a
// compound atom the key makes present: one it is an alternative of, or a
// prefix it starts with (worked out here once, not for every word of
// every document). Marking the number present scans each list once per
// document. A prefix group holds the links of its prefix the same way,
// for the keys that are not in the table.
const linkWords = 3

// build makes the snapshot of the Matcher's filings. The caller holds m.mu.
func (m *Matcher) build() *index {
	ix := &index{
		seed:  maphash.Comparable(maphash.MakeSeed(), 0) | 1,
		long:  map[uint32]string{},
		atoms: max(m.atoms, 2),
		local: make([]uint32, len(m.ids)),
		strs:  slices.Clip(m.strs),
		progs: make([]uint32, len(m.ids)),
		code:  []uint32{0}, // a program's place is never 0
	}
	// Lists are placed first and sliced once the arena stops moving.
	place := func(list []uint32) extent {
		off := len(ix.arena)
		ix.appendFrozen(m, list)
		return extent{uint32(off), uint32(len(ix.arena))}
	}
	compounds := map[uint32]extent{}
	for k, e := range m.keys {
		if compound(k) { // also without postings: "also" and "not" need it marked
			compounds[e.id] = place(e.post)
		}
	}
	for f := range m.fields {
		ix.fields[f] = make(map[string]fieldEntry, len(m.fields[f]))
		for v, e := range m.fields[f] {
			ix.fields[f][v] = fieldEntry{id: e.id, post: place(e.post)}
		}
	}
	ix.always = place(m.always)
	appendLinks := func(ids []uint32) {
		for _, id := range ids {
			sp := compounds[id]
			ix.arena = append(ix.arena, id, sp.off, sp.end-sp.off)
		}
	}
	for p, ids := range m.prefixes {
		off := len(ix.arena)
		appendLinks(ids)
		v, mask := first8(p)
		g := prefixGroup{first8: v, mask8: mask, prefix: p, links: ix.arena[off:len(ix.arena):len(ix.arena)]}
		if h, ok := head(p); ok {
			hs := ix.heads.slot(h)
			hs.groups = append(hs.groups, g)
		} else {
			ix.short = append(ix.short, g)
		}
	}

	keys := 0
	for k := range m.keys {
		if !compound(k) {
			keys++
		}
	}
	size := 16
	for size < 2*keys {
		size *= 2
	}
	ix.table, ix.mask = make([]keySlot, size), uint32(size-1)
	var links []uint32
	for k, e := range m.keys {
		if compound(k) {
			continue
		}
		links = append(links[:0], e.links...)
		ix.eachGroup(k, func(g *prefixGroup) {
			for j := 0; j < len(g.links); j += linkWords {
				links = append(links, g.links[j])
			}
		})
		slices.Sort(links)
		links = slices.Compact(links)
		off := len(ix.arena)
		ix.arena = append(ix.arena, uint32(len(links)))
		appendLinks(links)
		ix.appendFrozen(m, e.post)
		ix.insert(k, e.id, uint32(off), uint32(len(ix.arena)-off))
	}
	ix.arena, ix.progs, ix.local = slices.Clip(ix.arena), nil, nil
	return ix
}

// localSlot returns the index's number of the Matcher's slot: queries
// are numbered in the order their postings are placed, so the queries of
// one list sit side by side in ids (a text's matches are mostly found
// through a few lists, and reading their ids touches fewer cache lines).
func (ix *index) localSlot(m *Matcher, slot uint32) uint32 {
	if ix.local[slot] == 0 {
		ix.ids = append(ix.ids, m.ids[slot])
		ix.local[slot] = uint32(len(ix.ids))
	}
	return ix.local[slot] - 1
}

// extent locates a list in the arena.
type extent struct{ off, end uint32 }

// appendFrozen copies a list into the arena with the places of the
// programs of the postings that are not exact.
func (ix *index) appendFrozen(m *Matcher, list []uint32) {
	// Postings of one shape together: scanning branches on the shape, and
	// runs of one shape are predicted.
	var starts []int
	for i := 0; i < len(list); i += postingLen(list[i]) {
		starts = append(starts, i)
	}
	shape := func(i int) uint32 { return list[i] &^ slotMask }
	slices.SortStableFunc(starts, func(a, b int) int { return cmp.Compare(shape(a), shape(b)) })
	for _, i := range starts {
		n := postingLen(list[i])
		slot := list[i] & slotMask
		ix.arena = append(ix.arena, list[i]&^slotMask|ix.localSlot(m, slot))
		ix.arena = append(ix.arena, list[i+1:i+n]...)
		if list[i]&exactBit == 0 {
			if ix.progs[slot] == 0 { // not placed yet (0 is never a place: see build)
				r := m.progs[slot]
				ix.progs[slot] = uint32(len(ix.code))
				ix.code = append(ix.code, r.end-r.off)
				ix.code = append(ix.code, m.code[r.off:r.end]...)
			}
			ix.arena = append(ix.arena, ix.progs[slot])
		}
	}
}

// candidates prepares the document in s.doc, lists in s.matched the
// queries its exact filings prove matched and in s.cands the ones to
// evaluate.
func (ix *index) candidates(d *Doc, s *scratch) {
	st := &s.doc
	st.reset(d, int(ix.atoms))
	s.seen.clearSlots(s.matched, s.cands)
	s.seen = s.seen.grow(len(ix.ids))
	s.cands, s.matched, s.hits = s.cands[:0], s.matched[:0], s.hits[:0]
	st.present.add(0) // always present (never marked: never cleared)

	// One pass over the keys finds the atoms and the prefixes; the lists
	// are scanned after it, since their "also" atoms may come later in
	// the text.
	prefixes := ix.heads.used+len(ix.short) > 0
	for i, tok := range d.Tokens {
		for _, k := range tok.Keys {
			e, ok := ix.lookup(k)
			if !ok {
				if prefixes {
					ix.prefixHits(k, s)
				}
				continue
			}
			st.ids = append(st.ids, e.id)
			st.pos = append(st.pos, int32(i))
			if st.mark(e.id) {
				ix.keyHits(extent{e.off, e.off + e.n}, s)
			}
		}
		st.ends = append(st.ends, int32(len(st.ids)))
	}
	ix.fieldAtoms(st, s)
	for _, h := range s.hits {
		s.scan(ix.arena[h.off:h.end])
	}
	s.scan(ix.arena[ix.always.off:ix.always.end])
}

// keyHits adds the lists a found key leads to: its own and those of its
// links (see build) not yet found.
func (ix *index) keyHits(rec extent, s *scratch) {
	n := ix.arena[rec.off]
	links := rec.off + 1
	own := links + linkWords*n
	s.linkHits(ix.arena[links:own])
	if own < rec.end {
		s.hits = append(s.hits, extent{own, rec.end})
	}
}

// linkHits marks the atoms of links and adds their lists.
func (s *scratch) linkHits(links []uint32) {
	for j := 0; j+linkWords <= len(links); j += linkWords {
		if s.doc.mark(links[j]) && links[j+2] > 0 {
			s.hits = append(s.hits, extent{links[j+1], links[j+1] + links[j+2]})
		}
	}
}

// fieldAtoms marks the document's field values present; a language also
// stands for its shorter tags (sr-latn: sr-latn, sr). Texts in a row mostly
// share their fields, so what a value finds is remembered.
func (ix *index) fieldAtoms(st *docState, s *scratch) {
	for f, v := range st.fields {
		memo := &s.fields[f]
		if memo.ix != ix || memo.value != v {
			memo.ix, memo.value, memo.found = ix, v, memo.found[:0]
			for v != "" && len(ix.fields[f]) > 0 {
				if e, ok := ix.fields[f][v]; ok {
					memo.found = append(memo.found, e)
				}
				cut := strings.LastIndexByte(v, '-')
				if field(f) != fieldLang || cut < 0 {
					break
				}
				v = v[:cut]
			}
		}
		for _, e := range memo.found {
			if st.mark(e.id) && e.post.end > e.post.off {
				s.hits = append(s.hits, e.post)
			}
		}
	}
}

// fieldMemo is what a field value found in an index.
type fieldMemo struct {
	ix    *index
	value string
	found []fieldEntry // the value's and its shorter tags'
}

// prefixHits adds the lists of the atoms of the prefixes of key.
func (ix *index) prefixHits(key string, s *scratch) {
	ix.eachGroup(key, func(g *prefixGroup) { s.linkHits(g.links) })
}

// eachGroup calls fn with the group of each prefix of key.
func (ix *index) eachGroup(key string, fn func(*prefixGroup)) {
	if h, ok := head(key); ok {
		if groups := ix.heads.find(h); len(groups) > 0 {
			k8, _ := first8(key)
			for i := range groups {
				if groups[i].prefixOf(key, k8) {
					fn(&groups[i])
				}
			}
		}
	}
	for i := range ix.short {
		if strings.HasPrefix(key, ix.short[i].prefix) {
			fn(&ix.short[i])
		}
	}
}

// scratch is one Match call's working memory, pooled.
type scratch struct {
	doc     docState
	hits    []extent    // posting lists of the atoms present in the document
	seen    bitset      // slots already matched or candidates (cleared through them)
	cands   []candidate // to evaluate
	matched []int32     // matched by an exact filing
	fields  [len(fieldNames)]fieldMemo
}

// scan considers every posting of a list (frozen layout) whose atom or
// prefix is in the document: those whose other atoms are present and
// absent as they must be go to matched (exact) or cands (to evaluate),
// each query once. This loop is the matcher's hottest: the common shapes
// (no condition, one "also") are checked inline.
func (s *scratch) scan(list []uint32) {
	present := s.doc.present
	for i := 0; i < len(list); {
		h := list[i]
		i++
		ok := true
		switch h & condBits {
		case 0:
		case 1 << alsoShift:
			ok = present.has(list[i])
			i++
		default:
			ok = present.meets(h, list, i)
			i += postingLen(h) - 1
		}
		prog := uint32(0)
		if h&exactBit == 0 {
			prog = list[i]
			i++
		}
		if ok {
			s.take(h, prog)
		}
	}
}

// take records a posting whose conditions hold.
func (s *scratch) take(h, prog uint32) {
	slot := h & slotMask
	if h&onceBit == 0 {
		if s.seen.has(slot) {
			return
		}
		s.seen.add(slot)
	}
	if prog == 0 {
		s.matched = append(s.matched, int32(slot))
	} else {
		s.cands = append(s.cands, candidate{int32(slot), prog})
	}
}
