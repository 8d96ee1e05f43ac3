package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/attache-project/attache/internal/langid"
	"github.com/attache-project/attache/internal/lql"
	"github.com/attache-project/attache/internal/text"
)

// maxQueryLine is the longest JSONL line `query match` reads (a text with
// its fields); longer lines are reported, not silently cut.
const maxQueryLine = 16 << 20

// runQueryCheck parses a listening query: exit 0 and its canonical form on
// stdout, or exit 2 and the error with its position on stderr. The words
// after "check" are the query (quoted or not); "--" ends the options, for
// a query that starts with "-".
func runQueryCheck(ctx context.Context, e *env, args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(e.stdout, "Usage: attache query check QUERY\n\nPrints the query fully parenthesised, or the error and where it is (exit status 2).\nThe language is described in docs/query-language.md.")
		return nil
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("query check: no query given (attache query check 'grain AND (wheat OR corn)')")
	}
	q := strings.Join(args, " ")
	parsed, err := lql.Parse(q)
	if err != nil {
		fmt.Fprintln(e.stderr, describeQueryError(q, err))
		return exitCode(2)
	}
	fmt.Fprintln(e.stdout, parsed.String())
	return nil
}

// describeQueryError is the error with the query and a caret under the
// position, for a person at a terminal.
func describeQueryError(q string, err error) string {
	var pe *lql.Error
	if !errors.As(err, &pe) || strings.ContainsRune(q, '\n') || len(q) > 200 {
		return "invalid query: " + err.Error()
	}
	shown := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' {
			return ' '
		}
		return r
	}, q)
	return fmt.Sprintf("invalid query: %s\n  %s\n  %s^", pe, shown, strings.Repeat(" ", pe.Pos-1))
}

// runQueryMatch matches the texts of a JSONL file against the standing
// queries of another; see queryMatch.
func runQueryMatch(ctx context.Context, e *env, args []string) error {
	// A text without "lang" gets the detected language; the models load
	// on the first text that needs them.
	var (
		once sync.Once
		d    *langid.Detector
	)
	return queryMatch(ctx, e, args, func(text string) string {
		once.Do(func() {
			var err error
			if d, err = langid.New(langid.High); err != nil {
				fmt.Fprintln(e.stderr, "attache: language identification is not available:", err)
			}
		})
		if d == nil {
			return ""
		}
		return d.Detect(text).Lang
	})
}

// detectLanguage returns the language of a text (a BCP 47 tag, "" when
// unknown); queryMatch calls it for texts that come without "lang".
type detectLanguage func(text string) string

