package publish_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/bluesky"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/channel/linkedin"
	"github.com/attache-project/attache/internal/channel/xapi"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/testutil"
)

// refreshWorld is an organisation with an admin and an editor (who manage
// channels) and a reviewer (who does not), and a publisher with the real
// X, LinkedIn and Bluesky connectors. The refresh job is driven directly.
type refreshWorld struct {
	t                       *testing.T
	e                       testutil.Engine
	box                     *secret.Box
	org                     org.Org
	pub                     *publish.Publisher
	admin, editor, reviewer int64
	notifications           *notify.Service
	accounts                int
}

func newRefreshWorld(t *testing.T, e testutil.Engine) *refreshWorld {
	t.Helper()
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	w := &refreshWorld{t: t, e: e, box: box, notifications: &notify.Service{DB: e.DB}}
	w.org = org.Org{Slug: "mfa", Name: "MFA", Kind: org.Ministry, TimeZone: "Europe/Kyiv"}
	if err := org.InsertOrg(ctx, e.DB.W(), &w.org); err != nil {
		t.Fatal(err)
	}
	person := func(email string, role authz.Role) int64 {
		var id int64
		if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, ?) RETURNING id", email, "Name "+email, time.Now().UTC()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := org.AddMember(ctx, e.DB.W(), w.org.ID, id, role); err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.admin = person("admin@mfa.example", authz.Admin)
	w.editor = person("editor@mfa.example", authz.Editor)
	w.reviewer = person("reviewer@mfa.example", authz.Reviewer)
	w.pub = &publish.Publisher{DB: e.DB, Box: box, HTTP: netguard.Client(true, 5*time.Second),
		Registry: channel.Registry{limits.X: xapi.New, limits.LinkedIn: linkedin.New, limits.Bluesky: bluesky.New}}
	return w
}

