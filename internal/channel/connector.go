package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
)

// Credentials are an account's secrets (access token, refresh token, app
// password, bot token …), stored sealed. Keys depend on the network.
type Credentials map[string]string

// Media is one attachment of a post.
type Media struct {
	FileName    string
	ContentType string
	Alt         string
	Size        int64
	// SHA256 names the stored file (hex); networks that fetch images from
	// a URL get a signed public address of it through their MediaURL hook.
	SHA256 string
	Open   func() (io.ReadCloser, error)
}

// Post is what a connector publishes: one variant's text as published
// (links tagged), its media and what it replies to.
type Post struct {
	VariantID int64
	Version   int
	// IdempotencyKey is stable for a variant's version across retries and
	// restarts ("attache-v12-3"); networks that accept a key get it, others
	// use it to find a post a crashed attempt may have made.
	IdempotencyKey string
	Text           string
	Language       string
	Link           string
	Media          []Media
	ReplyTo        string // the network's id of the post replied to
}

// IdempotencyKey is the key of a variant's version.
func IdempotencyKey(variantID int64, version int) string {
	return fmt.Sprintf("attache-v%d-%d", variantID, version)
}

// Published is where a post went.
type Published struct {
	ExternalID string
	URL        string
	At         time.Time
}

// Mention is a reply, comment or mention pulled from a network.
type Mention struct {
	ExternalID   string
	URL          string
	AuthorID     string
	AuthorHandle string
	AuthorName   string
	Text         string
	Language     string
	InReplyTo    string // the external id of our post it answers, if any
	At           time.Time
}

// Metrics are a post's public counts at one moment.
type Metrics struct {
	Likes, Reposts, Replies, Quotes, Views int64
}

// Connector talks to one account on one network. Implementations live in
// one subpackage per network (channel/mastodon, channel/bluesky …).
type Connector interface {
	// Publish makes the post and reports where it went.
	Publish(ctx context.Context, p Post) (Published, error)
	// Find looks for a post an earlier attempt may have made (after a crash
	// or a timeout, the outcome is unknown); ok is false when there is none.
	Find(ctx context.Context, p Post) (pub Published, ok bool, err error)
	// Mentions returns replies and mentions since cursor, and the next cursor.
	Mentions(ctx context.Context, cursor string) ([]Mention, string, error)
	// Metrics returns the current counts of published posts by external id.
	Metrics(ctx context.Context, externalIDs []string) (map[string]Metrics, error)
	// Refresh renews short-lived credentials; changed is false when there
	// was nothing to renew. A refresh never drops a working refresh token.
	Refresh(ctx context.Context) (creds Credentials, expires time.Time, changed bool, err error)
}

// Factory builds a connector for an account with its credentials and the
// HTTP client to use (the SSRF-guarded one in production).
type Factory func(acc Account, creds Credentials, client *http.Client) (Connector, error)

// Registry maps each network to its connector factory. It is built at
// start (app wiring) and passed in: no package-level registry.
type Registry map[limits.Network]Factory

// Kind classifies a publishing error.
type Kind int

const (
	// Transient errors (429, 5xx, timeouts, connection failures) are retried
	// with backoff.
	Transient Kind = iota
	// Permanent errors (400, revoked token, content refused) stop: the
	// variant fails with the network's reason.
	Permanent
	// Unauthorized (401) is retried once after refreshing credentials.
	Unauthorized
)

// Error is a classified error from a network.
type Error struct {
	Kind       Kind
	Status     int           // HTTP status, 0 when none
	RetryAfter time.Duration // from Retry-After or rate-limit reset headers
	Message    string        // the network's reason, shown to the author
	Err        error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf classifies any error: classified errors keep their kind; other
// errors (network failures, timeouts) are transient.
func KindOf(err error) Kind {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return Transient
}

// ErrNoConnector is returned for a network without a connector yet.
var ErrNoConnector = errors.New("publishing to this network is not available yet")
