package lql

import (
	"slices"
	"strings"
	"sync"
)

// Matcher holds standing queries and finds, for each document, the ones it
// matches. Each query is filed by the presearcher (presearch.go), so a
// document is evaluated only against the queries it could match.
//
// Set and Remove take effect for the next Match; Match may be called from
// many goroutines at once, also while queries change (a read-write lock:
// matching shares it, a change holds it alone for one query's filing).
// The zero Matcher is ready to use.
type Matcher struct {
	mu sync.RWMutex

	// Atoms are numbered from 2 (0 is "always present", the empty "also",
	// 1 "never present", the empty "not"): search keys in keys, field
	// values in fieldKeys. Numbers stay after their queries go: the
	// vocabulary of standing queries is small, and numbers that never
	// change need no renumbering.
	keys      map[string]atomEntry
	fieldKeys map[filterKey]atomEntry
	atoms     uint32 // numbers given so far, 0 included

	// Prefixes are filed under their first three bytes (head), packed in a
	// number; heads are pre-checked in a bit set (most words of a document
	// start like no prefix) and found in an open-addressing table. The rare
	// prefix keys shorter than three bytes are tried on every word.
	heads         headTable
	shortPrefixes []prefixGroup
	always        []int32 // slots of queries with no need

	// Queries by slot. What matching touches sits in arrays of its own: a
	// match proved by the index needs only its id, a candidate its program,
	// and all programs share one array so that a program is one cache miss
	// away (with thousands of queries, memory latency is most of the cost).
	ids   []string
	progs []progRef
	code  []uint32 // every program, one after another
	dead  int      // words of code that belong to no query any more
	plans []filed  // where each query is filed, to take it back

	// How many standing queries use each atom and prefix (see costs).
	atomUses   map[atom]int
	prefixUses map[string]int
	free       []int32
	byID       map[string]int32

	scratch sync.Pool // *scratch
}

// atomEntry is an atom's number and the queries filed under it, together
// so that looking a word up finds its postings without another step.
type atomEntry struct {
	id       uint32
	postings []posting
}

// progRef is a query's program: code[off:end] and its strings.
type progRef struct {
	off, end uint32
	strs     []string
}

// posting is a filing in the index: the query's slot, the atoms that must
// also be present and those that must not.
type posting struct {
	slot  int32
	exact bool
	also  [maxAlso]uint32 // present too; 0 when unused (always present)
	not   [maxNot]uint32  // absent; 1 when unused (never present)
}

// prefixGroup is the postings filed under one prefix. The prefix's first
// eight bytes are also kept packed, so that most words are told apart
// without reading the prefix's string.
type prefixGroup struct {
	first8, mask8 uint64
	prefix        string
	postings      []posting
}

// first8 packs the first eight bytes of s (fewer if s is shorter) and a
// mask of the bytes present.
func first8(s string) (v, mask uint64) {
	for i := 0; i < 8 && i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
		mask |= 0xff << (8 * i)
	}
	return v, mask
}

// prefixOf reports whether g's prefix is a prefix of key, whose first8 is k8.
func (g *prefixGroup) prefixOf(key string, k8 uint64) bool {
	return k8&g.mask8 == g.first8 && (len(g.prefix) <= 8 || strings.HasPrefix(key, g.prefix)) && len(key) >= len(g.prefix)
}

// filed remembers a query's filings and what it uses.
type filed struct {
	atoms    []atom
	prefixes []string
	always   bool

	usesAtoms    []atom
	usesPrefixes []string
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher { return &Matcher{} }

// Len is the number of standing queries.
func (m *Matcher) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.byID)
}

// Set adds the query under id, or replaces the query that id had.
// A nil query removes id.
func (m *Matcher) Set(id string, q *Query) {
	if q == nil {
		m.Remove(id)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]atomEntry{}
		m.fieldKeys = map[filterKey]atomEntry{}
		m.atoms = 2 // numbers 0 and 1: always and never present
		m.byID = map[string]int32{}
		m.atomUses = map[atom]int{}
		m.prefixUses = map[string]int{}
	}
	slot, ok := m.byID[id]
	if ok {
		m.drop(slot)
	} else if n := len(m.free); n > 0 {
		slot, m.free = m.free[n-1], m.free[:n-1]
	} else {
		slot = int32(len(m.ids))
		m.ids = append(m.ids, "")
		m.progs = append(m.progs, progRef{})
		m.plans = append(m.plans, filed{})
	}
	m.ids[slot] = id
	m.byID[id] = slot
	prog := m.compile(q)
	m.progs[slot] = progRef{off: uint32(len(m.code)), end: uint32(len(m.code) + len(prog.code)), strs: prog.strs}
	m.code = append(m.code, prog.code...)
	m.file(slot, q)
	m.compact()
}

