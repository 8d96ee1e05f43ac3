package app_test

// HTTP tests of the web UI through the real handler (router, CSRF
// protection, security headers), on every engine.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// browser is a cookie-keeping client of the handler.
type browser struct {
	t       *testing.T
	f       *Fixture
	cookies map[string]*http.Cookie
}

func newBrowser(t *testing.T, f *Fixture) *browser {
	return &browser{t: t, f: f, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, path string, form url.Values) Response {
	b.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp := b.f.Serve(req)
	for _, c := range (&http.Response{Header: resp.Header}).Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if resp.Status >= 500 {
		b.t.Errorf("%s %s: status %d (a 5xx is a bug): %.500s\nlog: %s", method, path, resp.Status, resp.Body, b.f.Logs.String())
	}
	return resp
}

func (b *browser) get(path string) Response { return b.do("GET", path, nil) }
func (b *browser) post(path string, form url.Values) Response {
	if form == nil {
		form = url.Values{}
	}
	return b.do("POST", path, form)
}

func (b *browser) signIn(u *TestUser) {
	b.t.Helper()
	resp := b.post("/login", url.Values{"email": {u.Email}, "password": {b.f.Password}})
	if resp.Status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: %d %.300s", u.Email, resp.Status, resp.Body)
	}
}

func wantStatus(t *testing.T, what string, resp Response, status int) {
	t.Helper()
	if resp.Status != status {
		t.Errorf("%s: status %d, want %d: %.400s", what, resp.Status, status, resp.Body)
	}
}

func wantBody(t *testing.T, what string, resp Response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(resp.Body, p) {
			t.Errorf("%s: body lacks %q: %.600s", what, p, resp.Body)
		}
	}
}

func TestWebSignIn(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		b := newBrowser(t, f)

		// Anonymous visitors are sent to the sign-in page and come back.
		resp := b.get("/o/ministry-alpha/admin/members")
		wantStatus(t, "anonymous", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/login?next=%2Fo%2Fministry-alpha%2Fadmin%2Fmembers" {
			t.Errorf("anonymous redirect to %q", loc)
		}
		resp = b.get("/login?next=/o/ministry-alpha/")
		wantStatus(t, "login page", resp, http.StatusOK)
		wantBody(t, "login page", resp, `<form method="post" action="/login"`, `<html lang="en">`, `<label for="email">`, `name="next" value="/o/ministry-alpha/"`, `href="/password/forgot"`)
		if strings.Contains(resp.Body, "/login/oidc") {
			t.Error("the OIDC link is shown although OIDC is not configured")
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		if regexp.MustCompile(`<script>|style="`).MatchString(resp.Body) {
			t.Error("inline script or style in the sign-in page")
		}

		// Wrong password: the form again, with the message and the address kept.
		admin := f.Members[authz.Admin]
		resp = b.post("/login", url.Values{"email": {admin.Email}, "password": {"not-the-password"}})
		wantStatus(t, "wrong password", resp, http.StatusUnprocessableEntity)
		wantBody(t, "wrong password", resp, "The email address or password is not correct.", `value="`+admin.Email+`"`)
		if _, ok := b.cookies["attache_session"]; ok {
			t.Error("a failed sign-in set a session cookie")
		}
		// Empty fields are named in place.
		resp = b.post("/login", url.Values{"email": {""}, "password": {""}})
		wantStatus(t, "empty", resp, http.StatusUnprocessableEntity)
		wantBody(t, "empty", resp, `id="email-error"`, `aria-invalid="true"`)

		// Success: cookie flags, and the local next= is honoured; a foreign one is not.
		resp = b.post("/login", url.Values{"email": {admin.Email}, "password": {f.Password}, "next": {"//evil.example/"}})
		wantStatus(t, "sign in", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("next=//evil.example/ led to %q", loc)
		}
		c := b.cookies["attache_session"]
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Fatalf("session cookie %+v", c)
		}
		first := c.Value
		resp = b.get("/")
		wantStatus(t, "home", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/o/") {
			t.Errorf("home redirects to %q", loc)
		}
		resp = b.get("/o/ministry-alpha/")
		wantStatus(t, "dashboard", resp, http.StatusOK)
		wantBody(t, "dashboard", resp, "Welcome, "+admin.Name, "Ministry Alpha of Foreign Affairs", "Europe/Tirane", "Administration", `href="/o/ministry-alpha/admin/"`, "Two-step verification is off")

		// A new sign-in opens a new session (rotation).
		b.signIn(admin)
		if b.cookies["attache_session"].Value == first {
			t.Error("the session was not rotated at sign-in")
		}
		// Sign out ends the session.
		resp = b.post("/logout", nil)
		wantStatus(t, "logout", resp, http.StatusSeeOther)
		resp = b.get("/o/ministry-alpha/")
		wantStatus(t, "after logout", resp, http.StatusSeeOther)
	})
}

