package ingest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"2026-03-01T09:30:00Z", time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), true},
		{"2026-03-01T09:30:00.5+02:00", time.Date(2026, 3, 1, 7, 30, 0, 5e8, time.UTC), true},
		{"2026-03-01 09:30:00", time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), true},
		{"2026-03-01 09:30:00.123", time.Date(2026, 3, 1, 9, 30, 0, 123e6, time.UTC), true},
		{"2026-03-01 09:30:00+03", time.Date(2026, 3, 1, 6, 30, 0, 0, time.UTC), true},
		{"2026-03-01T09:30:00", time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), true},
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{" 1772357400 ", time.Unix(1772357400, 0).UTC(), true},
		{"0", time.Unix(0, 0).UTC(), true},
		{"1772357400000", time.Time{}, false}, // milliseconds: year 58,000
		{"99999999999999999999", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"01/03/2026", time.Time{}, false},
		{"1850-01-01", time.Time{}, false},
		{"2026-02-30", time.Time{}, false},
	}
	for _, tc := range tests {
		got, err := parseTime(tc.in)
		if (err == nil) != tc.ok || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int64{"": 0, " 12 ": 12, "-4": -4, "9223372036854775807": 1<<63 - 1} {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("parseCount(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"1.5", "1e3", "many", "9223372036854775808", "1 000"} {
		if _, err := parseCount(in); err == nil {
			t.Errorf("parseCount(%q) accepted", in)
		}
	}
}

// realistic rows for the benchmarks: posts of the length and mix of scripts
// listening sees, with the usual fields.
var benchSentences = []string{
	"Міністр закордонних справ України провів зустріч із послом Сербії у Києві, обговорили енергетичну безпеку.",
	"Председник Вучић је данас у Београду разговарао са делегацијом Европске уније о дијалогу са Приштином.",
	"საქართველოს საგარეო საქმეთა მინისტრი თბილისში ევროკავშირის წარმომადგენლებს შეხვდა.",
	"Ministri i Jashtëm i Shqipërisë zhvilloi një takim në Tiranë me homologun e tij nga Kosova.",
	"Ministrul Afacerilor Externe al României a discutat la București despre securitatea regională.",
	"The EU delegation welcomed the progress on visa liberalisation and the new border agreement #diplomacy",
	"Влада Црне Горе усвојила је нову стратегију о борби против дезинформација на интернету.",
}

func benchRow(rng *rand.Rand, i int) map[string]string {
	s := benchSentences[rng.IntN(len(benchSentences))]
	return map[string]string{
		"id":           "post-" + strconv.Itoa(i),
		"text":         s + " " + benchSentences[rng.IntN(len(benchSentences))][:40],
		"url":          "https://t.me/channel_" + strconv.Itoa(rng.IntN(500)) + "/" + strconv.Itoa(i),
		"author":       "@user" + strconv.Itoa(rng.IntN(5000)),
		"author_name":  "Користувач " + strconv.Itoa(rng.IntN(5000)),
		"lang":         []string{"uk", "sr", "ka", "sq", "ro", "en", "cnr"}[rng.IntN(7)],
		"country":      []string{"UA", "RS", "GE", "AL", "RO", "ME", ""}[rng.IntN(7)],
		"published_at": time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC3339),
		"likes":        strconv.Itoa(rng.IntN(1000)),
		"reposts":      strconv.Itoa(rng.IntN(100)),
		"replies":      strconv.Itoa(rng.IntN(50)),
	}
}

var benchColumns = []string{"id", "text", "url", "author", "author_name", "lang", "country", "published_at", "likes", "reposts", "replies"}

func generateJSONL(n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := range n {
		line, err := json.Marshal(benchRow(rng, i))
		if err != nil {
			panic(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func generateCSV(n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(benchColumns)
	rec := make([]string, len(benchColumns))
	for i := range n {
		row := benchRow(rng, i)
		for j, c := range benchColumns {
			rec[j] = row[c]
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if w.Error() != nil {
		panic(fmt.Sprint(w.Error()))
	}
	return b.String()
}