// Remove removes the query with this id, if there is one.
func (m *Matcher) Remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	slot, ok := m.byID[id]
	if !ok {
		return
	}
	m.drop(slot)
	m.ids[slot] = ""
	m.free = append(m.free, slot)
	delete(m.byID, id)
	m.compact()
}

// drop takes the query in slot out of the index.
func (m *Matcher) drop(slot int32) {
	m.unfile(slot)
	r := m.progs[slot]
	m.dead += int(r.end - r.off)
	m.progs[slot] = progRef{}
}

// compact rewrites the program array once most of it is dead.
func (m *Matcher) compact() {
	if m.dead < 1<<12 || m.dead < len(m.code)/2 {
		return
	}
	code := make([]uint32, 0, len(m.code)-m.dead)
	for slot, r := range m.progs {
		n := uint32(len(code))
		code = append(code, m.code[r.off:r.end]...)
		m.progs[slot].off, m.progs[slot].end = n, uint32(len(code))
	}
	m.code, m.dead = code, 0
}

// compile writes the query's program with its keys numbered in m.keys.
func (m *Matcher) compile(q *Query) program {
	byLocal := make([]string, len(q.dict))
	for k, id := range q.dict {
		byLocal[id] = k
	}
	return compile(q.root, func(local uint32) uint32 { return m.number(atom{key: byLocal[local]}) })
}

// number returns the atom's number, numbering it if it is new.
func (m *Matcher) number(a atom) uint32 {
	return m.entry(a).id
}

// entry returns the atom's entry, numbering the atom if it is new.
func (m *Matcher) entry(a atom) atomEntry {
	var e atomEntry
	var ok bool
	if a.key != "" {
		e, ok = m.keys[a.key]
	} else {
		e, ok = m.fieldKeys[a.filter]
	}
	if !ok {
		e = atomEntry{id: m.atoms}
		m.atoms++
		m.setEntry(a, e)
	}
	return e
}

func (m *Matcher) setEntry(a atom, e atomEntry) {
	if a.key != "" {
		m.keys[a.key] = e
	} else {
		m.fieldKeys[a.filter] = e
	}
}

func (m *Matcher) file(slot int32, q *Query) {
	p := planFor(q.root, costs{
		uses:       func(a atom) int { return m.atomUses[a] },
		prefixUses: func(p string) int { return m.prefixUses[p] },
	})
	f := filed{always: p.none}
	f.usesAtoms, f.usesPrefixes = uses(q.root, nil, nil)
	for _, a := range f.usesAtoms {
		m.atomUses[a]++
	}
	for _, p := range f.usesPrefixes {
		m.prefixUses[p]++
	}
	if p.none {
		m.always = append(m.always, slot)
	}
	for _, fl := range p.filings {
		post := posting{slot: slot, exact: fl.exact, not: [maxNot]uint32{1, 1}}
		for i, a := range fl.also {
			post.also[i] = m.number(a)
		}
		for i, a := range fl.not {
			post.not[i] = m.number(a)
		}
		if fl.prefix != "" {
			m.filePrefix(fl.prefix, post)
			f.prefixes = append(f.prefixes, fl.prefix)
			continue
		}
		e := m.entry(fl.at)
		e.postings = append(e.postings, post)
		m.setEntry(fl.at, e)
		f.atoms = append(f.atoms, fl.at)
	}
	m.plans[slot] = f
}

