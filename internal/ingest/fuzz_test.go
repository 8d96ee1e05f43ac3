package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/attache-project/attache/internal/valid"
)

// The shapes a normalised item's fields must have, written out again here
// rather than taken from normalise.go, so that the two can check each other.
var (
	sourceShape  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	langShape    = regexp.MustCompile(`^([a-z]{2,3})?$`)
	countryShape = regexp.MustCompile(`^([A-Z]{2})?$`)
	urlShape     = regexp.MustCompile(`^(?i:https?)://[^\s]+$`)
)

// checkItem fails t unless it obeys every rule of Normalise, and
// normalising it again changes nothing.
func checkItem(t testing.TB, it Item) {
	t.Helper()
	for name, v := range map[string]string{"source": it.Source, "external_id": it.ExternalID, "url": it.URL,
		"author_id": it.AuthorID, "author_handle": it.AuthorHandle, "author_name": it.AuthorName, "text": it.Text,
		"lang": it.Lang, "country": it.Country, "in_reply_to": it.InReplyTo} {
		if !utf8.ValidString(v) {
			t.Fatalf("%s is not valid UTF-8: %q", name, v)
		}
		if strings.ContainsRune(v, '\uFEFF') || strings.ContainsRune(v, '\r') || strings.ContainsRune(v, 0) {
			t.Fatalf("%s holds a BOM, CR or NUL: %q", name, v)
		}
		if v != strings.TrimSpace(v) {
			t.Fatalf("%s is not trimmed: %q", name, v)
		}
		for _, r := range v {
			if (r < 0x20 || r >= 0x7f && r <= 0x9f) && !(name == "text" && (r == '\n' || r == '\t')) {
				t.Fatalf("%s holds control character %U: %q", name, r, v)
			}
		}
	}
	switch {
	case it.Text == "" || len(it.Text) > MaxTextBytes || !norm.NFC.IsNormalString(it.Text):
		t.Fatalf("text of %d bytes, NFC %v: %q", len(it.Text), norm.NFC.IsNormalString(it.Text), it.Text)
	case !sourceShape.MatchString(it.Source):
		t.Fatalf("source %q", it.Source)
	case it.ExternalID == "" || len(it.ExternalID) > MaxIDBytes || len(it.AuthorID) > MaxIDBytes || len(it.InReplyTo) > MaxIDBytes:
		t.Fatalf("ids %q %q %q", it.ExternalID, it.AuthorID, it.InReplyTo)
	case len(it.AuthorHandle) > MaxAuthorBytes || len(it.AuthorName) > MaxAuthorBytes:
		t.Fatalf("author of %d and %d bytes", len(it.AuthorHandle), len(it.AuthorName))
	case !langShape.MatchString(it.Lang) || !countryShape.MatchString(it.Country):
		t.Fatalf("lang %q country %q", it.Lang, it.Country)
	case it.URL != "" && (!urlShape.MatchString(it.URL) || len(it.URL) > MaxURLBytes):
		t.Fatalf("url %q", it.URL)
	case !it.At.IsZero() && (it.At.Location() != time.UTC || it.At.Year() < 1900 || it.At.Year() > 9999 || it.At.Nanosecond()%1000 != 0):
		t.Fatalf("at %v", it.At)
	case it.Likes < 0 || it.Reposts < 0 || it.Replies < 0:
		t.Fatalf("counts %d %d %d", it.Likes, it.Reposts, it.Replies)
	}
	again := it
	if err := Normalise(&again); err != nil || again != it {
		t.Fatalf("Normalise is not idempotent:\n once  %+v\n twice %+v (%v)", it, again, err)
	}
}

// FuzzReadJSONL: no panic, every item normalised, and every non-blank line
// is either an item or a bad record.
func FuzzReadJSONL(f *testing.F) {
	for _, s := range []string{
		"{\"id\":\"1\",\"text\":\"Київ\",\"lang\":\"uk-UA\",\"likes\":3,\"published_at\":\"2026-03-01T09:30:00Z\"}\n",
		"\xEF\xBB\xBF{\"text\":\"a\"}\r\n\r\n{\"text\":\"\"}\n[1]\n{\"text\":\"b\",\"at\":1772357400}",
		"{\"text\":\"\\u0000\\ud800 x\",\"url\":\"javascript:x\",\"country\":\"srb\",\"source\":\"X\"}\n{bad",
		"{\"text\":\"e\\u0301\",\"id\":12345678901234567890,\"author\":null,\"replies\":-1}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		n, errs, err := ReadJSONL(strings.NewReader(data), "file", func(it Item) error {
			checkItem(t, it)
			return nil
		})
		if err != nil {
			t.Fatalf("error on an in-memory reader: %v", err)
		}
		checkErrs(t, errs)
		records := 0
		for i, line := range strings.Split(data, "\n") {
			if i == 0 {
				line = strings.TrimPrefix(line, "\xEF\xBB\xBF")
			}
			if strings.Trim(line, " \t\r") != "" {
				records++
			}
		}
		if n+CountBad(errs) != records {
			t.Fatalf("%d items + %d bad records, but %d non-blank lines", n, CountBad(errs), records)
		}
	})
}

