package signal

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/text"
)

// MinHash parameters (docs/listening-signals.md gives the reasons and the
// LSH S-curve).
const (
	ShingleSize = 5   // characters per shingle of the normalised text
	NumHashes   = 128 // MinHash permutations: the signature's length
	Bands       = 32  // LSH bands …
	Rows        = 4   // … of this many hashes each (Bands × Rows = NumHashes)
)

// Signature is the MinHash signature of a text: for each of NumHashes
// hash functions, the least hash of the text's shingles. The share of
// positions where two signatures agree estimates the Jaccard similarity of
// the two shingle sets.
type Signature [NumHashes]uint32

// Similarity estimates the Jaccard similarity of the texts behind s and o.
func (s *Signature) Similarity(o *Signature) float64 {
	same := 0
	for i := range s {
		if s[i] == o[i] {
			same++
		}
	}
	return float64(same) / NumHashes
}

// coefficients of the hash family h_i(x) = (a_i·x + b_i) >> 32 over 64-bit
// shingle hashes x (multiply-add-shift; a_i odd). Fixed, so signatures are
// the same in every process; the table is never written after start.
var coefA, coefB = func() (a, b [NumHashes]uint64) {
	state := uint64(0x5157_6e61_6c73_2d31) // an arbitrary fixed seed
	for i := range a {
		a[i] = splitmix(&state) | 1
		b[i] = splitmix(&state)
	}
	return a, b
}()

func splitmix(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Signer computes signatures, reusing its buffers between calls; one
// Signer per goroutine.
type Signer struct {
	toks   []text.Token
	norm   []byte
	starts []int
	hashes []uint64
}

// Normalize returns the form of a text that shingles are taken from: links and
// @handles removed, every word replaced by its primary key from the text
// analyser (lower case, diacritics folded, Cyrillic and Georgian
// transliterated) reduced to a spelling skeleton, words joined by single
// spaces. So case, diacritics, punctuation, emoji, the script and the
// romanisation of a word do not hide a copy.
func Normalize(s string) string {
	var g Signer
	return string(g.normalize(s))
}

// Sign returns the signature of text and the length in characters of its
// normalised form (texts shorter than ShingleSize have one shingle, the
// whole form; an empty form gives a signature of all 0xFFFFFFFF).
func (g *Signer) Sign(s string) (Signature, int) {
	norm := g.normalize(s)
	g.hashes = g.hashes[:0]
	g.starts = g.starts[:0]
	ascii := true
	for i := 0; i < len(norm); {
		g.starts = append(g.starts, i)
		if norm[i] < utf8.RuneSelf {
			i++
			continue
		}
		ascii = false
		_, size := utf8.DecodeRune(norm[i:])
		i += size
	}
	n := len(g.starts)
	g.starts = append(g.starts, len(norm))
	switch {
	case n == 0:
	case n < ShingleSize:
		g.hashes = append(g.hashes, hashBytes(norm))
	case ascii:
		for i := 0; i+ShingleSize <= len(norm); i++ {
			g.hashes = append(g.hashes, hashBytes(norm[i:i+ShingleSize]))
		}
	default:
		for i := 0; i+ShingleSize <= n; i++ {
			g.hashes = append(g.hashes, hashBytes(norm[g.starts[i]:g.starts[i+ShingleSize]]))
		}
	}
	return signHashes(g.hashes), n
}

// signHashes computes the signature of a set of shingle hashes. The loop
// runs over the hashes for each function (two at a time), so that the
// minima stay in registers and the comparisons need no branches.
func signHashes(hashes []uint64) Signature {
	var sig Signature
	for i := 0; i < NumHashes; i += 2 {
		a0, b0, a1, b1 := coefA[i], coefB[i], coefA[i+1], coefB[i+1]
		m0, m1 := ^uint32(0), ^uint32(0)
		for _, x := range hashes {
			m0 = min(m0, uint32((a0*x+b0)>>32))
			m1 = min(m1, uint32((a1*x+b1)>>32))
		}
		sig[i], sig[i+1] = m0, m1
	}
	return sig
}

// hashBytes is FNV-1a finished with murmur3's mixer, so that shingles that
// differ in one letter get unrelated 64-bit hashes.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ (h >> 33)
}

// normalize builds the normalised form of s in g.norm.
func (g *Signer) normalize(s string) []byte {
	g.toks = text.AnalyzeAppend(g.toks[:0], stripLinks(s))
	g.norm = g.norm[:0]
	for _, t := range g.toks {
		if len(g.norm) > 0 {
			g.norm = append(g.norm, ' ')
		}
		g.norm = appendSkeleton(g.norm, t.Keys[0])
	}
	return g.norm
}

