package listen

import (
	"context"

	"github.com/attache-project/attache/internal/db"
)

// SearchSQL exposes the search statement to the benchmarks, which show
// its plan.
func SearchSQL(ctx context.Context, q db.Queryer, orgID int64, s SearchQuery) (string, []any, bool, error) {
	return searchSQL(ctx, q, orgID, s, mentionsText())
}

// SearchWith is Search with a threshold of common terms (db.FullText.Common):
// 1 makes every search read rows by time, a huge one makes every search use
// the full-text index.
func SearchWith(ctx context.Context, q db.Queryer, orgID int64, s SearchQuery, common int) ([]Mention, error) {
	ft := mentionsText()
	ft.Common = common
	return search(ctx, q, orgID, s, ft)
}
