package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runQuery runs `attache query …` in-process.
func runQuery(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	env := &env{stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	err = run(context.Background(), env, append([]string{"query"}, args...))
	return o.String(), e.String(), err
}

func exitStatus(err error) int {
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	}
	return 1
}

func TestQueryCheck(t *testing.T) {
	tests := []struct {
		args       []string
		status     int
		stdout     string // exact, with the newline
		stderrHas  string
		stderrLine string // a line stderr must contain exactly (the caret)
	}{
		{args: []string{"grain -wheat"}, stdout: "(grain AND (NOT wheat))\n"},
		{args: []string{"grain", "AND", "(wheat", "OR", "corn)"}, stdout: "(grain AND (wheat OR corn))\n"},
		{args: []string{"--", "-wheat grain"}, stdout: "((NOT wheat) AND grain)\n"},
		{args: []string{`"grain corridor" NEAR/2 Odesa`}, stdout: `("grain corridor" NEAR/2 Odesa)` + "\n"},
		{args: []string{"grain AND (wheat"}, status: 2, stderrHas: "unbalanced parenthesis at 11", stderrLine: "            ^"},
		{args: []string{"gr*"}, status: 2, stderrHas: "a prefix needs at least 3 characters before the star at 1"},
		{args: []string{"NOT grain"}, status: 2, stderrHas: "a query needs at least one positive clause at 1"},
		{args: []string{"a\tb AND"}, status: 2, stderrHas: "AND needs a clause on each side at 5"},
		{args: nil, status: 1},
		{args: []string{"--"}, status: 1},
	}
	for _, tt := range tests {
		out, errOut, err := runQuery(t, append([]string{"check"}, tt.args...)...)
		if got := exitStatus(err); got != tt.status {
			t.Errorf("query check %q: exit %d (%v), want %d; stderr %q", tt.args, got, err, tt.status, errOut)
			continue
		}
		if tt.status == 0 && out != tt.stdout {
			t.Errorf("query check %q: stdout %q, want %q", tt.args, out, tt.stdout)
		}
		if tt.status != 0 && out != "" {
			t.Errorf("query check %q: stdout %q, want nothing", tt.args, out)
		}
		if !strings.Contains(errOut, tt.stderrHas) {
			t.Errorf("query check %q: stderr %q, want %q", tt.args, errOut, tt.stderrHas)
		}
		if tt.stderrLine != "" && !slices.Contains(strings.Split(errOut, "\n"), tt.stderrLine) {
			t.Errorf("query check %q: stderr %q has no line %q", tt.args, errOut, tt.stderrLine)
		}
	}
}

