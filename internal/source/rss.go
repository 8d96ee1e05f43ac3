package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/attache-project/attache/internal/ingest"
)

// MaxFeedBytes caps a feed's body, as ParseFeed does.
const MaxFeedBytes = ingest.MaxFeedBytes

// rssState is what a feed source keeps between polls: the validators of
// the last answer, sent back so that an unchanged feed costs a 304.
type rssState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// feedAccept prefers the feed types and takes anything (many outlets serve
// feeds as text/xml or text/html).
const feedAccept = "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"

// fetchRSS makes a conditional GET of the feed (If-None-Match and
// If-Modified-Since from the kept state) and parses it with
// ingest.ParseFeed (items with source "rss"). A 304 returns no items and
// a nil state (nothing changes). 429 and 503 are errors carrying the
// server's Retry-After.
func (r *Runner) fetchRSS(ctx context.Context, c *RSSConfig, raw json.RawMessage) ([]ingest.Item, json.RawMessage, error) {
	var st rssState
	_ = json.Unmarshal(raw, &st) // a state that does not parse is a fresh start
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return nil, nil, &fetchError{msg: "the feed address is not usable: " + err.Error()}
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", feedAccept)
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, nil, unreachable("the feed", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, nil, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, nil, statusError("the feed", resp, r.now())
	case resp.ContentLength > MaxFeedBytes:
		return nil, nil, &fetchError{msg: fmt.Sprintf("the feed is larger than %d MiB", MaxFeedBytes>>20)}
	}
	body, err := readBody(resp.Body, MaxFeedBytes, "the feed")
	if err != nil {
		return nil, nil, err
	}
	// Relative links resolve against where the feed was found in the end.
	items, _, err := ingest.ParseFeed(bytes.NewReader(body), resp.Request.URL.String())
	if err != nil {
		return nil, nil, &fetchError{msg: "the answer is not a feed that can be read: " + err.Error()}
	}
	next, _ := json.Marshal(rssState{ETag: headerValue(resp.Header.Get("ETag")), LastModified: headerValue(resp.Header.Get("Last-Modified"))})
	return items, next, nil
}
