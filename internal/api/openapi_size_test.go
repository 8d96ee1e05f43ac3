package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// Scripts (the acceptance checks among them) pass a document to a tool as
// one command-line argument, which Linux limits to 128 KiB. Each served
// document stays below 100 KiB, leaving room to grow: reuse components
// with $ref rather than repeating schemas (the standard responses are named
// by their status for that), and give a large new area a document of its
// own ("x-attache-area" in its files) rather than raising the limit.
func TestOpenAPIDocumentsFitInOneArgument(t *testing.T) {
	const limit = 100 << 10
	docs := OpenAPIDocuments()
	for _, url := range slices.Sorted(maps.Keys(docs)) {
		n := len(docs[url])
		t.Logf("%s: %d bytes (limit %d)", url, n, limit)
		if n > limit {
			t.Errorf("%s is %d bytes; keep it under %d (see the comment)", url, n, limit)
		}
	}
	for _, url := range []string{"/api/v1/openapi.json", "/api/v1/openapi/academy.json", "/api/v1/openapi/coordination.json", "/api/v1/openapi/listening.json"} {
		if docs[url] == nil {
			t.Errorf("%s is not served", url)
		}
	}
}

// The path parameter of /api/v1/openapi/{document} lists exactly the
// served area documents.
func TestOpenAPIDocumentParameterListsAreas(t *testing.T) {
	var core struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Name   string
					Schema struct{ Enum []string }
				}
			}
		}
	}
	if err := json.Unmarshal(OpenAPIDocument(), &core); err != nil {
		t.Fatal(err)
	}
	ps := core.Paths["/api/v1/openapi/{document}"].Get.Parameters
	if len(ps) != 1 || ps[0].Name != "document" {
		t.Fatalf("parameters of /api/v1/openapi/{document}: %+v", ps)
	}
	var want []string
	for a := range openAPIDocs.areas {
		want = append(want, a+".json")
	}
	slices.Sort(want)
	if got := slices.Sorted(slices.Values(ps[0].Schema.Enum)); !slices.Equal(got, want) {
		t.Errorf("document enum = %v, want the served areas %v", got, want)
	}
}

const testOpenAPIBase = `{"openapi":"3.1.0","info":{"title":"T","version":"1","description":"D"},
	"security":[{"bearer":[]}],"tags":[{"name":"core"},{"name":"alpha"},{"name":"unused"}],"paths":{},
	"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},
	"responses":{"404":{"description":"none","content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}},
	"schemas":{"Problem":{"type":"object"},"Shared":{"type":"object","properties":{"p":{"$ref":"#/components/schemas/Deep"}}},
	"Deep":{"type":"string"},"Unused":{"type":"integer"}}}}`

func testOpenAPIFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{"openapi/00-base.json": {Data: []byte(testOpenAPIBase)}}
	for n, s := range files {
		fsys["openapi/"+n] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

func decodeOpenAPI(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func componentNames(doc map[string]any, kind string) []string {
	c, _ := doc["components"].(map[string]any)
	m, _ := c[kind].(map[string]any)
	return slices.Sorted(maps.Keys(m))
}

// Files go to the core or to their area's document; each document keeps
// the components it references (transitively, wherever they are defined:
// alpha uses the core file's C), the security schemes and the tags its
// operations use, and lists every document.
func TestBuildOpenAPISplitsByArea(t *testing.T) {
	set, err := buildOpenAPI(testOpenAPIFS(map[string]string{
		"10-core.json": `{"paths":{"/c":{"get":{"tags":["core"],"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/C"}}}}}}}},
			"components":{"schemas":{"C":{"type":"object"}}}}`,
		"70-alpha.json": `{"x-attache-area":"alpha","paths":{"/a":{"get":{"tags":["alpha"],"responses":{"404":{"$ref":"#/components/responses/404"},
			"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},
			"components":{"schemas":{"A":{"type":"object","properties":{"s":{"$ref":"#/components/schemas/Shared"},"c":{"$ref":"#/components/schemas/C"}}}}}}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	core, alpha := decodeOpenAPI(t, set.core), decodeOpenAPI(t, set.areas["alpha"])
	if len(set.areas) != 1 {
		t.Errorf("areas: %v", slices.Collect(maps.Keys(set.areas)))
	}
	for _, c := range []struct {
		name       string
		doc        map[string]any
		schemas    []string
		paths, tag string
	}{
		{"core", core, []string{"C"}, "/c", "core"},
		{"alpha", alpha, []string{"A", "C", "Deep", "Problem", "Shared"}, "/a", "alpha"},
	} {
		if got := componentNames(c.doc, "schemas"); !slices.Equal(got, c.schemas) {
			t.Errorf("%s: schemas %v, want %v", c.name, got, c.schemas)
		}
		if got := componentNames(c.doc, "securitySchemes"); !slices.Equal(got, []string{"bearer"}) {
			t.Errorf("%s: security schemes %v", c.name, got)
		}
		if paths, _ := c.doc["paths"].(map[string]any); len(paths) != 1 || paths[c.paths] == nil {
			t.Errorf("%s: paths %v", c.name, paths)
		}
		if tags, _ := json.Marshal(c.doc["tags"]); string(tags) != `[{"name":"`+c.tag+`"}]` {
			t.Errorf("%s: tags %s", c.name, tags)
		}
		if _, ok := c.doc["x-attache-area"]; ok {
			t.Errorf("%s: the area key is served", c.name)
		}
		if idx, _ := json.Marshal(c.doc["x-attache-documents"]); string(idx) != `[{"name":"core","url":"/api/v1/openapi.json"},{"name":"alpha","url":"/api/v1/openapi/alpha.json"}]` {
			t.Errorf("%s: x-attache-documents %s", c.name, idx)
		}
	}
	if got := componentNames(core, "responses"); len(got) != 0 {
		t.Errorf("core keeps unreferenced responses %v", got)
	}
	coreInfo, _ := core["info"].(map[string]any)
	if d, _ := coreInfo["description"].(string); !strings.HasPrefix(d, "D") || !strings.Contains(d, "`/api/v1/openapi/alpha.json`") {
		t.Errorf("core description does not list the areas: %q", d)
	}
	alphaInfo, _ := alpha["info"].(map[string]any)
	if d, _ := alphaInfo["description"].(string); !strings.Contains(d, "`/api/v1/openapi.json`") || alphaInfo["title"] != "T: alpha" {
		t.Errorf("alpha info does not point to the core: %v", alphaInfo)
	}
}

// Bad sets of files are refused with the reason.
func TestBuildOpenAPIRefuses(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"a component nobody defines", map[string]string{
			"10-core.json":  `{"components":{"schemas":{"C":{"type":"object"}}}}`,
			"70-alpha.json": `{"x-attache-area":"alpha","paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/schemas/D"}}}}}}`,
		}, `"#/components/schemas/D" does not resolve`},
		{"a component defined in two documents", map[string]string{
			"10-core.json":  `{"components":{"schemas":{"X":{"type":"object"}}}}`,
			"70-alpha.json": `{"x-attache-area":"alpha","components":{"schemas":{"X":{"type":"string"}}}}`,
		}, `defines "X" again`},
		{"an operation defined in two documents", map[string]string{
			"10-core.json":  `{"paths":{"/x":{"get":{"responses":{}}}}}`,
			"70-alpha.json": `{"x-attache-area":"alpha","paths":{"/x":{"get":{"responses":{}}}}}`,
		}, `defines "get" again`},
		{"a reference outside the document", map[string]string{
			"10-core.json": `{"paths":{"/x":{"get":{"responses":{"200":{"$ref":"other.json#/components/responses/200"}}}}}}`,
		}, "does not name a component"},
		{"an area name that is not a name", map[string]string{
			"70-alpha.json": `{"x-attache-area":"../Alpha"}`,
		}, "must be a lower-case name"},
		{"an area called core", map[string]string{
			"70-alpha.json": `{"x-attache-area":"core"}`,
		}, "must be a lower-case name"},
		{"an area that is not a string", map[string]string{
			"70-alpha.json": `{"x-attache-area":7}`,
		}, "must be a lower-case name"},
		{"a file that is not JSON", map[string]string{
			"70-alpha.json": `{"paths":`,
		}, "70-alpha.json"},
	} {
		_, err := buildOpenAPI(testOpenAPIFS(c.files))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	base := fstest.MapFS{"openapi/00-base.json": {Data: []byte(`{"x-attache-area":"alpha"}`)}}
	if _, err := buildOpenAPI(base); err == nil || !strings.Contains(err.Error(), "base") {
		t.Errorf("a base naming an area: %v", err)
	}
}
