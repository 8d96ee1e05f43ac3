// Package limits measures a post's text the way each social network counts
// it, and says whether it fits.
//
// Every network counts differently: X weighs code points and counts each URL
// as 23; Bluesky counts grapheme clusters and, separately, UTF-8 bytes;
// Mastodon counts grapheme clusters after shortening URLs and remote
// mentions; Telegram counts UTF-16 code units; Threads counts an emoji as its
// UTF-8 bytes. docs/network-limits.md gives each rule with its source and the
// reasons for the choices made where a network's documentation is vague
// (there the package takes the reading that counts more, so that a post it
// passes is not refused by the network).
//
// Count is pure and safe for concurrent use.
package limits

import (
	"fmt"
	"strconv"
)

// Network names a publishing channel. The values are stable identifiers
// suitable for storage and URLs.
type Network string

// The networks Attaché prepares posts for.
const (
	Telegram  Network = "telegram"
	Facebook  Network = "facebook"
	Instagram Network = "instagram"
	X         Network = "x"
	Mastodon  Network = "mastodon"
	Bluesky   Network = "bluesky"
	LinkedIn  Network = "linkedin"
	Threads   Network = "threads"
	Viber     Network = "viber"
	Email     Network = "email"
	Website   Network = "website"
)

// Networks lists every network, in display order.
var Networks = []Network{Telegram, Facebook, Instagram, X, Mastodon, Bluesky, LinkedIn, Threads, Viber, Email, Website}

// Units reported in Measure.Unit.
const (
	UnitWeighted   = "weighted characters"
	UnitGraphemes  = "graphemes"
	UnitCharacters = "characters"
	UnitUTF16      = "UTF-16 code units"
	UnitBytes      = "bytes"
	UnitHashtags   = "hashtags"
)

// Limits, as documented by each network (see docs/network-limits.md).
const (
	XMaxWeighted          = 280
	XURLLength            = 23
	BlueskyMaxGraphemes   = 300
	BlueskyMaxBytes       = 3000
	MastodonDefaultMax    = 500
	MastodonURLLength     = 23
	TelegramMaxText       = 4096
	TelegramMaxCaption    = 1024
	InstagramMaxCaption   = 2200
	InstagramMaxHashtags  = 30
	LinkedInMaxCommentary = 3000
	ThreadsMaxText        = 500
	FacebookMaxMessage    = 63206
	ViberMaxText          = 7000
	ViberMaxCaption       = 768 // the "text" of a picture message
	// NoPracticalLimit bounds channels without a limit of their own (email
	// newsletter, website), so that a runaway paste is still caught.
	NoPracticalLimit = 100000
)

// Valid reports whether n names a known network.
func Valid(n string) bool {
	for _, k := range Networks {
		if string(k) == n {
			return true
		}
	}
	return false
}

// Label is the network's name for people: "X", "Bluesky", "Telegram" …
// An unknown network's label is its identifier.
func Label(n Network) string {
	switch n {
	case Telegram:
		return "Telegram"
	case Facebook:
		return "Facebook"
	case Instagram:
		return "Instagram"
	case X:
		return "X"
	case Mastodon:
		return "Mastodon"
	case Bluesky:
		return "Bluesky"
	case LinkedIn:
		return "LinkedIn"
	case Threads:
		return "Threads"
	case Viber:
		return "Viber"
	case Email:
		return "Email newsletter"
	case Website:
		return "Website"
	}
	return string(n)
}

// Options carry what changes the limit: a Mastodon instance's max_characters
// (from GET /api/v2/instance configuration.statuses.max_characters; 0 means
// the default 500), and whether a Telegram or Viber post carries media (its
// text is then a caption, limited to 1,024 and 768).
type Options struct {
	MastodonMaxChars int
	HasMedia         bool
}

// Measure is the length of text as the network counts it.
type Measure struct {
	Network      Network `json:"network"`
	Unit         string  `json:"unit"` // "weighted characters", "graphemes", "characters", "UTF-16 code units", "bytes", "hashtags"
	Length       int     `json:"length"`
	Limit        int     `json:"limit"`
	Bytes        int     `json:"bytes"`         // UTF-8 bytes (Bluesky has a second limit on these)
	ByteLimit    int     `json:"byte_limit"`    // 0 when the network has none
	Hashtags     int     `json:"hashtags"`      // Instagram
	HashtagLimit int     `json:"hashtag_limit"` // 0 when the network has none
}

// OK reports whether the text fits every limit of its network. A Measure of
// an unknown network is never OK.
func (m Measure) OK() bool {
	if !Valid(string(m.Network)) || m.Limit <= 0 {
		return false
	}
	if m.Length > m.Limit {
		return false
	}
	if m.ByteLimit > 0 && m.Bytes > m.ByteLimit {
		return false
	}
	if m.HashtagLimit > 0 && m.Hashtags > m.HashtagLimit {
		return false
	}
	return true
}

// Problems returns human-readable problems ("X counts 291 weighted
// characters; the limit is 280"), empty when OK.
func (m Measure) Problems() []string {
	if !Valid(string(m.Network)) {
		return []string{fmt.Sprintf("unknown network %q", string(m.Network))}
	}
	if m.Limit <= 0 {
		return []string{fmt.Sprintf("%s has no limit set", Label(m.Network))}
	}
	var p []string
	if m.Length > m.Limit {
		what := ""
		if (m.Network == Telegram && m.Limit == TelegramMaxCaption) || (m.Network == Viber && m.Limit == ViberMaxCaption) {
			what = " for a media caption"
		}
		p = append(p, fmt.Sprintf("%s counts %s %s; the limit is %s%s",
			Label(m.Network), group(m.Length), m.Unit, group(m.Limit), what))
	}
	if m.ByteLimit > 0 && m.Bytes > m.ByteLimit {
		p = append(p, fmt.Sprintf("%s counts %s bytes (UTF-8); the limit is %s",
			Label(m.Network), group(m.Bytes), group(m.ByteLimit)))
	}
	if m.HashtagLimit > 0 && m.Hashtags > m.HashtagLimit {
		p = append(p, fmt.Sprintf("%s counts %s hashtags; the limit is %s",
			Label(m.Network), group(m.Hashtags), group(m.HashtagLimit)))
	}
	return p
}

// group formats n with thousands separators: 63206 → "63,206".
func group(n int) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return neg + s
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	lead := len(s) % 3
	if lead > 0 {
		out = append(out, s[:lead]...)
	}
	for i := lead; i < len(s); i += 3 {
		if len(out) > 0 {
			out = append(out, ',')
		}
		out = append(out, s[i:i+3]...)
	}
	return neg + string(out)
}
