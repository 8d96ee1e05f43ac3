package listen

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

// Filter selects an organisation's mentions, newest first.
type Filter struct {
	From, To time.Time // published in [From, To); a zero bound is open
	Lang     string    // language code, exactly ("" for any)
	Source   string    // source name, exactly ("" for any)
	Author   string    // author handle, exactly ("" for any)
	TopicID  int64     // only mentions this topic matched (0 for any)
	// Before continues a listing: only mentions older than this one in
	// the order (at, id), e.g. the last of the previous page.
	Before *Cursor
	Limit  int // 1 to MaxLimit; 0 means DefaultLimit
}

// Cursor is a position in the newest-first order.
type Cursor struct {
	At time.Time
	ID int64
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// CursorOf is the position of m, to list what comes after it.
func CursorOf(m Mention) *Cursor { return &Cursor{At: m.At, ID: m.ID} }

func (f Filter) limit() (int, error) {
	switch {
	case f.Limit == 0:
		return DefaultLimit, nil
	case f.Limit < 0 || f.Limit > MaxLimit:
		return 0, &valid.FieldError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", MaxLimit)}
	}
	return f.Limit, nil
}

// where returns the conditions on mentions m for orgID and f, and their
// arguments.
func (f Filter) where(orgID int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 10)
	b.WriteString("m.org_id = ?")
	args = append(args, orgID)
	add := func(cond string, a ...any) {
		b.WriteString(" AND ")
		b.WriteString(cond)
		args = append(args, a...)
	}
	if f.Lang != "" {
		add("m.language = ?", f.Lang)
	}
	if f.Source != "" {
		add("m.source = ?", f.Source)
	}
	if f.Author != "" {
		add("m.author_handle = ?", f.Author)
	}
	if !f.From.IsZero() {
		add("m.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("m.at < ?", f.To.UTC())
	}
	if f.Before != nil {
		at := f.Before.At.UTC().Truncate(time.Microsecond)
		add("(m.at < ? OR (m.at = ? AND m.id < ?))", at, at, f.Before.ID)
	}
	if f.TopicID != 0 {
		// org_id again, so that another organisation's topic id selects
		// nothing even if the pipeline ever paired them wrongly.
		add("m.id IN (SELECT tm.mention_id FROM topic_matches tm WHERE tm.topic_id = ? AND tm.org_id = ?)", f.TopicID, orgID)
	}
	return b.String(), args
}

const newestFirst = " ORDER BY m.at DESC, m.id DESC LIMIT ?"

// List returns an organisation's mentions that pass f, newest first.
func List(ctx context.Context, q db.Queryer, orgID int64, f Filter) ([]Mention, error) {
	limit, err := f.limit()
	if err != nil {
		return nil, err
	}
	where, args := f.where(orgID)
	out, err := queryMentions(ctx, q, "SELECT "+prefixed("m.", mentionColumns)+" FROM mentions m WHERE "+where+newestFirst, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	return out, nil
}

// prefixed qualifies a comma-separated column list with an alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
