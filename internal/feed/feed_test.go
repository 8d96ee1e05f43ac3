package feed

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestTextHelpers(t *testing.T) {
	if got := FirstLine("\n  Заява МЗС  \nsecond", 120); got != "Заява МЗС" {
		t.Errorf("FirstLine = %q", got)
	}
	if got := FirstLine(strings.Repeat("ა", 200), 10); got != strings.Repeat("ა", 9)+"…" {
		t.Errorf("FirstLine cut = %q", got)
	}
	if got := HTML("a < b & \"c\"\r\nd"); got != "a &lt; b &amp; &#34;c&#34;<br>\nd" {
		t.Errorf("HTML = %q", got)
	}
	for _, f := range []string{"feed.atom", "feed.rss", "feed.json"} {
		if ff, ok := FormatOf(f); !ok || ff.File() != f {
			t.Errorf("FormatOf(%q) = %v %v", f, ff, ok)
		}
	}
	if _, ok := FormatOf("feed.xml"); ok {
		t.Error("feed.xml is a format")
	}
}

func TestRenderEscapesAndIsStable(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	f := New(`Ministry <&> "Q"`, "mfa", "https://attache.example:8443/", at.Add(-time.Hour), []Entry{
		{VariantID: 9, Title: "<b>&</b>", Text: "ქართული & Українська\n<i>", Language: "ka", Published: at, Updated: at},
	})
	if f.ID() != "tag:attache.example,2026:org/mfa" || f.EntryID(f.Entries[0]) != "tag:attache.example,2026:variant/9" {
		t.Errorf("ids %q %q", f.ID(), f.EntryID(f.Entries[0]))
	}
	for _, format := range []Format{Atom, RSS, JSON} {
		var a, b bytes.Buffer
		if err := f.Render(&a, format); err != nil {
			t.Fatal(err)
		}
		_ = f.Render(&b, format)
		if ETag(a.Bytes()) != ETag(b.Bytes()) {
			t.Errorf("%s: rendering is not stable", format)
		}
		if format == JSON {
			continue
		}
		if strings.Contains(a.String(), "<b>") || strings.Contains(a.String(), "<i>") {
			t.Errorf("%s: unescaped markup:\n%s", format, a.String())
		}
		dec := xml.NewDecoder(&a)
		for {
			if _, err := dec.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: not well-formed: %v", format, err)
				}
				break
			}
		}
	}
}
