package api

import "testing"

// Scripts (the acceptance checks among them) pass the document to a tool as
// one command-line argument, which Linux limits to 128 KiB. Keep it below
// that with room to spare: reuse components with $ref rather than repeating
// schemas.
func TestOpenAPIDocumentFitsInOneArgument(t *testing.T) {
	const limit = 120 << 10
	if n := len(OpenAPIDocument()); n > limit {
		t.Fatalf("openapi.json is %d bytes; keep it under %d (see the comment)", n, limit)
	}
}