// stripLinks removes web addresses and @handles from s: the parts of a
// copy that campaigns vary (a tracking link, the account replied to), and
// that would otherwise dominate the shingles of a short text. Both must
// start a word (not follow a letter or digit, so an e-mail address stays).
// An address starts with http://, https:// or www. and runs to the next
// space; a handle is @ and the letters, digits and _ . - @ that follow
// (@user, @name.bsky.social, @user@instance.social).
func stripLinks(s string) string {
	if !strings.ContainsAny(s, "@:.") {
		return s
	}
	var b []byte
	last := 0
	for i := 0; i < len(s); {
		n := linkAt(s, i)
		if n == 0 {
			i++
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, ' ')
		i += n
		last = i
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// linkAt is the length of the address or handle starting at s[i], or 0.
func linkAt(s string, i int) int {
	rest := s[i:]
	handle := false
	switch c := rest[0]; {
	case c != '@' && c|0x20 != 'h' && c|0x20 != 'w':
		return 0
	case c == '@':
		handle = true
	case hasPrefixFold(rest, "http://"), hasPrefixFold(rest, "https://"), hasPrefixFold(rest, "www."):
	default:
		return 0
	}
	if prev, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && (unicode.IsLetter(prev) || unicode.IsDigit(prev)) {
		return 0
	}
	n := 1
	for n < len(rest) {
		c := rest[n]
		if handle && !(c < utf8.RuneSelf && (isAlnum(c) || c == '_' || c == '.' || c == '-' || c == '@')) {
			break
		}
		if !handle && isSpaceByte(c) {
			break
		}
		n++
	}
	if handle && n == 1 {
		return 0 // a lone @
	}
	return n
}

func isAlnum(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' }

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// appendSkeleton appends the spelling skeleton of an analysed key: the
// romanisations of one Cyrillic letter are made to agree (х: h, kh; г: g,
// h; и: i, y; й, ј: j, y, i; ш щ ж ч ц: sh shch zh ch ts and the Serbian
// letters folded to s z c), and doubled letters are written once. Letters
// outside ASCII (Greek, other scripts) are kept.
func appendSkeleton(dst []byte, key string) []byte {
	for i := 0; i < len(key); {
		c := key[i]
		var out byte
		switch {
		case c >= utf8.RuneSelf:
			_, size := utf8.DecodeRuneInString(key[i:])
			dst = append(dst, key[i:i+size]...)
			i += size
			continue
		case strings.HasPrefix(key[i:], "shch"):
			out, i = 's', i+4
		case c == 'k' && at(key, i+1) == 'h':
			out, i = 'g', i+2
		case (c == 'z' || c == 'c' || c == 's') && at(key, i+1) == 'h':
			out, i = c, i+2
		case c == 't' && at(key, i+1) == 's':
			out, i = 'c', i+2
		default:
			out, i = skeletonLetter[c], i+1
		}
		if out >= 'a' && out <= 'z' && len(dst) > 0 && dst[len(dst)-1] == out {
			continue
		}
		dst = append(dst, out)
	}
	return dst
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// skeletonLetter maps one ASCII byte of a key to its skeleton.
var skeletonLetter = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		t[c] = byte(c)
	}
	t['h'], t['y'], t['j'], t['w'] = 'g', 'i', 'i', 'v'
	return t
}()

// Clusters groups near-duplicate signatures: two signatures whose
// estimated Jaccard similarity is at least threshold are linked, and the
// groups are the connected components (union-find). Candidate pairs come
// from LSH banding (Bands × Rows), so a pair is found with probability
// 1 − (1 − J^Rows)^Bands; identical signatures are always linked. It
// returns the groups of two or more, each as ascending indices into sigs,
// ordered by their first index.
func Clusters(sigs []Signature, threshold float64) [][]int {
	n := len(sigs)
	uf := newUnionFind(n)
	exact := make(map[uint64]int32, n)
	unique := make([]int32, 0, n)
	for i := range sigs {
		h := hashSignature(&sigs[i])
		if j, ok := exact[h]; ok && sigs[j] == sigs[i] {
			uf.union(int32(i), j)
			continue
		} else if !ok {
			exact[h] = int32(i)
		}
		unique = append(unique, int32(i))
	}
	const maxReps = 4 // compared per bucket; an earlier link usually answers first
	for b := range Bands {
		buckets := make(map[uint64][]int32, len(unique))
		for _, i := range unique {
			key := bandKey(&sigs[i], b)
			reps := buckets[key]
			linked := false
			for _, r := range reps {
				if uf.find(r) == uf.find(i) || sigs[r].Similarity(&sigs[i]) >= threshold {
					uf.union(r, i)
					linked = true
					break
				}
			}
			if !linked && len(reps) < maxReps {
				buckets[key] = append(reps, i)
			}
		}
	}
	return uf.groups()
}

func hashSignature(s *Signature) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range s {
		h = (h ^ uint64(v)) * 1099511628211
	}
	return h
}

// bandKey hashes the Rows values of band b.
func bandKey(s *Signature, b int) uint64 {
	h := uint64(b) * 0x9e3779b97f4a7c15
	for _, v := range s[b*Rows : (b+1)*Rows] {
		hi, lo := bits.Mul64(h^uint64(v), 0xff51afd7ed558ccd)
		h = hi ^ lo
	}
	return h
}

// unionFind is a disjoint-set forest with path halving and union by size.
type unionFind struct {
	parent []int32
	size   []int32
}

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n)}
	for i := range u.parent {
		u.parent[i], u.size[i] = int32(i), 1
	}
	return u
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b int32) {
	a, b = u.find(a), u.find(b)
	if a == b {
		return
	}
	if u.size[a] < u.size[b] {
		a, b = b, a
	}
	u.parent[b] = a
	u.size[a] += u.size[b]
}

// groups lists the components of two or more members.
func (u *unionFind) groups() [][]int {
	byRoot := map[int32][]int{}
	var roots []int32
	for i := range u.parent {
		r := u.find(int32(i))
		if u.size[r] < 2 {
			continue
		}
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], i)
	}
	// Roots were met in order of their first member.
	out := make([][]int, 0, len(roots))
	for _, r := range roots {
		out = append(out, byRoot[r])
	}
	return out
}
