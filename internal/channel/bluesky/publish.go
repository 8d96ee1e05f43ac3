package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/channel"
)

// StrongRef points at one version of a record.
type StrongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type replyRef struct {
	Root   StrongRef `json:"root"`
	Parent StrongRef `json:"parent"`
}

type imageEmbed struct {
	Alt   string          `json:"alt"`
	Image json.RawMessage `json:"image"`
}

// postRecord is an app.bsky.feed.post.
type postRecord struct {
	Type      string         `json:"$type"`
	Text      string         `json:"text"`
	CreatedAt string         `json:"createdAt"`
	Langs     []string       `json:"langs,omitempty"`
	Facets    []Facet        `json:"facets,omitempty"`
	Embed     map[string]any `json:"embed,omitempty"`
	Reply     *replyRef      `json:"reply,omitempty"`
}

// ParseURI splits at://did/collection/rkey.
func ParseURI(uri string) (repo, collection, rkey string, ok bool) {
	rest, found := strings.CutPrefix(uri, "at://")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// PostURL is the web address of a post.
func PostURL(handleOrDID, rkey string) string {
	return "https://bsky.app/profile/" + url.PathEscape(handleOrDID) + "/post/" + url.PathEscape(rkey)
}

type recordAnswer struct {
	URI   string          `json:"uri"`
	CID   string          `json:"cid"`
	Value json.RawMessage `json:"value"`
}

// getRecord reads a record; ok is false when there is none.
func (c *Connector) getRecord(ctx context.Context, repo, collection, rkey string) (recordAnswer, bool, error) {
	var rec recordAnswer
	q := url.Values{"repo": {repo}, "collection": {collection}, "rkey": {rkey}}
	err := c.call(ctx, "GET", "com.atproto.repo.getRecord", q, nil, "", "", &rec)
	var ce *channel.Error
	if errors.As(err, &ce) && (ce.Status == http.StatusBadRequest || ce.Status == http.StatusNotFound) {
		return rec, false, nil // RecordNotFound
	}
	if err != nil {
		return rec, false, err
	}
	return rec, rec.URI != "", nil
}

func (c *Connector) published(rec recordAnswer, did, rkey string) channel.Published {
	c.mu.Lock()
	h := c.handle
	c.mu.Unlock()
	if h == "" {
		h = did
	}
	pub := channel.Published{ExternalID: rec.URI, URL: PostURL(h, rkey)}
	var v struct {
		CreatedAt time.Time `json:"createdAt"`
	}
	if json.Unmarshal(rec.Value, &v) == nil {
		pub.At = v.CreatedAt
	}
	return pub
}

// replyTo builds the reply refs of a post answering uri: its parent is
// that post, its root that post's root (or the post itself).
func (c *Connector) replyTo(ctx context.Context, uri string) (*replyRef, error) {
	repo, coll, rkey, ok := ParseURI(uri)
	if !ok {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "Bluesky: the post replied to is not an at:// URI: " + uri}
	}
	rec, found, err := c.getRecord(ctx, repo, coll, rkey)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "Bluesky: the post replied to no longer exists: " + uri}
	}
	parent := StrongRef{URI: rec.URI, CID: rec.CID}
	var v struct {
		Reply *replyRef `json:"reply"`
	}
	_ = json.Unmarshal(rec.Value, &v)
	if v.Reply != nil && v.Reply.Root.URI != "" {
		return &replyRef{Root: v.Reply.Root, Parent: parent}, nil
	}
	return &replyRef{Root: parent, Parent: parent}, nil
}

// uploadBlob sends one image and returns its blob reference.
func (c *Connector) uploadBlob(ctx context.Context, m channel.Media) (json.RawMessage, error) {
	name := m.FileName
	if name == "" {
		name = "image"
	}
	if m.Open == nil {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "media " + name + " has no content"}
	}
	if m.Size > MaxImageBytes {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "Bluesky accepts images up to 1 MB; " + name + " is larger"}
	}
	rc, err := m.Open()
	if err != nil {
		return nil, &channel.Error{Kind: channel.Transient, Message: "opening media " + name + ": " + err.Error(), Err: err}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
	if err != nil {
		return nil, &channel.Error{Kind: channel.Transient, Message: "reading media " + name + ": " + err.Error(), Err: err}
	}
	if len(data) > MaxImageBytes {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "Bluesky accepts images up to 1 MB; " + name + " is larger"}
	}
	ct := m.ContentType
	if ct == "" {
		ct = http.DetectContentType(data)
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if err := c.authed(ctx, false, "POST", "com.atproto.repo.uploadBlob", nil, func() io.Reader { return bytes.NewReader(data) }, ct, &out); err != nil {
		return nil, err
	}
	if len(out.Blob) == 0 {
		return nil, &channel.Error{Kind: channel.Transient, Message: "Bluesky returned no blob for " + name}
	}
	return out.Blob, nil
}

