package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

// runBench runs `attache bench listen` in-process.
func runBench(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	env := &env{stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	err = run(context.Background(), env, append([]string{"bench", "listen"}, args...))
	return o.String(), e.String(), err
}

// benchLine matches one row of the table: name, median, unit, ratio, runs.
var benchLine = regexp.MustCompile(`^(.+?)\s{2,}(\d+)\s+(texts/s|mentions/s|rows/s)\s+(baseline|\d+\.\d{3})\s+((?:\d+ ?)+)$`)

// A tiny run on each engine prints the machine and every row, each with a
// positive throughput, a ratio to its baseline and one figure per run; on
// PostgreSQL the schemas it made are gone afterwards.
func TestBenchListen(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		args := []string{"--queries", "300", "--topics", "20", "--mentions", "300", "--brute", "3", "--count", "2", "--time", "20ms"}
		if e.URL != "" {
			args = append(args, "--database", e.URL)
		}
		out, errOut, err := runBench(t, args...)
		if err != nil {
			t.Fatalf("bench listen: %v\n%s", err, errOut)
		}
		if !strings.Contains(out, strconv.Itoa(runtime.NumCPU())+" cores") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("no machine line:\n%s", out)
		}
		rows := map[string][]string{}
		for _, line := range strings.Split(out, "\n") {
			if m := benchLine.FindStringSubmatch(line); m != nil {
				rows[m[1]] = m[2:]
			}
		}
		for name, baseline := range map[string]bool{
			"analysis alone":                              true,
			"matcher, 300 queries":                        false,
			"brute force, 300 queries, 3 texts":           false,
			"ingest end to end, language ID low":          false,
			"ingest end to end, language from the source": false,
			"raw batched insert of the same rows":         true,
		} {
			r, ok := rows[name]
			if !ok {
				t.Errorf("no row %q in\n%s", name, out)
				continue
			}
			if v, _ := strconv.Atoi(r[0]); v <= 0 {
				t.Errorf("%s: throughput %s", name, r[0])
			}
			if (r[2] == "baseline") != baseline {
				t.Errorf("%s: ratio %q", name, r[2])
			}
			if n := len(strings.Fields(r[3])); n != 2 {
				t.Errorf("%s: %d runs, want 2", name, n)
			}
		}
		if !strings.Contains(out, "topic matches") || !strings.Contains(out, "matches a text") {
			t.Errorf("no notes:\n%s", out)
		}
		if e.URL != "" {
			d, err := db.Open(context.Background(), t.TempDir(), e.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var n int
			if err := d.R().QueryRowContext(context.Background(),
				"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE 'attache_bench_%'").Scan(&n); err != nil || n != 0 {
				t.Errorf("%d bench schemas left (%v)", n, err)
			}
		}
	})
}

// Queries and texts can come from files; without ingest rows no database
// is opened.
func TestBenchListenFiles(t *testing.T) {
	dir := t.TempDir()
	queries := filepath.Join(dir, "queries.jsonl")
	texts := filepath.Join(dir, "texts.jsonl")
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(queries, `{"id": 1, "query": "grain OR wheat"}`+"\n"+`{"id": "k", "query": "Kyiv lang:uk"}`+"\n")
	write(texts, `{"id": 1, "text": "Grain from Odesa"}`+"\n\n"+`{"id": 2, "text": "Київ сьогодні", "lang": "uk"}`+"\n")
	out, errOut, err := runBench(t, "--queries-file", queries, "--texts-file", texts, "--mentions", "0", "--brute", "2", "--count", "1", "--time", "10ms")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "matcher, 2 queries") || !strings.Contains(out, "1.0 matches a text") || strings.Contains(out, "ingest") {
		t.Errorf("output:\n%s", out)
	}

	// Without language ID the ingest rows are the source's language and the raw insert.
	out, errOut, err = runBench(t, "--queries-file", queries, "--texts-file", texts, "--mentions", "100", "--topics", "5",
		"--langid", "off", "--brute", "0", "--count", "1", "--time", "10ms")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if strings.Contains(out, "language ID") || !strings.Contains(out, "ingest end to end, language from the source") ||
		!strings.Contains(out, "raw batched insert") || strings.Contains(out, "brute force") {
		t.Errorf("--langid off --brute 0:\n%s", out)
	}

	write(texts, `{"id": 1, "text": "fine"}`+"\n"+`{"id": 2}`+"\n")
	if _, _, err := runBench(t, "--queries-file", queries, "--texts-file", texts, "--mentions", "0"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a text without text: %v", err)
	}
	write(queries, `{"id": 1, "query": "grain AND (wheat"}`+"\n")
	if _, _, err := runBench(t, "--queries-file", queries, "--mentions", "0"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a bad query: %v", err)
	}
}

// --help explains every flag; bad values are refused before any work.
func TestBenchListenFlags(t *testing.T) {
	_, errOut, err := runBench(t, "--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	for _, f := range []string{"-queries", "-queries-file", "-texts-file", "-samples", "-brute", "-mentions", "-topics", "-database", "-langid", "-count", "-time", "-seed", "-cpuprofile", "baseline"} {
		if !strings.Contains(errOut, f) {
			t.Errorf("--help does not mention %s:\n%s", f, errOut)
		}
	}
	for _, args := range [][]string{
		{"--count", "0"}, {"--queries", "0"}, {"--mentions", "-1"}, {"--time", "0s"}, {"--langid", "medium"}, {"extra"},
		{"--samples", filepath.Join(t.TempDir(), "missing.jsonl")},
	} {
		if _, _, err := runBench(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
