package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/langid"
	"github.com/attache-project/attache/internal/listen/listenbench"
	"github.com/attache-project/attache/internal/lql"
	"github.com/attache-project/attache/internal/text"
)

// benchListenUsage explains `attache bench listen`.
const benchListenUsage = `Usage: attache bench listen [flags]

Measures the listening engine in one process, each figure beside its
baseline from the same run: analysis alone, the matcher with --queries
standing queries (analysis included), brute force (every query's own
evaluation) on --brute texts, and ingest end to end (normalise, dedup,
language ID, analysis, matching --topics topics, storing with the full-text
keys and the matches, committed every 2,000 mentions; preparing overlaps
storing) into a new SQLite database in a temporary directory (or a new
schema of --database postgres://…, dropped at the end), beside a raw
batched insert of the same rows. Analysis and matching run on one core
(GOMAXPROCS 1).
Each figure is the median of --count runs, measured in turns.

By default the texts, mentions and queries are generated from the words of
the UDHR development set embedded in the binary (19 language variants, 4 scripts),
drawn by frequency: short texts are its 8-word snippets; mentions have 6–30
words over 25 days and carry no language, so language ID runs.

Flags:`

// benchOpts are the flags of `bench listen`.
type benchOpts struct {
	queries, topics, brute, mentions, count int
	roundTime                               time.Duration
	samples, queriesFile, textsFile         string
	database, langidMode, cpuProfile        string
	seed                                    uint64
}

