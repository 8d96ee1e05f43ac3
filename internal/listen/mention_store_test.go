package listen_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/valid"
)

func TestInsertBatchStoresEveryField(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "mfa")
		acc := newAccount(t, e.DB, org, "mastodon", "@mfa")
		at := time.Date(2026, 2, 3, 4, 5, 6, 789123456, time.FixedZone("Kyiv", 2*3600))
		in := []listen.Mention{
			{OrgID: org, Source: "mastodon", AccountID: acc, ExternalID: "113", URL: "https://m.example/@o/113",
				AuthorID: "42", AuthorHandle: "olena@m.example", AuthorName: "Олена К.", Country: "ua", Text: "Дякуємо за зерно, Київ!",
				Language: "uk-UA", Script: "cyrl", InReplyTo: "110", At: at, Likes: 7, Reposts: 2, Replies: 1},
			{OrgID: org, Source: "RSS", ExternalID: "https://news.example/a?id=1", Text: "Vučić met Đoković in Beograd.", At: at.Add(time.Minute)},
			{OrgID: org, Source: "file", ExternalID: "row-3", Text: "ignored for keys", Keys: "GIVEN Keys", At: at, FetchedAt: at},
		}
		var n int
		var ids []int64
		err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			n, ids, err = listen.InsertBatch(ctx, tx, in)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 || len(ids) != 3 || ids[0] == 0 || ids[1] == 0 || ids[2] == 0 || ids[0] == ids[1] {
			t.Fatalf("InsertBatch = %d, %v", n, ids)
		}
		got, err := listen.Get(ctx, e.DB.R(), org, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		want := in[0]
		want.ID, want.Language, want.Script, want.Country = ids[0], "uk", "Cyrl", "UA"
		want.At = at.UTC().Truncate(time.Microsecond)
		want.Keys = listen.TextKeys(want.Text)
		if got.FetchedAt.IsZero() || time.Since(got.FetchedAt) > time.Minute {
			t.Errorf("fetched_at = %v, want about now", got.FetchedAt)
		}
		want.FetchedAt = got.FetchedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stored mention differs:\n got %+v\nwant %+v", got, want)
		}
		if !strings.Contains(" "+got.Keys+" ", " kyiv ") || !strings.Contains(" "+got.Keys+" ", " diakuiemo ") {
			t.Errorf("keys of a Ukrainian text = %q", got.Keys)
		}
		rss, _ := listen.Get(ctx, e.DB.R(), org, ids[1])
		if rss.Source != "rss" || rss.AccountID != 0 || !strings.Contains(rss.Keys, "vucic") || !strings.Contains(rss.Keys, "djokovic") {
			t.Errorf("rss mention: %+v", rss)
		}
		file, _ := listen.Get(ctx, e.DB.R(), org, ids[2])
		if file.Keys != "given keys" || !file.FetchedAt.Equal(at.UTC().Truncate(time.Microsecond)) {
			t.Errorf("given keys and fetch time: %q %v", file.Keys, file.FetchedAt)
		}
	})
}

