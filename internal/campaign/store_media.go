package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

const mediaColumns = "id, org_id, item_id, file_name, content_type, size, sha256, alt_text, COALESCE(created_by, 0), created_at"

func scanMedia(row interface{ Scan(...any) error }) (Media, error) {
	var m Media
	err := row.Scan(&m.ID, &m.OrgID, &m.ItemID, &m.FileName, &m.ContentType, &m.Size, &m.SHA256, &m.AltText, &m.CreatedBy, &m.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return m, db.ErrNotFound
	}
	return m, err
}

func insertMedia(ctx context.Context, q db.Queryer, m *Media) error {
	m.CreatedAt = now()
	err := q.QueryRowContext(ctx, `INSERT INTO media (org_id, item_id, file_name, content_type, size, sha256, alt_text, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.OrgID, m.ItemID, m.FileName, m.ContentType, m.Size, m.SHA256, m.AltText, m.CreatedBy, m.CreatedAt).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("insert media: %w", err)
	}
	return nil
}

func getMedia(ctx context.Context, q db.Queryer, id int64) (Media, error) {
	return scanMedia(q.QueryRowContext(ctx, "SELECT "+mediaColumns+" FROM media WHERE id = ?", id))
}

func listMedia(ctx context.Context, q db.Queryer, itemID int64) ([]Media, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+mediaColumns+" FROM media WHERE item_id = ? ORDER BY id", itemID)
	if err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	defer rows.Close()
	out := []Media{}
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func updateMediaAlt(ctx context.Context, q db.Queryer, id int64, alt string) error {
	_, err := q.ExecContext(ctx, "UPDATE media SET alt_text = ? WHERE id = ?", alt, id)
	return err
}

func deleteMedia(ctx context.Context, q db.Queryer, id int64) error {
	_, err := q.ExecContext(ctx, "DELETE FROM media WHERE id = ?", id)
	return err
}

// mediaHashUsed reports whether any row still references a stored file.
func mediaHashUsed(ctx context.Context, q db.Queryer, sum string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM media WHERE sha256 = ?", sum).Scan(&n); err != nil {
		return false, fmt.Errorf("count media: %w", err)
	}
	return n > 0, nil
}

func itemHasMedia(ctx context.Context, q db.Queryer, itemID int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM media WHERE item_id = ?", itemID).Scan(&n); err != nil {
		return false, fmt.Errorf("count item media: %w", err)
	}
	return n > 0, nil
}
