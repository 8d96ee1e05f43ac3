package limits

import (
	"strings"
	"testing"
	"time"
)

// TestAdversarialInputsAreLinear guards against quadratic scans: each of
// these 200,000-byte texts must be measured on every network quickly.
func TestAdversarialInputsAreLinear(t *testing.T) {
	const n = 200000
	inputs := map[string]string{
		"closing parens":  "https://a.ua/" + strings.Repeat(")", n),
		"opening parens":  "https://a.ua/" + strings.Repeat("(", n),
		"dots":            strings.Repeat("a.", n/2),
		"hyphens":         strings.Repeat("a-", n/2),
		"schemes":         strings.Repeat("https://", n/8),
		"at signs":        strings.Repeat("@a", n/2),
		"remote mentions": strings.Repeat("@a@b", n/4),
		"hashes":          strings.Repeat("#", n),
		"hashtags":        strings.Repeat("#a", n/2),
		"combining marks": "e" + strings.Repeat("\u0301", n/2),
		"ZWJ":             strings.Repeat("👨\u200d", n/7),
		"regional":        strings.Repeat("\U0001F1FA", n/4),
		"domains":         strings.Repeat("mfa.gov.ua ", n/11),
		"long path":       "https://a.ua/" + strings.Repeat("a/", n/2),
	}
	for name, text := range inputs {
		start := time.Now()
		for _, net := range Networks {
			Count(net, text, Options{})
		}
		URLs(text)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v for %d bytes", name, d, len(text))
		}
	}
}
