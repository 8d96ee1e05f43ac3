// Package ingest turns collected public texts — files of JSONL or CSV, RSS
// and Atom feeds — into normalised Items, ready for analysis and storage.
//
// The importers stream: they hold one record at a time, so a file of
// several gigabytes costs no more memory than its longest record. A bad
// record never stops an import; it becomes a LineError naming the line and
// the field, and the importer goes on with the next record.
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/valid"
)

// Item is one collected public text, normalised, before analysis and storage.
type Item struct {
	Source       string // telegram, mastodon, bluesky, x, facebook, instagram, threads, linkedin, rss, file, http …
	ExternalID   string // the source's id; with Source the exact-dedup key
	URL          string
	AuthorID     string
	AuthorHandle string
	AuthorName   string
	Country      string // ISO 3166-1 alpha-2 upper case, or ""
	Text         string
	Lang         string    // ISO 639-1 given by the source, or "" (detection happens later)
	InReplyTo    string    // the ExternalID of the post this one answers, or ""
	At           time.Time // published, UTC; zero when the source gave none (the caller stamps now)
	Likes        int64
	Reposts      int64
	Replies      int64
}

// LineError names the line (1-based) and field of a bad record; importers
// keep going and collect them.
type LineError struct {
	Line   int    // the file's line where the problem is; 0 only on the summary entry
	Field  string // the column or key as the file names it; "" when the record as a whole is bad
	Reason string
	// More is set only on a final summary entry (Line 0), added when more
	// than MaxLineErrors records were bad: how many further bad records
	// were counted but not listed. CountBad adds it up.
	More int
}

func (e LineError) Error() string {
	switch {
	case e.Line == 0:
		return e.Reason
	case e.Field == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	default:
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
	}
}

// MaxRecordBytes caps one record: a JSONL line, a CSV record. A longer
// JSONL line is a bad record, skipped without being held in memory; a
// longer CSV record stops the import (see ReadCSV).
const MaxRecordBytes = 4 << 20

// MaxLineErrors caps the LineErrors an importer lists; the rest are only
// counted (a file of a million bad rows must not become a million errors in
// memory, and nobody reads past the first screens).
const MaxLineErrors = 1000

// CountBad is the number of bad records behind errs, including those that
// were counted but not listed.
func CountBad(errs []LineError) int {
	n := len(errs)
	if n > 0 && errs[n-1].Line == 0 {
		return n - 1 + errs[n-1].More
	}
	return n
}

// ErrFormat marks a file that cannot be read as records at all: a CSV
// header without a text column, a record past the size cap that leaves no
// way to find where the next one starts. The importers wrap it with the
// detail; test for it with errors.Is.
var ErrFormat = errors.New("not an importable file")

// badRecords collects LineErrors up to MaxLineErrors and counts the rest.
type badRecords struct {
	list  []LineError
	extra int
}

func (b *badRecords) add(line int, field, reason string) {
	if len(b.list) < MaxLineErrors {
		b.list = append(b.list, LineError{Line: line, Field: field, Reason: reason})
		return
	}
	b.extra++
}

// result is the list to return: nil when there was nothing wrong, with a
// summary entry when some were left out.
func (b *badRecords) result() []LineError {
	if b.extra == 0 {
		return b.list
	}
	return append(b.list, LineError{
		Reason: fmt.Sprintf("%d more bad records not listed", b.extra),
		More:   b.extra,
	})
}

