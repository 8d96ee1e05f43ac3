package listen_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/text"
)

// blankEngines returns empty, unmigrated databases: SQLite, and PostgreSQL
// in a schema of its own when configured.
func blankEngines(t *testing.T) map[string]*db.DB {
	t.Helper()
	out := map[string]*db.DB{}
	s, err := db.Open(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out["sqlite"] = s
	base := testutil.PostgresURL(t)
	if base == "" {
		return out
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "m_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	p, err := db.Open(ctx, t.TempDir(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	out["postgres"] = p
	return out
}

// migrateTo applies the embedded migrations up to version last, recording
// them as Migrate does, so that Migrate later applies only the rest.
func migrateTo(t *testing.T, d *db.DB, last int) {
	t.Helper()
	if _, err := d.W().ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	all, err := db.Migrations(d.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Version > last {
			break
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
	}
}

// Migration 0012 on a database with mentions pulled in the 0006 shape: the
// rows keep their ids and fields, get their account's network as source,
// a mention seen through two accounts on one network keeps its first row,
// and the table then works as the listening store.
func TestMigrationKeepsPulledMentions(t *testing.T) {
	for name, d := range blankEngines(t) {
		t.Run(name, func(t *testing.T) {
			migrateTo(t, d, 11)
			org, other := newOrg(t, d, "mfa"), newOrg(t, d, "other")
			masto1 := newAccount(t, d, org, "mastodon", "@mfa")
			masto2 := newAccount(t, d, org, "mastodon", "@embassy")
			tg := newAccount(t, d, org, "telegram", "@mfa_tg")
			masto3 := newAccount(t, d, other, "mastodon", "@other")
			at := time.Date(2025, 11, 1, 9, 30, 0, 123000, time.UTC)
			old := []struct {
				org, account int64
				ext, text    string
			}{
				{org, masto1, "100", "Дякуємо за підтримку Києва"},
				{org, masto2, "100", "the same post, seen through the embassy"},
				{org, tg, "100", "a Telegram post with the same number"},
				{org, masto2, "101", "Vučić u Beogradu"},
				{other, masto3, "100", "another organisation"},
			}
			var ids []int64
			for i, o := range old {
				var id int64
				err := d.W().QueryRowContext(ctx, `INSERT INTO mentions (org_id, account_id, external_id, url, author_handle, text, language, in_reply_to, at, fetched_at)
					VALUES (?, ?, ?, 'https://example.org', '@someone', ?, 'uk', 'p1', ?, ?) RETURNING id`,
					o.org, o.account, o.ext, o.text, at.Add(time.Duration(i)*time.Minute), at).Scan(&id)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			applied, err := d.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || applied[0] != "0012_listening.sql" {
				t.Fatalf("applied %v", applied)
			}
			want := map[int]struct {
				source  string
				account int64
			}{0: {"mastodon", masto1}, 2: {"telegram", tg}, 3: {"mastodon", masto2}}
			for i, o := range old {
				m, err := listen.Get(ctx, d.R(), o.org, ids[i])
				w, kept := want[i]
				switch {
				case i == 4:
					if err != nil || m.Source != "mastodon" || m.AccountID != masto3 {
						t.Errorf("other organisation's mention: %+v %v", m, err)
					}
				case !kept:
					if err == nil {
						t.Errorf("row %d (a duplicate on one network) was kept: %+v", i, m)
					}
				case err != nil:
					t.Errorf("row %d: %v", i, err)
				default:
					if m.Source != w.source || m.AccountID != w.account || m.ExternalID != o.ext || m.Text != o.text ||
						m.URL != "https://example.org" || m.AuthorHandle != "@someone" || m.Language != "uk" || m.InReplyTo != "p1" ||
						!m.At.Equal(at.Add(time.Duration(i)*time.Minute)) || !m.FetchedAt.Equal(at) || m.Keys != "" || m.Likes != 0 {
						t.Errorf("row %d after migration: %+v", i, m)
					}
				}
			}
			// Old rows become searchable once indexed; new rows dedup on
			// the new key and are searchable at once.
			if n, err := listen.IndexMissing(ctx, d, 100); err != nil || n != 4 {
				t.Errorf("IndexMissing = %d, %v; want 4", n, err)
			}
			found, err := listen.Search(ctx, d.R(), org, listen.SearchQuery{Terms: [][]string{text.TermKeys("Києва")}})
			if err != nil || !slices.Equal(idsOf(found), []int64{ids[0]}) {
				t.Errorf("search for Києва: %v %v", idsOf(found), err)
			}
			n, newIDs, err := listen.InsertBatch(ctx, d.W(), []listen.Mention{
				{OrgID: org, Source: "mastodon", AccountID: masto2, ExternalID: "101", Text: "again", At: at},
				{OrgID: org, Source: "rss", ExternalID: "101", Text: "Vučić again", At: at.Add(time.Hour)},
			})
			if err != nil || n != 1 || newIDs[0] != 0 || newIDs[1] == 0 {
				t.Errorf("InsertBatch after migration = %d %v %v", n, newIDs, err)
			}
			found, _ = listen.Search(ctx, d.R(), org, listen.SearchQuery{Terms: [][]string{{"vucic"}}})
			if !slices.Equal(idsOf(found), []int64{newIDs[1], ids[3]}) {
				t.Errorf("search for vucic = %v", idsOf(found))
			}
			// The FTS triggers follow deletes too (SQLite).
			if _, err := d.W().ExecContext(ctx, "DELETE FROM mentions WHERE id = ?", ids[3]); err != nil {
				t.Fatal(err)
			}
			found, _ = listen.Search(ctx, d.R(), org, listen.SearchQuery{Terms: [][]string{{"vucic"}}})
			if !slices.Equal(idsOf(found), []int64{newIDs[1]}) {
				t.Errorf("search for vucic after a delete = %v", idsOf(found))
			}
		})
	}
}
