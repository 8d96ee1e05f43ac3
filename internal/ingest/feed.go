package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"

	"github.com/attache-project/attache/internal/listen"
)

// MaxFeedBytes caps a feed body; the largest real feeds of news outlets
// are a few MB.
const MaxFeedBytes = 20 << 20

// Caps on what one feed may make us hold, so that a hostile body of 20 MB
// of empty elements cannot cost hundreds of MB: entries beyond
// MaxFeedItems are skipped (and counted in FeedInfo.Skipped), an entry's
// fields beyond maxEntryFields and a field's children beyond maxFieldKids
// are ignored. Real feeds carry a few hundred entries of a dozen fields.
const (
	MaxFeedItems   = 10_000
	maxEntryFields = 200
	maxFieldKids   = 32
)

// FeedInfo describes the feed itself.
type FeedInfo struct {
	Format      string // "rss2" (also 0.9x), "rss1" (RDF) or "atom"
	Title       string
	Link        string // the site's address, absolute when it could be resolved
	Description string
	Lang        string    // as Normalise leaves Item.Lang
	Updated     time.Time // zero when the feed does not say
	Skipped     int       // entries left out because they had no text
}

// The namespaces a feed's elements are told apart by.
const (
	atomNS    = "http://www.w3.org/2005/Atom"
	rdfNS     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	contentNS = "http://purl.org/rss/1.0/modules/content/"
	dcNS      = "http://purl.org/dc/elements/1.1/"
	xmlNS     = "http://www.w3.org/XML/1998/namespace"
)

// ParseFeed reads an RSS 2.0 (and 0.9x), RSS 1.0 (RDF) or Atom 1.0 feed
// into normalised Items with Source "rss", in feed order.
//
//   - Encoding: UTF-8, a UTF-16 byte order mark, or any charset the XML
//     declaration names that browsers know (windows-1251, ISO-8859-x,
//     KOI8-U …). Invalid UTF-8 becomes U+FFFD and characters XML forbids
//     are dropped, so one bad byte does not cost the whole feed. Common
//     mistakes (HTML entities such as &nbsp;, a bare & in a link) are
//     tolerated.
//   - ExternalID: the guid (RSS) or id (Atom); a bare guid such as "12345"
//     is prefixed with the outlet's host ("example.org#12345"), because
//     numbering repeats across outlets. Else the link; else DeriveID.
//   - Text: the title, a blank line, and the body: content:encoded or else
//     description (RSS), content or else summary (Atom). HTML is reduced
//     to its text: entities decoded, scripts, styles and the like dropped,
//     block elements turned into line breaks.
//   - URL: the item's link (Atom: rel alternate), resolved against
//     feedURL when relative.
//   - AuthorID and AuthorHandle: the outlet — the host of the feed's site
//     link, else of feedURL, without "www." — because for listening the
//     outlet is who speaks; AuthorName: the byline (author, dc:creator),
//     else the feed's title.
//   - Lang: the item's own language, else the feed's (language,
//     dc:language, xml:lang).
//   - At: pubDate, dc:date, published or updated (RFC 1123/822 with their
//     common variants, RFC 3339); zero when missing or unreadable.
//
// A body over MaxFeedBytes, or one that is not an XML feed, is an error
// wrapping ErrFormat; so is XML that breaks off. Entries that end up
// without text are counted in FeedInfo.Skipped.
func ParseFeed(r io.Reader, feedURL string) ([]Item, FeedInfo, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxFeedBytes+1))
	if err != nil {
		return nil, FeedInfo{}, fmt.Errorf("feed: reading: %w", err)
	}
	if len(body) > MaxFeedBytes {
		return nil, FeedInfo{}, fmt.Errorf("feed: larger than %d MiB: %w", MaxFeedBytes>>20, ErrFormat)
	}
	if body, err = feedToUTF8(body); err != nil {
		return nil, FeedInfo{}, err
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil } // already UTF-8

	root, err := feedRoot(d)
	if err != nil {
		return nil, FeedInfo{}, err
	}
	p := feedParser{d: d, base: absoluteURL(feedURL)}
	switch root.Name.Local {
	case "rss":
		p.info.Format, p.entry = "rss2", "item"
	case "RDF":
		p.info.Format, p.entry = "rss1", "item"
	case "feed":
		p.info.Format, p.entry = "atom", "entry"
		p.lang = xmlLang(root.Attr)
	default:
		return nil, FeedInfo{}, fmt.Errorf("feed: not a feed: the root element is <%s>, not <rss>, <rdf:RDF> or <feed>: %w", root.Name.Local, ErrFormat)
	}
	if err := p.container(root, 0); err != nil {
		return nil, FeedInfo{}, feedSyntax(err)
	}
	return p.items(feedURL)
}

