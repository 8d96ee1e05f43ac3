package listen_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/valid"
)

func TestTopicValidate(t *testing.T) {
	cases := []struct {
		name  string
		topic listen.Topic
		field string // "" when valid
	}{
		{"valid", listen.Topic{OrgID: 1, Name: " Grain ", Query: `grain AND (corridor OR "black sea")`}, ""},
		{"no organisation", listen.Topic{Name: "n", Query: "q"}, "org_id"},
		{"blank name", listen.Topic{OrgID: 1, Name: "  ", Query: "q"}, "name"},
		{"control character", listen.Topic{OrgID: 1, Name: "a\tb", Query: "q"}, "name"},
		{"long name", listen.Topic{OrgID: 1, Name: strings.Repeat("я", listen.MaxTopicName+1), Query: "q"}, "name"},
		{"no query", listen.Topic{OrgID: 1, Name: "n", Query: " "}, "query"},
		{"long query", listen.Topic{OrgID: 1, Name: "n", Query: strings.Repeat("q ", listen.MaxTopicQuery)}, "query"},
	}
	for _, c := range cases {
		err := c.topic.Validate()
		var fe *valid.FieldError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field):
			t.Errorf("%s: err = %v, want a FieldError on %s", c.name, err, c.field)
		}
	}
}

func TestTopics(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		a, b := newOrg(t, e.DB, "a"), newOrg(t, e.DB, "b")
		var user int64
		if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES ('u@example.org', 'U', ?) RETURNING id", time.Now().UTC()).Scan(&user); err != nil {
			t.Fatal(err)
		}
		grain := listen.Topic{OrgID: a, Name: "Grain", Query: "grain OR зерно", CreatedBy: user}
		if err := listen.CreateTopic(ctx, e.DB.W(), &grain); err != nil {
			t.Fatal(err)
		}
		got, err := listen.GetTopic(ctx, e.DB.R(), a, grain.ID)
		if err != nil || got.Name != "Grain" || got.Query != grain.Query || got.CreatedBy != user || !got.CreatedAt.Equal(grain.CreatedAt) || got.ArchivedAt != nil {
			t.Fatalf("GetTopic = %+v, %v", got, err)
		}
		if _, err := listen.GetTopic(ctx, e.DB.R(), b, grain.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b reads org a's topic: %v", err)
		}
		// Names are unique among active topics of one organisation.
		var fe *valid.FieldError
		if err := listen.CreateTopic(ctx, e.DB.W(), &listen.Topic{OrgID: a, Name: "Grain", Query: "x"}); !errors.As(err, &fe) || fe.Field != "name" {
			t.Errorf("second Grain: %v", err)
		}
		if err := listen.CreateTopic(ctx, e.DB.W(), &listen.Topic{OrgID: b, Name: "Grain", Query: "x"}); err != nil {
			t.Errorf("Grain in another organisation: %v", err)
		}
		energy := listen.Topic{OrgID: a, Name: "Energy", Query: "gas"}
		if err := listen.CreateTopic(ctx, e.DB.W(), &energy); err != nil {
			t.Fatal(err)
		}
		energy.Name = "Grain"
		if err := listen.UpdateTopic(ctx, e.DB.W(), &energy); !errors.As(err, &fe) || fe.Field != "name" {
			t.Errorf("renaming to a taken name: %v", err)
		}
		energy.Name, energy.Query = "Energy security", "gas OR газ"
		if err := listen.UpdateTopic(ctx, e.DB.W(), &energy); err != nil {
			t.Fatal(err)
		}
		stranger := energy
		stranger.OrgID = b
		if err := listen.UpdateTopic(ctx, e.DB.W(), &stranger); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b updates org a's topic: %v", err)
		}
		if err := listen.ArchiveTopic(ctx, e.DB.W(), b, grain.ID, time.Now()); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("org b archives org a's topic: %v", err)
		}
		if err := listen.ArchiveTopic(ctx, e.DB.W(), a, grain.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := listen.UpdateTopic(ctx, e.DB.W(), &grain); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("updating an archived topic: %v", err)
		}
		// Archiving frees the name.
		if err := listen.CreateTopic(ctx, e.DB.W(), &listen.Topic{OrgID: a, Name: "Grain", Query: "grain"}); err != nil {
			t.Errorf("Grain after archiving: %v", err)
		}
		names := func(ts []listen.Topic) []string {
			var out []string
			for _, t := range ts {
				out = append(out, t.Name)
			}
			return out
		}
		active, _ := listen.ListTopics(ctx, e.DB.R(), a, false)
		all, _ := listen.ListTopics(ctx, e.DB.R(), a, true)
		if !slices.Equal(names(active), []string{"Energy security", "Grain"}) || len(all) != 3 {
			t.Errorf("ListTopics: active %v, all %v", names(active), names(all))
		}
		every, _ := listen.ActiveTopics(ctx, e.DB.R())
		if len(every) != 3 { // a: Energy security, Grain; b: Grain
			t.Errorf("ActiveTopics = %v", names(every))
		}
	})
}

