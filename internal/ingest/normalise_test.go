package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/attache-project/attache/internal/valid"
)

func TestNormaliseFields(t *testing.T) {
	kyiv := time.FixedZone("EET", 2*3600)
	tests := []struct {
		name string
		in   Item
		want Item // ExternalID "" means: expect the derived id
	}{
		{
			name: "trims and cases",
			in: Item{Source: " Telegram ", ExternalID: " 42 ", Text: "  Привіт, Київ!  ", Lang: "UK-ua", Country: " ua ",
				AuthorHandle: " @mfa_ua ", AuthorName: " МЗС України ", URL: " https://t.me/mfa_ua/42 "},
			want: Item{Source: "telegram", ExternalID: "42", Text: "Привіт, Київ!", Lang: "uk", Country: "UA",
				AuthorHandle: "@mfa_ua", AuthorName: "МЗС України", URL: "https://t.me/mfa_ua/42"},
		},
		{
			name: "text: NFC, CR LF, controls, BOM",
			in:   Item{Source: "file", ExternalID: "1", Text: "\uFEFFVuc\u030Cic\u0301\r\nline\rtwo\x00\x07\u0085\ttab"},
			want: Item{Source: "file", ExternalID: "1", Text: "Vučić\nline\ntwo\ttab"},
		},
		{
			name: "invalid UTF-8 becomes U+FFFD",
			in:   Item{Source: "file", ExternalID: "a\xffb", Text: "ok \xc3 end", AuthorName: "X\xfe"},
			want: Item{Source: "file", ExternalID: "a\uFFFDb", Text: "ok \uFFFD end", AuthorName: "X\uFFFD"},
		},
		{
			name: "one-line fields lose their line breaks",
			in:   Item{Source: "x", ExternalID: "9", Text: "t", AuthorName: "Olena\nKoval", InReplyTo: "\t7\n"},
			want: Item{Source: "x", ExternalID: "9", Text: "t", AuthorName: "Olena Koval", InReplyTo: "7"},
		},
		{
			name: "bad shapes become empty",
			in: Item{Source: "file", ExternalID: "1", Text: "t", Lang: "ukrainian", Country: "SRB",
				URL: "javascript:alert(1)"},
			want: Item{Source: "file", ExternalID: "1", Text: "t"},
		},
		{
			name: "lang of three letters, country of two",
			in:   Item{Source: "file", ExternalID: "1", Text: "t", Lang: "CNR", Country: "me"},
			want: Item{Source: "file", ExternalID: "1", Text: "t", Lang: "cnr", Country: "ME"},
		},
		{
			name: "non-ASCII lang and country are refused",
			in:   Item{Source: "file", ExternalID: "1", Text: "t", Lang: "ук", Country: "ΜΕ"},
			want: Item{Source: "file", ExternalID: "1", Text: "t"},
		},
		{
			name: "URLs: relative, ftp, with space, without host",
			in:   Item{Source: "file", ExternalID: "1", Text: "t", URL: "/news/1"},
			want: Item{Source: "file", ExternalID: "1", Text: "t"},
		},
		{
			name: "URLs: ftp",
			in:   Item{Source: "file", ExternalID: "1", Text: "t", URL: "ftp://example.org/a"},
			want: Item{Source: "file", ExternalID: "1", Text: "t"},
		},
		{
			name: "URLs: space inside",
			in:   Item{Source: "file", ExternalID: "1", Text: "t", URL: "https://example.org/a b"},
			want: Item{Source: "file", ExternalID: "1", Text: "t"},
		},
		{
			name: "URLs: upper-case scheme is fine",
			in:   Item{Source: "file", ExternalID: "1", Text: "t", URL: "HTTPS://Example.org/a?b=c#d"},
			want: Item{Source: "file", ExternalID: "1", Text: "t", URL: "HTTPS://Example.org/a?b=c#d"},
		},
		{
			name: "time to UTC and microseconds, negative counts to 0",
			in: Item{Source: "file", ExternalID: "1", Text: "t", At: time.Date(2026, 3, 1, 10, 30, 0, 123456789, kyiv),
				Likes: -3, Reposts: 5, Replies: -1},
			want: Item{Source: "file", ExternalID: "1", Text: "t", At: time.Date(2026, 3, 1, 8, 30, 0, 123456000, time.UTC),
				Reposts: 5},
		},
		{
			name: "no id: derived",
			in:   Item{Source: "file", Text: "  Вучић у Бриселу ", AuthorHandle: "novinar"},
			want: Item{Source: "file", Text: "Вучић у Бриселу", AuthorHandle: "novinar"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in
			if err := Normalise(&got); err != nil {
				t.Fatalf("Normalise: %v", err)
			}
			want := tc.want
			if want.ExternalID == "" {
				want.ExternalID = DeriveID(&want)
				if !strings.HasPrefix(want.ExternalID, "sha256:") || len(want.ExternalID) != len("sha256:")+64 {
					t.Fatalf("derived id %q", want.ExternalID)
				}
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			again := got
			if err := Normalise(&again); err != nil || again != got {
				t.Errorf("not idempotent: %+v, %v", again, err)
			}
		})
	}
}

func TestNormaliseErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    Item
		field string
	}{
		{"empty text", Item{Source: "file", Text: ""}, "text"},
		{"blank text", Item{Source: "file", Text: " \n\t\u00A0 "}, "text"},
		{"only controls", Item{Source: "file", Text: "\x00\x01\uFEFF"}, "text"},
		{"no source", Item{Text: "t"}, "source"},
		{"bad source", Item{Source: "tele gram", Text: "t"}, "source"},
		{"source starting with a digit", Item{Source: "9gag", Text: "t"}, "source"},
		{"long source", Item{Source: strings.Repeat("a", 33), Text: "t"}, "source"},
		{"year 10000", Item{Source: "file", Text: "t", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "at"},
		{"year 1800", Item{Source: "file", Text: "t", At: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}, "at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := tc.in
			err := Normalise(&it)
			var fe *valid.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Normalise(%+v) = %v, want a FieldError on %q", tc.in, err, tc.field)
			}
		})
	}
}

