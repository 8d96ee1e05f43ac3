package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The API is described by several OpenAPI 3.1 documents, assembled from
// one file per area under openapi/. 00-base.json holds info, security and
// the shared components. A file that declares "x-attache-area": "name"
// belongs to that area's document, served at /api/v1/openapi/name.json;
// the other files make the core document, /api/v1/openapi.json. Each
// document is 00-base.json merged with its files, plus the components they
// reference wherever those are defined (a component name is unique across
// all files), and nothing else: it is complete on its own and small, for
// scripts pass a document as one command-line argument, which Linux limits
// to 128 KiB (openapi_size_test.go). A test checks that the documents'
// paths together are exactly the registered routes and that real
// responses validate against them.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

// openAPIDocs are the served documents, built once from the embedded files.
var openAPIDocs = mustBuildOpenAPI()

const openAPICoreURL = "/api/v1/openapi.json"

// openAPIAreaKey is the top-level key of a file that names its area; it
// is not served.
const openAPIAreaKey = "x-attache-area"

var openAPIAreaName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

func openAPIAreaURL(area string) string { return "/api/v1/openapi/" + area + ".json" }

// openAPISet is the core document and the area documents by area name.
type openAPISet struct {
	core  []byte
	areas map[string][]byte
}

// OpenAPIDocument returns the core OpenAPI 3.1 document (openapi.json).
func OpenAPIDocument() []byte { return openAPIDocs.core }

// OpenAPIDocuments returns every served document by its URL path: the
// core and one per area. The bytes are shared: do not modify them.
func OpenAPIDocuments() map[string][]byte {
	out := map[string][]byte{openAPICoreURL: openAPIDocs.core}
	for a, b := range openAPIDocs.areas {
		out[openAPIAreaURL(a)] = b
	}
	return out
}

func serveOpenAPI(w http.ResponseWriter, r *http.Request) { writeOpenAPI(w, openAPIDocs.core) }

// serveOpenAPIArea serves /api/v1/openapi/{document}, where document is
// "area.json" (a mux wildcard is a whole path segment, so the suffix is
// part of it).
func serveOpenAPIArea(w http.ResponseWriter, r *http.Request) {
	area, ok := strings.CutSuffix(r.PathValue("document"), ".json")
	b, found := openAPIDocs.areas[area]
	if !ok || !found {
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound,
			Detail: "no such OpenAPI document; " + openAPICoreURL + " lists them in x-attache-documents"})
		return
	}
	writeOpenAPI(w, b)
}

func writeOpenAPI(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

func mustBuildOpenAPI() openAPISet {
	s, err := buildOpenAPI(openAPIFiles)
	if err != nil {
		panic(err) // the embedded files are part of the binary: a test catches this
	}
	return s
}

// openAPIPart is one file: its area ("" for the core) and its content
// without the area key.
type openAPIPart struct {
	area string
	doc  map[string]any
}

// buildOpenAPI reads the files in name order (the first is the base) and
// builds the core and the area documents.
func buildOpenAPI(fsys fs.FS) (openAPISet, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return openAPISet{}, err
	}
	if len(names) == 0 {
		return openAPISet{}, fmt.Errorf("openapi: no files")
	}
	sort.Strings(names)
	area := map[string]string{}     // file name → area
	groups := map[string][]string{} // area → file names, the base excluded
	for i, n := range names {
		p, err := readOpenAPIPart(fsys, n)
		switch {
		case err != nil:
			return openAPISet{}, err
		case i == 0 && p.area != "":
			return openAPISet{}, fmt.Errorf("openapi: %s is the base and may not name an area", n)
		case i > 0:
			groups[p.area] = append(groups[p.area], n)
		}
		area[n] = p.area
	}
	// All files merged into one must not clash either: a path or a
	// component name means one thing across the documents.
	if _, err := mergeOpenAPIFiles(fsys, names, func(string) bool { return true }); err != nil {
		return openAPISet{}, err
	}
	areas := slices.Sorted(maps.Keys(groups))
	areas = slices.DeleteFunc(areas, func(a string) bool { return a == "" })
	index := openAPIIndex(areas)
	out := openAPISet{areas: map[string][]byte{}}
	for _, a := range append([]string{""}, areas...) {
		// Whole files of this document, and the components of the others.
		doc, err := mergeOpenAPIFiles(fsys, names, func(n string) bool { return n == names[0] || area[n] == a })
		if err != nil {
			return openAPISet{}, err
		}
		describeOpenAPI(doc, a, areas)
		doc["x-attache-documents"] = index
		if err := pruneOpenAPI(doc); err != nil {
			return openAPISet{}, fmt.Errorf("openapi: document %q: %w", a, err)
		}
		// Compact: the documents are large, and clients parse them anyway.
		b, err := json.Marshal(doc)
		if err != nil {
			return openAPISet{}, err
		}
		if a == "" {
			out.core = b
		} else {
			out.areas[a] = b
		}
	}
	return out, nil
}

func readOpenAPIPart(fsys fs.FS, name string) (openAPIPart, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return openAPIPart{}, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return openAPIPart{}, fmt.Errorf("openapi: %s: %w", name, err)
	}
	p := openAPIPart{doc: doc}
	if v, ok := doc[openAPIAreaKey]; ok {
		area, _ := v.(string)
		if !openAPIAreaName.MatchString(area) || area == "core" {
			return openAPIPart{}, fmt.Errorf("openapi: %s: %s must be a lower-case name other than core, not %v", name, openAPIAreaKey, v)
		}
		p.area = area
		delete(doc, openAPIAreaKey)
	}
	return p, nil
}

