// Package website is the connector of the "website" network: the
// organisation's own site, the channel of record. Publishing records the
// statement as published at once (the public Atom, RSS and JSON feeds of
// internal/feed list the published variants) and, when the account has a
// webhook configured, tells the ministry's CMS with a signed POST.
//
// Credentials: "webhook_url" and "webhook_secret" (both optional; a URL
// without a secret is refused). The webhook follows the pattern of GitHub
// and Stripe webhooks:
//
//	POST webhook_url
//	Content-Type: application/json
//	X-Attache-Event: statement.published
//	X-Attache-Delivery: attache-v12-3        (the idempotency key: the same on every retry)
//	X-Attache-Timestamp: 1767225600          (Unix seconds)
//	X-Attache-Signature: sha256=<hex>        (HMAC-SHA256 with the secret over "<timestamp>.<body>")
//
// A receiver recomputes the HMAC over the timestamp header, a dot and the
// raw body, compares in constant time, refuses old timestamps (replays)
// and ignores a delivery id it has already processed (retries).
package website

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/channel"
)

// Header names of the webhook.
const (
	HeaderEvent     = "X-Attache-Event"
	HeaderDelivery  = "X-Attache-Delivery"
	HeaderTimestamp = "X-Attache-Timestamp"
	HeaderSignature = "X-Attache-Signature"
)

// Event is the webhook's event name.
const Event = "statement.published"

// Payload is the webhook's JSON body.
type Payload struct {
	Event       string    `json:"event"`
	DeliveryID  string    `json:"delivery_id"`
	AccountID   int64     `json:"account_id"`
	OrgID       int64     `json:"org_id"`
	VariantID   int64     `json:"variant_id"`
	Version     int       `json:"version"`
	ExternalID  string    `json:"external_id"`
	Language    string    `json:"language"`
	Text        string    `json:"text"`
	Link        string    `json:"link,omitempty"`
	ReplyTo     string    `json:"reply_to,omitempty"`
	PublishedAt time.Time `json:"published_at"`
}

// Connector publishes to the website.
type Connector struct {
	acc    channel.Account
	hook   string
	secret string
	client *http.Client
	now    func() time.Time
}

// New is the channel.Factory of the website network. client is the HTTP
// client for the webhook (the SSRF-guarded one in production).
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	c := &Connector{acc: acc, hook: strings.TrimSpace(creds["webhook_url"]), secret: creds["webhook_secret"], client: client, now: time.Now}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	if c.hook != "" {
		u, err := url.Parse(c.hook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the website webhook URL must be an http(s) URL"}
		}
		if c.secret == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the website webhook needs a secret to sign its deliveries"}
		}
	}
	return c, nil
}

var _ channel.Factory = New

// ExternalID is the id of a variant's publication on the website: the
// variant's idempotency key, stable across retries.
func ExternalID(p channel.Post) string {
	if p.IdempotencyKey != "" {
		return p.IdempotencyKey
	}
	return channel.IdempotencyKey(p.VariantID, p.Version)
}

// Publish records the post as published now and, with a webhook, delivers
// it signed. The publication's URL is left empty: the feeds point to
// Attaché's public page of the statement.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	pub := channel.Published{ExternalID: ExternalID(p), At: c.now().UTC().Truncate(time.Microsecond)}
	if c.hook == "" {
		return pub, nil
	}
	body, err := json.Marshal(Payload{Event: Event, DeliveryID: pub.ExternalID, AccountID: c.acc.ID, OrgID: c.acc.OrgID,
		VariantID: p.VariantID, Version: p.Version, ExternalID: pub.ExternalID, Language: p.Language, Text: p.Text,
		Link: p.Link, ReplyTo: p.ReplyTo, PublishedAt: pub.At})
	if err != nil {
		return pub, err
	}
	if err := c.deliver(ctx, pub.ExternalID, body); err != nil {
		return channel.Published{}, err
	}
	return pub, nil
}

// Sign returns the signature header value of a body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by Verify for a wrong, missing or stale
// signature.
var ErrBadSignature = errors.New("website webhook: bad or stale signature")

// Verify checks a delivery as a receiver would: the signature over the
// timestamp and body, and a timestamp within tolerance of now.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(h.Get(HeaderSignature))) {
		return ErrBadSignature
	}
	return nil
}

func (c *Connector) deliver(ctx context.Context, delivery string, body []byte) error {
	ts := c.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hook, bytes.NewReader(body))
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: "the website webhook URL is not usable", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Attache-Webhook/1")
	req.Header.Set(HeaderEvent, Event)
	req.Header.Set(HeaderDelivery, delivery)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(c.secret, ts, body))
	resp, err := c.client.Do(req)
	if err != nil {
		return &channel.Error{Kind: channel.Transient, Message: "the website webhook did not answer", Err: err}
	}
	defer resp.Body.Close()
	reason, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		e := &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "the website webhook failed"}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return &channel.Error{Kind: channel.Permanent, Status: resp.StatusCode, Message: "the website refused the webhook's signature: check the webhook secret"}
	default:
		msg := strings.TrimSpace(string(reason))
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return &channel.Error{Kind: channel.Permanent, Status: resp.StatusCode, Message: fmt.Sprintf("the website refused the statement: %.200s", msg)}
	}
}

// Find reports a publication an earlier attempt may have made. Without a
// webhook, publishing is only recording, so the publication is the
// deterministic one and ok is true. With a webhook, ok is false so that
// the engine publishes again: the delivery carries the same delivery id,
// which the receiver uses to ignore a duplicate.
func (c *Connector) Find(_ context.Context, p channel.Post) (channel.Published, bool, error) {
	if c.hook != "" {
		return channel.Published{}, false, nil
	}
	return channel.Published{ExternalID: ExternalID(p), At: c.now().UTC().Truncate(time.Microsecond)}, true, nil
}

// Mentions: a website has no replies to pull.
func (c *Connector) Mentions(_ context.Context, cursor string) ([]channel.Mention, string, error) {
	return nil, cursor, nil
}

// Metrics: a website reports no counts.
func (c *Connector) Metrics(context.Context, []string) (map[string]channel.Metrics, error) {
	return map[string]channel.Metrics{}, nil
}

// Refresh: website credentials do not expire.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}