func TestWebOrgsAndRoles(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		admin := newBrowser(t, f)
		admin.signIn(f.Members[authz.Admin])

		// The switcher lists the user's organisations and moves between them.
		resp := admin.get("/o/ministry-alpha/")
		wantBody(t, "switcher", resp, `<form class="switcher" method="get" action="/switch">`, `<option value="alpha-embassy"`)
		resp = admin.get("/switch?org=alpha-embassy")
		wantStatus(t, "switch", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/o/alpha-embassy/" {
			t.Errorf("switch led to %q", loc)
		}
		// … but not into an organisation the user is not in.
		resp = admin.get("/switch?org=ministry-beta")
		wantStatus(t, "switch to B", resp, http.StatusNotFound)
		resp = admin.get("/o/ministry-beta/")
		wantStatus(t, "B's dashboard", resp, http.StatusNotFound)
		if strings.Contains(resp.Body, "Ministry Beta") {
			t.Error("the 404 page names B")
		}
		wantBody(t, "404", resp, "Page not found")

		// An editor sees no Admin area and gets 403 on its pages.
		ed := newBrowser(t, f)
		ed.signIn(f.Members[authz.Editor])
		resp = ed.get("/o/ministry-alpha/")
		wantStatus(t, "editor dashboard", resp, http.StatusOK)
		if strings.Contains(resp.Body, "/admin/") {
			t.Error("the editor's navigation links to the Admin area")
		}
		wantBody(t, "editor nav", resp, `href="/o/ministry-alpha/campaigns"`, `href="/o/ministry-alpha/inbox"`)
		if strings.Contains(resp.Body, `href="/o/ministry-alpha/alumni"`) {
			t.Error("the editor sees the Alumni area")
		}
		for _, p := range []string{"/o/ministry-alpha/admin/members", "/o/ministry-alpha/admin/settings", "/o/ministry-alpha/admin/audit", "/o/ministry-alpha/alumni"} {
			resp = ed.get(p)
			wantStatus(t, "editor "+p, resp, http.StatusForbidden)
			wantBody(t, "editor "+p, resp, "Your role in this organisation does not allow this.")
		}
		resp = ed.post("/o/ministry-alpha/admin/members/"+itoa(f.Members[authz.Editor].ID)+"/role", url.Values{"role": {"admin"}})
		wantStatus(t, "editor makes themself admin", resp, http.StatusForbidden)

		// A "coming" page is honest about it.
		resp = ed.get("/o/ministry-alpha/inbox")
		wantStatus(t, "coming", resp, http.StatusOK)
		wantBody(t, "coming", resp, "This area is not built yet.")

		// The language switch.
		resp = ed.post("/lang", url.Values{"lang": {"uk"}, "next": {"/o/ministry-alpha/"}})
		wantStatus(t, "lang", resp, http.StatusSeeOther)
		resp = ed.get("/o/ministry-alpha/")
		wantBody(t, "uk", resp, `<html lang="uk">`, "Вітаємо")
	})
}

