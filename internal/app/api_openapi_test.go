package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/testutil"
)

const openAPIURL = "https://attache.invalid/api/v1/openapi.json"

type openAPI struct {
	raw      map[string]any
	compiler *jsonschema.Compiler
	cache    map[string]*jsonschema.Schema
}

func loadOpenAPI(t *testing.T, ta *TestApp) *openAPI {
	t.Helper()
	resp := ta.Do(t, "GET", "/api/v1/openapi.json", "", "")
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET openapi.json: %d %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &raw); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(openAPIURL, doc); err != nil {
		t.Fatalf("add openapi.json as a resource: %v", err)
	}
	return &openAPI{raw: raw, compiler: c, cache: map[string]*jsonschema.Schema{}}
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// at resolves a JSON pointer ("#/a/b") in the document.
func (o *openAPI) at(ptr string) (any, bool) {
	var cur any = o.raw
	for _, p := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if ok {
			cur, ok = m[p]
			if !ok {
				return nil, false
			}
			continue
		}
		a, ok := cur.([]any)
		if !ok {
			return nil, false
		}
		var i int
		if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(a) {
			return nil, false
		}
		cur = a[i]
	}
	return cur, true
}

func (o *openAPI) schema(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	if s, ok := o.cache[ptr]; ok {
		return s
	}
	s, err := o.compiler.Compile(openAPIURL + ptr)
	if err != nil {
		t.Fatalf("compile schema %s: %v", ptr, err)
	}
	o.cache[ptr] = s
	return s
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	ta := NewTestApp(t, testutil.SQLite(t))
	o := loadOpenAPI(t, ta)
	if v, _ := o.raw["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	if info, _ := o.raw["info"].(map[string]any); info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs title and version: %v", info)
	}
	// Every $ref resolves.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !strings.HasPrefix(ref, "#/") {
					t.Errorf("%s: $ref %q is not local", path, ref)
				} else if _, ok := o.at(ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", path, ref)
				}
			}
			for k, c := range x {
				walk(path+"/"+escapePointer(k), c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", path, i), c)
			}
		}
	}
	walk("#", o.raw)
	// Every component schema compiles as JSON Schema 2020-12.
	schemas, _ := o.at("#/components/schemas")
	for name := range schemas.(map[string]any) {
		o.schema(t, "#/components/schemas/"+escapePointer(name))
	}
	// The validator really validates.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"id":"one","slug":"x","name":"x","kind":"embassy","time_zone":"UTC","require_2fa":false,"created_at":"yesterday"}`))
	if err := o.schema(t, "#/components/schemas/Org").Validate(bad); err == nil {
		t.Error("an invalid Org validates: the schema checks nothing")
	}
	// Every operation: unique operationId, documented responses, and the
	// inline schemas compile too.
	ids := map[string]string{}
	paths, _ := o.raw["paths"].(map[string]any)
	for p, item := range paths {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			opm := op.(map[string]any)
			id, _ := opm["operationId"].(string)
			if id == "" || ids[id] != "" {
				t.Errorf("%s %s: operationId %q missing or duplicate (also %s)", method, p, id, ids[id])
			}
			ids[id] = method + " " + p
			resps, _ := opm["responses"].(map[string]any)
			if len(resps) == 0 {
				t.Errorf("%s %s: no responses", method, p)
			}
			for code := range resps {
				ptr := "#/paths/" + escapePointer(p) + "/" + method + "/responses/" + code
				r := o.resolve(t, ptr)
				content, _ := r.(map[string]any)["content"].(map[string]any)
				for _, ct := range slices.Sorted(mapKeys(content)) {
					o.schema(t, o.followRef(t, ptr)+"/content/"+escapePointer(ct)+"/schema")
				}
			}
		}
	}
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// followRef returns the pointer of the object at ptr after following a
// $ref it may hold (responses are often references to components).
func (o *openAPI) followRef(t *testing.T, ptr string) string {
	t.Helper()
	for i := 0; i < 5; i++ {
		v, ok := o.at(ptr)
		if !ok {
			t.Fatalf("%s does not resolve", ptr)
		}
		ref, ok := v.(map[string]any)["$ref"].(string)
		if !ok {
			return ptr
		}
		ptr = ref
	}
	t.Fatalf("%s: $ref loop", ptr)
	return ""
}

func (o *openAPI) resolve(t *testing.T, ptr string) any {
	v, _ := o.at(o.followRef(t, ptr))
	return v
}

