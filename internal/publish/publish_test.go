package publish_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/testutil"
)

var ctx = context.Background()

// fake is an in-test network: it counts calls, keeps posts by idempotency
// key, and fails as told.
type fake struct {
	mu        sync.Mutex
	posts     map[string]channel.Published // by idempotency key
	publishes map[string]int
	finds     int
	refreshes int
	latency   time.Duration
	// errs are returned by the next Publish calls, in order.
	errs []error
	// beforeReturn runs after a post is made and before Publish returns
	// (a crash between the network's success and our record).
	crash func(key string) bool
	// unauthorized tokens are refused until a refresh.
	badToken string
	mentions []channel.Mention
	n        int
}

func newFake() *fake {
	return &fake{posts: map[string]channel.Published{}, publishes: map[string]int{}}
}

type conn struct {
	f     *fake
	creds channel.Credentials
}

func (f *fake) factory(acc channel.Account, creds channel.Credentials, _ *http.Client) (channel.Connector, error) {
	return &conn{f: f, creds: creds}, nil
}

func (c *conn) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	f := c.f
	if f.latency > 0 {
		time.Sleep(f.latency)
	}
	f.mu.Lock()
	f.publishes[p.IdempotencyKey]++
	if f.badToken != "" && c.creds["access_token"] == f.badToken {
		f.mu.Unlock()
		return channel.Published{}, &channel.Error{Kind: channel.Unauthorized, Status: 401, Message: "The access token is invalid"}
	}
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		f.mu.Unlock()
		return channel.Published{}, err
	}
	pub, ok := f.posts[p.IdempotencyKey]
	if !ok {
		f.n++
		pub = channel.Published{ExternalID: fmt.Sprint(1000 + f.n), URL: fmt.Sprintf("https://social.example/@mfa/%d", 1000+f.n), At: time.Now()}
		f.posts[p.IdempotencyKey] = pub
	}
	crash := f.crash
	f.mu.Unlock()
	if crash != nil && crash(p.IdempotencyKey) {
		return channel.Published{}, context.Canceled
	}
	return pub, nil
}

func (c *conn) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.finds++
	pub, ok := c.f.posts[p.IdempotencyKey]
	return pub, ok, nil
}

func (c *conn) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	var out []channel.Mention
	for _, m := range c.f.mentions {
		if m.ExternalID > cursor {
			out = append(out, m)
		}
	}
	next := cursor
	if len(out) > 0 {
		next = out[len(out)-1].ExternalID
	}
	return out, next, nil
}

func (c *conn) Metrics(ctx context.Context, ids []string) (map[string]channel.Metrics, error) {
	out := map[string]channel.Metrics{}
	for i, id := range ids {
		out[id] = channel.Metrics{Likes: int64(10 + i), Reposts: 2}
	}
	return out, nil
}

func (c *conn) Refresh(ctx context.Context) (channel.Credentials, time.Time, bool, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.refreshes++
	// A refresh that returns a new access token but no refresh token.
	return channel.Credentials{"access_token": "fresh-token"}, time.Now().Add(time.Hour), true, nil
}

func (f *fake) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.publishes[key]
}

// world is an organisation with an editor, a reviewer and fake accounts.
type world struct {
	t        *testing.T
	d        *db.DB
	svc      *campaign.Service
	pub      *publish.Publisher
	box      *secret.Box
	editor   *authz.Principal
	reviewer *authz.Principal
	org      org.Org
	c        campaign.Campaign
	accounts []channel.Account
	fake     *fake
}

