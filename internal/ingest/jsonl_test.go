package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// readAll runs an importer over input and collects what it gives.
func readAll(t testing.TB, read func(io.Reader, string, func(Item) error) (int, []LineError, error), input string) ([]Item, []LineError) {
	t.Helper()
	var items []Item
	n, errs, err := read(strings.NewReader(input), "file", func(it Item) error {
		checkItem(t, it)
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if n != len(items) {
		t.Fatalf("n = %d, fn saw %d items", n, len(items))
	}
	return items, errs
}

func TestReadJSONLFields(t *testing.T) {
	input := `{"id":"p1","text":"Зеленський зустрівся з Вучичем у Києві","url":"https://t.me/news_ua/101","author":"@news_ua","author_name":"Новини","author_id":"-100123","lang":"uk","country":"ua","published_at":"2026-03-01T09:30:00+02:00","in_reply_to":"p0","likes":12,"reposts":"3","replies":0,"extra":{"ignored":true}}
{"external_id":12345678901234567890,"text":"Vučić u Briselu","source":"Mastodon","created_at":1772357400,"author_handle":"novinar@mastodon.rs","author":"ignored"}
{"ID":"p3","Text":"Upper-case keys","At":"2026-03-01 07:30:00","Lang":null}
{"id":"p4","external_id":"p4-alt","text":"id wins","published_at":"","at":"2026-03-01","created_at":"bad"}
`
	items, errs := readAll(t, ReadJSONL, input)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := []Item{
		{Source: "file", ExternalID: "p1", Text: "Зеленський зустрівся з Вучичем у Києві", URL: "https://t.me/news_ua/101",
			AuthorHandle: "@news_ua", AuthorName: "Новини", AuthorID: "-100123", Lang: "uk", Country: "UA",
			At: time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC), InReplyTo: "p0", Likes: 12, Reposts: 3},
		{Source: "mastodon", ExternalID: "12345678901234567890", Text: "Vučić u Briselu", AuthorHandle: "novinar@mastodon.rs",
			At: time.Unix(1772357400, 0).UTC()},
		{Source: "file", ExternalID: "p3", Text: "Upper-case keys", At: time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC)},
		{Source: "file", ExternalID: "p4", Text: "id wins", At: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("item %d:\n got  %+v\n want %+v", i, items[i], want[i])
		}
	}
}

func TestReadJSONLBadRecords(t *testing.T) {
	tests := []struct {
		name  string
		input string
		good  int
		errs  []LineError // Reason only checked to be non-empty
	}{
		{"empty file", "", 0, nil},
		{"blank lines only", "\n  \n\t\r\n", 0, nil},
		{"no trailing newline", `{"text":"a"}`, 1, nil},
		{"BOM and CR LF", "\xEF\xBB\xBF{\"text\":\"a\"}\r\n{\"text\":\"b\"}\r\n", 2, nil},
		{"invalid JSON", "{\"text\":\"a\"}\n{\"text\":\"b\"\n{\"text\":\"c\"}\n", 2, []LineError{{Line: 2}}},
		{"trailing garbage", `{"text":"a"} x`, 0, []LineError{{Line: 1}}},
		{"not an object", "[1,2]\n\"text\"\nnull\n42\n", 0, []LineError{{Line: 1}, {Line: 2}, {Line: 3}, {Line: 4}}},
		{"missing text", "\n{\"id\":\"1\"}\n", 0, []LineError{{Line: 2, Field: "text"}}},
		{"blank text", `{"text":"  \n "}`, 0, []LineError{{Line: 1, Field: "text"}}},
		{"text of the wrong type", `{"text":true}` + "\n" + `{"text":{"a":1}}`, 0, []LineError{{Line: 1, Field: "text"}, {Line: 2, Field: "text"}}},
		{"the first bad key is reported", `{"author":false,"url":[1],"text":"a"}`, 0, []LineError{{Line: 1, Field: "url"}}},
		{"a repeated key: the last counts", `{"text":"a","Text":"b","TEXT":null}`, 0, []LineError{{Line: 1, Field: "text"}}},
		{"bad count", "{\"text\":\"a\"}\n{\"text\":\"b\",\"likes\":1.5}\n{\"text\":\"c\",\"replies\":\"many\"}", 1,
			[]LineError{{Line: 2, Field: "likes"}, {Line: 3, Field: "replies"}}},
		{"bad time", `{"text":"a","created_at":"yesterday"}`, 0, []LineError{{Line: 1, Field: "created_at"}}},
		{"Unix milliseconds", `{"text":"a","at":1772357400000}`, 0, []LineError{{Line: 1, Field: "at"}}},
		{"year 0001", `{"text":"a","published_at":"0001-01-01T00:00:00Z"}`, 0, []LineError{{Line: 1, Field: "published_at"}}},
		{"bad source", `{"text":"a","source":"RSS feed"}`, 0, []LineError{{Line: 1, Field: "source"}}},
		{"duplicate ids are both returned", "{\"id\":\"1\",\"text\":\"a\"}\n{\"id\":\"1\",\"text\":\"a\"}\n", 2, nil},
		{"invalid UTF-8 is replaced", "{\"text\":\"bad \xff byte\"}\n", 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, errs := readAll(t, ReadJSONL, tc.input)
			if len(items) != tc.good {
				t.Errorf("%d items, want %d", len(items), tc.good)
			}
			checkLineErrors(t, errs, tc.errs)
		})
	}
}

