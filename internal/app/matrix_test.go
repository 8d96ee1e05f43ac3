package app_test

// The route × role × foreign-organisation matrix: every registered route is
// requested by every role of ministry A, by a member of ministry B only (the
// outsider) and anonymously, and the answer is checked against
// authz.Allowed. A route without an entry in apiRouteCases, webRouteCases or
// opsRouteCases fails the test, so a new route cannot skip the matrix.
// Routes that name a resource rather than an organisation (httpx.Resource)
// are checked on resources made per request in A, B and A's mission (see
// checkResource): a stranger's answer must be the one for a missing id.

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// routeCase says how to build a concrete request for one route.
type routeCase struct {
	// web routes are requested with the session cookie of a signed-in
	// browser and a form body; API routes with a bearer token and JSON.
	web bool
	// body is the request body (JSON for the API, url-encoded form for the
	// web). "{n}" is replaced by a number unique in the run.
	body string
	// params gives path parameters other than {org} (and extra "{…}" body
	// substitutions) for one request by u (nil: anonymous). It may create
	// what the request acts on, so that an allowed request can succeed.
	params func(t *testing.T, f *Fixture, u *TestUser) map[string]string
	// allowed lists the statuses an allowed caller may get. Default: any
	// 2xx or 3xx, 400, 409 and 422.
	allowed []int
	// signedWant, for Signed routes, gives the status a signed-in user must
	// get (0: anything but 401, 403 and 5xx).
	signedWant func(f *Fixture, u *TestUser) int
	// query is added to the path ("from=…&to=…"); "{n}" and params apply.
	query string
	// resource, for Resource routes, creates what {id} names, owned by
	// organisation o, and returns its id. It is called for every request,
	// so that each caller acts on a fresh resource.
	resource func(t *testing.T, f *Fixture, o org.Org) string
	// want, when set, gives the exact status each role of A gets (every
	// role must be named): for routes where more than the role's action
	// decides, such as approval (the approval policy and four eyes).
	want map[authz.Role]int
}

// opsRouteCases are the operations endpoints registered by app itself.
var opsRouteCases = map[string]routeCase{
	"GET /healthz": {},
	"GET /readyz":  {},
	"GET /metrics": {},
}

func allRouteCases(t *testing.T) map[string]routeCase {
	out := map[string]routeCase{}
	for _, m := range []map[string]routeCase{opsRouteCases, apiRouteCases, webRouteCases} {
		for k, v := range m {
			if _, dup := out[k]; dup {
				t.Errorf("route %q has entries in two case tables", k)
			}
			out[k] = v
		}
	}
	return out
}

// TestRouteTableIsComplete fails when a registered route has no case or a
// case names a route that does not exist.
func TestRouteTableIsComplete(t *testing.T) {
	ta := NewTestApp(t, testutil.SQLite(t))
	cases := allRouteCases(t)
	registered := map[string]bool{}
	for _, r := range ta.Router.Routes {
		registered[r.Key()] = true
		if _, ok := cases[r.Key()]; !ok {
			t.Errorf("route %q has no entry in the matrix: add one to apiRouteCases (matrix_api_test.go) or webRouteCases (matrix_web_test.go)", r.Key())
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cases)) {
		if !registered[k] {
			t.Errorf("matrix entry %q names no registered route", k)
		}
	}
}

func TestRouteRoleMatrix(t *testing.T) {
	cases := allRouteCases(t)
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		probe := NewTestApp(t, testutil.SQLite(t)) // only to learn the routes
		needWeb := false
		for _, r := range probe.Router.Routes {
			if c, ok := cases[r.Key()]; ok && c.web && r.Access != httpx.Public {
				needWeb = true
			}
		}
		var opts []FixtureOption
		if needWeb {
			opts = append(opts, WithPasswords())
		}
		f := NewFixture(t, e, opts...)
		m := &matrix{f: f, cookies: map[int64][]*http.Cookie{}}
		for _, r := range f.Router.Routes {
			c, ok := cases[r.Key()]
			if !ok {
				continue // reported by TestRouteTableIsComplete
			}
			t.Run(r.Key(), func(t *testing.T) { m.check(t, r, c) })
		}
		if t.Failed() {
			t.Logf("application log:\n%s", f.Logs.String())
		}
	})
}

type matrix struct {
	f       *Fixture
	cookies map[int64][]*http.Cookie
}

