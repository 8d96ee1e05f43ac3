package limits

// isEmojiCluster reports whether a grapheme cluster is an emoji as X's
// twitter-text (emoji parsing, config v3) and Threads treat it: a cluster that
// holds an emoji code point (Extended_Pictographic), a regional indicator (a
// flag is a pair of them) or a keycap (U+20E3: 1️⃣, #️⃣).
//
// The Extended_Pictographic table below is a coarse copy of Unicode's
// emoji-data.txt: whole blocks where the block is mostly pictographic. It is
// only ever consulted per grapheme cluster, so the coarseness can make a
// lone symbol such as ⚖ or ✓ count as an emoji; on X that changes nothing
// (those code points weigh 2 anyway) and on Threads it counts their 3 UTF-8
// bytes instead of 1, which errs on the safe side.
func isEmojiCluster(c string) bool {
	for _, r := range c {
		if r < 0xA9 {
			continue
		}
		if r == 0x20E3 || r >= 0x1F1E6 && r <= 0x1F1FF || isPictographic(r) {
			return true
		}
	}
	return false
}

var pictographic = [...][2]rune{
	{0x00A9, 0x00A9}, // ©
	{0x00AE, 0x00AE}, // ®
	{0x203C, 0x203C}, // ‼
	{0x2049, 0x2049}, // ⁉
	{0x2122, 0x2122}, // ™
	{0x2139, 0x2139}, // ℹ
	{0x2194, 0x2199}, // arrows
	{0x21A9, 0x21AA},
	{0x231A, 0x231B}, // ⌚ ⌛
	{0x2328, 0x2328}, // ⌨
	{0x2388, 0x2388},
	{0x23CF, 0x23CF},
	{0x23E9, 0x23F3},
	{0x23F8, 0x23FA},
	{0x24C2, 0x24C2}, // Ⓜ
	{0x25AA, 0x25AB},
	{0x25B6, 0x25B6},
	{0x25C0, 0x25C0},
	{0x25FB, 0x25FE},
	{0x2600, 0x27BF}, // Miscellaneous Symbols, Dingbats
	{0x2934, 0x2935},
	{0x2B05, 0x2B07},
	{0x2B1B, 0x2B1C},
	{0x2B50, 0x2B50}, // ⭐
	{0x2B55, 0x2B55},
	{0x3030, 0x3030},
	{0x303D, 0x303D},
	{0x3297, 0x3297},
	{0x3299, 0x3299},
	{0x1F000, 0x1F1E5}, // Mahjong, domino, playing cards, enclosed alphanumerics
	{0x1F200, 0x1FAFF}, // enclosed ideographs … Symbols and Pictographs Extended-A
	{0x1FC00, 0x1FFFD}, // reserved for future emoji
}

func isPictographic(r rune) bool {
	// Binary search: the table is sorted and disjoint.
	lo, hi := 0, len(pictographic)
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case r < pictographic[mid][0]:
			hi = mid
		case r > pictographic[mid][1]:
			lo = mid + 1
		default:
			return true
		}
	}
	return false
}
