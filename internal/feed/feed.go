// Package feed makes an organisation's public feeds of published
// statements: Atom 1.0 (RFC 4287), RSS 2.0 and JSON Feed 1.1.
//
// What is listed: an organisation's variants in state published, newest
// first, at most Limit. A statement published on several networks in one
// language (the same item on the website, Mastodon and X) is listed once:
// the website's variant when there is one, since the website is the
// channel of record, else the first one published. Drafts, variants not
// yet published and other organisations' variants never appear.
package feed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
)

// Limit is the most entries a feed lists.
const Limit = 50

// scanLimit bounds the rows read to fill Limit entries after merging a
// statement's variants on several networks.
const scanLimit = 20 * Limit

// Entry is one published statement.
type Entry struct {
	VariantID int64
	ItemID    int64
	Network   limits.Network
	Title     string // the item's title, or the first line of the text
	Text      string // the text as published (links tagged)
	Language  string
	URL       string // where the network shows it; empty: the permalink page
	Published time.Time
	Updated   time.Time
}

// Feed is an organisation's list of published statements.
type Feed struct {
	Title    string // the organisation's name
	Slug     string // the organisation's slug
	Language string // the most frequent language of the entries ("" when empty)
	// BaseURL is Attaché's public address (config --base-url); feed and
	// permalink addresses are built on it.
	BaseURL string
	Updated time.Time
	Entries []Entry
}

// TextFunc returns a variant's text as published (campaign.Service's
// PublishText). Nil keeps the stored text.
type TextFunc func(ctx context.Context, variantID int64) (string, error)

const entryColumns = `v.id, v.item_id, a.network, i.title, v.text, v.language, v.url, v.published_at, v.updated_at`

const entryFrom = ` FROM variants v
	JOIN items i ON i.id = v.item_id
	JOIN channel_accounts a ON a.id = v.channel_account_id
	WHERE v.org_id = ? AND a.org_id = ? AND v.state = 'published' AND v.published_at IS NOT NULL`

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var title string
	err := row.Scan(&e.VariantID, &e.ItemID, &e.Network, &title, &e.Text, &e.Language, &e.URL, &e.Published, &e.Updated)
	if err != nil {
		return e, err
	}
	e.Published = e.Published.UTC()
	e.Updated = e.Updated.UTC()
	if e.Updated.Before(e.Published) {
		e.Updated = e.Published
	}
	e.Title = strings.TrimSpace(title)
	return e, nil
}

// finish sets the text as published and the title.
func finish(ctx context.Context, text TextFunc, e *Entry) error {
	if text != nil {
		t, err := text(ctx, e.VariantID)
		if err != nil {
			return fmt.Errorf("feed: text of variant %d: %w", e.VariantID, err)
		}
		e.Text = t
	}
	if e.Title == "" {
		e.Title = FirstLine(e.Text, 120)
	}
	return nil
}

// Entries returns an organisation's published statements, newest first, at
// most Limit, one per item and language.
func Entries(ctx context.Context, q db.Queryer, orgID int64, text TextFunc) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+entryColumns+entryFrom+
		" ORDER BY v.published_at DESC, v.id DESC LIMIT "+strconv.Itoa(scanLimit), orgID, orgID)
	if err != nil {
		return nil, fmt.Errorf("feed: list: %w", err)
	}
	defer rows.Close()
	type key struct {
		item int64
		lang string
	}
	chosen := map[key]int{}
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("feed: scan: %w", err)
		}
		k := key{e.ItemID, strings.ToLower(e.Language)}
		i, seen := chosen[k]
		switch {
		case !seen:
			chosen[k] = len(out)
			out = append(out, e)
		case out[i].Network != limits.Website && (e.Network == limits.Website ||
			e.Published.Before(out[i].Published) || e.Published.Equal(out[i].Published)):
			// Rows come newest first: a later row is the website's or
			// was published earlier.
			out[i] = e
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feed: list: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return int(b.VariantID - a.VariantID)
	})
	if len(out) > Limit {
		out = out[:Limit]
	}
	for i := range out {
		if err := finish(ctx, text, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Get returns one published statement of an organisation by variant id;
// db.ErrNotFound when the variant is not a published one of orgID.
func Get(ctx context.Context, q db.Queryer, orgID, variantID int64, text TextFunc) (Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, "SELECT "+entryColumns+entryFrom+" AND v.id = ?", orgID, orgID, variantID))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, db.ErrNotFound
		}
		return e, fmt.Errorf("feed: get: %w", err)
	}
	return e, finish(ctx, text, &e)
}