// account stores a connected account on base with creds, its token
// expiring at expires (nil: unknown).
func (w *refreshWorld) account(n limits.Network, base string, creds channel.Credentials, expires *time.Time) channel.Account {
	w.t.Helper()
	w.accounts++
	a := channel.Account{OrgID: w.org.ID, Network: n, Name: "MFA on " + limits.Label(n), Handle: "@mfa" + string(rune('a'+w.accounts)), Language: "en", BaseURL: base}
	if err := channel.Insert(ctx, w.e.DB.W(), &a); err != nil {
		w.t.Fatal(err)
	}
	if expires != nil {
		e := expires.UTC().Truncate(time.Microsecond)
		expires = &e
	}
	if err := channel.SetCredentials(ctx, w.e.DB.W(), w.box, w.org.ID, a.ID, creds, expires); err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *refreshWorld) creds(a channel.Account) channel.Credentials {
	w.t.Helper()
	c, err := channel.LoadCredentials(ctx, w.e.DB.R(), w.box, a.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *refreshWorld) get(a channel.Account) channel.Account {
	w.t.Helper()
	got, err := channel.Get(ctx, w.e.DB.R(), w.org.ID, a.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

func (w *refreshWorld) refresh(want int) {
	w.t.Helper()
	n, err := w.pub.RefreshExpiring(ctx, time.Now().UTC())
	if err != nil || n != want {
		w.t.Fatalf("RefreshExpiring: %d, %v; want %d", n, err, want)
	}
}

// reconnectNotices counts a user's notifications asking to reconnect.
func (w *refreshWorld) reconnectNotices(user int64) []notify.Notification {
	w.t.Helper()
	ns, err := w.notifications.List(ctx, user, false, 50)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []notify.Notification
	for _, n := range ns {
		if n.Kind == publish.NotifyReconnect {
			out = append(out, n)
		}
	}
	return out
}

func at(d time.Duration) *time.Time {
	t := time.Now().Add(d)
	return &t
}

func near(t *testing.T, got *time.Time, want time.Time, what string) {
	t.Helper()
	if got == nil || got.Sub(want).Abs() > time.Minute {
		t.Errorf("%s: %v, want about %v", what, got, want)
	}
}

// An X token expiring within the day is renewed: the rotated refresh
// token and the new access token are stored sealed with the new expiry;
// an account whose token lives longer is left alone.
func TestRefreshExpiringRotates(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newRefreshWorld(t, e)
		fx := testutil.NewFakeX(t, "access-0", "refresh-0")
		later := testutil.NewFakeX(t, "access-L", "refresh-L")
		soon := w.account(limits.X, fx.URL, channel.Credentials{"access_token": "access-0", "refresh_token": "refresh-0", "client_id": fx.ClientID}, at(time.Hour))
		far := w.account(limits.X, later.URL, channel.Credentials{"access_token": "access-L", "refresh_token": "refresh-L", "client_id": later.ClientID}, at(72*time.Hour))

		w.refresh(1)
		c := w.creds(soon)
		if c["access_token"] != "access-1" || c["refresh_token"] != "refresh-1" || c["client_id"] != fx.ClientID || fx.RefreshToken() != "refresh-1" {
			t.Fatalf("stored after refresh: %v (fake's refresh token %s)", c, fx.RefreshToken())
		}
		got := w.get(soon)
		near(t, got.TokenExpiresAt, time.Now().Add(2*time.Hour), "expiry after refresh") // X: expires_in 7200
		if got.LastSuccessAt == nil || got.LastError != "" {
			t.Errorf("account health: success %v, error %q", got.LastSuccessAt, got.LastError)
		}
		var sealed string
		if err := e.DB.R().QueryRowContext(ctx, "SELECT credentials FROM channel_accounts WHERE id = ?", soon.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "access-1") || strings.Contains(sealed, "refresh-1") {
			t.Errorf("credentials at rest: %q", sealed)
		}
		if c := w.creds(far); c["access_token"] != "access-L" || len(later.Requests()) != 0 {
			t.Errorf("an account expiring in 3 days was renewed: %v, %d requests", c, len(later.Requests()))
		}
		near(t, w.get(far).TokenExpiresAt, time.Now().Add(72*time.Hour), "untouched expiry")

		// A two-hour token is inside the day's window: renewed on every
		// run, each time with the refresh token stored by the last one.
		w.refresh(1)
		if c := w.creds(soon); c["refresh_token"] != "refresh-2" || c["access_token"] != "access-2" {
			t.Fatalf("second run: %v", c)
		}
		// Archived and disconnected accounts are not renewed.
		if err := channel.Archive(ctx, e.DB.W(), w.org.ID, soon.ID); err != nil {
			t.Fatal(err)
		}
		w.refresh(0)
	})
}

// LinkedIn keeps its refresh token (it is not rotated): the stored one
// and the other entries stay; the new token lives 60 days, so the next run
// leaves it alone.
func TestRefreshKeepsRefreshToken(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newRefreshWorld(t, e)
		fl := testutil.NewFakeLinkedIn(t, "li-access-0", "li-refresh-0")
		creds := channel.Credentials{"access_token": "li-access-0", "refresh_token": "li-refresh-0", "client_id": fl.ClientID,
			"client_secret": fl.ClientSecret, "author_urn": "urn:li:organization:2414183"}
		a := w.account(limits.LinkedIn, fl.URL, creds, at(-time.Hour)) // already expired: still renewed
		w.refresh(1)
		c := w.creds(a)
		if c["access_token"] != "li-access-1" || c["refresh_token"] != "li-refresh-0" || c["client_secret"] != fl.ClientSecret || c["author_urn"] != creds["author_urn"] {
			t.Fatalf("stored after refresh: %v", c)
		}
		near(t, w.get(a).TokenExpiresAt, time.Now().Add(60*24*time.Hour), "LinkedIn expiry")
		w.refresh(0)
	})
}