// request builds the request of case c on route r for u, aimed at org.
func (m *matrix) request(t *testing.T, r httpx.Route, c routeCase, u *TestUser, orgRef, id string) *http.Request {
	t.Helper()
	subst := map[string]string{"{org}": orgRef, "{n}": strconv.FormatInt(m.f.Seq(), 10)}
	if c.params != nil {
		for k, v := range c.params(t, m.f, u) {
			subst["{"+k+"}"] = v
		}
	}
	if id != "" {
		subst["{id}"] = id
	}
	path, body, query := r.Pattern, c.body, c.query
	for k, v := range subst {
		path = strings.ReplaceAll(path, k, url.PathEscape(v))
		body = strings.ReplaceAll(body, k, v)
		query = strings.ReplaceAll(query, k, url.QueryEscape(v))
	}
	// Patterns such as "/api/" or "/static/" end in a wildcard slash.
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "no-such-thing"
	}
	path = strings.ReplaceAll(path, "{$}", "")
	if strings.Contains(path, "{") {
		t.Fatalf("path %q still has a parameter: give it in params", path)
	}
	if query != "" {
		path += "?" + query
	}
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(r.Method, path, strings.NewReader(body))
		if c.web {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req = httptest.NewRequest(r.Method, path, nil)
	}
	if u != nil {
		if c.web {
			cs, ok := m.cookies[u.ID]
			if !ok {
				cs = m.f.SignIn(t, u)
				m.cookies[u.ID] = cs
			}
			for _, ck := range cs {
				req.AddCookie(ck)
			}
		} else {
			req.Header.Set("Authorization", "Bearer "+u.Token)
		}
	}
	return req
}

func (m *matrix) serve(t *testing.T, r httpx.Route, c routeCase, u *TestUser, orgRef string) Response {
	t.Helper()
	return m.serveOn(t, r, c, u, orgRef, "")
}

// serveOn is serve with {id} set to a resource id (Resource routes).
func (m *matrix) serveOn(t *testing.T, r httpx.Route, c routeCase, u *TestUser, orgRef, id string) Response {
	t.Helper()
	resp := m.f.Serve(m.request(t, r, c, u, orgRef, id))
	if resp.Status >= 500 {
		t.Errorf("%s as %s: status %d (a 5xx is a bug): %.300s", r.Key(), u, resp.Status, resp.Body)
	}
	if c.web && u != nil {
		// A signed-in browser is never sent to the sign-in page, except
		// by routes that end the session (sign-out).
		if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/login") && !strings.HasPrefix(r.Pattern, "/login") && r.Pattern != "/logout" {
			t.Errorf("%s as %s: a signed-in user is sent to %s", r.Key(), u, loc)
		}
		// Follow cookie changes: a cleared or rotated session cookie
		// replaces the cached one (sign-out, password change).
		if set := (&http.Response{Header: resp.Header}).Cookies(); len(set) > 0 {
			cs, cleared := m.cookies[u.ID], false
			for _, n := range set {
				cs = slices.DeleteFunc(cs, func(o *http.Cookie) bool { return o.Name == n.Name })
				if n.MaxAge >= 0 && n.Value != "" {
					cs = append(cs, n)
				} else {
					cleared = true
				}
			}
			m.cookies[u.ID] = cs
			if cleared {
				delete(m.cookies, u.ID) // sign in again at the next request
			}
		}
	}
	return resp
}

