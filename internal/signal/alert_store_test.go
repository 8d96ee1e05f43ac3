package signal_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/valid"
)

func TestRaiseIsOncePerKey(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "mfa")
		start := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
		a := signal.Alert{OrgID: org, Kind: signal.KindCoordination, Key: "coord:1", Title: "  Cluster  ",
			Detail: json.RawMessage(`{"size":5}`), WindowStart: start, WindowEnd: start.Add(10 * time.Minute), CreatedAt: start.Add(time.Hour)}
		created, err := signal.Raise(ctx, d.W(), &a)
		if err != nil || !created || a.ID == 0 {
			t.Fatalf("first raise: created %v, id %d, %v", created, a.ID, err)
		}
		if a.Title != "Cluster" {
			t.Errorf("title %q, want it trimmed", a.Title)
		}
		first := a.ID

		// The same again: not created, nothing changes.
		again := a
		again.ID = 0
		created, err = signal.Raise(ctx, d.W(), &again)
		if err != nil || created || again.ID != first {
			t.Fatalf("second raise: created %v, id %d (want %d), %v", created, again.ID, first, err)
		}

		// The cluster grew: a later end, a new detail; the start stays.
		grown := signal.Alert{OrgID: org, Kind: signal.KindCoordination, Key: "coord:1", Title: "Cluster of 7",
			Detail: json.RawMessage(`{"size":7}`), WindowStart: start.Add(5 * time.Minute), WindowEnd: start.Add(25 * time.Minute)}
		created, err = signal.Raise(ctx, d.W(), &grown)
		if err != nil || created {
			t.Fatalf("growing raise: created %v, %v", created, err)
		}
		got, err := signal.GetAlert(ctx, d.R(), org, first)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Cluster of 7" || string(got.Detail) != `{"size":7}` || !got.WindowStart.Equal(start) ||
			!got.WindowEnd.Equal(start.Add(25*time.Minute)) || !got.CreatedAt.Equal(start.Add(time.Hour)) {
			t.Errorf("after growth: %+v", got)
		}
		if grown.ID != first || string(grown.Detail) != `{"size":7}` || !grown.WindowStart.Equal(start) {
			t.Errorf("Raise did not give back the stored alert: %+v", grown)
		}
		if n := len(alerts(t, d, org, signal.AlertFilter{})); n != 1 {
			t.Errorf("%d alerts, want 1", n)
		}

		// Another organisation may have the same key.
		other := newOrg(t, d, "other")
		b := a
		b.OrgID, b.ID = other, 0
		if created, err := signal.Raise(ctx, d.W(), &b); err != nil || !created || b.ID == first {
			t.Errorf("same key in another organisation: created %v, id %d, %v", created, b.ID, err)
		}
	})
}

func TestRaiseRefusesBadAlerts(t *testing.T) {
	e := testutil.SQLite(t)
	org := newOrg(t, e.DB, "mfa")
	now := time.Now()
	good := signal.Alert{OrgID: org, Kind: signal.KindSpike, TopicID: 1, Key: "k", Title: "t", WindowStart: now, WindowEnd: now}
	for name, tc := range map[string]struct {
		mod   func(*signal.Alert)
		field string
	}{
		"no org":              {func(a *signal.Alert) { a.OrgID = 0 }, "org_id"},
		"unknown kind":        {func(a *signal.Alert) { a.Kind = "flood" }, "kind"},
		"no key":              {func(a *signal.Alert) { a.Key = "" }, "key"},
		"spike without topic": {func(a *signal.Alert) { a.TopicID = 0 }, "topic_id"},
		"blank title":         {func(a *signal.Alert) { a.Title = "  " }, "title"},
		"detail not JSON":     {func(a *signal.Alert) { a.Detail = json.RawMessage(`{"a":`) }, "detail"},
		"detail an array":     {func(a *signal.Alert) { a.Detail = json.RawMessage(`[1]`) }, "detail"},
		"window backwards":    {func(a *signal.Alert) { a.WindowEnd = now.Add(-time.Hour) }, "window_end"},
		"no window":           {func(a *signal.Alert) { a.WindowStart, a.WindowEnd = time.Time{}, time.Time{} }, "window_end"},
	} {
		a := good
		tc.mod(&a)
		_, err := signal.Raise(ctx, e.DB.W(), &a)
		var fe *valid.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want an error on %s", name, err, tc.field)
		}
	}
}

