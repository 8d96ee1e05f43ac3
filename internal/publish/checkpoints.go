package publish

import (
	"context"
	"database/sql"
	"errors"

	"github.com/attache-project/attache/internal/db"
)

// checkpoints is the durable channel.Checkpoints of one variant version:
// each Save commits on its own, before the connector goes on, so a crash
// after it cannot lose (for example) an Instagram container id.
type checkpoints struct {
	db        *db.DB
	variantID int64
	version   int
}

func (c checkpoints) Save(ctx context.Context, key, value string) error {
	_, err := c.db.W().ExecContext(ctx, `INSERT INTO publish_checkpoints (variant_id, version, key, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (variant_id, version, key) DO UPDATE SET value = excluded.value`, c.variantID, c.version, key, value)
	return err
}

func (c checkpoints) Load(ctx context.Context, key string) (string, error) {
	var v string
	err := c.db.R().QueryRowContext(ctx, "SELECT value FROM publish_checkpoints WHERE variant_id = ? AND version = ? AND key = ?", c.variantID, c.version, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}
