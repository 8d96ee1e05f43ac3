package limits

import (
	"testing"
	"unicode/utf8"
)

// benchText is a 280-character post mixing Latin, Cyrillic, Georgian, emoji,
// a URL, a mention and hashtags.
var benchText = func() string {
	s := "Українське зерно годує світ 🌾🇺🇦 — Grain from Ukraine feeds the world. " +
		"საქართველო და უკრაინა 👨‍👩‍👧‍👦 Вучић 👍🏽 e\u0301 " +
		"Read https://mfa.gov.ua/en/news/grain-from-ukraine-2026 and @embassy@mastodon.social " +
		"#GrainFromUkraine #зерно #საქართველო "
	for utf8.RuneCountInString(s) < 280 {
		s += "a"
	}
	return s
}()

func BenchmarkCount(b *testing.B) {
	if n := utf8.RuneCountInString(benchText); n != 280 {
		b.Fatalf("bench text is %d characters", n)
	}
	for _, n := range Networks {
		b.Run(string(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchText)))
			for b.Loop() {
				Count(n, benchText, Options{})
			}
		})
	}
}
