package lql

import "strings"

// The prefix groups of an index: a key that is not in the key table
// finds the atoms of the prefixes it starts with here.

// prefixGroup is, in an index, one prefix and the lists of the atoms it
// makes present (links, as a key's: see index.go). The prefix's first
// eight bytes are also kept packed, so that most words are told apart
// without reading the prefix's string.
type prefixGroup struct {
	first8, mask8 uint64
	prefix        string
	links         []uint32
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

// headTable finds the prefix groups of a head (the first three bytes of a
// key, packed in a number): heads are pre-checked in a bit set (most words
// of a document start like no prefix) and found in an open-addressing
// table. It only grows.
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