// New assembles a feed; updated is used when there are no entries (the
// organisation's creation time, so that an empty feed has a stable date).
func New(title, slug, baseURL string, updated time.Time, entries []Entry) *Feed {
	f := &Feed{Title: title, Slug: slug, BaseURL: strings.TrimRight(baseURL, "/"), Updated: updated.UTC(), Entries: entries}
	count := map[string]int{}
	for i, e := range entries {
		if i == 0 || e.Updated.After(f.Updated) {
			f.Updated = e.Updated
		}
		count[e.Language]++
		if count[e.Language] > count[f.Language] {
			f.Language = e.Language
		}
	}
	f.Updated = f.Updated.Truncate(time.Second)
	return f
}

// FirstLine returns the first non-empty line of s, cut at max characters
// with an ellipsis.
func FirstLine(s string, max int) string {
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > max {
			r := []rune(line)
			return strings.TrimSpace(string(r[:max-1])) + "…"
		}
		return line
	}
	return ""
}

// HTML returns plain text as HTML: escaped, line breaks as <br>.
func HTML(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.ReplaceAll(html.EscapeString(text), "\n", "<br>\n")
}

// Path is the address of a feed file ("feed.atom") of the organisation.
func (f *Feed) Path(file string) string { return f.BaseURL + "/" + f.Slug + "/" + file }

// HomeURL is the public page listing the organisation's statements.
func (f *Feed) HomeURL() string { return f.Path("statements") }

// Permalink is the public page of one statement.
func (f *Feed) Permalink(e Entry) string {
	return f.BaseURL + "/" + f.Slug + "/statements/" + strconv.FormatInt(e.VariantID, 10)
}

// Link is where an entry points: the network's URL, else the permalink.
func (f *Feed) Link(e Entry) string {
	if e.URL != "" {
		return e.URL
	}
	return f.Permalink(e)
}

// tagAuthority is the host of the base URL without a port, for tag: URIs
// (RFC 4151).
func (f *Feed) tagAuthority() string {
	u, err := url.Parse(f.BaseURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return strings.ToLower(u.Hostname())
}

// ID is the feed's stable identifier.
func (f *Feed) ID() string { return "tag:" + f.tagAuthority() + ",2026:org/" + f.Slug }

// EntryID is an entry's stable identifier.
func (f *Feed) EntryID(e Entry) string {
	return "tag:" + f.tagAuthority() + ",2026:variant/" + strconv.FormatInt(e.VariantID, 10)
}

// Format is one of the feed formats.
type Format string

const (
	Atom Format = "atom"
	RSS  Format = "rss"
	JSON Format = "json"
)

// ContentType is the media type served for a format.
func (f Format) ContentType() string {
	switch f {
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case RSS:
		return "application/rss+xml; charset=utf-8"
	default:
		return "application/feed+json"
	}
}

// File is the file name of a format's feed ("feed.atom").
func (f Format) File() string { return "feed." + string(f) }

// FormatOf returns the format of a feed file name.
func FormatOf(file string) (Format, bool) {
	switch file {
	case "feed.atom":
		return Atom, true
	case "feed.rss":
		return RSS, true
	case "feed.json":
		return JSON, true
	}
	return "", false
}

// Render writes the feed in a format.
func (f *Feed) Render(w io.Writer, format Format) error {
	switch format {
	case Atom:
		return f.atom(w)
	case RSS:
		return f.rss(w)
	case JSON:
		return f.json(w)
	}
	return fmt.Errorf("feed: unknown format %q", format)
}

// ETag is a strong entity tag of a rendered body.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// ---- Atom 1.0 ----

const xmlNS = "http://www.w3.org/XML/1998/namespace"

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	Lang      string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID        string   `xml:"id"`
	Title     atomText `xml:"title"`
	Updated   string   `xml:"updated"`
	Published string   `xml:"published"`
	Link      atomLink `xml:"link"`
	Content   atomText `xml:"content"`
}

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (f *Feed) atom(w io.Writer) error {
	af := atomFeed{
		Lang:    f.Language,
		ID:      f.ID(),
		Title:   atomText{Type: "text", Body: f.Title},
		Updated: rfc3339(f.Updated),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: f.Path(Atom.File())},
			{Rel: "alternate", Type: "text/html", Href: f.HomeURL()},
		},
		Author:    atomPerson{Name: f.Title, URI: f.HomeURL()},
		Generator: "Attaché",
	}
	for _, e := range f.Entries {
		af.Entries = append(af.Entries, atomEntry{
			Lang:      e.Language,
			ID:        f.EntryID(e),
			Title:     atomText{Type: "text", Body: e.Title},
			Updated:   rfc3339(e.Updated),
			Published: rfc3339(e.Published),
			Link:      atomLink{Rel: "alternate", Type: "text/html", Href: f.Link(e)},
			Content:   atomText{Type: "html", Body: HTML(e.Text)},
		})
	}
	return writeXML(w, af)
}

func writeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ---- RSS 2.0 ----

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssAtomLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr"`
}

type rssChannel struct {
	Title         string      `xml:"title"`
	Link          string      `xml:"link"`
	Description   string      `xml:"description"`
	Language      string      `xml:"language,omitempty"`
	LastBuildDate string      `xml:"lastBuildDate"`
	Generator     string      `xml:"generator"`
	AtomLink      rssAtomLink `xml:"atom:link"`
	Items         []rssItem   `xml:"item"`
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

func (f *Feed) rss(w io.Writer) error {
	doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title:         f.Title,
		Link:          f.HomeURL(),
		Description:   "Statements published by " + f.Title,
		Language:      f.Language,
		LastBuildDate: f.Updated.UTC().Format(time.RFC1123Z),
		Generator:     "Attaché",
		AtomLink:      rssAtomLink{Href: f.Path(RSS.File()), Rel: "self", Type: "application/rss+xml"},
	}}
	for _, e := range f.Entries {
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title:       e.Title,
			Link:        f.Link(e),
			GUID:        rssGUID{IsPermaLink: "false", Value: f.EntryID(e)},
			PubDate:     e.Published.UTC().Format(time.RFC1123Z),
			Description: HTML(e.Text),
		})
	}
	return writeXML(w, doc)
}

// ---- JSON Feed 1.1 ----

type jsonItem struct {
	ID            string `json:"id"`
	URL           string `json:"url"`
	Title         string `json:"title"`
	ContentText   string `json:"content_text"`
	DatePublished string `json:"date_published"`
	DateModified  string `json:"date_modified"`
	Language      string `json:"language,omitempty"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description"`
	Language    string       `json:"language,omitempty"`
	Authors     []jsonAuthor `json:"authors"`
	Items       []jsonItem   `json:"items"`
}

func (f *Feed) json(w io.Writer) error {
	jf := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       f.Title,
		HomePageURL: f.HomeURL(),
		FeedURL:     f.Path(JSON.File()),
		Description: "Statements published by " + f.Title,
		Language:    f.Language,
		Authors:     []jsonAuthor{{Name: f.Title, URL: f.HomeURL()}},
		Items:       []jsonItem{},
	}
	for _, e := range f.Entries {
		jf.Items = append(jf.Items, jsonItem{
			ID:            f.EntryID(e),
			URL:           f.Link(e),
			Title:         e.Title,
			ContentText:   e.Text,
			DatePublished: rfc3339(e.Published),
			DateModified:  rfc3339(e.Updated),
			Language:      e.Language,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jf)
}
