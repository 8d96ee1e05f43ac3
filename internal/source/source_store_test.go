package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

func TestStoreCRUD(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		a, b := newOrg(t, d, "a"), newOrg(t, d, "b")
		s := Source{OrgID: a, Kind: KindRSS, Name: "  Radio Free Europe ", Config: json.RawMessage(`{"url":"https://www.rferl.org/api/feed.xml"}`),
			Interval: time.Minute, Enabled: true}
		before := time.Now().UTC().Add(-time.Second)
		if err := Create(ctx, d.W(), &s); err != nil {
			t.Fatal(err)
		}
		if s.ID == 0 || s.Name != "Radio Free Europe" || s.Interval != MinInterval || len(s.Adjusted) != 1 {
			t.Fatalf("created %+v", s)
		}
		got := get(t, d, s)
		if got.Kind != KindRSS || got.Name != s.Name || string(got.Config) != string(s.Config) || got.Interval != MinInterval ||
			!got.Enabled || string(got.State) != "{}" || got.NextRunAt.Before(before) || got.NextRunAt.After(time.Now()) ||
			got.LastRunAt != nil || got.LastOKAt != nil || got.AccountID != 0 || got.CreatedBy != 0 || !got.CreatedAt.Equal(s.CreatedAt) {
			t.Fatalf("got %+v", got)
		}
		m := mustCreate(t, d, a, KindMastodon, MastodonConfig{Instance: "mastodon.social", Hashtag: "Україна"})
		mustCreate(t, d, b, KindRSS, RSSConfig{URL: "https://example.org/rss"})

		// Organisations are sovereign.
		if _, err := Get(ctx, d.R(), b, s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another org's source: %v", err)
		}
		list, err := List(ctx, d.R(), a)
		if err != nil || len(list) != 2 || list[0].ID != m.ID || list[1].ID != s.ID {
			t.Fatalf("list %+v %v", list, err)
		}
		foreign := got
		foreign.OrgID = b
		if err := Update(ctx, d.W(), &foreign); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("update from another org: %v", err)
		}
		if err := Delete(ctx, d.W(), b, s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("delete from another org: %v", err)
		}

		// A rename keeps the state and the schedule.
		if _, err := d.W().ExecContext(ctx, "UPDATE listen_sources SET state = ?, failures = 2, last_error = 'x', next_run_at = ? WHERE id = ?",
			`{"etag":"\"v1\""}`, time.Now().UTC().Add(time.Hour), s.ID); err != nil {
			t.Fatal(err)
		}
		got = get(t, d, s)
		got.Name = "RFE/RL"
		if err := Update(ctx, d.W(), &got); err != nil {
			t.Fatal(err)
		}
		re := get(t, d, s)
		if re.Name != "RFE/RL" || string(re.State) != `{"etag":"\"v1\""}` || re.Failures != 2 || !re.NextRunAt.Equal(got.NextRunAt) || !re.UpdatedAt.After(re.CreatedAt) {
			t.Fatalf("renamed %+v", re)
		}
		// New settings start afresh, due at once.
		re.Config = json.RawMessage(`{"url":"https://www.rferl.org/api/zrqiteuuir"}`)
		if err := Update(ctx, d.W(), &re); err != nil {
			t.Fatal(err)
		}
		re = get(t, d, s)
		if string(re.State) != "{}" || re.Failures != 0 || re.LastError != "" || re.NextRunAt.After(time.Now()) {
			t.Fatalf("new settings %+v", re)
		}
		re.Kind = KindMastodon
		if fe := fieldOf(t, Update(ctx, d.W(), &re)); fe.Field != "kind" {
			t.Fatalf("kind changed: %v", fe)
		}
		re.Kind = KindRSS
		re.Config = json.RawMessage(`{"url":"nope"}`)
		if fe := fieldOf(t, Update(ctx, d.W(), &re)); fe.Field != "config/url" {
			t.Fatalf("bad settings saved: %v", fe)
		}

		if err := Delete(ctx, d.W(), a, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := Get(ctx, d.R(), a, s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("deleted: %v", err)
		}
	})
}

