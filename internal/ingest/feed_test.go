package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"
)

const fixtureFeedURL = "https://feeds.example.net/path/feed.xml"

func parseFixture(t *testing.T, name string) ([]Item, FeedInfo) {
	t.Helper()
	f, err := os.Open("testdata/feeds/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, info, err := ParseFeed(f, fixtureFeedURL)
	if err != nil {
		t.Fatalf("ParseFeed(%s): %v", name, err)
	}
	for _, it := range items {
		checkItem(t, it)
	}
	return items, info
}

func compareItems(t *testing.T, got, want []Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d:\n got  %+v\n want %+v", i, got[i], want[i])
		}
	}
}

// An RSS 2.0 feed of a Ukrainian regional outlet in windows-1251, with
// escaped HTML, CDATA content with a script, dc:creator, a relative link, a
// bare numeric guid, an atom:link and an image link that must not be taken
// for the site's link, and an item with no text at all.
func TestParseFeedUkrainianRSS2(t *testing.T) {
	items, info := parseFixture(t, "uk_rss2_windows1251.xml")
	wantInfo := FeedInfo{Format: "rss2", Title: "Вісті Полісся — новини Житомирщини", Link: "https://www.visti-polissia.example.ua/",
		Description: "Останні новини регіону та України", Lang: "uk", Updated: time.Date(2026, 3, 1, 10, 40, 0, 0, time.UTC), Skipped: 1}
	if info != wantInfo {
		t.Errorf("info %+v\nwant %+v", info, wantInfo)
	}
	outlet := "visti-polissia.example.ua"
	compareItems(t, items, []Item{
		{Source: "rss", ExternalID: outlet + "#48211", URL: "https://feeds.example.net/news/2026/03/01/48211.html",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Олена Коваль", Lang: "uk", At: time.Date(2026, 3, 1, 8, 15, 0, 0, time.UTC),
			Text: "Посол Сербії відвідав Житомир: обговорили відбудову шкіл\n\n" +
				"Під час зустрічі в обласній адміністрації сторони домовилися про співпрацю.\n\nНаступна зустріч — у квітні в Києві."},
		{Source: "rss", ExternalID: outlet + "#48207", URL: "https://visti-polissia.example.ua/news/2026/03/01/48207.html",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Редакція", Lang: "uk", At: time.Date(2026, 3, 1, 6, 5, 0, 0, time.UTC),
			Text: "Синоптики попереджають про ожеледицю на дорогах області"},
	})
}

// An Atom feed of a Serbian outlet in Cyrillic with XHTML content (and a
// script inside it), an HTML title, an out-of-line video content that
// falls back to the summary, and entry-level xml:lang.
func TestParseFeedSerbianAtom(t *testing.T) {
	items, info := parseFixture(t, "sr_atom.xml")
	if info.Format != "atom" || info.Title != "Дневни преглед — Београд" || info.Description != "Вести из Србије и региона" ||
		info.Link != "https://dnevni-pregled.example.rs/" || info.Lang != "sr" || !info.Updated.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("info %+v", info)
	}
	outlet := "dnevni-pregled.example.rs"
	compareItems(t, items, []Item{
		{Source: "rss", ExternalID: "tag:dnevni-pregled.example.rs,2026:vest-9913", URL: "https://feeds.example.net/vesti/politika/9913",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Јелена Петровић", Lang: "sr", At: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
			Text: "Вучић и Шолц разговарали о енергетској безбедности\n\n" +
				"Председник Србије Александар Вучић разговарао је данас у Берлину.\n\nТема разговора била је Ђердап и гасовод."},
		{Source: "rss", ExternalID: "tag:dnevni-pregled.example.rs,2026:vest-9910", URL: "https://dnevni-pregled.example.rs/vesti/sport/9910",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Дневни преглед — Београд", Lang: "sr", At: time.Date(2026, 2, 28, 21, 10, 0, 0, time.UTC),
			Text: "Đoković osvojio turnir u Dubaiju\n\nNovak Đoković je u finalu pobedio za dva seta."},
	})
}

