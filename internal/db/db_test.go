package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' , ? FROM t", "SELECT '?' , $1 FROM t"},
		{"UPDATE t SET a = 'it''s ?' WHERE b = ?", "UPDATE t SET a = 'it''s ?' WHERE b = $1"},
		{"INSERT INTO t VALUES (?, '', ?, '??')", "INSERT INTO t VALUES ($1, '', $2, '??')"},
		{"?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
		{"", ""},
	}
	for _, c := range cases {
		if got := db.Rebind(db.Postgres, c.in); got != c.want {
			t.Errorf("Rebind(postgres, %q) = %q, want %q", c.in, got, c.want)
		}
		if got := db.Rebind(db.SQLite, c.in); got != c.in {
			t.Errorf("Rebind(sqlite, %q) = %q, want it unchanged", c.in, got)
		}
	}
}

// The rebound SQL must run on the real engine with literals intact.
func TestRebindOnEngines(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		var a, b string
		var n int
		err := e.DB.R().QueryRowContext(context.Background(), "SELECT 'what?', 'it''s ?', CAST(? AS INTEGER) + CAST(? AS INTEGER)", 2, 3).Scan(&a, &b, &n)
		if err != nil {
			t.Fatal(err)
		}
		if a != "what?" || b != "it's ?" || n != 5 {
			t.Errorf("got %q %q %d", a, b, n)
		}
	})
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		// testutil already migrated once.
		n, err := e.DB.Pending(ctx)
		if err != nil || n != 0 {
			t.Fatalf("Pending after Migrate = %d, %v; want 0", n, err)
		}
		applied, err := e.DB.Migrate(ctx)
		if err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if len(applied) != 0 {
			t.Errorf("second Migrate applied %v; want nothing", applied)
		}
		all, err := db.Migrations(e.DB.Dialect)
		if err != nil || len(all) == 0 {
			t.Fatalf("Migrations: %v (%d)", err, len(all))
		}
		var rows int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != len(all) {
			t.Errorf("schema_migrations has %d rows, want %d", rows, len(all))
		}
		if err := e.DB.Ping(ctx); err != nil {
			t.Error(err)
		}
	})
}

// Both dialects must have the same migrations, version for version.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Version != p[i].Version || s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, s[i].Name, p[i].Name)
		}
	}
}

func TestPendingOnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	all, _ := db.Migrations(d.Dialect)
	if n, _ := d.Pending(ctx); n != len(all) {
		t.Errorf("Pending on a fresh database = %d, want %d", n, len(all))
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Pending(ctx); n != 0 || err != nil {
		t.Errorf("Pending after Migrate = %d, %v", n, err)
	}
	// A gap below the highest applied version (a migration merged from a
	// branch) is pending too.
	if _, err := d.W().ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = ?", all[len(all)/2].Version); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Pending(ctx); n != 1 || err != nil {
		t.Errorf("Pending with a gap = %d, %v; want 1", n, err)
	}
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	_, err := db.Open(context.Background(), t.TempDir(), "mysql://user:secret@host/db")
	if err == nil {
		t.Fatal("mysql:// accepted")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error reveals the password: %v", err)
	}
}

func TestInTxRollsBack(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		boom := context.Canceled
		err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO login_failures (key, at) VALUES (?, CURRENT_TIMESTAMP)", "k"); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("InTx returned %v", err)
		}
		var n int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM login_failures").Scan(&n); err != nil || n != 0 {
			t.Errorf("rolled-back insert is visible: n=%d err=%v", n, err)
		}
	})
}

func TestIsUniqueViolation(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ins := "INSERT INTO orgs (slug, name, kind, created_at) VALUES ('dup', 'Dup', 'ministry', CURRENT_TIMESTAMP)"
		if _, err := e.DB.W().ExecContext(ctx, ins); err != nil {
			t.Fatal(err)
		}
		_, err := e.DB.W().ExecContext(ctx, ins)
		if !db.IsUniqueViolation(err) {
			t.Errorf("IsUniqueViolation(%v) = false", err)
		}
		if db.IsUniqueViolation(nil) {
			t.Error("IsUniqueViolation(nil) = true")
		}
	})
}

// FuzzRebind checks that Rebind only ever replaces unquoted "?" with
// consecutive $n and leaves every other byte alone.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"SELECT ?", "'?' ?", "'it''s' ?", "?'", "'", "$1 ?", "??", "\x00?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if got := db.Rebind(db.SQLite, q); got != q {
			t.Fatalf("sqlite changed %q to %q", q, got)
		}
		got := db.Rebind(db.Postgres, q)
		// Undo: walk both strings together.
		i, j, n, inQuote := 0, 0, 0, false
		for i < len(q) {
			c := q[i]
			if c == '?' && !inQuote {
				n++
				want := "$" + itoa(n)
				if !strings.HasPrefix(got[j:], want) {
					t.Fatalf("Rebind(%q) = %q: placeholder %d is not %s", q, got, n, want)
				}
				i, j = i+1, j+len(want)
				continue
			}
			if c == '\'' {
				inQuote = !inQuote
			}
			if j >= len(got) || got[j] != c {
				t.Fatalf("Rebind(%q) = %q: byte %d changed", q, got, i)
			}
			i, j = i+1, j+1
		}
		if j != len(got) {
			t.Fatalf("Rebind(%q) = %q: trailing bytes", q, got)
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
