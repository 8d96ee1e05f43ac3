package lql

// The key table of an index: open addressing, linear probing, the key
// held in the slot.

// keySlot is one search key of the table. A key of up to 16 bytes is
// held whole in w0 and w1 (see fingerprint), so comparing it needs no
// other memory; a longer one is compared with its string in index.long.
type keySlot struct {
	meta   uint32 // hash bits << 8 | key length (255 for longer); 0: empty
	id     uint32 // atom number
	off, n uint32 // its record: arena[off : off+n]
	w0, w1 uint64
}

// fingerprint packs a key in two words that, with its length, tell keys
// of up to 16 bytes apart exactly: the first and the last eight bytes
// (overlapping when shorter), the first and last four below eight, and
// the first, middle and last byte below four.
func fingerprint(k string) (w0, w1 uint64) {
	switch n := len(k); {
	case n >= 8:
		return load64(k), load64(k[n-8:])
	case n >= 4:
		return uint64(load32(k)), uint64(load32(k[n-4:]))
	case n > 0:
		return uint64(k[0])<<16 | uint64(k[n>>1])<<8 | uint64(k[n-1]), 0
	}
	return 0, 0
}

func load64(k string) uint64 {
	_ = k[7]
	return uint64(k[0]) | uint64(k[1])<<8 | uint64(k[2])<<16 | uint64(k[3])<<24 |
		uint64(k[4])<<32 | uint64(k[5])<<40 | uint64(k[6])<<48 | uint64(k[7])<<56
}

func load32(k string) uint32 {
	_ = k[3]
	return uint32(k[0]) | uint32(k[1])<<8 | uint32(k[2])<<16 | uint32(k[3])<<24
}

// keyHash hashes a key from its fingerprint, and the middle of a key
// longer than 16 bytes. The seed is random per index, so no one can
// choose keys that collide.
func keyHash(seed uint64, k string, w0, w1 uint64) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := (seed ^ w0) * m
	h = (h ^ h>>29 ^ w1 ^ uint64(len(k))<<56) * m
	for k = k[min(len(k), 8):]; len(k) > 8; k = k[8:] {
		h = (h ^ h>>29 ^ load64(k)) * m
	}
	h ^= h >> 32
	h *= 0xBF58476D1CE4E5B9
	return h ^ h>>29
}

// lookup finds a search key.
func (ix *index) lookup(k string) (*keySlot, bool) {
	w0, w1 := fingerprint(k)
	h := keyHash(ix.seed, k, w0, w1)
	meta := keyMeta(h, k)
	for i := uint32(h) & ix.mask; ; i = (i + 1) & ix.mask {
		s := &ix.table[i]
		if s.meta == 0 {
			return nil, false
		}
		if s.meta == meta && s.w0 == w0 && s.w1 == w1 && (len(k) <= 16 || ix.long[s.id] == k) {
			return s, true
		}
	}
}

func (ix *index) insert(k string, id, off, n uint32) {
	w0, w1 := fingerprint(k)
	h := keyHash(ix.seed, k, w0, w1)
	i := uint32(h) & ix.mask
	for ix.table[i].meta != 0 {
		i = (i + 1) & ix.mask
	}
	ix.table[i] = keySlot{meta: keyMeta(h, k), id: id, off: off, n: n, w0: w0, w1: w1}
	if len(k) > 16 {
		ix.long[id] = k
	}
}
