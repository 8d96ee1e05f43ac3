package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/valid"
)

// A web import spools the file, reads it in the background with its
// progress in the table, keeps the bad records' lines, and is visible to
// its organisation only; a stale running import is marked interrupted.
func TestImporter(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org, other := pipelineOrg(t, e.DB, "mfa-i"), pipelineOrg(t, e.DB, "mfa-j")
		topic(t, e.DB, org, "Grain", "grain")
		ir := &ingest.Importer{DB: e.DB, Pipeline: &ingest.Pipeline{DB: e.DB, Topics: &ingest.Topics{DB: e.DB}}, Dir: t.TempDir(), Every: time.Millisecond}
		var b strings.Builder
		for i := range 4500 {
			fmt.Fprintf(&b, `{"id":"p%d","text":"grain shipment %d","published_at":"2026-03-01T09:00:00Z"}`+"\n", i, i)
			if i == 10 {
				b.WriteString("{not json\n")
			}
		}
		im, err := ir.Start(ctx, org, 0, "C:\\exports\\posts.jsonl", "", "telegram", strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if im.Status != ingest.ImportRunning || im.Filename != "posts.jsonl" || im.Format != "jsonl" || im.Source != "telegram" {
			t.Fatalf("started as %+v", im)
		}
		ir.Wait()
		got, err := ingest.GetImport(ctx, e.DB.R(), org, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != ingest.ImportDone || got.Inserted != 4500 || got.Matches != 4500 || got.BadRecords != 1 ||
			len(got.Problems) != 1 || !strings.Contains(got.Problems[0], "line 12") || got.Percent() != 100 || got.FinishedAt == nil {
			t.Fatalf("finished as %+v", got)
		}
		if _, err := ingest.GetImport(ctx, e.DB.R(), other, im.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another organisation reads the import: %v", err)
		}
		// The same file again: all duplicates.
		im2, err := ir.Start(ctx, org, 0, "posts.jsonl", "", "telegram", strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		ir.Wait()
		if got, _ := ingest.GetImport(ctx, e.DB.R(), org, im2.ID); got.Inserted != 0 || got.Duplicates != 4500 {
			t.Fatalf("second import %+v", got)
		}
		var fe *valid.FieldError
		for name, c := range map[string]struct{ file, format, source, body, field string }{
			"no format": {"posts.txt", "", "", "x", "format"},
			"empty":     {"posts.csv", "", "", "", "file"},
			"source":    {"posts.csv", "", "Not a source!", "x", "source"},
			"no name":   {"", "", "", "x", "file"},
		} {
			if _, err := ir.Start(ctx, org, 0, c.file, c.format, c.source, strings.NewReader(c.body)); !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("%s: got %v, want an error on %s", name, err, c.field)
			}
		}
		list, err := ingest.ListImports(ctx, e.DB.R(), org, 10)
		if err != nil || len(list) != 2 || list[0].ID != im2.ID {
			t.Fatalf("list: %v %+v", err, list)
		}
		// A running row that stopped moving.
		old := time.Now().UTC().Add(-time.Hour)
		if _, err := e.DB.W().ExecContext(ctx, `INSERT INTO listen_imports (org_id, filename, format, source, status, started_at, updated_at)
			VALUES (?, 'x.csv', 'csv', 'file', 'running', ?, ?)`, org, old, old); err != nil {
			t.Fatal(err)
		}
		if n, err := ingest.Recover(ctx, e.DB, 5*time.Minute); err != nil || n != 1 {
			t.Fatalf("recover: %d, %v", n, err)
		}
	})
}
