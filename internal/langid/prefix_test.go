package langid

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestModelPrefix(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short text unchanged", "hello world", 20, "hello world"},
		{"exactly max", "abcde", 5, "abcde"},
		{"cut at the last space", "one two three four", 12, "one two"},
		{"no space: cut at the rune", "abcdefghij", 4, "abcd"},
		{"space too early: cut at the rune", "a bcdefghij", 6, "a bcde"},
		{"multi-byte runes counted as runes", "Київ Харків Одеса", 11, "Київ Харків"},
		{"multi-byte word cut moves back", "Київ Харків Одеса", 13, "Київ Харків"},
		{"max in runes, not bytes", "ђђђђ", 4, "ђђђђ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := modelPrefix(tt.in, tt.max); got != tt.want {
				t.Errorf("modelPrefix(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func FuzzModelPrefix(f *testing.F) {
	for _, s := range []string{"", "one two three", "Київ Харків", "\xff\xfe abc", strings.Repeat("word ", 100)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 1000 {
			return
		}
		p := modelPrefix(s, max)
		if !strings.HasPrefix(s, p) {
			t.Fatalf("modelPrefix(%q, %d) = %q: not a prefix", s, max, p)
		}
		if utf8.ValidString(s) && utf8.RuneCountInString(p) > max {
			t.Fatalf("modelPrefix(%q, %d) = %q: longer than max", s, max, p)
		}
		if utf8.RuneCountInString(s) <= max && p != s {
			t.Fatalf("modelPrefix(%q, %d) = %q: cut a text that fits", s, max, p)
		}
	})
}
