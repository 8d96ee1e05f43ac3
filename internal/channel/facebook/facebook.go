// Package facebook publishes to a Facebook Page through the Graph API
// (graph.facebook.com, version Version): POST /{page-id}/feed (message,
// link) for text, POST /{page-id}/photos (multipart source, caption,
// alt_text_custom) for one photo, unpublished photos attached to a feed
// post (attached_media) for several; a reply (Post.ReplyTo) is a comment
// (POST /{object-id}/comments). Comments come from GET /{post-id}/comments
// on the page's recent posts, metrics from
// GET /{post-id}?fields=reactions.summary(true),comments.summary(true),shares.
//
// Credentials: {"page_id", "page_access_token"}; a page token obtained from
// a long-lived user token does not expire, so Refresh renews nothing and a
// token Meta refuses (code 190) means reconnecting the account.
//
// Errors follow Meta's error JSON: code 190 is Unauthorized, the rate
// limits (4, 17, 32, 613, 800xx) and is_transient answers are Transient,
// the rest Permanent. The usage headers (X-App-Usage,
// X-Business-Use-Case-Usage) are read on every answer: above 90 % the
// connector stops calling and answers Transient with a RetryAfter.
//
// Exactly once: the Graph API takes no idempotency key; Find looks through
// the page's 25 latest posts (or the replied object's comments) for one
// with the same text.
//
// The package also holds the Graph API client and the checkpoints shared
// by the Instagram and Threads connectors (graph.go).
package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
)

// Version is the Graph API version used.
const Version = "v21.0"

// DefaultBase is the Graph API host.
const DefaultBase = "https://graph.facebook.com"

// Connector is one Facebook Page.
type Connector struct {
	g      *Graph
	pageID string
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc: creds["page_id"] and
// creds["page_access_token"] are required; acc.BaseURL replaces the Graph
// host (tests, proxies).
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Facebook {
		return nil, fmt.Errorf("facebook connector for a %s account", acc.Network)
	}
	page, tok := strings.TrimSpace(creds["page_id"]), creds["page_access_token"]
	if tok == "" {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the Facebook Page is not connected: no page access token"}
	}
	if page == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Facebook Page is not connected: no page id"}
	}
	base := acc.BaseURL
	if base == "" {
		base = DefaultBase
	}
	g, err := NewGraph("Facebook", base, Version, tok, client)
	if err != nil {
		return nil, err
	}
	return &Connector{g: g, pageID: page}, nil
}

// Graph returns the connector's Graph client (tests set its clock).
func (c *Connector) Graph() *Graph { return c.g }

// PostURL is the public address of a post id ("PAGEID_POSTID").
func PostURL(id string) string { return "https://www.facebook.com/" + id }

// Publish makes the post: a comment when p.ReplyTo is set, a photo post
// with media, a feed post otherwise.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	if strings.TrimSpace(p.Text) == "" && len(p.Media) == 0 && p.Link == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Facebook: the post is empty"}
	}
	if m := limits.Count(limits.Facebook, p.Text, limits.Options{}); !m.OK() {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Facebook: the text has %d %s, more than %d", m.Length, m.Unit, m.Limit)}
	}
	var res struct {
		ID     string `json:"id"`
		PostID string `json:"post_id"`
	}
	switch {
	case p.ReplyTo != "":
		form := url.Values{"message": {p.Text}}
		if err := c.g.Post(ctx, url.PathEscape(p.ReplyTo)+"/comments", form, &res); err != nil {
			return channel.Published{}, err
		}
	case len(p.Media) == 1:
		body, ct, err := photoForm(p.Media[0], p.Text, true)
		if err != nil {
			return channel.Published{}, err
		}
		if err := c.g.Do(ctx, "POST", url.PathEscape(c.pageID)+"/photos", nil, body, ct, &res); err != nil {
			return channel.Published{}, err
		}
		if res.PostID != "" {
			res.ID = res.PostID
		}
	case len(p.Media) > 1:
		form := url.Values{"message": {p.Text}}
		for i, m := range p.Media {
			body, ct, err := photoForm(m, "", false)
			if err != nil {
				return channel.Published{}, err
			}
			var ph struct {
				ID string `json:"id"`
			}
			if err := c.g.Do(ctx, "POST", url.PathEscape(c.pageID)+"/photos", nil, body, ct, &ph); err != nil {
				return channel.Published{}, err
			}
			b, _ := json.Marshal(map[string]string{"media_fbid": ph.ID})
			form.Set(fmt.Sprintf("attached_media[%d]", i), string(b))
		}
		if err := c.g.Post(ctx, url.PathEscape(c.pageID)+"/feed", form, &res); err != nil {
			return channel.Published{}, err
		}
	default:
		form := url.Values{"message": {p.Text}}
		if p.Link != "" {
			form.Set("link", p.Link)
		}
		if err := c.g.Post(ctx, url.PathEscape(c.pageID)+"/feed", form, &res); err != nil {
			return channel.Published{}, err
		}
	}
	if res.ID == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Facebook returned no post id"}
	}
	return channel.Published{ExternalID: res.ID, URL: PostURL(res.ID), At: c.g.now().UTC()}, nil
}