// An RSS 1.0 (RDF) feed in Georgian: items outside the channel, rdf:about
// ids, Dublin Core dates, creator and language, a title broken over lines.
func TestParseFeedGeorgianRSS1(t *testing.T) {
	items, info := parseFixture(t, "ka_rss1.xml")
	if info.Format != "rss1" || info.Title != "თბილისის ამბები" || info.Lang != "ka" || info.Link != "https://tbilisi-ambebi.example.ge/" {
		t.Errorf("info %+v", info)
	}
	outlet := "tbilisi-ambebi.example.ge"
	compareItems(t, items, []Item{
		{Source: "rss", ExternalID: "https://tbilisi-ambebi.example.ge/news/7781", URL: "https://tbilisi-ambebi.example.ge/news/7781",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "ნინო ბერიძე", Lang: "ka", At: time.Date(2026, 3, 1, 4, 30, 0, 0, time.UTC),
			Text: "საგარეო საქმეთა მინისტრი ბრიუსელში გაემგზავრა\n\nმინისტრი ევროკავშირის წარმომადგენლებს ვიზალიბერალიზაციის საკითხებზე შეხვდება."},
		{Source: "rss", ExternalID: "https://tbilisi-ambebi.example.ge/news/7779", URL: "https://tbilisi-ambebi.example.ge/news/7779",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "თბილისის ამბები", Lang: "ka", At: time.Date(2026, 2, 28, 14, 0, 0, 0, time.UTC),
			Text: "თბილისში ახალი მეტროს სადგური გაიხსნა"},
	})
}

// An RSS 2.0 feed of an Albanian outlet in ISO-8859-1: a permalink guid
// standing in for the link, dates without weekday and with zone names,
// an RSS author with e-mail, a relative link with a query string.
func TestParseFeedAlbanianRSS2(t *testing.T) {
	items, info := parseFixture(t, "sq_rss2_iso88591.xml")
	if info.Title != "Lajme nga Tirana" || info.Description != "Lajmet e fundit nga Shqipëria dhe Kosova" || info.Lang != "sq" || !info.Updated.IsZero() {
		t.Errorf("info %+v", info)
	}
	outlet := "lajme-tirana.example.al"
	compareItems(t, items, []Item{
		{Source: "rss", ExternalID: "https://lajme-tirana.example.al/artikull/5531", URL: "https://lajme-tirana.example.al/artikull/5531",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Redaksia", Lang: "sq", At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
			Text: "Ministri i Jashtëm takon homologun nga Kosova në Tiranë\n\nTë dy ministrat diskutuan për bashkëpunimin në rajon & integrimin evropian."},
		{Source: "rss", ExternalID: "https://feeds.example.net/path/artikull/5529?ref=rss&src=feed", URL: "https://feeds.example.net/path/artikull/5529?ref=rss&src=feed",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Lajme nga Tirana", Lang: "sq", At: time.Date(2026, 2, 28, 16, 30, 0, 0, time.UTC),
			Text: "Çmimet e energjisë do të rishikohen në prill\n\nEnti Rregullator i Energjisë njoftoi se çmimet do të rishikohen."},
	})
}

