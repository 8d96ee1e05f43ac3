package app_test

// Connecting channel accounts through the web UI: the OAuth sign-in of X,
// LinkedIn, Facebook (with the choice of a page), Instagram and Threads
// through real HTTP — a cookie-keeping browser follows the redirects to the
// fake network and back — and token entry and disconnection through the
// forms, on both engines.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

// connectEnv is a fixture served on a real address (the networks send the
// browser back to it), allowed to reach the fakes on 127.0.0.1.
type connectEnv struct {
	f   *Fixture
	srv *httptest.Server
}

func newConnectEnv(t *testing.T, e testutil.Engine) *connectEnv {
	t.Helper()
	f := NewFixture(t, e, WithPasswords())
	f.Config.AllowPriv = true
	f.HTTP = netguard.Client(true, 10*time.Second)
	h, err := f.App.Handler(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.H = h
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.Config.BaseURL = srv.URL
	return &connectEnv{f: f, srv: srv}
}

// webClient is a signed-in browser on the real address.
type webClient struct {
	t   *testing.T
	env *connectEnv
	c   *http.Client
}

func (env *connectEnv) signIn(t *testing.T, u *TestUser) *webClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	wc := &webClient{t: t, env: env, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	resp, body := wc.post("/login", url.Values{"email": {u.Email}, "password": {env.f.Password}})
	if resp.StatusCode != 200 || strings.Contains(body, `action="/login"`) {
		t.Fatalf("sign in %s: %d %.300s", u.Email, resp.StatusCode, body)
	}
	return wc
}

func (wc *webClient) read(resp *http.Response, err error) (*http.Response, string) {
	wc.t.Helper()
	if err != nil {
		wc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusBadGateway {
		wc.t.Errorf("%s: status %d: %.500s\nlog: %s", resp.Request.URL, resp.StatusCode, b, wc.env.f.Logs.String())
	}
	return resp, string(b)
}

func (wc *webClient) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return wc.env.srv.URL + path
}

func (wc *webClient) get(path string) (*http.Response, string) {
	return wc.read(wc.c.Get(wc.url(path)))
}

func (wc *webClient) post(path string, form url.Values) (*http.Response, string) {
	return wc.read(wc.c.PostForm(wc.url(path), form))
}

// startSignIn presses "Connect with …" and follows the redirects to the
// network and back, stopping before Attaché's callback: it returns the
// callback URL the network sent the browser to.
func (wc *webClient) startSignIn(accID int64) string {
	wc.t.Helper()
	c := *wc.c
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/oauth/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, body := wc.read(c.PostForm(wc.url(fmt.Sprintf("/o/ministry-alpha/channels/%d/oauth", accID)), url.Values{}))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, wc.env.srv.URL+"/oauth/callback?") {
		wc.t.Fatalf("sign-in start: %d Location %q: %.300s", resp.StatusCode, loc, body)
	}
	return loc
}

// connect runs a whole sign-in and returns where it ended.
func (wc *webClient) connect(accID int64) (*http.Response, string) {
	return wc.post(fmt.Sprintf("/o/ministry-alpha/channels/%d/oauth", accID), url.Values{})
}

func (env *connectEnv) account(t *testing.T, n limits.Network, handle, baseURL string) channel.Account {
	t.Helper()
	acc := channel.Account{OrgID: env.f.A.ID, Network: n, Name: limits.Label(n) + " of Alpha", Handle: handle, Language: "en", BaseURL: baseURL}
	if err := channel.Insert(context.Background(), env.f.DB.W(), &acc); err != nil {
		t.Fatal(err)
	}
	return acc
}

