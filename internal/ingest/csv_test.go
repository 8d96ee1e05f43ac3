package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReadCSVFields(t *testing.T) {
	input := "\xEF\xBB\xBFLikes,Text,ID,unknown,Author,published_at,Country,lang,url,source\r\n" +
		"5,\"Посол України зустрівся з міністром, обговорили \"\"зерновий коридор\"\".\",u1,zzz,@embassy_ua,2026-03-01 09:30:00,ua,uk-UA,https://x.com/embassy_ua/status/1,X\r\n" +
		"0,\"Prvi red\r\ndrugi red\",,,novinar,1772357400,RS,sr,,\r\n"
	items, errs := readAll(t, ReadCSV, input)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := []Item{
		{Source: "x", ExternalID: "u1", Text: `Посол України зустрівся з міністром, обговорили "зерновий коридор".`, AuthorHandle: "@embassy_ua",
			At: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), Country: "UA", Lang: "uk", URL: "https://x.com/embassy_ua/status/1", Likes: 5},
		{Source: "file", Text: "Prvi red\ndrugi red", AuthorHandle: "novinar", At: time.Unix(1772357400, 0).UTC(), Country: "RS", Lang: "sr"},
	}
	want[1].ExternalID = DeriveID(&want[1])
	if len(items) != len(want) {
		t.Fatalf("%d items", len(items))
	}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("item %d:\n got  %+v\n want %+v", i, items[i], want[i])
		}
	}
}

func TestReadCSVSemicolon(t *testing.T) {
	input := "id;text;author_name\n1;\"Ministri, në Tiranë\";Agjencia\n2;Bucureşti, azi;Redacţia\n"
	items, errs := readAll(t, ReadCSV, input)
	if len(errs) != 0 || len(items) != 2 {
		t.Fatalf("%d items, errors %v", len(items), errs)
	}
	if items[0].Text != "Ministri, në Tiranë" || items[1].Text != "Bucureşti, azi" || items[1].AuthorName != "Redacţia" {
		t.Errorf("items %+v", items)
	}
}

func TestReadCSVBadRecords(t *testing.T) {
	tests := []struct {
		name  string
		input string
		good  int
		errs  []LineError
	}{
		{"empty file", "", 0, nil},
		{"header only", "id,text\n", 0, nil},
		{"header only, no newline", "text", 0, nil},
		{"blank lines are not records", "text\n\na\n\n\nb\n", 2, nil},
		{"too few fields", "id,text,lang\n1,a,uk\n2,b\n3,c,sr\n", 2, []LineError{{Line: 3}}},
		{"too many fields", "id,text\n1,a,extra\n", 0, []LineError{{Line: 2}}},
		{"missing text", "id,text\n1,\n2,  \n", 0, []LineError{{Line: 2, Field: "text"}, {Line: 3, Field: "text"}}},
		{"bare quote", "id,text\n1,say \"hi\"\n2,ok\n", 1, []LineError{{Line: 2}}},
		{"bad quote after a quoted field", "id,text\n1,\"a\"b\n2,ok\n", 1, []LineError{{Line: 2}}},
		{"unclosed quote at the end", "id,text\n1,ok\n2,\"never closed\nmore\n", 1, []LineError{{Line: 4}}},
		{"field error on a later line of a record", "text,likes\n\"line one\nline two\",many\n", 0, []LineError{{Line: 3, Field: "likes"}}},
		{"line numbers after a multi-line record", "text,at\n\"a\n\nb\",2026-03-01\nc,never\n", 1, []LineError{{Line: 5, Field: "at"}}},
		{"bad source column", "text,source\na,Tele Gram\n", 0, []LineError{{Line: 2, Field: "source"}}},
		{"duplicate ids are both returned", "id,text\n1,a\n1,a\n", 2, nil},
		{"invalid UTF-8 is replaced", "text\nbad \xff byte\n", 1, nil},
		{"CR LF and a lone CR in a field", "text,id\r\n\"a\rb\",1\r\n", 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, errs := readAll(t, ReadCSV, tc.input)
			if len(items) != tc.good {
				t.Errorf("%d items, want %d", len(items), tc.good)
			}
			checkLineErrors(t, errs, tc.errs)
		})
	}
}

func TestReadCSVRefused(t *testing.T) {
	tests := []struct {
		name, input, says string
	}{
		{"no text column", "id,body\n1,a\n", "no text column"},
		{"a column twice", "text,id,Text\na,1,b\n", `"text" appears twice`},
		{"two names of one field are fine, one name twice is not", "id,external_id,id\n", `"id" appears twice`},
		{"bad header", "id,\"te\"xt\n", "header"},
		{"record over the cap", "id,text\n1,\"" + strings.Repeat("unclosed ", MaxRecordBytes/8), "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, _, err := ReadCSV(strings.NewReader(tc.input), "file", func(Item) error { return nil })
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.says) || n != 0 {
				t.Errorf("n=%d err=%v; want ErrFormat saying %q", n, err, tc.says)
			}
		})
	}
}

func TestReadCSVLongRecord(t *testing.T) {
	long := strings.Repeat("Тбилиси, ", 150_000) // 2.4 MB in one quoted field
	items, errs := readAll(t, ReadCSV, "id,text\n1,\""+long+"\"\n2,after\n")
	if len(errs) != 0 || len(items) != 2 || len(items[0].Text) > MaxTextBytes || items[1].Text != "after" {
		t.Fatalf("%d items, errors %v", len(items), errs)
	}
}

func TestReadCSVStops(t *testing.T) {
	stop := errors.New("cancelled")
	n, _, err := ReadCSV(strings.NewReader("text\na\nb\n"), "file", func(it Item) error {
		if it.Text == "b" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 1 || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("n=%d err=%v", n, err)
	}
	broken := io.MultiReader(strings.NewReader("text\na\nb"), iotestErrReader{})
	n, _, err = ReadCSV(broken, "file", func(Item) error { return nil })
	if err == nil || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "disk") {
		t.Errorf("I/O failure: n=%d err=%v", n, err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		header string
		want   rune
	}{
		{"id,text,lang\n1;2;3;4;5\n", ','},
		{"id;text;lang\n", ';'},
		{"\"a,b\";text\n", ';'},
		{"text\n", ','},
		{"text;a,b,c\n", ','},
	}
	for _, tc := range tests {
		got, err := sniffDelimiter(bufio.NewReaderSize(strings.NewReader(tc.header), 64<<10))
		if err != nil || got != tc.want {
			t.Errorf("sniffDelimiter(%q) = %q, %v; want %q", tc.header, got, err, tc.want)
		}
	}
}

// BenchmarkReadCSV measures ReadCSV on 100,000 generated rows, beside the
// floor any CSV importer pays: encoding/csv reading the records.
func BenchmarkReadCSV(b *testing.B) {
	const rows = 100_000
	data := generateCSV(rows)
	b.Run("ReadCSV", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		runs := 0
		for b.Loop() {
			runs++
			n, errs, err := ReadCSV(strings.NewReader(data), "file", func(Item) error { return nil })
			if err != nil || len(errs) != 0 || n != rows {
				b.Fatalf("n=%d errs=%v err=%v", n, errs, err)
			}
		}
		b.ReportMetric(float64(rows*runs)/b.Elapsed().Seconds(), "items/s")
	})
	b.Run("baseline=encoding/csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		runs := 0
		for b.Loop() {
			runs++
			cr := csv.NewReader(strings.NewReader(data))
			cr.ReuseRecord = true
			n := -1
			for {
				_, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(rows*runs)/b.Elapsed().Seconds(), "items/s")
	})
}