func TestTelegramSourceAccount(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		a, b := newOrg(t, d, "a"), newOrg(t, d, "b")
		connected := newAccount(t, d, a, "telegram", "@mfa_ua", "v1:sealed")
		bare := newAccount(t, d, a, "telegram", "@other", "")
		masto := newAccount(t, d, a, "mastodon", "@mfa@mastodon.social", "v1:sealed")
		foreign := newAccount(t, d, b, "telegram", "@b", "v1:sealed")
		archived := newAccount(t, d, a, "telegram", "@old", "v1:sealed")
		if _, err := d.W().ExecContext(ctx, "UPDATE channel_accounts SET archived_at = ? WHERE id = ?", time.Now().UTC(), archived); err != nil {
			t.Fatal(err)
		}
		for id, reason := range map[int64]string{bare: "not connected", masto: "mastodon account", foreign: "not a channel account", archived: "archived", 999999: "not a channel account"} {
			s := Source{OrgID: a, Kind: KindTelegram, Config: json.RawMessage(fmt.Sprintf(`{"account_id":%d}`, id)), Enabled: true}
			fe := fieldOf(t, Create(ctx, d.W(), &s))
			if fe.Field != "config/account_id" {
				t.Errorf("%s: %v", reason, fe)
			}
		}
		s := Source{OrgID: a, Kind: KindTelegram, Config: json.RawMessage(fmt.Sprintf(`{"account_id":%d}`, connected)), Enabled: true}
		if err := Create(ctx, d.W(), &s); err != nil {
			t.Fatal(err)
		}
		got := get(t, d, s)
		if got.AccountID != connected || got.Name != "Telegram channels read by Account @mfa_ua" || got.Interval != 0 {
			t.Fatalf("%+v", got)
		}
		// Telegram sources are not polled by RunDue.
		if cl, err := ClaimDue(ctx, d.W(), time.Now().Add(time.Hour), 10); err != nil || len(cl) != 0 {
			t.Fatalf("claimed %+v %v", cl, err)
		}
		// Deleting the account deletes its source.
		if _, err := d.W().ExecContext(ctx, "DELETE FROM channel_accounts WHERE id = ?", connected); err != nil {
			t.Fatal(err)
		}
		if _, err := Get(ctx, d.R(), a, s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("source of a deleted account: %v", err)
		}
	})
}