func TestWebAdminPages(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		b := newBrowser(t, f)
		admin := f.Members[authz.Admin]
		b.signIn(admin)

		resp := b.get("/o/ministry-alpha/admin/members")
		wantStatus(t, "members", resp, http.StatusOK)
		wantBody(t, "members", resp, f.Members[authz.Trainer].Email, `id="role-`+itoa(admin.ID)+`"`)
		// The last admin cannot step down.
		resp = b.post("/o/ministry-alpha/admin/members/"+itoa(admin.ID)+"/role", url.Values{"role": {"editor"}})
		wantStatus(t, "last admin", resp, http.StatusConflict)
		wantBody(t, "last admin", resp, "must keep at least one admin")
		// A bad role is a 422 with a message, not a 500.
		resp = b.post("/o/ministry-alpha/admin/members/"+itoa(f.Members[authz.Trainer].ID)+"/role", url.Values{"role": {"emperor"}})
		wantStatus(t, "bad role", resp, http.StatusUnprocessableEntity)
		resp = b.post("/o/ministry-alpha/admin/members/"+itoa(f.Members[authz.Trainer].ID)+"/role", url.Values{"role": {"analyst"}})
		wantStatus(t, "role", resp, http.StatusSeeOther)
		// Removal asks first.
		resp = b.get("/o/ministry-alpha/admin/members/" + itoa(f.Members[authz.Alumni].ID) + "/remove")
		wantStatus(t, "remove confirm", resp, http.StatusOK)
		wantBody(t, "remove confirm", resp, "Remove the member", f.Members[authz.Alumni].Email)
		resp = b.post("/o/ministry-alpha/admin/members/"+itoa(f.Members[authz.Alumni].ID)+"/remove", nil)
		wantStatus(t, "remove", resp, http.StatusSeeOther)
		resp = b.get("/o/ministry-alpha/admin/members")
		if strings.Contains(resp.Body, f.Members[authz.Alumni].Email) {
			t.Error("the removed member is still listed")
		}

		// Settings: bad input keeps the values and names the field.
		resp = b.post("/o/ministry-alpha/admin/settings", url.Values{"name": {"Ministry Alpha of Foreign Affairs"}, "country": {"ALB"}, "time_zone": {"Mars/Olympus"}})
		wantStatus(t, "bad settings", resp, http.StatusUnprocessableEntity)
		wantBody(t, "bad settings", resp, `id="time_zone-error"`, `value="Mars/Olympus"`)
		resp = b.post("/o/ministry-alpha/admin/settings", url.Values{"name": {"Ministry Alpha of Foreign Affairs"}, "country": {"AL"}, "time_zone": {"Europe/Tirane"}, "require_2fa": {"on"}})
		wantStatus(t, "settings", resp, http.StatusSeeOther)

		// Now that A requires 2FA, its members must enrol before anything else.
		resp = b.get("/o/ministry-alpha/")
		wantStatus(t, "must enrol", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/account/2fa" {
			t.Errorf("must-enrol redirect to %q", loc)
		}
		resp = b.get("/account/2fa")
		wantStatus(t, "2fa page", resp, http.StatusOK)
		wantBody(t, "2fa page", resp, "requires two-step verification", `src="data:image/png;base64,`)
		secret := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(resp.Body)
		otpURL := regexp.MustCompile(`name="otpauth" value="([^"]+)"`).FindStringSubmatch(resp.Body)
		if secret == nil || otpURL == nil {
			t.Fatalf("no secret in the enrolment form: %.800s", resp.Body)
		}
		resp = b.post("/account/2fa/enable", url.Values{"secret": {secret[1]}, "otpauth": {unescape(otpURL[1])}, "code": {"000000"}})
		wantStatus(t, "wrong code", resp, http.StatusUnprocessableEntity)
		code, err := totp.GenerateCode(secret[1], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp = b.post("/account/2fa/enable", url.Values{"secret": {secret[1]}, "otpauth": {unescape(otpURL[1])}, "code": {code}})
		wantStatus(t, "enable", resp, http.StatusOK)
		wantBody(t, "enable", resp, "Your recovery codes")
		resp = b.get("/o/ministry-alpha/admin/audit")
		wantStatus(t, "audit", resp, http.StatusOK)
		wantBody(t, "audit", resp, "member.remove", "<table>")

		// A second sign-in now needs the second factor.
		b2 := newBrowser(t, f)
		b2.signIn(admin)
		resp = b2.get("/o/ministry-alpha/")
		if loc := resp.Header.Get("Location"); loc != "/login/2fa" {
			t.Errorf("pending session sent to %q", loc)
		}
		resp = b2.post("/login/2fa", url.Values{"code": {"999999"}})
		wantStatus(t, "bad 2fa", resp, http.StatusUnprocessableEntity)

		// Organisations: a ministry admin adds a mission; bad input is 422.
		resp = b.post("/o/ministry-alpha/admin/orgs", url.Values{"name": {""}, "kind": {"mission"}, "time_zone": {"Europe/Vienna"}})
		wantStatus(t, "bad org", resp, http.StatusUnprocessableEntity)
		wantBody(t, "bad org", resp, `id="name-error"`)
		resp = b.post("/o/ministry-alpha/admin/orgs", url.Values{"name": {"Embassy of Alpha in Rome"}, "kind": {"mission"}, "parent_id": {itoa(f.A.ID)}, "time_zone": {"Europe/Rome"}, "country": {"AL"}})
		wantStatus(t, "create org", resp, http.StatusSeeOther)
		resp = b.get("/o/embassy-of-alpha-in-rome/")
		wantStatus(t, "new org", resp, http.StatusOK)
	})
}

func unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#61;", "=", "&#34;", `"`, "&#39;", "'").Replace(s)
}

func TestWebInvitationFlow(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Admin])

		resp := b.post("/o/ministry-alpha/admin/invitations", url.Values{"email": {"not-an-address"}, "role": {"editor"}})
		wantStatus(t, "bad invite", resp, http.StatusUnprocessableEntity)
		wantBody(t, "bad invite", resp, `id="email-error"`, `value="not-an-address"`)
		resp = b.post("/o/ministry-alpha/admin/invitations", url.Values{"email": {"new.officer@example.org"}, "role": {"reviewer"}})
		wantStatus(t, "invite", resp, http.StatusCreated)
		m := regexp.MustCompile(`value="([^"]*/invite/([^"]+))"`).FindStringSubmatch(resp.Body)
		if m == nil {
			t.Fatalf("no invitation link shown (no SMTP): %.800s", resp.Body)
		}
		token := m[2]

		// The invited person chooses a name and a password.
		guest := newBrowser(t, f)
		resp = guest.get("/invite/" + token)
		wantStatus(t, "invite page", resp, http.StatusOK)
		wantBody(t, "invite page", resp, "Ministry Alpha of Foreign Affairs", "new.officer@example.org")
		resp = guest.post("/invite/"+token, url.Values{"name": {"New Officer"}, "password": {"short"}, "password_confirm": {"short"}})
		wantStatus(t, "short password", resp, http.StatusUnprocessableEntity)
		wantBody(t, "short password", resp, `id="password-error"`, `value="New Officer"`)
		resp = guest.post("/invite/"+token, url.Values{"name": {"New Officer"}, "password": {"a sufficiently long passphrase"}, "password_confirm": {"a sufficiently long passphrase"}})
		wantStatus(t, "accept", resp, http.StatusSeeOther)
		resp = guest.get("/o/ministry-alpha/")
		wantStatus(t, "new member's dashboard", resp, http.StatusOK)
		wantBody(t, "new member's dashboard", resp, "Welcome, New Officer", "Reviewer")
		// The link works once.
		resp = newBrowser(t, f).get("/invite/" + token)
		wantStatus(t, "used link", resp, http.StatusNotFound)

		// Revoking a pending invitation.
		inv, _, err := f.Auth.Invite(context.Background(), audit.CLI, f.A, "later@example.org", authz.Editor)
		if err != nil {
			t.Fatal(err)
		}
		resp = b.post("/o/ministry-alpha/admin/invitations/"+itoa(inv.ID)+"/revoke", nil)
		wantStatus(t, "revoke", resp, http.StatusSeeOther)
		resp = b.get("/o/ministry-alpha/admin/invitations")
		wantBody(t, "list", resp, "later@example.org", "Revoked", "Accepted")
	})
}

