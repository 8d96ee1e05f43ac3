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

// The API is described by several documents: the core at openAPICoreURL,
// which lists every document in x-attache-documents, and one per area.
const openAPICoreURL = "/api/v1/openapi.json"

// openAPIDoc is one served document with its own schema compiler, so that
// a $ref can only resolve inside the document that holds it.
type openAPIDoc struct {
	url      string
	raw      map[string]any
	compiler *jsonschema.Compiler
	cache    map[string]*jsonschema.Schema
}

// openAPI is every served document, the core first.
type openAPI struct {
	docs []*openAPIDoc
}

// loadOpenAPI fetches the core document and every document it lists.
func loadOpenAPI(t *testing.T, ta *TestApp) *openAPI {
	t.Helper()
	core := loadOpenAPIDoc(t, ta, openAPICoreURL)
	o := &openAPI{docs: []*openAPIDoc{core}}
	list, _ := core.raw["x-attache-documents"].([]any)
	for _, e := range list {
		url, _ := e.(map[string]any)["url"].(string)
		if url != openAPICoreURL {
			o.docs = append(o.docs, loadOpenAPIDoc(t, ta, url))
		}
	}
	return o
}

func loadOpenAPIDoc(t *testing.T, ta *TestApp, url string) *openAPIDoc {
	t.Helper()
	resp := ta.Do(t, "GET", url, "", "")
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %d %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &raw); err != nil {
		t.Fatalf("%s is not JSON: %v", url, err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(resp.Body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("https://attache.invalid"+url, doc); err != nil {
		t.Fatalf("add %s as a resource: %v", url, err)
	}
	return &openAPIDoc{url: url, raw: raw, compiler: c, cache: map[string]*jsonschema.Schema{}}
}

// docFor returns the document that describes the path pattern (nil if
// none does).
func (o *openAPI) docFor(pattern string) *openAPIDoc {
	for _, d := range o.docs {
		if paths, _ := d.raw["paths"].(map[string]any); paths[pattern] != nil {
			return d
		}
	}
	return nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// at resolves a JSON pointer ("#/a/b") in the document.
func (o *openAPIDoc) at(ptr string) (any, bool) {
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

func (o *openAPIDoc) schema(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	if s, ok := o.cache[ptr]; ok {
		return s
	}
	s, err := o.compiler.Compile("https://attache.invalid" + o.url + ptr)
	if err != nil {
		t.Fatalf("%s: compile schema %s: %v", o.url, ptr, err)
	}
	o.cache[ptr] = s
	return s
}

// Every document is a valid OpenAPI 3.1 document on its own, and together
// they are one API: operation ids unique across them, each listing all of
// them, the core describing where the areas are.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	ta := NewTestApp(t, testutil.SQLite(t))
	o := loadOpenAPI(t, ta)
	if len(o.docs) < 3 {
		t.Fatalf("%d documents: the core should list the academy and listening documents", len(o.docs))
	}
	index, _ := json.Marshal(o.docs[0].raw["x-attache-documents"])
	ids := map[string]string{}
	for i, d := range o.docs {
		checkOpenAPIDoc(t, d, ids)
		if got, _ := json.Marshal(d.raw["x-attache-documents"]); !bytes.Equal(got, index) {
			t.Errorf("%s lists the documents as %s, the core as %s", d.url, got, index)
		}
		desc, _ := d.raw["info"].(map[string]any)["description"].(string)
		if i > 0 && !strings.Contains(desc, openAPICoreURL) {
			t.Errorf("%s: info.description does not point to the core document", d.url)
		}
		if i > 0 && !strings.Contains(o.docs[0].raw["info"].(map[string]any)["description"].(string), d.url) {
			t.Errorf("the core's info.description does not name %s", d.url)
		}
	}
	// The validator really validates.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"id":"one","slug":"x","name":"x","kind":"embassy","time_zone":"UTC","require_2fa":false,"created_at":"yesterday"}`))
	if err := o.docs[0].schema(t, "#/components/schemas/Org").Validate(bad); err == nil {
		t.Error("an invalid Org validates: the schema checks nothing")
	}
	// An unknown area is a problem, not a document.
	for _, p := range []string{"/api/v1/openapi/nope.json", "/api/v1/openapi/academy", "/api/v1/openapi/.json"} {
		resp := ta.Do(t, "GET", p, "", "")
		o.validate(t, "GET "+p, "GET", "/api/v1/openapi/{document}", resp)
		if resp.Status != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.Status)
		}
	}
}

// checkOpenAPIDoc checks one document on its own; ids collects operation
// ids across documents.
func checkOpenAPIDoc(t *testing.T, o *openAPIDoc, ids map[string]string) {
	t.Helper()
	if v, _ := o.raw["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("%s: openapi = %q, want 3.1.x", o.url, v)
	}
	if info, _ := o.raw["info"].(map[string]any); info["title"] == nil || info["version"] == nil {
		t.Errorf("%s: info needs title and version: %v", o.url, info)
	}
	if _, ok := o.at("#/components/securitySchemes/bearer"); !ok {
		t.Errorf("%s: no bearer security scheme", o.url)
	}
	// Every $ref resolves within the document.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !strings.HasPrefix(ref, "#/") {
					t.Errorf("%s %s: $ref %q is not local", o.url, path, ref)
				} else if _, ok := o.at(ref); !ok {
					t.Errorf("%s %s: $ref %q does not resolve", o.url, path, ref)
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
	// Every operation: unique operationId, documented responses, and the
	// inline schemas compile too.
	paths, _ := o.raw["paths"].(map[string]any)
	for p, item := range paths {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			opm := op.(map[string]any)
			id, _ := opm["operationId"].(string)
			if id == "" || ids[id] != "" {
				t.Errorf("%s: %s %s: operationId %q missing or duplicate (also %s)", o.url, method, p, id, ids[id])
			}
			ids[id] = o.url + " " + method + " " + p
			resps, _ := opm["responses"].(map[string]any)
			if len(resps) == 0 {
				t.Errorf("%s: %s %s: no responses", o.url, method, p)
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
func (o *openAPIDoc) followRef(t *testing.T, ptr string) string {
	t.Helper()
	for i := 0; i < 5; i++ {
		v, ok := o.at(ptr)
		if !ok {
			t.Fatalf("%s: %s does not resolve", o.url, ptr)
		}
		ref, ok := v.(map[string]any)["$ref"].(string)
		if !ok {
			return ptr
		}
		ptr = ref
	}
	t.Fatalf("%s: %s: $ref loop", o.url, ptr)
	return ""
}

func (o *openAPIDoc) resolve(t *testing.T, ptr string) any {
	v, _ := o.at(o.followRef(t, ptr))
	return v
}

// The documents together describe exactly the registered API routes, each
// in one document only.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	ta := NewTestApp(t, testutil.SQLite(t))
	o := loadOpenAPI(t, ta)
	documented := map[string]string{} // route key → document
	for _, d := range o.docs {
		for p, item := range d.raw["paths"].(map[string]any) {
			for method := range item.(map[string]any) {
				if method == "parameters" {
					continue
				}
				k := strings.ToUpper(method) + " " + p
				if documented[k] != "" {
					t.Errorf("%s is in %s and %s", k, documented[k], d.url)
				}
				documented[k] = d.url
			}
		}
	}
	registered := map[string]bool{}
	for _, r := range ta.Router.Routes {
		if !strings.HasPrefix(r.Pattern, "/api/v1/") {
			continue
		}
		registered[r.Key()] = true
		if documented[r.Key()] == "" {
			t.Errorf("route %s is in no OpenAPI document", r.Key())
		}
	}
	for k, url := range documented {
		if !registered[k] {
			t.Errorf("%s documents %s, which is not a route", url, k)
		}
	}
	// Access in the document matches the route: public routes say so.
	for _, r := range ta.Router.Routes {
		d := o.docFor(r.Pattern)
		if !registered[r.Key()] || d == nil {
			continue // reported above
		}
		op, ok := d.at("#/paths/" + escapePointer(r.Pattern) + "/" + strings.ToLower(r.Method))
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
			{"GET", "/api/v1/openapi/{document}", "/api/v1/openapi/academy.json", "", "", 200},
			{"GET", "/api/v1/openapi/{document}", "/api/v1/openapi/listening.json", admin.Token, "", 200},
			{"GET", "/api/v1/openapi/{document}", "/api/v1/openapi/imports.json", "", "", 404},
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

// validate checks a response against the schema documented for its status
// and media type in the document that holds the path.
func (o *openAPI) validate(t *testing.T, name, method, pattern string, resp Response) {
	t.Helper()
	d := o.docFor(pattern)
	if d == nil {
		t.Errorf("%s: %s is in no OpenAPI document", name, pattern)
		return
	}
	ptr := "#/paths/" + escapePointer(pattern) + "/" + strings.ToLower(method) + "/responses/" + fmt.Sprint(resp.Status)
	if _, ok := d.at(ptr); !ok {
		t.Errorf("%s: status %d is not documented", name, resp.Status)
		return
	}
	r := d.resolve(t, ptr).(map[string]any)
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
	s := d.schema(t, d.followRef(t, ptr)+"/content/"+escapePointer(mt)+"/schema")
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s: body does not match the schema in %s: %v\nbody: %.500s", name, d.url, err, resp.Body)
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
	d := o.docFor(pattern)
	if d == nil {
		t.Errorf("%s: %s is in no OpenAPI document", name, pattern)
		return
	}
	ptr := "#/paths/" + escapePointer(pattern) + "/" + strings.ToLower(method) + "/requestBody/content/application~1json/schema"
	if _, ok := d.at(ptr); !ok {
		t.Errorf("%s: the request body is not documented", name)
		return
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Errorf("%s: request body is not JSON: %v", name, err)
		return
	}
	if err := d.schema(t, ptr).Validate(inst); err != nil {
		t.Errorf("%s: an accepted request body does not match the schema in %s: %v\nbody: %.500s", name, d.url, err, body)
	}
}

// Narratives through the topics API: the case record (claim, disproof,
// counter-lines, countries, languages) is accepted as documented and comes
// back normalised in the documented shape; a change of kind is a 422.
func TestOpenAPINarrativesMatchSchemas(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		analyst := f.Members[authz.Analyst]
		const (
			topics = "/api/v1/orgs/{org}/topics"
			topic  = "/api/v1/orgs/{org}/topics/{id}"
		)
		base := "/api/v1/orgs/" + f.A.Slug + "/topics"
		call := func(name, method, pattern, path, body string, want int) Response {
			t.Helper()
			resp := f.Do(t, method, path, analyst.Token, body)
			wantStatus(t, name, resp, want)
			o.validate(t, name, method, pattern, resp)
			if body != "" && resp.Status < 300 {
				o.validateRequest(t, name, method, pattern, body)
			}
			return resp
		}
		var got struct {
			ID           int64    `json:"id"`
			Kind         string   `json:"kind"`
			CounterLines []string `json:"counter_lines"`
			Countries    []string `json:"countries"`
			Languages    []string `json:"languages"`
		}
		r := call("create a narrative", "POST", topics, base, `{"name":"Stolen grain","query":"grain AND (stolen OR theft)","kind":"narrative",
			"claim":"Ukraine sells stolen grain.","disproof":"Customs records of every shipment (source: the corridor's register).",
			"counter_lines":["The corridor feeds importing countries.","  "],"countries":["eg"," LB"],"languages":["ar","en-GB"]}`, 201)
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Kind != "narrative" || !slices.Equal(got.Countries, []string{"EG", "LB"}) || !slices.Equal(got.Languages, []string{"ar", "en"}) || len(got.CounterLines) != 1 {
			t.Errorf("the narrative is not normalised: %s", r.Body)
		}
		narrative := base + "/" + itoa(got.ID)
		r = call("create a topic", "POST", topics, base, `{"name":"Grain","query":"grain","kind":"topic"}`, 201)
		if !strings.Contains(r.Body, `"kind":"topic"`) || strings.Contains(r.Body, `"claim"`) {
			t.Errorf("a topic: %s", r.Body)
		}
		_ = json.Unmarshal([]byte(r.Body), &got)
		plain := base + "/" + itoa(got.ID)
		call("a narrative without a claim", "POST", topics, base, `{"name":"No claim","query":"x","kind":"narrative"}`, 422)
		call("a topic with a claim", "POST", topics, base, `{"name":"Claimed","query":"x","claim":"Something."}`, 422)
		call("an unknown kind", "POST", topics, base, `{"name":"Odd","query":"x","kind":"rumour"}`, 422)
		call("list", "GET", topics, base, "", 200)
		call("get the narrative", "GET", topic, narrative, "", 200)
		call("edit the case record", "PATCH", topic, narrative, `{"kind":"narrative","claim":"Ukraine sells stolen grain abroad.","counter_lines":["One.","Two."],"languages":[]}`, 200)
		if r := call("change the kind", "PATCH", topic, narrative, `{"kind":"topic"}`, 422); !strings.Contains(r.Body, `"/kind"`) {
			t.Errorf("the 422 does not name kind: %s", r.Body)
		}
		call("rename the topic", "PATCH", topic, plain, `{"name":"Grain exports"}`, 200)
		call("give the topic a claim", "PATCH", topic, plain, `{"claim":"Something."}`, 422)
	})
}
