package limits

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// Every expected number in this file was worked out by hand from the
// networks' rules (docs/network-limits.md); the comments show the arithmetic.
// None is computed by the code under test.
//
// Reference values used below:
//   Cyrillic letter: 1 code point, 2 UTF-8 bytes, 1 UTF-16 unit, X weight 1 (U+0400–U+04FF ⊂ U+0000–U+10FF)
//   Georgian letter: 1 code point, 3 UTF-8 bytes, 1 UTF-16 unit, X weight 1 (U+10D0–U+10FF ⊂ U+0000–U+10FF)
//   CJK ideograph:   1 code point, 3 UTF-8 bytes, 1 UTF-16 unit, X weight 2 (outside every weight-1 range)
//   🌾 U+1F33E:      1 code point, 4 bytes, 2 UTF-16 units, 1 grapheme
//   👨‍👩‍👧‍👦:        7 code points (4 people + 3 ZWJ U+200D), 4×4+3×3 = 25 bytes, 4×2+3×1 = 11 UTF-16 units, 1 grapheme
//   🇺🇦:             2 regional indicators, 2×4 = 8 bytes, 2×2 = 4 UTF-16 units, 1 grapheme
//   👍🏽:             U+1F44D U+1F3FD, 8 bytes, 4 UTF-16 units, 1 grapheme
//   e + U+0301:      2 code points, 1+2 = 3 bytes, 2 UTF-16 units, 1 grapheme; NFC → é (1 code point)

// counts is one text's expected length on each network, and its UTF-8 bytes.
type counts struct {
	x, bluesky, mastodon, telegram, instagram, facebook, linkedin, threads, viber, email, website int
	bytes                                                                                         int
}

func (c counts) of(n Network) int {
	switch n {
	case X:
		return c.x
	case Bluesky:
		return c.bluesky
	case Mastodon:
		return c.mastodon
	case Telegram:
		return c.telegram
	case Instagram:
		return c.instagram
	case Facebook:
		return c.facebook
	case LinkedIn:
		return c.linkedin
	case Threads:
		return c.threads
	case Viber:
		return c.viber
	case Email:
		return c.email
	case Website:
		return c.website
	}
	panic("no column for " + string(n))
}

// same is a text every network counts alike (no URL, no emoji, no
// combining mark, nothing outside X's weight-1 ranges).
func same(n, bytes int) counts {
	return counts{n, n, n, n, n, n, n, n, n, n, n, bytes}
}

// longURL is 19 + 81 = 100 characters: "https://" 8 + "mfa.gov.ua" 10 + "/" 1, then 81 × "a".
var longURL = "https://mfa.gov.ua/" + strings.Repeat("a", 81)

