package campaign

import (
	"context"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

// SandboxWhere is the SQL condition (on a variants row aliased v) that
// is true when the variant belongs to a training sandbox: its own
// organisation or its campaign's owner is one. The publishing engine never
// sends such a variant.
const SandboxWhere = `EXISTS (SELECT 1 FROM campaigns sc JOIN orgs so ON so.id IN (v.org_id, sc.org_id)
	WHERE sc.id = v.campaign_id AND so.sandbox = ?)`

// InSandbox reports whether a variant belongs to a training sandbox (see
// SandboxWhere). Approval still schedules it, as in a real organisation,
// but no publish job is ever enqueued for it.
func InSandbox(ctx context.Context, q db.Queryer, variantID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM variants v WHERE v.id = ? AND "+SandboxWhere, variantID, true).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sandbox check: %w", err)
	}
	return n > 0, nil
}
