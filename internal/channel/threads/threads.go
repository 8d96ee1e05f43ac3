// Package threads publishes to a Threads profile through the Threads API
// (graph.threads.net, Version), with its container flow: POST
// /{user-id}/threads (media_type TEXT or IMAGE, text, image_url,
// reply_to_id) makes a container, GET /{container-id}?fields=status is
// polled until FINISHED, then POST /{user-id}/threads_publish (creation_id)
// publishes it. Replies come from GET /{media-id}/replies on the profile's
// recent threads, metrics from GET /{media-id}/insights
// (likes, replies, reposts, quotes, views).
//
// An image must be at a public address, as on Instagram (Threads fetches
// it): the Connector's MediaURL, or the post's link when it points at a
// JPEG or PNG image. A post with attachments but no public image address
// fails with a Permanent error rather than going out without its image;
// a post without attachments is a TEXT post.
//
// Credentials: {"user_id", "access_token"}. Long-lived Threads tokens last
// 60 days; Refresh renews them (GET /refresh_access_token,
// grant_type=th_refresh_token). Publishing quotas (250 posts and 1,000
// replies in 24 hours, threads_publishing_limit) are read before each post:
// when used up, Publish answers Transient with a RetryAfter.
//
// Exactly once: as on Instagram, the container id is saved through
// channel.Checkpoints before it is published and the media id right after;
// Publish reuses a saved unpublished container and Find asks whether a
// saved container was published. Without checkpoints, Find looks for the
// text among the profile's 25 latest threads.
package threads

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/facebook"
	"github.com/attache-project/attache/internal/channel/limits"
)

// Version is the Threads API version used.
const Version = "v1.0"

// DefaultBase is the Threads API host.
const DefaultBase = "https://graph.threads.net"

// Connector is one Threads profile.
type Connector struct {
	g      *facebook.Graph
	root   string // host root, without the version
	userID string
	token  string
	// MediaURL returns the public address of an attachment ("" when it
	// has none); nil until the app can publish media publicly.
	MediaURL func(channel.Media) string
	// Poll is the wait between container status checks; Wait bounds them.
	Poll, Wait time.Duration
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc: creds["user_id"] and
// creds["access_token"] are required; acc.BaseURL replaces the API host.
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Threads {
		return nil, fmt.Errorf("threads connector for a %s account", acc.Network)
	}
	uid, tok := strings.TrimSpace(creds["user_id"]), creds["access_token"]
	if tok == "" {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the Threads account is not connected: no access token"}
	}
	if uid == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Threads account is not connected: no user id"}
	}
	base := acc.BaseURL
	if base == "" {
		base = DefaultBase
	}
	g, err := facebook.NewGraph("Threads", base, Version, tok, client)
	if err != nil {
		return nil, err
	}
	g.TokenParam = true
	return &Connector{g: g, root: strings.TrimRight(base, "/"), userID: uid, token: tok, Poll: 3 * time.Second, Wait: 2 * time.Minute}, nil
}

// Graph returns the connector's Graph client.
func (c *Connector) Graph() *facebook.Graph { return c.g }

// ContainerKey is the checkpoint key of a post's container.
func ContainerKey(p channel.Post) string { return "threads:container:" + p.IdempotencyKey }

// MediaKey is the checkpoint key of the published media id.
func MediaKey(p channel.Post) string { return "threads:media:" + p.IdempotencyKey }