// The document describes exactly the registered API routes.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	ta := NewTestApp(t, testutil.SQLite(t))
	o := loadOpenAPI(t, ta)
	documented := map[string]bool{}
	for p, item := range o.raw["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+p] = true
			}
		}
	}
	registered := map[string]bool{}
	for _, r := range ta.Router.Routes {
		if !strings.HasPrefix(r.Pattern, "/api/v1/") {
			continue
		}
		registered[r.Key()] = true
		if !documented[r.Key()] {
			t.Errorf("route %s is not in openapi.json", r.Key())
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %s, which is not a route", k)
		}
	}
	// Access in the document matches the route: public routes say so.
	for _, r := range ta.Router.Routes {
		if !registered[r.Key()] {
			continue
		}
		op, ok := o.at("#/paths/" + escapePointer(r.Pattern) + "/" + strings.ToLower(r.Method))
		if !ok {
			continue // reported above
		}
		sec, has := op.(map[string]any)["security"]
		public := has && len(sec.([]any)) == 0
		if public != (r.Access == httpx.Public) {
			t.Errorf("%s: documented as public=%v, route access %v", r.Key(), public, r.Access)
		}
	}
}

// Real responses of a populated instance validate against the schema
// documented for their status code and media type.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		admin, editor := f.Members[authz.Admin], f.Members[authz.Editor]
		a := itoa(f.A.ID)
		// Make some invitations, tokens and audit entries to list.
		inv := f.Do(t, "POST", "/api/v1/orgs/"+a+"/invitations", admin.Token, `{"email":"new@example.org","role":"analyst"}`)
		var invBody struct{ ID int64 }
		_ = json.Unmarshal([]byte(inv.Body), &invBody)
		tok := f.Do(t, "POST", "/api/v1/tokens", editor.Token, `{"name":"script","expires_in_days":7}`)
		var tokBody struct{ ID int64 }
		_ = json.Unmarshal([]byte(tok.Body), &tokBody)

		cases := []struct {
			method, pattern, path, token, body string
			status                             int
		}{
			{"GET", "/api/v1/me", "/api/v1/me", admin.Token, "", 200},
			{"GET", "/api/v1/me", "/api/v1/me", "", "", 401},
			{"GET", "/api/v1/me", "/api/v1/me", "att_unknown", "", 401},
			{"GET", "/api/v1/orgs", "/api/v1/orgs", admin.Token, "", 200},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", f.Organiser.Token, `{"name":"Ministry Gamma","kind":"ministry","country":"GA","time_zone":"Europe/Paris"}`, 201},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", editor.Token, `{"name":"Ministry Delta","kind":"ministry"}`, 403},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", f.Organiser.Token, `{"name":"Mission","kind":"mission"}`, 422},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", f.Organiser.Token, `{"name":`, 400},
			{"GET", "/api/v1/orgs/{org}", "/api/v1/orgs/" + a, editor.Token, "", 200},
			{"GET", "/api/v1/orgs/{org}", "/api/v1/orgs/" + f.Mission.Slug, admin.Token, "", 200},
			{"GET", "/api/v1/orgs/{org}", "/api/v1/orgs/" + a, f.Outsider.Token, "", 404},
			{"PATCH", "/api/v1/orgs/{org}", "/api/v1/orgs/" + a, admin.Token, `{"country":"al","require_2fa":false}`, 200},
			{"PATCH", "/api/v1/orgs/{org}", "/api/v1/orgs/" + a, editor.Token, `{"country":"al"}`, 403},
			{"GET", "/api/v1/orgs/{org}/members", "/api/v1/orgs/" + a + "/members", editor.Token, "", 200},
			{"PUT", "/api/v1/orgs/{org}/members/{user}", "/api/v1/orgs/" + a + "/members/" + itoa(editor.ID), admin.Token, `{"role":"editor"}`, 200},
			{"PUT", "/api/v1/orgs/{org}/members/{user}", "/api/v1/orgs/" + a + "/members/" + itoa(admin.ID), admin.Token, `{"role":"editor"}`, 409},
			{"PUT", "/api/v1/orgs/{org}/members/{user}", "/api/v1/orgs/" + a + "/members/" + itoa(editor.ID), admin.Token, `{"role":"owner"}`, 422},
			{"DELETE", "/api/v1/orgs/{org}/members/{user}", "/api/v1/orgs/" + a + "/members/" + itoa(admin.ID), admin.Token, "", 409},
			{"DELETE", "/api/v1/orgs/{org}/members/{user}", "/api/v1/orgs/" + a + "/members/" + itoa(f.Outsider.ID), admin.Token, "", 404},
			{"GET", "/api/v1/orgs/{org}/invitations", "/api/v1/orgs/" + a + "/invitations", admin.Token, "", 200},
			{"POST", "/api/v1/orgs/{org}/invitations", "/api/v1/orgs/" + a + "/invitations", admin.Token, `{"email":"other@example.org","role":"alumni"}`, 201},
			{"POST", "/api/v1/orgs/{org}/invitations", "/api/v1/orgs/" + a + "/invitations", admin.Token, `{"email":"` + editor.Email + `","role":"alumni"}`, 422},
			{"DELETE", "/api/v1/orgs/{org}/invitations/{id}", "/api/v1/orgs/" + a + "/invitations/" + itoa(invBody.ID), admin.Token, "", 204},
			{"DELETE", "/api/v1/orgs/{org}/invitations/{id}", "/api/v1/orgs/" + a + "/invitations/" + itoa(invBody.ID), admin.Token, "", 404},
			{"GET", "/api/v1/orgs/{org}/invitations", "/api/v1/orgs/" + a + "/invitations", admin.Token, "", 200},
			{"GET", "/api/v1/orgs/{org}/audit", "/api/v1/orgs/" + a + "/audit?limit=50", admin.Token, "", 200},
			{"GET", "/api/v1/orgs/{org}/audit", "/api/v1/orgs/" + a + "/audit", editor.Token, "", 403},
			{"GET", "/api/v1/tokens", "/api/v1/tokens", editor.Token, "", 200},
			{"POST", "/api/v1/tokens", "/api/v1/tokens", editor.Token, `{"name":""}`, 422},
			{"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/" + itoa(tokBody.ID), editor.Token, "", 204},
			{"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/" + itoa(tokBody.ID), admin.Token, "", 404},
			{"GET", "/api/v1/tokens", "/api/v1/tokens", editor.Token, "", 200},
			{"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", "", "", 200},
			{"POST", "/api/v1/tokens", "/api/v1/tokens", editor.Token, `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
			{"PATCH", "/api/v1/orgs/{org}", "/api/v1/orgs/" + a, admin.Token, "name=x", 415},
		}
		for _, c := range cases {
			resp := f.Do(t, c.method, c.path, c.token, c.body)
			if strings.HasPrefix(c.body, "name=") {
				resp = f.Serve(newAPIRequest(c.method, c.path, c.token, c.body, "application/x-www-form-urlencoded"))
			}
			name := fmt.Sprintf("%s %s → %d", c.method, c.path, resp.Status)
			if resp.Status != c.status {
				t.Errorf("%s: want %d: %.300s", name, c.status, resp.Body)
				continue
			}
			o.validate(t, name, c.method, c.pattern, resp)
		}
		for _, s := range []string{inv.Body, tok.Body} {
			if !strings.Contains(s, `"id"`) {
				t.Errorf("setup request failed: %s", s)
			}
		}
		o.validate(t, "create invitation", "POST", "/api/v1/orgs/{org}/invitations", inv)
		o.validate(t, "create token", "POST", "/api/v1/tokens", tok)
	})
}

func (o *openAPI) validate(t *testing.T, name, method, pattern string, resp Response) {
	t.Helper()
	ptr := "#/paths/" + escapePointer(pattern) + "/" + strings.ToLower(method) + "/responses/" + fmt.Sprint(resp.Status)
	if _, ok := o.at(ptr); !ok {
		t.Errorf("%s: status %d is not documented", name, resp.Status)
		return
	}
	r := o.resolve(t, ptr).(map[string]any)
	content, _ := r["content"].(map[string]any)
	if resp.Status == http.StatusNoContent || len(content) == 0 {
		if resp.Body != "" {
			t.Errorf("%s: documented without content, got %.200q", name, resp.Body)
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if _, ok := content[mt]; !ok {
		t.Errorf("%s: Content-Type %q not documented (have %v)", name, mt, slices.Collect(mapKeys(content)))
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(resp.Body)))
	if err != nil {
		t.Errorf("%s: body is not JSON: %v", name, err)
		return
	}
	s := o.schema(t, o.followRef(t, ptr)+"/content/"+escapePointer(mt)+"/schema")
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s: body does not match the documented schema: %v\nbody: %.500s", name, err, resp.Body)
	}
}

// The campaign studio's responses, made in the order a user would (each
// step may use what the earlier ones created), validate against the
// document: among them a created campaign, an item with its variants, the
// 422 of a text over its network's limit, the 403 of four eyes and the 409
// of a locked variant.
func TestOpenAPICampaignResponsesMatchSchemas(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		admin, editor, reviewer := f.Members[authz.Admin], f.Members[authz.Editor], f.Members[authz.Reviewer]
		a := "/api/v1/orgs/" + itoa(f.A.ID)
		ids := map[string]string{}
		do := func(method, pattern, path, token, body string, status int, save string) {
			t.Helper()
			for k, v := range ids {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
				body = strings.ReplaceAll(body, "{"+k+"}", v)
			}
			resp := f.Do(t, method, path, token, body)
			name := fmt.Sprintf("%s %s → %d", method, path, resp.Status)
			if resp.Status != status {
				t.Fatalf("%s: want %d: %.500s", name, status, resp.Body)
			}
			o.validate(t, name, method, pattern, resp)
			if status < 300 && body != "" {
				o.validateRequest(t, name, method, pattern, body)
			}
			if save != "" {
				var x struct {
					ID       int64 `json:"id"`
					Variants []struct {
						ID int64 `json:"id"`
					} `json:"variants"`
				}
				_ = json.Unmarshal([]byte(resp.Body), &x)
				ids[save] = itoa(x.ID)
				for i, v := range x.Variants {
					ids[fmt.Sprintf("%s.v%d", save, i)] = itoa(v.ID)
				}
			}
		}
		const (
			accounts = "/api/v1/orgs/{org}/channel-accounts"
			account  = "/api/v1/orgs/{org}/channel-accounts/{id}"
			items    = "/api/v1/campaigns/{id}/items"
			variant  = "/api/v1/variants/{id}"
		)
		do("POST", accounts, a+"/channel-accounts", editor.Token, `{"network":"telegram","name":"MFA","handle":"@mfa","language":"uk"}`, 201, "tg")
		do("POST", accounts, a+"/channel-accounts", editor.Token, `{"network":"x","name":"MFA on X","handle":"@mfa","language":"en"}`, 201, "x")
		do("POST", accounts, a+"/channel-accounts", admin.Token, `{"network":"mastodon","name":"MFA on Mastodon","handle":"@mfa@social.example","language":"en","max_chars":1000}`, 201, "masto")
		do("POST", accounts, a+"/channel-accounts", editor.Token, `{"network":"x","name":"Again","handle":"@mfa","language":"en"}`, 422, "")
		do("POST", accounts, a+"/channel-accounts", f.Members[authz.Reviewer].Token, `{"network":"x","name":"N","handle":"@n","language":"en"}`, 403, "")
		do("PATCH", account, a+"/channel-accounts/{masto}", editor.Token, `{"max_chars":2000}`, 200, "")
		do("DELETE", account, a+"/channel-accounts/{masto}", editor.Token, "", 204, "")
		do("GET", accounts, a+"/channel-accounts?archived=true", f.Members[authz.Analyst].Token, "", 200, "")
		do("GET", "/api/v1/orgs/{org}/approval-policy", a+"/approval-policy", editor.Token, "", 200, "")
		do("PUT", "/api/v1/orgs/{org}/approval-policy", a+"/approval-policy", admin.Token, `{"steps":1,"roles":["reviewer","admin"]}`, 200, "")
		do("PUT", "/api/v1/orgs/{org}/approval-policy", a+"/approval-policy", admin.Token, `{"steps":9,"roles":["reviewer"]}`, 422, "")

		do("POST", "/api/v1/orgs/{org}/campaigns", a+"/campaigns", editor.Token, `{"title":"Grain from Ukraine","brief":"**Food** security","status":"active",
			"period":{"start":"2026-12-01","end":"2026-12-31"},"tags":["grain","food"],"utm_source":"mfa",
			"objectives":[{"title":"Reach","metric":"reach","target_value":1000000,"due_date":"2026-12-31"}],
			"audiences":[{"country":"EG","language":"ar","description":"Egyptian public"}],
			"key_messages":[{"title":"Corridor","line_to_take":true,"translations":{"uk":"Коридор працює.","en":"The corridor works."}}]}`, 201, "c")
		do("POST", "/api/v1/orgs/{org}/campaigns", a+"/campaigns", editor.Token, `{"title":"Bad","period":{"start":"2026-12-01","end":"2026-11-01"}}`, 422, "")
		do("GET", "/api/v1/orgs/{org}/campaigns", a+"/campaigns?status=active", reviewer.Token, "", 200, "")
		do("GET", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{c}", reviewer.Token, "", 200, "")
		do("GET", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{c}", f.Outsider.Token, "", 404, "")
		do("GET", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{c}", f.Members[authz.Trainer].Token, "", 403, "")
		do("PATCH", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{c}", editor.Token, `{"brief":"Changed","audiences":[]}`, 200, "")
		do("POST", "/api/v1/campaigns/{id}/partners", "/api/v1/campaigns/{c}/partners", editor.Token, `{"org_id":"`+itoa(f.B.ID)+`"}`, 200, "")
		do("DELETE", "/api/v1/campaigns/{id}/partners/{org}", "/api/v1/campaigns/{c}/partners/"+itoa(f.B.ID), editor.Token, "", 204, "")

		do("POST", items, "/api/v1/campaigns/{c}/items", editor.Token, `{"title":"Corridor","text":"Зерновий коридор працює.","link_url":"https://mfa.example/grain",
			"variants":[{"channel_account_id":{tg},"language":"uk","scheduled_at":"2026-12-05T10:00:00+02:00"},
			{"channel_account_id":"{x}","language":"en","text":"The grain corridor works."}]}`, 201, "it")
		do("POST", items, "/api/v1/campaigns/{c}/items", editor.Token, `{"text":"Too long","variants":[{"channel_account_id":{x},"text":"`+strings.Repeat("a", 281)+`"}]}`, 422, "")
		do("POST", items, "/api/v1/campaigns/{c}/items", editor.Token, `{"text":"T","variants":[{"channel_account_id":{x},"scheduled_at":"soon"}]}`, 400, "")
		do("GET", items, "/api/v1/campaigns/{c}/items", f.Members[authz.Participant].Token, "", 200, "")
		do("GET", "/api/v1/items/{id}", "/api/v1/items/{it}", reviewer.Token, "", 200, "")
		do("PATCH", "/api/v1/items/{id}", "/api/v1/items/{it}", editor.Token, `{"title":"Grain corridor"}`, 200, "")
		do("POST", "/api/v1/items/{id}/variants", "/api/v1/items/{it}/variants", editor.Token, `{"channel_account_id":{x},"language":"fr","text":"Le corridor fonctionne."}`, 201, "fr")
		do("POST", "/api/v1/items/{id}/variants", "/api/v1/items/{it}/variants", editor.Token, `{"channel_account_id":{x},"text":"`+strings.Repeat("ж", 300)+`"}`, 422, "")

		do("PATCH", variant, "/api/v1/variants/{it.v0}", editor.Token, `{"text":"Зерновий коридор працює!"}`, 200, "")
		do("POST", variant+"/submit", "/api/v1/variants/{it.v0}/submit", editor.Token, "", 200, "")
		do("POST", variant+"/approve", "/api/v1/variants/{it.v0}/approve", editor.Token, "", 403, "")
		do("POST", variant+"/approve", "/api/v1/variants/{it.v0}/approve", f.Outsider.Token, "", 404, "")
		do("POST", variant+"/approve", "/api/v1/variants/{it.v0}/approve", reviewer.Token, `{"comment":"Good."}`, 200, "")
		do("POST", variant+"/approve", "/api/v1/variants/{it.v0}/approve", admin.Token, "", 409, "")
		do("PATCH", variant, "/api/v1/variants/{it.v0}", editor.Token, `{"text":"Changed after approval"}`, 409, "")
		do("GET", variant, "/api/v1/variants/{it.v0}", f.Members[authz.Analyst].Token, "", 200, "")
		do("POST", variant+"/submit", "/api/v1/variants/{it.v1}/submit", editor.Token, "", 200, "")
		do("POST", variant+"/request-changes", "/api/v1/variants/{it.v1}/request-changes", reviewer.Token, `{}`, 422, "")
		do("POST", variant+"/request-changes", "/api/v1/variants/{it.v1}/request-changes", reviewer.Token, `{"comment":"Add the link."}`, 200, "")
		do("PATCH", variant, "/api/v1/variants/{it.v1}", editor.Token, `{"text":"With the link","scheduled_at":null}`, 200, "")
		do("GET", variant, "/api/v1/variants/{it.v1}", editor.Token, "", 200, "")

		do("GET", "/api/v1/orgs/{org}/calendar", a+"/calendar?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z&network=telegram", editor.Token, "", 200, "")
		do("GET", "/api/v1/orgs/{org}/calendar", a+"/calendar?from=2026-12-01", editor.Token, "", 422, "")
	})
}

// validateRequest checks that a request body the API accepted matches the
// documented request schema (so the document does not refuse what works).
func (o *openAPI) validateRequest(t *testing.T, name, method, pattern, body string) {
	t.Helper()
	ptr := "#/paths/" + escapePointer(pattern) + "/" + strings.ToLower(method) + "/requestBody/content/application~1json/schema"
	if _, ok := o.at(ptr); !ok {
		t.Errorf("%s: the request body is not documented", name)
		return
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Errorf("%s: request body is not JSON: %v", name, err)
		return
	}
	if err := o.schema(t, ptr).Validate(inst); err != nil {
		t.Errorf("%s: an accepted request body does not match the documented schema: %v\nbody: %.500s", name, err, body)
	}
}