func TestWebTokens(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		b := newBrowser(t, f)
		u := f.Members[authz.Analyst]
		b.signIn(u)

		resp := b.post("/account/tokens", url.Values{"name": {""}, "expires": {"7"}})
		wantStatus(t, "bad token", resp, http.StatusUnprocessableEntity)
		wantBody(t, "bad token", resp, `id="name-error"`, `id="expires-error"`)
		resp = b.post("/account/tokens", url.Values{"name": {"reporting script"}, "expires": {"30"}})
		wantStatus(t, "create token", resp, http.StatusCreated)
		m := regexp.MustCompile(`id="token-secret"[^>]*value="(` + auth.TokenPrefix + `[^"]+)"`).FindStringSubmatch(resp.Body)
		if m == nil {
			t.Fatalf("the new token is not shown: %.800s", resp.Body)
		}
		// The secret works on the API …
		api := f.Do(t, "GET", "/api/v1/me", m[1], "")
		wantStatus(t, "api with new token", api, http.StatusOK)
		// … and is not shown again.
		resp = b.get("/account/tokens")
		if strings.Contains(resp.Body, m[1]) {
			t.Error("the token secret is shown again")
		}
		toks, err := auth.ListTokens(context.Background(), f.DB.R(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		for _, tk := range toks {
			if tk.Name == "reporting script" {
				id = tk.ID
			}
		}
		resp = b.get("/account/tokens/" + itoa(id) + "/revoke")
		wantStatus(t, "revoke confirm", resp, http.StatusOK)
		wantBody(t, "revoke confirm", resp, "Revoke the token", "reporting script")
		// Another user's token is not found.
		other := newBrowser(t, f)
		other.signIn(f.Members[authz.Editor])
		wantStatus(t, "foreign token", other.post("/account/tokens/"+itoa(id)+"/revoke", nil), http.StatusNotFound)
		resp = b.post("/account/tokens/"+itoa(id)+"/revoke", nil)
		wantStatus(t, "revoke", resp, http.StatusSeeOther)
		api = f.Do(t, "GET", "/api/v1/me", m[1], "")
		wantStatus(t, "api with revoked token", api, http.StatusUnauthorized)

		// Account: a wrong current password is a 422 in place.
		resp = b.post("/account/password", url.Values{"current_password": {"nope"}, "password": {"another long passphrase"}, "password_confirm": {"another long passphrase"}})
		wantStatus(t, "wrong current password", resp, http.StatusUnprocessableEntity)
		wantBody(t, "wrong current password", resp, `id="current_password-error"`)
		// Oversized forms are refused cleanly.
		resp = b.post("/account/tokens", url.Values{"name": {strings.Repeat("x", 70<<10)}})
		wantStatus(t, "huge form", resp, http.StatusRequestEntityTooLarge)
	})
}