func TestInsertBatchDeduplicates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		a, b := newOrg(t, e.DB, "a"), newOrg(t, e.DB, "b")
		at := testBase
		m := func(org int64, source, ext, text string) listen.Mention {
			return listen.Mention{OrgID: org, Source: source, ExternalID: ext, Text: text, At: at}
		}
		n, ids, err := listen.InsertBatch(ctx, e.DB.W(), []listen.Mention{m(a, "x", "1", "first"), m(a, "x", "2", "second")})
		if err != nil || n != 2 {
			t.Fatalf("first batch: %d %v", n, err)
		}
		first := ids[0]
		cases := []struct {
			name  string
			batch []listen.Mention
			want  []bool // stored or skipped, per mention
		}{
			{"stored before", []listen.Mention{m(a, "x", "1", "again")}, []bool{false}},
			{"twice in one batch", []listen.Mention{m(a, "x", "3", "one"), m(a, "x", "3", "two"), m(a, "x", "4", "four")}, []bool{true, false, true}},
			{"same id, another source", []listen.Mention{m(a, "telegram", "1", "tg")}, []bool{true}},
			{"same id, another organisation", []listen.Mention{m(b, "x", "1", "other org")}, []bool{true}},
			{"source case and spaces are normalised", []listen.Mention{m(a, " X ", " 2 ", "dup")}, []bool{false}},
		}
		for _, c := range cases {
			n, ids, err := listen.InsertBatch(ctx, e.DB.W(), c.batch)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			stored := 0
			for i, w := range c.want {
				if (ids[i] != 0) != w {
					t.Errorf("%s: mention %d id = %d, want stored=%v", c.name, i, ids[i], w)
				}
				if w {
					stored++
				}
			}
			if n != stored {
				t.Errorf("%s: inserted = %d, want %d", c.name, n, stored)
			}
			// The first of duplicates in one batch is the one stored.
			if got, err := listen.Get(ctx, e.DB.R(), c.batch[0].OrgID, ids[0]); ids[0] != 0 && (err != nil || got.Text != c.batch[0].Text) {
				t.Errorf("%s: id %d holds %q (%v), want %q", c.name, ids[0], got.Text, err, c.batch[0].Text)
			}
		}
		// The first stored row is untouched by the duplicate.
		got, err := listen.Get(ctx, e.DB.R(), a, first)
		if err != nil || got.Text != "first" {
			t.Errorf("first row: %+v %v", got, err)
		}
		three, _ := listen.List(ctx, e.DB.R(), a, listen.Filter{Source: "x"})
		var texts []string
		for _, x := range three {
			texts = append(texts, x.Text)
		}
		slices.Sort(texts)
		if !reflect.DeepEqual(texts, []string{"first", "four", "one", "second"}) {
			t.Errorf("org a, source x holds %v", texts)
		}
	})
}

// Batches longer than one INSERT, with duplicates across the chunk
// boundary, keep ids aligned with the input.
func TestInsertBatchSpansChunks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "big")
		const n = 1203
		ms := make([]listen.Mention, n)
		for i := range ms {
			ext := fmt.Sprint(i)
			if i%100 == 99 {
				ext = fmt.Sprint(i - 550) // a duplicate of a mention ~one chunk earlier
			}
			ms[i] = listen.Mention{OrgID: org, Source: "file", ExternalID: ext, Text: "row " + ext, At: testBase.Add(time.Duration(i) * time.Second)}
		}
		var inserted int
		var ids []int64
		err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			inserted, ids, err = listen.InsertBatch(ctx, tx, ms)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		dups := 0
		for i := range ms {
			if i%100 == 99 && i >= 550 {
				dups++
				if ids[i] != 0 {
					t.Errorf("duplicate %d got id %d", i, ids[i])
				}
				continue
			}
			got, err := listen.Get(ctx, e.DB.R(), org, ids[i])
			if err != nil || got.ExternalID != ms[i].ExternalID {
				t.Fatalf("mention %d: id %d holds %+v (%v)", i, ids[i], got.ExternalID, err)
			}
		}
		if inserted != n-dups {
			t.Errorf("inserted %d, want %d", inserted, n-dups)
		}
	})
}

func TestInsertBatchRefusesInvalid(t *testing.T) {
	good := listen.Mention{OrgID: 1, Source: "rss", ExternalID: "e", At: testBase}
	cases := []struct {
		name  string
		edit  func(m *listen.Mention)
		field string
	}{
		{"no organisation", func(m *listen.Mention) { m.OrgID = 0 }, "org_id"},
		{"no source", func(m *listen.Mention) { m.Source = "" }, "source"},
		{"source with a space", func(m *listen.Mention) { m.Source = "rss feed" }, "source"},
		{"source too long", func(m *listen.Mention) { m.Source = strings.Repeat("a", 33) }, "source"},
		{"no external id", func(m *listen.Mention) { m.ExternalID = "  " }, "external_id"},
		{"no time", func(m *listen.Mention) { m.At = time.Time{} }, "at"},
		{"negative account", func(m *listen.Mention) { m.AccountID = -1 }, "account_id"},
	}
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "v")
		good.OrgID = org
		for _, c := range cases {
			bad := good
			bad.ExternalID = "bad-" + c.name
			c.edit(&bad)
			ok := good
			ok.ExternalID = "ok-" + c.name
			_, _, err := listen.InsertBatch(ctx, e.DB.W(), []listen.Mention{ok, bad})
			var fe *valid.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), "mention 1") {
				t.Errorf("%s: err = %v, want a FieldError on %s naming mention 1", c.name, err, c.field)
			}
		}
		// Nothing of a refused batch is written.
		if got, _ := listen.List(ctx, e.DB.R(), org, listen.Filter{}); len(got) != 0 {
			t.Errorf("a refused batch wrote %d mentions", len(got))
		}
	})
}

