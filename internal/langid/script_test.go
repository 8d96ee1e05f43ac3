package langid

import "testing"

func TestScript(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", ""},
		{"digits and punctuation only", "12:30 — 45%!?", ""},
		{"emoji only", "🇺🇦🙏❤️", ""},
		{"English", "Good morning", "Latn"},
		{"Latin with diacritics", "Čačak, Đakovica, Şişli, Brașov", "Latn"},
		{"Ukrainian", "Київ", "Cyrl"},
		{"Serbian Cyrillic", "Ђоковић", "Cyrl"},
		{"Georgian", "თბილისი", "Geor"},
		{"Greek", "Αθήνα", "Grek"},
		{"Armenian", "Երևան", "Armn"},
		{"Arabic", "مرحبا", "Arab"},
		{"Chinese", "北京", "Hani"},
		{"mostly Cyrillic with a Latin brand", "Новий iPhone продається у Києві", "Cyrl"},
		{"mostly Latin with a Cyrillic word", "The word мир means peace and world", "Latn"},
		{"hashtags and mentions", "#Kyiv @user https://example.org", "Latn"},
		{"invalid UTF-8 is not a letter", "\xff\xfe", ""},
		{"tie goes to the script listed first", "ab аб", "Latn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Script(tt.text); got != tt.want {
				t.Errorf("Script(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzScript(f *testing.F) {
	for _, s := range []string{"", "Київ", "Hello", "თბილისი", "\xff", "a1б2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code := Script(s)
		if code == "" {
			return
		}
		found := false
		for _, st := range scriptTable {
			if st.code == code {
				found = true
			}
		}
		if !found {
			t.Fatalf("Script(%q) = %q, not a code of scriptTable", s, code)
		}
	})
}
