package limits

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzCount checks, for every network, that Count never panics, that Length
// is never negative, that Bytes is len(text), and that OK agrees with
// Problems. The seed corpus is in testdata/fuzz/FuzzCount.
func FuzzCount(f *testing.F) {
	for _, tc := range scriptCases {
		f.Add(tc.text, 0, false)
	}
	f.Add("Read https://mfa.gov.ua/(x)) and @a@b.c #тег", 1000, true)
	f.Add("\xff\xfe invalid UTF-8 \xc3", 0, true)
	f.Fuzz(func(t *testing.T, text string, mastodonMax int, hasMedia bool) {
		o := Options{MastodonMaxChars: mastodonMax, HasMedia: hasMedia}
		for _, n := range Networks {
			m := Count(n, text, o)
			if m.Network != n {
				t.Fatalf("%s: Network = %q", n, m.Network)
			}
			if m.Length < 0 || m.Hashtags < 0 {
				t.Fatalf("%s: Length %d, Hashtags %d", n, m.Length, m.Hashtags)
			}
			if m.Bytes != len(text) {
				t.Fatalf("%s: Bytes = %d, len(text) = %d", n, m.Bytes, len(text))
			}
			if m.Limit <= 0 {
				t.Fatalf("%s: Limit = %d", n, m.Limit)
			}
			if p := m.Problems(); m.OK() != (len(p) == 0) {
				t.Fatalf("%s: OK() = %v but Problems() = %q", n, m.OK(), p)
			}
		}
		// URLs are substrings of text, in order, without overlap.
		rest := text
		for _, u := range URLs(text) {
			i := strings.Index(rest, u)
			if u == "" || i < 0 {
				t.Fatalf("URL %q not found in order in %q", u, text)
			}
			rest = rest[i+len(u):]
		}
		if !reflect.DeepEqual(Count(X, text, o), Count(X, text, o)) {
			t.Fatal("Count is not deterministic")
		}
	})
}