func TestWebStaticAssets(t *testing.T) {
	f := NewFixture(t, testutil.SQLite(t))
	resp := f.Do(t, "GET", "/login", "", "")
	m := regexp.MustCompile(`href="(/static/app\.[a-p]+\.css)"`).FindStringSubmatch(resp.Body)
	if m == nil {
		t.Fatalf("no hashed stylesheet link: %.500s", resp.Body)
	}
	css := f.Do(t, "GET", m[1], "", "")
	wantStatus(t, "css", css, http.StatusOK)
	if cc := css.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control %q", cc)
	}
	wantStatus(t, "unknown asset", f.Do(t, "GET", "/static/app.css", "", ""), http.StatusNotFound)
	// The icon: linked at its hashed URL, and /favicon.ico answers too.
	icon := regexp.MustCompile(`<link rel="icon" href="(/static/favicon\.[a-p]+\.svg)" type="image/svg\+xml">`).FindStringSubmatch(resp.Body)
	if icon == nil {
		t.Fatalf("no icon link: %.500s", resp.Body)
	}
	for _, p := range []string{icon[1], "/favicon.ico"} {
		r := f.Do(t, "GET", p, "", "")
		wantStatus(t, p, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "image/svg+xml" || !strings.HasPrefix(r.Body, "<svg") {
			t.Errorf("%s: Content-Type %q, body %.60q", p, ct, r.Body)
		}
	}
	for _, p := range []string{"/password/forgot", "/password/reset/whatever", "/invite/whatever", "/no/such/page"} {
		r := f.Do(t, "GET", p, "", "")
		if r.Status >= 500 || !strings.Contains(r.Body, "<main") {
			t.Errorf("%s: %d %.300s", p, r.Status, r.Body)
		}
	}
}

func TestWebProfile(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		ctx := context.Background()
		u := f.Members[authz.Analyst]
		b := newBrowser(t, f)
		b.signIn(u)

		resp := b.get("/account")
		wantStatus(t, "account", resp, http.StatusOK)
		wantBody(t, "account", resp, `action="/account/profile"`, `value="`+u.Name+`"`, `list="tz-list"`, `<option value="Europe/Kyiv">`, `<option value="uk" lang="uk">Українська</option>`)

		// Happy path: saved, audited, shown.
		resp = b.post("/account/profile", url.Values{"name": {"  Analyst Renamed  "}, "time_zone": {"Europe/Kyiv"}, "locale": {"en"}})
		wantStatus(t, "save profile", resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/account?done=profile" {
			t.Errorf("after saving the profile: Location %q", loc)
		}
		resp = b.get("/account?done=profile")
		wantBody(t, "saved profile", resp, "Your profile has been saved.", `value="Analyst Renamed"`, `value="Europe/Kyiv"`)
		got, err := auth.GetUser(ctx, f.DB.R(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Analyst Renamed" || got.TimeZone != "Europe/Kyiv" || got.Locale != "en" {
			t.Errorf("stored profile: name %q, time zone %q, locale %q", got.Name, got.TimeZone, got.Locale)
		}
		var detail string
		if err := f.DB.R().QueryRowContext(ctx, "SELECT detail FROM audit_log WHERE action = ? AND target = ?", "user.profile", "user:"+u.Email).Scan(&detail); err != nil {
			t.Fatalf("no user.profile audit entry: %v", err)
		}
		if !strings.Contains(detail, "Europe/Kyiv") || !strings.Contains(detail, "Analyst Renamed") {
			t.Errorf("user.profile audit detail %q lacks the changes", detail)
		}
		if _, err := audit.Verify(ctx, f.DB.R()); err != nil {
			t.Errorf("audit chain: %v", err)
		}

		// A bad time zone: 422, the error in place, everything typed kept,
		// nothing saved.
		resp = b.post("/account/profile", url.Values{"name": {"Another Name"}, "time_zone": {"Mars/Olympus"}, "locale": {"uk"}})
		wantStatus(t, "bad time zone", resp, http.StatusUnprocessableEntity)
		wantBody(t, "bad time zone", resp, `id="time_zone-error"`, "This is not a known time zone", `value="Mars/Olympus"`, `value="Another Name"`, `<option value="uk" lang="uk" selected>`, `aria-invalid="true"`)
		for _, bad := range []url.Values{
			{"name": {""}, "time_zone": {"UTC"}, "locale": {"en"}},
			{"name": {"Tab\there"}, "time_zone": {"UTC"}, "locale": {"en"}},
			{"name": {"Someone"}, "time_zone": {"Local"}, "locale": {"en"}},
			{"name": {"Someone"}, "time_zone": {"../../etc/passwd"}, "locale": {"en"}},
			{"name": {"Someone"}, "time_zone": {"UTC"}, "locale": {"xx"}},
		} {
			resp = b.post("/account/profile", bad)
			wantStatus(t, "bad profile "+bad.Encode(), resp, http.StatusUnprocessableEntity)
			wantBody(t, "bad profile "+bad.Encode(), resp, `class="field-error"`)
		}
		got, err = auth.GetUser(ctx, f.DB.R(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Analyst Renamed" || got.TimeZone != "Europe/Kyiv" || got.Locale != "en" {
			t.Errorf("a refused profile changed the stored one: %q %q %q", got.Name, got.TimeZone, got.Locale)
		}

		// Choosing Ukrainian on the profile page switches the interface.
		resp = b.post("/account/profile", url.Values{"name": {"Analyst Renamed"}, "time_zone": {"Europe/Kyiv"}, "locale": {"uk"}})
		wantStatus(t, "profile in Ukrainian", resp, http.StatusSeeOther)
		resp = b.get("/account?done=profile")
		wantBody(t, "profile in Ukrainian", resp, `<html lang="uk">`, "Профіль збережено.")
	})
}