// An Atom feed of a Romanian outlet with a byte order mark, a relative site
// link, HTML content with a list and a style, a plain-text summary whose
// line break is kept, and an unreadable date.
func TestParseFeedRomanianAtom(t *testing.T) {
	items, info := parseFixture(t, "ro_atom_bom.xml")
	if info.Title != "Știri din Moldova și România" || info.Link != "https://feeds.example.net/" || info.Lang != "" {
		t.Errorf("info %+v", info)
	}
	outlet := "feeds.example.net"
	compareItems(t, items, []Item{
		{Source: "rss", ExternalID: "urn:uuid:1f3e2d4c-5b6a-4789-8a0b-c1d2e3f4a5b6", URL: "https://feeds.example.net/path/stiri/2026/03/01/securitate.html",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Știri din Moldova și România", Lang: "ro", At: time.Date(2026, 3, 1, 5, 45, 0, 0, time.UTC),
			Text: "Ministrul de Externe a discutat la București despre securitatea regională\n\n" +
				"Întâlnirea a avut loc la sediul ministerului.\n\nUcraina\nRepublica Moldova"},
		{Source: "rss", ExternalID: "urn:uuid:9a8b7c6d-5e4f-4321-9abc-def012345678",
			AuthorID: outlet, AuthorHandle: outlet, AuthorName: "Știri din Moldova și România",
			Text: "Țara noastră găzduiește summitul țărilor din regiune\n\nSummitul va avea loc în mai.\nDetaliile vor fi anunțate."},
	})
}

func TestParseFeedUTF16(t *testing.T) {
	src := `<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Київ</title>` +
		`<item><title>Новина дня</title><guid>https://kyiv.example.ua/1</guid></item></channel></rss>`
	enc, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	items, info, err := ParseFeed(bytes.NewReader(enc), "")
	if err != nil || info.Title != "Київ" || len(items) != 1 || items[0].Text != "Новина дня" || items[0].URL != "https://kyiv.example.ua/1" {
		t.Fatalf("items %+v info %+v err %v", items, info, err)
	}
}

func TestParseFeedTolerates(t *testing.T) {
	tests := []struct {
		name, body, text string
	}{
		{"HTML entity in XML", `<rss><channel><item><title>Beograd&nbsp;danas &mdash; vesti</title></item></channel></rss>`, "Beograd danas — vesti"},
		{"bare ampersand", `<rss><channel><item><title>A & B</title></item></channel></rss>`, "A & B"},
		{"forbidden control characters", "<rss><channel><item><title>a\x0bb\x01c</title></item></channel></rss>", "abc"},
		{"invalid UTF-8", "<rss><channel><item><title>ok \xff</title></item></channel></rss>", "ok \uFFFD"},
		{"twice-escaped entities in a title", `<rss><channel><item><title>Rock &amp;amp; roll &amp;quot;live&amp;quot;</title></item></channel></rss>`, `Rock & roll "live"`},
		{"unescaped HTML in a description", `<rss><channel><item><description><p>One</p><p>Two <b>bold</b></p></description></item></channel></rss>`, "One\n\nTwo bold"},
		{"items straight under rss (0.9x)", `<rss version="0.91"><item><title>Old</title></item></rss>`, "Old"},
		{"Atom without namespace", `<feed><entry><title>Bez ns</title></entry></feed>`, "Bez ns"},
		{"body same as title", `<rss><channel><item><title>Same</title><description>Same</description></item></channel></rss>`, "Same"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, _, err := ParseFeed(strings.NewReader(tc.body), fixtureFeedURL)
			if err != nil || len(items) != 1 || items[0].Text != tc.text {
				t.Fatalf("items %+v err %v; want text %q", items, err, tc.text)
			}
			checkItem(t, items[0])
		})
	}
}

func TestParseFeedErrors(t *testing.T) {
	tests := []struct {
		name, body, says string
	}{
		{"empty", "", "no XML element"},
		{"JSON", `{"items": []}`, "not XML"},
		{"HTML page", "<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>", "root element is <html>"},
		{"other XML", `<?xml version="1.0"?><sitemap/>`, "root element is <sitemap>"},
		{"breaks off", `<rss><channel><item><title>half`, "breaks off"},
		{"breaks off between elements", `<rss><channel><item><title>whole</title></item>`, "breaks off"},
		{"unknown charset", `<?xml version="1.0" encoding="x-klingon"?><rss/>`, "x-klingon"},
		{"broken markup", `<rss><channel><item><title a=">x</title></item></channel></rss>`, "XML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, _, err := ParseFeed(strings.NewReader(tc.body), fixtureFeedURL)
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.says) || items != nil {
				t.Fatalf("err %v, %d items; want ErrFormat saying %q", err, len(items), tc.says)
			}
		})
	}
}