var scriptCases = []struct {
	name string
	text string
	want counts
}{
	// 12 ASCII characters.
	{"latin", "Hello, world", same(12, 12)},
	// Українське 10 + зерно 5 + годує 5 + світ 4 = 24 letters, + 3 spaces = 27;
	// bytes 24×2 + 3 = 51.
	{"ukrainian", "Українське зерно годує світ", same(27, 51)},
	// В у ч и ћ = 5 letters; bytes 5×2 = 10.
	{"serbian", "Вучић", same(5, 10)},
	// ს ა ქ ა რ თ ვ ე ლ ო = 10 letters; bytes 10×3 = 30; X weight 1 each.
	{"georgian", "საქართველო", same(10, 30)},
	// X: emoji 2. Bluesky/Mastodon: 1 grapheme. UTF-16: 2. Threads: 4 bytes. Email: 1 code point.
	{"emoji single", "🌾", counts{x: 2, bluesky: 1, mastodon: 1, telegram: 2, instagram: 2, facebook: 2, linkedin: 2, threads: 4, viber: 2, email: 1, website: 1, bytes: 4}},
	// X: one emoji sequence = 2. Graphemes 1. UTF-16 11. Threads 25 bytes. Code points 7.
	{"emoji ZWJ family", "👨‍👩‍👧‍👦", counts{x: 2, bluesky: 1, mastodon: 1, telegram: 11, instagram: 11, facebook: 11, linkedin: 11, threads: 25, viber: 11, email: 7, website: 7, bytes: 25}},
	// X 2; graphemes 1; UTF-16 4; Threads 8 bytes; code points 2.
	{"emoji flag", "🇺🇦", counts{x: 2, bluesky: 1, mastodon: 1, telegram: 4, instagram: 4, facebook: 4, linkedin: 4, threads: 8, viber: 4, email: 2, website: 2, bytes: 8}},
	// X 2; graphemes 1; UTF-16 4; Threads 8 bytes; code points 2.
	{"emoji skin tone", "👍🏽", counts{x: 2, bluesky: 1, mastodon: 1, telegram: 4, instagram: 4, facebook: 4, linkedin: 4, threads: 8, viber: 4, email: 2, website: 2, bytes: 8}},
	// "1" U+FE0F U+20E3: 3 code points, 1+3+3 = 7 bytes, 3 UTF-16 units, 1 grapheme; X emoji 2; Threads 7 bytes.
	{"emoji keycap", "1\uFE0F\u20E3", counts{x: 2, bluesky: 1, mastodon: 1, telegram: 3, instagram: 3, facebook: 3, linkedin: 3, threads: 7, viber: 3, email: 3, website: 3, bytes: 7}},
	// e + U+0301: X normalises to é = 1; graphemes 1; UTF-16 2; Threads 2 (not an emoji); code points 2.
	{"combining acute", "e\u0301", counts{x: 1, bluesky: 1, mastodon: 1, telegram: 2, instagram: 2, facebook: 2, linkedin: 2, threads: 2, viber: 2, email: 2, website: 2, bytes: 3}},
	// U+00E9: 1 everywhere; 2 bytes.
	{"precomposed acute", "\u00E9", same(1, 2)},
	// 外交部: X 3×2 = 6; 3 everywhere else; bytes 3×3 = 9.
	{"cjk", "外交部", counts{x: 6, bluesky: 3, mastodon: 3, telegram: 3, instagram: 3, facebook: 3, linkedin: 3, threads: 3, viber: 3, email: 3, website: 3, bytes: 9}},
	// Слава 5 + " " + Україні 7 + " " + 🇺🇦.
	// Code points 5+1+7+1+2 = 16; graphemes 15; bytes 12×2 + 2 + 8 = 34;
	// UTF-16 14 + 4 = 18; X 14 + 2 = 16; Threads 14 + 8 = 22.
	{"cyrillic with flag", "Слава Україні 🇺🇦", counts{x: 16, bluesky: 15, mastodon: 15, telegram: 18, instagram: 18, facebook: 18, linkedin: 18, threads: 22, viber: 18, email: 16, website: 16, bytes: 34}},
	// საქართველო 10 + " " + 🇬🇪: code points 13; graphemes 12; bytes 30+1+8 = 39;
	// UTF-16 11 + 4 = 15; X 11 + 2 = 13; Threads 11 + 8 = 19.
	{"georgian with flag", "საქართველო 🇬🇪", counts{x: 13, bluesky: 12, mastodon: 12, telegram: 15, instagram: 15, facebook: 15, linkedin: 15, threads: 19, viber: 15, email: 13, website: 13, bytes: 39}},
	// "Read " 5 + URL 100 + " now" 4 = 109 as written;
	// X and Mastodon count the URL as 23: 5 + 23 + 4 = 32.
	{"long URL", "Read " + longURL + " now", counts{x: 32, bluesky: 109, mastodon: 32, telegram: 109, instagram: 109, facebook: 109, linkedin: 109, threads: 109, viber: 109, email: 109, website: 109, bytes: 109}},
	// "Go " 3 + "https://a.ua" 12 = 15; a short URL still counts 23 on X and
	// Mastodon: 3 + 23 = 26.
	{"short URL", "Go https://a.ua", counts{x: 26, bluesky: 15, mastodon: 26, telegram: 15, instagram: 15, facebook: 15, linkedin: 15, threads: 15, viber: 15, email: 15, website: 15, bytes: 15}},
	// "See " 4 + "mfa.gov.ua" 10 + " today" 6 = 20. X links bare domains:
	// 4 + 23 + 6 = 33. Mastodon only discounts URLs with a scheme: 20.
	{"bare domain", "See mfa.gov.ua today", counts{x: 33, bluesky: 20, mastodon: 20, telegram: 20, instagram: 20, facebook: 20, linkedin: 20, threads: 20, viber: 20, email: 20, website: 20, bytes: 20}},
	// "Hi " 3 + "@embassy@mastodon.social" (1+7+1+15 = 24) + "!" 1 = 28.
	// Mastodon counts the local part only: "Hi @embassy!" = 3 + 8 + 1 = 12.
	{"remote mention", "Hi @embassy@mastodon.social!", counts{x: 28, bluesky: 28, mastodon: 12, telegram: 28, instagram: 28, facebook: 28, linkedin: 28, threads: 28, viber: 28, email: 28, website: 28, bytes: 28}},
	// An e-mail address is neither a URL nor a mention: "Write to " 9 + "info@mfa.gov.ua" 15 = 24.
	{"email address", "Write to info@mfa.gov.ua", same(24, 24)},
	// "©" U+00A9 is an emoji code point: X counts it as an emoji (2, the
	// conservative reading), Threads as its 2 UTF-8 bytes. "© MFA" =
	// X 2 + 4 = 6; Threads 2 + 4 = 6; everything else 5; bytes 2 + 4 = 6.
	{"copyright sign", "© MFA", counts{x: 6, bluesky: 5, mastodon: 5, telegram: 5, instagram: 5, facebook: 5, linkedin: 5, threads: 6, viber: 5, email: 5, website: 5, bytes: 6}},
	{"empty", "", same(0, 0)},
}