func newWorld(t *testing.T, e testutil.Engine, accounts int, cfg publish.EngineConfig) *world {
	t.Helper()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: e.DB, box: box, fake: newFake()}
	w.svc = &campaign.Service{DB: e.DB}
	w.org = org.Org{Slug: "mfa", Name: "MFA", Kind: org.Ministry, TimeZone: "Europe/Kyiv"}
	if err := org.InsertOrg(ctx, e.DB.W(), &w.org); err != nil {
		t.Fatal(err)
	}
	w.editor = w.person("editor@mfa.example", authz.Editor)
	w.reviewer = w.person("reviewer@mfa.example", authz.Reviewer)
	for i := range accounts {
		a := channel.Account{OrgID: w.org.ID, Network: "mastodon", Name: fmt.Sprintf("MFA %d", i), Handle: fmt.Sprintf("@mfa%d", i), Language: "en"}
		if err := channel.Insert(ctx, e.DB.W(), &a); err != nil {
			t.Fatal(err)
		}
		if err := channel.SetCredentials(ctx, e.DB.W(), box, w.org.ID, a.ID, channel.Credentials{"access_token": "token", "refresh_token": "keep-me"}, nil); err != nil {
			t.Fatal(err)
		}
		w.accounts = append(w.accounts, a)
	}
	w.c = campaign.Campaign{Title: "Grain from Ukraine", Period: campaign.Period{Start: "2026-01-01", End: "2027-12-31"}}
	if err := w.svc.Create(ctx, w.editor, audit.System, w.org, &w.c, nil); err != nil {
		t.Fatal(err)
	}
	w.pub = &publish.Publisher{DB: e.DB, Box: box, Campaigns: w.svc, Registry: channel.Registry{"mastodon": w.fake.factory},
		MaxAttempts: 5}
	if cfg.FetchPoll == 0 {
		cfg.FetchPoll = 50 * time.Millisecond
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return 100 * time.Millisecond }
	}
	cfg.NoPeriodic = true
	if err := w.pub.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	w.svc.Outbox = w.pub
	return w
}

func (w *world) start() {
	w.t.Helper()
	if err := w.pub.Start(ctx); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = w.pub.Stop(sctx)
	})
}

func (w *world) person(email string, role authz.Role) *authz.Principal {
	var id int64
	if err := w.d.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, ?) RETURNING id", email, "Name "+email, time.Now().UTC()).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	if err := org.AddMember(ctx, w.d.W(), w.org.ID, id, role); err != nil {
		w.t.Fatal(err)
	}
	return &authz.Principal{UserID: id, Email: email, Memberships: []authz.Membership{{OrgID: w.org.ID, Role: role}}}
}