// A refresh the network refuses (revoked refresh token) records the error
// on the account and notifies the channel managers once, however many
// runs meet it; after the account worked again, a new refusal notifies
// again. A transient failure is recorded and retried, without a notice.
func TestRefreshRefused(t *testing.T) {
	defer publish.SetRefusalRecheck(10 * time.Millisecond)()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newRefreshWorld(t, e)
		fx := testutil.NewFakeX(t, "access-0", "refresh-0")
		a := w.account(limits.X, fx.URL, channel.Credentials{"access_token": "access-0", "refresh_token": "revoked", "client_id": fx.ClientID}, at(30*time.Minute))
		for range 3 {
			w.refresh(0)
		}
		got := w.get(a)
		if !strings.Contains(got.LastError, "refused to renew") || got.LastErrorAt == nil {
			t.Fatalf("account error: %q", got.LastError)
		}
		for _, u := range []int64{w.admin, w.editor} {
			ns := w.reconnectNotices(u)
			if len(ns) != 1 || !strings.Contains(ns[0].Title, a.Name) || ns[0].Link != "/o/mfa/channels/"+itoa(a.ID)+"/edit" || ns[0].OrgID != w.org.ID {
				t.Fatalf("manager %d notices: %+v", u, ns)
			}
		}
		if ns := w.reconnectNotices(w.reviewer); len(ns) != 0 {
			t.Fatalf("a reviewer (no channel management) was notified: %+v", ns)
		}
		if c := w.creds(a); c["refresh_token"] != "revoked" || c["access_token"] != "access-0" {
			t.Errorf("credentials changed by a refused refresh: %v", c)
		}

		// The account works again (a publish succeeded), then is refused
		// again: a second notice.
		if err := channel.RecordSuccess(ctx, e.DB.W(), a.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		w.refresh(0)
		w.refresh(0)
		if ns := w.reconnectNotices(w.editor); len(ns) != 2 {
			t.Fatalf("after a success and a new refusal: %d notices", len(ns))
		}

		// Transient: 503 from the token endpoint is recorded, not told,
		// and the next run renews.
		fy := testutil.NewFakeX(t, "access-0", "refresh-0")
		b := w.account(limits.X, fy.URL, channel.Credentials{"access_token": "access-0", "refresh_token": "refresh-0", "client_id": fy.ClientID}, at(time.Hour))
		fy.FailRefresh(1)
		w.refresh(0)
		if got := w.get(b); !strings.Contains(got.LastError, "credentials refresh") {
			t.Errorf("transient failure not recorded: %q", got.LastError)
		}
		if ns := w.reconnectNotices(w.editor); len(ns) != 2 {
			t.Errorf("a transient failure notified: %d notices", len(ns))
		}
		w.refresh(1)
		if c := w.creds(b); c["refresh_token"] != "refresh-1" {
			t.Errorf("after the retry: %v", c)
		}
	})
}

// Several renewals of one account at once (publish jobs meeting the same
// expired token, and the refresh job) never use X's rotating refresh token
// twice: one that waited for another takes the stored result (or, having
// started from it, renews it in turn); nothing is refused.
func TestConcurrentRenewalsAreNotRefused(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newRefreshWorld(t, e)
		fx := testutil.NewFakeX(t, "access-0", "refresh-0")
		a := w.account(limits.X, fx.URL, channel.Credentials{"access_token": "access-0", "refresh_token": "refresh-0", "client_id": fx.ClientID}, at(time.Hour))
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.pub.RefreshExpiring(ctx, time.Now().UTC())
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		token := 0
		for _, r := range fx.Requests() {
			if r.Path == "/2/oauth2/token" {
				token++
			}
		}
		c := w.creds(a)
		if c["refresh_token"] != fx.RefreshToken() || c["access_token"] != "access-"+strings.TrimPrefix(fx.RefreshToken(), "refresh-") {
			t.Fatalf("stored %v, the fake's refresh token is %s", c, fx.RefreshToken())
		}
		if got := w.get(a); got.LastError != "" || len(w.reconnectNotices(w.editor)) != 0 {
			t.Fatalf("a concurrent renewal was taken for a refusal: %q", got.LastError)
		}
		if ok := fx.RefreshToken(); token != 0 && ok != "refresh-"+strconv.Itoa(token) {
			t.Fatalf("%d token requests but the fake is at %s: a refresh token was used twice", token, ok)
		}
	})
}

