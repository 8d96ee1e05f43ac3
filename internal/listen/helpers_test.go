package listen_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/text"
)

var ctx = context.Background()

// newOrg creates an organisation and returns its id.
func newOrg(t testing.TB, d *db.DB, slug string) int64 {
	t.Helper()
	var id int64
	err := d.W().QueryRowContext(ctx, "INSERT INTO orgs (slug, name, kind, created_at) VALUES (?, ?, 'ministry', ?) RETURNING id",
		slug, "Org "+slug, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newAccount creates a channel account and returns its id.
func newAccount(t testing.TB, d *db.DB, org int64, network, handle string) int64 {
	t.Helper()
	var id int64
	err := d.W().QueryRowContext(ctx, `INSERT INTO channel_accounts (org_id, network, name, handle, language, created_at)
		VALUES (?, ?, ?, ?, 'en', ?) RETURNING id`, org, network, handle, handle, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sample is one sentence of testdata/udhr.jsonl.
type sample struct {
	Lang string `json:"lang"` // BCP 47: "uk", "sr-Cyrl"
	Text string `json:"text"`
}

// language is the ISO 639 part of the sample's tag.
func (s sample) language() string { l, _, _ := strings.Cut(s.Lang, "-"); return l }

// script names the sample's script from its first letter.
func (s sample) script() string {
	for _, r := range s.Text {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			return "Cyrl"
		case unicode.Is(unicode.Georgian, r):
			return "Geor"
		case unicode.Is(unicode.Greek, r):
			return "Grek"
		case unicode.IsLetter(r):
			return "Latn"
		}
	}
	return ""
}

func loadSamples(t testing.TB) []sample {
	t.Helper()
	f, err := os.Open("testdata/udhr.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 300 {
		t.Fatalf("testdata/udhr.jsonl has %d sentences", len(out))
	}
	return out
}

var (
	testSources = []string{"telegram", "mastodon", "bluesky", "x", "rss", "file"}
	testAuthors = []string{"olena_k", "vucic_watch", "tbilisi.news", "mfa_press", "anon1"}
)

// testBase is the time of the newest generated mention.
var testBase = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mentionsOf turns samples into mentions of org: sources, authors and
// countries rotate; every 7th mention shares the time of the one before it,
// so that the order (at, id) is tested on ties.
func mentionsOf(org int64, samples []sample, prefix string) []listen.Mention {
	ms := make([]listen.Mention, len(samples))
	at := testBase
	for i, s := range samples {
		if i%7 != 0 {
			at = at.Add(-time.Duration(17+i%13) * time.Minute)
		}
		ms[i] = listen.Mention{
			OrgID: org, Source: testSources[i%len(testSources)], ExternalID: fmt.Sprintf("%s-%d", prefix, i),
			URL:      fmt.Sprintf("https://example.org/%s/%d", prefix, i),
			AuthorID: fmt.Sprint(1000 + i%len(testAuthors)), AuthorHandle: testAuthors[i%len(testAuthors)], AuthorName: "Author " + fmt.Sprint(i%len(testAuthors)),
			Country: []string{"RS", "UA", "GE", "", "MK"}[i%5], Text: s.Text, Language: s.language(), Script: s.script(),
			At: at, Likes: int64(i % 11), Reposts: int64(i % 5), Replies: int64(i % 3),
		}
	}
	return ms
}

// keySet is the set of index keys of a text, computed independently of the
// store: analysis, then the index's key rule.
func keySet(s string) map[string]bool {
	out := map[string]bool{}
	for _, tok := range text.Analyze(s) {
		for _, k := range tok.Keys {
			if nk, ok := db.IndexKey(k); ok {
				out[nk] = true
			}
		}
	}
	return out
}

// bruteSearch is Search by a scan in Go over stored mentions (with their
// ids): filter, every term has a key in the text, newest first, limit.
func bruteSearch(all []listen.Mention, org int64, q listen.SearchQuery) []int64 {
	var hits []listen.Mention
	for _, m := range all {
		if m.OrgID != org || (q.Lang != "" && m.Language != q.Lang) || (q.Source != "" && m.Source != q.Source) ||
			(q.Author != "" && m.AuthorHandle != q.Author) || (!q.From.IsZero() && m.At.Before(q.From)) || (!q.To.IsZero() && !m.At.Before(q.To)) {
			continue
		}
		if q.Before != nil && !(m.At.Before(q.Before.At) || (m.At.Equal(q.Before.At) && m.ID < q.Before.ID)) {
			continue
		}
		keys := keySet(m.Text)
		ok := true
		for _, term := range q.Terms {
			found := false
			for _, k := range term {
				if nk, good := db.IndexKey(k); good && keys[nk] {
					found = true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			hits = append(hits, m)
		}
	}
	slices.SortFunc(hits, func(a, b listen.Mention) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	limit := q.Limit
	if limit == 0 {
		limit = listen.DefaultLimit
	}
	ids := []int64{}
	for i := 0; i < len(hits) && i < limit; i++ {
		ids = append(ids, hits[i].ID)
	}
	return ids
}

func idsOf(ms []listen.Mention) []int64 {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// insertAll stores ms in one transaction and fills in their ids.
func insertAll(t testing.TB, d *db.DB, ms []listen.Mention) {
	t.Helper()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		n, ids, err := listen.InsertBatch(ctx, tx, ms)
		if err != nil {
			return err
		}
		if n != len(ms) {
			return fmt.Errorf("inserted %d of %d", n, len(ms))
		}
		for i := range ms {
			ms[i].ID = ids[i]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