// submitted creates a variant on account i scheduled at `at`, in review.
func (w *world) submitted(i int, at time.Time, text string) campaign.Variant {
	w.t.Helper()
	it := campaign.Item{Title: "Harvest", Text: text}
	if err := w.svc.CreateItem(ctx, w.editor, w.c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: w.accounts[i].ID, Language: "en", Text: text, ScheduledAt: &at}}); err != nil {
		w.t.Fatal(err)
	}
	v, err := w.svc.Submit(ctx, w.editor, it.Variants[0].ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func (w *world) approve(v campaign.Variant) campaign.Variant {
	w.t.Helper()
	got, err := w.svc.Approve(ctx, w.reviewer, audit.System, v.ID, "")
	if err != nil || got.State != campaign.StateScheduled {
		w.t.Fatalf("approve: %+v, %v", got, err)
	}
	return got
}

func (w *world) variant(id int64) campaign.Variant {
	w.t.Helper()
	v, _, _, err := w.svc.GetVariant(ctx, w.editor, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// waitState waits until the variant reaches one of states.
func (w *world) waitState(id int64, within time.Duration, states ...campaign.State) campaign.Variant {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		v := w.variant(id)
		for _, s := range states {
			if v.State == s {
				return v
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("variant %d is %s (error %q) after %s, want %v", id, v.State, v.Error, within, states)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *world) jobs(id int64) int {
	w.t.Helper()
	res, err := w.pub.Engine.Client.JobList(ctx, river.NewJobListParams().Kinds("publish_variant").First(10000))
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, j := range res.Jobs {
		var a publish.Args
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			w.t.Fatal(err)
		}
		if a.VariantID == id {
			n++
		}
	}
	return n
}

func key(v campaign.Variant) string { return channel.IdempotencyKey(v.ID, v.Version) }

func TestPublishHappyPath(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		w.start()
		v := w.submitted(0, time.Now().Add(-time.Hour), "The harvest is in: https://mfa.example/grain")
		start := time.Now()
		w.approve(v)
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished, campaign.StateFailed)
		if got.State != campaign.StatePublished || got.ExternalID == "" || got.URL == "" || got.PublishedAt == nil || got.Error != "" {
			t.Fatalf("published variant: %+v", got)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("a past-due variant took %s to go out", d)
		}
		if n := w.fake.count(key(got)); n != 1 {
			t.Errorf("publish calls: %d, want 1", n)
		}
		var outcome string
		var attempts int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*), MAX(outcome) FROM publish_attempts WHERE variant_id = ?", v.ID).Scan(&attempts, &outcome); err != nil || attempts != 1 || outcome != "published" {
			t.Errorf("attempts: %d %q %v", attempts, outcome, err)
		}
		acc, _ := channel.Get(ctx, e.DB.R(), w.org.ID, w.accounts[0].ID)
		if acc.LastSuccessAt == nil {
			t.Error("account success not recorded")
		}
		// The text went out with its links tagged (UTM).
		// Enqueueing again (a restart) does nothing.
		if n, err := w.pub.EnqueueMissing(ctx); err != nil || n != 0 {
			t.Errorf("enqueue missing after publishing: %d, %v", n, err)
		}
	})
}

func TestApproveEnqueuesInTransaction(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		v := w.submitted(0, time.Now().Add(time.Hour), "Later")
		// A rollback takes the job with it.
		boom := errors.New("boom")
		err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := w.pub.EnqueueTx(ctx, tx, v.ID, v.Version, time.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || w.jobs(v.ID) != 0 {
			t.Fatalf("rolled back enqueue left %d jobs (%v)", w.jobs(v.ID), err)
		}
		w.approve(v)
		if n := w.jobs(v.ID); n != 1 {
			t.Fatalf("jobs after approval: %d", n)
		}
		// Enqueueing the same version again is a no-op.
		if n, err := w.pub.EnqueueMissing(ctx); err != nil || n != 0 || w.jobs(v.ID) != 1 {
			t.Fatalf("enqueue missing: %d %v, jobs %d", n, err, w.jobs(v.ID))
		}
	})
}

func TestReopenAfterEnqueueIsNoop(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		at := time.Now().Add(-time.Minute)
		v := w.approve(w.submitted(0, at, "First words"))
		// Reopened (edited) before the engine runs: the old version's job
		// must not publish.
		if _, err := w.svc.EditVariant(ctx, w.editor, v.ID, campaign.VariantInput{ChannelAccountID: w.accounts[0].ID, Language: "en", Text: "Second words", ScheduledAt: &at}, true); err != nil {
			t.Fatal(err)
		}
		w.start()
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			var left int
			_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = 'publish_variant' AND state <> 'completed'").Scan(&left)
			if left == 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		got := w.variant(v.ID)
		if got.State != campaign.StateDraft || w.fake.count(key(v)) != 0 || w.fake.count(key(got)) != 0 {
			t.Fatalf("reopened variant: %s, publishes %d/%d", got.State, w.fake.count(key(v)), w.fake.count(key(got)))
		}
	})
}