func (env *connectEnv) reload(t *testing.T, id int64) (channel.Account, channel.Credentials, string) {
	t.Helper()
	ctx := context.Background()
	acc, err := channel.Get(ctx, env.f.DB.R(), env.f.A.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := channel.LoadCredentials(ctx, env.f.DB.R(), env.f.Auth.Box, id)
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := env.f.DB.R().QueryRowContext(ctx, "SELECT credentials FROM channel_accounts WHERE id = ?", id).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	for k, v := range creds {
		if len(v) >= 6 && strings.Contains(raw, v) {
			t.Errorf("the credentials column holds %s in clear", k)
		}
	}
	return acc, creds, raw
}

func (env *connectEnv) auditCount(t *testing.T, action string) int {
	t.Helper()
	var n int
	if err := env.f.DB.R().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE action = ? AND org_id = ?", action, env.f.A.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantEnd(t *testing.T, what string, resp *http.Response, body, path string, parts ...string) {
	t.Helper()
	if resp.StatusCode != 200 || resp.Request.URL.Path+"?"+resp.Request.URL.RawQuery != path {
		t.Fatalf("%s: ended at %d %s, want %s: %.400s", what, resp.StatusCode, resp.Request.URL, path, body)
	}
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: the page lacks %q", what, p)
		}
	}
}