func TestNormalize(t *testing.T) {
	long := strings.Repeat("ж", listen.MaxTextBytes) // 2 bytes each: twice the limit
	cases := []struct {
		name string
		in   listen.Mention
		want func(m listen.Mention) bool
	}{
		{"language primary subtag", listen.Mention{Language: "EN-us"}, func(m listen.Mention) bool { return m.Language == "en" }},
		{"Montenegrin kept", listen.Mention{Language: "cnr"}, func(m listen.Mention) bool { return m.Language == "cnr" }},
		{"bad language dropped", listen.Mention{Language: "english"}, func(m listen.Mention) bool { return m.Language == "" }},
		{"script title case", listen.Mention{Script: "CYRL"}, func(m listen.Mention) bool { return m.Script == "Cyrl" }},
		{"bad script dropped", listen.Mention{Script: "Cy"}, func(m listen.Mention) bool { return m.Script == "" }},
		{"country upper case", listen.Mention{Country: "rs"}, func(m listen.Mention) bool { return m.Country == "RS" }},
		{"bad country dropped", listen.Mention{Country: "SRB"}, func(m listen.Mention) bool { return m.Country == "" }},
		{"NUL and invalid UTF-8 repaired", listen.Mention{Text: "a\x00b\xffc"}, func(m listen.Mention) bool { return m.Text == "ab\uFFFDc" }},
		{"long text cut on a character", listen.Mention{Text: long}, func(m listen.Mention) bool {
			return len(m.Text) <= listen.MaxTextBytes && len(m.Text) >= listen.MaxTextBytes-1 && strings.Trim(m.Text, "ж") == ""
		}},
		{"times to UTC microseconds", listen.Mention{At: time.Date(2026, 1, 1, 1, 0, 0, 1999, time.FixedZone("", 3600))}, func(m listen.Mention) bool {
			return m.At.Location() == time.UTC && m.At.Equal(time.Date(2026, 1, 1, 0, 0, 0, 1000, time.UTC))
		}},
		{"negative counts to 0", listen.Mention{Likes: -3, Reposts: 4}, func(m listen.Mention) bool { return m.Likes == 0 && m.Reposts == 4 }},
		{"ids trimmed", listen.Mention{ExternalID: " 12 ", AuthorHandle: " @o "}, func(m listen.Mention) bool { return m.ExternalID == "12" && m.AuthorHandle == "@o" }},
	}
	for _, c := range cases {
		m := c.in
		m.Normalize()
		if !c.want(m) {
			t.Errorf("%s: Normalize gave %+v", c.name, m)
		}
	}
}

