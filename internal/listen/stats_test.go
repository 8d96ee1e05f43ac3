package listen_test

import (
	"testing"
	"time"

	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/testutil"
)

// A topic's dashboard counts the same on both engines: hourly buckets
// with zeros, top languages, sources and authors, and nothing of another
// topic or organisation.
func TestTopicStats(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org, other := newOrg(t, e.DB, "mfa-s"), newOrg(t, e.DB, "mfa-t")
		tp := listen.Topic{OrgID: org, Name: "Grain", Query: "grain"}
		if err := listen.CreateTopic(ctx, e.DB.W(), &tp); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		var ms []listen.Mention
		add := func(org int64, id string, at time.Time, lang, source, author string) {
			ms = append(ms, listen.Mention{OrgID: org, Source: source, ExternalID: id, Text: "grain", Language: lang,
				AuthorHandle: author, At: at, FetchedAt: at})
		}
		add(org, "1", base.Add(10*time.Minute), "uk", "telegram", "a")
		add(org, "2", base.Add(50*time.Minute), "uk", "telegram", "a")
		add(org, "3", base.Add(2*time.Hour+5*time.Minute), "sr", "rss", "b")
		add(org, "4", base.Add(-time.Minute), "sr", "rss", "b") // before the period
		add(other, "5", base.Add(10*time.Minute), "uk", "telegram", "a")
		_, ids, err := listen.InsertBatch(ctx, e.DB.W(), ms)
		if err != nil {
			t.Fatal(err)
		}
		var matches []listen.Match
		for i, id := range ids {
			if ms[i].OrgID == org {
				matches = append(matches, listen.Match{TopicID: tp.ID, MentionID: id})
			}
		}
		if _, err := listen.InsertMatches(ctx, e.DB.W(), matches); err != nil {
			t.Fatal(err)
		}
		s, err := listen.TopicStats(ctx, e.DB.R(), org, tp.ID, base, base.Add(4*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{2, 0, 1, 0}
		if s.Step != "hour" || len(s.Volume) != 4 || s.Total != 3 {
			t.Fatalf("stats %+v", s)
		}
		for i, b := range s.Volume {
			if b.N != want[i] || !b.At.Equal(base.Add(time.Duration(i)*time.Hour)) {
				t.Fatalf("bucket %d = %+v, want %d at %v", i, b, want[i], base.Add(time.Duration(i)*time.Hour))
			}
		}
		if len(s.Languages) != 2 || s.Languages[0] != (listen.Count{Key: "uk", N: 2}) || s.Sources[1] != (listen.Count{Key: "rss", N: 1}) ||
			s.Authors[0] != (listen.Count{Key: "a", N: 2}) {
			t.Fatalf("top counts %+v %+v %+v", s.Languages, s.Sources, s.Authors)
		}
		week, err := listen.TopicStats(ctx, e.DB.R(), org, tp.ID, base.Add(-72*time.Hour), base.Add(24*time.Hour))
		if err != nil || week.Step != "day" || len(week.Volume) != 5 || week.Volume[3].N != 4 || week.Volume[2].N != 0 {
			t.Fatalf("daily stats %v %+v", err, week)
		}
		daily, err := listen.DailyCounts(ctx, e.DB.R(), org, base.Add(-24*time.Hour), base.Add(time.Hour))
		if err != nil || len(daily[tp.ID]) != 2 || daily[tp.ID][1] != 3 { // 08:59, 09:10 and 09:50; 11:05 is after the period
			t.Fatalf("daily counts %v %v", err, daily)
		}
	})
}