// facets resolves the mentions of the detected spans to DIDs (a handle
// that does not resolve stays plain text).
func (c *Connector) facets(ctx context.Context, text string) ([]Facet, error) {
	var out []Facet
	dids := map[string]string{}
	for _, sp := range detect(text) {
		f := Facet{Index: ByteSlice{sp.start, sp.end}}
		switch sp.kind {
		case FeatureLink:
			f.Features = []FacetFeature{{Type: FeatureLink, URI: sp.value}}
		case FeatureTag:
			f.Features = []FacetFeature{{Type: FeatureTag, Tag: sp.value}}
		case FeatureMention:
			did, seen := dids[sp.value]
			if !seen {
				var r struct {
					DID string `json:"did"`
				}
				err := c.call(ctx, "GET", "com.atproto.identity.resolveHandle", url.Values{"handle": {sp.value}}, nil, "", "", &r)
				if err != nil && channel.KindOf(err) == channel.Transient {
					return nil, err
				}
				did = r.DID
				dids[sp.value] = did
			}
			if did == "" {
				continue
			}
			f.Features = []FacetFeature{{Type: FeatureMention, DID: did}}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index.ByteStart < out[j].Index.ByteStart })
	return out, nil
}

// Facets returns the facets of text as Publish makes them (mentions
// resolved through the PDS).
func (c *Connector) Facets(ctx context.Context, text string) ([]Facet, error) {
	return c.facets(ctx, text)
}

func langs(tag string) []string {
	if tag == "" {
		return nil
	}
	return []string{tag}
}

// Publish uploads the images, then creates the post under the variant's
// record key. After a failed create it reads that key: a record there is
// the post an earlier attempt (or this one) made.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	if len(p.Media) > 4 {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Bluesky takes at most 4 images in a post"}
	}
	_, did, err := c.ensure(ctx)
	if err != nil {
		return channel.Published{}, err
	}
	rkey := RecordKey(p.VariantID, p.Version)
	rec := postRecord{Type: PostCollection, Text: p.Text, CreatedAt: c.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Langs: langs(p.Language)}
	if rec.Facets, err = c.facets(ctx, p.Text); err != nil {
		return channel.Published{}, err
	}
	if p.ReplyTo != "" {
		if rec.Reply, err = c.replyTo(ctx, p.ReplyTo); err != nil {
			return channel.Published{}, err
		}
	}
	if len(p.Media) > 0 {
		var imgs []imageEmbed
		for _, m := range p.Media {
			blob, err := c.uploadBlob(ctx, m)
			if err != nil {
				return channel.Published{}, err
			}
			imgs = append(imgs, imageEmbed{Alt: m.Alt, Image: blob})
		}
		rec.Embed = map[string]any{"$type": "app.bsky.embed.images", "images": imgs}
	}
	body := map[string]any{"repo": did, "collection": PostCollection, "rkey": rkey, "record": rec}
	var out StrongRef
	err = c.authed(ctx, false, "POST", "com.atproto.repo.createRecord", nil, func() io.Reader { return jsonBody(body) }, "application/json", &out)
	if err != nil {
		if channel.KindOf(err) == channel.Unauthorized {
			return channel.Published{}, err
		}
		// The collision of a retry is a 500; a timeout may hide a success.
		if got, ok, ferr := c.getRecord(ctx, did, PostCollection, rkey); ferr == nil && ok {
			return c.published(got, did, rkey), nil
		}
		return channel.Published{}, err
	}
	if out.URI == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: "Bluesky returned no record URI"}
	}
	pub := c.published(recordAnswer{URI: out.URI, CID: out.CID}, did, rkey)
	pub.At, _ = time.Parse(time.RFC3339Nano, rec.CreatedAt)
	return pub, nil
}

// Find reads the record under the post's key.
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	_, did, err := c.ensure(ctx)
	if err != nil {
		return channel.Published{}, false, err
	}
	rkey := RecordKey(p.VariantID, p.Version)
	rec, ok, err := c.getRecord(ctx, did, PostCollection, rkey)
	if err != nil || !ok {
		return channel.Published{}, false, err
	}
	return c.published(rec, did, rkey), true, nil
}
