package signal_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/signal"
)

var ctx = context.Background()

// testNow is the detectors' clock in the tests: 12:40 UTC, so the running
// hour is 12:00–13:00 and the last complete one 11:00–12:00.
var testNow = time.Date(2026, 3, 9, 12, 40, 0, 0, time.UTC)

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

// newMember creates a user with role in org and returns the user's id.
func newMember(t testing.TB, d *db.DB, org int64, email, role string, disabled bool) int64 {
	t.Helper()
	var id int64
	err := d.W().QueryRowContext(ctx, "INSERT INTO users (email, name, disabled, created_at) VALUES (?, ?, ?, ?) RETURNING id",
		email, email, disabled, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.W().ExecContext(ctx, "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
		org, id, role, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	return id
}

func newTopic(t testing.TB, d *db.DB, org int64, name string) int64 {
	t.Helper()
	tp := listen.Topic{OrgID: org, Name: name, Query: name}
	if err := listen.CreateTopic(ctx, d.W(), &tp); err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

// externalIDs numbers the test mentions.
var externalIDs atomic.Int64

// post is a mention of a test.
type post struct {
	author, source, text string
	at                   time.Time
}

// store inserts the posts as mentions of org (matched by the topics
// given) and returns their ids in order.
func store(t testing.TB, d *db.DB, org int64, posts []post, topics ...int64) []int64 {
	t.Helper()
	ms := make([]listen.Mention, len(posts))
	for i, p := range posts {
		src := p.source
		if src == "" {
			src = "telegram"
		}
		ms[i] = listen.Mention{OrgID: org, Source: src, ExternalID: fmt.Sprintf("m-%d", externalIDs.Add(1)),
			AuthorHandle: p.author, Text: p.text, At: p.at}
	}
	var ids []int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for start := 0; start < len(ms); start += 2000 {
			_, chunk, err := listen.InsertBatch(ctx, tx, ms[start:min(start+2000, len(ms))])
			if err != nil {
				return err
			}
			ids = append(ids, chunk...)
		}
		var matches []listen.Match
		for _, tp := range topics {
			for _, id := range ids {
				matches = append(matches, listen.Match{TopicID: tp, MentionID: id})
			}
		}
		_, err := listen.InsertMatches(ctx, tx, matches)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids, 0) {
		t.Fatal("a test mention was taken for a duplicate")
	}
	return ids
}

func detector(d *db.DB, now time.Time) *signal.Detector {
	return &signal.Detector{DB: d, Now: func() time.Time { return now }}
}

// alerts lists an organisation's alerts, newest first.
func alerts(t testing.TB, d *db.DB, org int64, f signal.AlertFilter) []signal.Alert {
	t.Helper()
	as, err := signal.ListAlerts(ctx, d.R(), org, f)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// notification is a row of notifications.
type notification struct {
	user        int64
	kind, title string
	link        string
}

func notifications(t testing.TB, d *db.DB, org int64) []notification {
	t.Helper()
	rows, err := d.R().QueryContext(ctx, "SELECT user_id, kind, title, link FROM notifications WHERE org_id = ? ORDER BY user_id, id", org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []notification
	for rows.Next() {
		var n notification
		if err := rows.Scan(&n.user, &n.kind, &n.title, &n.link); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func run(t testing.TB, det *signal.Detector) int {
	t.Helper()
	n, err := det.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
