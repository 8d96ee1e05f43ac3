package listen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

const topicColumns = "id, org_id, name, query, kind, claim, disproof, counter_lines, countries, languages, created_by, created_at, updated_at, archived_at"

func scanTopic(row interface{ Scan(...any) error }) (Topic, error) {
	var t Topic
	var by sql.NullInt64
	var lines, countries, languages string
	err := row.Scan(&t.ID, &t.OrgID, &t.Name, &t.Query, &t.Kind, &t.Claim, &t.Disproof, &lines, &countries, &languages,
		&by, &t.CreatedAt, &t.UpdatedAt, &t.ArchivedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, db.ErrNotFound
	}
	if lines != "" {
		t.CounterLines = strings.Split(lines, "\n")
	}
	t.Countries, t.Languages = strings.Fields(countries), strings.Fields(languages)
	t.CreatedBy = by.Int64
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if t.ArchivedAt != nil {
		u := t.ArchivedAt.UTC()
		t.ArchivedAt = &u
	}
	return t, err
}

func nameTaken() error {
	return &valid.FieldError{Field: "name", Reason: "this organisation already has an active topic with this name"}
}

// CreateTopic stores a new topic; t gets its id and times.
func CreateTopic(ctx context.Context, q db.Queryer, t *Topic) error {
	if err := t.Validate(); err != nil {
		return err
	}
	t.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	t.UpdatedAt, t.ArchivedAt = t.CreatedAt, nil
	var by any
	if t.CreatedBy != 0 {
		by = t.CreatedBy
	}
	err := q.QueryRowContext(ctx, `INSERT INTO topics (org_id, name, query, kind, claim, disproof, counter_lines, countries, languages,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.OrgID, t.Name, t.Query, t.Kind, t.Claim, t.Disproof, strings.Join(t.CounterLines, "\n"), strings.Join(t.Countries, " "),
		strings.Join(t.Languages, " "), by, t.CreatedAt, t.UpdatedAt).Scan(&t.ID)
	if db.IsUniqueViolation(err) {
		return nameTaken()
	}
	if err != nil {
		return fmt.Errorf("create topic: %w", err)
	}
	return nil
}

// GetTopic loads a topic of an organisation; another organisation's topic
// is not found.
func GetTopic(ctx context.Context, q db.Queryer, orgID, id int64) (Topic, error) {
	t, err := scanTopic(q.QueryRowContext(ctx, "SELECT "+topicColumns+" FROM topics WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get topic: %w", err)
	}
	return t, err
}

// ListTopics returns an organisation's topics by name, archived ones only
// when asked.
func ListTopics(ctx context.Context, q db.Queryer, orgID int64, withArchived bool) ([]Topic, error) {
	query := "SELECT " + topicColumns + " FROM topics WHERE org_id = ?"
	if !withArchived {
		query += " AND archived_at IS NULL"
	}
	return queryTopics(ctx, q, query+" ORDER BY name, id", orgID)
}

// ActiveTopics returns every organisation's active topics, by id: what the
// matcher compiles at start.
func ActiveTopics(ctx context.Context, q db.Queryer) ([]Topic, error) {
	return queryTopics(ctx, q, "SELECT "+topicColumns+" FROM topics WHERE archived_at IS NULL ORDER BY id")
}

func queryTopics(ctx context.Context, q db.Queryer, query string, args ...any) ([]Topic, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	defer rows.Close()
	out := []Topic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, fmt.Errorf("list topics: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpdateTopic saves a topic's name, query and case record (its kind
// stays). An archived topic is not changed (db.ErrNotFound), nor another
// organisation's.
func UpdateTopic(ctx context.Context, q db.Queryer, t *Topic) error {
	if err := t.Validate(); err != nil {
		return err
	}
	t.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	res, err := q.ExecContext(ctx, `UPDATE topics SET name = ?, query = ?, claim = ?, disproof = ?, counter_lines = ?, countries = ?,
		languages = ?, updated_at = ? WHERE id = ? AND org_id = ? AND archived_at IS NULL`,
		t.Name, t.Query, t.Claim, t.Disproof, strings.Join(t.CounterLines, "\n"), strings.Join(t.Countries, " "),
		strings.Join(t.Languages, " "), t.UpdatedAt, t.ID, t.OrgID)
	if db.IsUniqueViolation(err) {
		return nameTaken()
	}
	if err != nil {
		return fmt.Errorf("update topic: %w", err)
	}
	return oneRow(res)
}

// ArchiveTopic stops a topic matching; its past matches stay.
func ArchiveTopic(ctx context.Context, q db.Queryer, orgID, id int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	res, err := q.ExecContext(ctx, "UPDATE topics SET archived_at = ?, updated_at = ? WHERE id = ? AND org_id = ? AND archived_at IS NULL",
		at, at, id, orgID)
	if err != nil {
		return fmt.Errorf("archive topic: %w", err)
	}
	return oneRow(res)
}

func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return db.ErrNotFound
	}
	return nil
}
