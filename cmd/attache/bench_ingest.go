package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/langid"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/org"
)

// The ingest rows of `attache bench listen`.

// ingestRows runs the ingest rows --count times in turns, each into a new
// database: end to end with language ID (unless off), end to end with
// the language given by the source, and the raw insert of the same rows.
func ingestRows(ctx context.Context, d *benchData, o *benchOpts) ([]benchRow, error) {
	var id ingest.Identifier
	if o.langidMode != "off" {
		mode, _ := langid.ParseMode(o.langidMode)
		det, err := langid.New(mode)
		if err != nil {
			return nil, err
		}
		id.Language = func(s string) string { return det.Detect(s).Lang }
	}
	id.Script = langid.Script
	rng := rand.New(rand.NewPCG(o.seed, 7))
	ms := d.corpus.Mentions(rng, "m", o.mentions)
	given := make([]ingest.Item, len(ms))
	for i, m := range ms {
		given[i] = ingest.Item{Source: m.Source, ExternalID: m.ExternalID, AuthorHandle: m.Author, Text: m.Text, Lang: m.Lang, At: m.At, Likes: m.Likes}
	}
	unknown := slices.Clone(given)
	for i := range unknown {
		unknown[i].Lang = ""
	}
	raw := benchRow{name: "raw batched insert of the same rows", unit: "rows/s"}
	e2e := benchRow{name: "ingest end to end, language ID " + o.langidMode, unit: "mentions/s", baseline: raw.name}
	src := benchRow{name: "ingest end to end, language from the source", unit: "mentions/s", baseline: raw.name}
	rows := []benchRow{e2e, src, raw}
	if o.langidMode == "off" {
		rows = []benchRow{src, raw}
	}
	for run := 0; run < o.count; run++ {
		for i := range rows {
			var rate float64
			var note string
			err := withBenchDB(ctx, o.database, func(dbh *db.DB, orgID int64) error {
				var err error
				switch rows[i].name {
				case raw.name:
					rate, err = rawInsert(ctx, dbh, orgID, given)
				case src.name:
					rate, note, err = endToEnd(ctx, dbh, orgID, d.topics, ingest.Identifier{Script: langid.Script}, given)
				default:
					rate, note, err = endToEnd(ctx, dbh, orgID, d.topics, id, unknown)
				}
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("bench listen: %s: %w", rows[i].name, err)
			}
			rows[i].perSec, rows[i].note = append(rows[i].perSec, rate), note
		}
	}
	return rows, nil
}

// endToEnd ingests items as `listen import` does: batches of 2,000 are
// prepared (on every core) while the previous one is stored.
func endToEnd(ctx context.Context, d *db.DB, orgID int64, topics []string, id ingest.Identifier, items []ingest.Item) (float64, string, error) {
	now := time.Now().UTC()
	for i, q := range topics {
		t := listen.Topic{OrgID: orgID, Name: "topic " + strconv.Itoa(i), Query: q, CreatedAt: now, UpdatedAt: now}
		if err := listen.CreateTopic(ctx, d.W(), &t); err != nil {
			return 0, "", err
		}
	}
	p := &ingest.Pipeline{DB: d, Identify: id, Topics: &ingest.Topics{DB: d}}
	start := time.Now()
	batches := make(chan *ingest.Batch, 1)
	stored := make(chan error, 1)
	var total ingest.Result
	go func() {
		var err error
		for b := range batches {
			if err == nil {
				var res ingest.Result
				res, err = p.Store(ctx, b)
				total.Add(res)
			}
		}
		stored <- err
	}()
	var err error
	for from := 0; from < len(items) && err == nil; from += ingest.StreamBatch {
		var b *ingest.Batch
		if b, err = p.Prepare(ctx, orgID, items[from:min(from+ingest.StreamBatch, len(items))]); err == nil {
			batches <- b
		}
	}
	close(batches)
	if serr := <-stored; err == nil {
		err = serr
	}
	elapsed := time.Since(start)
	if err == nil && total.Inserted != len(items) {
		err = fmt.Errorf("stored %d of %d mentions", total.Inserted, len(items))
	}
	return float64(len(items)) / elapsed.Seconds(), fmt.Sprintf("%d topic matches", total.Matches), err
}

// rawInsert stores the same mentions without processing (their keys and
// script computed beforehand), in transactions of 2,000.
func rawInsert(ctx context.Context, d *db.DB, orgID int64, items []ingest.Item) (float64, error) {
	now := time.Now().UTC()
	ms := make([]listen.Mention, len(items))
	for i, it := range items {
		ms[i] = listen.Mention{OrgID: orgID, Source: it.Source, ExternalID: it.ExternalID, AuthorHandle: it.AuthorHandle,
			Text: it.Text, Language: it.Lang, Script: langid.Script(it.Text), Keys: listen.TextKeys(it.Text),
			At: it.At, FetchedAt: now, Likes: it.Likes}
	}
	start := time.Now()
	for from := 0; from < len(ms); from += ingest.StreamBatch {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, _, err := listen.InsertBatch(ctx, tx, ms[from:min(from+ingest.StreamBatch, len(ms))])
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return float64(len(ms)) / time.Since(start).Seconds(), nil
}

// withBenchDB runs fn on a new, migrated database holding one
// organisation: SQLite in a temporary directory, or a new schema of the
// PostgreSQL database at databaseURL; both are removed afterwards.
func withBenchDB(ctx context.Context, databaseURL string, fn func(*db.DB, int64) error) error {
	dir, err := os.MkdirTemp("", "attache-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	target := ""
	if databaseURL != "" {
		admin, err := db.Open(ctx, dir, databaseURL)
		if err != nil {
			return err
		}
		defer admin.Close()
		schema := fmt.Sprintf("attache_bench_%d_%d", os.Getpid(), time.Now().UnixNano())
		if _, err := admin.W().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		defer admin.W().ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE")
		u, err := url.Parse(databaseURL)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		target = u.String()
	}
	d, err := db.Open(ctx, dir, target)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	o := org.Org{Slug: "bench", Name: "Bench", Kind: org.Ministry, TimeZone: "UTC"}
	if err := org.InsertOrg(ctx, d.W(), &o); err != nil {
		return err
	}
	return fn(d, o.ID)
}