func (m *matrix) check(t *testing.T, r httpx.Route, c routeCase) {
	f := m.f
	aRef := strconv.FormatInt(f.A.ID, 10)
	if r.Access == httpx.Resource {
		m.checkResource(t, r, c)
		return
	}
	anonymous := m.serve(t, r, c, nil, aRef)
	switch r.Access {
	case httpx.Public:
		if anonymous.Status == http.StatusUnauthorized || anonymous.Status == http.StatusForbidden {
			t.Errorf("public route: anonymous got %d", anonymous.Status)
		}
		for _, u := range f.Users() {
			resp := m.serve(t, r, c, u, aRef)
			if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
				t.Errorf("public route: %s got %d", u, resp.Status)
			}
		}
		return
	case httpx.Signed, httpx.OrgRole:
		checkAnonymous(t, c, anonymous)
	}
	if r.Access == httpx.Signed {
		for _, u := range f.Users() {
			resp := m.serve(t, r, c, u, aRef)
			want := 0
			if c.signedWant != nil {
				want = c.signedWant(f, u)
			}
			switch {
			case want != 0 && resp.Status != want:
				t.Errorf("%s: want %d, got %d: %.300s", u, want, resp.Status, resp.Body)
			case want == 0 && (resp.Status == 401 || resp.Status == 403):
				t.Errorf("%s: signed-in user got %d: %.300s", u, resp.Status, resp.Body)
			}
		}
		return
	}

	// OrgRole: every role in A.
	for _, role := range authz.Roles {
		checkRole(t, r, c, role, m.serve(t, r, c, f.Members[role], aRef))
	}
	// The outsider (admin of B only) aimed at A, by id and by slug, and at
	// an organisation that does not exist: refused, the same way, and
	// without a word about A.
	secrets := m.secretsOfA()
	byID := m.serve(t, r, c, f.Outsider, aRef)
	bySlug := m.serve(t, r, c, f.Outsider, f.A.Slug)
	missing := m.serve(t, r, c, f.Outsider, "987654321")
	for _, x := range []struct {
		name string
		resp Response
	}{{"by id", byID}, {"by slug", bySlug}} {
		if x.resp.Status != http.StatusForbidden && x.resp.Status != http.StatusNotFound {
			t.Errorf("outsider %s: want 403 or 404, got %d: %.300s", x.name, x.resp.Status, x.resp.Body)
		}
		for _, s := range secrets {
			if strings.Contains(x.resp.Body, s) {
				t.Errorf("outsider %s: response reveals %q: %.300s", x.name, s, x.resp.Body)
			}
		}
	}
	if strings.Contains(byID.Body, f.A.Slug) {
		t.Errorf("outsider by id: response reveals A's slug %q: %.300s", f.A.Slug, byID.Body)
	}
	if byID.Status != missing.Status || normalise(byID.Body, aRef) != normalise(missing.Body, "987654321") {
		t.Errorf("outsider can tell A exists: A gives %d %.200q, a missing org gives %d %.200q", byID.Status, byID.Body, missing.Status, missing.Body)
	}
	// A's admin is not a member of B: the same holds the other way round.
	resp := m.serve(t, r, c, f.Members[authz.Admin], strconv.FormatInt(f.B.ID, 10))
	if resp.Status != http.StatusForbidden && resp.Status != http.StatusNotFound {
		t.Errorf("A's admin aimed at B: want 403 or 404, got %d", resp.Status)
	}
	if strings.Contains(resp.Body, f.B.Name) || strings.Contains(resp.Body, f.Outsider.Email) {
		t.Errorf("A's admin aimed at B: response reveals B: %.300s", resp.Body)
	}
	// Membership of a ministry gives nothing in its missions.
	resp = m.serve(t, r, c, f.Members[authz.Editor], strconv.FormatInt(f.Mission.ID, 10))
	if resp.Status != http.StatusForbidden && resp.Status != http.StatusNotFound {
		t.Errorf("A's editor aimed at A's mission (not a member): want 403 or 404, got %d", resp.Status)
	}
}

// checkRole checks the answer to a member of A with role: c.want when
// set, else an allowed status or 403 as authz.Allowed says.
func checkRole(t *testing.T, r httpx.Route, c routeCase, role authz.Role, resp Response) {
	t.Helper()
	if c.want != nil {
		want, ok := c.want[role]
		switch {
		case !ok:
			t.Errorf("the case's want names no status for %s", role)
		case resp.Status != want:
			t.Errorf("%s: want %d, got %d: %.300s", role, want, resp.Status, resp.Body)
		}
		return
	}
	if authz.Allowed(role, r.Action) {
		if !allowedStatus(c, resp.Status) {
			t.Errorf("%s may %s: got %d: %.300s", role, r.Action, resp.Status, resp.Body)
		}
	} else if resp.Status != http.StatusForbidden {
		t.Errorf("%s may not %s: want 403, got %d: %.300s", role, r.Action, resp.Status, resp.Body)
	}
}

// secretsOfA is what a stranger must never read about A: its name, its
// mission's, its members' names and emails, and the titles and texts the
// resource helpers give A's campaigns (they contain A's name).
func (m *matrix) secretsOfA() []string {
	f := m.f
	secrets := []string{f.A.Name, f.Mission.Name}
	for _, u := range f.Members {
		secrets = append(secrets, u.Email, u.Name)
	}
	return secrets
}