// openAPIIndex is the machine-readable list of the documents, the same in
// each, so that a client may start from any of them.
func openAPIIndex(areas []string) []any {
	out := []any{map[string]any{"name": "core", "url": openAPICoreURL}}
	for _, a := range areas {
		out = append(out, map[string]any{"name": a, "url": openAPIAreaURL(a)})
	}
	return out
}

// describeOpenAPI says in info where the other documents are: the core
// lists the areas, an area names itself and points back to the core.
func describeOpenAPI(doc map[string]any, area string, areas []string) {
	info, _ := doc["info"].(map[string]any)
	if info == nil {
		info = map[string]any{}
		doc["info"] = info
	}
	desc, _ := info["description"].(string)
	if area == "" {
		var list []string
		for _, a := range areas {
			list = append(list, fmt.Sprintf("%s (`%s`)", a, openAPIAreaURL(a)))
		}
		if len(list) > 0 {
			info["description"] = desc + "\n\nThis is the core document: accounts, organisations, the campaign studio and what is not in an area. " +
				"Each area has a complete document of its own: " + strings.Join(list, ", ") + "; `x-attache-documents` lists them all."
		}
		return
	}
	if t, ok := info["title"].(string); ok {
		info["title"] = t + ": " + area
	}
	info["description"] = fmt.Sprintf("The %s area of the API, complete on its own. The core document, `%s`, describes accounts, organisations and the campaign studio, and lists every document (`x-attache-documents`).\n\n%s",
		area, openAPICoreURL, desc)
}

// mergeOpenAPIFiles merges the files in the order given, without their
// area key: the whole file when whole says so, else only its components.
// Two files may not define the same path and method or the same component.
func mergeOpenAPIFiles(fsys fs.FS, names []string, whole func(name string) bool) (map[string]any, error) {
	var doc map[string]any
	for _, n := range names {
		p, err := readOpenAPIPart(fsys, n)
		if err != nil {
			return nil, err
		}
		if !whole(n) {
			c, ok := p.doc["components"]
			if !ok {
				continue
			}
			p.doc = map[string]any{"components": c}
		}
		if doc == nil {
			doc = p.doc
			continue
		}
		if err := mergeInto(doc, p.doc, n, 0); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// mergeInto adds src to dst: objects merge key by key down to the level
// of an operation (paths/{path}/{method}) or a component (components/
// {kind}/{name}); a key defined twice at that level is an error.
func mergeInto(dst, src map[string]any, file string, depth int) error {
	for k, v := range src {
		existing, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		dm, ok1 := existing.(map[string]any)
		sm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 || depth >= 2 {
			return fmt.Errorf("openapi: %s defines %q again", file, k)
		}
		if err := mergeInto(dm, sm, file, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// pruneOpenAPI drops the components that nothing outside components
// refers to, directly or through other components, and the top-level
// tags no operation uses. Security schemes are named, not referenced, and
// stay. A $ref that is not local or does not resolve is an error.
func pruneOpenAPI(doc map[string]any) error {
	comps, _ := doc["components"].(map[string]any)
	used := map[string]bool{} // "kind/name"
	var queue []string
	var mark func(v any) error
	mark = func(v any) error {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				key, ok := strings.CutPrefix(ref, "#/components/")
				kind, name, ok2 := strings.Cut(key, "/")
				if !ok || !ok2 || strings.Contains(name, "/") {
					return fmt.Errorf("$ref %q does not name a component of this document", ref)
				}
				name = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
				if k, _ := comps[kind].(map[string]any); k == nil || k[name] == nil {
					return fmt.Errorf("$ref %q does not resolve", ref)
				}
				if !used[kind+"/"+name] {
					used[kind+"/"+name] = true
					queue = append(queue, kind+"/"+name)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if err := mark(x[k]); err != nil {
					return err
				}
			}
		case []any:
			for _, c := range x {
				if err := mark(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for k, v := range doc {
		if k == "components" {
			continue
		}
		if err := mark(v); err != nil {
			return err
		}
	}
	for len(queue) > 0 {
		kind, name, _ := strings.Cut(queue[0], "/")
		queue = queue[1:]
		if err := mark(comps[kind].(map[string]any)[name]); err != nil {
			return err
		}
	}
	for kind, v := range comps {
		m, _ := v.(map[string]any)
		if kind == "securitySchemes" || m == nil {
			continue
		}
		for name := range m {
			if !used[kind+"/"+name] {
				delete(m, name)
			}
		}
		if len(m) == 0 {
			delete(comps, kind)
		}
	}
	pruneOpenAPITags(doc)
	return nil
}

// pruneOpenAPITags keeps the top-level tags that some operation uses.
func pruneOpenAPITags(doc map[string]any) {
	tags, _ := doc["tags"].([]any)
	if tags == nil {
		return
	}
	inUse := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			opm, _ := op.(map[string]any)
			ts, _ := opm["tags"].([]any)
			for _, t := range ts {
				if s, ok := t.(string); ok {
					inUse[s] = true
				}
			}
		}
	}
	kept := slices.DeleteFunc(tags, func(t any) bool {
		m, _ := t.(map[string]any)
		name, _ := m["name"].(string)
		return !inUse[name]
	})
	if len(kept) == 0 {
		delete(doc, "tags")
		return
	}
	doc["tags"] = kept
}