func TestTransientThenSuccess(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		w.fake.errs = []error{
			&channel.Error{Kind: channel.Transient, Status: 503, Message: "Service Unavailable"},
			&channel.Error{Kind: channel.Transient, Status: 429, Message: "Too many requests", RetryAfter: 300 * time.Millisecond},
		}
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Retry me"))
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished, campaign.StateFailed)
		if got.State != campaign.StatePublished || got.Error != "" {
			t.Fatalf("after transient errors: %+v", got)
		}
		if n := w.fake.count(key(v)); n != 3 {
			t.Errorf("publish calls: %d, want 3", n)
		}
		var outcomes []string
		rows, _ := e.DB.R().QueryContext(ctx, "SELECT outcome FROM publish_attempts WHERE variant_id = ? ORDER BY attempt", v.ID)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			outcomes = append(outcomes, s)
		}
		rows.Close()
		if fmt.Sprint(outcomes) != "[transient transient published]" {
			t.Errorf("outcomes: %v", outcomes)
		}
	})
}

func TestPermanentFailsAndNotifies(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		w.fake.errs = []error{&channel.Error{Kind: channel.Permanent, Status: 422, Message: "Validation failed: Text character limit of 500 exceeded"}}
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Refused"))
		got := w.waitState(v.ID, 15*time.Second, campaign.StateFailed, campaign.StatePublished)
		if got.State != campaign.StateFailed || got.Error == "" || got.ExternalID != "" {
			t.Fatalf("failed variant: %+v", got)
		}
		ns, err := (&notify.Service{DB: e.DB}).List(ctx, w.editor.UserID, false, 10)
		if err != nil || len(ns) != 1 || ns[0].Kind != publish.NotifyFailed {
			t.Fatalf("author's notifications: %+v, %v", ns, err)
		}
		acc, _ := channel.Get(ctx, e.DB.R(), w.org.ID, w.accounts[0].ID)
		if acc.LastError == "" {
			t.Error("account error not recorded")
		}
		time.Sleep(300 * time.Millisecond)
		if n := w.fake.count(key(v)); n != 1 {
			t.Errorf("publish calls after a permanent error: %d", n)
		}
	})
}

func TestUnauthorizedRefreshes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		w.fake.badToken = "token"
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Refresh first"))
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished, campaign.StateFailed)
		if got.State != campaign.StatePublished {
			t.Fatalf("after refresh: %+v", got)
		}
		creds, err := channel.LoadCredentials(ctx, e.DB.R(), w.box, w.accounts[0].ID)
		if err != nil || creds["access_token"] != "fresh-token" || creds["refresh_token"] != "keep-me" {
			t.Fatalf("stored credentials after refresh: %v, %v", creds, err)
		}
		if w.fake.refreshes != 1 {
			t.Errorf("refreshes: %d", w.fake.refreshes)
		}
	})
}

func TestCrashedAttemptIsFound(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		// The post is made, then the process "dies" before recording the
		// outcome: the attempt stays without one, the job is retried.
		var crashed atomic.Bool
		w.fake.crash = func(string) bool { return crashed.CompareAndSwap(false, true) }
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Crash in the middle"))
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished, campaign.StateFailed)
		if got.State != campaign.StatePublished {
			t.Fatalf("after crash: %+v", got)
		}
		if n := w.fake.count(key(v)); n != 1 {
			t.Errorf("publish calls: %d, want 1 (the retry must find the post)", n)
		}
		if w.fake.finds != 1 {
			t.Errorf("finds: %d", w.fake.finds)
		}
		var outcome string
		_ = e.DB.R().QueryRowContext(ctx, "SELECT outcome FROM publish_attempts WHERE variant_id = ? ORDER BY attempt DESC LIMIT 1", v.ID).Scan(&outcome)
		if outcome != "found" {
			t.Errorf("last outcome %q, want found", outcome)
		}
	})
}

func TestEnqueueMissingOnStart(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		w.svc.Outbox = nil // approved before the engine existed
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Old approval"))
		if w.jobs(v.ID) != 0 {
			t.Fatal("job without an outbox")
		}
		w.start()
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished)
		if n := w.fake.count(key(got)); n != 1 {
			t.Errorf("publish calls: %d", n)
		}
	})
}

