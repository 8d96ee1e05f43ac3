package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Pointer string `json:"pointer"`
		Detail  string `json:"detail"`
	} `json:"errors"`
}

// Bad input gets a clear 4xx problem naming the field; never a 5xx.
func TestAPIBadInput(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		admin := f.Members[authz.Admin].Token
		org := f.Organiser.Token
		a := "/api/v1/orgs/" + itoa(f.A.ID)
		member := a + "/members/" + itoa(f.Members[authz.Analyst].ID)
		long := strings.Repeat("n", 201)
		longEmail := strings.Repeat("e", 250) + "@x.org"
		type tc struct {
			name, method, path, token, body, ct string
			status                              int
			pointer                             string // "" when the problem names no field
		}
		cases := []tc{
			{"malformed JSON", "POST", "/api/v1/orgs", org, `{"name":"x",`, "", 400, ""},
			{"not an object", "POST", "/api/v1/orgs", org, `["x"]`, "", 400, ""},
			{"empty body", "POST", "/api/v1/orgs", org, ``, "", 400, ""},
			{"unknown field", "POST", "/api/v1/orgs", org, `{"name":"x","kind":"ministry","colour":"red"}`, "", 400, "/colour"},
			{"wrong type name", "POST", "/api/v1/orgs", org, `{"name":7,"kind":"ministry"}`, "", 400, "/name"},
			{"wrong type parent", "POST", "/api/v1/orgs", org, `{"name":"x","kind":"mission","parent_id":"3"}`, "", 400, "/parent_id"},
			{"wrong content type", "POST", "/api/v1/orgs", org, `name=x`, "application/x-www-form-urlencoded", 415, ""},
			{"body over 1 MiB", "POST", "/api/v1/orgs", org, `{"name":"` + strings.Repeat("x", 1<<20+10) + `"}`, "", 413, ""},
			{"name too long", "POST", "/api/v1/orgs", org, `{"name":"` + long + `","slug":"long","kind":"ministry"}`, "", 422, "/name"},
			{"name blank", "POST", "/api/v1/orgs", org, `{"name":"   ","slug":"blank","kind":"ministry"}`, "", 422, "/name"},
			{"name with NUL", "POST", "/api/v1/orgs", org, `{"name":"a\u0000b","slug":"nul","kind":"ministry"}`, "", 422, "/name"},
			{"invalid kind", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"x","kind":"embassy"}`, "", 422, "/kind"},
			{"invalid slug upper", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"ABC","kind":"ministry"}`, "", 422, "/slug"},
			{"invalid slug hyphen", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"-abc","kind":"ministry"}`, "", 422, "/slug"},
			{"invalid slug long", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"` + strings.Repeat("s", 65) + `","kind":"ministry"}`, "", 422, "/slug"},
			{"unsluggable name", "POST", "/api/v1/orgs", org, `{"name":"Київ","kind":"ministry"}`, "", 422, "/slug"},
			{"duplicate slug", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"` + f.A.Slug + `","kind":"ministry"}`, "", 422, "/slug"},
			{"invalid time zone", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"tz","kind":"ministry","time_zone":"Mars/Base"}`, "", 422, "/time_zone"},
			{"time zone path", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"tz2","kind":"ministry","time_zone":"../../../etc/passwd"}`, "", 422, "/time_zone"},
			{"time zone Local", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"tz3","kind":"ministry","time_zone":"Local"}`, "", 422, "/time_zone"},
			{"invalid country", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"c","kind":"ministry","country":"UKR"}`, "", 422, "/country"},
			{"mission without parent", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"m1","kind":"mission"}`, "", 422, "/parent_id"},
			{"mission of a mission", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"m2","kind":"mission","parent_id":` + itoa(f.Mission.ID) + `}`, "", 422, "/parent_id"},
			{"mission of nothing", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"m3","kind":"mission","parent_id":99999}`, "", 422, "/parent_id"},
			{"ministry with parent", "POST", "/api/v1/orgs", org, `{"name":"x","slug":"m4","kind":"ministry","parent_id":` + itoa(f.A.ID) + `}`, "", 422, "/parent_id"},
			{"editor creates org", "POST", "/api/v1/orgs", f.Members[authz.Editor].Token, `{"name":"x","slug":"e1","kind":"ministry"}`, "", 403, ""},
			{"editor creates mission", "POST", "/api/v1/orgs", f.Members[authz.Editor].Token, `{"name":"x","slug":"e2","kind":"mission","parent_id":` + itoa(f.A.ID) + `}`, "", 403, ""},
			{"patch slug", "PATCH", a, admin, `{"slug":"new"}`, "", 422, "/slug"},
			{"patch name too long", "PATCH", a, admin, `{"name":"` + long + `"}`, "", 422, "/name"},
			{"patch empty name", "PATCH", a, admin, `{"name":""}`, "", 422, "/name"},
			{"patch bad time zone", "PATCH", a, admin, `{"time_zone":"Nowhere/Town"}`, "", 422, "/time_zone"},
			{"patch wrong type", "PATCH", a, admin, `{"require_2fa":"yes"}`, "", 400, "/require_2fa"},
			{"patch unknown field", "PATCH", a, admin, `{"owner":"me"}`, "", 400, "/owner"},
			{"role invalid", "PUT", member, admin, `{"role":"owner"}`, "", 422, "/role"},
			{"role empty", "PUT", member, admin, `{}`, "", 422, "/role"},
			{"role wrong type", "PUT", member, admin, `{"role":["admin"]}`, "", 400, "/role"},
			{"member id not a number", "PUT", a + "/members/abc", admin, `{"role":"editor"}`, "", 404, ""},
			{"member id huge", "PUT", a + "/members/99999999999999999999", admin, `{"role":"editor"}`, "", 404, ""},
			{"demote last admin", "PUT", a + "/members/" + itoa(f.Members[authz.Admin].ID), admin, `{"role":"editor"}`, "", 409, ""},
			{"remove last admin", "DELETE", a + "/members/" + itoa(f.Members[authz.Admin].ID), admin, ``, "", 409, ""},
			{"invite email x", "POST", a + "/invitations", admin, `{"email":"x","role":"editor"}`, "", 422, "/email"},
			{"invite email a@b", "POST", a + "/invitations", admin, `{"email":"a@b","role":"editor"}`, "", 422, "/email"},
			{"invite email space", "POST", a + "/invitations", admin, `{"email":"a b@c.d","role":"editor"}`, "", 422, "/email"},
			{"invite email angle", "POST", a + "/invitations", admin, `{"email":"<a@b.c>","role":"editor"}`, "", 422, "/email"},
			{"invite email too long", "POST", a + "/invitations", admin, `{"email":"` + longEmail + `","role":"editor"}`, "", 422, "/email"},
			{"invite email empty", "POST", a + "/invitations", admin, `{"role":"editor"}`, "", 422, "/email"},
			{"invite role invalid", "POST", a + "/invitations", admin, `{"email":"ok@example.org","role":"king"}`, "", 422, "/role"},
			{"invite existing member", "POST", a + "/invitations", admin, `{"email":"` + f.Members[authz.Editor].Email + `","role":"editor"}`, "", 422, "/email"},
			{"revoke invitation bad id", "DELETE", a + "/invitations/-1", admin, ``, "", 404, ""},
			{"token name empty", "POST", "/api/v1/tokens", admin, `{"name":" "}`, "", 422, "/name"},
			{"token name too long", "POST", "/api/v1/tokens", admin, `{"name":"` + strings.Repeat("t", 101) + `"}`, "", 422, "/name"},
			{"token expiry negative", "POST", "/api/v1/tokens", admin, `{"name":"x","expires_in_days":-1}`, "", 422, "/expires_in_days"},
			{"token expiry too far", "POST", "/api/v1/tokens", admin, `{"name":"x","expires_in_days":100000}`, "", 422, "/expires_in_days"},
			{"token expiry fraction", "POST", "/api/v1/tokens", admin, `{"name":"x","expires_in_days":1.5}`, "", 400, "/expires_in_days"},
			{"token expiry overflow", "POST", "/api/v1/tokens", admin, `{"name":"x","expires_in_days":1e30}`, "", 400, "/expires_in_days"},
			{"revoke token bad id", "DELETE", "/api/v1/tokens/x", admin, ``, "", 404, ""},
			{"audit bad query", "GET", a + "/audit?before=x&limit=-5", admin, ``, "", 200, ""},
			{"unknown API path", "GET", "/api/v2/everything", admin, ``, "", 404, ""},
			{"malformed bearer", "GET", "/api/v1/me", "", ``, "", 401, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req := newAPIRequest(c.method, c.path, c.token, c.body, c.ct)
				resp := f.Serve(req)
				if resp.Status >= 500 {
					t.Fatalf("status %d (a 5xx is a bug): %s\nlog: %s", resp.Status, resp.Body, f.Logs.String())
				}
				if resp.Status != c.status {
					t.Fatalf("status %d, want %d: %.300s", resp.Status, c.status, resp.Body)
				}
				if c.status < 400 {
					return
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				var p problemBody
				if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
					t.Fatalf("problem is not JSON: %v: %s", err, resp.Body)
				}
				if p.Status != c.status || p.Title == "" || p.Type == "" || p.Detail == "" {
					t.Errorf("incomplete problem: %+v", p)
				}
				if c.pointer == "" {
					return
				}
				found := false
				for _, e := range p.Errors {
					found = found || e.Pointer == c.pointer && e.Detail != ""
				}
				if !found {
					t.Errorf("errors %+v do not name %s", p.Errors, c.pointer)
				}
			})
		}
		// No bad request changed A.
		resp := f.Do(t, "GET", a, admin, "")
		if !strings.Contains(resp.Body, f.A.Name) || !strings.Contains(resp.Body, `"slug":"`+f.A.Slug+`"`) {
			t.Errorf("A changed: %s", resp.Body)
		}
	})
}