func writeLines(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// matchLines reads the output of query match: id → matches, both as JSON.
func matchLines(t *testing.T, out string) (ids []string, matches map[string][]string) {
	t.Helper()
	matches = map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r struct {
			ID      json.RawMessage   `json:"id"`
			Matches []json.RawMessage `json:"matches"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		if r.Matches == nil {
			t.Fatalf("output line %q: matches must be a list, also when empty", sc.Text())
		}
		id := string(r.ID)
		ids = append(ids, id)
		for _, m := range r.Matches {
			matches[id] = append(matches[id], string(m))
		}
	}
	return ids, matches
}

func TestQueryMatch(t *testing.T) {
	queries := writeLines(t, "queries.jsonl",
		`{"id": "grain", "query": "grain -wheat"}`,
		`{"id": 7, "query": "Kyiv OR Odesa"}`,
		``,
		`{"id": "uk", "query": "lang:uk", "note": "extra fields are ignored"}`,
		`{"id": "tg", "query": "source:telegram author:@ana country:ua"}`,
	)
	texts := writeLines(t, "texts.jsonl",
		`{"id": "t1", "text": "Grain exports from Odesa", "lang": "en"}`,
		`{"id": 2, "text": "Київ і Одеса", "lang": "uk", "source": "Telegram", "author": "ANA", "country": "UA"}`,
		`{"id": "t3", "text": "grain and wheat"}`,
		`{"id": "t4", "text": ""}`,
	)
	out, errOut, err := runQuery(t, "match", "--queries", queries, "--texts", texts)
	if err != nil {
		t.Fatalf("query match: %v\n%s", err, errOut)
	}
	ids, got := matchLines(t, out)
	if want := []string{`"t1"`, `2`, `"t3"`, `"t4"`}; !slices.Equal(ids, want) {
		t.Fatalf("output ids %v, want %v (one line per text, in order)", ids, want)
	}
	want := map[string][]string{
		`"t1"`: {`"grain"`, `7`},
		`2`:    {`7`, `"uk"`, `"tg"`}, // in the order of the queries file
	}
	for _, id := range ids {
		if !slices.Equal(got[id], want[id]) {
			t.Errorf("text %s: matches %v, want %v", id, got[id], want[id])
		}
	}
}

func TestQueryMatchBadLines(t *testing.T) {
	goodQueries := writeLines(t, "q.jsonl", `{"id": "a", "query": "grain"}`)
	tests := []struct {
		name, queries, texts string
		status               int
		stderrHas            []string
		outLines             int
	}{
		{
			name:      "bad queries",
			queries:   writeLines(t, "q.jsonl", `{"id": "a", "query": "grain"}`, `{"id": "b", "query": "grain AND (wheat"}`, `not json`, `{"id": "a", "query": "x"}`, `{"id": {}, "query": "x"}`, `{"query": "x"}`, `{"id": "c"}`),
			texts:     writeLines(t, "t.jsonl", `{"id": 1, "text": "grain"}`),
			status:    2,
			stderrHas: []string{"q.jsonl line 2: id \"b\": invalid query \"grain AND (wheat\": unbalanced parenthesis at 11", "line 3: not a JSON object", "line 4: id \"a\" is used twice", "line 5: id {}: an id is a string or a number", "line 6: no \"id\"", "line 7: id \"c\": no \"query\"", "6 bad line(s); nothing matched"},
		},
		{
			name:      "bad texts are skipped",
			queries:   goodQueries,
			texts:     writeLines(t, "t.jsonl", `{"id": 1, "text": "grain"}`, `{"id": 2}`, `[1]`, `{"id": 4, "text": "wheat"}`),
			status:    2,
			stderrHas: []string{"t.jsonl line 2: id 2: no \"text\"", "t.jsonl line 3: ", "2 bad line(s) skipped"},
			outLines:  2,
		},
		{name: "missing flag", queries: goodQueries, status: 1, stderrHas: []string{"Usage: attache query match"}},
	}
	for _, tt := range tests {
		args := []string{"match", "--queries", tt.queries}
		if tt.texts != "" {
			args = append(args, "--texts", tt.texts)
		}
		out, errOut, err := runQuery(t, args...)
		if got := exitStatus(err); got != tt.status {
			t.Errorf("%s: exit %d (%v), want %d; stderr %s", tt.name, got, err, tt.status, errOut)
		}
		for _, s := range tt.stderrHas {
			if !strings.Contains(errOut, s) {
				t.Errorf("%s: stderr does not say %q:\n%s", tt.name, s, errOut)
			}
		}
		if n := strings.Count(out, "\n"); n != tt.outLines {
			t.Errorf("%s: %d output lines, want %d:\n%s", tt.name, n, tt.outLines, out)
		}
	}
}

// TestQueryMatchExamples runs the shared examples through the command as
// the acceptance check does: every query against every text, each case
// decided by its own query's verdict on its own text.
func TestQueryMatchExamples(t *testing.T) {
	f, err := os.ReadFile("../../internal/lql/testdata/examples.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var qs, ts []string
	want := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		var c map[string]any
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		id := c["id"].(string)
		m, ok := c["match"].(bool)
		if !ok {
			if _, _, err := runQuery(t, "check", c["query"].(string)); exitStatus(err) != 2 {
				t.Errorf("%s: query check %q: exit %d, want 2", id, c["query"], exitStatus(err))
			}
			continue
		}
		want[id] = m
		q, _ := json.Marshal(map[string]any{"id": id, "query": c["query"]})
		qs = append(qs, string(q))
		text := map[string]any{"id": id, "text": c["text"]}
		for _, k := range []string{"lang", "source", "author", "country"} {
			if v, ok := c[k]; ok {
				text[k] = v
			}
		}
		tl, _ := json.Marshal(text)
		ts = append(ts, string(tl))
	}
	out, errOut, err := runQuery(t, "match", "--queries", writeLines(t, "q.jsonl", qs...), "--texts", writeLines(t, "t.jsonl", ts...))
	if err != nil {
		t.Fatalf("query match: %v\n%s", err, errOut)
	}
	_, got := matchLines(t, out)
	for id, w := range want {
		if m := slices.Contains(got[`"`+id+`"`], `"`+id+`"`); m != w {
			t.Errorf("%s: match %v, want %v", id, m, w)
		}
	}
}

// A text without "lang" gets the detected language for lang: filters; a
// given "lang" is used as it is.
func TestQueryMatchDetectsLanguage(t *testing.T) {
	queries := writeLines(t, "queries.jsonl", `{"id": "uk", "query": "lang:uk AND (зерна OR grain)"}`)
	texts := writeLines(t, "texts.jsonl",
		`{"id": "detected", "text": "Україна продовжує експорт зерна через Чорне море, незважаючи на атаки."}`,
		`{"id": "given", "text": "Україна продовжує експорт зерна через Чорне море.", "lang": "ru"}`,
		`{"id": "english", "text": "Ukraine keeps exporting grain across the Black Sea."}`,
	)
	out, errOut, err := runQuery(t, "match", "--queries", queries, "--texts", texts)
	if err != nil {
		t.Fatalf("query match: %v\n%s", err, errOut)
	}
	_, got := matchLines(t, out)
	if !slices.Equal(got[`"detected"`], []string{`"uk"`}) || len(got[`"given"`]) != 0 || len(got[`"english"`]) != 0 {
		t.Errorf("matches with detection: %v", got)
	}
}
