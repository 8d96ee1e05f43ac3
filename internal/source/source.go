// Package source keeps listening's collection sources — RSS and Atom
// feeds, Mastodon hashtag and public timelines, the Bluesky Jetstream, the
// Telegram channels a connected bot reads — and runs them: the feeds and
// timelines are polled when due (RunDue), the Jetstream is followed over a
// websocket (Follow), and what they bring goes through the ingest pipeline.
//
// A source is a row of listen_sources (one store file, source_store.go).
// Every instance may run RunDue and Follow at once: a source is claimed
// with a conditional UPDATE of next_run_at, which then serves as a lease,
// so a feed is polled by one instance per turn and a Jetstream source is
// followed by one instance at a time. docs/listening-sources.md describes
// the kinds for operators and analysts.
package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/valid"
)

// Kind names what a source collects from.
type Kind string

// The kinds of source.
const (
	KindRSS      Kind = "rss"      // an RSS or Atom feed, polled
	KindMastodon Kind = "mastodon" // a Mastodon hashtag or public timeline, polled
	KindBluesky  Kind = "bluesky"  // the Bluesky Jetstream, followed live
	KindTelegram Kind = "telegram" // channels a connected Telegram bot reads (collected by the account's poll)
)

// Kinds lists every kind, in the order a page offers them.
func Kinds() []Kind { return []Kind{KindRSS, KindMastodon, KindBluesky, KindTelegram} }

// Polled reports whether RunDue polls sources of this kind.
func (k Kind) Polled() bool { return k == KindRSS || k == KindMastodon }

func (k Kind) known() bool { return slices.Contains(Kinds(), k) }

// Polling intervals. Feeds and Mastodon servers are polled at most every
// MinInterval: outlets and instances run on donated or modest servers,
// and news does not need to be fetched more often.
const (
	DefaultInterval = 15 * time.Minute
	MinInterval     = 5 * time.Minute
	MaxInterval     = 24 * time.Hour
	// MaxBackoff caps the wait after repeated failures.
	MaxBackoff = 6 * time.Hour
	// MaxRetryAfter caps how long a server's Retry-After is honoured.
	MaxRetryAfter = 24 * time.Hour
)

// Bluesky defaults and Jetstream's own limit on collections.
const (
	DefaultJetstream  = "wss://jetstream2.us-east.bsky.network/subscribe"
	DefaultCollection = "app.bsky.feed.post"
	MaxCollections    = 100
)

// Field limits.
const (
	MaxName     = 120 // characters
	MaxURLBytes = 2048
	MaxHashtag  = 100 // characters
)

// Source is a row of listen_sources: where listening collects for an
// organisation, and how the last runs went.
type Source struct {
	ID    int64
	OrgID int64
	Kind  Kind
	Name  string
	// Config is the kind's settings as JSON (RSSConfig, MastodonConfig,
	// BlueskyConfig, TelegramConfig); Validate rewrites it in canonical
	// form. It holds no secrets.
	Config json.RawMessage
	// AccountID is the channel account a Telegram source reads through
	// (the same as its config's account_id); 0 for the other kinds.
	AccountID int64
	// Interval is the time between polls of an RSS or Mastodon source; 0
	// for the kinds that are not polled.
	Interval time.Duration
	Enabled  bool
	// State is what the poller keeps between runs (ETag and Last-Modified,
	// the newest status id, the Jetstream cursor), as JSON.
	State json.RawMessage
	// NextRunAt is when the source is next due; while an instance holds
	// the source, it is that instance's lease expiry.
	NextRunAt  time.Time
	LastRunAt  *time.Time
	LastOKAt   *time.Time
	LastError  string // "" after a run that worked
	Failures   int    // consecutive failed runs
	ItemsTotal int64  // mentions stored from this source, ever
	CreatedBy  int64  // user id; 0 when unknown or deleted
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// Adjusted says what Validate changed in what was given (an interval
	// raised to the minimum, a default filled in), for the page to show.
	// It is not stored.
	Adjusted []string
}

// Config is the typed settings of one kind.
type Config interface {
	// Kind is the kind these settings are for.
	Kind() Kind
	// Validate trims the settings, fills in defaults and checks them; the
	// error is a *valid.FieldError naming "config/…".
	Validate() error
}

// RSSConfig is an RSS or Atom feed.
type RSSConfig struct {
	URL string `json:"url"`
}