func TestWebConnectX(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		env := newConnectEnv(t, e)
		fake := testutil.NewFakeX(t, "unused-access", "unused-refresh")
		fake.ClientSecret = "x-app-secret-9f3c"
		acc := env.account(t, limits.X, "@AlphaMFA", fake.URL)
		admin := env.signIn(t, env.f.Members[authz.Admin])

		// Without the operator's app: no button, a sentence for the admin.
		_, body := admin.get(fmt.Sprintf("/o/ministry-alpha/channels/%d/connect", acc.ID))
		if strings.Contains(body, "/oauth\"") || !strings.Contains(body, "--oauth-x-client-id") || !strings.Contains(body, env.srv.URL+"/oauth/callback") {
			t.Fatalf("connect page without an X app: %.2000s", body)
		}
		env.f.Config.OAuthXID, env.f.Config.OAuthXSecret = fake.ClientID, fake.ClientSecret
		_, body = admin.get(fmt.Sprintf("/o/ministry-alpha/channels/%d/connect", acc.ID))
		if !strings.Contains(body, fmt.Sprintf(`action="/o/ministry-alpha/channels/%d/oauth"`, acc.ID)) || !strings.Contains(body, "Connect with X") {
			t.Fatalf("no sign-in button: %.2000s", body)
		}
		if strings.Contains(body, fake.ClientSecret) {
			t.Fatal("the page shows the app's secret")
		}

		// The person says no: a notice, nothing stored.
		fake.DenyNext("")
		resp, body := admin.connect(acc.ID)
		wantEnd(t, "denied", resp, body, "/o/ministry-alpha/channels?network=x&done=denied", "You did not allow Attaché to use the X account")
		if a, creds, _ := env.reload(t, acc.ID); a.Connected || creds != nil {
			t.Fatalf("denied, yet connected: %+v %v", a, creds)
		}

		// The whole flow.
		resp, body = admin.connect(acc.ID)
		wantEnd(t, "connect", resp, body, "/o/ministry-alpha/channels?done=connected", "The account is connected.")
		az := fake.Authorizations()
		q := az[len(az)-1]
		if q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != env.srv.URL+"/oauth/callback" ||
			q.Get("scope") != "tweet.read tweet.write users.read offline.access media.write" || q.Get("client_id") != fake.ClientID {
			t.Fatalf("authorize request %v", q)
		}
		a, creds, _ := env.reload(t, acc.ID)
		if !a.Connected || creds["access_token"] == "" || creds["refresh_token"] != fake.RefreshToken() || creds["user_id"] != fake.UserID ||
			creds["client_id"] != fake.ClientID || creds["client_secret"] != fake.ClientSecret {
			t.Fatalf("stored %+v %v", a, creds)
		}
		if a.TokenExpiresAt == nil || time.Until(*a.TokenExpiresAt) < time.Hour || time.Until(*a.TokenExpiresAt) > 3*time.Hour {
			t.Fatalf("token expiry %v", a.TokenExpiresAt)
		}
		if a.Handle != "@"+fake.Username {
			t.Errorf("handle %q, want the signed-in account's", a.Handle)
		}
		if env.auditCount(t, "channel.connect") != 1 {
			t.Error("the connection is not in the audit log")
		}
		if strings.Contains(env.f.Logs.String(), fake.ClientSecret) || strings.Contains(env.f.Logs.String(), creds["access_token"]) {
			t.Error("a secret is in the log")
		}
		// The page shows the health, never a secret.
		_, body = admin.get("/o/ministry-alpha/channels")
		if !strings.Contains(body, "Token expires") || strings.Contains(body, creds["access_token"]) || strings.Contains(body, creds["refresh_token"]) {
			t.Fatalf("channels page: %.2000s", body)
		}

		// The credentials work: the connector publishes and renews.
		conn, err := env.f.Connectors[limits.X](a, creds, netguard.Client(true, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if pub, err := conn.Publish(ctx, channel.Post{IdempotencyKey: "attache-v1-1", Text: "Connected through the web"}); err != nil || pub.ExternalID == "" {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if fresh, _, changed, err := conn.Refresh(ctx); err != nil || !changed || fresh["refresh_token"] != fake.RefreshToken() {
			t.Fatalf("refresh: %v %v %v", fresh, changed, err)
		}

		// A state is good once.
		cb := admin.startSignIn(acc.ID)
		resp, body = admin.get(cb)
		wantEnd(t, "callback", resp, body, "/o/ministry-alpha/channels?done=connected")
		resp, body = admin.get(cb)
		if resp.StatusCode != 400 || !strings.Contains(body, "unknown or was already used") {
			t.Fatalf("reused state: %d %.500s", resp.StatusCode, body)
		}

		// Someone else's browser cannot complete it; its owner still can.
		editor := env.signIn(t, env.f.Members[authz.Editor])
		cb = admin.startSignIn(acc.ID)
		resp, body = editor.get(cb)
		if resp.StatusCode != 403 || !strings.Contains(body, "started by someone else") {
			t.Fatalf("other user: %d %.500s", resp.StatusCode, body)
		}
		resp, body = admin.get(cb)
		wantEnd(t, "owner after the other user", resp, body, "/o/ministry-alpha/channels?done=connected")

		// An expired state is refused.
		cb = admin.startSignIn(acc.ID)
		if _, err := env.f.DB.W().ExecContext(ctx, "UPDATE oauth_states SET expires_at = ?", time.Now().UTC().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		resp, body = admin.get(cb)
		if resp.StatusCode != 400 || !strings.Contains(body, "has expired") {
			t.Fatalf("expired state: %d %.500s", resp.StatusCode, body)
		}
		var left int
		_ = env.f.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM oauth_states").Scan(&left)
		if left != 0 {
			t.Errorf("%d states left after use and expiry", left)
		}

		// Readers of the organisation cannot connect.
		reviewer := env.signIn(t, env.f.Members[authz.Reviewer])
		for _, r := range []struct{ method, path string }{
			{"GET", fmt.Sprintf("/o/ministry-alpha/channels/%d/connect", acc.ID)},
			{"POST", fmt.Sprintf("/o/ministry-alpha/channels/%d/connect", acc.ID)},
			{"POST", fmt.Sprintf("/o/ministry-alpha/channels/%d/oauth", acc.ID)},
			{"GET", fmt.Sprintf("/o/ministry-alpha/channels/%d/disconnect", acc.ID)},
			{"POST", fmt.Sprintf("/o/ministry-alpha/channels/%d/disconnect", acc.ID)},
		} {
			var resp *http.Response
			if r.method == "GET" {
				resp, _ = reviewer.get(r.path)
			} else {
				resp, _ = reviewer.post(r.path, url.Values{"access_token": {"x"}})
			}
			if resp.StatusCode != 403 {
				t.Errorf("reviewer %s %s: %d", r.method, r.path, resp.StatusCode)
			}
		}
		_, body = reviewer.get("/o/ministry-alpha/channels")
		if strings.Contains(body, "/connect\"") {
			t.Error("a reviewer is offered Connect")
		}
	})
}

func TestWebConnectLinkedInKeepsRefreshToken(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		env := newConnectEnv(t, e)
		fake := testutil.NewFakeLinkedIn(t, "unused", "li-refresh-1")
		env.f.Config.OAuthLinkedInID, env.f.Config.OAuthLinkedInSecret = fake.ClientID, fake.ClientSecret
		acc := env.account(t, limits.LinkedIn, "mfa-li", fake.URL)
		admin := env.signIn(t, env.f.Members[authz.Editor])

		fake.DenyNext("")
		resp, body := admin.connect(acc.ID)
		wantEnd(t, "cancelled", resp, body, "/o/ministry-alpha/channels?network=linkedin&done=denied", "You did not allow")

		resp, body = admin.connect(acc.ID)
		wantEnd(t, "connect", resp, body, "/o/ministry-alpha/channels?done=connected")
		q := fake.Authorizations()[1]
		if q.Get("scope") != "openid profile w_member_social" || q.Get("code_challenge") != "" {
			t.Fatalf("authorize %v", q)
		}
		a, creds, _ := env.reload(t, acc.ID)
		if creds["author_urn"] != "urn:li:person:"+fake.MemberSub || creds["refresh_token"] != "li-refresh-1" || creds["client_secret"] != fake.ClientSecret || a.TokenExpiresAt == nil {
			t.Fatalf("stored %v %v", creds, a.TokenExpiresAt)
		}
		first := creds["access_token"]

		// LinkedIn gives no refresh token this time: the stored one stays.
		fake.GrantRefresh = false
		resp, body = admin.connect(acc.ID)
		wantEnd(t, "reconnect", resp, body, "/o/ministry-alpha/channels?done=connected")
		a, creds, _ = env.reload(t, acc.ID)
		if creds["access_token"] == first || creds["refresh_token"] != "li-refresh-1" {
			t.Fatalf("after the reconnect: %v", creds)
		}
		conn, err := env.f.Connectors[limits.LinkedIn](a, creds, netguard.Client(true, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if fresh, _, changed, err := conn.Refresh(ctx); err != nil || !changed || fresh["access_token"] == creds["access_token"] {
			t.Fatalf("refresh with the kept token: %v %v", changed, err)
		}
		if pub, err := conn.Publish(ctx, channel.Post{IdempotencyKey: "attache-v1-1", Text: "Connected through the web"}); err != nil || pub.ExternalID == "" {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if ps := fake.Posts(); len(ps) != 1 || ps[0].Author != "urn:li:person:"+fake.MemberSub {
			t.Fatalf("posts %+v", ps)
		}
		if env.auditCount(t, "channel.connect") != 2 {
			t.Error("want two connections in the audit log")
		}
	})
}

func TestWebConnectFacebookChoosesAPage(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		env := newConnectEnv(t, e)
		fake := testutil.NewFakeMeta(t, "page-token-main-7c1d")
		fake.SetPages(testutil.FakeMetaPage{ID: "1002", Name: "Consulate in Lviv", Token: "page-token-other-2b9e"},
			testutil.FakeMetaPage{ID: fake.PageID, Name: "Embassy of Ukraine", Token: fake.Token, IGUserID: fake.IGUserID})
		env.f.Config.OAuthMetaID, env.f.Config.OAuthMetaSecret = fake.AppID, fake.AppSecret
		acc := env.account(t, limits.Facebook, "EmbassyUA", fake.URL)
		admin := env.signIn(t, env.f.Members[authz.Admin])

		resp, body := admin.connect(acc.ID)
		choose := fmt.Sprintf("/o/ministry-alpha/channels/%d/connect/page", acc.ID)
		if resp.StatusCode != 200 || resp.Request.URL.Path != choose || !strings.Contains(body, "Consulate in Lviv") || !strings.Contains(body, "Embassy of Ukraine") {
			t.Fatalf("choice page: %d %s %.1500s", resp.StatusCode, resp.Request.URL, body)
		}
		if strings.Contains(body, "page-token-") {
			t.Fatal("the choice page shows a page token")
		}
		q := fake.Authorizations()[0]
		if q.Get("scope") != "pages_show_list,pages_manage_posts,pages_read_engagement,pages_read_user_content" || q.Get("client_id") != fake.AppID {
			t.Fatalf("authorize %v", q)
		}
		if a, _, _ := env.reload(t, acc.ID); a.Connected {
			t.Fatal("connected before the choice")
		}
		c := resp.Request.URL.Query().Get("c")
		resp, body = admin.post(choose, url.Values{"c": {c}, "page": {"no-such-page"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "Choose one of the pages") {
			t.Fatalf("a page not offered: %d %.300s", resp.StatusCode, body)
		}
		resp, body = admin.post(choose, url.Values{"c": {c}, "page": {fake.PageID}})
		wantEnd(t, "choose", resp, body, "/o/ministry-alpha/channels?done=connected")
		a, creds, _ := env.reload(t, acc.ID)
		if creds["page_id"] != fake.PageID || creds["page_access_token"] != fake.Token || a.TokenExpiresAt != nil {
			t.Fatalf("stored %v (expires %v)", creds, a.TokenExpiresAt)
		}
		// The choice is used up.
		resp, body = admin.post(choose, url.Values{"c": {c}, "page": {"1002"}})
		wantEnd(t, "second choice", resp, body, "/o/ministry-alpha/channels?done=expired", "expired or was already used")
		if _, creds, _ := env.reload(t, acc.ID); creds["page_id"] != fake.PageID {
			t.Fatal("a used choice changed the page")
		}

		conn, err := env.f.Connectors[limits.Facebook](a, creds, netguard.Client(true, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if pub, err := conn.Publish(ctx, channel.Post{IdempotencyKey: "attache-v1-1", Text: "Connected through the web"}); err != nil || pub.ExternalID == "" {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if n := len(fake.Objects("post")); n != 1 {
			t.Fatalf("%d posts", n)
		}
	})
}

func TestWebConnectInstagramAndThreads(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		env := newConnectEnv(t, e)
		fake := testutil.NewFakeMeta(t, "meta-token-5d2a")
		// Only one of the pages has an Instagram account: no choice.
		fake.SetPages(testutil.FakeMetaPage{ID: "1002", Name: "Consulate in Lviv", Token: "page-token-other"},
			testutil.FakeMetaPage{ID: fake.PageID, Name: "Embassy of Ukraine", Token: fake.Token, IGUserID: fake.IGUserID})
		env.f.Config.OAuthMetaID, env.f.Config.OAuthMetaSecret = fake.AppID, fake.AppSecret
		env.f.Config.OAuthThreadsID, env.f.Config.OAuthThreadsSecret = fake.ThreadsAppID, fake.ThreadsAppSecret
		ig := env.account(t, limits.Instagram, "embassy.ua", fake.URL)
		th := env.account(t, limits.Threads, "@embassy_ua", fake.URL)
		admin := env.signIn(t, env.f.Members[authz.Admin])

		resp, body := admin.connect(ig.ID)
		wantEnd(t, "instagram", resp, body, "/o/ministry-alpha/channels?done=connected")
		a, creds, _ := env.reload(t, ig.ID)
		if creds["ig_user_id"] != fake.IGUserID || creds["access_token"] != fake.Token {
			t.Fatalf("instagram stored %v", creds)
		}
		if q := fake.Authorizations()[0]; !strings.Contains(q.Get("scope"), "instagram_content_publish") {
			t.Fatalf("instagram authorize %v", q)
		}
		conn, err := env.f.Connectors[limits.Instagram](a, creds, netguard.Client(true, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if _, found, err := conn.Find(ctx, channel.Post{IdempotencyKey: "attache-v1-1", Text: "Nothing yet"}); err != nil || found {
			t.Fatalf("instagram read with the stored token: %v %v", found, err)
		}

		// Without any Instagram account on the pages: a clear refusal.
		fake.SetPages(testutil.FakeMetaPage{ID: "1002", Name: "Consulate in Lviv", Token: "page-token-other"})
		resp, body = admin.connect(ig.ID)
		if resp.StatusCode != 422 || !strings.Contains(body, "Instagram professional account") {
			t.Fatalf("no Instagram account: %d %.500s", resp.StatusCode, body)
		}

		fake.DenyNext("")
		resp, body = admin.connect(th.ID)
		wantEnd(t, "threads denied", resp, body, "/o/ministry-alpha/channels?network=threads&done=denied")
		resp, body = admin.connect(th.ID)
		wantEnd(t, "threads", resp, body, "/o/ministry-alpha/channels?done=connected")
		a, creds, _ = env.reload(t, th.ID)
		if creds["user_id"] != fake.ThreadsUID || creds["access_token"] != fake.Token || a.Handle != "@"+fake.ThreadsUsername {
			t.Fatalf("threads stored %v handle %q", creds, a.Handle)
		}
		if a.TokenExpiresAt == nil || time.Until(*a.TokenExpiresAt) < 59*24*time.Hour {
			t.Fatalf("threads expiry %v: want the 60-day token's", a.TokenExpiresAt)
		}
		conn, err = env.f.Connectors[limits.Threads](a, creds, netguard.Client(true, 5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if fresh, _, changed, err := conn.Refresh(ctx); err != nil || !changed || fresh["access_token"] != fake.RefreshedToken {
			t.Fatalf("threads refresh: %v %v %v", fresh, changed, err)
		}
	})
}

// Token and app-password entry, and disconnection, through the forms.
func TestWebConnectTokenEntryAndDisconnect(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Editor])
		mk := func(n limits.Network, handle string) channel.Account {
			acc := channel.Account{OrgID: f.A.ID, Network: n, Name: limits.Label(n) + " account", Handle: handle, Language: "uk"}
			if err := channel.Insert(ctx, f.DB.W(), &acc); err != nil {
				t.Fatal(err)
			}
			return acc
		}
		base := "/o/ministry-alpha/channels/"

		// Every network's form renders with its labels and hints.
		for _, n := range limits.Networks {
			acc := mk(n, "@form-"+string(n))
			resp := b.get(fmt.Sprintf("%s%d/connect", base, acc.ID))
			wantStatus(t, "connect form "+string(n), resp, 200)
			if strings.Contains(resp.Body, "connect.field.") || strings.Contains(resp.Body, "connect.hint.") {
				t.Errorf("%s: a message is missing: %.3000s", n, resp.Body)
			}
			for _, fl := range channel.CredentialForm(n) {
				typ := "text"
				if fl.Secret {
					typ = "password"
				}
				if !strings.Contains(resp.Body, fmt.Sprintf(`name="%s" type="%s"`, fl.Key, typ)) {
					t.Errorf("%s: no %s input for %s", n, typ, fl.Key)
				}
			}
		}

		// Telegram: the bot token, sealed.
		tg := mk(limits.Telegram, "@alpha_channel")
		path := fmt.Sprintf("%s%d/connect", base, tg.ID)
		resp := b.post(path, url.Values{"bot_token": {""}})
		wantStatus(t, "empty token", resp, 422)
		wantBody(t, "empty token", resp, "Required to connect the account.", `aria-invalid="true"`)
		const botToken = "7312345678:AAE-telegram-bot-secret"
		resp = b.post(path, url.Values{"bot_token": {botToken}})
		wantStatus(t, "telegram token", resp, 303)
		if a, creds, _ := (&connectEnv{f: f}).reload(t, tg.ID); !a.Connected || creds["bot_token"] != botToken {
			t.Fatalf("telegram: %+v %v", a, creds)
		}
		resp = b.get("/o/ministry-alpha/channels?done=connected")
		wantBody(t, "channels", resp, "The account is connected.", "Reconnect", "Disconnect")
		if strings.Contains(resp.Body, botToken) {
			t.Fatal("the page shows the bot token")
		}

		// Bluesky: identifier and app password; a reconnect with the
		// password alone keeps the identifier.
		bs := mk(limits.Bluesky, "@alpha.bsky.social")
		path = fmt.Sprintf("%s%d/connect", base, bs.ID)
		resp = b.post(path, url.Values{"identifier": {"alpha.bsky.social"}, "app_password": {""}})
		wantStatus(t, "bluesky without password", resp, 422)
		wantBody(t, "bluesky without password", resp, `value="alpha.bsky.social"`)
		wantStatus(t, "bluesky", b.post(path, url.Values{"identifier": {"alpha.bsky.social"}, "app_password": {"abcd-efgh-ijkl-mnop"}}), 303)
		wantStatus(t, "bluesky reconnect", b.post(path, url.Values{"app_password": {"qrst-uvwx-yzab-cdef"}}), 303)
		if _, creds, _ := (&connectEnv{f: f}).reload(t, bs.ID); creds["identifier"] != "alpha.bsky.social" || creds["app_password"] != "qrst-uvwx-yzab-cdef" {
			t.Fatalf("bluesky: %v", creds)
		}

		// Mastodon needs its instance, and a private address is refused
		// without --allow-private-endpoints.
		ms := mk(limits.Mastodon, "@alpha@social.example")
		path = fmt.Sprintf("%s%d/connect", base, ms.ID)
		resp = b.post(path, url.Values{"access_token": {"masto-token"}})
		wantStatus(t, "mastodon without instance", resp, 422)
		wantBody(t, "mastodon without instance", resp, "Give the address of the Mastodon instance")
		resp = b.post(path, url.Values{"access_token": {"masto-token"}, "base_url": {"http://10.0.0.7"}})
		wantStatus(t, "private instance", resp, 422)
		wantBody(t, "private instance", resp, "allow-private-endpoints")
		wantStatus(t, "mastodon", b.post(path, url.Values{"access_token": {"masto-token"}, "base_url": {"https://203.0.113.5/"}}), 303)
		if a, _, _ := (&connectEnv{f: f}).reload(t, ms.ID); !a.Connected || a.BaseURL != "https://203.0.113.5" {
			t.Fatalf("mastodon: %+v", a)
		}

		// An OAuth network without its app: the token form works.
		x := mk(limits.X, "@alpha_x")
		wantStatus(t, "x token", b.post(fmt.Sprintf("%s%d/connect", base, x.ID), url.Values{"access_token": {"x-manual-token"}, "refresh_token": {"x-manual-refresh"}, "client_id": {"my-client"}}), 303)
		if _, creds, _ := (&connectEnv{f: f}).reload(t, x.ID); creds["refresh_token"] != "x-manual-refresh" || creds["client_id"] != "my-client" {
			t.Fatalf("x: %v", creds)
		}

		// Disconnect, with a confirmation step.
		resp = b.get(fmt.Sprintf("%s%d/disconnect", base, tg.ID))
		wantStatus(t, "disconnect confirmation", resp, 200)
		wantBody(t, "disconnect confirmation", resp, "Disconnect Telegram account?", fmt.Sprintf(`action="%s%d/disconnect"`, base, tg.ID))
		wantStatus(t, "disconnect", b.post(fmt.Sprintf("%s%d/disconnect", base, tg.ID), nil), 303)
		a, creds, raw := (&connectEnv{f: f}).reload(t, tg.ID)
		if a.Connected || creds != nil || raw != "" {
			t.Fatalf("after disconnect: %+v %v %q", a, creds, raw)
		}
		env := &connectEnv{f: f}
		if env.auditCount(t, "channel.connect") != 5 || env.auditCount(t, "channel.disconnect") != 1 {
			t.Errorf("audit: %d connections, %d disconnections", env.auditCount(t, "channel.connect"), env.auditCount(t, "channel.disconnect"))
		}
	})
}

// The health of an account: token expiry with a warning, last success,
// last error.
func TestWebChannelsHealth(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Reviewer])
		for i, exp := range []time.Duration{-time.Hour, 3 * 24 * time.Hour, 30 * 24 * time.Hour} {
			acc := channel.Account{OrgID: f.A.ID, Network: limits.Threads, Name: fmt.Sprintf("Threads %d", i), Handle: fmt.Sprintf("@t%d", i), Language: "en"}
			if err := channel.Insert(ctx, f.DB.W(), &acc); err != nil {
				t.Fatal(err)
			}
			at := time.Now().Add(exp)
			if err := channel.SetCredentials(ctx, f.DB.W(), f.Auth.Box, f.A.ID, acc.ID, channel.Credentials{"user_id": "1", "access_token": "t"}, &at); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				_ = channel.RecordSuccess(ctx, f.DB.W(), acc.ID, time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC))
				_ = channel.RecordError(ctx, f.DB.W(), acc.ID, time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), "Threads refused the access token (expired or revoked)")
			}
		}
		resp := b.get("/o/ministry-alpha/channels")
		wantStatus(t, "channels", resp, 200)
		wantBody(t, "channels", resp, "Expired", "Expires soon", "2026-03-02 09:30 UTC", "2026-03-03 10:00 UTC", "Threads refused the access token")
		if strings.Count(resp.Body, "Expires soon") != 1 || strings.Count(resp.Body, `class="state state-warn">Expired`) != 1 {
			t.Errorf("one token expired and one expiring soon: %.3000s", resp.Body)
		}
		if strings.Contains(resp.Body, "/connect\"") {
			t.Error("a reviewer is offered Connect")
		}
	})
}