func newAPIRequest(method, path, token, body, ct string) *http.Request {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.RemoteAddr = "192.0.2.10:1234"
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	} else if path == "/api/v1/me" {
		req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	}
	return req
}

// Tokens, sessions and tenancy through the API.
func TestAPITokensAndTenancy(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		ed := f.Members[authz.Editor]
		// A new token works, is listed with a prefix only, and can be revoked.
		resp := f.Do(t, "POST", "/api/v1/tokens", ed.Token, `{"name":"laptop"}`)
		var created struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || resp.Status != 201 || created.Token == "" {
			t.Fatalf("create token: %d %s", resp.Status, resp.Body)
		}
		if r := f.Do(t, "GET", "/api/v1/me", created.Token, ""); r.Status != 200 || !strings.Contains(r.Body, ed.Email) {
			t.Errorf("new token: %d %s", r.Status, r.Body)
		}
		list := f.Do(t, "GET", "/api/v1/tokens", ed.Token, "")
		if strings.Contains(list.Body, created.Token) || !strings.Contains(list.Body, "laptop") {
			t.Errorf("token list shows the secret or misses the token: %s", list.Body)
		}
		// Another user can neither see nor revoke it.
		other := f.Members[authz.Admin]
		if r := f.Do(t, "GET", "/api/v1/tokens", other.Token, ""); strings.Contains(r.Body, "laptop") {
			t.Errorf("another user sees the token: %s", r.Body)
		}
		if r := f.Do(t, "DELETE", "/api/v1/tokens/"+itoa(created.ID), other.Token, ""); r.Status != 404 {
			t.Errorf("another user revokes the token: %d", r.Status)
		}
		if r := f.Do(t, "DELETE", "/api/v1/tokens/"+itoa(created.ID), ed.Token, ""); r.Status != 204 {
			t.Errorf("revoke: %d %s", r.Status, r.Body)
		}
		if r := f.Do(t, "GET", "/api/v1/me", created.Token, ""); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("revoked token: %d %v", r.Status, r.Header)
		}
		// Lists show only the caller's organisations.
		orgs := f.Do(t, "GET", "/api/v1/orgs", f.Outsider.Token, "")
		if strings.Contains(orgs.Body, f.A.Slug) || !strings.Contains(orgs.Body, f.B.Slug) {
			t.Errorf("outsider's org list: %s", orgs.Body)
		}
		me := f.Do(t, "GET", "/api/v1/me", f.Outsider.Token, "")
		if strings.Contains(me.Body, f.A.Name) || strings.Contains(me.Body, "password") {
			t.Errorf("me: %s", me.Body)
		}
		// Audit entries of A are not visible through B.
		if r := f.Do(t, "GET", "/api/v1/orgs/"+itoa(f.B.ID)+"/audit", f.Outsider.Token, ""); strings.Contains(r.Body, f.Members[authz.Editor].Email) {
			t.Errorf("B's audit shows A's members: %s", r.Body)
		}
		// Rule: a ministry admin creates a mission of their ministry.
		r := f.Do(t, "POST", "/api/v1/orgs", other.Token, `{"name":"Consulate in Graz","kind":"mission","parent_id":`+itoa(f.A.ID)+`}`)
		if r.Status != 201 || !strings.Contains(r.Body, `"slug":"consulate-in-graz"`) || r.Header.Get("Location") == "" {
			t.Errorf("admin creates mission: %d %s", r.Status, r.Body)
		}
		// …but not one of another ministry.
		r = f.Do(t, "POST", "/api/v1/orgs", other.Token, `{"name":"Consulate in Linz","kind":"mission","parent_id":`+itoa(f.B.ID)+`}`)
		if r.Status != 403 {
			t.Errorf("admin of A creates a mission of B: %d %s", r.Status, r.Body)
		}
	})
}
