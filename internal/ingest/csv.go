package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// ReadCSV reads a CSV file whose first row names the columns, and calls fn
// with each good record as a normalised Item, in file order. It streams:
// memory holds one record at a time.
//
// Columns are found by name, in any order and any case, with the names
// ReadJSONL takes; unknown columns are ignored, and a "text" column is
// required. The delimiter is ',' or ';', whichever the header line holds
// more of (spreadsheets in much of Europe save with ';'). A UTF-8 byte
// order mark, CR LF line ends and quoted fields spanning several lines are
// accepted; quotes must be well formed (a stray quote makes the record bad,
// not the rest of the file). Every record must have as many fields as the
// header: a mismatch usually means a delimiter inside an unquoted text,
// and guessing which column moved would file text under the wrong field.
// Blank lines are skipped and are not records. Line numbers in errs are
// the file's lines, also inside multi-line records.
//
// n counts the items fn accepted; every other record is in errs (see
// MaxLineErrors and CountBad). err is set when reading fails, when fn
// returns an error, and — wrapping ErrFormat — when the file cannot be read
// as records at all: a header without a text column or with a column named
// twice, or a record over MaxRecordBytes (usually an unclosed quote, after
// which no one can tell where the next record starts). An empty file, or a
// header alone, gives nothing and no error.
func ReadCSV(r io.Reader, source string, fn func(Item) error) (n int, errs []LineError, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := skipBOM(br); err != nil {
		return 0, nil, fmt.Errorf("csv: reading: %w", err)
	}
	comma, err := sniffDelimiter(br)
	if err != nil {
		return 0, nil, fmt.Errorf("csv: reading: %w", err)
	}
	guard := &recordGuard{r: br, limit: MaxRecordBytes + 64<<10}
	cr := csv.NewReader(guard)
	cr.Comma = comma
	cr.LazyQuotes = false
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	cr.ReuseRecord = true

	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return 0, nil, nil
	case err != nil:
		return 0, nil, csvFatal(err, "the header")
	}
	cols, err := mapHeader(header)
	if err != nil {
		return 0, nil, err
	}

	var (
		bad  badRecords
		rec  record
		last int // the line the last record started on
	)
	for {
		guard.n = 0
		fields, err := cr.Read()
		if err == io.EOF {
			return n, bad.result(), nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			reason := pe.Err.Error()
			if pe.StartLine != pe.Line {
				reason += fmt.Sprintf(" (in the record that starts on line %d)", pe.StartLine)
			}
			bad.add(pe.Line, "", reason)
			last = pe.StartLine
			continue
		}
		if err != nil {
			return n, bad.result(), csvFatal(err, fmt.Sprintf("the record after line %d", last))
		}
		line, _ := cr.FieldPos(0)
		last = line
		if len(fields) != len(cols) {
			bad.add(line, "", fmt.Sprintf("has %d fields; the header has %d", len(fields), len(cols)))
			continue
		}
		rec.reset()
		for i, c := range cols {
			if c.known {
				rec.set(c.slot, c.rank, c.key, fields[i], i)
			}
		}
		it, ferr := rec.item(source)
		if ferr != nil {
			at := line
			if ferr.pos >= 0 {
				at, _ = cr.FieldPos(ferr.pos)
			}
			bad.add(at, ferr.key, ferr.reason)
			continue
		}
		if err := fn(it); err != nil {
			return n, bad.result(), fmt.Errorf("csv line %d: %w", line, err)
		}
		n++
	}
}

// column is what a header cell says about its column.
type column struct {
	known bool
	slot  slot
	rank  int
	key   string
}

// mapHeader finds the known columns; the file is unusable without text or
// with one name twice (which of the two would be meant?).
func mapHeader(header []string) ([]column, error) {
	cols := make([]column, len(header))
	seen := make(map[string]int, len(header))
	hasText := false
	for i, h := range header {
		name := fieldName(h)
		s, rank, ok := lookupField(name)
		if !ok {
			continue
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("csv: line 1: column %q appears twice (columns %d and %d): %w", name, j+1, i+1, ErrFormat)
		}
		seen[name] = i
		cols[i] = column{known: true, slot: s, rank: rank, key: name}
		hasText = hasText || s == slotText
	}
	if !hasText {
		return nil, fmt.Errorf("csv: line 1: the header has no text column: %w", ErrFormat)
	}
	return cols, nil
}

// csvFatal explains an error that ends the import; what names the record.
func csvFatal(err error, what string) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errRecordTooLong):
		return fmt.Errorf("csv: %s is longer than %d MiB (an unclosed quote?): %w", what, MaxRecordBytes>>20, ErrFormat)
	case errors.As(err, &pe):
		return fmt.Errorf("csv: %s, line %d: %v: %w", what, pe.Line, pe.Err, ErrFormat)
	}
	return fmt.Errorf("csv: reading: %w", err)
}

func skipBOM(br *bufio.Reader) error {
	b, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return err
	}
	if bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	return nil
}

// sniffDelimiter picks ';' when the header line holds more semicolons than
// commas outside quotes, else ','. A header longer than the read buffer is
// taken as comma-separated.
func sniffDelimiter(br *bufio.Reader) (rune, error) {
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return 0, err
	}
	commas, semis, quoted := 0, 0, false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semis > commas {
				return ';', nil
			}
			return ',', nil
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';', nil
	}
	return ',', nil
}

// errRecordTooLong stops a record that would grow past MaxRecordBytes.
var errRecordTooLong = errors.New("record too long")

// recordGuard fails once more than limit bytes were read since n was last
// reset, which ReadCSV does before each record: encoding/csv would
// otherwise buffer an unclosed quoted field to the end of the file.
type recordGuard struct {
	r     io.Reader
	n     int
	limit int
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.n >= g.limit {
		return 0, errRecordTooLong
	}
	if len(p) > g.limit-g.n {
		p = p[:g.limit-g.n]
	}
	k, err := g.r.Read(p)
	g.n += k
	return k, err
}
