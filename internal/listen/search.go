package listen

import (
	"context"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

// SearchQuery is a full-text search: the mentions that contain every term,
// filtered like List, newest first.
type SearchQuery struct {
	// Terms is an AND of terms; each term is an OR of search keys, e.g.
	// text.TermKeys of a query word (a word in Cyrillic has a key per
	// transliteration). A mention contains a term when one of its keys is
	// one of the term's keys.
	Terms [][]string
	Filter
}

// mentionsText is the full-text index of the mentions table.
func mentionsText() db.FullText { return db.FullText{Table: "mentions", Alias: "m"} }

// Search returns an organisation's mentions that contain every term of s
// and pass its filter, newest first. Without terms it is List. A term
// without any key that can be indexed (db.IndexKey) matches nothing.
//
// Both engines return the same mentions in the same order: the keys are
// compared byte for byte (see internal/db/fts.go, which also chooses
// between the full-text index and reading the newest rows, depending on
// how common the terms are).
func Search(ctx context.Context, q db.Queryer, orgID int64, s SearchQuery) ([]Mention, error) {
	return search(ctx, q, orgID, s, mentionsText())
}

// search is Search with the full-text settings given (tests force each
// strategy of db.FullText.Condition with them).
func search(ctx context.Context, q db.Queryer, orgID int64, s SearchQuery, ft db.FullText) ([]Mention, error) {
	if len(s.Terms) == 0 {
		return List(ctx, q, orgID, s.Filter)
	}
	query, args, possible, err := searchSQL(ctx, q, orgID, s, ft)
	if err != nil || !possible {
		return []Mention{}, err
	}
	out, err := queryMentions(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search mentions: %w", err)
	}
	return out, nil
}

// searchSQL is the statement of a search with terms and its arguments;
// possible is false when it can find nothing.
func searchSQL(ctx context.Context, q db.Queryer, orgID int64, s SearchQuery, ft db.FullText) (query string, args []any, possible bool, err error) {
	limit, err := s.limit()
	if err != nil {
		return "", nil, false, err
	}
	cond, err := ft.Condition(ctx, q, s.Terms)
	if err != nil {
		if errors.Is(err, db.ErrTerms) {
			return "", nil, false, &valid.FieldError{Field: "terms", Reason: err.Error()}
		}
		return "", nil, false, fmt.Errorf("search mentions: %w", err)
	}
	if !cond.Possible {
		return "", nil, false, nil
	}
	where, wargs := s.where(orgID)
	query = "SELECT " + prefixed("m.", mentionColumns) + " FROM mentions m WHERE " + where + " AND " + cond.SQL + newestFirst
	args = append(append(append(cond.Lead, wargs...), cond.Args...), limit)
	return query, args, true, nil
}