// feedToUTF8 converts body to UTF-8 as its byte order mark or XML
// declaration says, and makes it acceptable to encoding/xml.
func feedToUTF8(body []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")):
		body = body[3:]
	case bytes.HasPrefix(body, []byte("\xFE\xFF")) || bytes.HasPrefix(body, []byte("\xFF\xFE")):
		u, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("feed: bad UTF-16: %w", ErrFormat)
		}
		body = u
	default:
		if label := declaredCharset(body); label != "" && !strings.EqualFold(label, "utf-8") && !strings.EqualFold(label, "utf8") {
			enc, _ := charset.Lookup(label)
			if enc == nil {
				return nil, fmt.Errorf("feed: unknown character encoding %q: %w", label, ErrFormat)
			}
			u, err := enc.NewDecoder().Bytes(body)
			if err != nil {
				return nil, fmt.Errorf("feed: cannot decode as %s: %w", label, ErrFormat)
			}
			body = u
		}
	}
	return xmlSafe(body), nil
}

// declaredCharset is the encoding named in an XML declaration at the start
// of body, or "".
func declaredCharset(body []byte) string {
	head := bytes.TrimLeft(body[:min(len(body), 1024)], " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	if end := bytes.Index(head, []byte("?>")); end >= 0 {
		head = head[:end]
	}
	i := bytes.Index(head, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(head[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
		return ""
	}
	q := rest[0]
	if j := bytes.IndexByte(rest[1:], q); j >= 0 {
		return string(rest[1 : 1+j])
	}
	return ""
}

// xmlSafe replaces invalid UTF-8 with U+FFFD and drops the characters XML
// 1.0 forbids (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF), which
// encoding/xml would otherwise stop at.
func xmlSafe(b []byte) []byte {
	safe := func(r rune) bool {
		return r >= 0x20 && r != 0xFFFE && r != 0xFFFF || r == '\t' || r == '\n' || r == '\r'
	}
	clean := utf8.Valid(b)
	for i := 0; clean && i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		clean = safe(r)
		i += size
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = utf8.AppendRune(out, utf8.RuneError)
		case safe(r):
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// feedRoot finds the root element, or says why there is none.
func feedRoot(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, fmt.Errorf("feed: not a feed: no XML element in the body: %w", ErrFormat)
		}
		if err != nil {
			return xml.StartElement{}, feedSyntax(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, fmt.Errorf("feed: not XML: text before the first element: %w", ErrFormat)
			}
		}
	}
}

func feedSyntax(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) && se.Msg == "unexpected EOF" {
		return fmt.Errorf("feed: the XML breaks off before its end (line %d): %w", se.Line, ErrFormat)
	}
	if errors.As(err, &se) {
		return fmt.Errorf("feed: not well-formed XML at line %d: %s: %w", se.Line, se.Msg, ErrFormat)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("feed: the XML breaks off before its end: %w", ErrFormat)
	}
	return fmt.Errorf("feed: %v: %w", err, ErrFormat)
}

// feedParser walks the feed: the root and the RSS channel are containers;
// entries are read whole; other children of a container describe the feed.
type feedParser struct {
	d       *xml.Decoder
	base    *url.URL
	entry   string // the local name of an entry: item or entry
	lang    string // the feed's xml:lang, for Atom
	info    FeedInfo
	entries []feedEntry
}

// feedEntry is an item or entry: its attributes and children.
type feedEntry struct {
	name   xml.Name
	attrs  []xml.Attr
	fields []feedField
}

// feedField is one child of an entry or container. text is its character
// data; when it holds elements (XHTML content) text is their rendering as
// plain text. kids are its own children, with their text (an Atom author's
// name and uri).
type feedField struct {
	name   xml.Name
	attrs  []xml.Attr
	text   string
	nested bool
	kids   []feedKid
}

