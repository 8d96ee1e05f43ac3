package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

const taskColumns = `t.id, t.campaign_id, t.org_id, t.title, t.kind, COALESCE(t.assignee_id, 0), t.due_date, t.status,
	COALESCE(t.created_by, 0), t.created_at, t.updated_at, COALESCE(u.name, ''), c.title`

const taskFrom = " FROM tasks t JOIN campaigns c ON c.id = t.campaign_id LEFT JOIN users u ON u.id = t.assignee_id"

func scanTask(row interface{ Scan(...any) error }) (Task, error) {
	var t Task
	err := row.Scan(&t.ID, &t.CampaignID, &t.OrgID, &t.Title, &t.Kind, &t.AssigneeID, &t.DueDate, &t.Status,
		&t.CreatedBy, &t.CreatedAt, &t.UpdatedAt, &t.AssigneeName, &t.CampaignTitle)
	if errors.Is(err, sql.ErrNoRows) {
		return t, db.ErrNotFound
	}
	return t, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func insertTask(ctx context.Context, q db.Queryer, t *Task) error {
	t.CreatedAt, t.UpdatedAt = now(), now()
	err := q.QueryRowContext(ctx, `INSERT INTO tasks (campaign_id, org_id, title, kind, assignee_id, due_date, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.CampaignID, t.OrgID, t.Title, t.Kind, nullID(t.AssigneeID), t.DueDate, t.Status, nullID(t.CreatedBy), t.CreatedAt, t.UpdatedAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	return nil
}

func updateTask(ctx context.Context, q db.Queryer, t *Task) error {
	t.UpdatedAt = now()
	_, err := q.ExecContext(ctx, "UPDATE tasks SET title = ?, kind = ?, assignee_id = ?, due_date = ?, status = ?, updated_at = ? WHERE id = ?",
		t.Title, t.Kind, nullID(t.AssigneeID), t.DueDate, t.Status, t.UpdatedAt, t.ID)
	if err != nil {
		return fmt.Errorf("update task: %w", err)
	}
	return nil
}

func getTask(ctx context.Context, q db.Queryer, id int64) (Task, error) {
	return scanTask(q.QueryRowContext(ctx, "SELECT "+taskColumns+taskFrom+" WHERE t.id = ?", id))
}

// listTasks returns tasks matching where: open ones first, then by due
// date (undated last).
func listTasks(ctx context.Context, q db.Queryer, where string, args []any, openOnly bool) ([]Task, error) {
	if openOnly {
		where += " AND t.status <> 'done'"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+taskColumns+taskFrom+" WHERE "+where+
		` ORDER BY CASE t.status WHEN 'done' THEN 1 ELSE 0 END, CASE WHEN t.due_date = '' THEN 1 ELSE 0 END, t.due_date, t.id LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// listParticipants returns the active members of a campaign's owner and
// partner organisations whose role can use campaigns, each once, through
// the first of those organisations they belong to (the owner first).
func listParticipants(ctx context.Context, q db.Queryer, c Campaign) ([]Participant, error) {
	orgs := append([]int64{c.OrgID}, c.Partners...)
	in := strings.TrimSuffix(strings.Repeat("?, ", len(orgs)), ", ")
	args := []any{false}
	for _, id := range orgs {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, m.org_id, o.slug, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id JOIN orgs o ON o.id = m.org_id
		WHERE u.disabled = ? AND m.org_id IN (`+in+`) ORDER BY u.name, u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list participants: %w", err)
	}
	defer rows.Close()
	rank := map[int64]int{}
	for i, id := range orgs {
		rank[id] = i
	}
	out := []Participant{}
	at := map[int64]int{} // user → index in out
	for rows.Next() {
		var x Participant
		var role authz.Role
		if err := rows.Scan(&x.UserID, &x.Name, &x.email, &x.OrgID, &x.OrgSlug, &role); err != nil {
			return nil, fmt.Errorf("list participants: %w", err)
		}
		if !authz.Allowed(role, authz.UseCampaigns) {
			continue
		}
		x.Handle = Handle(x.email)
		if i, seen := at[x.UserID]; seen {
			if rank[x.OrgID] < rank[out[i].OrgID] {
				out[i] = x
			}
			continue
		}
		at[x.UserID] = len(out)
		out = append(out, x)
	}
	return out, rows.Err()
}
