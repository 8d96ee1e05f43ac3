package lql

// bitset is a set of small numbers: the atoms present in a document, the
// queries already taken. A few hundred bytes for thousands of atoms stay
// in the fastest cache, where an array of generation numbers would not;
// users clear the bits they set instead of the whole set.
type bitset []uint64

func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

func (b bitset) add(i uint32) { b[i>>6] |= 1 << (i & 63) }

func (b bitset) remove(i uint32) { b[i>>6] &^= 1 << (i & 63) }

// grow makes room for numbers below n.
func (b bitset) grow(n int) bitset {
	if words := (n + 63) / 64; len(b) < words {
		b = append(b, make([]uint64, words-len(b))...)
	}
	return b
}

// clearSome removes the numbers of set, which are all there is in b:
// one by one when they are few, else b as a whole (a clear of a few
// hundred bytes costs less than a few dozen random stores).
func (b bitset) clearSome(set []uint32) {
	if 16*len(set) < len(b) {
		for _, i := range set {
			b.remove(i)
		}
		return
	}
	clear(b)
}

// clearSlots is clearSome for slot numbers.
func (b bitset) clearSlots(matched []int32, cands []candidate) {
	if 16*(len(matched)+len(cands)) < len(b) {
		for _, slot := range matched {
			b.remove(uint32(slot))
		}
		for _, c := range cands {
			b.remove(uint32(c.slot))
		}
		return
	}
	clear(b)
}