// photoForm is the multipart body of one photo upload.
func photoForm(m channel.Media, caption string, published bool) (io.Reader, string, error) {
	if m.Open == nil {
		return nil, "", &channel.Error{Kind: channel.Permanent, Message: "media " + m.FileName + " has no content"}
	}
	rc, err := m.Open()
	if err != nil {
		return nil, "", &channel.Error{Kind: channel.Transient, Message: "opening media " + m.FileName + ": " + err.Error(), Err: err}
	}
	defer rc.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if caption != "" {
		_ = mw.WriteField("caption", caption)
	}
	if m.Alt != "" {
		_ = mw.WriteField("alt_text_custom", m.Alt)
	}
	_ = mw.WriteField("published", strconv.FormatBool(published))
	name := m.FileName
	if name == "" {
		name = "photo"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="source"; filename=%q`, name))
	ct := m.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, _ := mw.CreatePart(h)
	if _, err := io.Copy(part, rc); err != nil {
		return nil, "", &channel.Error{Kind: channel.Transient, Message: "reading media " + name + ": " + err.Error(), Err: err}
	}
	mw.Close()
	return &buf, mw.FormDataContentType(), nil
}

type fbPost struct {
	ID          string `json:"id"`
	Message     string `json:"message"`
	Permalink   string `json:"permalink_url"`
	CreatedTime string `json:"created_time"`
	From        struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
}

// Find looks for a post an earlier attempt made: among the page's 25
// latest posts (or, for a reply, the replied object's latest comments by
// the page), one with the same text.
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	var list struct {
		Data []fbPost `json:"data"`
	}
	var err error
	if p.ReplyTo != "" {
		err = c.g.Get(ctx, url.PathEscape(p.ReplyTo)+"/comments", url.Values{"fields": {"id,message,from,created_time,permalink_url"},
			"filter": {"stream"}, "order": {"reverse_chronological"}, "limit": {"50"}}, &list)
	} else {
		err = c.g.Get(ctx, url.PathEscape(c.pageID)+"/posts", url.Values{"fields": {"id,message,created_time,permalink_url"}, "limit": {"25"}}, &list)
	}
	if err != nil {
		return channel.Published{}, false, err
	}
	want := Normalize(p.Text)
	for _, fp := range list.Data {
		if p.ReplyTo != "" && fp.From.ID != "" && fp.From.ID != c.pageID {
			continue
		}
		if Normalize(fp.Message) == want {
			return channel.Published{ExternalID: fp.ID, URL: PostURL(fp.ID), At: ParseTime(fp.CreatedTime)}, true, nil
		}
	}
	return channel.Published{}, false, nil
}

// Recent bounds Mentions: the comments of the page's Recent latest posts
// are read, at most maxPages pages each.
const (
	Recent   = 10
	maxPages = 5
)

// Mentions returns the comments on the page's latest posts made at or
// after cursor (a Unix time in seconds; the engine ignores comments it
// already has), oldest first, and the newest comment's time as the next
// cursor. The page's own comments are left out.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	since, _ := strconv.ParseInt(cursor, 10, 64)
	var posts struct {
		Data []fbPost `json:"data"`
	}
	if err := c.g.Get(ctx, url.PathEscape(c.pageID)+"/posts", url.Values{"fields": {"id,created_time"}, "limit": {strconv.Itoa(Recent)}}, &posts); err != nil {
		return nil, cursor, err
	}
	var out []channel.Mention
	newest := since
	for _, post := range posts.Data {
		q := url.Values{"fields": {"id,message,from,created_time,permalink_url"}, "filter": {"stream"}, "order": {"chronological"}, "limit": {"100"}}
		if since > 0 {
			q.Set("since", strconv.FormatInt(since, 10))
		}
		next := url.PathEscape(post.ID) + "/comments"
		for page := 0; page < maxPages && next != ""; page++ {
			var res struct {
				Data   []fbPost `json:"data"`
				Paging Paging   `json:"paging"`
			}
			if err := c.g.Get(ctx, next, q, &res); err != nil {
				if len(out) > 0 {
					return out, strconv.FormatInt(newest, 10), nil
				}
				return nil, cursor, err
			}
			q = nil // the next link carries the query
			for _, cm := range res.Data {
				at := ParseTime(cm.CreatedTime)
				if cm.From.ID == c.pageID || (since > 0 && at.Unix() < since) {
					continue
				}
				newest = max(newest, at.Unix())
				u := cm.Permalink
				if u == "" {
					u = PostURL(cm.ID)
				}
				out = append(out, channel.Mention{ExternalID: cm.ID, URL: u, AuthorID: cm.From.ID, AuthorName: cm.From.Name,
					Text: cm.Message, InReplyTo: post.ID, At: at})
			}
			next = res.Paging.Next
		}
	}
	sortMentions(out)
	next := cursor
	if newest > 0 {
		next = strconv.FormatInt(newest, 10)
	}
	return out, next, nil
}

func sortMentions(ms []channel.Mention) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].At.Before(ms[j-1].At); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

type summary struct {
	Summary struct {
		TotalCount int64 `json:"total_count"`
	} `json:"summary"`
}

// Metrics reads each post's reactions, comments and shares. A deleted
// post is left out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for _, id := range externalIDs {
		var res struct {
			Reactions summary `json:"reactions"`
			Comments  summary `json:"comments"`
			Shares    struct {
				Count int64 `json:"count"`
			} `json:"shares"`
		}
		err := c.g.Get(ctx, url.PathEscape(id), url.Values{"fields": {"reactions.summary(true).limit(0),comments.summary(true).limit(0),shares"}}, &res)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, err
		}
		out[id] = channel.Metrics{Likes: res.Reactions.Summary.TotalCount, Replies: res.Comments.Summary.TotalCount, Reposts: res.Shares.Count}
	}
	return out, nil
}

// Refresh: a page token from a long-lived user token does not expire;
// there is nothing to renew.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}

// Verify checks the token against the page and returns its name.
func (c *Connector) Verify(ctx context.Context) (string, error) {
	var pg struct {
		Name string `json:"name"`
	}
	err := c.g.Get(ctx, url.PathEscape(c.pageID), url.Values{"fields": {"id,name"}}, &pg)
	return pg.Name, err
}
