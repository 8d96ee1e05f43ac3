package text

// Token is one word of a text.
//
// Words in Greek and in scripts without a transliteration table keep their
// own letters in their keys, case- and diacritic-folded (Αθήνα → αθηνα).
type Token struct {
	Pos  int      // ordinal of the word in the text, 0-based, consecutive words differ by 1
	Keys []string // the word's search keys: lower-case, diacritics folded, Latin letters; Keys[0] is the
	// primary key; Cyrillic/Georgian words get one key per transliteration table that gives a
	// different result (deduplicated). Never empty.
}

// Analyze splits s into words (Unicode word segmentation: letters and digits; punctuation, spaces, emoji
// and symbols separate words; an apostrophe inside a word (don't, д'Артаньян, Ukrainian м'ясо with ' or ’ or ʼ)
// does not split it; hyphens and dots split) and returns their tokens.
//
// Underscores, '#' and '@' split too: "#Kyiv" is the word kyiv, "@mfa_ua" the
// words mfa and ua. docs/text-analysis.md gives the rules and the tables.
func Analyze(s string) []Token {
	return AnalyzeAppend(nil, s)
}

// AnalyzeAppend is Analyze reusing dst's storage (the hot path of the listening matcher: keep allocations low).
//
// The tokens of s are appended to dst; their Pos count from 0 within s. The
// spare capacity of dst is reused, including the Keys arrays of the tokens
// that were there, so tokens kept from an earlier call on the same storage
// are overwritten: call it as toks = AnalyzeAppend(toks[:0], s). Keys may be
// substrings of s (a word that is already its own key is not copied), and
// the other keys of one call are substrings of one string, so keeping a key
// keeps that string (or s) alive.
func AnalyzeAppend(dst []Token, s string) []Token {
	var (
		bufArr    [512]byte
		keyArr    [64]keySpan
		tokArr    [48]int
		letterArr [32]letter
	)
	a := analyzer{s: s, buf: bufArr[:0], keys: keyArr[:0], toks: tokArr[:0], letters: letterArr[:0]}
	a = a.run(false)
	return a.appendTokens(dst, s)
}

// TermKeys returns the keys of one query word, folded exactly as Analyze folds a word, so a query term
// matches a token when the two key sets intersect. A "word" that Analyze would split (e.g. "e-mail") returns
// the keys of its first word only; callers that need phrases use Analyze.
//
// A string without any word (empty, spaces, punctuation, emoji) has no keys: TermKeys returns nil.
func TermKeys(word string) []string {
	var (
		bufArr    [128]byte
		keyArr    [8]keySpan
		tokArr    [1]int
		letterArr [32]letter
	)
	a := analyzer{s: word, buf: bufArr[:0], keys: keyArr[:0], toks: tokArr[:0], letters: letterArr[:0]}
	a = a.run(true)
	toks := a.appendTokens(nil, word)
	if len(toks) == 0 {
		return nil
	}
	return toks[0].Keys
}