// Bluesky renews an expired session by itself while reading replies and
// metrics; the renewed session (Bluesky rotates the refresh token) is
// stored, so the next read does not need the app password again.
func TestBlueskyReadsStoreRenewedSession(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newRefreshWorld(t, e)
		const handle, password = "mfa.example.gov", "abcd-efgh-ijkl-mnop"
		fb := testutil.NewFakeBluesky(t, handle, password)
		// Connected with the app password; the first read creates a
		// session, which is stored.
		a := w.account(limits.Bluesky, fb.URL, channel.Credentials{"identifier": handle, "app_password": password}, nil)
		fb.AddNotification("mention", "someone.bsky.social", "Hello @"+handle, "")
		if _, err := w.pub.PullMentions(ctx); err != nil {
			t.Fatal(err)
		}
		first := w.creds(a)
		if first["access_jwt"] == "" || first["refresh_jwt"] == "" || first["did"] != fb.DID || first["app_password"] != password {
			t.Fatalf("session not stored after the first read: %v", first)
		}
		near(t, w.get(a).TokenExpiresAt, time.Now().Add(2*time.Hour), "session expiry")
		sessions := fb.Count("com.atproto.server.createSession")

		// The access token expires; the read renews it with the refresh
		// token (which the PDS revokes as it rotates it) and stores both.
		fb.Expire()
		fb.AddNotification("reply", "other.bsky.social", "A question", "")
		if n, err := w.pub.PullMentions(ctx); err != nil || n != 1 {
			t.Fatalf("pull after expiry: %d, %v", n, err)
		}
		second := w.creds(a)
		if second["access_jwt"] == first["access_jwt"] || second["refresh_jwt"] == first["refresh_jwt"] || second["app_password"] != password {
			t.Fatalf("renewed session not stored: %v", second)
		}
		if fb.Count("com.atproto.server.refreshSession") != 1 {
			t.Errorf("refreshSession calls: %d", fb.Count("com.atproto.server.refreshSession"))
		}
		// The next expiry is renewed from the stored (rotated) refresh
		// token, not by logging in again.
		fb.Expire()
		fb.AddNotification("reply", "third.bsky.social", "Another", "")
		if n, err := w.pub.PullMentions(ctx); err != nil || n != 1 {
			t.Fatalf("third pull: %d, %v", n, err)
		}
		if fb.Count("com.atproto.server.refreshSession") != 2 {
			t.Errorf("refreshSession calls: %d", fb.Count("com.atproto.server.refreshSession"))
		}
		if got := fb.Count("com.atproto.server.createSession"); got != sessions {
			t.Errorf("createSession calls went from %d to %d: a stored session was not usable", sessions, got)
		}
		if got := w.get(a); got.LastError != "" {
			t.Errorf("account error: %q", got.LastError)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A renewal that answers no refresh token (networks that do not rotate
// and do not repeat it) keeps the stored one.
func TestRefreshWithoutRefreshTokenKeepsIt(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 2, publish.EngineConfig{})
		soon := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Microsecond)
		if err := channel.SetCredentials(ctx, e.DB.W(), w.box, w.org.ID, w.accounts[0].ID, channel.Credentials{"access_token": "token", "refresh_token": "keep-me"}, &soon); err != nil {
			t.Fatal(err)
		}
		if n, err := w.pub.RefreshExpiring(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("RefreshExpiring: %d, %v", n, err)
		}
		creds, err := channel.LoadCredentials(ctx, e.DB.R(), w.box, w.accounts[0].ID)
		if err != nil || creds["access_token"] != "fresh-token" || creds["refresh_token"] != "keep-me" {
			t.Fatalf("stored: %v, %v", creds, err)
		}
		acc, _ := channel.Get(ctx, e.DB.R(), w.org.ID, w.accounts[0].ID)
		near(t, acc.TokenExpiresAt, time.Now().Add(time.Hour), "expiry")
		// The other account has no known expiry: left to the 401 path.
		if w.fake.refreshes != 1 {
			t.Errorf("refreshes: %d", w.fake.refreshes)
		}
	})
}