type feedKid struct {
	name xml.Name
	text []byte
}

// container reads the children of the root (depth 0) or of an RSS channel
// (depth 1) up to its end tag.
func (p *feedParser) container(start xml.StartElement, depth int) error {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == p.entry && len(p.entries) >= MaxFeedItems:
				p.info.Skipped++
				if err := p.d.Skip(); err != nil {
					return err
				}
			case t.Name.Local == p.entry:
				e, err := readEntry(p.d, t)
				if err != nil {
					return err
				}
				p.entries = append(p.entries, e)
			case t.Name.Local == "channel" && depth == 0:
				if err := p.container(t, 1); err != nil {
					return err
				}
			default:
				f, err := readField(p.d, t)
				if err != nil {
					return err
				}
				p.describe(start.Name.Space, f)
			}
		case xml.EndElement:
			return nil
		}
	}
}

// describe takes what the feed says about itself from one field, the
// first time it says it.
func (p *feedParser) describe(ownNS string, f feedField) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	own := f.name.Space == ownNS || p.info.Format == "rss2" && f.name.Space == ""
	switch {
	case own && f.name.Local == "title":
		set(&p.info.Title, oneLine(p.textOf(f, "title")))
	case own && (f.name.Local == "description" || f.name.Local == "subtitle"):
		set(&p.info.Description, p.textOf(f, "description"))
	case own && f.name.Local == "link":
		set(&p.info.Link, p.linkOf(f))
	case f.name.Local == "language" && (own || f.name.Space == dcNS):
		set(&p.info.Lang, listen.NormLanguage(f.text))
	case f.name.Local == "updated" || f.name.Local == "lastBuildDate" || f.name.Local == "pubDate" || f.name.Space == dcNS && f.name.Local == "date":
		if p.info.Updated.IsZero() {
			p.info.Updated = parseFeedDate(f.text)
		}
	}
}

// readEntry reads an item or entry up to its end tag.
func readEntry(d *xml.Decoder, start xml.StartElement) (feedEntry, error) {
	e := feedEntry{name: start.Name, attrs: start.Attr}
	for {
		tok, err := d.Token()
		if err != nil {
			return e, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(e.fields) >= maxEntryFields {
				if err := d.Skip(); err != nil {
					return e, err
				}
				continue
			}
			f, err := readField(d, t)
			if err != nil {
				return e, err
			}
			e.fields = append(e.fields, f)
		case xml.EndElement:
			return e, nil
		}
	}
}

// readField reads one element up to its end tag, iteratively (no
// recursion, however deep the markup).
func readField(d *xml.Decoder, start xml.StartElement) (feedField, error) {
	f := feedField{name: start.Name, attrs: start.Attr}
	var raw []byte
	var tw *textWriter // set once the field turns out to hold elements
	depth, drop := 0, 0
	kidOn := false // the current child is recorded in f.kids
	for {
		tok, err := d.Token()
		if err != nil {
			return f, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if tw == nil {
				tw = &textWriter{}
				tw.text(string(raw))
				f.nested = true
			}
			if depth == 1 {
				kidOn = len(f.kids) < maxFieldKids
				if kidOn {
					f.kids = append(f.kids, feedKid{name: t.Name})
				}
			}
			tag := strings.ToLower(t.Name.Local)
			if drop == 0 && droppedTag(tag) {
				drop = depth
			}
			tw.tag(tag)
		case xml.EndElement:
			if depth == 0 {
				if tw != nil {
					f.text = tw.String()
				} else {
					f.text = string(raw)
				}
				return f, nil
			}
			if drop == depth {
				drop = 0
			}
			tw.tag(strings.ToLower(t.Name.Local))
			depth--
		case xml.CharData:
			switch {
			case tw == nil:
				raw = append(raw, t...)
			case drop == 0:
				tw.text(string(t))
			}
			if depth >= 1 && kidOn {
				k := &f.kids[len(f.kids)-1]
				k.text = append(k.text, t...)
			}
		}
	}
}

