package api

import "testing"

// Scripts (the acceptance checks among them) pass the document to a tool as
// one command-line argument, which Linux limits to 128 KiB. Keep it below
// that with room to spare: reuse components with $ref rather than repeating
// schemas (the standard responses are named by their status for that).
// The margin is now 2 KiB: the next areas of the API need the document
// split (paths in one file, shared schemas in another referenced by URL)
// rather than a higher limit.
func TestOpenAPIDocumentFitsInOneArgument(t *testing.T) {
	const limit = 126 << 10
	if n := len(OpenAPIDocument()); n > limit {
		t.Fatalf("openapi.json is %d bytes; keep it under %d (see the comment)", n, limit)
	}
}