func TestCountScripts(t *testing.T) {
	for _, tc := range scriptCases {
		for _, n := range Networks {
			t.Run(tc.name+"/"+string(n), func(t *testing.T) {
				m := Count(n, tc.text, Options{})
				if got, want := m.Length, tc.want.of(n); got != want {
					t.Errorf("Length = %d, want %d (%s)", got, want, m.Unit)
				}
				if m.Bytes != tc.want.bytes {
					t.Errorf("Bytes = %d, want %d", m.Bytes, tc.want.bytes)
				}
				if !m.OK() || len(m.Problems()) != 0 {
					t.Errorf("short text not OK: %v", m.Problems())
				}
			})
		}
	}
}

func hashtags(n int) string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("#t%02d", i+1)
	}
	return strings.Join(tags, " ")
}

var boundaryCases = []struct {
	name     string
	net      Network
	opts     Options
	text     string
	length   int
	bytes    int
	hashtags int
	ok       bool
	problems int
}{
	// X: 280 weighted is the limit.
	{"x 280 latin", X, Options{}, strings.Repeat("a", 280), 280, 280, 0, true, 0},
	{"x 281 latin", X, Options{}, strings.Repeat("a", 281), 281, 281, 0, false, 1},
	// Cyrillic and Georgian weigh 1: 280 letters fit.
	{"x 280 cyrillic", X, Options{}, strings.Repeat("ж", 280), 280, 560, 0, true, 0},
	{"x 281 georgian", X, Options{}, strings.Repeat("ს", 281), 281, 843, 0, false, 1},
	// CJK weighs 2: 140 × 2 = 280 fits, 141 × 2 = 282 does not.
	{"x 140 cjk", X, Options{}, strings.Repeat("中", 140), 280, 420, 0, true, 0},
	{"x 141 cjk", X, Options{}, strings.Repeat("中", 141), 282, 423, 0, false, 1},
	// Emoji weigh 2 whatever their code points: 140 families = 280, 141 = 282.
	{"x 140 families", X, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 140), 280, 140 * 25, 0, true, 0},
	{"x 141 families", X, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 141), 282, 141 * 25, 0, false, 1},
	// 257 letters + " " + URL (23) = 281; 256 + 1 + 23 = 280. Bytes 256 + 1 + 100 = 357.
	{"x 280 with URL", X, Options{}, strings.Repeat("a", 256) + " " + longURL, 280, 357, 0, true, 0},
	{"x 281 with URL", X, Options{}, strings.Repeat("a", 257) + " " + longURL, 281, 358, 0, false, 1},
	// NFC: 280 × (e + U+0301) is 280 × é = 280 (560 code points, 840 bytes).
	{"x 280 decomposed", X, Options{}, strings.Repeat("e\u0301", 280), 280, 840, 0, true, 0},

	// Bluesky: 300 graphemes and 3,000 bytes.
	{"bluesky 300 latin", Bluesky, Options{}, strings.Repeat("a", 300), 300, 300, 0, true, 0},
	{"bluesky 301 latin", Bluesky, Options{}, strings.Repeat("a", 301), 301, 301, 0, false, 1},
	// 300 Georgian letters: 300 graphemes, 900 bytes.
	{"bluesky 300 georgian", Bluesky, Options{}, strings.Repeat("ა", 300), 300, 900, 0, true, 0},
	// 1,000 Georgian letters = 3,000 bytes (at the byte limit) but 1,000 graphemes: one problem.
	{"bluesky 1000 georgian", Bluesky, Options{}, strings.Repeat("ა", 1000), 1000, 3000, 0, false, 1},
	// 1,001 letters: 1,001 graphemes and 3,003 bytes: two problems.
	{"bluesky 1001 georgian", Bluesky, Options{}, strings.Repeat("ა", 1001), 1001, 3003, 0, false, 2},
	// 120 families: 120 graphemes, 120 × 25 = 3,000 bytes: fits exactly.
	{"bluesky 3000 bytes", Bluesky, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 120), 120, 3000, 0, true, 0},
	// 121 families: 121 graphemes (fine) but 3,025 bytes: over on bytes only.
	{"bluesky 3001+ bytes", Bluesky, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 121), 121, 3025, 0, false, 1},
	// 150 families: 150 graphemes ≤ 300, 150 × 25 = 3,750 bytes > 3,000.
	{"bluesky 150 families", Bluesky, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 150), 150, 3750, 0, false, 1},
	// 2,999 "a" + "é" (2 bytes) = 3,001 bytes, 3,000 graphemes: over on both.
	{"bluesky 3001 bytes", Bluesky, Options{}, strings.Repeat("a", 2999) + "é", 3000, 3001, 0, false, 2},
	// Bluesky does not shorten URLs: "Read " 5 + 100 + " now" 4 = 109.
	{"bluesky URL in full", Bluesky, Options{}, "Read " + longURL + " now", 109, 109, 0, true, 0},

	// Mastodon: 500 graphemes by default, the instance's max_characters otherwise.
	{"mastodon 500", Mastodon, Options{}, strings.Repeat("a", 500), 500, 500, 0, true, 0},
	{"mastodon 501", Mastodon, Options{}, strings.Repeat("a", 501), 501, 501, 0, false, 1},
	{"mastodon 501 on a 1000 instance", Mastodon, Options{MastodonMaxChars: 1000}, strings.Repeat("a", 501), 501, 501, 0, true, 0},
	{"mastodon 1001 on a 1000 instance", Mastodon, Options{MastodonMaxChars: 1000}, strings.Repeat("ж", 1001), 1001, 2002, 0, false, 1},
	// 500 families are 500 graphemes (3,500 code points): fits.
	{"mastodon 500 families", Mastodon, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 500), 500, 12500, 0, true, 0},
	// 476 letters + " " + URL (23) = 500: fits though 476 + 1 + 100 = 577 characters are written.
	{"mastodon 500 with URL", Mastodon, Options{}, strings.Repeat("a", 476) + " " + longURL, 500, 577, 0, true, 0},

	// Telegram: 4,096 UTF-16 units for text, 1,024 for a caption.
	{"telegram 4096", Telegram, Options{}, strings.Repeat("a", 4096), 4096, 4096, 0, true, 0},
	{"telegram 4097", Telegram, Options{}, strings.Repeat("a", 4097), 4097, 4097, 0, false, 1},
	{"telegram caption 1024", Telegram, Options{HasMedia: true}, strings.Repeat("a", 1024), 1024, 1024, 0, true, 0},
	{"telegram caption 1025", Telegram, Options{HasMedia: true}, strings.Repeat("a", 1025), 1025, 1025, 0, false, 1},
	// 1,025 characters fit a text message but not a caption.
	{"telegram text 1025", Telegram, Options{}, strings.Repeat("a", 1025), 1025, 1025, 0, true, 0},
	// 🌾 is 2 UTF-16 units: 512 × 2 = 1,024 fits a caption, 513 × 2 = 1,026 does not.
	{"telegram caption 512 emoji", Telegram, Options{HasMedia: true}, strings.Repeat("🌾", 512), 1024, 2048, 0, true, 0},
	{"telegram caption 513 emoji", Telegram, Options{HasMedia: true}, strings.Repeat("🌾", 513), 1026, 2052, 0, false, 1},
	// 2,048 × 2 = 4,096 fits a text; 2,049 × 2 = 4,098 does not.
	{"telegram 2048 emoji", Telegram, Options{}, strings.Repeat("🌾", 2048), 4096, 8192, 0, true, 0},
	{"telegram 2049 emoji", Telegram, Options{}, strings.Repeat("🌾", 2049), 4098, 8196, 0, false, 1},
	// 1,024 Georgian letters are 1,024 units (3,072 bytes): a full caption.
	{"telegram caption 1024 georgian", Telegram, Options{HasMedia: true}, strings.Repeat("ა", 1024), 1024, 3072, 0, true, 0},

	// Instagram: 2,200 characters and 30 hashtags.
	{"instagram 2200", Instagram, Options{}, strings.Repeat("a", 2200), 2200, 2200, 0, true, 0},
	{"instagram 2201", Instagram, Options{}, strings.Repeat("a", 2201), 2201, 2201, 0, false, 1},
	// 1,100 × 🌾 = 2,200 UTF-16 units.
	{"instagram 1100 emoji", Instagram, Options{}, strings.Repeat("🌾", 1100), 2200, 4400, 0, true, 0},
	{"instagram 1101 emoji", Instagram, Options{}, strings.Repeat("🌾", 1101), 2202, 4404, 0, false, 1},
	// "#t01 … #t30": 30 tags × 4 + 29 spaces = 149.
	{"instagram 30 hashtags", Instagram, Options{}, hashtags(30), 149, 149, 30, true, 0},
	// 31 × 4 + 30 = 154; 31 hashtags: one problem.
	{"instagram 31 hashtags", Instagram, Options{}, hashtags(31), 154, 154, 31, false, 1},
	// Cyrillic hashtags count; "C#" and "&#39;" and a lone "#" do not:
	// "#Україна #зерно C# &#39; # ok" = 8+1+6+1+2+1+5+1+1+1+2 = 29 characters, 2 hashtags;
	// bytes: the 7 + 5 = 12 Cyrillic letters take 2 bytes each: 29 + 12 = 41.
	{"instagram hashtag rules", Instagram, Options{}, "#Україна #зерно C# &#39; # ok", 29, 41, 2, true, 0},

	// LinkedIn 3,000; Threads 500; Facebook 63,206; Viber 7,000; email and website 100,000.
	{"linkedin 3000", LinkedIn, Options{}, strings.Repeat("a", 3000), 3000, 3000, 0, true, 0},
	{"linkedin 3001", LinkedIn, Options{}, strings.Repeat("a", 3001), 3001, 3001, 0, false, 1},
	{"threads 500", Threads, Options{}, strings.Repeat("ж", 500), 500, 1000, 0, true, 0},
	{"threads 501", Threads, Options{}, strings.Repeat("ж", 501), 501, 1002, 0, false, 1},
	// Threads counts an emoji as its UTF-8 bytes: 125 × 4 = 500 fits, 126 × 4 = 504 does not.
	{"threads 125 emoji", Threads, Options{}, strings.Repeat("🌾", 125), 500, 500, 0, true, 0},
	{"threads 126 emoji", Threads, Options{}, strings.Repeat("🌾", 126), 504, 504, 0, false, 1},
	// 20 families × 25 = 500.
	{"threads 20 families", Threads, Options{}, strings.Repeat("👨‍👩‍👧‍👦", 20), 500, 500, 0, true, 0},
	{"facebook 63206", Facebook, Options{}, strings.Repeat("a", 63206), 63206, 63206, 0, true, 0},
	{"facebook 63207", Facebook, Options{}, strings.Repeat("a", 63207), 63207, 63207, 0, false, 1},
	{"viber 7000", Viber, Options{}, strings.Repeat("ж", 7000), 7000, 14000, 0, true, 0},
	{"viber 7001", Viber, Options{}, strings.Repeat("ж", 7001), 7001, 14002, 0, false, 1},
	// With a picture the text is its caption: 768.
	{"viber caption 768", Viber, Options{HasMedia: true}, strings.Repeat("ж", 768), 768, 1536, 0, true, 0},
	{"viber caption 769", Viber, Options{HasMedia: true}, strings.Repeat("ж", 769), 769, 1538, 0, false, 1},
	{"email 100000", Email, Options{}, strings.Repeat("a", 100000), 100000, 100000, 0, true, 0},
	{"website 100001", Website, Options{}, strings.Repeat("a", 100001), 100001, 100001, 0, false, 1},
}

