package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

// Importing a JSONL file into listening from the command line: good
// records are stored and matched, a bad one is named with its line (exit
// status 2), and a second import of the same file adds nothing.
func TestCLIListenImport(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		c := newCLI(t, e)
		c.mustRun([]string{"migrate"})
		c.mustRun([]string{"org", "create"}, "--slug", "mfa-ge", "--name", "MFA of Georgia", "--kind", "ministry")
		d, err := db.Open(ctx, e.Dir, e.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.W().ExecContext(ctx, `INSERT INTO topics (org_id, name, query, created_at, updated_at)
			SELECT id, 'Tbilisi', 'Tbilisi AND lang:ka', ?, ? FROM orgs WHERE slug = 'mfa-ge'`, time.Now().UTC(), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "mentions.jsonl")
		if err := os.WriteFile(file, []byte(`{"id": "1", "text": "თბილისი დღეს მასპინძლობს."}
{"id": "2", "text": "Tbilisi hosts the talks today.", "lang": "en"}
{"id": "3"}
{"id": "4", "text": "Україна продовжує експорт зерна через Чорне море."}
`), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := c.run([]string{"listen", "import"}, "--org", "mfa-ge", "--file", file)
		var ec exitCode
		if !errors.As(err, &ec) || ec != 2 {
			t.Fatalf("import with a bad line: %v, want exit status 2\n%s", err, errOut)
		}
		if !strings.Contains(out, "3 good records, 3 new mentions, 0 duplicates, 1 topic matches, 0 refused, 1 bad records") || !strings.Contains(errOut, "line 3") || !strings.Contains(errOut, "text") {
			t.Errorf("import: %q\n%s", out, errOut)
		}
		var lang, script string
		if err := d.R().QueryRowContext(ctx, "SELECT language, script FROM mentions WHERE external_id = '4'").Scan(&lang, &script); err != nil || lang != "uk" || script != "Cyrl" {
			t.Errorf("the Ukrainian record: %q %q %v", lang, script, err)
		}
		out, _, _ = c.run([]string{"listen", "import"}, "--org", "mfa-ge", "--file", file, "--langid", "off")
		if !strings.Contains(out, "0 new mentions, 3 duplicates, 0 topic matches") {
			t.Errorf("second import: %q", out)
		}
		if _, _, err := c.run([]string{"listen", "import"}, "--org", "mfa-ge", "--file", file+".txt"); err == nil || !strings.Contains(err.Error(), "--format") {
			t.Errorf("unknown format: %v", err)
		}
	})
}

// The demo's listening is real: its week of texts went through the
// pipeline (topics and narratives matched, in several scripts), and the
// detector raised the evening's spike and the coordinated burst.
func TestDemoListening(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		c := newCLI(t, e)
		c.env["ATTACHE_DEMO_PASSWORD"] = "demo-password-for-tests"
		if _, errOut, err := c.run([]string{"demo"}); err != nil {
			t.Fatalf("demo: %v %s", err, errOut)
		}
		ctx := context.Background()
		counts := map[string]int{}
		rows, err := e.DB.R().QueryContext(ctx, `SELECT t.name, COUNT(tm.mention_id) FROM topics t JOIN orgs o ON o.id = t.org_id
			LEFT JOIN topic_matches tm ON tm.topic_id = t.id WHERE o.slug = 'mfa-ua' GROUP BY t.name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			var n int
			if err := rows.Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			counts[name] = n
		}
		rows.Close()
		for _, name := range []string{"Grain corridor", "Attacks on the energy grid", "EU accession", "Secret biolabs", "Weapons resold on the black market"} {
			if counts[name] < 5 {
				t.Errorf("demo topic %q matched %d mentions", name, counts[name])
			}
		}
		kinds := map[string]int{}
		rows, err = e.DB.R().QueryContext(ctx, "SELECT kind, COUNT(*) FROM alerts GROUP BY kind")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			kinds[k] = n
		}
		rows.Close()
		if kinds["spike"] < 1 || kinds["coordination"] != 1 {
			t.Errorf("demo alerts %v, want the energy spike and one coordinated burst", kinds)
		}
	})
}