// The interface language: a signed-in user's saved language wins over the
// cookie and Accept-Language; the cookie is for anonymous visitors.
func TestWebLocalePersistsAcrossSignIn(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		u := f.Members[authz.Reviewer]

		b := newBrowser(t, f)
		b.signIn(u)
		resp := b.post("/lang", url.Values{"lang": {"uk"}, "next": {"/account"}})
		wantStatus(t, "switch to Ukrainian", resp, http.StatusSeeOther)
		got, err := auth.GetUser(context.Background(), f.DB.R(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Locale != "uk" {
			t.Errorf("the language switch did not save the user's language: %q", got.Locale)
		}
		wantStatus(t, "sign out", b.post("/logout", nil), http.StatusSeeOther)

		// Another browser, no cookie: the sign-in page is in English, the
		// pages after signing in are in the saved language.
		b2 := newBrowser(t, f)
		wantBody(t, "anonymous sign-in page", b2.get("/login"), `<html lang="en">`)
		b2.signIn(u)
		resp = b2.get("/o/ministry-alpha/")
		wantStatus(t, "dashboard", resp, http.StatusOK)
		wantBody(t, "dashboard after sign-in elsewhere", resp, `<html lang="uk">`, "Вітаємо")
		if cl := resp.Header.Get("Content-Language"); cl != "uk" {
			t.Errorf("Content-Language %q, want uk", cl)
		}
		// A cookie from an anonymous choice does not override it …
		b2.cookies["attache_lang"] = &http.Cookie{Name: "attache_lang", Value: "en"}
		wantBody(t, "cookie says en", b2.get("/o/ministry-alpha/"), `<html lang="uk">`)
		// … but is what an anonymous visitor gets.
		b3 := newBrowser(t, f)
		b3.cookies["attache_lang"] = &http.Cookie{Name: "attache_lang", Value: "uk"}
		wantBody(t, "anonymous with a cookie", b3.get("/login"), `<html lang="uk">`)
		// An anonymous switch sets only the cookie.
		b4 := newBrowser(t, f)
		wantStatus(t, "anonymous switch", b4.post("/lang", url.Values{"lang": {"uk"}, "next": {"/login"}}), http.StatusSeeOther)
		if c := b4.cookies["attache_lang"]; c == nil || c.Value != "uk" {
			t.Errorf("anonymous switch: cookie %+v", c)
		}
		wantBody(t, "anonymous after switching", b4.get("/login"), `<html lang="uk">`)
	})
}