// items turns the entries into Items.
func (p *feedParser) items(feedURL string) ([]Item, FeedInfo, error) {
	p.info.Title = cleanName(p.info.Title)
	p.info.Description = cleanText(p.info.Description)
	if p.info.Link != "" {
		p.info.Link = p.resolve(p.info.Link)
	}
	if p.info.Lang == "" {
		p.info.Lang = listen.NormLanguage(p.lang)
	}
	outlet := hostOf(p.info.Link)
	if outlet == "" {
		outlet = hostOf(feedURL)
	}
	items := make([]Item, 0, len(p.entries))
	for _, e := range p.entries {
		it := p.item(e, outlet)
		if err := Normalise(&it); err != nil {
			p.info.Skipped++
			continue
		}
		items = append(items, it)
	}
	return items, p.info, nil
}

// item maps one entry's fields to an Item, by the rules of ParseFeed.
func (p *feedParser) item(e feedEntry, outlet string) Item {
	it := Item{Source: "rss", AuthorID: outlet, AuthorHandle: outlet, Lang: xmlLang(e.attrs)}
	var title, content, summary, guid, link, author, published, updated string
	for _, f := range e.fields {
		own := f.name.Space == e.name.Space
		switch {
		case own && f.name.Local == "title":
			title = oneLine(p.textOf(f, "title"))
		case own && f.name.Local == "link" && link == "":
			link = p.linkOf(f)
		case own && (f.name.Local == "guid" || f.name.Local == "id"):
			guid = strings.TrimSpace(f.text)
			if f.name.Local == "guid" && link == "" && !strings.EqualFold(attr(f.attrs, "isPermaLink"), "false") && absoluteURL(guid) != nil {
				link = guid
			}
		case f.name.Space == contentNS && f.name.Local == "encoded", own && f.name.Local == "content" && attr(f.attrs, "src") == "":
			content = p.textOf(f, "description")
		case own && (f.name.Local == "description" || f.name.Local == "summary"):
			summary = p.textOf(f, "description")
		case own && f.name.Local == "author" && author == "":
			author = authorName(f)
		case f.name.Space == dcNS && f.name.Local == "creator" && author == "":
			author = oneLine(f.text)
		case f.name.Space == dcNS && f.name.Local == "language" && it.Lang == "":
			it.Lang = f.text
		case own && (f.name.Local == "pubDate" || f.name.Local == "published"), f.name.Space == dcNS && f.name.Local == "date":
			published = f.text
		case own && f.name.Local == "updated":
			updated = f.text
		}
	}
	if guid == "" {
		guid = attr(e.attrs, "about") // RSS 1.0: rdf:about
	}
	if it.Lang == "" {
		it.Lang = p.info.Lang
	}
	body := content
	if body == "" {
		body = summary
	}
	it.Text = joinText(title, body)
	it.URL = p.resolve(link)
	it.ExternalID = qualifyID(guid, outlet)
	if it.ExternalID == "" {
		it.ExternalID = it.URL
	}
	it.AuthorName = author
	if it.AuthorName == "" {
		it.AuthorName = p.info.Title
	}
	if it.At = parseFeedDate(published); it.At.IsZero() {
		it.At = parseFeedDate(updated)
	}
	return it
}

// textOf is a field's text: titles are plain text in which entities are
// decoded (feeds often escape them twice); descriptions and contents are
// HTML unless an Atom type attribute says text. Elements inside the field
// (Atom XHTML, or HTML that a feed forgot to escape) were rendered already.
func (p *feedParser) textOf(f feedField, kind string) string {
	if f.nested {
		return f.text
	}
	typ := strings.ToLower(attr(f.attrs, "type"))
	if typ == "" && p.info.Format == "atom" {
		typ = "text" // Atom's default
	}
	switch {
	case typ == "html" || typ == "text/html":
		return HTMLText(f.text)
	case typ == "text" || typ == "text/plain":
		return strings.TrimSpace(f.text)
	case typ != "" && typ != "xhtml":
		return "" // base64 or other media, not text
	case kind == "title":
		return html.UnescapeString(f.text)
	}
	return HTMLText(f.text)
}

