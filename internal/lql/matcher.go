package lql

import (
	"sync"
	"sync/atomic"
)

// Matcher holds standing queries and finds, for each document, the ones it
// matches. Each query is filed by the presearcher (presearch.go), so a
// document is evaluated only against the queries it could match.
//
// Set and Remove take effect for the next Match: the first Match after a
// change builds a read-only snapshot of the filings laid out for matching
// (index.go; about 30 ms for 10,000 queries), which later calls share
// without a lock. Match may be called from many goroutines at once, also
// while queries change. The zero Matcher is ready to use.
type Matcher struct {
	mu sync.RWMutex

	// Atoms are numbered from 2 (0 is "always present", 1 "never
	// present"): search keys and compound atoms (presearch.go) in keys,
	// field values in fields. Numbers stay after their queries go: the
	// vocabulary of standing queries is small, and numbers that never
	// change need no renumbering.
	keys     map[string]atomEntry
	fields   [len(fieldNames)]map[string]atomEntry
	prefixes map[string][]uint32 // prefix → the compound atoms it is an alternative of
	atoms    uint32              // numbers given so far, 0 and 1 included
	always   []uint32            // postings of queries with no need

	// Queries by slot. What matching touches sits in arrays of its own: a
	// match proved by the index needs only its id, a candidate its program,
	// and all programs share one array (and one table of strings) so that a
	// program is one small step away (with thousands of queries, memory
	// latency is most of the cost).
	ids   []string
	progs []progRef
	code  []uint32 // every program, one after another
	strs  []string // the prefixes and filter values of every program
	dead  int      // words of code that belong to no query any more
	plans []filed  // where each query is filed, to take it back

	strIDs map[string]uint32 // index in strs of each string

	// How many standing queries use each atom and prefix (see costs).
	atomUses   map[atom]int
	prefixUses map[string]int
	free       []int32
	byID       map[string]int32

	frozen  atomic.Pointer[index] // the snapshot Match reads; nil after a change
	scratch sync.Pool             // *scratch
}

// atomEntry is an atom's number and the postings filed under it.
type atomEntry struct {
	id    uint32
	post  []uint32 // see postings.go
	links []uint32 // a key's: the compound atoms it is an alternative of
}

// progRef locates a query's program in code.
type progRef struct{ off, end uint32 }

// filed remembers a query's filings and what it uses.
type filed struct {
	atoms  []atom
	always bool

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
// A nil query removes id. A Matcher holds at most 16,777,216 queries
// (a posting keeps a query's slot in 24 bits); beyond that Set adds
// nothing and reports false.
func (m *Matcher) Set(id string, q *Query) bool {
	if q == nil {
		m.Remove(id)
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]atomEntry{}
		for f := range m.fields {
			m.fields[f] = map[string]atomEntry{}
		}
		m.atoms = 2 // numbers 0 and 1: always and never present
		m.byID = map[string]int32{}
		m.strIDs = map[string]uint32{}
		m.prefixes = map[string][]uint32{}
		m.atomUses = map[atom]int{}
		m.prefixUses = map[string]int{}
	}
	slot, ok := m.byID[id]
	if ok {
		m.drop(slot)
	} else if n := len(m.free); n > 0 {
		slot, m.free = m.free[n-1], m.free[:n-1]
	} else if len(m.ids) >= maxSlots {
		return false
	} else {
		slot = int32(len(m.ids))
		m.ids = append(m.ids, "")
		m.progs = append(m.progs, progRef{})
		m.plans = append(m.plans, filed{})
	}
	m.ids[slot] = id
	m.byID[id] = slot
	prog := m.compile(q)
	m.progs[slot] = progRef{off: uint32(len(m.code)), end: uint32(len(m.code) + len(prog.code))}
	m.code = append(m.code, prog.code...)
	m.file(slot, q)
	m.compact()
	m.frozen.Store(nil)
	return true
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
	m.frozen.Store(nil)
}

