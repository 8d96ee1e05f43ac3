package lql

// A posting list holds the filings of one atom or prefix, packed one after
// another in a []uint32: a header word, then the numbers of the atoms that
// must also be present, of those one of which must be, then of those that
// must be absent. Most filings are a
// word or two, so a list is a few bytes per query and scanning it reads
// memory in order (matching 10,000 queries is bound by memory, not by
// arithmetic).
//
//	header: slot (bits 0–23) | any count << 24 | also count << 26 | not count << 28 | exact | once
const (
	slotBits  = 24
	slotMask  = 1<<slotBits - 1
	anyShift  = 24
	alsoShift = 26
	notShift  = 28
	condBits  = 0x3f << anyShift // the three counts
	exactBit  = 1 << 30          // the atoms prove a match: no evaluation
	// onceBit marks the only filing of its query under an atom: it is
	// reached at most once per document, so it needs no "seen" check.
	onceBit = 1 << 31

	// maxSlots is how many queries a Matcher can hold at once (16.7
	// million: a Matcher that large would need tens of gigabytes).
	maxSlots = 1 << slotBits
)

// posting is one filing, unpacked.
type posting struct {
	slot  int32
	exact bool
	once  bool
	also  []uint32 // at most maxAlso atoms present too
	any   []uint32 // at most maxAny atoms, one of them present
	not   []uint32 // at most maxNot atoms absent
}

// appendPosting packs p at the end of list.
func appendPosting(list []uint32, p posting) []uint32 {
	h := uint32(p.slot)&slotMask | uint32(len(p.any))<<anyShift | uint32(len(p.also))<<alsoShift | uint32(len(p.not))<<notShift
	if p.exact {
		h |= exactBit
	}
	if p.once {
		h |= onceBit
	}
	list = append(list, h)
	list = append(list, p.also...)
	list = append(list, p.any...)
	return append(list, p.not...)
}

// postingLen is the number of words of the posting whose header is h.
func postingLen(h uint32) int {
	return 1 + int(h>>anyShift&3) + int(h>>alsoShift&3) + int(h>>notShift&3)
}

// dropSlot removes the postings of slot from list, in place.
func dropSlot(list []uint32, slot int32) []uint32 {
	out := list[:0]
	for i := 0; i < len(list); {
		n := postingLen(list[i])
		if int32(list[i]&slotMask) != slot {
			out = append(out, list[i:i+n]...)
		}
		i += n
	}
	return out
}

// meets reports whether the conditions of the posting with header h,
// whose atoms start at list[i], hold in the present set.
func (b bitset) meets(h uint32, list []uint32, i int) bool {
	for end := i + int(h>>alsoShift&3); i < end; i++ {
		if !b.has(list[i]) {
			return false
		}
	}
	if n := int(h >> anyShift & 3); n > 0 {
		found := false
		for end := i + n; i < end; i++ {
			found = found || b.has(list[i])
		}
		if !found {
			return false
		}
	}
	for end := i + int(h>>notShift&3); i < end; i++ {
		if b.has(list[i]) {
			return false
		}
	}
	return true
}
