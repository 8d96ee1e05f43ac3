// Package instagram publishes to an Instagram professional account through
// the Instagram Graph API (graph.facebook.com, facebook.Version), with the
// container flow: POST /{ig-user-id}/media (image_url, caption, alt_text)
// makes a container, GET /{container-id}?fields=status_code is polled until
// FINISHED, then POST /{ig-user-id}/media_publish (creation_id) publishes
// it. Comments come from GET /{media-id}/comments on the account's recent
// media, metrics from GET /{media-id}?fields=like_count,comments_count.
//
// Instagram fetches the image itself, so it needs a PUBLIC image URL, while
// Attaché serves media to its members only. The connector therefore
// publishes a post only when it has an image at a publicly reachable
// address: the first JPEG attachment (Instagram takes JPEG only) at the
// address the Connector's MediaURL gives (the app's signed, expiring
// public media URLs), or else the post's link when it points at a JPEG or
// PNG image. Without one, Publish fails with a Permanent error saying so:
// Instagram has no text-only posts.
//
// Credentials: {"ig_user_id", "access_token"}. Limits: caption 2,200
// UTF-16 units and 30 hashtags (checked before calling); 50 published
// posts in 24 hours (content_publishing_limit, read before each post: when
// used up, Publish answers Transient with a RetryAfter).
//
// Exactly once: the container id is saved through channel.Checkpoints
// (when the engine provides them with channel.WithCheckpoints) before it
// is published, and the media id right after. Publish reuses a saved
// container that is not published yet; Find asks whether a saved container
// was published (status_code PUBLISHED) and finds its media, so a retry
// never publishes twice. Without checkpoints, Find looks for the caption
// among the account's 25 latest media.
package instagram

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

// Connector is one Instagram account.
type Connector struct {
	g      *facebook.Graph
	userID string
	// MediaURL returns the public address of an attachment ("" when it
	// has none); nil until the app can publish media publicly.
	MediaURL func(channel.Media) string
	// Poll is the wait between container status checks; Wait bounds them.
	Poll, Wait time.Duration
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc: creds["ig_user_id"] and
// creds["access_token"] are required; acc.BaseURL replaces the Graph host.
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Instagram {
		return nil, fmt.Errorf("instagram connector for a %s account", acc.Network)
	}
	uid, tok := strings.TrimSpace(creds["ig_user_id"]), creds["access_token"]
	if tok == "" {
		return nil, &channel.Error{Kind: channel.Unauthorized, Message: "the Instagram account is not connected: no access token"}
	}
	if uid == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Instagram account is not connected: no Instagram user id"}
	}
	base := acc.BaseURL
	if base == "" {
		base = facebook.DefaultBase
	}
	g, err := facebook.NewGraph("Instagram", base, facebook.Version, tok, client)
	if err != nil {
		return nil, err
	}
	return &Connector{g: g, userID: uid, Poll: 5 * time.Second, Wait: 2 * time.Minute}, nil
}

// Graph returns the connector's Graph client.
func (c *Connector) Graph() *facebook.Graph { return c.g }

// ContainerKey and MediaKey are the checkpoint keys of a post.
func ContainerKey(p channel.Post) string { return "instagram:container:" + p.IdempotencyKey }

// MediaKey is the checkpoint key of the published media id.
func MediaKey(p channel.Post) string { return "instagram:media:" + p.IdempotencyKey }

// Publish runs the container flow.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	if p.ReplyTo != "" {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Instagram: publishing replies is not supported"}
	}
	if m := limits.Count(limits.Instagram, p.Text, limits.Options{HasMedia: true}); !m.OK() {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf(
			"Instagram: the caption has %d of %d UTF-16 characters and %d of %d hashtags", m.Length, m.Limit, m.Hashtags, m.HashtagLimit)}
	}
	img, alt, ok := c.image(p)
	if !ok {
		if c.MediaURL != nil && len(p.Media) > 0 {
			return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Instagram publishes JPEG images only, and none of this post's attachments is a JPEG: attach the image as a JPEG."}
		}
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Instagram needs an image at a public address, and this post has none: " +
			"Instagram fetches the image itself, while Attaché serves media only to its members. Link the post to a public JPEG image."}
	}
	// A container a previous attempt made?
	container, err := channel.LoadCheckpoint(ctx, ContainerKey(p))
	if err != nil {
		return channel.Published{}, err
	}
	if container != "" {
		st, _, err := c.g.ContainerStatus(ctx, container, "status_code")
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
			return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Instagram published the post, but its media is not listed yet"}
		case err == nil && (st == facebook.StatusFinished || st == facebook.StatusInProgress):
			// reuse it
		default:
			container = "" // expired, failed or gone: make a new one
		}
	}
	if container == "" {
		if err := c.g.QuotaWait(ctx, url.PathEscape(c.userID)+"/content_publishing_limit", "quota_usage", "config"); err != nil {
			return channel.Published{}, err
		}
		form := url.Values{"image_url": {img}, "caption": {p.Text}}
		if alt != "" {
			form.Set("alt_text", alt)
		}
		var res struct {
			ID string `json:"id"`
		}
		if err := c.g.Post(ctx, url.PathEscape(c.userID)+"/media", form, &res); err != nil {
			return channel.Published{}, err
		}
		if res.ID == "" {
			return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Instagram returned no container id"}
		}
		container = res.ID
		if err := channel.SaveCheckpoint(ctx, ContainerKey(p), container); err != nil {
			return channel.Published{}, err
		}
	}
	if _, err := c.g.WaitContainer(ctx, container, "status_code", c.Poll, c.Wait); err != nil {
		return channel.Published{}, err
	}
	var res struct {
		ID string `json:"id"`
	}
	if err := c.g.Post(ctx, url.PathEscape(c.userID)+"/media_publish", url.Values{"creation_id": {container}}, &res); err != nil {
		return channel.Published{}, err
	}
	if res.ID == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Instagram returned no media id"}
	}
	// Published: a failed checkpoint of the media id changes nothing now
	// (Find falls back on the container's status and the caption).
	_ = channel.SaveCheckpoint(ctx, MediaKey(p), res.ID)
	return c.media(ctx, res.ID), nil
}