func TestAlertsAreOrgScoped(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		orgA, orgB := newOrg(t, d, "mfa-a"), newOrg(t, d, "mfa-b")
		userA := newMember(t, d, orgA, "a@example.org", "analyst", false)
		userB := newMember(t, d, orgB, "b@example.org", "admin", false)
		topic := newTopic(t, d, orgA, "Kosovo")
		base := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
		var ids []int64
		for i := range 5 {
			a := signal.Alert{OrgID: orgA, Kind: signal.KindCoordination, Key: "coord:" + string(rune('a'+i)), Title: "c",
				WindowStart: base, WindowEnd: base, CreatedAt: base.Add(time.Duration(i) * time.Minute)}
			if i%2 == 1 {
				a.Kind, a.TopicID = signal.KindSpike, topic
			}
			if _, err := signal.Raise(ctx, d.W(), &a); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		// Two with the same creation time: the id breaks the tie.
		tie := signal.Alert{OrgID: orgA, Kind: signal.KindCoordination, Key: "coord:tie", Title: "c", WindowStart: base, WindowEnd: base,
			CreatedAt: base.Add(4 * time.Minute)}
		if _, err := signal.Raise(ctx, d.W(), &tie); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tie.ID)
		want := []int64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}

		if got := idsOf(alerts(t, d, orgA, signal.AlertFilter{})); !equal(got, want) {
			t.Errorf("list: %v, want %v", got, want)
		}
		page := alerts(t, d, orgA, signal.AlertFilter{Limit: 2})
		rest := alerts(t, d, orgA, signal.AlertFilter{Before: signal.CursorOf(page[1])})
		if got := append(idsOf(page), idsOf(rest)...); !equal(got, want) {
			t.Errorf("two pages: %v, want %v", got, want)
		}
		if got := idsOf(alerts(t, d, orgA, signal.AlertFilter{Kind: signal.KindSpike})); !equal(got, []int64{ids[3], ids[1]}) {
			t.Errorf("spikes: %v", got)
		}
		if got := idsOf(alerts(t, d, orgA, signal.AlertFilter{TopicID: topic})); !equal(got, []int64{ids[3], ids[1]}) {
			t.Errorf("by topic: %v", got)
		}

		// Organisation B sees none of A's alerts, and cannot acknowledge them.
		if got := alerts(t, d, orgB, signal.AlertFilter{}); len(got) != 0 {
			t.Errorf("B lists A's alerts: %v", idsOf(got))
		}
		if _, err := signal.GetAlert(ctx, d.R(), orgB, ids[0]); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B gets A's alert: %v", err)
		}
		if err := signal.Acknowledge(ctx, d.W(), orgB, ids[0], userB, base); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("B acknowledges A's alert: %v", err)
		}
		if n, _ := signal.CountUnacknowledged(ctx, d.R(), orgB); n != 0 {
			t.Errorf("B counts %d of A's alerts", n)
		}

		// A acknowledges; a second acknowledgement keeps the first.
		at := base.Add(time.Hour)
		if err := signal.Acknowledge(ctx, d.W(), orgA, ids[0], userA, at); err != nil {
			t.Fatal(err)
		}
		if err := signal.Acknowledge(ctx, d.W(), orgA, ids[0], userA, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := signal.GetAlert(ctx, d.R(), orgA, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(at) || got.AcknowledgedBy != userA {
			t.Errorf("acknowledged %v by %d", got.AcknowledgedAt, got.AcknowledgedBy)
		}
		if got := idsOf(alerts(t, d, orgA, signal.AlertFilter{Unacknowledged: true})); equal(got, want) || len(got) != 5 {
			t.Errorf("unacknowledged: %v", got)
		}
		if n, _ := signal.CountUnacknowledged(ctx, d.R(), orgA); n != 5 {
			t.Errorf("%d unacknowledged, want 5", n)
		}
		if err := signal.Acknowledge(ctx, d.W(), orgA, 1<<40, userA, at); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown alert: %v", err)
		}
		if _, err := signal.ListAlerts(ctx, d.R(), orgA, signal.AlertFilter{Limit: 10_000}); err == nil {
			t.Error("limit 10000 accepted")
		}
		if _, err := signal.ListAlerts(ctx, d.R(), orgA, signal.AlertFilter{Kind: "flood"}); err == nil {
			t.Error("kind flood accepted")
		}
	})
}

func idsOf(as []signal.Alert) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
