package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Full-text search over analysed keys.
//
// The Go side analyses text (internal/text) into search keys; a table keeps
// them in a column of space-separated keys, and each engine indexes that
// column word for word: SQLite with an FTS5 table named <table>_fts whose
// tokenizer splits on spaces only, PostgreSQL with a GIN index over a
// stored column keys_tsv = array_to_tsvector(string_to_array(keys, ' ')),
// which takes each key as a lexeme without parsing it (migration 0012). A
// term matches a row when one of its keys equals one of the row's keys,
// byte for byte, on both engines. That holds for the keys IndexKey
// accepts.
//
// This file is the only place where the two engines' full-text SQL
// differs.

// MaxKeyBytes is the longest key the index holds. Longer "words" (base64
// runs, hashes) are not worth indexing, and PostgreSQL refuses lexemes of
// 2 KiB and more outright.
const MaxKeyBytes = 255

// MaxKeysBytes bounds a row's keys column, so that a row's tsvector stays
// well under PostgreSQL's 1 MiB limit whatever the text. Keys past it are
// not indexed.
const MaxKeysBytes = 256 << 10

// IndexKey returns key as the index stores it and whether it can be stored
// at all. ASCII letters are lowered (SQLite's tokenizer folds them, and
// PostgreSQL must see the same key); a key that is empty, longer than
// MaxKeyBytes, not valid UTF-8, or holds an ASCII space or control
// character (a separator for FTS5) is refused: it is neither indexed nor
// searched for, on either engine.
func IndexKey(key string) (string, bool) {
	if key == "" || len(key) > MaxKeyBytes {
		return "", false
	}
	upper := false
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return "", false
		case c >= 'A' && c <= 'Z':
			upper = true
		}
	}
	if !utf8.ValidString(key) {
		return "", false
	}
	if upper {
		key = lowerASCII(key)
	}
	return key, true
}

// AppendKey appends key to a keys column value being built in dst (a space
// first unless dst is empty) when IndexKey accepts it and the column stays
// within MaxKeysBytes. It reports whether the key was added.
func AppendKey(dst []byte, key string) ([]byte, bool) {
	k, ok := IndexKey(key)
	if !ok {
		return dst, false
	}
	need := len(k)
	if len(dst) > 0 {
		need++
	}
	if len(dst)+need > MaxKeysBytes {
		return dst, false
	}
	if len(dst) > 0 {
		dst = append(dst, ' ')
	}
	return append(dst, k...), true
}

