package app_test

// Test helpers shared by every _test file of package app_test: a full App
// with its HTTP handler on a test engine, and a fixture of organisations,
// users of every role and API tokens.
//
// They live here rather than in internal/testutil because testutil must stay
// importable from the internal tests of domain packages (package auth, org,
// web …), which internal/app imports: testutil importing app would make
// those an import cycle.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/attache-project/attache/internal/app"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/config"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// TestApp is an App with its handler, built on one engine.
type TestApp struct {
	*app.App
	H      http.Handler
	Engine testutil.Engine
	Logs   *strings.Builder // everything the app logged (errors name 5xx causes)
}

// lockedBuilder makes the log buffer safe for concurrent handlers.
type lockedWriter struct {
	mu chan struct{}
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	return w.b.Write(p)
}

// NewTestApp opens a full App (migrations, services, handler) on e.
func NewTestApp(t testing.TB, e testutil.Engine) *TestApp {
	t.Helper()
	ctx := context.Background()
	cfg := &config.Config{
		Data: e.Dir, Database: e.URL, Addr: "127.0.0.1:0", LogFormat: "text", LogLevel: "warn",
		SMTPTLS: "starttls", SMTPPort: 587, SessionDays: 14, OIDCName: "single sign-on",
		SMTPFrom: "Attaché <no-reply@attache.invalid>",
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(lockedWriter{make(chan struct{}, 1), logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	h, err := a.Handler(ctx)
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	return &TestApp{App: a, H: h, Engine: e, Logs: logs}
}

// TestUser is a fixture user with an API token.
type TestUser struct {
	auth.User
	Role  authz.Role // role in ministry A ("" for users outside A)
	Token string
}

// Fixture is a populated instance:
//   - Programme (kind programme) with Organiser as admin;
//   - ministry A with one user of every role (Members[role]) and Mission, a
//     mission of A (A's admin is its admin too);
//   - ministry B with Outsider as admin (Outsider is in no other org).
type Fixture struct {
	*TestApp
	Programme, A, B, Mission org.Org
	Members                  map[authz.Role]*TestUser
	Outsider                 *TestUser
	Organiser                *TestUser
	Password                 string // set by WithPasswords; shared by every fixture user
	seq                      atomic.Int64
}

// FixtureOption adjusts NewFixture.
type FixtureOption func(*fixtureOptions)

type fixtureOptions struct{ passwords bool }

// WithPasswords gives every fixture user the password f.Password (hashed
// once, ~100 ms), so that tests can sign in through the web form.
func WithPasswords() FixtureOption { return func(o *fixtureOptions) { o.passwords = true } }

// NewFixture builds a TestApp on e and populates it.
func NewFixture(t testing.TB, e testutil.Engine, opts ...FixtureOption) *Fixture {
	t.Helper()
	var o fixtureOptions
	for _, f := range opts {
		f(&o)
	}
	ta := NewTestApp(t, e)
	ctx := context.Background()
	f := &Fixture{TestApp: ta, Members: map[authz.Role]*TestUser{}}
	mk := func(oo org.Org) org.Org {
		t.Helper()
		if err := ta.Orgs.CreateBootstrap(ctx, audit.System, &oo); err != nil {
			t.Fatalf("create org %s: %v", oo.Slug, err)
		}
		return oo
	}
	f.Programme = mk(org.Org{Slug: "programme", Name: "Fixture Programme", Kind: org.Programme})
	f.A = mk(org.Org{Slug: "ministry-alpha", Name: "Ministry Alpha of Foreign Affairs", Kind: org.Ministry, Country: "AL", TimeZone: "Europe/Tirane"})
	f.B = mk(org.Org{Slug: "ministry-beta", Name: "Ministry Beta of Foreign Affairs", Kind: org.Ministry, Country: "BE", TimeZone: "Europe/Brussels"})
	f.Mission = mk(org.Org{Slug: "alpha-embassy", Name: "Embassy of Alpha in Vienna", Kind: org.Mission, ParentID: f.A.ID, TimeZone: "Europe/Vienna"})
	for _, r := range authz.Roles {
		u := f.NewUser(t, string(r)+".alpha@example.org", "Alpha "+string(r))
		u.Role = r
		f.AddMember(t, f.A, u, r)
		f.Members[r] = u
	}
	f.AddMember(t, f.Mission, f.Members[authz.Admin], authz.Admin)
	f.Outsider = f.NewUser(t, "outsider@example.net", "Beta Outsider")
	f.AddMember(t, f.B, f.Outsider, authz.Admin)
	f.Organiser = f.NewUser(t, "organiser@example.com", "Programme Organiser")
	f.AddMember(t, f.Programme, f.Organiser, authz.Admin)
	if o.passwords {
		f.Password = "fixture-password-long-enough"
		h, err := auth.HashPassword(f.Password)
		if err != nil {
			t.Fatal(err)
		}
		// One hash for every user keeps the fixture fast.
		if _, err := ta.DB.W().ExecContext(ctx, "UPDATE users SET password_hash = ?", h); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// NewUser creates a user without a password (fast) and an API token for it.
func (f *Fixture) NewUser(t testing.TB, email, name string) *TestUser {
	t.Helper()
	ctx := context.Background()
	u, err := f.Auth.CreateUser(ctx, audit.System, email, name, "")
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	tok, _, err := f.Auth.CreateToken(ctx, audit.System, u.ID, "fixture", 0)
	if err != nil {
		t.Fatalf("create token for %s: %v", email, err)
	}
	return &TestUser{User: u, Token: tok}
}

// AddMember gives u a role in o.
func (f *Fixture) AddMember(t testing.TB, o org.Org, u *TestUser, r authz.Role) {
	t.Helper()
	if err := f.Orgs.AddMemberAudited(context.Background(), audit.System, o, u.ID, r); err != nil {
		t.Fatalf("add %s to %s: %v", u.Email, o.Slug, err)
	}
}

// Seq returns a number unique within the fixture (for slugs and emails).
func (f *Fixture) Seq() int64 { return f.seq.Add(1) }

// Users returns every fixture user.
func (f *Fixture) Users() []*TestUser {
	out := []*TestUser{}
	for _, r := range authz.Roles {
		out = append(out, f.Members[r])
	}
	return append(out, f.Outsider, f.Organiser)
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do serves one request. token "" sends none; body is sent as JSON when it
// is not empty.
func (ta *TestApp) Do(t testing.TB, method, path, token, body string) Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ta.Serve(req)
}

// Serve runs req through the handler and records the response.
func (ta *TestApp) Serve(req *http.Request) Response {
	rec := httptest.NewRecorder()
	ta.H.ServeHTTP(rec, req)
	return Response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.String()}
}

// SignIn signs u in through the web form (POST /login) and returns the
// cookies the response set. The fixture must have been built WithPasswords.
func (f *Fixture) SignIn(t testing.TB, u *TestUser) []*http.Cookie {
	t.Helper()
	if f.Password == "" {
		t.Fatal("SignIn needs a fixture built WithPasswords()")
	}
	form := url.Values{"email": {u.Email}, "password": {f.Password}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	f.H.ServeHTTP(rec, req)
	cs := rec.Result().Cookies()
	if rec.Code >= 400 || len(cs) == 0 {
		t.Fatalf("sign in %s: status %d, %d cookies: %s", u.Email, rec.Code, len(cs), rec.Body.String())
	}
	return cs
}

// String names a user in failure messages.
func (u *TestUser) String() string {
	if u == nil {
		return "anonymous"
	}
	if u.Role != "" {
		return string(u.Role) + " of A"
	}
	return fmt.Sprintf("%s (%s)", u.Name, u.Email)
}