func TestNormaliseCaps(t *testing.T) {
	// Text over the cap: cut at a boundary, never between a letter and its
	// accent, the result still NFC and idempotent.
	long := strings.Repeat("ab", MaxTextBytes/2-1) + "e\u0301\u0301xyz" // "é" + a second accent straddles the cap
	it := Item{Source: "file", ExternalID: "1", Text: long}
	if err := Normalise(&it); err != nil {
		t.Fatal(err)
	}
	if len(it.Text) > MaxTextBytes || !utf8.ValidString(it.Text) {
		t.Fatalf("text of %d bytes, valid %v", len(it.Text), utf8.ValidString(it.Text))
	}
	if strings.HasSuffix(it.Text, "\u00e9") && !strings.HasSuffix(it.Text, "\u00e9\u0301") {
		t.Errorf("cut between é and its second accent: ends %q", it.Text[len(it.Text)-8:])
	}
	again := it
	if err := Normalise(&again); err != nil || again != it {
		t.Errorf("capped text not idempotent")
	}

	// An overlong id is replaced by its hash, the same each time; other ids
	// are kept.
	longID := strings.Repeat("7", MaxIDBytes+1)
	a := Item{Source: "x", ExternalID: longID, Text: "t", InReplyTo: longID}
	b := Item{Source: "x", ExternalID: longID, Text: "other"}
	if err := Normalise(&a); err != nil {
		t.Fatal(err)
	}
	if err := Normalise(&b); err != nil {
		t.Fatal(err)
	}
	if a.ExternalID != b.ExternalID || !strings.HasPrefix(a.ExternalID, "sha256:") || a.InReplyTo != a.ExternalID {
		t.Errorf("long ids: %q %q %q", a.ExternalID, b.ExternalID, a.InReplyTo)
	}
	if c := (Item{Source: "x", ExternalID: strings.Repeat("7", MaxIDBytes), Text: "t"}); Normalise(&c) != nil || len(c.ExternalID) != MaxIDBytes {
		t.Errorf("an id of exactly %d bytes changed: %q", MaxIDBytes, c.ExternalID)
	}

	// Names are cut; a URL over the cap is dropped, not cut.
	d := Item{Source: "x", ExternalID: "1", Text: "t", AuthorName: strings.Repeat("ђ", MaxAuthorBytes),
		URL: "https://example.org/" + strings.Repeat("a", MaxURLBytes)}
	if err := Normalise(&d); err != nil {
		t.Fatal(err)
	}
	if len(d.AuthorName) > MaxAuthorBytes || !utf8.ValidString(d.AuthorName) || d.URL != "" {
		t.Errorf("name of %d bytes, URL %q", len(d.AuthorName), d.URL)
	}
}

