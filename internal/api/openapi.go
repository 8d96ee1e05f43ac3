package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes every route under /api/v1. A test checks that
// its paths are exactly the registered routes and that real responses
// validate against its schemas.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return openAPIDocument }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDocument)
}