// Publish runs the container flow.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	if m := limits.Count(limits.Threads, p.Text, limits.Options{}); !m.OK() {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Threads: the text has %d %s, more than %d", m.Length, m.Unit, m.Limit)}
	}
	form := url.Values{"text": {p.Text}, "media_type": {"TEXT"}}
	if img, ok := facebook.ImageURL(p, c.MediaURL); ok && len(p.Media) > 0 {
		form.Set("media_type", "IMAGE")
		form.Set("image_url", img)
		if len(p.Media) > 0 && p.Media[0].Alt != "" {
			form.Set("alt_text", p.Media[0].Alt)
		}
	} else if len(p.Media) > 0 {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Threads needs the post's image at a public address, and this post has none: " +
			"Threads fetches images itself, while Attaché serves media only to its members. Remove the image or link the post to a public JPEG image."}
	}
	if strings.TrimSpace(p.Text) == "" && form.Get("media_type") == "TEXT" {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Threads: the post is empty"}
	}
	if p.ReplyTo != "" {
		form.Set("reply_to_id", p.ReplyTo)
	}
	container, err := channel.LoadCheckpoint(ctx, ContainerKey(p))
	if err != nil {
		return channel.Published{}, err
	}
	if container != "" {
		st, _, err := c.g.ContainerStatus(ctx, container, "status")
		switch {
		case err != nil && !facebook.IsNotFound(err) && channel.KindOf(err) != channel.Permanent:
			return channel.Published{}, err
		case err == nil && st == facebook.StatusPublished:
			pub, found, err := c.Find(ctx, p)
			if err != nil {
				return channel.Published{}, err
			}
			if found {
				return pub, nil
			}
			return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Threads published the post, but it is not listed yet"}
		case err == nil && (st == facebook.StatusFinished || st == facebook.StatusInProgress):
		default:
			container = ""
		}
	}
	if container == "" {
		usage, config := "quota_usage", "config"
		if p.ReplyTo != "" {
			usage, config = "reply_quota_usage", "reply_config"
		}
		if err := c.g.QuotaWait(ctx, url.PathEscape(c.userID)+"/threads_publishing_limit", usage, config); err != nil {
			return channel.Published{}, err
		}
		var res struct {
			ID string `json:"id"`
		}
		if err := c.g.Post(ctx, url.PathEscape(c.userID)+"/threads", form, &res); err != nil {
			return channel.Published{}, err
		}
		if res.ID == "" {
			return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Threads returned no container id"}
		}
		container = res.ID
		if err := channel.SaveCheckpoint(ctx, ContainerKey(p), container); err != nil {
			return channel.Published{}, err
		}
	}
	if _, err := c.g.WaitContainer(ctx, container, "status", c.Poll, c.Wait); err != nil {
		return channel.Published{}, err
	}
	var res struct {
		ID string `json:"id"`
	}
	if err := c.g.Post(ctx, url.PathEscape(c.userID)+"/threads_publish", url.Values{"creation_id": {container}}, &res); err != nil {
		return channel.Published{}, err
	}
	if res.ID == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Threads returned no media id"}
	}
	_ = channel.SaveCheckpoint(ctx, MediaKey(p), res.ID) // published either way
	return c.media(ctx, res.ID), nil
}

type thread struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Permalink string `json:"permalink"`
	Timestamp string `json:"timestamp"`
	Username  string `json:"username"`
	Owned     bool   `json:"is_reply_owned_by_me"`
	RepliedTo struct {
		ID string `json:"id"`
	} `json:"replied_to"`
}

func (c *Connector) media(ctx context.Context, id string) channel.Published {
	var t thread
	_ = c.g.Get(ctx, url.PathEscape(id), url.Values{"fields": {"id,permalink,timestamp"}}, &t)
	at := facebook.ParseTime(t.Timestamp)
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return channel.Published{ExternalID: id, URL: t.Permalink, At: at}
}

// Find says whether an earlier attempt published p (see the package doc).
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	if id, err := channel.LoadCheckpoint(ctx, MediaKey(p)); err != nil {
		return channel.Published{}, false, err
	} else if id != "" {
		return c.media(ctx, id), true, nil
	}
	container, err := channel.LoadCheckpoint(ctx, ContainerKey(p))
	if err != nil {
		return channel.Published{}, false, err
	}
	published := false
	if container != "" {
		st, _, err := c.g.ContainerStatus(ctx, container, "status")
		if err != nil && !facebook.IsNotFound(err) && channel.KindOf(err) != channel.Permanent {
			return channel.Published{}, false, err
		}
		if err == nil && st != facebook.StatusPublished {
			return channel.Published{}, false, nil
		}
		published = err == nil
	}
	var list struct {
		Data []thread `json:"data"`
	}
	if err := c.g.Get(ctx, url.PathEscape(c.userID)+"/threads", url.Values{"fields": {"id,text,permalink,timestamp"}, "limit": {"25"}}, &list); err != nil {
		return channel.Published{}, false, err
	}
	want := facebook.Normalize(p.Text)
	for _, t := range list.Data {
		if facebook.Normalize(t.Text) == want {
			return channel.Published{ExternalID: t.ID, URL: t.Permalink, At: facebook.ParseTime(t.Timestamp)}, true, nil
		}
	}
	if published {
		return channel.Published{}, false, &channel.Error{Kind: channel.Transient, Message: "Threads published the post, but it is not listed yet"}
	}
	return channel.Published{}, false, nil
}

