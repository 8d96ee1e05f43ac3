package ingest

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"

	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/valid"
)

// Limits of the normalised fields, in bytes. They sit at or under the
// store's limits (internal/listen), so a normalised item is always storable.
const (
	MaxTextBytes   = 100_000
	MaxURLBytes    = 2048
	MaxIDBytes     = 512 // external id, author id, in-reply-to
	MaxAuthorBytes = 512 // handle, name
	MaxSourceBytes = 32
)

// Normalise puts it into the one form the rest of listening relies on, or
// says which field cannot be repaired (a *valid.FieldError on "text",
// "source" or "at"). The rules, field by field:
//
//   - Source: trimmed and lower-cased; it must then be a source name —
//     a letter, then letters, digits, - or _, at most 32 bytes — else an
//     error.
//   - Text: invalid UTF-8 becomes U+FFFD (a text is kept rather than lost
//     for one bad byte); CR LF and lone CR become LF; control characters
//     other than LF and TAB are removed, and so is U+FEFF (a stray byte
//     order mark); the result is put in Unicode NFC, so that "é" typed two
//     ways is one string; it is cut to MaxTextBytes at a normalisation
//     boundary (never inside a character or between a letter and its
//     accents) and trimmed. An empty text is an error: there is nothing to
//     listen to.
//   - ExternalID, AuthorID, InReplyTo, AuthorHandle, AuthorName: one line
//     each — invalid UTF-8 becomes U+FFFD, every control character
//     (line breaks included) becomes a space, U+FEFF is removed, and the
//     value is trimmed; handle and name are put in NFC and cut to
//     MaxAuthorBytes. An id is never cut, because a cut id could collide
//     with another: one longer than MaxIDBytes is replaced by "sha256:"
//     and the hex SHA-256 of it (the same id always gives the same
//     replacement).
//   - ExternalID, when empty after all this: DeriveID of the normalised
//     item.
//   - URL: kept only when it is an absolute http or https URL with a host,
//     without spaces or control characters, at most MaxURLBytes; else "".
//     A cut URL would point elsewhere, so a long one is dropped, not cut.
//   - Lang: trimmed, reduced to its primary subtag ("uk-UA" and "uk_UA"
//     give "uk"), lower-cased; anything but 2–3 ASCII letters gives "".
//   - Country: trimmed and upper-cased; anything but 2 ASCII letters
//     gives "".
//   - At: in UTC, to the microsecond (what both database engines keep).
//     The zero time stays zero (the caller stamps the collection time); a
//     year outside 1900–9999 is an error.
//   - Likes, Reposts, Replies: a negative count becomes 0.
//
// Normalise is idempotent: normalising a normalised item changes nothing.
// After an error the item is partly normalised and should be dropped.
func Normalise(it *Item) error {
	it.Source = strings.ToLower(strings.TrimSpace(it.Source))
	if !validSource(it.Source) {
		return &valid.FieldError{Field: "source", Reason: "must be a source name such as telegram, rss or file (a letter, then letters, digits, - or _; at most 32)"}
	}
	it.Text = cleanText(it.Text)
	if it.Text == "" {
		return &valid.FieldError{Field: "text", Reason: "is required and must not be blank"}
	}
	if !it.At.IsZero() {
		it.At = it.At.UTC().Truncate(time.Microsecond)
		if y := it.At.Year(); y < 1900 || y > 9999 {
			return &valid.FieldError{Field: "at", Reason: "must be a time between the years 1900 and 9999"}
		}
	}
	it.ExternalID = cleanID(it.ExternalID)
	it.AuthorID = cleanID(it.AuthorID)
	it.InReplyTo = cleanID(it.InReplyTo)
	it.AuthorHandle = cleanName(it.AuthorHandle)
	it.AuthorName = cleanName(it.AuthorName)
	it.URL = cleanURL(it.URL)
	it.Lang = listen.NormLanguage(it.Lang)
	it.Country = listen.NormCountry(it.Country)
	it.Likes, it.Reposts, it.Replies = max(it.Likes, 0), max(it.Reposts, 0), max(it.Replies, 0)
	if it.ExternalID == "" {
		it.ExternalID = DeriveID(it)
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

// cleanText applies the Text rules of Normalise except the emptiness check.
func cleanText(s string) string {
	if !plainText(s) {
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case r == utf8.RuneError && size == 1:
				b.WriteRune(utf8.RuneError)
			case r == '\r':
				if i < len(s) && s[i] == '\n' {
					continue // the LF that follows stands for both
				}
				b.WriteByte('\n')
			case r == '\n' || r == '\t':
				b.WriteRune(r)
			case isControl(r) || r == '\uFEFF':
				// dropped
			default:
				b.WriteString(s[i-size : i])
			}
		}
		s = b.String()
	}
	s = nfc(s)
	if len(s) > MaxTextBytes {
		s = cutNFC(s, MaxTextBytes)
	}
	return strings.TrimSpace(s)
}

// plainText reports that cleanText's first step would change nothing: the
// common case, checked without allocating.
func plainText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isControl(r) || r == '\uFEFF' {
			return false
		}
		i += size
	}
	return true
}