// CleanKeys returns a keys column value that both engines index the same
// way: the space-separated keys of s that IndexKey accepts, lowered, one
// space apart, within MaxKeysBytes. Keys from internal/text already are,
// and come back unchanged without copying.
func CleanKeys(s string) string {
	if keysClean(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, k := range strings.FieldsFunc(s, isKeySeparator) {
		b, _ = AppendKey(b, k)
	}
	return string(b)
}

// keysClean reports whether CleanKeys would return s unchanged.
func keysClean(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > MaxKeysBytes {
		return false
	}
	for k := range strings.SplitSeq(s, " ") {
		if nk, ok := IndexKey(k); !ok || nk != k {
			return false
		}
	}
	return true
}

func isKeySeparator(r rune) bool { return r <= ' ' || r == 0x7f }

// FullText names a table with a keys column indexed for full text: the
// column is Table.keys; on SQLite the FTS5 table is Table_fts, on
// PostgreSQL the indexed vector is Table.keys_tsv. Alias is the table's
// name or alias in the query the condition goes into.
type FullText struct {
	Table string
	Alias string
	// Common is how many index matches make terms common (see
	// Condition); 0 means CommonMatches.
	Common int
}

// ErrTerms is wrapped by every error about the terms of a full-text
// condition (the caller's input, not the database).
var ErrTerms = errors.New("full-text search")

// ErrNoTerms is returned for a full-text condition without terms.
var ErrNoTerms = fmt.Errorf("%w: at least one term is needed", ErrTerms)

// MaxTerms and MaxTermKeys bound a full-text condition, so that a query
// stays a reasonable size for both engines.
const (
	MaxTerms    = 32
	MaxTermKeys = 32
)

// terms normalises query terms: keys through IndexKey, duplicates
// dropped. possible is false when a term keeps no key (it matches
// nothing).
func normTerms(terms [][]string) (out [][]string, possible bool, err error) {
	if len(terms) == 0 {
		return nil, false, ErrNoTerms
	}
	if len(terms) > MaxTerms {
		return nil, false, fmt.Errorf("%w: too many terms (at most %d)", ErrTerms, MaxTerms)
	}
	out = make([][]string, len(terms))
	for i, term := range terms {
		if len(term) > MaxTermKeys {
			return nil, false, fmt.Errorf("%w: too many keys in one term (at most %d)", ErrTerms, MaxTermKeys)
		}
		for _, k := range term {
			if nk, ok := IndexKey(k); ok && !contains(out[i], nk) {
				out[i] = append(out[i], nk)
			}
		}
		if len(out[i]) == 0 {
			return nil, false, nil
		}
	}
	return out, true, nil
}

// Match returns a SQL condition (with one "?" placeholder and its argument)
// that holds for the rows of f whose keys contain, for every term, at least
// one of the term's keys: an AND of ORs, answered by the full-text index.
// Keys pass through IndexKey; a term none of whose keys can be indexed
// matches nothing, and then possible is false (the caller can answer "no
// rows" without asking). Keys travel as a bound argument, quoted for the
// engine's query syntax, never in the SQL text.
func (f FullText) Match(d Dialect, terms [][]string) (cond string, arg string, possible bool, err error) {
	terms, possible, err = normTerms(terms)
	if !possible {
		return "", "", false, err
	}
	return f.match(d), matchQuery(d, terms), true, nil
}

func (f FullText) match(d Dialect) string {
	if d == Postgres {
		// The matches first, as an array: left to itself, the planner
		// often walks a time index testing each row instead, misjudging how
		// far it must go to find a page of matches (a third of a second
		// on a million rows, where fetching the matches takes 10 ms).
		return f.Alias + ".id = ANY (ARRAY(SELECT x.id FROM " + f.Table + " x WHERE x.keys_tsv @@ CAST(? AS tsquery)))"
	}
	fts := f.Table + "_fts"
	return f.Alias + ".id IN (SELECT rowid FROM " + fts + " WHERE " + fts + " MATCH ?)"
}

// matchQuery is the engine's full-text query for normalised terms.
func matchQuery(d Dialect, terms [][]string) string {
	var q strings.Builder
	for i, keys := range terms {
		if i > 0 {
			q.WriteString(and(d))
		}
		q.WriteByte('(')
		for j, k := range keys {
			if j > 0 {
				q.WriteString(or(d))
			}
			quoteKey(&q, d, k)
		}
		q.WriteByte(')')
	}
	return q.String()
}

// Contains returns the same test as Match made on each row's keys column
// itself, without the index: a key is one of the row's keys when " key "
// occurs in " keys " (keys are one space apart, and none holds a space).
// It costs a string search per row read, so it suits a query that reads
// few rows: the newest rows of a time index, when the keys are common.
func (f FullText) Contains(d Dialect, terms [][]string) (cond string, args []any, possible bool, err error) {
	terms, possible, err = normTerms(terms)
	if !possible {
		return "", nil, false, err
	}
	find := "instr(' ' || " + f.Alias + ".keys || ' ', ?) > 0"
	if d == Postgres {
		find = "strpos(' ' || " + f.Alias + ".keys || ' ', ?) > 0"
	}
	var b strings.Builder
	for i, keys := range terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteByte('(')
		for j, k := range keys {
			if j > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(find)
			args = append(args, " "+k+" ")
		}
		b.WriteByte(')')
	}
	return b.String(), args, true, nil
}

// Cond is a full-text condition chosen for one query.
type Cond struct {
	SQL  string // the condition, with "?" placeholders
	Args []any  // its arguments, in order
	// Lead goes before all the query's arguments (see PlanEachTime).
	Lead []any
	// Possible is false when the terms can match nothing: skip the query.
	Possible bool
	// Scan is true when the condition tests rows one by one (Contains):
	// the query should read rows newest first through a time index and
	// stop at its LIMIT.
	Scan bool
}

