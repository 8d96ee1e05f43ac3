package campaign

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// CSV import of content items. A file is read whole, every row is
// validated with the same rules (and the same messages) as the API, and
// only when no row is rejected is everything inserted, in one transaction:
// nothing is ever half-imported.

// Limits of one import file.
const (
	MaxImportBytes = 20 << 20
	MaxImportRows  = 50000
)

// ImportColumns are the columns of an import file, in the order the export
// writes them. Rows with the same item_key form one item.
var ImportColumns = []string{"item_key", "title", "master_text", "channel_account", "language", "text", "scheduled_at", "link_url"}

// exportOnlyColumns are written by the export for people reading the file
// and ignored by the import, so that an exported plan imports again.
var exportOnlyColumns = []string{"network", "account_name", "state"}

// ImportRow is one data row of an import file.
type ImportRow struct {
	Line                                 int // where the row starts; the header is line 1
	ItemKey, Title, MasterText, Account  string
	Language, Text, ScheduledAt, LinkURL string
}

// RowError is one rejected row: its line in the file, the column and why.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d, %s: %s", e.Line, e.Column, e.Reason)
}

// ImportReport is the outcome of an import.
type ImportReport struct {
	Rows     int        `json:"rows"`
	Items    int        `json:"items"`
	Variants int        `json:"variants"`
	Rejected []RowError `json:"rejected"`
	// Error is a problem with the whole import (e.g. it was interrupted).
	Error string `json:"error,omitempty"`
}