// FuzzReadCSV: no panic, every item normalised, and unless the file is
// refused as a whole, every record encoding/csv sees after the header is
// either an item or a bad record.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"id,text,lang,likes\n1,Вучић,sr,3\n2,\"multi\nline\",uk,x\n",
		"\xEF\xBB\xBFtext;author;published_at\r\n\"a;b\";@x;2026-03-01 09:30:00\r\nc;@y;1772357400\r\n",
		"text,extra\n\"unclosed,1\nnext,2\n",
		"TEXT,Id,id\na,1,2\n",
		"url,text\nhttps://example.org/a,\"say \"\"hi\"\"\"\nftp://x,b,c\n\n",
		"id\n1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		n, errs, err := ReadCSV(strings.NewReader(data), "file", func(it Item) error {
			checkItem(t, it)
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error that is neither I/O nor format: %v", err)
			}
			return
		}
		checkErrs(t, errs)
		if got := n + CountBad(errs); got != csvRecords(data) {
			t.Fatalf("%d items + %d bad records, but %d records", n, CountBad(errs), csvRecords(data))
		}
	})
}

// csvRecords counts what encoding/csv returns after the header, records and
// parse errors alike, with the delimiter ReadCSV would pick.
func csvRecords(data string) int {
	br := bufio.NewReaderSize(strings.NewReader(data), 64<<10)
	_ = skipBOM(br)
	comma, _ := sniffDelimiter(br)
	cr := csv.NewReader(br)
	cr.Comma, cr.FieldsPerRecord = comma, -1
	count := -1 // the header
	for {
		_, err := cr.Read()
		if err != nil && !errors.As(err, new(*csv.ParseError)) {
			return max(count, 0)
		}
		count++
	}
}

func checkErrs(t *testing.T, errs []LineError) {
	t.Helper()
	if len(errs) > MaxLineErrors+1 {
		t.Fatalf("%d errors listed", len(errs))
	}
	for i, e := range errs {
		if e.Reason == "" || e.Line < 1 && i != len(errs)-1 {
			t.Fatalf("error %d: %+v", i, e)
		}
	}
}

// FuzzParseFeed: no panic, every item normalised and from "rss", and an
// error never comes with items.
func FuzzParseFeed(f *testing.F) {
	paths, _ := filepath.Glob("testdata/feeds/*.xml")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`<rss><channel><item><title>a &amp;amp; b</title><link>/x</link></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">&lt;b&gt;t&lt;/b&gt;</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>p</p><script>x</script></div></content></entry></feed>`,
		"<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><channel><item><title>\xca\xe8\xbf\xe2</title></item></channel></rss>",
		`<html><body>not a feed</body></html>`,
		`{"json": true}`,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		items, info, err := ParseFeed(strings.NewReader(data), "https://example.org/feed/")
		if err != nil {
			if items != nil || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v with %d items", err, len(items))
			}
			return
		}
		switch info.Format {
		case "rss2", "rss1", "atom":
		default:
			t.Fatalf("format %q", info.Format)
		}
		if !langShape.MatchString(info.Lang) || info.Title != cleanName(info.Title) || info.Description != cleanText(info.Description) || info.Skipped < 0 {
			t.Fatalf("info %+v", info)
		}
		for _, it := range items {
			checkItem(t, it)
			if it.Source != "rss" {
				t.Fatalf("source %q", it.Source)
			}
		}
	})
}

// FuzzNormalise: whatever goes in, Normalise either names one of its three
// fields or gives an item that obeys every rule.
func FuzzNormalise(f *testing.F) {
	f.Add("file", "", "Вучић\r\n\x00 e\u0301", "https://example.org", "uk-UA", "ua", "@x\n", "Name\xff", int64(-1), int64(1772357400))
	f.Add("Mastodon", "109", "  ", "javascript:x", "ukr", "SRB", "", "", int64(5), int64(-99999999999))
	f.Add("9gag", "\uFEFF", "ok", "http://[::1", "u", "1A", "", "", int64(0), int64(253402300800))
	f.Fuzz(func(t *testing.T, source, id, text, url, lang, country, handle, name string, likes, unix int64) {
		it := Item{Source: source, ExternalID: id, Text: text, URL: url, Lang: lang, Country: country,
			AuthorHandle: handle, AuthorName: name, AuthorID: id, InReplyTo: id, Likes: likes, Reposts: -likes, Replies: likes}
		if unix != 0 {
			it.At = time.Unix(unix%(1<<40), 0).In(time.FixedZone("X", int(unix%50000)))
		}
		if err := Normalise(&it); err != nil {
			var fe *valid.FieldError
			if !errors.As(err, &fe) || fe.Field != "text" && fe.Field != "source" && fe.Field != "at" {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		checkItem(t, it)
	})
}
