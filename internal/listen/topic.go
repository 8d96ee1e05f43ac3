package listen

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/valid"
)

// Topic is a standing query of an organisation: every incoming mention
// that matches Query is recorded against it (topic_matches).
type Topic struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
	// Query is the listening query (internal/lql). The store keeps it as
	// text; the service checks it parses before saving.
	Query string `json:"query"`
	// Kind is KindTopic or KindNarrative. A narrative is a known
	// (dis)information claim: matched, stored and charted like a topic, and
	// carrying its case record (the fields below, empty for a topic).
	Kind         string     `json:"kind"`
	Claim        string     `json:"claim,omitempty"`         // what the narrative says, in a sentence or two
	Disproof     string     `json:"disproof,omitempty"`      // why it is false, with sources
	CounterLines []string   `json:"counter_lines,omitempty"` // lines to take when answering it
	Countries    []string   `json:"countries,omitempty"`     // targeted countries, ISO 3166 alpha-2
	Languages    []string   `json:"languages,omitempty"`     // languages it circulates in, ISO 639
	CreatedBy    int64      `json:"created_by,omitempty"`    // user id; 0 when unknown or deleted
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ArchivedAt   *time.Time `json:"archived_at,omitempty"`
}

// Kinds of topic.
const (
	KindTopic     = "topic"
	KindNarrative = "narrative"
)

// Limits of a topic's fields, in characters (lines for counter-lines).
const (
	MaxTopicName     = 120
	MaxTopicQuery    = 4000
	MaxClaim         = 2000
	MaxDisproof      = 8000
	MaxCounterLines  = 20
	MaxCounterLine   = 500
	MaxTopicCodeList = 40
)

// Validate trims the fields, normalises the codes and checks them.
func (t *Topic) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	t.Query = strings.TrimSpace(t.Query)
	if t.Kind == "" {
		t.Kind = KindTopic
	}
	if err := t.validateCase(); err != nil {
		return err
	}
	switch {
	case t.OrgID <= 0:
		return &valid.FieldError{Field: "org_id", Reason: "is required"}
	case t.Name == "":
		return &valid.FieldError{Field: "name", Reason: "is required"}
	case !utf8.ValidString(t.Name) || strings.IndexFunc(t.Name, unicode.IsControl) >= 0:
		return &valid.FieldError{Field: "name", Reason: "must not contain control characters"}
	case utf8.RuneCountInString(t.Name) > MaxTopicName:
		return &valid.FieldError{Field: "name", Reason: fmt.Sprintf("must be at most %d characters", MaxTopicName)}
	case t.Query == "":
		return &valid.FieldError{Field: "query", Reason: "is required"}
	case !utf8.ValidString(t.Query) || strings.IndexByte(t.Query, 0) >= 0:
		return &valid.FieldError{Field: "query", Reason: "must be UTF-8 text"}
	case utf8.RuneCountInString(t.Query) > MaxTopicQuery:
		return &valid.FieldError{Field: "query", Reason: fmt.Sprintf("must be at most %d characters", MaxTopicQuery)}
	}
	return nil
}

// validateCase checks a narrative's case record; a topic has none.
func (t *Topic) validateCase() error {
	t.Claim, t.Disproof = strings.TrimSpace(t.Claim), strings.TrimSpace(t.Disproof)
	lines := t.CounterLines[:0:0]
	for _, l := range t.CounterLines {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	t.CounterLines = lines
	var err error
	if t.Countries, err = codes(t.Countries, NormCountry, "countries", "ISO 3166 alpha-2 codes such as RS or UA"); err != nil {
		return err
	}
	if t.Languages, err = codes(t.Languages, NormLanguage, "languages", "ISO 639 codes such as uk or sr"); err != nil {
		return err
	}
	switch {
	case t.Kind != KindTopic && t.Kind != KindNarrative:
		return &valid.FieldError{Field: "kind", Reason: "must be topic or narrative"}
	case t.Kind == KindTopic && (t.Claim != "" || t.Disproof != "" || len(t.CounterLines) > 0 || len(t.Countries) > 0 || len(t.Languages) > 0):
		return &valid.FieldError{Field: "claim", Reason: "only a narrative has a claim, disproof, counter-lines, countries and languages"}
	case t.Kind == KindNarrative && t.Claim == "":
		return &valid.FieldError{Field: "claim", Reason: "is required: what the narrative claims"}
	case utf8.RuneCountInString(t.Claim) > MaxClaim || !plain(t.Claim):
		return &valid.FieldError{Field: "claim", Reason: fmt.Sprintf("must be text of at most %d characters", MaxClaim)}
	case utf8.RuneCountInString(t.Disproof) > MaxDisproof || !plain(t.Disproof):
		return &valid.FieldError{Field: "disproof", Reason: fmt.Sprintf("must be text of at most %d characters", MaxDisproof)}
	case len(t.CounterLines) > MaxCounterLines:
		return &valid.FieldError{Field: "counter_lines", Reason: fmt.Sprintf("at most %d lines", MaxCounterLines)}
	}
	for _, l := range t.CounterLines {
		if utf8.RuneCountInString(l) > MaxCounterLine || !plain(l) || strings.ContainsAny(l, "\r\n") {
			return &valid.FieldError{Field: "counter_lines", Reason: fmt.Sprintf("each line must be text of at most %d characters", MaxCounterLine)}
		}
	}
	return nil
}

// codes normalises a list of codes with norm, dropping repeats; a code
// norm refuses is a FieldError on field.
func codes(in []string, norm func(string) string, field, what string) ([]string, error) {
	var out []string
	for _, c := range in {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		n := norm(c)
		if n == "" {
			return nil, &valid.FieldError{Field: field, Reason: fmt.Sprintf("%q is not one of the %s", c, what)}
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) > MaxTopicCodeList {
		return nil, &valid.FieldError{Field: field, Reason: fmt.Sprintf("at most %d codes", MaxTopicCodeList)}
	}
	return out, nil
}

// SplitCodes reads a list of codes typed in one field ("RS, ME UA").
func SplitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
}

// SplitLines reads one item per line.
func SplitLines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}
