package listen

import (
	"fmt"
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
	Query      string     `json:"query"`
	CreatedBy  int64      `json:"created_by,omitempty"` // user id; 0 when unknown or deleted
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
}

// Limits of a topic's fields, in characters.
const (
	MaxTopicName  = 120
	MaxTopicQuery = 4000
)

// Validate trims the name and query and checks them.
func (t *Topic) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	t.Query = strings.TrimSpace(t.Query)
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