// In a browser: the channels page and a connect form pass axe-core, and
// on a phone's width nothing overflows sideways.
func TestBrowserChannelsConnect(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := testutil.Browser(t)
		base := startDemoServer(t, e)
		signInAs(t, ctx, base, e2eEditor)
		open(t, ctx, base, "/o/mfa-ua/channels")
		testutil.BrowserDo(t, ctx, "fill the account form",
			chromedp.SetValue(chromedp.CSS(`form[action="/o/mfa-ua/channels"] select[name="network"]`), "facebook"),
			chromedp.SendKeys(chromedp.CSS(`#name`), "Міністерство закордонних справ України"),
			chromedp.SendKeys(chromedp.CSS(`#handle`), "MFAUkraine.official.page.with.a.long.handle"),
			chromedp.SendKeys(chromedp.CSS(`#language`), "uk"),
		)
		clickAndWaitForPage(t, ctx, `form[action="/o/mfa-ua/channels"] button[type="submit"]`, "add the account")
		for _, width := range []int64{1280, 390} {
			testutil.BrowserDo(t, ctx, fmt.Sprintf("use a %d px wide window", width), chromedp.EmulateViewport(width, 840))
			for _, page := range []string{"channels", "connect"} {
				if page == "channels" {
					open(t, ctx, base, "/o/mfa-ua/channels")
				} else {
					clickAndWaitForPage(t, ctx, `a[href$="/connect"]`, "open a connect form")
					testutil.BrowserDo(t, ctx, "see the connect form", chromedp.WaitVisible(chromedp.CSS(`form[action$="/connect"] input[type="password"]`)))
				}
				what := fmt.Sprintf("%s page at %d px", page, width)
				requireNoSeriousAxe(t, ctx, what)
				if overflow := evalString(t, ctx, "measure "+what,
					`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); overflow != "0" {
					t.Errorf("%s: the page is %s px wider than the window\n%s", what, overflow, testutil.PageReport(ctx))
				}
				saveScreenshot(t, ctx, fmt.Sprintf("%s-%d.png", page, width))
			}
		}
	})
}
