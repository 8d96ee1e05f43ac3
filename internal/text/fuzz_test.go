package text

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzAnalyze checks, on any input: every key non-empty, lower-case and
// without combining marks; keys are fixed points of TermKeys; TermKeys(s) is
// the first token's key set; a reused buffer gives what a fresh one gives;
// the halves of s analysed apart give what s split by a space gives; Fold is
// idempotent and valid UTF-8. The seed corpus is in testdata/fuzz/FuzzAnalyze.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"Председник Вучић је данас разговарао.", "Київ, Харків, Запоріжжя", "თბილისი საქართველო",
		"l'Ukraine Russia's Rusya'nın", "#Kyiv @mfa_ua https://mfa.gov.ua/en", "Kиев Mоsсоw Xарків",
		"\xff\xfe bad \xc3", "e\u0301\u0301 и\u0306 Ukra\u00ADine", "中文 が ゟ ͺ ǅ ﬁ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Analyze(s)
		for i, tok := range toks {
			checkToken(t, "fuzz", tok, i)
		}
		checkFixedPoints(t, s, toks)
		checkTermKeys(t, s, toks)

		reused := AnalyzeAppend(nil, "Вучић у Београду, l'Ukraine, საქართველო 2026")
		reused = AnalyzeAppend(reused[:0], s)
		if !equalTokens(reused, toks) {
			t.Errorf("reused buffer gives %v, fresh %v", reused, toks)
		}

		checkConcatenation(t, s[:len(s)/2], s[len(s)/2:])

		folded := Fold(s)
		if !utf8.ValidString(folded) || Fold(folded) != folded {
			t.Errorf("Fold(%q) = %q, Fold again = %q", s, folded, Fold(folded))
		}
		if slices.ContainsFunc(toks, func(tok Token) bool { return len(tok.Keys) == 0 }) {
			t.Errorf("a token without keys")
		}
	})
}
