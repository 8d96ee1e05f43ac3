package source

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/ingest"
)

// Mastodon paging (docs.joinmastodon.org/methods/timelines): at most 40
// statuses a page; one poll follows at most mastodonPages pages forward,
// and the next poll goes on from where it stopped.
const (
	mastodonLimit    = 40
	mastodonPages    = 10
	maxTimelineBytes = 8 << 20
	maxStatusIDBytes = 64
)

// mastodonState is the newest status id seen; the next poll asks for the
// statuses right after it (min_id).
type mastodonState struct {
	MinID string `json:"min_id,omitempty"`
}

// endpoint is the timeline's address and query, without paging.
func (c *MastodonConfig) endpoint() (string, url.Values) {
	q := url.Values{"limit": {"40"}}
	if c.Hashtag != "" {
		return c.Instance + "/api/v1/timelines/tag/" + url.PathEscape(c.Hashtag), q
	}
	if c.Timeline == TimelineLocal {
		q.Set("local", "true")
	}
	return c.Instance + "/api/v1/timelines/public", q
}

// keepsAll reports whether everything the source brings is stored: a
// hashtag is chosen, a whole public timeline is too wide and only what
// matches a topic is kept.
func (c *MastodonConfig) keepsAll() bool { return c.Hashtag != "" }

// fetchMastodon reads the statuses posted since the kept min_id. The
// first poll takes the newest page only; later polls ask for the page
// right after min_id and follow the Link header's rel="prev" (newer)
// address, as Mastodon documents, until a page is short or empty. The
// state moves to the newest id seen. When a later page fails, what was
// read so far is returned with its state and the error.
func (r *Runner) fetchMastodon(ctx context.Context, c *MastodonConfig, raw json.RawMessage) ([]ingest.Item, json.RawMessage, error) {
	var st mastodonState
	_ = json.Unmarshal(raw, &st)
	base, q := c.endpoint()
	if st.MinID != "" {
		q.Set("min_id", st.MinID)
	}
	next := base + "?" + q.Encode()
	host := strings.TrimPrefix(c.Instance, "https://")
	newest := st.MinID
	var items []ingest.Item
	for page := 0; page < mastodonPages && next != ""; page++ {
		statuses, prev, err := r.timelinePage(ctx, next, c.Instance)
		if err != nil {
			if page == 0 {
				return nil, nil, err
			}
			return items, stateOf(newest), err
		}
		for _, s := range statuses {
			if newerID(s.ID, newest) {
				newest = s.ID
			}
			if it, ok := statusItem(s, host); ok {
				items = append(items, it)
			}
		}
		// The first poll takes the present only; a short page is the top.
		if st.MinID == "" || len(statuses) < mastodonLimit {
			break
		}
		next = prev
		if next == "" {
			q.Set("min_id", newest)
			next = base + "?" + q.Encode()
		}
	}
	return items, stateOf(newest), nil
}

func stateOf(minID string) json.RawMessage {
	b, _ := json.Marshal(mastodonState{MinID: minID})
	return b
}

// newerID orders Mastodon ids as the API guidelines say: a longer id is
// newer, then the lexically greater.
func newerID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// timelinePage gets one page of statuses and the page's rel="prev"
// address (kept only on the instance itself).
func (r *Runner) timelinePage(ctx context.Context, addr, instance string) ([]status, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return nil, "", &fetchError{msg: "the timeline address is not usable: " + err.Error()}
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, "", unreachable("the Mastodon server", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := statusError("the Mastodon timeline", resp, r.now())
		if resp.StatusCode == http.StatusUnauthorized {
			err.(*fetchError).msg = "the Mastodon server does not show this timeline without signing in"
		}
		return nil, "", err
	}
	body, err := readBody(resp.Body, maxTimelineBytes, "the Mastodon timeline")
	if err != nil {
		return nil, "", err
	}
	statuses, err := decodeTimeline(body)
	if err != nil {
		return nil, "", err
	}
	prev := linkRel(resp.Header.Values("Link"), "prev")
	if !strings.HasPrefix(prev, instance+"/") {
		prev = ""
	}
	return statuses, prev, nil
}