// image picks the picture to publish and its alt text: the first JPEG
// attachment with a public address, else the post's link when it is a
// public image (with the first attachment's alt text, if any).
func (c *Connector) image(p channel.Post) (string, string, bool) {
	if c.MediaURL != nil {
		for _, m := range p.Media {
			if m.ContentType != "image/jpeg" {
				continue
			}
			if u := c.MediaURL(m); u != "" {
				return u, m.Alt, true
			}
		}
	}
	u, ok := facebook.ImageURL(p, nil)
	alt := ""
	if len(p.Media) > 0 {
		alt = p.Media[0].Alt
	}
	return u, alt, ok
}

type igMedia struct {
	ID        string `json:"id"`
	Caption   string `json:"caption"`
	Permalink string `json:"permalink"`
	Timestamp string `json:"timestamp"`
}

// media reads a published media's permalink and time; failures leave them
// empty (the post is published either way).
func (c *Connector) media(ctx context.Context, id string) channel.Published {
	var m igMedia
	_ = c.g.Get(ctx, url.PathEscape(id), url.Values{"fields": {"id,permalink,timestamp"}}, &m)
	at := facebook.ParseTime(m.Timestamp)
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return channel.Published{ExternalID: id, URL: m.Permalink, At: at}
}

// Find says whether an earlier attempt published p: the saved media id, or
// a saved container that is PUBLISHED (then its media is found by caption
// among the latest media); without checkpoints, the caption among the 25
// latest media.
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
		st, _, err := c.g.ContainerStatus(ctx, container, "status_code")
		if err != nil && !facebook.IsNotFound(err) && channel.KindOf(err) != channel.Permanent {
			return channel.Published{}, false, err
		}
		if err == nil && st != facebook.StatusPublished {
			return channel.Published{}, false, nil // not published: Publish reuses or replaces it
		}
		published = err == nil
	}
	var list struct {
		Data []igMedia `json:"data"`
	}
	if err := c.g.Get(ctx, url.PathEscape(c.userID)+"/media", url.Values{"fields": {"id,caption,permalink,timestamp"}, "limit": {"25"}}, &list); err != nil {
		return channel.Published{}, false, err
	}
	want := facebook.Normalize(p.Text)
	for _, m := range list.Data {
		if facebook.Normalize(m.Caption) == want {
			return channel.Published{ExternalID: m.ID, URL: m.Permalink, At: facebook.ParseTime(m.Timestamp)}, true, nil
		}
	}
	if published {
		return channel.Published{}, false, &channel.Error{Kind: channel.Transient, Message: "Instagram published the post, but its media is not listed yet"}
	}
	return channel.Published{}, false, nil
}

// Recent bounds Mentions: comments of the Recent latest media are read.
const Recent = 10

// Mentions returns comments on the account's latest media made at or after
// cursor (Unix seconds), oldest first, and the newest comment's time as the
// next cursor. The account's own comments are left out.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	since, _ := strconv.ParseInt(cursor, 10, 64)
	var media struct {
		Data []igMedia `json:"data"`
	}
	if err := c.g.Get(ctx, url.PathEscape(c.userID)+"/media", url.Values{"fields": {"id,permalink,timestamp"}, "limit": {strconv.Itoa(Recent)}}, &media); err != nil {
		return nil, cursor, err
	}
	var out []channel.Mention
	newest := since
	for _, m := range media.Data {
		var res struct {
			Data []struct {
				ID        string `json:"id"`
				Text      string `json:"text"`
				Username  string `json:"username"`
				Timestamp string `json:"timestamp"`
				From      struct {
					ID       string `json:"id"`
					Username string `json:"username"`
				} `json:"from"`
			} `json:"data"`
		}
		if err := c.g.Get(ctx, url.PathEscape(m.ID)+"/comments", url.Values{"fields": {"id,text,username,timestamp,from"}, "limit": {"50"}}, &res); err != nil {
			if len(out) > 0 {
				break
			}
			return nil, cursor, err
		}
		for _, cm := range res.Data {
			at := facebook.ParseTime(cm.Timestamp)
			if cm.From.ID == c.userID || (since > 0 && at.Unix() < since) {
				continue
			}
			newest = max(newest, at.Unix())
			handle := cm.Username
			if handle == "" {
				handle = cm.From.Username
			}
			out = append(out, channel.Mention{ExternalID: cm.ID, URL: m.Permalink, AuthorID: cm.From.ID, AuthorHandle: handle,
				Text: cm.Text, InReplyTo: m.ID, At: at})
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

// Metrics reads each media's likes and comments. Deleted media are left
// out.
func (c *Connector) Metrics(ctx context.Context, externalIDs []string) (map[string]channel.Metrics, error) {
	out := make(map[string]channel.Metrics, len(externalIDs))
	for _, id := range externalIDs {
		var res struct {
			Likes    int64 `json:"like_count"`
			Comments int64 `json:"comments_count"`
		}
		err := c.g.Get(ctx, url.PathEscape(id), url.Values{"fields": {"like_count,comments_count"}}, &res)
		if facebook.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, err
		}
		out[id] = channel.Metrics{Likes: res.Likes, Replies: res.Comments}
	}
	return out, nil
}

// Refresh: the token is a page or system-user token of the Facebook login;
// renewing it needs the app secret, which Attaché does not hold. A token
// Meta refuses means reconnecting the account.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}
