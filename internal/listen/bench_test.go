package listen_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/listen/listenbench"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/text"
)

// corpus draws realistic mentions (listenbench.Corpus over the test
// samples): a language (weighted by how many sentences the test data has
// of it), then 8–40 words of that language drawn by their frequency in the
// test data, a time within 90 days, a source and one of 20,000 authors.
type corpus struct{ *listenbench.Corpus }

func newCorpus(samples []sample) *corpus {
	bs := make([]listenbench.Sample, len(samples))
	for i, s := range samples {
		bs[i] = listenbench.Sample{Lang: s.Lang, Text: s.Text}
	}
	return &corpus{listenbench.NewCorpus(bs, testBase)}
}

func (c *corpus) mention(rng *rand.Rand, org int64, ext string) listen.Mention {
	m := c.Mention(rng, ext)
	return listen.Mention{
		OrgID: org, Source: m.Source, ExternalID: m.ExternalID, AuthorHandle: m.Author,
		Text: m.Text, Language: m.Lang, At: m.At, Likes: m.Likes,
	}
}

// batch makes n mentions with keys computed (as the pipeline passes them).
func (c *corpus) batch(rng *rand.Rand, org int64, prefix string, from, n int) []listen.Mention {
	ms := make([]listen.Mention, n)
	for i := range ms {
		ms[i] = c.mention(rng, org, prefix+strconv.Itoa(from+i))
		ms[i].Keys = listen.TextKeys(ms[i].Text)
	}
	return ms
}

