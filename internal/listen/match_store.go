package listen

import (
	"context"
	"fmt"
	"strings"

	"github.com/attache-project/attache/internal/db"
)

// Match says that a topic matched a mention.
type Match struct {
	TopicID   int64
	MentionID int64
}

// matchChunk is how many matches go into one INSERT (2 parameters each).
const matchChunk = 1000

// InsertMatches records matches, skipping those already recorded. The
// organisation and time of each row are read from the mention, and a pair
// whose topic and mention belong to different organisations (or do not
// exist) is not recorded: the table cannot leak one organisation's
// mentions into another's topic. It returns how many rows were added.
func InsertMatches(ctx context.Context, q db.Queryer, ms []Match) (int, error) {
	total := 0
	args := make([]any, 0, 2*min(len(ms), matchChunk))
	for start := 0; start < len(ms); start += matchChunk {
		chunk := ms[start:min(start+matchChunk, len(ms))]
		args = args[:0]
		var b strings.Builder
		b.WriteString(`INSERT INTO topic_matches (topic_id, mention_id, org_id, at)
			SELECT t.id, m.id, m.org_id, m.at FROM (VALUES `)
		for i, x := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT))")
			args = append(args, x.TopicID, x.MentionID)
		}
		// The VALUES columns are column1, column2 on both engines; "WHERE
		// true" keeps SQLite from reading ON CONFLICT as a join constraint.
		b.WriteString(`) AS v JOIN topics t ON t.id = v.column1 JOIN mentions m ON m.id = v.column2 AND m.org_id = t.org_id
			WHERE true ON CONFLICT (topic_id, mention_id) DO NOTHING`)
		res, err := q.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return total, fmt.Errorf("insert topic matches: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("insert topic matches: %w", err)
		}
		total += int(n)
	}
	return total, nil
}