func TestCountBoundaries(t *testing.T) {
	for _, tc := range boundaryCases {
		t.Run(tc.name, func(t *testing.T) {
			m := Count(tc.net, tc.text, tc.opts)
			if m.Length != tc.length {
				t.Errorf("Length = %d, want %d", m.Length, tc.length)
			}
			if m.Bytes != tc.bytes {
				t.Errorf("Bytes = %d, want %d", m.Bytes, tc.bytes)
			}
			if m.Hashtags != tc.hashtags {
				t.Errorf("Hashtags = %d, want %d", m.Hashtags, tc.hashtags)
			}
			if m.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v", m.OK(), tc.ok)
			}
			if p := m.Problems(); len(p) != tc.problems {
				t.Errorf("Problems() = %q, want %d", p, tc.problems)
			}
		})
	}
}

func TestLimitsAndUnits(t *testing.T) {
	cases := []struct {
		n         Network
		o         Options
		unit      string
		limit     int
		byteLimit int
		tagLimit  int
	}{
		{Telegram, Options{}, "UTF-16 code units", 4096, 0, 0},
		{Telegram, Options{HasMedia: true}, "UTF-16 code units", 1024, 0, 0},
		{Facebook, Options{}, "UTF-16 code units", 63206, 0, 0},
		{Instagram, Options{}, "UTF-16 code units", 2200, 0, 30},
		{X, Options{}, "weighted characters", 280, 0, 0},
		{Mastodon, Options{}, "graphemes", 500, 0, 0},
		{Mastodon, Options{MastodonMaxChars: 5000}, "graphemes", 5000, 0, 0},
		{Mastodon, Options{MastodonMaxChars: -1}, "graphemes", 500, 0, 0},
		{Bluesky, Options{}, "graphemes", 300, 3000, 0},
		{LinkedIn, Options{}, "UTF-16 code units", 3000, 0, 0},
		{Threads, Options{}, "characters", 500, 0, 0},
		{Viber, Options{}, "UTF-16 code units", 7000, 0, 0},
		{Email, Options{}, "characters", 100000, 0, 0},
		{Website, Options{}, "characters", 100000, 0, 0},
	}
	for _, tc := range cases {
		m := Count(tc.n, "x", tc.o)
		if m.Network != tc.n || m.Unit != tc.unit || m.Limit != tc.limit || m.ByteLimit != tc.byteLimit || m.HashtagLimit != tc.tagLimit {
			t.Errorf("Count(%s, %+v) = %+v; want unit %q limit %d byteLimit %d hashtagLimit %d",
				tc.n, tc.o, m, tc.unit, tc.limit, tc.byteLimit, tc.tagLimit)
		}
	}
}