// ParseImportCSV reads an import file. A problem with the file as a whole
// (not UTF-8 text, no usable header) is a *FieldError on "file"; problems
// of single rows are returned as RowErrors with the rows that parsed.
func ParseImportCSV(data []byte) ([]ImportRow, []RowError, error) {
	if len(data) > MaxImportBytes {
		return nil, nil, &FieldError{Field: "file", Reason: "is larger than 20 MiB"}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, &FieldError{Field: "file", Reason: "is empty"}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, &FieldError{Field: "file", Reason: "is not a CSV text file"}
	}
	if !utf8.Valid(data) {
		return nil, nil, &FieldError{Field: "file", Reason: "is not UTF-8 text; save the spreadsheet as \"CSV UTF-8\""}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = detectSeparator(data)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, &FieldError{Field: "file", Reason: "has no readable header row: " + csvReason(err)}
	}
	cols, err := importHeader(header)
	if err != nil {
		return nil, nil, err
	}
	var rows []ImportRow
	var bad []RowError
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldsPerRecord is off, so every error is malformed CSV: a
			// broken quote ends the readable part of the file.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			bad = append(bad, RowError{Line: max(line, 1), Reason: "malformed CSV: " + csvReason(err)})
			break
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(header) {
			bad = append(bad, RowError{Line: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		if len(rows)+len(bad) >= MaxImportRows {
			return nil, nil, &FieldError{Field: "file", Reason: fmt.Sprintf("has more than %d rows; split it", MaxImportRows)}
		}
		row := ImportRow{Line: line}
		for i, v := range rec {
			name := cols[i]
			if name == "" {
				continue
			}
			v = unguard(strings.TrimSpace(v))
			switch name {
			case "item_key":
				row.ItemKey = v
			case "title":
				row.Title = v
			case "master_text":
				row.MasterText = v
			case "channel_account":
				row.Account = v
			case "language":
				row.Language = v
			case "text":
				row.Text = v
			case "scheduled_at":
				row.ScheduledAt = v
			case "link_url":
				row.LinkURL = v
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(bad) == 0 {
		return nil, nil, &FieldError{Field: "file", Reason: "has a header but no rows"}
	}
	return rows, bad, nil
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// detectSeparator chooses ',' or ';' by what the header line (outside
// quotes) holds more of: spreadsheets in many European locales write ';'.
func detectSeparator(data []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, b := range data {
		if b == '"' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		if b == '\n' {
			break
		}
		switch b {
		case ',':
			commas++
		case ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// importHeader maps each column to a known name ("" for export-only
// columns) and checks that the needed ones are there.
func importHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case contains2(exportOnlyColumns, name):
			name = ""
		case !contains2(ImportColumns, name):
			return nil, &FieldError{Field: "file", Reason: fmt.Sprintf("column %q is not one of %s", excerpt(h, 40), strings.Join(ImportColumns, ", "))}
		case seen[name]:
			return nil, &FieldError{Field: "file", Reason: fmt.Sprintf("column %q appears twice", name)}
		}
		seen[name] = true
		cols[i] = name
	}
	if !seen["channel_account"] {
		return nil, &FieldError{Field: "file", Reason: "needs a channel_account column (the id or handle of the account)"}
	}
	if !seen["text"] && !seen["master_text"] {
		return nil, &FieldError{Field: "file", Reason: "needs a text or master_text column"}
	}
	return cols, nil
}

func contains2(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// formula guards: the export prefixes a cell that a spreadsheet would run
// as a formula with "'"; the import takes it off again.
func guard(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// ParseLocalTime reads a scheduled time: RFC 3339, or "YYYY-MM-DD HH:MM"
// in loc (the organisation's time zone).
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("must be an RFC 3339 time such as 2026-12-01T10:00:00+02:00, or YYYY-MM-DD HH:MM in the organisation's time zone (%s)", loc)
}

// importItem is a group of rows with the same item_key.
type importItem struct {
	first    ImportRow
	item     Item
	rows     []ImportRow
	variants []VariantInput
}

// accountIndex finds an organisation's active accounts by id or handle.
type accountIndex struct {
	byID     map[int64]channel.Account
	byHandle map[string][]channel.Account
}

func newAccountIndex(accs []channel.Account) accountIndex {
	ix := accountIndex{byID: map[int64]channel.Account{}, byHandle: map[string][]channel.Account{}}
	for _, a := range accs {
		ix.byID[a.ID] = a
		k := strings.ToLower(strings.TrimPrefix(a.Handle, "@"))
		ix.byHandle[k] = append(ix.byHandle[k], a)
	}
	return ix
}

func (ix accountIndex) find(ref string) (channel.Account, string) {
	if ref == "" {
		return channel.Account{}, "is required: the id or handle of one of your channel accounts"
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if a, ok := ix.byID[id]; ok {
			return a, ""
		}
	}
	as := ix.byHandle[strings.ToLower(strings.TrimPrefix(ref, "@"))]
	switch len(as) {
	case 0:
		return channel.Account{}, "is not an active channel account of your organisation"
	case 1:
		return as[0], ""
	}
	return channel.Account{}, "this handle names accounts on several networks; use the account's id"
}

// ImportItems validates rows and, when none is rejected, inserts their
// items and variants in one transaction. orgID chooses the contributing
// organisation (0: the one access came through). progress, when not nil,
// is called every 250 rows with the phase ("validating" or "importing")
// and the rows done. A report with rejected rows means nothing was
// imported; an error is a refusal (access) or a failure.
func (s *Service) ImportItems(ctx context.Context, p *authz.Principal, campaignID, orgID int64, rows []ImportRow, progress func(phase string, done int)) (ImportReport, error) {
	rep := ImportReport{Rows: len(rows), Rejected: []RowError{}}
	if progress == nil {
		progress = func(string, int) {}
	}
	ac, err := s.access(ctx, p, campaignID, authz.EditCampaigns)
	if err != nil {
		return rep, err
	}
	if orgID, err = actingOrg(p, ac, orgID); err != nil {
		return rep, err
	}
	o, err := org.GetOrg(ctx, s.DB.R(), orgID)
	if err != nil {
		return rep, err
	}
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	accs, err := channel.List(ctx, s.DB.R(), orgID, false)
	if err != nil {
		return rep, err
	}
	ix := newAccountIndex(accs)
	groups, bad, err := s.validateImport(ctx, p, campaignID, orgID, rows, ix, loc, progress)
	if err != nil {
		return rep, err
	}
	if len(bad) > 0 {
		rep.Rejected = bad
		return rep, nil
	}
	progress("importing", 0)
	done := 0
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, g := range groups {
			it := &g.item
			if err := insertItem(ctx, tx, it); err != nil {
				return err
			}
			for i := range it.Variants {
				it.Variants[i].ItemID = it.ID
				if err := insertVariant(ctx, tx, &it.Variants[i]); err != nil {
					return err
				}
				if done++; done%250 == 0 {
					progress("importing", done)
				}
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("import items: %w", err)
	}
	progress("importing", done)
	rep.Items, rep.Variants = len(groups), done
	return rep, nil
}

func (s *Service) validateImport(ctx context.Context, p *authz.Principal, campaignID, orgID int64, rows []ImportRow, ix accountIndex, loc *time.Location,
	progress func(string, int)) ([]*importItem, []RowError, error) {
	var bad []RowError
	reject := func(line int, col, reason string) {
		bad = append(bad, RowError{Line: line, Column: col, Reason: reason})
	}
	camp, err := getCampaign(ctx, s.DB.R(), campaignID)
	if err != nil {
		return nil, nil, err
	}
	var groups []*importItem
	byKey := map[string]*importItem{}
	for n, row := range rows {
		if n%250 == 0 {
			progress("validating", n)
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		g := byKey[row.ItemKey]
		if g == nil || row.ItemKey == "" {
			g = &importItem{first: row, item: Item{CampaignID: campaignID, OrgID: orgID, Title: row.Title, Text: row.MasterText, LinkURL: row.LinkURL, CreatedBy: p.UserID}}
			if g.item.Text == "" {
				g.item.Text = row.Text
			}
			groups = append(groups, g)
			if row.ItemKey != "" {
				byKey[row.ItemKey] = g
			}
		} else {
			// Later rows of an item may leave its fields empty; if they
			// fill them, they must agree with the first row.
			for _, f := range []struct{ col, v, first string }{
				{"title", row.Title, g.first.Title}, {"master_text", row.MasterText, g.first.MasterText}, {"link_url", row.LinkURL, g.first.LinkURL},
			} {
				if f.v != "" && f.v != f.first {
					reject(row.Line, f.col, fmt.Sprintf("differs from line %d, which starts item %q", g.first.Line, excerpt(row.ItemKey, 40)))
				}
			}
		}
		g.rows = append(g.rows, row)
		if len(g.rows) == 51 {
			reject(row.Line, "item_key", "an item has at most 50 variants")
		}
		acc, why := ix.find(row.Account)
		if why != "" {
			reject(row.Line, "channel_account", why)
			continue
		}
		in := VariantInput{ChannelAccountID: acc.ID, Language: row.Language, Text: row.Text}
		if row.ScheduledAt != "" {
			t, err := ParseLocalTime(row.ScheduledAt, loc)
			if err != nil {
				reject(row.Line, "scheduled_at", err.Error())
				continue
			}
			in.ScheduledAt = &t
		}
		// Measured as published: the campaign's UTM parameters tag its links.
		if _, err := checkVariantWith(ctx, s.DB.R(), orgID, &in, -1, g.item.Text, camp, false); err != nil {
			var fe *FieldError
			var le *LengthError
			switch {
			case errors.As(err, &le):
				reject(row.Line, "text", strings.Join(le.Measure.Problems(), "; "))
			case errors.As(err, &fe):
				reject(row.Line, importColumn(fe.Field), fe.Reason)
			default:
				return nil, nil, err
			}
			continue
		}
		g.variants = append(g.variants, in)
		g.item.Variants = append(g.item.Variants, Variant{CampaignID: campaignID, OrgID: orgID, ChannelAccountID: acc.ID, Network: acc.Network,
			Language: in.Language, Text: in.Text, ScheduledAt: in.ScheduledAt, AuthorID: p.UserID})
	}
	for _, g := range groups {
		if err := checkItemText(&g.item); err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				return nil, nil, err
			}
			col := fe.Field
			if col == "text" {
				col = "master_text"
			}
			reject(g.first.Line, col, fe.Reason)
		}
	}
	progress("validating", len(rows))
	sortRowErrors(bad)
	return groups, bad, nil
}

// importColumn names the CSV column of a service field.
func importColumn(field string) string {
	switch field {
	case "channel_account_id":
		return "channel_account"
	case "text":
		return "text"
	}
	return field
}

func sortRowErrors(es []RowError) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
}
