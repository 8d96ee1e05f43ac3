package listen

import (
	"context"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

// IndexMissing computes the keys of mentions stored without them (the rows
// pulled before migration 0012 added the column) so that search finds
// them, batch rows per transaction, and returns how many it indexed. It
// can run at any time: it only touches rows with text and no keys.
func IndexMissing(ctx context.Context, d *db.DB, batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	total := 0
	var after int64
	for {
		type row struct {
			id   int64
			keys string
		}
		var todo []row
		rows, err := d.R().QueryContext(ctx, "SELECT id, text FROM mentions WHERE keys = '' AND text <> '' AND id > ? ORDER BY id LIMIT ?", after, batch)
		if err != nil {
			return total, fmt.Errorf("index mentions: %w", err)
		}
		for rows.Next() {
			var r row
			var text string
			if err := rows.Scan(&r.id, &text); err != nil {
				rows.Close()
				return total, fmt.Errorf("index mentions: %w", err)
			}
			r.keys = TextKeys(text)
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("index mentions: %w", err)
		}
		if len(todo) == 0 {
			return total, nil
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			for _, r := range todo {
				if r.keys == "" {
					continue // no words: nothing to index
				}
				if _, err := tx.ExecContext(ctx, "UPDATE mentions SET keys = ? WHERE id = ? AND keys = ''", r.keys, r.id); err != nil {
					return err
				}
				total++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("index mentions: %w", err)
		}
		after = todo[len(todo)-1].id
	}
}