func TestTopicMatches(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		a, b := newOrg(t, e.DB, "a"), newOrg(t, e.DB, "b")
		ma := mentionsOf(a, loadSamples(t)[:30], "a")
		mb := mentionsOf(b, loadSamples(t)[:5], "b")
		insertAll(t, e.DB, ma)
		insertAll(t, e.DB, mb)
		ta := listen.Topic{OrgID: a, Name: "T", Query: "q"}
		tb := listen.Topic{OrgID: b, Name: "T", Query: "q"}
		for _, tp := range []*listen.Topic{&ta, &tb} {
			if err := listen.CreateTopic(ctx, e.DB.W(), tp); err != nil {
				t.Fatal(err)
			}
		}
		var matches []listen.Match
		var want []listen.Mention
		for i := 0; i < len(ma); i += 3 {
			matches = append(matches, listen.Match{TopicID: ta.ID, MentionID: ma[i].ID})
			want = append(want, ma[i])
		}
		matches = append(matches,
			listen.Match{TopicID: ta.ID, MentionID: ma[0].ID}, // twice
			listen.Match{TopicID: ta.ID, MentionID: mb[0].ID}, // org b's mention in org a's topic
			listen.Match{TopicID: tb.ID, MentionID: ma[1].ID}, // and the other way round
			listen.Match{TopicID: ta.ID, MentionID: 99999999}, // no such mention
		)
		n, err := listen.InsertMatches(ctx, e.DB.W(), matches)
		if err != nil || n != len(want) {
			t.Fatalf("InsertMatches = %d, %v; want %d", n, err, len(want))
		}
		if n, err := listen.InsertMatches(ctx, e.DB.W(), matches); n != 0 || err != nil {
			t.Errorf("InsertMatches again = %d, %v", n, err)
		}
		got, err := listen.List(ctx, e.DB.R(), a, listen.Filter{TopicID: ta.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if ids, w := idsOf(got), bruteSearch(want, a, listen.SearchQuery{Filter: listen.Filter{Limit: 1000}}); !slices.Equal(ids, w) {
			t.Errorf("topic stream = %v, want %v", ids, w)
		}
		if got, _ := listen.List(ctx, e.DB.R(), b, listen.Filter{TopicID: ta.ID}); len(got) != 0 {
			t.Errorf("org b lists %d mentions through org a's topic", len(got))
		}
		if got, _ := listen.List(ctx, e.DB.R(), b, listen.Filter{TopicID: tb.ID}); len(got) != 0 {
			t.Errorf("org b's topic holds %d mentions", len(got))
		}
		// The copies of org and time are the mention's.
		var org int64
		var at time.Time
		if err := e.DB.R().QueryRowContext(ctx, "SELECT org_id, at FROM topic_matches WHERE topic_id = ? AND mention_id = ?", ta.ID, ma[3].ID).Scan(&org, &at); err != nil {
			t.Fatal(err)
		}
		if org != a || !at.Equal(ma[3].At) {
			t.Errorf("match row: org %d at %v, want %d %v", org, at, a, ma[3].At)
		}
		// A mention that goes takes its matches with it.
		if _, err := e.DB.W().ExecContext(ctx, "DELETE FROM mentions WHERE id = ?", ma[3].ID); err != nil {
			t.Fatal(err)
		}
		var left int
		_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM topic_matches WHERE mention_id = ?", ma[3].ID).Scan(&left)
		if left != 0 {
			t.Errorf("%d matches of a deleted mention remain", left)
		}
	})
}

// A narrative keeps its case record through the store; a topic may not
// carry one, and codes are normalised or refused with the field named.
func TestNarrativeCaseRecord(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "mfa-n")
		n := listen.Topic{OrgID: org, Kind: listen.KindNarrative, Name: "Biolabs", Query: `biolab* OR "біолабораторії"`,
			Claim: "Secret laboratories make weapons.", Disproof: "No evidence; inspected by the IAEA and WHO.",
			CounterLines: []string{" The labs are public-health labs. ", "", "Inspections are public."},
			Countries:    []string{"ua", "GE ", "ua"}, Languages: []string{"uk", "ru-RU", "en"}}
		if err := listen.CreateTopic(ctx, e.DB.W(), &n); err != nil {
			t.Fatal(err)
		}
		got, err := listen.GetTopic(ctx, e.DB.R(), org, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != listen.KindNarrative || got.Claim != n.Claim || got.Disproof != n.Disproof ||
			!slices.Equal(got.CounterLines, []string{"The labs are public-health labs.", "Inspections are public."}) ||
			!slices.Equal(got.Countries, []string{"UA", "GE"}) || !slices.Equal(got.Languages, []string{"uk", "ru", "en"}) {
			t.Fatalf("narrative read back as %+v", got)
		}
		var fe *valid.FieldError
		bad := []struct {
			t     listen.Topic
			field string
		}{
			{listen.Topic{OrgID: org, Kind: listen.KindNarrative, Name: "No claim", Query: "x"}, "claim"},
			{listen.Topic{OrgID: org, Name: "Topic with claim", Query: "x", Claim: "y"}, "claim"},
			{listen.Topic{OrgID: org, Kind: "rumour", Name: "Kind", Query: "x"}, "kind"},
			{listen.Topic{OrgID: org, Kind: listen.KindNarrative, Name: "Country", Query: "x", Claim: "c", Countries: []string{"Serbia"}}, "countries"},
			{listen.Topic{OrgID: org, Kind: listen.KindNarrative, Name: "Lang", Query: "x", Claim: "c", Languages: []string{"u"}}, "languages"},
		}
		for _, b := range bad {
			if err := listen.CreateTopic(ctx, e.DB.W(), &b.t); !errors.As(err, &fe) || fe.Field != b.field {
				t.Errorf("%s: got %v, want an error on %s", b.t.Name, err, b.field)
			}
		}
		plain := listen.Topic{OrgID: org, Name: "Grain", Query: "grain"}
		if err := listen.CreateTopic(ctx, e.DB.W(), &plain); err != nil || plain.Kind != listen.KindTopic {
			t.Fatalf("plain topic: %v, kind %q", err, plain.Kind)
		}
	})
}