// linkOf is the address in an RSS link (its text) or an Atom link (its
// href, when it points to the page itself: rel alternate or none).
func (p *feedParser) linkOf(f feedField) string {
	if href := attr(f.attrs, "href"); href != "" {
		if rel := attr(f.attrs, "rel"); rel == "" || rel == "alternate" {
			return strings.TrimSpace(href)
		}
		return ""
	}
	return strings.TrimSpace(f.text)
}

// resolve makes a link absolute against the feed's address.
func (p *feedParser) resolve(link string) string {
	link = strings.TrimSpace(link)
	if link == "" || p.base == nil {
		return link
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	return p.base.ResolveReference(u).String()
}

// authorName is the name of an Atom author (its name child) or the name in
// an RSS author ("desk@example.org (Olena Koval)" → "Olena Koval").
func authorName(f feedField) string {
	for _, k := range f.kids {
		if k.name.Local == "name" {
			return oneLine(string(k.text))
		}
	}
	s := oneLine(f.text)
	if i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')'); i >= 0 && j > i && strings.Contains(s[:i], "@") {
		return strings.TrimSpace(s[i+1 : j])
	}
	return s
}

// qualifyID prefixes a bare guid with the outlet; URLs, URNs and tag: ids
// are unique as they are.
func qualifyID(guid, outlet string) string {
	if guid == "" || outlet == "" || strings.Contains(guid, ":") {
		return guid
	}
	return outlet + "#" + guid
}

// joinText puts title and body together, once when they are the same.
func joinText(title, body string) string {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	switch {
	case body == "" || body == title:
		return title
	case title == "":
		return body
	}
	return title + "\n\n" + body
}

// oneLine collapses every run of white space into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func attr(attrs []xml.Attr, local string) string {
	for _, a := range attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func xmlLang(attrs []xml.Attr) string {
	for _, a := range attrs {
		if a.Name.Local == "lang" && (a.Name.Space == xmlNS || a.Name.Space == "xml") {
			return a.Value
		}
	}
	return ""
}

// absoluteURL parses s when it is an absolute http(s) URL, else nil.
func absoluteURL(s string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	return u
}

// hostOf is the outlet name of a URL: its host, lower-case, without
// "www." and port.
func hostOf(s string) string {
	u := absoluteURL(s)
	if u == nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// parseFeedDate reads the dates feeds write: RFC 3339 (Atom, dc:date) and
// RFC 1123/822 with their common variants (weekday or none, one-digit day,
// two-digit year, no seconds, a zone name or a numeric offset with or
// without colon, full month names). Unknown zone names count as UTC. It
// gives the zero time for anything else, and the caller stamps the time of
// collection.
func parseFeedDate(s string) time.Time {
	s = oneLine(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := parseTime(s); err == nil && !isDigits(s) {
		return t
	}
	if i := strings.IndexByte(s, ','); i >= 0 && i <= 12 {
		s = strings.TrimSpace(s[i+1:]) // the weekday, in whatever language
	}
	if i := strings.LastIndexByte(s, ' '); i >= 0 {
		if off, ok := zoneOffset(s[i+1:]); ok {
			s = s[:i+1] + off
		}
	}
	for _, layout := range []string{
		"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04 -0700", "2 Jan 06 15:04:05 -0700", "2 Jan 06 15:04 -0700",
		"2 Jan 2006 15:04:05 -07:00", "2 January 2006 15:04:05 -0700", "2 January 2006 15:04 -0700",
		"2 Jan 2006 15:04:05", "2 Jan 2006 15:04", "2 Jan 2006",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y >= 1900 && y <= 9999 {
				return t.UTC()
			}
			return time.Time{}
		}
	}
	return time.Time{}
}

// zoneOffset turns the zone names of RFC 822 and those of the region into
// offsets; any other all-letter name counts as UTC.
func zoneOffset(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return "", false
		}
	}
	switch strings.ToUpper(name) {
	case "EST", "CDT":
		return "-0500", true
	case "EDT":
		return "-0400", true
	case "CST", "MDT":
		return "-0600", true
	case "MST", "PDT":
		return "-0700", true
	case "PST":
		return "-0800", true
	case "CET", "BST", "WEST":
		return "+0100", true
	case "CEST", "EET":
		return "+0200", true
	case "EEST", "MSK", "TRT":
		return "+0300", true
	case "GET", "AMT":
		return "+0400", true
	}
	return "+0000", true
}
