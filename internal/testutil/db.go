// Package testutil gives tests real databases on both engines, and the
// fixtures built on them.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/attache-project/attache/internal/db"
)

// Engine is a named, migrated, empty database.
type Engine struct {
	Name string // "sqlite" or "postgres"
	DB   *db.DB
	URL  string // the --database value ("" for SQLite)
	Dir  string // the --data directory
}

// PostgresURL returns ATTACHE_TEST_DATABASE_URL. Under CI it must be set:
// a missing PostgreSQL fails the run instead of skipping half the tests.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("ATTACHE_TEST_DATABASE_URL")
	if u == "" && os.Getenv("CI") != "" {
		t.Fatal("ATTACHE_TEST_DATABASE_URL is not set; CI runs every store test on PostgreSQL too")
	}
	return u
}

// Engines returns a fresh database on SQLite and, when configured, on
// PostgreSQL (in a schema of its own, dropped at the end of the test).
func Engines(t testing.TB) []Engine {
	t.Helper()
	out := []Engine{SQLite(t)}
	if u := PostgresURL(t); u != "" {
		out = append(out, Postgres(t, u))
	}
	return out
}

// ForEachEngine runs f as a subtest on every engine.
func ForEachEngine(t *testing.T, f func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e.Name, func(t *testing.T) { f(t, e) })
	}
}

// SQLite returns a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) Engine {
	t.Helper()
	dir := t.TempDir()
	d, err := db.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return Engine{Name: "sqlite", DB: d, Dir: dir}
}

// Postgres returns a migrated PostgreSQL database in a new schema.
func Postgres(t testing.TB, base string) Engine {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse ATTACHE_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d, err := db.Open(context.Background(), t.TempDir(), u.String())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return Engine{Name: "postgres", DB: d, URL: u.String(), Dir: t.TempDir()}
}