// drop takes the query in slot out of the index.
func (m *Matcher) drop(slot int32) {
	m.unfile(slot)
	r := m.progs[slot]
	m.dead += int(r.end - r.off)
	m.progs[slot] = progRef{}
}

// compact rewrites the program array once most of it is dead. (The
// strings stay: like atom numbers, they are the small vocabulary of the
// standing queries.)
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

// compile writes the query's program with its keys numbered in m.keys and
// its strings in m.strs.
func (m *Matcher) compile(q *Query) program {
	byLocal := make([]string, len(q.dict))
	for k, id := range q.dict {
		byLocal[id] = k
	}
	number := func(local uint32) uint32 { return m.number(atom{key: byLocal[local]}) }
	str := func(s string) uint32 {
		i, ok := m.strIDs[s]
		if !ok {
			i = uint32(len(m.strs))
			m.strs = append(m.strs, s)
			m.strIDs[s] = i
		}
		return i
	}
	return compile(q.root, number, str)
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
		e, ok = m.fields[a.filter.field][a.filter.value]
	}
	if !ok {
		e = atomEntry{id: m.atoms}
		m.atoms++
		m.setEntry(a, e)
		if compound(a.key) { // each of its alternatives makes it present
			for _, alt := range altsOf(a.key) {
				if p, ok := prefixAlt(alt); ok {
					m.prefixes[p] = append(m.prefixes[p], e.id)
					continue
				}
				ke := m.entry(atom{key: alt})
				ke.links = append(ke.links, e.id)
				m.setEntry(atom{key: alt}, ke)
			}
		}
	}
	return e
}

func (m *Matcher) setEntry(a atom, e atomEntry) {
	if a.key != "" {
		m.keys[a.key] = e
	} else {
		m.fields[a.filter.field][a.filter.value] = e
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
		m.always = appendPosting(m.always, posting{slot: slot, once: true})
	}
	// A query filed once is reached at most once per document: an atom's
	// list is scanned when it is first found.
	once := len(p.filings) == 1
	for _, fl := range p.filings {
		post := posting{slot: slot, exact: fl.exact, once: once}
		for _, a := range fl.also {
			post.also = append(post.also, m.number(a))
		}
		for _, a := range fl.any {
			post.any = append(post.any, m.number(a))
		}
		for _, a := range fl.not {
			post.not = append(post.not, m.number(a))
		}
		e := m.entry(fl.at)
		e.post = appendPosting(e.post, post)
		m.setEntry(fl.at, e)
		f.atoms = append(f.atoms, fl.at)
	}
	m.plans[slot] = f
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
	if f.always {
		m.always = dropSlot(m.always, slot)
	}
	for _, a := range f.atoms {
		e := m.entry(a)
		e.post = dropSlot(e.post, slot)
		m.setEntry(a, e)
	}
	m.plans[slot] = filed{}
}

// Match appends to dst the ids of the queries the document matches, in no
// particular order, and returns the extended slice.
func (m *Matcher) Match(d *Doc, dst []string) []string {
	ix := m.index()
	s, _ := m.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	ix.candidates(d, s)
	for _, slot := range s.matched {
		dst = append(dst, ix.ids[slot])
	}
	p := program{strs: ix.strs}
	for _, c := range s.cands {
		p.code = ix.code[c.prog+1 : c.prog+1+ix.code[c.prog]]
		if ok, _ := s.doc.run(&p, 0); ok {
			dst = append(dst, ix.ids[c.slot])
		}
	}
	m.scratch.Put(s)
	return dst
}

// index returns the current snapshot, building it after a change.
func (m *Matcher) index() *index {
	if ix := m.frozen.Load(); ix != nil {
		return ix
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ix := m.frozen.Load()
	if ix == nil {
		ix = m.build()
		m.frozen.Store(ix)
	}
	return ix
}

// candidates is index().candidates, for tests.
func (m *Matcher) candidates(d *Doc, s *scratch) { m.index().candidates(d, s) }
