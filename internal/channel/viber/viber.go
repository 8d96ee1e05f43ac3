// Package viber publishes to a Viber channel through the Channels Post API
// (developers.viber.com/docs/tools/channels-post-api): POST
// https://chatapi.viber.com/pa/post with the channel's token in the
// X-Viber-Auth-Token header and {"from": a super admin's id, "type":
// "text", "text": …} (≤ 7,000 characters), or a picture (below). The
// credentials are {"auth_token", "from"}; the base URL can be changed
// (tests, a proxy).
// Viber requires a webhook to be set on the channel before it accepts
// posts (status 10 otherwise); setting it is outside this connector.
//
// Viber answers HTTP 200 with a status field: 0 is ok (with a
// message_token, the post's id), 12 (too many requests) is transient,
// everything else (bad token, bad data, webhook not set, channel blocked
// or suspended …) is permanent with Viber's status_message.
//
// Pictures: the Post API takes a picture only by URL (type "picture",
// "media": the URL, "text": the caption, ≤ 768 characters, may be empty);
// Viber fetches it. The image must be a JPEG, PNG or GIF (shown still) at
// a URL whose last path segment ends in its extension, and at most 1 MB
// to show on iOS (3 MB on Android). A post goes out with one picture: the
// first image attachment, at the address the Connector's MediaURL gives
// (the app's signed, expiring public media URLs). What Viber cannot take
// fails the post for good with the reason, rather than posting it without
// its image: a first image in another format (WebP) or over 1 MB, a
// caption over 768 characters, attachments that are all videos, or no
// public address. Further attachments are not sent (one picture per
// message); the text is the caption.
//
// Exactly once: there is no idempotency key and no API to read the
// channel's posts, so Find always answers "not found"; as for Telegram, a
// failure after the request was written (timeout, dropped connection) is
// Permanent, "outcome unknown; check the channel before retrying", instead
// of a retry that could post twice. A crash between Viber accepting and
// the engine recording the answer can still duplicate.
//
// Mentions and Metrics: the Post API has neither (channel comments and
// views are not exposed); both return nothing.
package viber

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
)

// DefaultBaseURL is Viber's chat API.
const DefaultBaseURL = "https://chatapi.viber.com"

// Connector is one Viber channel.
type Connector struct {
	base, token, from string
	client            *http.Client
	// Timeout bounds one call.
	Timeout time.Duration
	// MediaURL returns the public address of an attachment ("" when it
	// has none); Viber fetches pictures from it.
	MediaURL func(channel.Media) string
}

// Picture limits of the Channels Post API (picture message).
const (
	// MaxCaption is the longest picture description ("text"), counted
	// like the text limit in UTF-16 code units (conservative).
	MaxCaption = limits.ViberMaxCaption
	// MaxPictureBytes: Viber shows images up to 1 MB on iOS and 3 MB on
	// Android; a channel's audience has both.
	MaxPictureBytes = 1_000_000
)

// pictureTypes are the image types Viber shows.
var pictureTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc: creds["auth_token"] (the channel's
// token) and creds["from"] (a super admin's member id) are required.
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Viber {
		return nil, fmt.Errorf("viber connector for a %s account", acc.Network)
	}
	base := DefaultBaseURL
	if acc.BaseURL != "" {
		u, err := url.Parse(acc.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the Viber API address (base_url) is not an http(s) URL"}
		}
		base = strings.TrimRight(acc.BaseURL, "/")
	}
	tok, from := strings.TrimSpace(creds["auth_token"]), strings.TrimSpace(creds["from"])
	if tok == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Viber channel is not connected: no auth token"}
	}
	if from == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Viber channel has no sender: set the super admin's id (from)"}
	}
	if client == nil {
		client = &http.Client{}
	}
	return &Connector{base: base, token: tok, from: from, client: client, Timeout: 20 * time.Second}, nil
}

// Viber's status codes (REST API "Error codes").
var statusNames = map[int]string{
	1: "invalid URL", 2: "invalid auth token", 3: "bad data", 4: "missing data", 5: "receiver not registered",
	6: "receiver not subscribed", 7: "account blocked", 8: "account not found", 9: "account suspended",
	10: "webhook not set", 11: "receiver has no suitable device", 12: "too many requests",
	13: "API version not supported", 14: "incompatible with version",
}

type answer struct {
	Status        int             `json:"status"`
	StatusMessage string          `json:"status_message"`
	MessageToken  json.Number     `json:"message_token"`
	Members       json.RawMessage `json:"members"`
	Name          string          `json:"name"`
}

func classify(a answer) error {
	msg := strings.TrimSpace(a.StatusMessage)
	if n := statusNames[a.Status]; n != "" && !strings.EqualFold(msg, n) {
		msg = strings.TrimSpace(n + ": " + msg)
	}
	e := &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Viber (status %d): %s", a.Status, msg)}
	switch a.Status {
	case 12:
		e.Kind = channel.Transient
	case 2:
		e.Message = "Viber refused the channel's token; copy a new one from the channel's Developer Tools: " + msg
	case 10:
		e.Message += " (Viber accepts posts only once a webhook is set on the channel)"
	}
	return e
}

func cleanErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// call posts body to path; send marks a call that posts (its outcome is
// unknown when it fails after the request was written).
func (c *Connector) call(ctx context.Context, path string, body any, send bool) (answer, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return answer{}, &channel.Error{Kind: channel.Permanent, Message: "encoding a Viber request: " + err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }})
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(data))
	if err != nil {
		return answer{}, &channel.Error{Kind: channel.Permanent, Message: "bad request to Viber: " + cleanErr(err)}
	}
	req.Header.Set("X-Viber-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	unknown := func(err error) error {
		return &channel.Error{Kind: channel.Permanent, Message: "Viber: outcome unknown (" + cleanErr(err) +
			"); check the channel before retrying: the message may have been posted", Err: err}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrRefused) {
			return answer{}, &channel.Error{Kind: channel.Permanent, Message: cleanErr(err)}
		}
		if send && wrote.Load() {
			return answer{}, unknown(err)
		}
		return answer{}, &channel.Error{Kind: channel.Transient, Message: "Viber is unreachable: " + cleanErr(err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return answer{}, &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "Viber: " + http.StatusText(resp.StatusCode)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answer{}, &channel.Error{Kind: channel.Permanent, Status: resp.StatusCode, Message: "Viber: " + http.StatusText(resp.StatusCode)}
	}
	var a answer
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		err = dec.Decode(&a)
	}
	if err != nil {
		if send {
			return answer{}, unknown(err)
		}
		return answer{}, &channel.Error{Kind: channel.Transient, Message: "Viber's answer is not understood: " + err.Error(), Err: err}
	}
	if a.Status != 0 {
		return a, classify(a)
	}
	return a, nil
}

// Publish posts p to the channel: its text, or its first image with the
// text as caption.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	body := map[string]any{"from": c.from, "type": "text", "text": p.Text}
	if len(p.Media) > 0 {
		u, err := c.picture(p)
		if err != nil {
			return channel.Published{}, err
		}
		body["type"], body["media"] = "picture", u
	} else if strings.TrimSpace(p.Text) == "" {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Viber: the message is empty"}
	} else if m := limits.Count(limits.Viber, p.Text, limits.Options{}); !m.OK() {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Viber: the text is %d characters long; the limit is %d", m.Length, m.Limit)}
	}
	a, err := c.call(ctx, "/pa/post", body, true)
	if err != nil {
		return channel.Published{}, err
	}
	id := a.MessageToken.String()
	if id == "" {
		id = "unknown"
	}
	// A channel post has no public link.
	return channel.Published{ExternalID: id, At: time.Now().UTC()}, nil
}

// picture checks what a picture post needs and returns the image's public
// address: every refusal is Permanent, naming what to change.
func (c *Connector) picture(p channel.Post) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", &channel.Error{Kind: channel.Permanent, Message: "Viber: " + fmt.Sprintf(format, args...)}
	}
	var m *channel.Media
	for i := range p.Media {
		if strings.HasPrefix(p.Media[i].ContentType, "image/") {
			m = &p.Media[i]
			break
		}
	}
	if m == nil {
		return fail("a channel post takes a picture, and this post's attachment is a %s; remove it or attach an image (JPEG, PNG or GIF)", kindOf(p.Media[0]))
	}
	if !pictureTypes[m.ContentType] {
		return fail("pictures must be JPEG, PNG or GIF, and %s is %s; attach it in one of those formats", name(*m), m.ContentType)
	}
	if m.Size > MaxPictureBytes {
		return fail("%s is %.1f MB; Viber shows pictures up to 1 MB on iOS (3 MB on Android): attach a smaller version", name(*m), float64(m.Size)/1e6)
	}
	if n := utf16Len(p.Text); n > MaxCaption {
		return fail("with a picture, the text is its caption, which may be %d characters long; this one has %d", MaxCaption, n)
	}
	u := ""
	if c.MediaURL != nil {
		u = c.MediaURL(*m)
	}
	if u == "" {
		return fail("Viber fetches pictures from a public address, and %s has none", name(*m))
	}
	return u, nil
}

func name(m channel.Media) string {
	if m.FileName != "" {
		return "the image " + strconv.Quote(m.FileName)
	}
	return "the image"
}

func kindOf(m channel.Media) string {
	if strings.HasPrefix(m.ContentType, "video/") {
		return "video"
	}
	if m.ContentType == "" {
		return "file"
	}
	return m.ContentType + " file"
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Find cannot know: the Post API cannot list the channel's posts.
func (c *Connector) Find(context.Context, channel.Post) (channel.Published, bool, error) {
	return channel.Published{}, false, nil
}

// Mentions: the Post API exposes no comments.
func (c *Connector) Mentions(_ context.Context, cursor string) ([]channel.Mention, string, error) {
	return nil, cursor, nil
}

// Metrics: the Post API exposes no counts.
func (c *Connector) Metrics(context.Context, []string) (map[string]channel.Metrics, error) {
	return map[string]channel.Metrics{}, nil
}

// Refresh: channel tokens do not expire.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}

// Verify checks the token (get_account_info) and that from is one of the
// channel's members; it returns the channel's name.
func (c *Connector) Verify(ctx context.Context) (string, error) {
	a, err := c.call(ctx, "/pa/get_account_info", map[string]any{}, false)
	if err != nil {
		return "", err
	}
	var members []struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	}
	_ = json.Unmarshal(a.Members, &members)
	for _, m := range members {
		if m.ID == c.from {
			return a.Name, nil
		}
	}
	return a.Name, &channel.Error{Kind: channel.Permanent, Message: "Viber: the sender (from) is not a member of the channel"}
}