// decodeTimeline reads a JSON array of statuses; a status that does not
// decode is skipped, not the page.
func decodeTimeline(body []byte) ([]status, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, &fetchError{msg: "the Mastodon server's answer is not a list of statuses"}
	}
	out := make([]status, 0, len(raws))
	for _, raw := range raws {
		var s status
		if json.Unmarshal(raw, &s) == nil {
			out = append(out, s)
		}
	}
	return out, nil
}

var linkPart = regexp.MustCompile(`<([^>]*)>\s*;([^,]*)`)

// linkRel returns the address of relation rel in Link headers
// (`<url>; rel="prev", <url>; rel="next"`), or "".
func linkRel(headers []string, rel string) string {
	for _, h := range headers {
		for _, m := range linkPart.FindAllStringSubmatch(h, -1) {
			for _, p := range strings.Split(m[2], ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
					if r == rel {
						return m[1]
					}
				}
			}
		}
	}
	return ""
}

// status is the part of a Mastodon Status entity listening reads
// (docs.joinmastodon.org/entities/Status).
type status struct {
	ID          string  `json:"id"`
	URI         string  `json:"uri"`
	URL         string  `json:"url"`
	CreatedAt   string  `json:"created_at"`
	Content     string  `json:"content"`
	SpoilerText string  `json:"spoiler_text"`
	Language    string  `json:"language"`
	Visibility  string  `json:"visibility"`
	InReplyToID string  `json:"in_reply_to_id"`
	Replies     int64   `json:"replies_count"`
	Reblogs     int64   `json:"reblogs_count"`
	Favourites  int64   `json:"favourites_count"`
	Reblog      *status `json:"reblog"`
	Account     struct {
		ID          string `json:"id"`
		Acct        string `json:"acct"`
		DisplayName string `json:"display_name"`
		URL         string `json:"url"`
	} `json:"account"`
}

// statusItem converts a status seen on the server at host. A boost
// stands for the boosted status. The external id is the status's uri (its
// ActivityPub id): ids are the server's own and differ between servers.
// The author's handle is made whole (user@host) for local accounts, whose
// acct has no domain. Statuses that are not public or unlisted, have no
// uri or no text are skipped.
func statusItem(s status, host string) (ingest.Item, bool) {
	if s.Reblog != nil {
		s = *s.Reblog
		s.Reblog = nil
	}
	switch s.Visibility {
	case "", "public", "unlisted":
	default:
		return ingest.Item{}, false
	}
	if s.URI == "" {
		return ingest.Item{}, false
	}
	text := ingest.HTMLText(s.Content)
	if cw := strings.TrimSpace(s.SpoilerText); cw != "" {
		text = strings.TrimSpace(cw + "\n\n" + text)
	}
	if text == "" {
		return ingest.Item{}, false
	}
	it := ingest.Item{
		Source: "mastodon", ExternalID: s.URI, URL: s.URL, AuthorID: s.Account.URL,
		AuthorHandle: s.Account.Acct, AuthorName: s.Account.DisplayName,
		Text: text, Lang: s.Language, InReplyTo: s.InReplyToID,
		Likes: s.Favourites, Reposts: s.Reblogs, Replies: s.Replies,
	}
	if it.URL == "" {
		it.URL = s.URI
	}
	if it.AuthorID == "" {
		it.AuthorID = s.Account.ID
	}
	if it.AuthorHandle != "" && !strings.Contains(it.AuthorHandle, "@") && host != "" {
		it.AuthorHandle += "@" + host
	}
	if t, err := time.Parse(time.RFC3339Nano, s.CreatedAt); err == nil && t.Year() >= 1900 && t.Year() <= 9999 {
		it.At = t.UTC()
	}
	return it, true
}
