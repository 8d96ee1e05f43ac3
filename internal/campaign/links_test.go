package campaign

import (
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/channel/limits"
)

func TestTagLinks(t *testing.T) {
	c := Campaign{ID: 1, UTMMedium: "social", UTMCampaign: "grain-2026"}
	const tg = "utm_campaign=grain-2026&utm_medium=social&utm_source=telegram"
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Read https://mfa.gov.ua/news today", "Read https://mfa.gov.ua/news?" + tg + " today"},
		{"no path", "https://mfa.gov.ua", "https://mfa.gov.ua?" + tg},
		{"existing query keeps order and encoding", "See https://x.org/a?b=2&a=1&q=a+b%20c now",
			"See https://x.org/a?b=2&a=1&q=a+b%20c&" + tg + " now"},
		{"question mark at the end is punctuation", "Seen https://x.org/a?", "Seen https://x.org/a?" + tg + "?"},
		{"query ending in &", "https://x.org/a?b=1&#x", "https://x.org/a?b=1&" + tg + "#x"},
		{"fragment stays last", "https://x.org/a?b=1#part-2", "https://x.org/a?b=1&" + tg + "#part-2"},
		{"fragment without query", "https://x.org/a#top.", "https://x.org/a?" + tg + "#top."},
		{"trailing dot stays outside", "Details: https://x.org/a.", "Details: https://x.org/a?" + tg + "."},
		{"trailing comma and paren", "(see https://x.org/a), then", "(see https://x.org/a?" + tg + "), then"},
		{"Cyrillic around the URL", "Читайте:https://mfa.gov.ua/новини — важливо!", "Читайте:https://mfa.gov.ua/новини?" + tg + " — важливо!"},
		{"internationalised host not encoded", "Сайт https://мзс.укр/про.", "Сайт https://мзс.укр/про?" + tg + "."},
		{"already has utm_", "https://x.org/?utm_source=newsletter and https://x.org/b",
			"https://x.org/?utm_source=newsletter and https://x.org/b?" + tg},
		{"UTM in upper case counts", "https://x.org/?UTM_Campaign=x", "https://x.org/?UTM_Campaign=x"},
		{"inside a longer word", "foohttps://x.org/a is not a link", "foohttps://x.org/a is not a link"},
		{"same URL glued to a word first", "xhttps://x.org/a and https://x.org/a", "xhttps://x.org/a and https://x.org/a?" + tg},
		{"bare domain untouched", "mfa.gov.ua/news", "mfa.gov.ua/news"},
		{"e-mail untouched", "press@mfa.gov.ua", "press@mfa.gov.ua"},
		{"two URLs", "https://a.org and http://b.org/x", "https://a.org?" + tg + " and http://b.org/x?" + tg},
		{"scheme in capitals", "HTTPS://X.ORG/A", "HTTPS://X.ORG/A?" + tg},
		{"no URL", "Слава Україні", "Слава Україні"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TagLinks(c, limits.Telegram, tc.in); got != tc.want {
				t.Errorf("TagLinks(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTagURLSourceAndEncoding(t *testing.T) {
	c := Campaign{ID: 1, UTMSource: "mfa", UTMMedium: "social", UTMCampaign: "зерно"}
	got := TagURL(c, limits.X, "https://x.org/")
	want := "https://x.org/?utm_campaign=%D0%B7%D0%B5%D1%80%D0%BD%D0%BE&utm_medium=social&utm_source=mfa"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, s := range []string{"ftp://x.org/", "mailto:a@x.org", "https://", "not a url", ""} {
		if got := TagURL(c, limits.X, s); got != s {
			t.Errorf("TagURL(%q) = %q, want it unchanged", s, got)
		}
	}
}

// On X every URL counts as 23 whatever its length; on Telegram the tagged
// text is longer, and the length check must measure it.
func TestTaggedLengthPerNetwork(t *testing.T) {
	c := Campaign{ID: 1, UTMMedium: "social", UTMCampaign: strings.Repeat("c", 60)}
	text := "News https://mfa.gov.ua/a"
	x0, x1 := limits.Count(limits.X, text, limits.Options{}), measurePublished(c, limits.X, text, limits.Options{})
	if x0.Length != x1.Length {
		t.Errorf("X: tagging changed the length %d → %d", x0.Length, x1.Length)
	}
	t0, t1 := limits.Count(limits.Telegram, text, limits.Options{}), measurePublished(c, limits.Telegram, text, limits.Options{})
	if t1.Length <= t0.Length {
		t.Errorf("Telegram: tagged length %d, want more than %d", t1.Length, t0.Length)
	}
	// A zero campaign (item not stored yet) measures the text as written.
	if m := measurePublished(Campaign{}, limits.Telegram, text, limits.Options{}); m.Length != t0.Length {
		t.Errorf("zero campaign: %d, want %d", m.Length, t0.Length)
	}
}

func FuzzTagLinks(f *testing.F) {
	for _, s := range []string{"https://x.org/a.", "xhttps://x.org https://x.org", "(https://x.org/(a))", "https://мзс.укр#x?y"} {
		f.Add(s)
	}
	c := Campaign{ID: 1, UTMMedium: "social", UTMCampaign: "c"}
	f.Fuzz(func(t *testing.T, s string) {
		got := TagLinks(c, limits.Telegram, s)
		if len(got) < len(s) {
			t.Fatalf("TagLinks shortened %q to %q", s, got)
		}
		// Tagging is idempotent: tagged URLs have utm_ parameters.
		if again := TagLinks(c, limits.Telegram, got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
	})
}
