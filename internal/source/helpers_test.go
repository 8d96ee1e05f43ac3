package source

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/netguard"
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

// newAccount creates a channel account ("" credentials: not connected).
func newAccount(t testing.TB, d *db.DB, org int64, network, handle, credentials string) int64 {
	t.Helper()
	var id int64
	err := d.W().QueryRowContext(ctx, `INSERT INTO channel_accounts (org_id, network, name, handle, language, credentials, created_at)
		VALUES (?, ?, ?, ?, 'en', ?, ?) RETURNING id`, org, network, "Account "+handle, handle, credentials, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// newTopic creates a topic of org with query.
func newTopic(t testing.TB, d *db.DB, org int64, name, query string) int64 {
	t.Helper()
	tp := listen.Topic{OrgID: org, Name: name, Query: query}
	if err := listen.CreateTopic(ctx, d.W(), &tp); err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

// newRunner is a runner over the real pipeline (no language models) with
// a client that may reach the test servers on loopback.
func newRunner(d *db.DB) *Runner {
	return &Runner{
		DB:     d,
		Ingest: &ingest.Pipeline{DB: d, Topics: &ingest.Topics{DB: d}},
		HTTP:   netguard.Client(true, 10*time.Second),
	}
}

// mustCreate stores a source of kind with config.
func mustCreate(t testing.TB, d *db.DB, org int64, kind Kind, config any) Source {
	t.Helper()
	raw, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	s := Source{OrgID: org, Kind: kind, Config: raw, Enabled: true}
	if err := Create(ctx, d.W(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// mentions lists an organisation's stored mentions, newest first.
func mentions(t testing.TB, d *db.DB, org int64, f listen.Filter) []listen.Mention {
	t.Helper()
	f.Limit = listen.MaxLimit
	ms, err := listen.List(ctx, d.R(), org, f)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// get reloads a source.
func get(t testing.TB, d *db.DB, s Source) Source {
	t.Helper()
	got, err := Get(ctx, d.R(), s.OrgID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// makeDue moves a source's next run into the past.
func makeDue(t testing.TB, d *db.DB, id int64) {
	t.Helper()
	if _, err := d.W().ExecContext(ctx, "UPDATE listen_sources SET next_run_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Second), id); err != nil {
		t.Fatal(err)
	}
}
