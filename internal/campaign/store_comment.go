package campaign

import (
	"context"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

func insertComment(ctx context.Context, q db.Queryer, c *Comment) error {
	c.CreatedAt = now()
	err := q.QueryRowContext(ctx, "INSERT INTO comments (item_id, author_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id",
		c.ItemID, nullID(c.AuthorID), c.Body, c.CreatedAt).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert comment: %w", err)
	}
	return nil
}

// listComments returns an item's comments, oldest first (at most 1,000).
func listComments(ctx context.Context, q db.Queryer, itemID int64) ([]Comment, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.item_id, COALESCE(c.author_id, 0), COALESCE(u.name, ''), c.body, c.created_at
		FROM comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.item_id = ? ORDER BY c.id LIMIT 1000`, itemID)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.ItemID, &c.AuthorID, &c.AuthorName, &c.Body, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