// checkResource checks a route that names a resource ({id}) rather than an
// organisation. Each request acts on a fresh resource made by c.resource:
//   - every role of A, on a resource of A: c.want, or an allowed status when
//     authz.Allowed(role, action), else 403;
//   - the outsider (member of B only), on A's resource: 403 or 404, nothing
//     of A in the answer, and the same answer as for an id that does not
//     exist, so that a stranger cannot tell A's resource exists;
//   - A's admin on B's resource, and A's editor on a resource of A's
//     mission (where they are no member): 403 or 404, nothing of B.
func (m *matrix) checkResource(t *testing.T, r httpx.Route, c routeCase) {
	f := m.f
	if c.resource == nil {
		t.Fatalf("%s is a Resource route: its case needs resource (create what {id} names in an organisation)", r.Key())
	}
	aRef := strconv.FormatInt(f.A.ID, 10)
	on := func(u *TestUser, o org.Org) Response {
		t.Helper()
		return m.serveOn(t, r, c, u, aRef, c.resource(t, f, o))
	}
	checkAnonymous(t, c, on(nil, f.A))
	for _, role := range authz.Roles {
		checkRole(t, r, c, role, on(f.Members[role], f.A))
	}

	const missingID = "987654321"
	id := c.resource(t, f, f.A)
	own := m.serveOn(t, r, c, f.Outsider, aRef, id)
	missing := m.serveOn(t, r, c, f.Outsider, aRef, missingID)
	if own.Status != http.StatusForbidden && own.Status != http.StatusNotFound {
		t.Errorf("outsider on A's resource: want 403 or 404, got %d: %.300s", own.Status, own.Body)
	}
	for _, s := range m.secretsOfA() {
		if strings.Contains(own.Body, s) {
			t.Errorf("outsider on A's resource: response reveals %q: %.300s", s, own.Body)
		}
	}
	if own.Status != missing.Status || normaliseID(own.Body, id) != normaliseID(missing.Body, missingID) {
		t.Errorf("outsider can tell A's resource exists: it gives %d %.200q, a missing one gives %d %.200q", own.Status, own.Body, missing.Status, missing.Body)
	}
	resp := on(f.Members[authz.Admin], f.B)
	if resp.Status != http.StatusForbidden && resp.Status != http.StatusNotFound {
		t.Errorf("A's admin on B's resource: want 403 or 404, got %d: %.300s", resp.Status, resp.Body)
	}
	if strings.Contains(resp.Body, f.B.Name) || strings.Contains(resp.Body, f.Outsider.Email) {
		t.Errorf("A's admin on B's resource: response reveals B: %.300s", resp.Body)
	}
	resp = on(f.Members[authz.Editor], f.Mission)
	if resp.Status != http.StatusForbidden && resp.Status != http.StatusNotFound {
		t.Errorf("A's editor on a resource of A's mission (not a member): want 403 or 404, got %d: %.300s", resp.Status, resp.Body)
	}
	if strings.Contains(resp.Body, f.Mission.Name) {
		t.Errorf("A's editor on a resource of A's mission: response reveals the mission: %.300s", resp.Body)
	}
}

// normaliseID is normalise for a resource id: the problem's "instance" and
// the id where it stands as a whole path segment.
func normaliseID(body, id string) string {
	body = instanceRE.ReplaceAllString(body, `"instance":""`)
	return regexp.MustCompile(`(/)`+regexp.QuoteMeta(id)+`([/?#"'&<\s]|$)`).ReplaceAllString(body, "${1}ID${2}")
}

func checkAnonymous(t *testing.T, c routeCase, resp Response) {
	t.Helper()
	if c.web {
		loc := resp.Header.Get("Location")
		if resp.Status < 300 || resp.Status > 399 || !strings.HasPrefix(loc, "/login") {
			t.Errorf("anonymous: want a redirect to /login, got %d Location %q", resp.Status, loc)
		}
		return
	}
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: want 401, got %d: %.300s", resp.Status, resp.Body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("anonymous: Content-Type %q, want application/problem+json", ct)
	}
}

func allowedStatus(c routeCase, status int) bool {
	if c.allowed != nil {
		return slices.Contains(c.allowed, status)
	}
	return (status >= 200 && status < 400) || status == 400 || status == 409 || status == 422
}

// normalise removes what echoes the request from a response body: the
// problem's "instance", and the organisation reference where it stands in
// a URL path ("/o/<ref>/…", "/orgs/<ref>"). Only there: the same digits
// elsewhere in a page (a count, a time, another id) are not the
// reference, and replacing them would hide a difference.
func normalise(body, ref string) string {
	body = instanceRE.ReplaceAllString(body, `"instance":""`)
	return orgRefRE(ref).ReplaceAllString(body, "${1}ORG${2}")
}

var instanceRE = regexp.MustCompile(`"instance":"[^"]*"`)

// orgRefRE matches ref as a whole path segment after /o/ or /orgs/ (the
// web's and the API's organisation paths).
func orgRefRE(ref string) *regexp.Regexp {
	return regexp.MustCompile(`(/(?:o|orgs)/)` + regexp.QuoteMeta(ref) + `([/?#"'&<\s]|$)`)
}

// itoa is strconv.FormatInt for ids.
func itoa(id int64) string { return fmt.Sprint(id) }

func TestNormaliseReplacesOnlyTheOrgReference(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<a href="/o/42/admin/">`, `<a href="/o/ORG/admin/">`},
		{`"instance":"/api/v1/orgs/42/members","detail":"x"`, `"instance":"","detail":"x"`},
		{`see /api/v1/orgs/42 and /o/42?x=1 and /o/42`, `see /api/v1/orgs/ORG and /o/ORG?x=1 and /o/ORG`},
		// Not the reference: other digits, a longer id, another path.
		{`42 members, 17:42, id 1420`, `42 members, 17:42, id 1420`},
		{`/o/420/ /o/142/ /x/42/`, `/o/420/ /o/142/ /x/42/`},
	} {
		if got := normalise(c.in, "42"); got != c.want {
			t.Errorf("normalise(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