// queryMatch reads queries as JSONL {"id", "query"} and texts as JSONL
// {"id", "text", "lang"?, "source"?, "author"?, "country"?} and prints, for
// each text, {"id", "matches": [query ids in the order of the queries file]}.
// Ids are echoed as given (strings or numbers). A bad query line stops the
// command before any matching (exit 2, every bad line named); a bad text
// line is named on stderr and skipped, and the command exits 2 at the end.
func queryMatch(ctx context.Context, e *env, args []string, detect detectLanguage) error {
	fs := flag.NewFlagSet("attache query match", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	queriesPath := fs.String("queries", "", "JSONL file of standing queries: {\"id\", \"query\"} (required)")
	textsPath := fs.String("texts", "", "JSONL file of texts: {\"id\", \"text\", \"lang\"?, \"source\"?, \"author\"?, \"country\"?} (required)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: attache query match --queries FILE --texts FILE\n\nPrints one JSON line per text: {\"id\": …, \"matches\": [ids of the queries it matches]}.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *queriesPath == "" || *textsPath == "" {
		fs.Usage()
		return errors.New("query match: --queries and --texts are both required")
	}
	queries, err := loadStandingQueries(*queriesPath, e.stderr)
	if err != nil {
		return err
	}
	f, err := os.Open(*textsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	out := bufio.NewWriter(e.stdout)
	if !queries.usesLang {
		detect = nil
	}
	bad, err := matchTextLines(ctx, f, *textsPath, queries, detect, out, e.stderr)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if bad > 0 {
		fmt.Fprintf(e.stderr, "%s: %d bad line(s) skipped\n", *textsPath, bad)
		return exitCode(2)
	}
	return nil
}

// standingQueries are the queries of a run, in file order.
type standingQueries struct {
	matcher *lql.Matcher
	order   map[string]int    // id → position in the file
	raw     []json.RawMessage // by position: the id as written
	// usesLang: some query has a lang: filter, so texts without "lang"
	// need detection (loading the language models costs seconds).
	usesLang bool
}

// loadStandingQueries reads and parses every query; each bad line is
// reported on stderr, and any bad line fails the run with exit status 2.
func loadStandingQueries(path string, stderr io.Writer) (*standingQueries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	qs := &standingQueries{matcher: lql.NewMatcher(), order: map[string]int{}}
	bad := 0
	err = eachJSONLine(f, func(n int, line []byte) bool {
		id, raw, q, err := parseQueryLine(line)
		if err == nil {
			if _, dup := qs.order[id]; dup {
				err = fmt.Errorf("id %s is used twice", raw)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s line %d: %v\n", path, n, err)
			bad++
			return true
		}
		qs.order[id] = len(qs.raw)
		qs.raw = append(qs.raw, raw)
		qs.matcher.Set(id, q)
		qs.usesLang = qs.usesLang || strings.Contains(q.String(), "lang:")
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%s: %d bad line(s); nothing matched\n", path, bad)
		return nil, exitCode(2)
	}
	return qs, nil
}

func parseQueryLine(line []byte) (id string, raw json.RawMessage, q *lql.Query, err error) {
	var in struct {
		ID    json.RawMessage `json:"id"`
		Query *string         `json:"query"`
	}
	if err := json.Unmarshal(line, &in); err != nil {
		return "", nil, nil, fmt.Errorf("not a JSON object: %v", err)
	}
	id, raw, err = jsonID(in.ID)
	if err != nil {
		return "", nil, nil, err
	}
	if in.Query == nil {
		return "", nil, nil, fmt.Errorf("id %s: no \"query\"", raw)
	}
	q, err = lql.Parse(*in.Query)
	if err != nil {
		return "", nil, nil, fmt.Errorf("id %s: invalid query %q: %v", raw, *in.Query, err)
	}
	return id, raw, q, nil
}

// jsonID accepts a string or a number: the id's text (a string's value, a
// number as written) and its compact JSON to echo.
func jsonID(raw json.RawMessage) (string, json.RawMessage, error) {
	var buf bytes.Buffer
	if len(raw) == 0 || json.Compact(&buf, raw) != nil {
		return "", nil, errors.New("no \"id\"")
	}
	compact := json.RawMessage(buf.Bytes())
	switch compact[0] {
	case '"':
		var s string
		if err := json.Unmarshal(compact, &s); err != nil {
			return "", nil, err
		}
		return s, compact, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(compact), compact, nil
	}
	return "", nil, fmt.Errorf("id %s: an id is a string or a number", compact)
}

// textLine is one line of the texts file.
type textLine struct {
	ID      json.RawMessage `json:"id"`
	Text    *string         `json:"text"`
	Lang    string          `json:"lang"`
	Source  string          `json:"source"`
	Author  string          `json:"author"`
	Country string          `json:"country"`
}

// matchTextLines matches every text line and writes its result; it returns
// the number of bad lines (reported on stderr and skipped).
func matchTextLines(ctx context.Context, r io.Reader, path string, qs *standingQueries, detect detectLanguage, out *bufio.Writer, stderr io.Writer) (int, error) {
	var (
		doc   lql.Doc
		ids   []string
		order []int
		bad   int
		werr  error
	)
	err := eachJSONLine(r, func(n int, line []byte) bool {
		if ctx.Err() != nil {
			return false
		}
		var t textLine
		err := json.Unmarshal(line, &t)
		var raw json.RawMessage
		if err == nil {
			_, raw, err = jsonID(t.ID)
		}
		if err == nil && t.Text == nil {
			err = fmt.Errorf("id %s: no \"text\"", raw)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s line %d: %v\n", path, n, err)
			bad++
			return true
		}
		lang := t.Lang
		if lang == "" && detect != nil {
			lang = detect(*t.Text)
		}
		doc = lql.Doc{Tokens: text.AnalyzeAppend(doc.Tokens[:0], *t.Text), Lang: lang, Source: t.Source, Author: t.Author, Country: t.Country}
		ids = qs.matcher.Match(&doc, ids[:0])
		order = order[:0]
		for _, id := range ids {
			order = append(order, qs.order[id])
		}
		slices.Sort(order)
		out.WriteString(`{"id":`)
		out.Write(raw)
		out.WriteString(`,"matches":[`)
		for i, k := range order {
			if i > 0 {
				out.WriteByte(',')
			}
			out.Write(qs.raw[k])
		}
		_, werr = out.WriteString("]}\n")
		return werr == nil
	})
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = werr
	}
	if err != nil {
		return bad, fmt.Errorf("%s: %w", path, err)
	}
	return bad, nil
}

// eachJSONLine calls fn with each non-blank line and its 1-based number,
// until fn returns false.
func eachJSONLine(r io.Reader, fn func(n int, line []byte) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxQueryLine)
	n := 0
	for sc.Scan() {
		n++
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 && !fn(n, line) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d is longer than %d bytes", n+1, maxQueryLine)
		}
		return err
	}
	return nil
}