// checkLineErrors compares lines and fields, and wants a reason for each.
func checkLineErrors(t *testing.T, got, want []LineError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("errors %v, want %d of them: %v", got, len(want), want)
	}
	for i := range want {
		if got[i].Line != want[i].Line || got[i].Field != want[i].Field || got[i].Reason == "" {
			t.Errorf("error %d = %+v, want line %d field %q", i, got[i], want[i].Line, want[i].Field)
		}
	}
}

func TestReadJSONLLongLines(t *testing.T) {
	long := strings.Repeat("Київ ", 300_000) // 1.8 MB
	tooLong := strings.Repeat("x", MaxRecordBytes+10)
	input := fmt.Sprintf("{\"id\":\"1\",\"text\":%q}\n{\"text\":%q}\n{\"id\":\"3\",\"text\":\"after\"}\n", long, tooLong)
	items, errs := readAll(t, ReadJSONL, input)
	if len(items) != 2 || items[0].ExternalID != "1" || items[1].Text != "after" {
		t.Fatalf("items: %d", len(items))
	}
	// "Київ " is 9 bytes: the text keeps as many whole ones as fit, less
	// the trailing space.
	if want := strings.TrimSpace(long[:MaxTextBytes-MaxTextBytes%9]); items[0].Text != want {
		t.Errorf("long text kept %d bytes, want %d", len(items[0].Text), len(want))
	}
	checkLineErrors(t, errs, []LineError{{Line: 2}})
	if !strings.Contains(errs[0].Reason, "longer than") {
		t.Errorf("reason %q", errs[0].Reason)
	}
}

func TestReadJSONLErrorCap(t *testing.T) {
	var b strings.Builder
	for range MaxLineErrors + 500 {
		b.WriteString("{\"text\":\"\"}\n{\"text\":\"ok\"}\n")
	}
	items, errs := readAll(t, ReadJSONL, b.String())
	if len(items) != MaxLineErrors+500 || len(errs) != MaxLineErrors+1 || CountBad(errs) != MaxLineErrors+500 {
		t.Fatalf("%d items, %d errors listed, %d counted", len(items), len(errs), CountBad(errs))
	}
	if errs[MaxLineErrors-1].Line != 2*MaxLineErrors-1 {
		t.Errorf("last listed error on line %d", errs[MaxLineErrors-1].Line)
	}
}

func TestReadJSONLStops(t *testing.T) {
	stop := errors.New("store is full")
	seen := 0
	n, _, err := ReadJSONL(strings.NewReader("{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n"), "file", func(Item) error {
		seen++
		if seen == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 1 || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("n=%d err=%v", n, err)
	}

	broken := io.MultiReader(strings.NewReader("{\"text\":\"a\"}\n{\"te"), iotestErrReader{})
	n, _, err = ReadJSONL(broken, "file", func(Item) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "disk") || n != 1 {
		t.Errorf("I/O failure: n=%d err=%v", n, err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// BenchmarkReadJSONL measures ReadJSONL on 100,000 generated rows, beside
// the floor any JSONL importer pays: reading the lines and decoding each
// into a struct of strings with encoding/json, no checks, no normalising.
func BenchmarkReadJSONL(b *testing.B) {
	const rows = 100_000
	data := generateJSONL(rows)
	b.Run("ReadJSONL", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		runs := 0
		for b.Loop() {
			runs++
			n, errs, err := ReadJSONL(strings.NewReader(data), "file", func(Item) error { return nil })
			if err != nil || len(errs) != 0 || n != rows {
				b.Fatalf("n=%d errs=%v err=%v", n, errs, err)
			}
		}
		b.ReportMetric(float64(rows*runs)/b.Elapsed().Seconds(), "items/s")
	})
	b.Run("baseline=json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		runs := 0
		for b.Loop() {
			runs++
			sc := bufio.NewScanner(strings.NewReader(data))
			sc.Buffer(make([]byte, 64<<10), MaxRecordBytes)
			n := 0
			for sc.Scan() {
				var row struct {
					ID, Text, URL, Author, AuthorName, Lang, Country, PublishedAt, Likes, Reposts, Replies string
				}
				if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
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