func TestClaimAndFinish(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "a")
		rss := mustCreate(t, d, org, KindRSS, RSSConfig{URL: "https://example.org/rss"})
		masto := mustCreate(t, d, org, KindMastodon, MastodonConfig{Instance: "mastodon.social", Timeline: "public"})
		mustCreate(t, d, org, KindBluesky, BlueskyConfig{})
		off := mustCreate(t, d, org, KindRSS, RSSConfig{URL: "https://example.org/off"})
		off.Enabled = false
		if err := Update(ctx, d.W(), &off); err != nil {
			t.Fatal(err)
		}
		later := mustCreate(t, d, org, KindRSS, RSSConfig{URL: "https://example.org/later"})
		if _, err := d.W().ExecContext(ctx, "UPDATE listen_sources SET next_run_at = ? WHERE id = ?", time.Now().UTC().Add(1000*time.Hour), later.ID); err != nil {
			t.Fatal(err)
		}

		now := time.Now().UTC().Add(time.Second)
		claimed, err := ClaimDue(ctx, d.W(), now, 10)
		if err != nil || len(claimed) != 2 || claimed[0].ID != rss.ID || claimed[1].ID != masto.ID {
			t.Fatalf("claimed %+v %v", claimed, err)
		}
		s := claimed[0]
		if !s.NextRunAt.Equal(stamp(now.Add(PollLease))) || s.LastRunAt == nil {
			t.Fatalf("lease %+v", s)
		}
		// Held: nobody else gets them while the lease runs.
		if again, err := ClaimDue(ctx, d.W(), now.Add(PollLease-time.Second), 10); err != nil || len(again) != 0 {
			t.Fatalf("claimed twice: %+v %v", again, err)
		}

		// A run that worked.
		state := json.RawMessage(`{"etag":"\"abc\""}`)
		if err := Finish(ctx, d.W(), s, Outcome{State: state, Items: 12}, now); err != nil {
			t.Fatal(err)
		}
		got := get(t, d, s)
		if string(got.State) != string(state) || got.ItemsTotal != 12 || got.Failures != 0 || got.LastError != "" ||
			got.LastOKAt == nil || !got.NextRunAt.Equal(stamp(now.Add(DefaultInterval))) {
			t.Fatalf("after ok %+v", got)
		}
		// Finishing again with the spent lease is refused.
		if err := Finish(ctx, d.W(), s, Outcome{Items: 1}, now); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("second finish: %v", err)
		}

		// Failures back off, Retry-After is honoured, the state is kept.
		okAt := *got.LastOKAt
		at := now
		for i, want := range []time.Duration{DefaultInterval, 2 * DefaultInterval, 4 * DefaultInterval, 3 * time.Hour} {
			at = at.Add(7 * time.Hour)
			cl, err := ClaimDue(ctx, d.W(), at, 10)
			if err != nil || len(cl) != 2 {
				t.Fatalf("claim %d: %+v %v", i, cl, err)
			}
			o := Outcome{Err: errors.New("the feed: the server failed (HTTP 502)")}
			if i == 3 {
				o.RetryAfter = 3 * time.Hour
			}
			for _, c := range cl {
				oc := Outcome{}
				if c.ID == s.ID {
					oc = o
				}
				if err := Finish(ctx, d.W(), c, oc, at); err != nil {
					t.Fatal(err)
				}
			}
			got = get(t, d, s)
			if got.Failures != i+1 || got.LastError != o.Err.Error() || !got.LastOKAt.Equal(okAt) ||
				string(got.State) != string(state) || !got.NextRunAt.Equal(stamp(at.Add(want))) {
				t.Fatalf("failure %d: %+v (next in %s, want %s)", i+1, got, got.NextRunAt.Sub(at), want)
			}
		}

		// An edit during a run takes the claim away from it.
		at = at.Add(7 * time.Hour)
		cl, _ := ClaimDue(ctx, d.W(), at, 10)
		if len(cl) != 2 {
			t.Fatalf("claim %+v", cl)
		}
		edit := get(t, d, s)
		edit.Config = json.RawMessage(`{"url":"https://example.org/rss2"}`)
		if err := Update(ctx, d.W(), &edit); err != nil {
			t.Fatal(err)
		}
		if cl[0].ID != s.ID {
			cl[0], cl[1] = cl[1], cl[0]
		}
		if err := Finish(ctx, d.W(), cl[0], Outcome{State: state}, at); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("finish after an edit: %v", err)
		}
		if got := get(t, d, s); string(got.State) != "{}" {
			t.Fatalf("the old run's state was saved over the new settings: %s", got.State)
		}
	})
}

// TestClaimSafety: instances claiming at once (each with its own
// connection pool, as separate processes would) never claim a source
// twice, and every due source is claimed.
func TestClaimSafety(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		org := newOrg(t, e.DB, "a")
		const n = 40
		for i := range n {
			mustCreate(t, e.DB, org, KindRSS, RSSConfig{URL: fmt.Sprintf("https://example.org/%d.xml", i)})
		}
		const instances = 4
		dbs := []*db.DB{e.DB}
		for range instances - 1 {
			other, err := db.Open(ctx, e.Dir, e.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			dbs = append(dbs, other)
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		now := time.Now().UTC().Add(time.Second)
		for _, d := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					cl, err := ClaimDue(ctx, d.W(), now, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(cl) == 0 {
						return
					}
					mu.Lock()
					for _, s := range cl {
						seen[s.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("%d of %d sources claimed", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("source %d claimed %d times", id, k)
			}
		}
	})
}