// BenchmarkInsertBatch measures the store's part of ingest: batches of
// 2,000 mentions in one transaction each, each in a fresh database of its
// own that already holds 50,000 mentions: with keys given (the pipeline
// analysed the texts for matching already) or analysed by the store, and
// with publication times spread over 90 days (an import of history: every
// time index is written all over) or arriving in time order (the live
// stream).
func BenchmarkInsertBatch(b *testing.B) {
	c := newCorpus(loadSamples(b))
	const size, preload = 2000, 50000
	for _, mode := range []struct {
		name            string
		analyse, stream bool
	}{{"keys=given", false, false}, {"keys=analysed", true, false}, {"keys=given,stream", false, true}} {
		for _, name := range engineNames(b) {
			b.Run(name+"/"+mode.name, func(b *testing.B) {
				e := freshEngine(b, name)
				org := newOrg(b, e.DB, "bench")
				rng := rand.New(rand.NewPCG(1, 2))
				for from := 0; from < preload; from += 10000 {
					insertBench(b, e, c.batch(rng, org, "pre-", from, 10000))
				}
				batches := make([][]listen.Mention, b.N)
				next := c.End
				for i := range batches {
					batches[i] = c.batch(rng, org, fmt.Sprintf("%d-", i), 0, size)
					for j := range batches[i] {
						if mode.analyse {
							batches[i][j].Keys = ""
						}
						if mode.stream {
							next = next.Add(10 * time.Millisecond)
							batches[i][j].At = next
						}
					}
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					insertBench(b, e, batches[i])
				}
				b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

func insertBench(b *testing.B, e testutil.Engine, ms []listen.Mention) {
	err := e.DB.InTx(ctx, func(tx *db.Tx) error {
		n, _, err := listen.InsertBatch(ctx, tx, ms)
		if err == nil && n != len(ms) {
			err = fmt.Errorf("inserted %d of %d", n, len(ms))
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// engineNames lists the engines the tests run on here.
func engineNames(b *testing.B) []string {
	if testutil.PostgresURL(b) == "" {
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// freshEngine returns a new migrated database on the named engine.
func freshEngine(b *testing.B, name string) testutil.Engine {
	if name == "postgres" {
		return testutil.Postgres(b, testutil.PostgresURL(b))
	}
	return testutil.SQLite(b)
}

// BenchmarkSearchLarge loads ATTACHE_LISTEN_BENCH mentions (e.g. 1000000)
// into one organisation on each engine and measures the latency of
// two-term searches, newest 50 first: terms drawn by frequency (the common
// words of a language) and uniformly from the vocabulary (rarer words),
// each with and without a language filter. Opt-in: loading a million
// mentions takes minutes.
//
//	ATTACHE_LISTEN_BENCH=1000000 go test ./internal/listen/ -run '^$' -bench SearchLarge -benchtime 300x -timeout 60m
//
// With ATTACHE_LISTEN_BENCH_DIR set, the databases are kept for the next
// run (SQLite in that directory, PostgreSQL in schema listen_bench_N) and
// loaded only once.
func BenchmarkSearchLarge(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("ATTACHE_LISTEN_BENCH"))
	if n <= 0 {
		b.Skip("set ATTACHE_LISTEN_BENCH to the number of mentions, e.g. 1000000")
	}
	c := newCorpus(loadSamples(b))
	for _, e := range largeEngines(b, n) {
		var org int64
		err := e.DB.R().QueryRowContext(ctx, "SELECT id FROM orgs WHERE slug = 'large'").Scan(&org)
		if err != nil {
			org = newOrg(b, e.DB, "large")
			loadLarge(b, e, c, org, n)
		}
		for _, mode := range []struct {
			name         string
			byFreq, lang bool
		}{{"frequent+lang", true, true}, {"frequent", true, false}, {"vocabulary+lang", false, true}, {"vocabulary", false, false}} {
			qs := largeQueries(c, mode.byFreq, mode.lang, 500)
			b.Run(e.Name+"/"+mode.name, func(b *testing.B) {
				var times []time.Duration
				found, slowest := 0, 0
				for i := 0; i < b.N; i++ {
					start := time.Now()
					got, err := listen.Search(ctx, e.DB.R(), org, qs[i%len(qs)])
					if err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
					if times[i] > times[slowest] {
						slowest = i
					}
					found += len(got)
				}
				if b.N > 1 {
					q := qs[slowest%len(qs)]
					b.Logf("slowest: %v lang %q took %v; plan now:\n%s", q.Terms, q.Lang, times[slowest], explainSearch(b, e, org, q))
				}
				slices.Sort(times)
				pct := func(p float64) float64 {
					return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
				}
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.95), "p95-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
				b.ReportMetric(float64(found)/float64(b.N), "rows/query")
			})
		}
	}
}

// largeEngines returns the benchmark's databases: fresh ones, or kept ones
// under ATTACHE_LISTEN_BENCH_DIR.
func largeEngines(b *testing.B, n int) []testutil.Engine {
	dir := os.Getenv("ATTACHE_LISTEN_BENCH_DIR")
	if dir == "" {
		return testutil.Engines(b)
	}
	open := func(name, url string) testutil.Engine {
		d, err := db.Open(ctx, filepath.Join(dir, strconv.Itoa(n)), url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		return testutil.Engine{Name: name, DB: d}
	}
	out := []testutil.Engine{open("sqlite", "")}
	if base := testutil.PostgresURL(b); base != "" {
		schema := "listen_bench_" + strconv.Itoa(n)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		_, err = admin.Exec("CREATE SCHEMA IF NOT EXISTS " + schema)
		admin.Close()
		if err != nil {
			b.Fatal(err)
		}
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		out = append(out, open("postgres", u.String()))
	}
	return out
}

// explainSearch returns the engine's plan of a search (PostgreSQL runs it:
// EXPLAIN ANALYZE).
func explainSearch(b testing.TB, e testutil.Engine, org int64, q listen.SearchQuery) string {
	query, args, _, err := listen.SearchSQL(ctx, e.DB.R(), org, q)
	if err != nil {
		b.Fatal(err)
	}
	explain := "EXPLAIN QUERY PLAN "
	if e.DB.Dialect == db.Postgres {
		explain = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	rows, err := e.DB.R().QueryContext(ctx, explain+query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(out, "\n")
}

func loadLarge(b testing.TB, e testutil.Engine, c *corpus, org int64, n int) {
	rng := rand.New(rand.NewPCG(1, 1))
	start := time.Now()
	const size = 5000
	for from := 0; from < n; from += size {
		ms := c.batch(rng, org, "l", from, min(size, n-from))
		if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			_, _, err := listen.InsertBatch(ctx, tx, ms)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	loaded := time.Since(start)
	if _, err := e.DB.W().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: loaded %d mentions in %v (%.0f/s, analysis included), analysed in %v", e.Name, n, loaded.Round(time.Second),
		float64(n)/loaded.Seconds(), (time.Since(start) - loaded).Round(time.Second))
}

// largeQueries draws two-term searches: a language, then two different
// words of it, by frequency or uniformly from its vocabulary.
func largeQueries(c *corpus, byFreq, lang bool, n int) []listen.SearchQuery {
	rng := rand.New(rand.NewPCG(2, 2))
	var qs []listen.SearchQuery
	for len(qs) < n {
		l := c.Langs[rng.IntN(len(c.Langs))]
		pool := c.Vocab[l]
		if byFreq {
			pool = c.Tokens[l]
		}
		w1, w2 := pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))]
		k1, k2 := text.TermKeys(w1), text.TermKeys(w2)
		if len(k1) == 0 || len(k2) == 0 || w1 == w2 {
			continue
		}
		q := listen.SearchQuery{Terms: [][]string{k1, k2}}
		if lang {
			q.Lang = l
		}
		qs = append(qs, q)
	}
	return qs
}
