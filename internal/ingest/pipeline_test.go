package ingest_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
)

func pipelineOrg(t *testing.T, d *db.DB, slug string) int64 {
	t.Helper()
	var id int64
	if err := d.W().QueryRowContext(context.Background(), "INSERT INTO orgs (slug, name, kind, created_at) VALUES (?, ?, 'ministry', ?) RETURNING id",
		slug, "Org "+slug, time.Now().UTC()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func topic(t *testing.T, d *db.DB, org int64, name, query string) listen.Topic {
	t.Helper()
	tp := listen.Topic{OrgID: org, Name: name, Query: query}
	if err := listen.CreateTopic(context.Background(), d.W(), &tp); err != nil {
		t.Fatal(err)
	}
	return tp
}

// matchedTopics returns the names of the topics a mention matched.
func matchedTopics(t *testing.T, d *db.DB, org int64, source, ext string) []string {
	t.Helper()
	rows, err := d.R().QueryContext(context.Background(), `SELECT tp.name FROM topic_matches tm JOIN topics tp ON tp.id = tm.topic_id
		JOIN mentions m ON m.id = tm.mention_id WHERE m.org_id = ? AND m.source = ? AND m.external_id = ? ORDER BY tp.name`, org, source, ext)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// Items of a file go through analysis, identification and matching into
// the store: duplicates are skipped with their matches, a topic changed
// between batches applies to the next one, and one organisation's topics
// never tag another's mentions.
func TestPipeline(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		a, b := pipelineOrg(t, e.DB, "mfa-a"), pipelineOrg(t, e.DB, "mfa-b")
		topic(t, e.DB, a, "Grain", `grain OR зерно OR "grain corridor"`)
		vucic := topic(t, e.DB, a, "Vucic", `Vucic AND lang:sr`)
		topic(t, e.DB, b, "Everything of B", `grain OR Vucic OR Kyiv`)
		p := &ingest.Pipeline{DB: e.DB, Topics: &ingest.Topics{DB: e.DB}, Identify: ingest.Identifier{
			// A stand-in for internal/langid, which this package does not link.
			Language: func(s string) string {
				if strings.ContainsAny(s, "ђћј") {
					return "sr"
				}
				return ""
			},
			Script: func(s string) string {
				if strings.ContainsFunc(s, func(r rune) bool { return r >= 0x400 && r <= 0x4ff }) {
					return "Cyrl"
				}
				return "Latn"
			},
		}}
		file := `{"id": "1", "text": "The grain corridor is open again.", "author": "@ana"}
{"id": "2", "text": "Председник Вучић је данас разговарао."}
{"id": "3", "text": "Експорт: зерно з Одеси", "lang": "uk"}
{"id": "4", "text": "Nothing to see here"}
{"id": "1", "text": "The grain corridor is open again.", "author": "@ana"}
{"id": "5", "text": ""}
`
		var items []ingest.Item
		n, bad, err := ingest.ReadJSONL(strings.NewReader(file), "file", func(it ingest.Item) error { items = append(items, it); return nil })
		if err != nil || n != 5 || len(bad) != 1 {
			t.Fatalf("read: n=%d bad=%v err=%v", n, bad, err)
		}
		res, err := p.Ingest(ctx, a, items)
		if err != nil {
			t.Fatal(err)
		}
		if res.Received != 5 || res.Inserted != 4 || res.Duplicates != 1 || res.Matches != 3 {
			t.Fatalf("first batch: %+v", res)
		}
		for ext, want := range map[string][]string{"1": {"Grain"}, "2": {"Vucic"}, "3": {"Grain"}, "4": nil} {
			if got := matchedTopics(t, e.DB, a, "file", ext); !slices.Equal(got, want) {
				t.Errorf("mention %s matched %v, want %v", ext, got, want)
			}
		}
		m, err := listen.List(ctx, e.DB.R(), a, listen.Filter{Lang: "sr"})
		if err != nil || len(m) != 1 || m[0].Script != "Cyrl" || m[0].ExternalID != "2" {
			t.Fatalf("the Serbian mention: %+v %v", m, err)
		}
		// Found by search on a transliterated key.
		found, err := listen.Search(ctx, e.DB.R(), a, listen.SearchQuery{Terms: [][]string{{"vucic"}}})
		if err != nil || len(found) != 1 {
			t.Fatalf("search vucic: %+v %v", found, err)
		}

		// Again: nothing new, no match twice.
		if res, err := p.Ingest(ctx, a, items); err != nil || res.Inserted != 0 || res.Duplicates != 5 || res.Matches != 0 {
			t.Fatalf("same batch again: %+v %v", res, err)
		}

		// The Vucic topic widened: the next batch uses it, no restart.
		vucic.Query = `Vucic OR Kyiv`
		time.Sleep(2 * time.Millisecond)
		if err := listen.UpdateTopic(ctx, e.DB.W(), &vucic); err != nil {
			t.Fatal(err)
		}
		res, err = p.Ingest(ctx, a, []ingest.Item{{Source: "rss", ExternalID: "k1", Text: "Київ відповів на заяву."}})
		if err != nil || res.Matches != 1 {
			t.Fatalf("after the change: %+v %v", res, err)
		}
		if got := matchedTopics(t, e.DB, a, "rss", "k1"); !slices.Equal(got, []string{"Vucic"}) {
			t.Errorf("the changed topic: %v", got)
		}

		// B's topic matches only B's mentions.
		if got := matchedTopics(t, e.DB, a, "file", "1"); slices.Contains(got, "Everything of B") {
			t.Error("B's topic tagged A's mention")
		}
		res, err = p.Ingest(ctx, b, []ingest.Item{{Source: "file", ExternalID: "1", Text: "grain"}})
		if err != nil || res.Inserted != 1 || res.Matches != 1 {
			t.Fatalf("B: %+v %v", res, err)
		}
	})
}

// IngestMatching keeps only what some topic matches: a firehose source
// stores the posts about the organisation's topics, not the whole stream.
func TestIngestMatching(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := pipelineOrg(t, e.DB, "mfa-m")
		topic(t, e.DB, org, "Grain", `grain`)
		p := &ingest.Pipeline{DB: e.DB, Topics: &ingest.Topics{DB: e.DB}}
		at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		items := []ingest.Item{
			{Source: "bluesky", ExternalID: "a", Text: "grain exports resume", At: at},
			{Source: "bluesky", ExternalID: "b", Text: "nothing to see", At: at},
			{Source: "bluesky", ExternalID: "c", Text: "more grain", At: at},
		}
		res, err := p.IngestMatching(ctx, org, items)
		if err != nil {
			t.Fatal(err)
		}
		if res.Inserted != 2 || res.Unmatched != 1 || res.Matches != 2 || res.Duplicates != 0 {
			t.Fatalf("result %+v, want 2 inserted, 1 unmatched, 2 matches", res)
		}
		if got := matchedTopics(t, e.DB, org, "bluesky", "b"); len(got) != 0 {
			t.Fatalf("unmatched item stored with topics %v", got)
		}
		var n int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM mentions WHERE org_id = ?", org).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d mentions stored (%v), want 2", n, err)
		}
	})
}