// CommonMatches is how many index matches make terms "common" for
// Condition: from there, reading the newest rows and testing each is
// faster than fetching every match to sort them by time.
const CommonMatches = 4000

// Condition chooses how to test terms in a newest-first query on f with a
// LIMIT, and returns the condition.
//
// Rare terms are best answered by the index: fetch every match, sort,
// keep the newest. Common terms are not: "the" and "and" match a third of
// a million rows, fetched and sorted for 50, while the newest rows of the
// time index hold 50 matches within a few hundred. SQLite's planner cannot
// tell the two apart (it always starts from the FTS5 index), and
// PostgreSQL's estimates miss for keys that go together (it multiplies
// their frequencies: "the" and "and" were estimated at 1,600 rows, not
// 32,000). So Condition first counts the index matches, up to
// CommonMatches (cheap: the count stops there), and from there returns the
// row test (Contains) for the query to run along its time index. The
// count is over the whole table, every organisation: a cheap estimate.
func (f FullText) Condition(ctx context.Context, q Queryer, terms [][]string) (Cond, error) {
	d := q.Dialect()
	norm, possible, err := normTerms(terms)
	if !possible {
		return Cond{}, err
	}
	common := f.Common
	if common <= 0 {
		common = CommonMatches
	}
	mq := matchQuery(d, norm)
	count := "SELECT COUNT(*) FROM (SELECT rowid FROM " + f.Table + "_fts WHERE " + f.Table + "_fts MATCH ? LIMIT ?) AS x"
	if d == Postgres {
		count = "SELECT COUNT(*) FROM (SELECT 1 FROM " + f.Table + " WHERE keys_tsv @@ CAST(? AS tsquery) LIMIT ?) AS x"
	}
	var n int
	if err := q.QueryRowContext(ctx, count, append(PlanEachTime(d), mq, common)...).Scan(&n); err != nil {
		return Cond{}, fmt.Errorf("count full-text matches: %w", err)
	}
	if n < common {
		return Cond{SQL: f.match(d), Args: []any{mq}, Lead: PlanEachTime(d), Possible: true}, nil
	}
	cond, args, _, _ := f.Contains(d, norm)
	return Cond{SQL: cond, Args: args, Lead: PlanEachTime(d), Possible: true, Scan: true}, nil
}

// PlanEachTime returns the arguments to put before a full-text query's own:
// on PostgreSQL, a pgx option that sends the query as an unnamed statement,
// which the server plans with the actual keys every time. The default
// (statements prepared once per connection) lets PostgreSQL switch to a
// generic plan after five runs, which cannot see how common the keys are:
// measured on 100,000 mentions, the median search took 90 ms instead of
// 3 ms. SQLite plans every statement anew: nothing to add.
func PlanEachTime(d Dialect) []any {
	if d == Postgres {
		return []any{pgx.QueryExecModeDescribeExec}
	}
	return nil
}

func and(d Dialect) string {
	if d == Postgres {
		return " & "
	}
	return " AND "
}

func or(d Dialect) string {
	if d == Postgres {
		return " | "
	}
	return " OR "
}

// quoteKey writes k as one literal operand: an FTS5 string ("…", with "
// doubled; the tokenizer keeps it one token since it holds no separator) or
// a tsquery lexeme ('…', with ' doubled and \ escaped; tsquery input takes
// it as it is, without a dictionary).
func quoteKey(b *strings.Builder, d Dialect, k string) {
	if d == Postgres {
		b.WriteByte('\'')
		for i := 0; i < len(k); i++ {
			switch k[i] {
			case '\'':
				b.WriteString("''")
			case '\\':
				b.WriteString(`\\`)
			default:
				b.WriteByte(k[i])
			}
		}
		b.WriteByte('\'')
		return
	}
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(k, `"`, `""`))
	b.WriteByte('"')
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