func (m *Matcher) filePrefix(prefix string, post posting) {
	add := func(groups []prefixGroup) []prefixGroup {
		for i := range groups {
			if groups[i].prefix == prefix {
				groups[i].postings = append(groups[i].postings, post)
				return groups
			}
		}
		v, mask := first8(prefix)
		return append(groups, prefixGroup{first8: v, mask8: mask, prefix: prefix, postings: []posting{post}})
	}
	h, ok := head(prefix)
	if !ok {
		m.shortPrefixes = add(m.shortPrefixes)
		return
	}
	slot := m.heads.slot(h)
	slot.groups = add(slot.groups)
}

func (m *Matcher) unfile(slot int32) {
	f := m.plans[slot]
	for _, a := range f.usesAtoms {
		if m.atomUses[a]--; m.atomUses[a] <= 0 {
			delete(m.atomUses, a)
		}
	}
	for _, p := range f.usesPrefixes {
		if m.prefixUses[p]--; m.prefixUses[p] <= 0 {
			delete(m.prefixUses, p)
		}
	}
	mine := func(p posting) bool { return p.slot == slot }
	if f.always {
		m.always = slices.DeleteFunc(m.always, func(s int32) bool { return s == slot })
	}
	for _, a := range f.atoms {
		e := m.entry(a)
		e.postings = slices.DeleteFunc(e.postings, mine)
		m.setEntry(a, e)
	}
	for _, p := range f.prefixes {
		drop := func(groups []prefixGroup) []prefixGroup {
			for i := range groups {
				groups[i].postings = slices.DeleteFunc(groups[i].postings, mine)
			}
			return slices.DeleteFunc(groups, func(g prefixGroup) bool { return len(g.postings) == 0 })
		}
		if h, ok := head(p); ok {
			// An emptied head keeps its place: heads are few, and a place
			// that stays is one the table never has to move.
			slot := m.heads.slot(h)
			slot.groups = drop(slot.groups)
		} else {
			m.shortPrefixes = drop(m.shortPrefixes)
		}
	}
	m.plans[slot] = filed{}
}

// headTable finds the prefix groups of a head. It only grows.
type headTable struct {
	bits  [headBitsLen / 64]uint64 // a head's bit is set if it may be in slots
	slots []headSlot               // open addressing, linear probing; len is a power of two
	used  int
}

type headSlot struct {
	key    uint32 // head | headUsed; 0: empty
	groups []prefixGroup
}

const (
	headBitsLen = 1 << 14
	headUsed    = 1 << 24 // heads are 24 bits
)

func headHash(h uint32) uint32 { return h * 0x9E3779B1 }

// find returns the groups of a head, if any.
func (t *headTable) find(h uint32) []prefixGroup {
	hash := headHash(h)
	if t.bits[(hash>>18)/64]&(1<<((hash>>18)%64)) == 0 {
		return nil
	}
	mask := uint32(len(t.slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case h | headUsed:
			return t.slots[i].groups
		case 0:
			return nil
		}
	}
}

// slot returns the head's place, making one if there is none.
func (t *headTable) slot(h uint32) *headSlot {
	if 4*(t.used+1) > len(t.slots) { // at most a quarter full: lookups end fast
		old := t.slots
		t.slots = make([]headSlot, max(64, 2*len(old)))
		t.used = 0
		for _, s := range old {
			if s.key != 0 {
				*t.slot(s.key &^ headUsed) = s
			}
		}
	}
	hash := headHash(h)
	mask := uint32(len(t.slots) - 1)
	i := hash & mask
	for ; t.slots[i].key != 0; i = (i + 1) & mask {
		if t.slots[i].key == h|headUsed {
			return &t.slots[i]
		}
	}
	t.slots[i].key = h | headUsed
	t.used++
	t.bits[(hash>>18)/64] |= 1 << ((hash >> 18) % 64)
	return &t.slots[i]
}

// head packs the first three bytes of a key; false if it is shorter.
func head(k string) (uint32, bool) {
	if len(k) < 3 {
		return 0, false
	}
	return uint32(k[0])<<16 | uint32(k[1])<<8 | uint32(k[2]), true
}

// scratch is one Match call's working memory, pooled.
type scratch struct {
	doc     docState
	hits    [][]posting // postings of the atoms present in the document, each atom once
	seen    []uint32    // seen[slot] == doc.gen: already matched or a candidate
	cands   []int32     // to evaluate
	matched []int32     // matched by an exact filing
}