func runBenchListen(ctx context.Context, e *env, args []string) error {
	var o benchOpts
	fs := flag.NewFlagSet("attache bench listen", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.IntVar(&o.queries, "queries", 10000, "standing queries to generate for the matcher rows")
	fs.StringVar(&o.queriesFile, "queries-file", "", "read the standing queries from this JSONL file of {\"id\", \"query\"} instead")
	fs.StringVar(&o.textsFile, "texts-file", "", "read the short texts from this JSONL file of {\"id\", \"text\", \"lang\"?, \"source\"?, \"author\"?, \"country\"?} instead")
	fs.StringVar(&o.samples, "samples", "", "JSONL file of {\"lang\", \"text\", \"short\"?} to draw words from (default: the embedded UDHR set)")
	fs.IntVar(&o.brute, "brute", 50, "texts to match by brute force (every query evaluated on its own)")
	fs.IntVar(&o.mentions, "mentions", 100000, "mentions to ingest in each ingest row (0: no ingest rows)")
	fs.IntVar(&o.topics, "topics", 1000, "topics of the organisation the mentions are ingested into")
	fs.StringVar(&o.database, "database", "", "postgres://… to ingest into a new schema of that database (default: a new SQLite file)")
	fs.StringVar(&o.langidMode, "langid", "low", "language ID of the ingest row: low, high or off (the row with the source's language always runs)")
	fs.IntVar(&o.count, "count", 3, "runs of each measurement; the table shows medians")
	fs.DurationVar(&o.roundTime, "time", 2*time.Second, "time of each run of analysis and matching")
	fs.Uint64Var(&o.seed, "seed", 2026, "seed of the generated data")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, benchListenUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.queries < 1 || o.topics < 1 || o.brute < 0 || o.mentions < 0 || o.count < 1 || o.roundTime <= 0 {
		return errors.New("bench listen: --queries, --topics, --count and --time must be positive, --brute and --mentions not negative")
	}
	if o.langidMode != "off" {
		if _, err := langid.ParseMode(o.langidMode); err != nil {
			return fmt.Errorf("bench listen: --langid: %w", err)
		}
	}
	data, err := loadBenchData(&o)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var rows []benchRow
	fmt.Fprintf(e.stderr, "matching %d texts against %d queries…\n", len(data.texts), len(data.queries))
	rows = append(rows, matchRows(ctx, data, &o)...)
	if o.mentions > 0 {
		fmt.Fprintf(e.stderr, "ingesting %d mentions with %d topics, %d runs…\n", o.mentions, o.topics, o.count)
		ingest, err := ingestRows(ctx, data, &o)
		if err != nil {
			return err
		}
		rows = append(rows, ingest...)
	}
	return printBench(e.stdout, &o, rows)
}

// benchData is what the rows run on.
type benchData struct {
	texts   []lql.Doc // short texts, with their fields; Tokens unset
	raw     []string  // their text
	queries []*lql.Query
	topics  []string
	corpus  *listenbench.Corpus
}

func loadBenchData(o *benchOpts) (*benchData, error) {
	samples, err := listenbench.Builtin()
	if o.samples != "" {
		samples, err = readSamplesFile(o.samples)
	}
	if err != nil {
		return nil, err
	}
	long, short := listenbench.Split(samples)
	if len(long) == 0 {
		long = short
	}
	if len(short) == 0 {
		short = long
	}
	d := &benchData{}
	for _, s := range short {
		d.texts = append(d.texts, lql.Doc{Lang: s.Language()})
		d.raw = append(d.raw, s.Text)
	}
	if o.textsFile != "" {
		if d.texts, d.raw, err = readBenchTexts(o.textsFile); err != nil {
			return nil, err
		}
	}
	if o.queriesFile != "" {
		if d.queries, err = readBenchQueries(o.queriesFile); err != nil {
			return nil, err
		}
	} else {
		for _, s := range listenbench.Queries(long, o.queries, o.seed) {
			q, err := lql.Parse(s)
			if err != nil {
				return nil, fmt.Errorf("generated query %q: %w", s, err)
			}
			d.queries = append(d.queries, q)
		}
	}
	d.topics = listenbench.Queries(long, o.topics, o.seed+1)
	d.corpus = listenbench.NewCorpus(samples, time.Now().UTC())
	d.corpus.MinWords, d.corpus.MaxWords, d.corpus.Span = 6, 30, 25*24*time.Hour
	return d, nil
}

func readSamplesFile(path string) ([]listenbench.Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := listenbench.ReadSamples(f)
	if err != nil {
		return nil, fmt.Errorf("--samples %s: %w", path, err)
	}
	return s, nil
}

// readBenchQueries reads queries as `query match` does; a bad line is an error.
func readBenchQueries(path string) ([]*lql.Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []*lql.Query
	var bad error
	err = eachJSONLine(f, func(n int, line []byte) bool {
		_, _, q, err := parseQueryLine(line)
		if err != nil {
			bad = fmt.Errorf("--queries-file %s line %d: %w", path, n, err)
			return false
		}
		qs = append(qs, q)
		return true
	})
	if err == nil {
		err = bad
	}
	if err == nil && len(qs) == 0 {
		err = fmt.Errorf("--queries-file %s: no queries", path)
	}
	return qs, err
}

// readBenchTexts reads texts as `query match` does; a bad line is an error.
func readBenchTexts(path string) ([]lql.Doc, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var docs []lql.Doc
	var raw []string
	var bad error
	err = eachJSONLine(f, func(n int, line []byte) bool {
		var t textLine
		err := json.Unmarshal(line, &t)
		if err == nil {
			_, _, err = jsonID(t.ID)
		}
		if err == nil && t.Text == nil {
			err = errors.New("no \"text\"")
		}
		if err != nil {
			bad = fmt.Errorf("--texts-file %s line %d: %w", path, n, err)
			return false
		}
		docs = append(docs, lql.Doc{Lang: t.Lang, Source: t.Source, Author: t.Author, Country: t.Country})
		raw = append(raw, *t.Text)
		return true
	})
	if err == nil {
		err = bad
	}
	if err == nil && len(raw) == 0 {
		err = fmt.Errorf("--texts-file %s: no texts", path)
	}
	return docs, raw, err
}

// benchRow is one line of the table: what was measured, its median
// throughput and the baseline it is compared with.
type benchRow struct {
	name, unit string
	perSec     []float64 // one per run
	baseline   string    // name of the row the ratio is against; "" for a baseline
	note       string
}

func (r benchRow) median() float64 {
	s := slices.Clone(r.perSec)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// matchRows measures analysis alone and the matcher in alternating rounds
// of 64 texts (so both see the same machine), then brute force.
func matchRows(ctx context.Context, d *benchData, o *benchOpts) []benchRow {
	m := lql.NewMatcher()
	for i, q := range d.queries {
		m.Set(strconv.Itoa(i), q)
	}
	build := time.Now()
	m.Match(&lql.Doc{}, nil) // builds the index
	buildTime := time.Since(build)
	runtime.GC() // the garbage of parsing and building is not the rounds' to collect
	// One core, as the targets say (and as go test -cpu 1): with more, the
	// scheduler moves the goroutine between cores, whose caches are cold.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	analysis := benchRow{name: "analysis alone", unit: "texts/s"}
	matcher := benchRow{name: fmt.Sprintf("matcher, %d queries", len(d.queries)), unit: "texts/s", baseline: analysis.name}
	brute := benchRow{name: fmt.Sprintf("brute force, %d queries, %d texts", len(d.queries), min(o.brute, len(d.raw))), unit: "texts/s", baseline: analysis.name}
	var toks []text.Token
	var ids []string
	matches := 0
	n := 0
	for run := 0; run < o.count && ctx.Err() == nil; run++ {
		var ta, tm time.Duration
		texts := 0
		for ta+tm < o.roundTime && ctx.Err() == nil {
			start := time.Now()
			for j := range 64 {
				toks = text.AnalyzeAppend(toks[:0], d.raw[(n+j)%len(d.raw)])
			}
			mid := time.Now()
			for j := range 64 {
				k := (n + j) % len(d.raw)
				doc := d.texts[k]
				doc.Tokens = text.AnalyzeAppend(toks[:0], d.raw[k])
				toks = doc.Tokens
				ids = m.Match(&doc, ids[:0])
				matches += len(ids)
			}
			tm += time.Since(mid)
			ta += mid.Sub(start)
			n, texts = n+64, texts+64
		}
		analysis.perSec = append(analysis.perSec, float64(texts)/ta.Seconds())
		matcher.perSec = append(matcher.perSec, float64(texts)/tm.Seconds())
	}
	// Brute force after: it leaves garbage, and a collection running
	// during the rounds above would slow them.
	for run := 0; run < o.count && o.brute > 0 && ctx.Err() == nil; run++ {
		brute.perSec = append(brute.perSec, bruteForce(d, o.brute))
	}
	matcher.note = fmt.Sprintf("%.1f matches a text; index built in %v", float64(matches)/float64(max(n, 1)), buildTime.Round(time.Millisecond))
	rows := []benchRow{analysis, matcher}
	if o.brute > 0 {
		rows = append(rows, brute)
	}
	return rows
}

// bruteForce evaluates every query on its own on n texts spread evenly
// over the texts (which come grouped by language).
func bruteForce(d *benchData, n int) float64 {
	n = min(n, len(d.raw))
	start := time.Now()
	for i := range n {
		k := i * len(d.raw) / n
		doc := d.texts[k]
		doc.Tokens = text.Analyze(d.raw[k])
		for _, q := range d.queries {
			q.Match(&doc)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// printBench writes the machine and the table.
func printBench(w io.Writer, o *benchOpts, rows []benchRow) error {
	fmt.Fprintf(w, "attache bench listen — %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "machine: %d cores (GOMAXPROCS %d), %s, %s/%s%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, cpuModel())
	fmt.Fprintf(w, "medians of %d runs\n\n", o.count)
	median := map[string]float64{}
	width := len("row")
	for _, r := range rows {
		median[r.name] = r.median()
		width = max(width, len(r.name))
	}
	fmt.Fprintf(w, "%-*s  %12s  %-10s  %11s  %s\n", width, "row", "throughput", "", "vs baseline", "runs")
	for _, r := range rows {
		ratio := "baseline"
		if r.baseline != "" && median[r.baseline] > 0 {
			ratio = fmt.Sprintf("%.3f", r.median()/median[r.baseline])
		}
		runs := make([]string, len(r.perSec))
		for i, v := range r.perSec {
			runs[i] = strconv.FormatFloat(v, 'f', 0, 64)
		}
		fmt.Fprintf(w, "%-*s  %12.0f  %-10s  %11s  %s\n", width, r.name, r.median(), r.unit, ratio, strings.Join(runs, " "))
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.note != "" {
			fmt.Fprintf(w, "%s: %s\n", r.name, r.note)
		}
	}
	return nil
}

// cpuModel is ", " and the processor's name where the system says it.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return ", " + strings.TrimSpace(v)
		}
	}
	return ""
}