// Recent bounds Mentions: replies to the Recent latest threads are read.
const Recent = 10

// Mentions returns replies to the profile's latest threads made at or
// after cursor (Unix seconds), oldest first, and the newest reply's time as
// the next cursor. The profile's own replies are left out.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	since, _ := strconv.ParseInt(cursor, 10, 64)
	var posts struct {
		Data []thread `json:"data"`
	}
	if err := c.g.Get(ctx, url.PathEscape(c.userID)+"/threads", url.Values{"fields": {"id,timestamp"}, "limit": {strconv.Itoa(Recent)}}, &posts); err != nil {
		return nil, cursor, err
	}
	var out []channel.Mention
	newest := since
	for _, p := range posts.Data {
		var res struct {
			Data []thread `json:"data"`
		}
		if err := c.g.Get(ctx, url.PathEscape(p.ID)+"/replies", url.Values{"fields": {"id,text,username,permalink,timestamp,replied_to,is_reply_owned_by_me"}}, &res); err != nil {
			if len(out) > 0 {
				break
			}
			return nil, cursor, err
		}
		for _, r := range res.Data {
			at := facebook.ParseTime(r.Timestamp)
			if r.Owned || (since > 0 && at.Unix() < since) {
				continue
			}
			newest = max(newest, at.Unix())
			irt := r.RepliedTo.ID
			if irt == "" {
				irt = p.ID
			}
			out = append(out, channel.Mention{ExternalID: r.ID, URL: r.Permalink, AuthorHandle: r.Username, Text: r.Text, InReplyTo: irt, At: at})
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].At.Before(out[j-1].At); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	next := cursor
	if newest > 0 {
		next = strconv.FormatInt(newest, 10)
	}
	return out, next, nil
}

// Metrics reads each thread's insights. Deleted threads are left out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for _, id := range externalIDs {
		var res struct {
			Data []struct {
				Name   string `json:"name"`
				Values []struct {
					Value int64 `json:"value"`
				} `json:"values"`
				TotalValue struct {
					Value int64 `json:"value"`
				} `json:"total_value"`
			} `json:"data"`
		}
		err := c.g.Get(ctx, url.PathEscape(id)+"/insights", url.Values{"metric": {"likes,replies,reposts,quotes,views"}}, &res)
		if facebook.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, err
		}
		var m channel.Metrics
		for _, d := range res.Data {
			v := d.TotalValue.Value
			if len(d.Values) > 0 {
				v = d.Values[0].Value
			}
			switch d.Name {
			case "likes":
				m.Likes = v
			case "replies":
				m.Replies = v
			case "reposts":
				m.Reposts = v
			case "quotes":
				m.Quotes = v
			case "views":
				m.Views = v
			}
		}
		out[id] = m
	}
	return out, nil
}

// Refresh renews the long-lived token (valid 60 days; it must be at least
// a day old and unexpired): GET /refresh_access_token.
func (c *Connector) Refresh(ctx context.Context) (channel.Credentials, time.Time, bool, error) {
	var res struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	q := url.Values{"grant_type": {"th_refresh_token"}, "access_token": {c.token}}
	if err := c.g.Get(ctx, c.root+"/refresh_access_token", q, &res); err != nil {
		return nil, time.Time{}, false, err
	}
	if res.AccessToken == "" {
		return nil, time.Time{}, false, &channel.Error{Kind: channel.Transient, Message: "Threads returned no access token"}
	}
	var exp time.Time
	if res.ExpiresIn > 0 {
		exp = time.Now().UTC().Add(time.Duration(res.ExpiresIn) * time.Second)
	}
	c.token = res.AccessToken
	c.g.Token = res.AccessToken
	return channel.Credentials{"user_id": c.userID, "access_token": res.AccessToken}, exp, true, nil
}