// Match appends to dst the ids of the queries the document matches, in no
// particular order, and returns the extended slice.
func (m *Matcher) Match(d *Doc, dst []string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, _ := m.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	defer m.scratch.Put(s)
	m.candidates(d, s)
	for _, slot := range s.matched {
		dst = append(dst, m.ids[slot])
	}
	for _, slot := range s.cands {
		r := &m.progs[slot]
		p := program{code: m.code[r.off:r.end], strs: r.strs}
		if ok, _ := s.doc.run(&p, 0); ok {
			dst = append(dst, m.ids[slot])
		}
	}
	return dst
}

// candidates prepares the document in s.doc, lists in s.matched the
// queries its exact filings prove matched and in s.cands the ones to
// evaluate. The caller holds m.mu.
func (m *Matcher) candidates(d *Doc, s *scratch) {
	st := &s.doc
	st.reset(d, int(m.atoms))
	if st.gen == 1 {
		clear(s.seen) // a new round of generations
	}
	if len(s.seen) < len(m.ids) {
		s.seen = append(s.seen, make([]uint32, len(m.ids)-len(s.seen))...)
	}
	s.cands, s.matched, s.hits = s.cands[:0], s.matched[:0], s.hits[:0]
	if m.atoms == 0 {
		return // no query was ever set
	}
	st.present[0] = st.gen

	// First every atom of the document, then the filings: their "also"
	// atoms may come later in the text.
	for i, tok := range d.Tokens {
		for _, k := range tok.Keys {
			if e, ok := m.keys[k]; ok {
				st.ids = append(st.ids, e.id)
				st.pos = append(st.pos, int32(i))
				if st.present[e.id] != st.gen {
					st.present[e.id] = st.gen
					s.hits = append(s.hits, e.postings)
				}
			}
		}
		st.ends = append(st.ends, int32(len(st.ids)))
	}
	if len(m.fieldKeys) > 0 {
		m.fieldAtoms(st, s)
	}
	for _, ps := range s.hits {
		s.considerAll(ps)
	}
	if m.heads.used+len(m.shortPrefixes) > 0 {
		for _, tok := range d.Tokens {
			for _, k := range tok.Keys {
				m.prefixCandidates(k, s)
			}
		}
	}
	for _, slot := range m.always {
		s.consider(posting{slot: slot, not: [maxNot]uint32{1, 1}})
	}
}

func (s *scratch) considerAll(ps []posting) {
	for i := range ps {
		s.consider(ps[i])
	}
}

// consider takes a filing whose atom is present.
func (s *scratch) consider(p posting) {
	st := &s.doc
	if st.present[p.also[0]] != st.gen || st.present[p.also[1]] != st.gen ||
		st.present[p.not[0]] == st.gen || st.present[p.not[1]] == st.gen || s.seen[p.slot] == st.gen {
		return
	}
	s.seen[p.slot] = st.gen
	if p.exact {
		s.matched = append(s.matched, p.slot)
	} else {
		s.cands = append(s.cands, p.slot)
	}
}

// fieldAtoms marks the document's field values present; a language also
// stands for its shorter tags (sr-latn: sr-latn, sr).
func (m *Matcher) fieldAtoms(st *docState, s *scratch) {
	for f, v := range st.fields {
		for v != "" {
			if e, ok := m.fieldKeys[filterKey{field(f), v}]; ok && st.present[e.id] != st.gen {
				st.present[e.id] = st.gen
				s.hits = append(s.hits, e.postings)
			}
			cut := strings.LastIndexByte(v, '-')
			if field(f) != fieldLang || cut < 0 {
				break
			}
			v = v[:cut]
		}
	}
}

// prefixCandidates considers the queries filed under a prefix of key.
func (m *Matcher) prefixCandidates(key string, s *scratch) {
	if h, ok := head(key); ok {
		if groups := m.heads.find(h); len(groups) > 0 {
			k8, _ := first8(key)
			for i := range groups {
				if groups[i].prefixOf(key, k8) {
					s.considerAll(groups[i].postings)
				}
			}
		}
	}
	for _, g := range m.shortPrefixes {
		if strings.HasPrefix(key, g.prefix) {
			s.considerAll(g.postings)
		}
	}
}
