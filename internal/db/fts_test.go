package db_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

func TestIndexKey(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"kyiv", "kyiv", true},
		{"Kyiv", "kyiv", true},
		{"київ", "київ", true}, // only ASCII is lowered: keys come folded from internal/text
		{"ΚΑΛΗ", "ΚΑΛΗ", true},
		{`o'brien"s\`, `o'brien"s\`, true},
		{"(a)*:b", "(a)*:b", true},
		{"", "", false},
		{"two words", "", false},
		{"tab\there", "", false},
		{"nul\x00", "", false},
		{"del\x7f", "", false},
		{"bad\xffutf8", "", false},
		{strings.Repeat("a", db.MaxKeyBytes), strings.Repeat("a", db.MaxKeyBytes), true},
		{strings.Repeat("a", db.MaxKeyBytes+1), "", false},
	}
	for _, c := range cases {
		got, ok := db.IndexKey(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("IndexKey(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestCleanKeys(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"a b c", "a b c"},
		{"  a\t\tB \n c ", "a b c"},
		{"a " + strings.Repeat("x", db.MaxKeyBytes+1) + " b", "a b"},
		{"ok bad\xff ok", "ok ok"},
	}
	for _, c := range cases {
		if got := db.CleanKeys(c.in); got != c.want {
			t.Errorf("CleanKeys(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// The column is cut at a key boundary within MaxKeysBytes.
	long := strings.Repeat("abcdefg ", db.MaxKeysBytes/8+10)
	got := db.CleanKeys(long)
	if len(got) > db.MaxKeysBytes || len(got) < db.MaxKeysBytes-8 || strings.Trim(strings.ReplaceAll(got, " ", ""), "abcdefg") != "" || strings.HasSuffix(got, " ") {
		t.Errorf("CleanKeys of %d bytes gave %d bytes ending %q", len(long), len(got), got[len(got)-10:])
	}
}

func TestMatchRefuses(t *testing.T) {
	ft := db.FullText{Table: "mentions", Alias: "m"}
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		if _, _, _, err := ft.Match(d, nil); !errors.Is(err, db.ErrNoTerms) {
			t.Errorf("%s: no terms: %v", d, err)
		}
		if _, _, _, err := ft.Match(d, make([][]string, db.MaxTerms+1)); err == nil {
			t.Errorf("%s: %d terms accepted", d, db.MaxTerms+1)
		}
		if _, _, _, err := ft.Match(d, [][]string{make([]string, db.MaxTermKeys+1)}); err == nil {
			t.Errorf("%s: %d keys in a term accepted", d, db.MaxTermKeys+1)
		}
		if _, _, possible, err := ft.Match(d, [][]string{{"a"}, {"", "b c"}}); possible || err != nil {
			t.Errorf("%s: a term without an indexable key: possible=%v err=%v", d, possible, err)
		}
	}
}

// ftsProbe stores rows with a given keys column in an engine's mentions
// table and asks which full-text conditions select them.
type ftsProbe struct {
	e   testutil.Engine
	org int64
}

func newFTSProbe(t testing.TB, e testutil.Engine) ftsProbe {
	t.Helper()
	var org int64
	if err := e.DB.W().QueryRowContext(context.Background(), "INSERT INTO orgs (slug, name, kind, created_at) VALUES ('fts', 'FTS', 'ministry', ?) RETURNING id",
		time.Now().UTC()).Scan(&org); err != nil {
		t.Fatal(err)
	}
	return ftsProbe{e, org}
}

// finds stores a row with keys column cols and reports, for each query
// (terms), whether the full-text condition selects it.
func (p ftsProbe) finds(t testing.TB, cols string, queries [][][]string) []bool {
	t.Helper()
	c := context.Background()
	var id int64
	err := p.e.DB.W().QueryRowContext(c, `INSERT INTO mentions (org_id, source, external_id, at, fetched_at, keys)
		VALUES (?, 'fuzz', 'x', ?, ?, ?) RETURNING id`, p.org, time.Now().UTC(), time.Now().UTC(), cols).Scan(&id)
	if err != nil {
		t.Fatalf("insert keys %q: %v", cols, err)
	}
	defer func() {
		if _, err := p.e.DB.W().ExecContext(c, "DELETE FROM mentions WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
	}()
	ft := db.FullText{Table: "mentions", Alias: "m"}
	out := make([]bool, len(queries))
	for i, terms := range queries {
		cond, arg, possible, err := ft.Match(p.e.DB.Dialect, terms)
		if err != nil {
			t.Fatalf("Match(%q): %v", terms, err)
		}
		rowCond, rowArgs, rowPossible, err := ft.Contains(p.e.DB.Dialect, terms)
		if err != nil || rowPossible != possible {
			t.Fatalf("Contains(%q) = %v, %v; Match said possible=%v", terms, rowPossible, err, possible)
		}
		if !possible {
			continue
		}
		var n, rowN int
		if err := p.e.DB.R().QueryRowContext(c, "SELECT COUNT(*) FROM mentions m WHERE m.id = ? AND "+cond, id, arg).Scan(&n); err != nil {
			t.Fatalf("query %q (%q) on keys %q: %v", terms, arg, cols, err)
		}
		if err := p.e.DB.R().QueryRowContext(c, "SELECT COUNT(*) FROM mentions m WHERE m.id = ? AND "+rowCond, append([]any{id}, rowArgs...)...).Scan(&rowN); err != nil {
			t.Fatalf("row test %q on keys %q: %v", terms, cols, err)
		}
		if n != rowN {
			t.Errorf("keys %q, search %q: the index says %d, the row test %d", cols, terms, n, rowN)
		}
		out[i] = n == 1
	}
	return out
}

// wantFinds is the rule: every term has a key that, as IndexKey makes it,
// is one of the column's keys.
func wantFinds(cols string, terms [][]string) bool {
	have := strings.Split(cols, " ")
	for _, term := range terms {
		found := false
		for _, k := range term {
			if nk, ok := db.IndexKey(k); ok && cols != "" && slices.Contains(have, nk) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// FuzzMatchKeys stores keys from arbitrary strings and searches for
// arbitrary keys: each engine's index, and the row test (Contains), find
// the row exactly when the rule says, whatever quotes, backslashes or
// operators the keys hold.
func FuzzMatchKeys(f *testing.F) {
	for _, s := range [][2]string{
		{"kyiv київ", "kyiv"}, {`o'brien "x"`, `o'brien`}, {`a\b`, `a\b`}, {"AND OR NOT", "and"}, {"near(a b)", "near(a"},
		{"x* -y", "x*"}, {"col:val ^r", "col:val"}, {"''", "'"}, {`"`, `"`}, {"a|b a&b !c <->", "a&b"}, {"ΚΑΛΗ", "καλη"},
		{"tab\there", "tab"}, {"", "a"}, {"a", ""}, {"\xff", "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	engines := testutil.Engines(f)
	probes := make([]ftsProbe, len(engines))
	for i, e := range engines {
		probes[i] = newFTSProbe(f, e)
	}
	f.Fuzz(func(t *testing.T, stored, key string) {
		cols := db.CleanKeys(stored + " common")
		first, _, _ := strings.Cut(cols, " ")
		queries := [][][]string{{{key}}, {{key}, {"common"}}, {{"nowhere", key}}, {{key}, {first}}}
		for i, p := range probes {
			got := p.finds(t, cols, queries)
			for j, q := range queries {
				if want := wantFinds(cols, q); got[j] != want {
					t.Errorf("%s: keys %q, search %q: found=%v, want %v", engines[i].Name, cols, q, got[j], want)
				}
			}
		}
	})
}

// PostgreSQL can use the GIN index for the condition Match writes.
func TestMatchUsesTheIndex(t *testing.T) {
	u := testutil.PostgresURL(t)
	if u == "" {
		t.Skip("ATTACHE_TEST_DATABASE_URL is not set")
	}
	e := testutil.Postgres(t, u)
	c := context.Background()
	cond, arg, _, err := db.FullText{Table: "mentions", Alias: "m"}.Match(db.Postgres, [][]string{{"kyiv", "kiev"}, {"grain"}})
	if err != nil {
		t.Fatal(err)
	}
	err = e.DB.InTx(c, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(c, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		rows, err := tx.QueryContext(c, "EXPLAIN SELECT m.id FROM mentions m WHERE "+cond, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		if !strings.Contains(strings.Join(plan, "\n"), "mentions_keys") {
			t.Errorf("the plan does not use mentions_keys:\n%s", strings.Join(plan, "\n"))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Condition reads rows by time once the index holds Common matches, and
// uses the index below that; both conditions select the same rows.
func TestConditionChooses(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		c := context.Background()
		p := newFTSProbe(t, e)
		for i, keys := range []string{"common rare", "common", "common other", "other"} {
			_, err := e.DB.W().ExecContext(c, `INSERT INTO mentions (org_id, source, external_id, at, fetched_at, keys)
				VALUES (?, 'cond', ?, ?, ?, ?)`, p.org, string(rune('a'+i)), time.Now().UTC(), time.Now().UTC(), keys)
			if err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			terms  [][]string
			common int
			scan   bool
			rows   int
		}{
			{[][]string{{"common"}}, 3, true, 3},
			{[][]string{{"common"}}, 4, false, 3},
			{[][]string{{"common"}, {"rare"}}, 1, true, 1},
			{[][]string{{"common"}, {"rare"}}, 2, false, 1},
			{[][]string{{"rare", "other"}}, 3, true, 3},
			{[][]string{{"nowhere"}}, 1, false, 0},
		}
		for _, tc := range cases {
			ft := db.FullText{Table: "mentions", Alias: "m", Common: tc.common}
			cond, err := ft.Condition(c, e.DB.R(), tc.terms)
			if err != nil || !cond.Possible {
				t.Fatalf("Condition(%q): %+v, %v", tc.terms, cond, err)
			}
			if cond.Scan != tc.scan {
				t.Errorf("Condition(%q) with common=%d: scan=%v, want %v", tc.terms, tc.common, cond.Scan, tc.scan)
			}
			args := append(append(cond.Lead, p.org), cond.Args...)
			var n int
			if err := e.DB.R().QueryRowContext(c, "SELECT COUNT(*) FROM mentions m WHERE m.org_id = ? AND "+cond.SQL, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != tc.rows {
				t.Errorf("Condition(%q) with common=%d selects %d rows, want %d", tc.terms, tc.common, n, tc.rows)
			}
		}
	})
}