func TestGetAndListAreScopedToTheOrganisation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		a, b := newOrg(t, e.DB, "a"), newOrg(t, e.DB, "b")
		samples := loadSamples(t)[:40]
		ma, mb := mentionsOf(a, samples, "s"), mentionsOf(b, samples, "s") // same sources and external ids
		insertAll(t, e.DB, ma)
		insertAll(t, e.DB, mb)
		if _, err := listen.Get(ctx, e.DB.R(), b, ma[0].ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b reads org a's mention: %v", err)
		}
		for _, org := range []int64{a, b} {
			got, err := listen.List(ctx, e.DB.R(), org, listen.Filter{Limit: listen.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 40 {
				t.Errorf("org %d lists %d mentions, want 40", org, len(got))
			}
			for _, m := range got {
				if m.OrgID != org {
					t.Errorf("org %d lists mention %d of org %d", org, m.ID, m.OrgID)
				}
			}
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org, other := newOrg(t, e.DB, "l"), newOrg(t, e.DB, "o")
		all := mentionsOf(org, loadSamples(t), "l")
		insertAll(t, e.DB, all)
		insertAll(t, e.DB, mentionsOf(other, loadSamples(t)[:50], "l"))
		mid := all[len(all)/2].At
		filters := []listen.Filter{
			{},
			{Limit: 7},
			{Lang: "uk"},
			{Lang: "sr", Source: "telegram"},
			{Author: "olena_k", Limit: 1000},
			{From: mid, Limit: 1000},
			{To: mid, Limit: 1000},
			{From: mid.Add(-10 * time.Hour), To: mid, Lang: "ka"},
			{Source: "nowhere"},
			{Before: listen.CursorOf(all[6]), Limit: 5}, // all[7] shares all[6]'s time
		}
		for _, f := range filters {
			got, err := listen.List(ctx, e.DB.R(), org, f)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteSearch(all, org, listen.SearchQuery{Filter: f})
			if !slices.Equal(idsOf(got), want) {
				t.Errorf("List(%+v) = %v, want %v", f, idsOf(got), want)
			}
		}
		// Paging with the cursor walks the whole list once, in order.
		var walked []int64
		f := listen.Filter{Limit: 9}
		for {
			page, err := listen.List(ctx, e.DB.R(), org, f)
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, idsOf(page)...)
			if len(page) < f.Limit {
				break
			}
			f.Before = listen.CursorOf(page[len(page)-1])
		}
		if want := bruteSearch(all, org, listen.SearchQuery{Filter: listen.Filter{Limit: listen.MaxLimit}}); !slices.Equal(walked, want) {
			t.Errorf("paging walked %d mentions, want %d in order", len(walked), len(want))
		}
		for _, bad := range []int{-1, listen.MaxLimit + 1} {
			var fe *valid.FieldError
			if _, err := listen.List(ctx, e.DB.R(), org, listen.Filter{Limit: bad}); !errors.As(err, &fe) || fe.Field != "limit" {
				t.Errorf("limit %d: %v", bad, err)
			}
		}
	})
}

// IndexMissing gives keys to rows stored without them (before 0012) and
// leaves the others alone.
func TestIndexMissing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "ix")
		ms := mentionsOf(org, loadSamples(t)[:30], "ix")
		insertAll(t, e.DB, ms)
		if _, err := e.DB.W().ExecContext(ctx, "UPDATE mentions SET keys = '' WHERE id <= ?", ms[9].ID); err != nil {
			t.Fatal(err)
		}
		// Search skips the rows without keys until they are indexed.
		key, _, _ := strings.Cut(listen.TextKeys(ms[0].Text), " ")
		probe := listen.SearchQuery{Terms: [][]string{{key}}, Filter: listen.Filter{Limit: listen.MaxLimit}}
		before, err := listen.Search(ctx, e.DB.R(), org, probe)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(idsOf(before), ms[0].ID) {
			t.Fatalf("mention %d without keys is found by %q", ms[0].ID, key)
		}
		n, err := listen.IndexMissing(ctx, e.DB, 4)
		if err != nil || n != 10 {
			t.Fatalf("IndexMissing = %d, %v; want 10", n, err)
		}
		for _, m := range ms {
			got, _ := listen.Get(ctx, e.DB.R(), org, m.ID)
			if got.Keys != listen.TextKeys(m.Text) {
				t.Fatalf("mention %d keys = %q", m.ID, got.Keys)
			}
		}
		after, _ := listen.Search(ctx, e.DB.R(), org, probe)
		if !slices.Contains(idsOf(after), ms[0].ID) || len(after) <= len(before) {
			t.Errorf("after indexing, %q finds %v (before: %v)", key, idsOf(after), idsOf(before))
		}
		if n, err := listen.IndexMissing(ctx, e.DB, 4); n != 0 || err != nil {
			t.Errorf("second IndexMissing = %d, %v", n, err)
		}
	})
}