func TestParseFeedTooLarge(t *testing.T) {
	head := "<rss><channel><item><title>x</title><description>"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader('a'), MaxFeedBytes))
	_, _, err := ParseFeed(body, "")
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err %v", err)
	}
	failing := io.MultiReader(strings.NewReader(head), iotestErrReader{})
	if _, _, err := ParseFeed(failing, ""); err == nil || errors.Is(err, ErrFormat) {
		t.Fatalf("I/O failure: %v", err)
	}
}

func TestParseFeedCaps(t *testing.T) {
	var b strings.Builder
	b.WriteString("<rss><channel>")
	for i := range MaxFeedItems + 7 {
		fmt.Fprintf(&b, "<item><title>n%d</title>", i)
		if i == 0 {
			b.WriteString(strings.Repeat("<x/>", maxEntryFields+50)) // fields past the cap are ignored
			b.WriteString("<description>lost</description>")
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	items, info, err := ParseFeed(strings.NewReader(b.String()), fixtureFeedURL)
	if err != nil || len(items) != MaxFeedItems || info.Skipped != 7 {
		t.Fatalf("%d items, %d skipped, err %v", len(items), info.Skipped, err)
	}
	if items[0].Text != "n0" || items[MaxFeedItems-1].Text != fmt.Sprintf("n%d", MaxFeedItems-1) {
		t.Errorf("first %q, last %q", items[0].Text, items[MaxFeedItems-1].Text)
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestParseFeedDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Sun, 01 Mar 2026 10:15:00 +0200", time.Date(2026, 3, 1, 8, 15, 0, 0, time.UTC)},
		{"Sun, 1 Mar 2026 10:15:00 GMT", time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC)},
		{"1 Mar 2026 10:15 EEST", time.Date(2026, 3, 1, 7, 15, 0, 0, time.UTC)},
		{"Sun, 01 Mar 26 10:15:00 MSK", time.Date(2026, 3, 1, 7, 15, 0, 0, time.UTC)},
		{"Нд, 01 Mar 2026 10:15:00 +03:00", time.Date(2026, 3, 1, 7, 15, 0, 0, time.UTC)},
		{"Sunday, 01 March 2026 10:15:00 +0000", time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC)},
		{"  Sun,  01 Mar 2026   10:15:00   EST ", time.Date(2026, 3, 1, 15, 15, 0, 0, time.UTC)},
		{"Sun, 01 Mar 2026 10:15:00 XYZ", time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC)},
		{"01 Mar 2026", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-01T10:15:00+04:00", time.Date(2026, 3, 1, 6, 15, 0, 0, time.UTC)},
		{"2026-03-01T10:15:00.250Z", time.Date(2026, 3, 1, 10, 15, 0, 25e7, time.UTC)},
		{"1772357400", time.Time{}},
		{"yesterday", time.Time{}},
		{"", time.Time{}},
		{"Sun, 01 Mar 0026 10:15:00 GMT", time.Time{}},
	}
	for _, tc := range tests {
		if got := parseFeedDate(tc.in); !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("parseFeedDate(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDeclaredCharset(t *testing.T) {
	tests := map[string]string{
		`<?xml version="1.0" encoding="windows-1251"?><rss/>`:  "windows-1251",
		"  \n<?xml version='1.0' encoding = 'KOI8-U' ?><rss/>": "KOI8-U",
		`<?xml version="1.0"?><rss encoding="x"/>`:             "",
		`<rss/>`: "",
		`<?xml version="1.0" encoding="unterminated`: "",
	}
	for in, want := range tests {
		if got := declaredCharset([]byte(in)); got != want {
			t.Errorf("declaredCharset(%q) = %q, want %q", in, got, want)
		}
	}
}
