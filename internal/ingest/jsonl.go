package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadJSONL reads one JSON object per line and calls fn with each good
// record as a normalised Item, in file order. It streams: memory holds one
// line at a time (at most MaxRecordBytes, which a Scanner's token limit
// would not allow us to report cleanly).
//
// Keys, in any case: id or external_id, text (required), url,
// author_handle or author, author_name, author_id, lang, country, source
// (overrides the source argument), published_at, at or created_at (see
// parseTime), in_reply_to, likes, reposts, replies. Where two names of one
// field are both given, the first named here wins; a key repeated in a
// line counts with its last value; other keys are ignored. Values are
// strings, numbers (a numeric id is kept as written) or null (as if
// absent). An item without id gets DeriveID's id.
//
// Blank lines are skipped and are not records. A UTF-8 byte order mark
// and CR LF line ends are accepted. Invalid UTF-8 inside strings becomes
// U+FFFD, as Normalise does for every text: one bad byte should not cost
// a post.
//
// n counts the items fn accepted; every other non-blank line is a bad
// record in errs (see MaxLineErrors and CountBad). err is set only when
// reading fails or fn returns an error, which stops the import.
func ReadJSONL(r io.Reader, source string, fn func(Item) error) (n int, errs []LineError, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		bad  badRecords
		buf  []byte
		obj  jsonRecord
		rec  record
		line int
	)
	for {
		line++
		var tooLong bool
		var rerr error
		buf, tooLong, rerr = readLine(br, buf[:0], MaxRecordBytes)
		if rerr != nil && rerr != io.EOF {
			return n, bad.result(), fmt.Errorf("jsonl: reading line %d: %w", line, rerr)
		}
		if line == 1 {
			buf = bytes.TrimPrefix(buf, []byte("\xEF\xBB\xBF"))
		}
		switch {
		case tooLong:
			bad.add(line, "", fmt.Sprintf("line is longer than %d MiB", MaxRecordBytes>>20))
		case blank(buf):
		default:
			it, ferr := decodeJSONLine(buf, source, &obj, &rec)
			if ferr != nil {
				bad.add(line, ferr.key, ferr.reason)
				break
			}
			if err := fn(it); err != nil {
				return n, bad.result(), fmt.Errorf("jsonl line %d: %w", line, err)
			}
			n++
		}
		if rerr == io.EOF {
			return n, bad.result(), nil
		}
	}
}

// readLine appends the next line (without its LF or CR LF) to buf. A line
// over max is drained without being kept, and tooLong is set. err is
// io.EOF at the end of the input, with the last line when it had no LF.
func readLine(br *bufio.Reader, buf []byte, max int) (_ []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > max+2 { // +2: the CR LF is not content
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if !tooLong && len(buf) > max {
			tooLong, buf = true, buf[:0]
		}
		return buf, tooLong, err
	}
}

// blank reports a line of nothing but JSON whitespace.
func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// jsonRecord holds the raw values of the keys ReadJSONL knows;
// encoding/json matches keys in any case and skips the others without
// allocating. When a line repeats a key, the last value counts.
type jsonRecord struct {
	ID           json.RawMessage `json:"id"`
	ExternalID   json.RawMessage `json:"external_id"`
	Text         json.RawMessage `json:"text"`
	URL          json.RawMessage `json:"url"`
	AuthorHandle json.RawMessage `json:"author_handle"`
	Author       json.RawMessage `json:"author"`
	AuthorName   json.RawMessage `json:"author_name"`
	AuthorID     json.RawMessage `json:"author_id"`
	Lang         json.RawMessage `json:"lang"`
	Country      json.RawMessage `json:"country"`
	Source       json.RawMessage `json:"source"`
	PublishedAt  json.RawMessage `json:"published_at"`
	At           json.RawMessage `json:"at"`
	CreatedAt    json.RawMessage `json:"created_at"`
	InReplyTo    json.RawMessage `json:"in_reply_to"`
	Likes        json.RawMessage `json:"likes"`
	Reposts      json.RawMessage `json:"reposts"`
	Replies      json.RawMessage `json:"replies"`
}

// fields lists the values with their names, in a fixed order (so the
// first bad one reported does not depend on anything else).
func (j *jsonRecord) fields() [18]struct {
	name string
	raw  *json.RawMessage
} {
	return [18]struct {
		name string
		raw  *json.RawMessage
	}{
		{"id", &j.ID}, {"external_id", &j.ExternalID}, {"text", &j.Text}, {"url", &j.URL},
		{"author_handle", &j.AuthorHandle}, {"author", &j.Author}, {"author_name", &j.AuthorName},
		{"author_id", &j.AuthorID}, {"lang", &j.Lang}, {"country", &j.Country}, {"source", &j.Source},
		{"published_at", &j.PublishedAt}, {"at", &j.At}, {"created_at", &j.CreatedAt},
		{"in_reply_to", &j.InReplyTo}, {"likes", &j.Likes}, {"reposts", &j.Reposts}, {"replies", &j.Replies},
	}
}

// decodeJSONLine turns one line into an Item. obj and rec are reused from
// line to line: emptied, not freed, so their buffers spare allocations.
func decodeJSONLine(b []byte, source string, obj *jsonRecord, rec *record) (Item, *fieldErr) {
	if t := bytes.TrimLeft(b, " \t\r"); len(t) == 0 || t[0] != '{' {
		return Item{}, &fieldErr{reason: "is not a JSON object"}
	}
	fields := obj.fields()
	for _, f := range fields {
		*f.raw = (*f.raw)[:0]
	}
	if err := json.Unmarshal(b, obj); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Item{}, &fieldErr{reason: fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())}
		}
		return Item{}, &fieldErr{reason: "invalid JSON: " + err.Error()}
	}
	rec.reset()
	for _, f := range fields {
		if len(*f.raw) == 0 {
			continue
		}
		v, ok := jsonScalar(*f.raw)
		if !ok {
			return Item{}, &fieldErr{key: f.name, reason: "must be a string or a number"}
		}
		s, rank, _ := lookupField(f.name)
		rec.set(s, rank, f.name, v, 0)
	}
	return rec.item(source)
}

// jsonScalar gives a string, a number (as written) or null ("") as a
// string; ok is false for true, false, objects and arrays.
func jsonScalar(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", true
	}
	switch c := raw[0]; {
	case c == '"':
		// Most strings have no escapes: take the bytes between the quotes
		// (json.Unmarshal has already checked them).
		if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1]), true
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case c == 'n':
		return "", true
	case c == '-' || c >= '0' && c <= '9':
		return string(raw), true
	}
	return "", false
}