// TestNormaliseCapBoundaries puts awkward sequences across the text cap:
// whatever is cut, the text stays within the cap, NFC, and idempotent.
func TestNormaliseCapBoundaries(t *testing.T) {
	for name, tail := range map[string]string{
		"Hangul jamo L V T":        strings.Repeat("\u1100\u1161\u11A8", 10),
		"a letter under 300 marks": "a" + strings.Repeat("\u0301\u0328", 150) + "b",
		"decomposed Cyrillic":      strings.Repeat("и\u0306", 20),
		"emoji with joiners":       strings.Repeat("👩\u200D👩\u200D👧", 10),
		"Georgian":                 strings.Repeat("საქართველო ", 10),
	} {
		for shift := range 12 {
			text := strings.Repeat("x", MaxTextBytes-20-shift) + tail
			it := Item{Source: "file", ExternalID: "1", Text: text}
			if err := Normalise(&it); err != nil {
				t.Fatalf("%s/%d: %v", name, shift, err)
			}
			checkItem(t, it)
		}
	}
}

func TestDeriveIDStable(t *testing.T) {
	a := Item{Source: "file", URL: "https://example.org/1", AuthorHandle: "x", Text: "Текст"}
	b := a
	if DeriveID(&a) != DeriveID(&b) {
		t.Fatal("same item, different ids")
	}
	// Moving a character from one part to the next must change the id.
	c := Item{Source: "file", URL: "https://example.org/1", AuthorHandle: "xТ", Text: "екст"}
	if DeriveID(&a) == DeriveID(&c) {
		t.Error("parts run into each other")
	}
	// Whitespace noise in the file does not change the id once normalised.
	d := Item{Source: " File", URL: "https://example.org/1 ", AuthorHandle: "x", Text: " Текст\r\n"}
	if err := Normalise(&d); err != nil {
		t.Fatal(err)
	}
	if err := Normalise(&a); err != nil {
		t.Fatal(err)
	}
	if a.ExternalID != d.ExternalID {
		t.Errorf("ids differ: %s %s", a.ExternalID, d.ExternalID)
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain  text\n here", "plain text here"},
		{"<p>Перший абзац.</p><p>Другий&nbsp;абзац &amp; ще.</p>", "Перший абзац.\n\nДругий абзац & ще."},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<script>alert('x')</script>Text<style>p{color:red}</style> after", "Text after"},
		{"<ul><li>једна</li><li>две</li></ul>", "једна\nдве"},
		{"<b>bold</b> and <i>it</i>alic", "bold and italic"},
		{"&lt;not a tag&gt; &#x10D;&#269;", "<not a tag> čč"},
		{"unclosed <a href='x", "unclosed"},
		{"<div><div>deep</div></div>", "deep"},
		{"<noscript><img src=x></noscript><template><p>t</p></template>ok", "ok"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := HTMLText(tc.in); got != tc.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCountBad(t *testing.T) {
	var b badRecords
	for i := range MaxLineErrors + 25 {
		b.add(i+1, "text", "is required")
	}
	errs := b.result()
	if len(errs) != MaxLineErrors+1 || CountBad(errs) != MaxLineErrors+25 {
		t.Fatalf("%d entries, CountBad %d", len(errs), CountBad(errs))
	}
	last := errs[len(errs)-1]
	if last.Line != 0 || last.More != 25 || !strings.Contains(last.Error(), "25 more") {
		t.Errorf("summary %+v", last)
	}
	var few badRecords
	few.add(3, "likes", "must be a whole number")
	if got := few.result(); CountBad(got) != 1 || got[0].Error() != "line 3: likes: must be a whole number" {
		t.Errorf("%v", got)
	}
	if CountBad(nil) != 0 {
		t.Error("CountBad(nil)")
	}
}

// TestStableRanges proves nfc's shortcut: every character it lets through
// unchecked is NFC on its own and starts a new normalisation segment.
func TestStableRanges(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if !inStableRange(r) || r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if !norm.NFC.IsNormalString(s) || !norm.NFC.PropertiesString(s).BoundaryBefore() || norm.NFC.PropertiesString(s).CCC() != 0 {
			t.Errorf("%U is in a stable range but is not stable", r)
		}
	}
	for _, s := range []string{"Vuc\u030Cic\u0301", "и\u0306", "\u2000", "\u0374", "ე\u0301"} {
		if got := nfc(s); got != norm.NFC.String(s) {
			t.Errorf("nfc(%q) = %q", s, got)
		}
	}
}
