package text

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Rune pools for random texts.
var (
	regionLetters = func() []rune {
		rs := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" +
			"čćžšđČĆŽŠĐëËçÇșşțţăâîȘŞȚŢĂÂÎüöğıİÜÖĞßæøåłÆØÅŁéèêàôûÉ" +
			"აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ")
		for _, l := range cyrLetters {
			rs = append(rs, l.letter, []rune(strings.ToUpper(string(l.letter)))[0])
		}
		return rs
	}()
	otherRunes = []rune("αβγάέΑΘΣς中文がカナअकि्ि\u0301\u0306\u0308\u0326\u00AD\u200B\u200D\uFEFF" +
		"'’ʼ .,-_#@/:;!?()«»—\t\n🌾👍🏽👨‍👩‍👧🇺🇦€%ǅﬁＮ²ͺゟ\uFFFD")
	keyPattern = regexp.MustCompile(`^[a-z0-9]+$`)
)

// randomText draws n runes, mostly from the region's alphabets, sometimes
// any code point, sometimes an invalid byte.
func randomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		switch p := rng.IntN(100); {
		case p < 70:
			b.WriteRune(regionLetters[rng.IntN(len(regionLetters))])
		case p < 95:
			b.WriteRune(otherRunes[rng.IntN(len(otherRunes))])
		case p < 98:
			b.WriteRune(rune(rng.IntN(0x30000)))
		default:
			b.WriteByte(byte(0x80 + rng.IntN(0x80)))
		}
	}
	return b.String()
}

// randomWord draws a word of the region's letters, maybe with an apostrophe inside.
func randomWord(rng *rand.Rand) string {
	var b strings.Builder
	n := 1 + rng.IntN(10)
	for i := range n {
		if i > 0 && i < n-1 && rng.IntN(8) == 0 {
			b.WriteString([]string{"'", "’", "ʼ"}[rng.IntN(3)])
		}
		b.WriteRune(regionLetters[rng.IntN(len(regionLetters))])
	}
	return b.String()
}

// TestPropertyKeys: for random texts, every key is non-empty, lower-case and
// without combining marks; keys are fixed points (TermKeys(k) holds k); and
// the first token of a text has the keys TermKeys gives the text.
func TestPropertyKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for range 5000 {
		s := randomText(rng, rng.IntN(40))
		toks := checkTokens(t, s)
		checkFixedPoints(t, s, toks)
		checkTermKeys(t, s, toks)
	}
}

// TestPropertySingleWord: for any single word w of the region's alphabets,
// Analyze(w) is one token, TermKeys(w) meets its keys, and every key is
// lower-case Latin letters and digits.
func TestPropertySingleWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 20000 {
		w := randomWord(rng)
		toks := checkTokens(t, w)
		if len(toks) != 1 {
			t.Fatalf("%q: %d tokens %q", w, len(toks), keysOf(w))
		}
		if tk := TermKeys(w); !intersects(tk, toks[0].Keys) {
			t.Fatalf("%q: TermKeys %q does not meet Analyze %q", w, tk, toks[0].Keys)
		}
		for _, k := range toks[0].Keys {
			if !keyPattern.MatchString(k) {
				t.Fatalf("%q: key %q is not Latin letters and digits", w, k)
			}
		}
	}
}

// TestPropertyReuse: analysing into a reused buffer gives what a fresh
// Analyze gives, and leaves the tokens already in dst alone.
func TestPropertyReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	var reused []Token
	for range 3000 {
		s := randomText(rng, rng.IntN(60))
		reused = AnalyzeAppend(reused[:0], s)
		if want := Analyze(s); !equalTokens(reused, want) {
			t.Fatalf("%q: reused buffer gives %v, fresh %v", s, reused, want)
		}
	}
	prefix := Analyze("kept words here")
	before := slices.Clone(prefix[1].Keys)
	both := AnalyzeAppend(prefix[:2], "Київ Вучић")
	if !slices.Equal(both[1].Keys, before) || both[2].Keys[0] != "kyiv" {
		t.Errorf("AnalyzeAppend after a prefix: %v", both)
	}
}