// DeriveID is the id given to an item whose source gave none: "sha256:"
// and the hex SHA-256 of its source, URL, author id, author handle and
// text, each followed by a NUL (which Normalise removes from every field,
// so the parts cannot run into each other). It depends only on the
// normalised content, so importing the same file twice gives the same ids
// and exact dedup works; two identical posts by the same author at the
// same URL collapse into one, which is what dedup should do.
func DeriveID(it *Item) string {
	h := sha256.New()
	for _, s := range []string{it.Source, it.URL, it.AuthorID, it.AuthorHandle, it.Text} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// The fields an importer fills, whatever the file calls them.
type slot uint8

const (
	slotID slot = iota
	slotText
	slotURL
	slotAuthorHandle
	slotAuthorName
	slotAuthorID
	slotLang
	slotCountry
	slotSource
	slotAt
	slotInReplyTo
	slotLikes
	slotReposts
	slotReplies
	numSlots
)

// lookupField maps a file's field name (already lower-case and trimmed) to
// its slot and its rank among the names of that slot: where a record holds
// several names for one field, the non-empty value with the lowest rank
// wins (id over external_id, author_handle over author, published_at over
// at over created_at).
func lookupField(name string) (s slot, rank int, ok bool) {
	switch name {
	case "id":
		return slotID, 0, true
	case "external_id":
		return slotID, 1, true
	case "text":
		return slotText, 0, true
	case "url":
		return slotURL, 0, true
	case "author_handle":
		return slotAuthorHandle, 0, true
	case "author":
		return slotAuthorHandle, 1, true
	case "author_name":
		return slotAuthorName, 0, true
	case "author_id":
		return slotAuthorID, 0, true
	case "lang":
		return slotLang, 0, true
	case "country":
		return slotCountry, 0, true
	case "source":
		return slotSource, 0, true
	case "published_at":
		return slotAt, 0, true
	case "at":
		return slotAt, 1, true
	case "created_at":
		return slotAt, 2, true
	case "in_reply_to":
		return slotInReplyTo, 0, true
	case "likes":
		return slotLikes, 0, true
	case "reposts":
		return slotReposts, 0, true
	case "replies":
		return slotReplies, 0, true
	}
	return 0, 0, false
}

// fieldName lower-cases and trims a file's field name for lookupField,
// without allocating when it already is.
func fieldName(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// record gathers one file record's values by slot before they become an
// Item. pos is the importer's own locator of a value (a CSV column, a
// line), given back with a field error.
type record struct {
	val  [numSlots]string
	key  [numSlots]string
	rank [numSlots]int
	pos  [numSlots]int
}

func (r *record) reset() { *r = record{} }

// set records value under the file's field name; unknown names and empty
// values are ignored.
func (r *record) set(s slot, rank int, key, value string, pos int) {
	if strings.TrimSpace(value) == "" {
		return
	}
	if r.key[s] != "" && (r.rank[s] < rank || r.rank[s] == rank && r.key[s] <= key) {
		return // a better name holds it already (ties: the smaller name, for a stable outcome)
	}
	r.val[s], r.key[s], r.rank[s], r.pos[s] = value, key, rank, pos
}

// fieldErr is a bad value: the file's name for the field, the importer's
// locator, and why.
type fieldErr struct {
	key    string
	pos    int
	reason string
}

// item builds and normalises the Item; source is the importer's default
// when the record names none.
func (r *record) item(source string) (Item, *fieldErr) {
	it := Item{
		Source:       source,
		ExternalID:   r.val[slotID],
		URL:          r.val[slotURL],
		AuthorID:     r.val[slotAuthorID],
		AuthorHandle: r.val[slotAuthorHandle],
		AuthorName:   r.val[slotAuthorName],
		Country:      r.val[slotCountry],
		Text:         r.val[slotText],
		Lang:         r.val[slotLang],
		InReplyTo:    r.val[slotInReplyTo],
	}
	if r.key[slotSource] != "" {
		it.Source = r.val[slotSource]
	}
	var err error
	if it.At, err = parseTime(r.val[slotAt]); err != nil {
		return Item{}, r.fail(slotAt, "at", err.Error())
	}
	for _, c := range []struct {
		s    slot
		name string
		dst  *int64
	}{{slotLikes, "likes", &it.Likes}, {slotReposts, "reposts", &it.Reposts}, {slotReplies, "replies", &it.Replies}} {
		if *c.dst, err = parseCount(r.val[c.s]); err != nil {
			return Item{}, r.fail(c.s, c.name, err.Error())
		}
	}
	if err := Normalise(&it); err != nil {
		var fe *valid.FieldError
		if !errors.As(err, &fe) {
			return Item{}, &fieldErr{reason: err.Error()}
		}
		s := slotText
		switch fe.Field {
		case "source":
			s = slotSource
		case "at":
			s = slotAt
		}
		return Item{}, r.fail(s, fe.Field, fe.Reason)
	}
	return it, nil
}

// fail names the field as the file did, or by its canonical name when the
// file did not have it.
func (r *record) fail(s slot, canonical, reason string) *fieldErr {
	if r.key[s] == "" {
		return &fieldErr{key: canonical, pos: -1, reason: reason}
	}
	return &fieldErr{key: r.key[s], pos: r.pos[s], reason: reason}
}

// parseTime reads a publication time: RFC 3339, "2006-01-02 15:04:05"
// (UTC; also with a T, with fractional seconds, or with a zone offset as
// databases export it), a bare date, or Unix seconds. "" is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if isDigits(s) {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil || secs > maxUnix {
			return time.Time{}, errors.New("is out of range (Unix seconds expected, not milliseconds)")
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05",
		"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05Z07", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y < 1900 || y > 9999 {
				return time.Time{}, errors.New("must be between the years 1900 and 9999")
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New(`must be an RFC 3339 time ("2026-03-01T09:30:00Z"), "2026-03-01 09:30:00" (UTC) or Unix seconds`)
}

// maxUnix is the last second of the year 9999.
const maxUnix = 253402300799

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseCount reads an engagement count; "" is 0.
func parseCount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("must be a whole number")
	}
	return n, nil
}