// MastodonConfig is a hashtag timeline or a public timeline of one
// Mastodon server: exactly one of Hashtag and Timeline.
type MastodonConfig struct {
	Instance string `json:"instance"`           // https://mastodon.social
	Hashtag  string `json:"hashtag,omitempty"`  // without the #
	Timeline string `json:"timeline,omitempty"` // "public" (federated) or "local"
}

// Mastodon timelines.
const (
	TimelinePublic = "public"
	TimelineLocal  = "local"
)

// BlueskyConfig is a Jetstream instance and the collections to follow.
type BlueskyConfig struct {
	Jetstream   string   `json:"jetstream"`
	Collections []string `json:"collections"`
}

// TelegramConfig names the connected Telegram account whose bot reads the
// channels; their posts arrive through that account's poll.
type TelegramConfig struct {
	AccountID int64 `json:"account_id"`
}

func (RSSConfig) Kind() Kind      { return KindRSS }
func (MastodonConfig) Kind() Kind { return KindMastodon }
func (BlueskyConfig) Kind() Kind  { return KindBluesky }
func (TelegramConfig) Kind() Kind { return KindTelegram }

func fieldErr(field, reason string) error { return &valid.FieldError{Field: field, Reason: reason} }

// Validate trims the URL and checks it is an absolute http(s) address.
func (c *RSSConfig) Validate() error {
	c.URL = strings.TrimSpace(c.URL)
	if c.URL == "" {
		return fieldErr("config/url", "is required: the address of the RSS or Atom feed")
	}
	u, err := checkURL(c.URL, "http", "https")
	if err != nil {
		return fieldErr("config/url", "must be the http(s) address of a feed, such as https://www.example.org/rss.xml: "+err.Error())
	}
	u.Fragment = ""
	c.URL = u.String()
	return nil
}

// Validate puts the instance in the form https://host and checks that
// exactly one of a hashtag and a timeline is given.
func (c *MastodonConfig) Validate() error {
	c.Instance = strings.TrimRight(strings.TrimSpace(c.Instance), "/")
	c.Hashtag = strings.TrimPrefix(strings.TrimSpace(c.Hashtag), "#")
	c.Timeline = strings.ToLower(strings.TrimSpace(c.Timeline))
	if c.Instance == "" {
		return fieldErr("config/instance", "is required: the server's address, such as https://mastodon.social")
	}
	if !strings.Contains(c.Instance, "://") {
		c.Instance = "https://" + c.Instance
	}
	u, err := checkURL(c.Instance, "https")
	switch {
	case err != nil:
		return fieldErr("config/instance", "must be the https address of a Mastodon server, such as https://mastodon.social: "+err.Error())
	case u.Path != "" || u.RawQuery != "" || u.User != nil:
		return fieldErr("config/instance", "must be the server's address alone (https://mastodon.social), without a path or query")
	}
	c.Instance = u.Scheme + "://" + u.Host
	switch {
	case c.Hashtag != "" && c.Timeline != "":
		return fieldErr("config/timeline", "give either a hashtag or a timeline, not both")
	case c.Hashtag == "" && c.Timeline == "":
		return fieldErr("config/hashtag", "give a hashtag to follow, or choose the public or local timeline")
	case c.Timeline != "" && c.Timeline != TimelinePublic && c.Timeline != TimelineLocal:
		return fieldErr("config/timeline", `must be "public" (everything the server knows) or "local" (its own members)`)
	case c.Hashtag != "":
		if reason := checkHashtag(c.Hashtag); reason != "" {
			return fieldErr("config/hashtag", reason)
		}
	}
	return nil
}

// checkHashtag follows Mastodon's hashtag rule: letters, digits, marks
// and underscores, not only digits.
func checkHashtag(h string) string {
	if !utf8.ValidString(h) || utf8.RuneCountInString(h) > MaxHashtag {
		return fmt.Sprintf("must be a hashtag of at most %d characters", MaxHashtag)
	}
	digits := true
	for _, r := range h {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.M, r) || r == '_' || r == '·' || r == '\u200c':
			digits = false
		case unicode.IsDigit(r):
		default:
			return fmt.Sprintf("may hold only letters, digits and underscores (%q is not allowed)", r)
		}
	}
	if digits {
		return "must contain a letter: Mastodon has no hashtags made only of digits"
	}
	return ""
}