func TestProblemsText(t *testing.T) {
	cases := []struct {
		n    Network
		o    Options
		text string
		want []string
	}{
		// 291 × "a" = 291 weighted characters.
		{X, Options{}, strings.Repeat("a", 291), []string{"X counts 291 weighted characters; the limit is 280"}},
		// 1,001 Georgian letters: 1,001 graphemes, 3,003 bytes.
		{Bluesky, Options{}, strings.Repeat("ა", 1001), []string{
			"Bluesky counts 1,001 graphemes; the limit is 300",
			"Bluesky counts 3,003 bytes (UTF-8); the limit is 3,000",
		}},
		{Telegram, Options{HasMedia: true}, strings.Repeat("a", 1030), []string{"Telegram counts 1,030 UTF-16 code units; the limit is 1,024 for a media caption"}},
		{Instagram, Options{}, hashtags(31), []string{"Instagram counts 31 hashtags; the limit is 30"}},
		{Facebook, Options{}, strings.Repeat("a", 63207), []string{"Facebook counts 63,207 UTF-16 code units; the limit is 63,206"}},
		{Website, Options{}, strings.Repeat("a", 100001), []string{"Website counts 100,001 characters; the limit is 100,000"}},
		{X, Options{}, "fine", nil},
	}
	for _, tc := range cases {
		got := Count(tc.n, tc.text, tc.o).Problems()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Problems() = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestUnknownNetwork(t *testing.T) {
	m := Count("myspace", "hello", Options{})
	if m.OK() {
		t.Error("unknown network is OK")
	}
	if got, want := m.Problems(), []string{`unknown network "myspace"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("Problems() = %q, want %q", got, want)
	}
	if m.Length != 5 || m.Bytes != 5 {
		t.Errorf("Length, Bytes = %d, %d; want 5, 5", m.Length, m.Bytes)
	}
	if (Measure{}).OK() {
		t.Error("zero Measure is OK")
	}
}

func TestNetworksValidLabel(t *testing.T) {
	want := []Network{"telegram", "facebook", "instagram", "x", "mastodon", "bluesky", "linkedin", "threads", "viber", "email", "website"}
	if !reflect.DeepEqual(Networks, want) {
		t.Fatalf("Networks = %v, want %v", Networks, want)
	}
	labels := []string{"Telegram", "Facebook", "Instagram", "X", "Mastodon", "Bluesky", "LinkedIn", "Threads", "Viber", "Email newsletter", "Website"}
	for i, n := range Networks {
		if !Valid(string(n)) {
			t.Errorf("Valid(%q) = false", n)
		}
		if got := Label(n); got != labels[i] {
			t.Errorf("Label(%q) = %q, want %q", n, got, labels[i])
		}
	}
	for _, s := range []string{"", "X", "twitter", "Telegram", "vk"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
	if got := Label("vk"); got != "vk" {
		t.Errorf("Label(vk) = %q", got)
	}
}

func TestURLs(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Read https://mfa.gov.ua/en/news now", []string{"https://mfa.gov.ua/en/news"}},
		{"HTTP://MFA.GOV.UA", []string{"HTTP://MFA.GOV.UA"}},
		{"See https://mfa.gov.ua.", []string{"https://mfa.gov.ua"}},
		{"See https://mfa.gov.ua/news/123.", []string{"https://mfa.gov.ua/news/123"}},
		{"(https://mfa.gov.ua/news)", []string{"https://mfa.gov.ua/news"}},
		{"«https://mfa.gov.ua/news», далі", []string{"https://mfa.gov.ua/news"}},
		{"https://en.wikipedia.org/wiki/Grain_(disambiguation)!", []string{"https://en.wikipedia.org/wiki/Grain_(disambiguation)"}},
		{"https://example.org/search?q=grain&lang=uk#top, then", []string{"https://example.org/search?q=grain&lang=uk#top"}},
		{"https://mfa.gov.ua:8443/x", []string{"https://mfa.gov.ua:8443/x"}},
		{"http://192.168.1.10/status", []string{"http://192.168.1.10/status"}},
		{"https://мзс.укр/новини ok", []string{"https://мзс.укр/новини"}},
		{"two: https://a.ua/1 and http://b.org", []string{"https://a.ua/1", "http://b.org"}},
		// bare domains with a known top-level domain
		{"See mfa.gov.ua today", []string{"mfa.gov.ua"}},
		{"visit www.example.com/path?x=1.", []string{"www.example.com/path?x=1"}},
		{"gov.uk and europa.eu", []string{"gov.uk", "europa.eu"}},
		// not URLs
		{"info@mfa.gov.ua", nil},
		{"@mfa.gov.ua", nil},
		{"main.go and file.txt", nil},
		{"ab.ua", nil}, // twitter-text's short ccTLD domain rule
		{"https://localhost/", nil},
		{"e.g. i.e. a.m.", nil},
		{"no urls here", nil},
		{"", nil},
	}
	for _, tc := range cases {
		if got := URLs(tc.text); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("URLs(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 63206: "63,206", 100000: "100,000", 1234567: "1,234,567", -3001: "-3,001"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}
