package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// The OpenAPI document is assembled from one file per area under openapi/
// (00-base.json holds info, security and shared components; each other
// file adds paths and components). A test checks that its paths are exactly
// the registered routes and that real responses validate against it.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

// openAPIDocument is the merged document, built once.
var openAPIDocument = mustMergeOpenAPI()

// OpenAPIDocument returns the OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return openAPIDocument }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDocument)
}

func mustMergeOpenAPI() []byte {
	b, err := mergeOpenAPI(openAPIFiles)
	if err != nil {
		panic(err) // the embedded files are part of the binary: a test catches this
	}
	return b
}

// mergeOpenAPI merges the files in name order. Two files may not define
// the same path and method or the same component.
func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	for _, n := range names {
		raw, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", n, err)
		}
		if doc == nil {
			doc = part
			continue
		}
		if err := mergeInto(doc, part, n, 0); err != nil {
			return nil, err
		}
	}
	// Compact: the document is large, and clients parse it anyway.
	return json.Marshal(doc)
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