// TestPropertyConcatenation: words never reach across a space, so the
// analysis of a + " " + b is that of a followed by that of b.
func TestPropertyConcatenation(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 23))
	for range 3000 {
		a, b := randomText(rng, rng.IntN(30)), randomText(rng, rng.IntN(30))
		checkConcatenation(t, a, b)
	}
}

// checkFixedPoints: TermKeys of every key holds the key.
func checkFixedPoints(t *testing.T, s string, toks []Token) {
	t.Helper()
	for _, tok := range toks {
		for _, k := range tok.Keys {
			if tk := TermKeys(k); !slices.Contains(tk, k) {
				t.Errorf("%q: key %q is not a fixed point: TermKeys gives %q", truncate(s), k, tk)
			}
		}
	}
}

// checkTermKeys: TermKeys(s) is the key set of the first token of s.
func checkTermKeys(t *testing.T, s string, toks []Token) {
	t.Helper()
	tk := TermKeys(s)
	if len(toks) == 0 {
		if tk != nil {
			t.Errorf("%q: no tokens but TermKeys %q", truncate(s), tk)
		}
		return
	}
	if !slices.Equal(tk, toks[0].Keys) {
		t.Errorf("%q: TermKeys %q, first token %q", truncate(s), tk, toks[0].Keys)
	}
}

// checkConcatenation compares Analyze(a + " " + b) with Analyze(a) and Analyze(b).
func checkConcatenation(t *testing.T, a, b string) {
	t.Helper()
	want := Analyze(a)
	offset := len(want)
	for _, tok := range Analyze(b) {
		tok.Pos += offset
		want = append(want, tok)
	}
	if got := Analyze(a + " " + b); !equalTokens(got, want) {
		t.Errorf("%q + %q: %v, apart %v", truncate(a), truncate(b), got, want)
	}
}

func equalTokens(a, b []Token) bool {
	return slices.EqualFunc(a, b, func(x, y Token) bool { return x.Pos == y.Pos && slices.Equal(x.Keys, y.Keys) })
}

// TestAdversarialInputsAreLinear guards against quadratic scans: each of
// these texts of about 200,000 bytes is analysed quickly.
func TestAdversarialInputsAreLinear(t *testing.T) {
	const n = 200000
	inputs := map[string]string{
		"one long word":      strings.Repeat("a", n),
		"one long Cyrillic":  strings.Repeat("щ", n/2),
		"apostrophes":        strings.Repeat("a'", n/2),
		"Cyrillic marks":     strings.Repeat("и\u0306", n/4),
		"Latin marks":        "e" + strings.Repeat("\u0301", n/2),
		"format characters":  "a" + strings.Repeat("\u200B", n/3),
		"mixed scripts":      strings.Repeat("Kи", n/3),
		"many short words":   strings.Repeat("a ", n/2),
		"many Cyrillic":      strings.Repeat("Київ ", n/9),
		"invalid bytes":      strings.Repeat("\xff", n),
		"ideographs":         strings.Repeat("中", n/3),
		"emoji":              strings.Repeat("👨\u200d", n/7),
		"Georgian":           strings.Repeat("თბილისი", n/21),
		"l' elisions":        strings.Repeat("l'", n/2) + "a",
		"apostrophe endings": strings.Repeat("ab'", n/3) + "c",
	}
	for name, text := range inputs {
		start := time.Now()
		toks := Analyze(text)
		_ = TermKeys(text)
		_ = Fold(text)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v for %d bytes (%d tokens)", name, d, len(text), len(toks))
		}
	}
}

// TestFoldProperty: Fold is idempotent and returns valid UTF-8.
func TestFoldProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 31))
	for range 5000 {
		s := randomText(rng, rng.IntN(30))
		f := Fold(s)
		if !utf8.ValidString(f) {
			t.Fatalf("Fold(%q) = %q is not valid UTF-8", s, f)
		}
		if ff := Fold(f); ff != f {
			t.Fatalf("Fold(%q) = %q but Fold of that is %q", s, f, ff)
		}
	}
}