// Validate fills in the default Jetstream and collection and checks them.
func (c *BlueskyConfig) Validate() error {
	c.Jetstream = strings.TrimSpace(c.Jetstream)
	if c.Jetstream == "" {
		c.Jetstream = DefaultJetstream
	}
	u, err := checkURL(c.Jetstream, "ws", "wss")
	switch {
	case err != nil:
		return fieldErr("config/jetstream", "must be a ws(s) address such as "+DefaultJetstream+": "+err.Error())
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fieldErr("config/jetstream", "must be the subscribe address alone, without a query: the collections are set below and the cursor is kept by Attaché")
	}
	c.Jetstream = u.String()
	var out []string
	for i, col := range c.Collections {
		col = strings.TrimSpace(col)
		if col == "" {
			continue
		}
		if !validNSID(col) {
			return fieldErr(fmt.Sprintf("config/collections/%d", i), "must be a collection NSID such as app.bsky.feed.post (a trailing .* takes a whole namespace)")
		}
		if !slices.Contains(out, col) {
			out = append(out, col)
		}
	}
	if len(out) > MaxCollections {
		return fieldErr("config/collections", fmt.Sprintf("at most %d collections (Jetstream's limit)", MaxCollections))
	}
	if len(out) == 0 {
		out = []string{DefaultCollection}
	}
	c.Collections = out
	return nil
}

