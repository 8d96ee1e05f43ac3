package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

func insertTemplate(ctx context.Context, q db.Queryer, t *Template) error {
	body, err := json.Marshal(t.Body)
	if err != nil {
		return err
	}
	t.CreatedAt = now()
	var by any
	if t.CreatedBy != 0 {
		by = t.CreatedBy
	}
	err = q.QueryRowContext(ctx, `INSERT INTO campaign_templates (org_id, name, description, body, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.OrgID, t.Name, t.Description, string(body), by, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("insert template: %w", err)
	}
	return nil
}

const templateColumns = "id, org_id, name, description, body, COALESCE(created_by, 0), created_at"

func scanTemplate(row interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var body string
	err := row.Scan(&t.ID, &t.OrgID, &t.Name, &t.Description, &body, &t.CreatedBy, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, db.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("scan template: %w", err)
	}
	// Bodies were validated on the way in; read them leniently so that a
	// template saved by an older version still lists.
	if err := json.Unmarshal([]byte(body), &t.Body); err != nil {
		return t, fmt.Errorf("template %d: body: %w", t.ID, err)
	}
	t.Body.normalise()
	return t, nil
}

func (b *TemplateBody) normalise() {
	if b.Tags == nil {
		b.Tags = []string{}
	}
	if b.Objectives == nil {
		b.Objectives = []TemplateObjective{}
	}
	if b.Audiences == nil {
		b.Audiences = []TemplateAudience{}
	}
	if b.KeyMessages == nil {
		b.KeyMessages = []TemplateMessage{}
	}
	for i := range b.KeyMessages {
		if b.KeyMessages[i].Translations == nil {
			b.KeyMessages[i].Translations = map[string]string{}
		}
	}
	if b.Timeline == nil {
		b.Timeline = []SkeletonItem{}
	}
	if b.DurationDays < 1 {
		b.DurationDays = 1
	}
}

func getTemplate(ctx context.Context, q db.Queryer, orgID, id int64) (Template, error) {
	return scanTemplate(q.QueryRowContext(ctx, "SELECT "+templateColumns+" FROM campaign_templates WHERE id = ? AND org_id = ?", id, orgID))
}

func listTemplates(ctx context.Context, q db.Queryer, orgID int64) ([]Template, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+templateColumns+" FROM campaign_templates WHERE org_id = ? ORDER BY name, id", orgID)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	out := []Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func deleteTemplate(ctx context.Context, q db.Queryer, orgID, id int64) error {
	res, err := q.ExecContext(ctx, "DELETE FROM campaign_templates WHERE id = ? AND org_id = ?", id, orgID)
	if err != nil {
		return fmt.Errorf("delete template: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}
