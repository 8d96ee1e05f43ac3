package listen

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/valid"
)

// Mention is one post, reply, comment or article that listening collected.
type Mention struct {
	ID    int64 `json:"id"`
	OrgID int64 `json:"org_id"`
	// Source names where it came from: a network (telegram, mastodon,
	// bluesky, x, facebook, instagram, threads, linkedin …) or a channel of
	// collection (rss, file, http).
	Source string `json:"source"`
	// AccountID is the connected channel account it came through, 0 when
	// it did not come through one.
	AccountID  int64  `json:"account_id,omitempty"`
	ExternalID string `json:"external_id"` // the source's id; with Source, unique in an organisation
	URL        string `json:"url,omitempty"`

	AuthorID     string `json:"author_id,omitempty"`
	AuthorHandle string `json:"author_handle,omitempty"`
	AuthorName   string `json:"author_name,omitempty"`
	Country      string `json:"country,omitempty"` // ISO 3166-1 alpha-2, or ""

	Text      string `json:"text"`
	Language  string `json:"language,omitempty"` // ISO 639 code (2 letters, or cnr), or ""
	Script    string `json:"script,omitempty"`   // ISO 15924 (Latn, Cyrl, Geor …), or ""
	InReplyTo string `json:"in_reply_to,omitempty"`

	At        time.Time `json:"at"` // published
	Likes     int64     `json:"likes"`
	Reposts   int64     `json:"reposts"`
	Replies   int64     `json:"replies"`
	FetchedAt time.Time `json:"fetched_at"`

	// Keys is the analysed form the full-text index holds (see the package
	// documentation); InsertBatch fills it from Text when it is empty.
	Keys string `json:"-"`
}

// Limits of the stored fields, in bytes. Normalize cuts longer values (a
// mention is kept rather than lost for an overlong field); Validate
// refuses what is still wrong.
const (
	MaxTextBytes   = 128 << 10
	MaxURLBytes    = 2048
	MaxIDBytes     = 512 // external id, author id, in-reply-to
	MaxAuthorBytes = 512 // handle, name
	MaxSourceBytes = 32
)

// Normalize puts m into the stored form: text fields valid UTF-8 without
// NUL and within their limits, ids and handles trimmed, language reduced
// to its lower-case primary subtag ("en-US" → "en"; anything else that is
// not 2–3 letters → ""), script title-cased, country upper-cased (dropped
// unless two letters), times in UTC to the microsecond (both engines keep
// microseconds), negative counts to 0.
func (m *Mention) Normalize() {
	m.Source = strings.ToLower(strings.TrimSpace(m.Source))
	m.ExternalID = cut(strings.TrimSpace(clean(m.ExternalID)), MaxIDBytes)
	m.URL = cut(strings.TrimSpace(clean(m.URL)), MaxURLBytes)
	m.AuthorID = cut(strings.TrimSpace(clean(m.AuthorID)), MaxIDBytes)
	m.AuthorHandle = cut(strings.TrimSpace(clean(m.AuthorHandle)), MaxAuthorBytes)
	m.AuthorName = cut(strings.TrimSpace(clean(m.AuthorName)), MaxAuthorBytes)
	m.InReplyTo = cut(strings.TrimSpace(clean(m.InReplyTo)), MaxIDBytes)
	m.Text = cut(clean(m.Text), MaxTextBytes)
	m.Language = NormLanguage(m.Language)
	m.Script = normScript(m.Script)
	m.Country = NormCountry(m.Country)
	m.At = m.At.UTC().Truncate(time.Microsecond)
	m.FetchedAt = m.FetchedAt.UTC().Truncate(time.Microsecond)
	m.Likes, m.Reposts, m.Replies = max(m.Likes, 0), max(m.Reposts, 0), max(m.Replies, 0)
}

// Validate checks what Normalize cannot repair: the organisation, a source
// name, an external id and a publication time are required.
func (m *Mention) Validate() error {
	switch {
	case m.OrgID <= 0:
		return &valid.FieldError{Field: "org_id", Reason: "is required"}
	case !validSource(m.Source):
		return &valid.FieldError{Field: "source", Reason: "must be a source name such as telegram, rss or file (lower-case letters, digits, - and _; at most 32)"}
	case m.AccountID < 0:
		return &valid.FieldError{Field: "account_id", Reason: "must be an account id or 0"}
	case m.ExternalID == "" || len(m.ExternalID) > MaxIDBytes || !plain(m.ExternalID):
		return &valid.FieldError{Field: "external_id", Reason: fmt.Sprintf("is required: the source's id of the mention (at most %d bytes)", MaxIDBytes)}
	case m.At.IsZero() || m.At.Year() < 1900 || m.At.Year() > 9999:
		return &valid.FieldError{Field: "at", Reason: "must be the time the mention was published"}
	case len(m.Text) > MaxTextBytes || !plain(m.Text):
		return &valid.FieldError{Field: "text", Reason: fmt.Sprintf("must be UTF-8 text of at most %d bytes", MaxTextBytes)}
	case m.Language != NormLanguage(m.Language):
		return &valid.FieldError{Field: "language", Reason: "must be an ISO 639 code such as uk or cnr, or empty"}
	case m.Script != normScript(m.Script):
		return &valid.FieldError{Field: "script", Reason: "must be an ISO 15924 code such as Latn or Cyrl, or empty"}
	case m.Country != NormCountry(m.Country):
		return &valid.FieldError{Field: "country", Reason: "must be an ISO 3166 alpha-2 code such as RS, or empty"}
	case m.Likes < 0 || m.Reposts < 0 || m.Replies < 0:
		return &valid.FieldError{Field: "likes", Reason: "engagement counts must not be negative"}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"url", m.URL, MaxURLBytes}, {"author_id", m.AuthorID, MaxIDBytes}, {"author_handle", m.AuthorHandle, MaxAuthorBytes},
		{"author_name", m.AuthorName, MaxAuthorBytes}, {"in_reply_to", m.InReplyTo, MaxIDBytes}} {
		if len(f.v) > f.max || !plain(f.v) {
			return &valid.FieldError{Field: f.name, Reason: fmt.Sprintf("must be UTF-8 text without NUL, at most %d bytes", f.max)}
		}
	}
	return nil
}

func validSource(s string) bool {
	if s == "" || len(s) > MaxSourceBytes || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// plain reports valid UTF-8 without NUL (PostgreSQL refuses both).
func plain(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// clean makes s plain, replacing invalid bytes with U+FFFD and dropping NUL.
func clean(s string) string {
	if plain(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// NormLanguage reduces a language tag to its lower-case primary subtag
// ("uk-UA" → "uk"), or "" when that is not 2–3 ASCII letters. Every
// entry point of listening normalises codes with it.
func NormLanguage(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 || !asciiLetters(s) {
		return ""
	}
	return strings.ToLower(s)
}

func normScript(s string) string {
	s = strings.TrimSpace(s)
	if len(s) != 4 || !asciiLetters(s) {
		return ""
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// NormCountry upper-cases an ISO 3166-1 alpha-2 code, or gives "".
func NormCountry(s string) string {
	s = strings.TrimSpace(s)
	if len(s) != 2 || !asciiLetters(s) {
		return ""
	}
	return strings.ToUpper(s)
}

func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