func TestMetricsAndMentions(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Count me"))
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished)
		pub := *got.PublishedAt
		// Nothing is due before +15 min; then once per scheduled point.
		for _, x := range []struct {
			at   time.Duration
			want int
		}{{5 * time.Minute, 0}, {16 * time.Minute, 1}, {20 * time.Minute, 0}, {61 * time.Minute, 1}, {48*time.Hour + time.Minute, 1}, {48*time.Hour + 2*time.Minute, 0}} {
			n, err := w.pub.PollMetrics(ctx, pub.Add(x.at))
			if err != nil || n != x.want {
				t.Fatalf("metrics at +%s: %d, %v; want %d", x.at, n, err, x.want)
			}
		}
		var rows int
		var likes int64
		_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*), MAX(likes) FROM post_metrics WHERE variant_id = ?", v.ID).Scan(&rows, &likes)
		if rows != 3 || likes != 10 {
			t.Errorf("post_metrics: %d rows, likes %d", rows, likes)
		}

		// A standing topic of the organisation matches pulled replies.
		tp := listen.Topic{OrgID: w.accounts[0].OrgID, Name: "Grain", Query: "grain"}
		if err := listen.CreateTopic(ctx, e.DB.W(), &tp); err != nil {
			t.Fatal(err)
		}
		w.fake.mu.Lock()
		w.fake.mentions = []channel.Mention{
			{ExternalID: "a1", AuthorHandle: "@someone@social.example", Text: "Thank you!", InReplyTo: got.ExternalID, At: time.Now()},
			{ExternalID: "a2", AuthorHandle: "@other@social.example", Text: "Where is the grain going?", At: time.Now()},
		}
		w.fake.mu.Unlock()
		if n, err := w.pub.PullMentions(ctx); err != nil || n != 2 {
			t.Fatalf("pull mentions: %d, %v", n, err)
		}
		w.fake.mu.Lock()
		w.fake.mentions = append(w.fake.mentions, channel.Mention{ExternalID: "a3", Text: "More", At: time.Now()})
		w.fake.mu.Unlock()
		if n, err := w.pub.PullMentions(ctx); err != nil || n != 1 {
			t.Fatalf("second pull: %d, %v", n, err)
		}
		var cursor string
		_ = e.DB.R().QueryRowContext(ctx, "SELECT cursor FROM mention_cursors WHERE account_id = ?", w.accounts[0].ID).Scan(&cursor)
		if cursor != "a3" {
			t.Errorf("cursor %q", cursor)
		}
		matched, err := listen.List(ctx, e.DB.R(), w.accounts[0].OrgID, listen.Filter{TopicID: tp.ID})
		if err != nil || len(matched) != 1 || matched[0].ExternalID != "a2" || matched[0].AccountID != w.accounts[0].ID {
			t.Errorf("the topic's matches among the pulled replies: %+v %v", matched, err)
		}
	})
}

// A process killed between recording its attempt and hearing back from the
// network leaves an attempt without an outcome and the variant
// "publishing": the next run asks the network first.
func TestKilledMidSendIsFound(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Killed mid-send"))
		w.fake.posts[key(v)] = channel.Published{ExternalID: "777", URL: "https://social.example/@mfa/777"}
		if _, err := e.DB.W().ExecContext(ctx, "UPDATE variants SET state = 'publishing' WHERE id = ?", v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.W().ExecContext(ctx, "INSERT INTO publish_attempts (variant_id, version, attempt, started_at) VALUES (?, ?, 1, ?)", v.ID, v.Version, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		w.start()
		got := w.waitState(v.ID, 15*time.Second, campaign.StatePublished, campaign.StateFailed)
		if got.State != campaign.StatePublished || got.ExternalID != "777" {
			t.Fatalf("after a kill: %+v", got)
		}
		if n := w.fake.count(key(v)); n != 0 {
			t.Errorf("publish calls: %d, want 0", n)
		}
	})
}