// isControl is Unicode's Cc: C0, DEL and C1.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// cleanLine applies the one-line rules: valid UTF-8, controls to spaces,
// no U+FEFF, trimmed.
func cleanLine(s string) string {
	clean := true
	for _, r := range s { // invalid bytes come out as RuneError
		if r == utf8.RuneError || isControl(r) || r == '\uFEFF' {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case r == utf8.RuneError && size == 1:
				b.WriteRune(utf8.RuneError)
			case isControl(r):
				b.WriteByte(' ')
			case r == '\uFEFF':
			default:
				b.WriteString(s[i-size : i])
			}
		}
		s = b.String()
	}
	return strings.TrimSpace(s)
}

// cleanID is cleanLine, with an overlong id replaced by its hash.
func cleanID(s string) string {
	s = cleanLine(s)
	if len(s) > MaxIDBytes {
		return hashID(s)
	}
	return s
}

// cleanName is cleanLine in NFC, cut to MaxAuthorBytes.
func cleanName(s string) string {
	s = nfc(cleanLine(s))
	if len(s) > MaxAuthorBytes {
		s = strings.TrimSpace(cutNFC(s, MaxAuthorBytes))
	}
	return s
}

func hashID(s string) string {
	it := Item{Text: s}
	return DeriveID(&it)
}

// cleanURL keeps s only when it is an absolute http(s) URL with a host.
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxURLBytes || !utf8.ValidString(s) {
		return ""
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f && r <= 0x9f || r == '\uFEFF' {
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return ""
	}
	return s
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

// nfc puts s in NFC. Most texts are already, and inStableRange proves it
// for the scripts of the region several times faster than norm can.
func nfc(s string) string {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !inStableRange(r) {
			return norm.NFC.String(s)
		}
		i += size
	}
	return s
}

// inStableRange reports a character that is NFC on its own and never
// combines with what precedes it (ccc 0, quick check Yes), so that a text
// made of nothing else is NFC: Latin with its extensions, Cyrillic without
// its combining marks, Georgian, common punctuation, currency signs and
// emoji. TestStableRanges checks every one of them against norm.
func inStableRange(r rune) bool {
	switch {
	case r < 0x0300, // Latin-1, Latin Extended-A and -B, IPA, spacing modifiers
		r >= 0x0400 && r <= 0x0482, r >= 0x048A && r <= 0x052F, // Cyrillic, minus U+0483–0489
		r >= 0x10A0 && r <= 0x10FF, r >= 0x1C90 && r <= 0x1CBF, // Georgian, Georgian Extended
		r >= 0x1E00 && r <= 0x1EFF,                             // Latin Extended Additional
		r >= 0x2010 && r <= 0x2027, r >= 0x2030 && r <= 0x205E, // punctuation
		r >= 0x20A0 && r <= 0x20C0,                  // currency
		r >= 0x1F300 && r <= 0x1FAFF, r == '\uFFFD': // emoji, the replacement character
		return true
	}
	return false
}

// cutNFC shortens the NFC string s to at most n bytes at a normalisation
// boundary, so that no letter loses some of its accents and the result is
// still NFC. When no boundary is in reach (a letter under hundreds of
// accents) it cuts at a character boundary.
func cutNFC(s string, n int) string {
	k := len(cut(s, n))
	for j := k; j > 0 && k-j <= 128; {
		if j == len(s) || norm.NFC.FirstBoundaryInString(s[j:]) == 0 {
			return s[:j]
		}
		_, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
	}
	return s[:k]
}

// HTMLText reduces an HTML fragment to its text, with
// golang.org/x/net/html's tokenizer (which never fails on bad markup):
// entities decoded, the content of scripts, styles and other non-text
// elements dropped, block elements turned into line breaks (paragraphs and
// headings into a blank line), runs of white space into one space.
func HTMLText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return oneLine(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var w textWriter
	drop := 0 // open non-text elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if drop == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if tt == html.StartTagToken && droppedTag(tag) {
				drop++
			}
			w.tag(tag)
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if drop > 0 && droppedTag(tag) {
				drop--
			}
			w.tag(tag)
		}
	}
}

// droppedTag names the elements whose content is not text for a reader.
func droppedTag(tag string) bool {
	switch tag {
	case "script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head":
		return true
	}
	return false
}

// textWriter renders markup as plain text: white space collapsed, line
// breaks only where a block element starts or ends, none at either end.
type textWriter struct {
	b     strings.Builder
	space bool // a space is due before the next character
	lines int  // line breaks due before the next character (at most 2)
}

func (w *textWriter) text(s string) {
	for _, r := range s {
		if unicode.IsSpace(r) {
			w.space = true
			continue
		}
		if w.b.Len() > 0 {
			switch {
			case w.lines > 0:
				w.b.WriteString("\n\n"[:w.lines])
			case w.space:
				w.b.WriteByte(' ')
			}
		}
		w.space, w.lines = false, 0
		w.b.WriteRune(r)
	}
}

// tag applies the break a start or end tag makes.
func (w *textWriter) tag(tag string) {
	switch tag {
	case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure", "hr",
		"section", "article", "header", "footer", "aside", "address", "main", "nav":
		w.lines = 2
	case "br":
		w.lines = min(w.lines+1, 2) // two in a row make a blank line
	case "div", "li", "tr", "dt", "dd", "figcaption", "caption":
		w.lines = max(w.lines, 1)
	case "td", "th", "img":
		w.space = true
	}
}

func (w *textWriter) String() string { return w.b.String() }