// validNSID checks an atproto NSID (reverse domain and a name, at least
// three segments, at most 317 characters), or a prefix ending in ".*" as
// Jetstream's wantedCollections accepts.
func validNSID(s string) bool {
	if len(s) > 317 {
		return false
	}
	s, wild := strings.CutSuffix(s, ".*")
	parts := strings.Split(s, ".")
	if len(parts) < 3 && !(wild && len(parts) >= 2) {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 63 || p[0] == '-' || p[len(p)-1] == '-' {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Validate checks that an account is named; the store checks that it is
// a connected Telegram account of the organisation.
func (c *TelegramConfig) Validate() error {
	if c.AccountID <= 0 {
		return fieldErr("config/account_id", "is required: choose the connected Telegram account whose bot reads the channels")
	}
	return nil
}

// checkURL parses an absolute URL with one of the schemes and a host.
func checkURL(raw string, schemes ...string) (*url.URL, error) {
	if len(raw) > MaxURLBytes {
		return nil, fmt.Errorf("longer than %d bytes", MaxURLBytes)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("contains spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if !slices.Contains(schemes, u.Scheme) {
		return nil, fmt.Errorf("the scheme must be %s", strings.Join(schemes, " or "))
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("no host")
	}
	u.Host = strings.ToLower(u.Host)
	return u, nil
}

// ParseConfig reads the settings of kind k strictly (unknown keys are an
// error), without validating them.
func ParseConfig(k Kind, raw json.RawMessage) (Config, error) {
	var c Config
	switch k {
	case KindRSS:
		c = &RSSConfig{}
	case KindMastodon:
		c = &MastodonConfig{}
	case KindBluesky:
		c = &BlueskyConfig{}
	case KindTelegram:
		c = &TelegramConfig{}
	default:
		return nil, fieldErr("kind", "must be one of rss, mastodon, bluesky, telegram")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(c); err != nil {
		return nil, fieldErr("config", "is not valid settings for a "+string(k)+" source: "+err.Error())
	}
	if d.More() {
		return nil, fieldErr("config", "must be one JSON object")
	}
	return c, nil
}

// Settings returns the source's typed settings (a *RSSConfig,
// *MastodonConfig, *BlueskyConfig or *TelegramConfig), validated.
func (s *Source) Settings() (Config, error) {
	c, err := ParseConfig(s.Kind, s.Config)
	if err != nil {
		return nil, err
	}
	return c, c.Validate()
}

// Validate checks the source, puts its config in canonical form, fills in
// a name when none is given and brings the interval within the kind's
// bounds; what it changed is listed in Adjusted. Errors are
// *valid.FieldError.
func (s *Source) Validate() error {
	s.Adjusted = nil
	if s.OrgID <= 0 {
		return fieldErr("org_id", "is required")
	}
	s.Kind = Kind(strings.ToLower(strings.TrimSpace(string(s.Kind))))
	if !s.Kind.known() {
		return fieldErr("kind", "must be one of rss, mastodon, bluesky, telegram")
	}
	c, err := s.Settings()
	if err != nil {
		return err
	}
	s.Config, _ = json.Marshal(c)
	if err := s.linkAccount(c); err != nil {
		return err
	}
	if err := s.checkName(c); err != nil {
		return err
	}
	s.adjustInterval()
	if len(bytes.TrimSpace(s.State)) == 0 {
		s.State = json.RawMessage("{}")
	}
	return nil
}

func (s *Source) linkAccount(c Config) error {
	if tc, ok := c.(*TelegramConfig); ok {
		if s.AccountID != 0 && s.AccountID != tc.AccountID {
			return fieldErr("account_id", "must be the account named in the settings")
		}
		s.AccountID = tc.AccountID
		return nil
	}
	if s.AccountID != 0 {
		return fieldErr("account_id", "only a Telegram source reads through a channel account")
	}
	return nil
}

func (s *Source) checkName(c Config) error {
	s.Name = strings.TrimSpace(s.Name)
	switch {
	case !utf8.ValidString(s.Name) || strings.IndexFunc(s.Name, unicode.IsControl) >= 0:
		return fieldErr("name", "must not contain control characters")
	case utf8.RuneCountInString(s.Name) > MaxName:
		return fieldErr("name", fmt.Sprintf("must be at most %d characters", MaxName))
	case s.Name == "" && s.Kind == KindTelegram:
		// Named after the account by the store, which reads it.
	case s.Name == "":
		s.Name = defaultName(c)
		s.Adjusted = append(s.Adjusted, fmt.Sprintf("named %q", s.Name))
	}
	return nil
}

// defaultName names a source after what it reads.
func defaultName(c Config) string {
	switch c := c.(type) {
	case *RSSConfig:
		u, _ := url.Parse(c.URL)
		return strings.TrimPrefix(u.Hostname(), "www.")
	case *MastodonConfig:
		host := strings.TrimPrefix(c.Instance, "https://")
		if c.Hashtag != "" {
			return "#" + c.Hashtag + " on " + host
		}
		return c.Timeline + " timeline of " + host
	case *BlueskyConfig:
		u, _ := url.Parse(c.Jetstream)
		return "Bluesky (" + u.Hostname() + ")"
	}
	return "source"
}

// adjustInterval applies the kind's bounds and says what it changed.
func (s *Source) adjustInterval() {
	if !s.Kind.Polled() {
		if s.Interval != 0 {
			s.Adjusted = append(s.Adjusted, "the interval does not apply: "+string(s.Kind)+" sources are not polled on a schedule")
		}
		s.Interval = 0
		return
	}
	switch {
	case s.Interval == 0:
		s.Interval = DefaultInterval
	case s.Interval < MinInterval:
		s.Adjusted = append(s.Adjusted, fmt.Sprintf("the interval was raised from %s to the minimum of %s, to poll politely", s.Interval, MinInterval))
		s.Interval = MinInterval
	case s.Interval > MaxInterval:
		s.Adjusted = append(s.Adjusted, fmt.Sprintf("the interval was lowered from %s to the maximum of %s", s.Interval, MaxInterval))
		s.Interval = MaxInterval
	}
	s.Interval = s.Interval.Truncate(time.Second)
}

// CheckEndpoint refuses an address the guarded HTTP client would refuse
// (loopback, private, link-local, metadata), as a *valid.FieldError on the
// setting, so that a page can say so when the source is saved; the
// client's dial-time check stays the real guard. It resolves DNS: call it
// from the request that saves, not from Validate.
func (s *Source) CheckEndpoint(allowPrivate bool) error {
	c, err := s.Settings()
	if err != nil {
		return err
	}
	field, addr := "", ""
	switch c := c.(type) {
	case *RSSConfig:
		field, addr = "config/url", c.URL
	case *MastodonConfig:
		field, addr = "config/instance", c.Instance
	case *BlueskyConfig:
		// The websocket handshake is an HTTP request to the same host.
		scheme, rest, _ := strings.Cut(c.Jetstream, "://")
		field, addr = "config/jetstream", map[string]string{"ws": "http", "wss": "https"}[scheme]+"://"+rest
	default:
		return nil
	}
	if err := netguard.CheckURL(addr, allowPrivate); err != nil {
		return fieldErr(field, err.Error())
	}
	return nil
}
