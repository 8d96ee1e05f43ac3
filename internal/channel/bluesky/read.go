package bluesky

import (
	"context"
	"net/url"
	"time"

	"github.com/attache-project/attache/internal/channel"
)

// mentionReasons are the notifications that are replies or mentions.
var mentionReasons = map[string]bool{"reply": true, "mention": true, "quote": true}

type notification struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Reason        string `json:"reason"`
	ReasonSubject string `json:"reasonSubject"`
	Record        struct {
		Text      string    `json:"text"`
		CreatedAt time.Time `json:"createdAt"`
		Langs     []string  `json:"langs"`
		Reply     *replyRef `json:"reply"`
		Embed     *struct {
			Record *StrongRef `json:"record"`
		} `json:"embed"`
	} `json:"record"`
	IndexedAt string `json:"indexedAt"`
}

// maxPages bounds one Mentions call; the cursor lets the next call go on.
const maxPages = 10

// Mentions returns replies, mentions and quotes indexed after cursor (an
// indexedAt time), oldest first, and the newest indexedAt as the next
// cursor. Notifications come newest first, paged backwards with the
// server's cursor: with a cursor it reads pages until it reaches the
// cursor (at most maxPages); without one it takes the latest page.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	since, hasSince := parseTime(cursor)
	var got []notification
	newest, newestAt := cursor, since
	page := ""
	for i := 0; i < maxPages; i++ {
		q := url.Values{"limit": {"50"}}
		for _, r := range []string{"reply", "mention", "quote"} {
			q.Add("reasons", r)
		}
		if page != "" {
			q.Set("cursor", page)
		}
		var out struct {
			Cursor        string         `json:"cursor"`
			Notifications []notification `json:"notifications"`
		}
		if err := c.authed(ctx, true, "GET", "app.bsky.notification.listNotifications", q, nil, "", &out); err != nil {
			if len(got) > 0 {
				break // keep what was read: the cursor is the newest of it
			}
			return nil, cursor, err
		}
		reached := false
		for _, n := range out.Notifications {
			at, ok := parseTime(n.IndexedAt)
			if hasSince && ok && !at.After(since) {
				reached = true
				break
			}
			got = append(got, n)
			if ok && at.After(newestAt) {
				newest, newestAt = n.IndexedAt, at
			}
		}
		if reached || !hasSince || out.Cursor == "" || len(out.Notifications) == 0 || out.Cursor == page {
			break
		}
		page = out.Cursor
	}
	var ms []channel.Mention
	for i := len(got) - 1; i >= 0; i-- {
		n := got[i]
		if !mentionReasons[n.Reason] {
			continue
		}
		m := channel.Mention{ExternalID: n.URI, AuthorID: n.Author.DID, AuthorHandle: n.Author.Handle, AuthorName: n.Author.DisplayName,
			Text: n.Record.Text, At: n.Record.CreatedAt}
		if _, _, rkey, ok := ParseURI(n.URI); ok {
			h := n.Author.Handle
			if h == "" {
				h = n.Author.DID
			}
			m.URL = PostURL(h, rkey)
		}
		if len(n.Record.Langs) > 0 {
			m.Language = n.Record.Langs[0]
		}
		switch {
		case n.Record.Reply != nil:
			m.InReplyTo = n.Record.Reply.Parent.URI
		case n.Reason == "quote" && n.ReasonSubject != "":
			m.InReplyTo = n.ReasonSubject
		case n.Record.Embed != nil && n.Record.Embed.Record != nil:
			m.InReplyTo = n.Record.Embed.Record.URI
		}
		if m.At.IsZero() {
			m.At, _ = parseTime(n.IndexedAt)
		}
		ms = append(ms, m)
	}
	return ms, newest, nil
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// Metrics reads the counts of posts (at:// URIs) with getPosts, 25 at a
// time. A deleted post is left out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for i := 0; i < len(externalIDs); i += 25 {
		q := url.Values{}
		for _, id := range externalIDs[i:min(i+25, len(externalIDs))] {
			if _, _, _, ok := ParseURI(id); ok {
				q.Add("uris", id)
			}
		}
		if len(q) == 0 {
			continue
		}
		var res struct {
			Posts []struct {
				URI         string `json:"uri"`
				LikeCount   int64  `json:"likeCount"`
				RepostCount int64  `json:"repostCount"`
				ReplyCount  int64  `json:"replyCount"`
				QuoteCount  int64  `json:"quoteCount"`
			} `json:"posts"`
		}
		if err := c.authed(ctx, true, "GET", "app.bsky.feed.getPosts", q, nil, "", &res); err != nil {
			return out, err
		}
		for _, p := range res.Posts {
			out[p.URI] = channel.Metrics{Likes: p.LikeCount, Reposts: p.RepostCount, Replies: p.ReplyCount, Quotes: p.QuoteCount}
		}
	}
	return out, nil
}
