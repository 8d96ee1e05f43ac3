package signal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/valid"
)

const alertColumns = "id, org_id, kind, key, topic_id, title, detail, window_start, window_end, created_at, acknowledged_at, acknowledged_by"

func scanAlert(row interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var topic, by sql.NullInt64
	var detail string
	err := row.Scan(&a.ID, &a.OrgID, &a.Kind, &a.Key, &topic, &a.Title, &detail, &a.WindowStart, &a.WindowEnd,
		&a.CreatedAt, &a.AcknowledgedAt, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return a, db.ErrNotFound
	}
	if err != nil {
		return a, err
	}
	a.TopicID, a.AcknowledgedBy = topic.Int64, by.Int64
	a.Detail = json.RawMessage(detail)
	a.WindowStart, a.WindowEnd, a.CreatedAt = a.WindowStart.UTC(), a.WindowEnd.UTC(), a.CreatedAt.UTC()
	if a.AcknowledgedAt != nil {
		t := a.AcknowledgedAt.UTC()
		a.AcknowledgedAt = &t
	}
	return a, nil
}

// Raise stores a new alert and reports created = true; a.ID and
// a.CreatedAt (now, when zero) are filled in. When the organisation
// already has an alert with a.Key (raised earlier, or by another instance
// at the same moment), that alert is updated instead, only if something
// changed: title and detail replaced, the window widened to cover a's.
// Then created is false (the caller must not notify again) and a is
// replaced by the stored alert. An acknowledgement stays.
func Raise(ctx context.Context, q db.Queryer, a *Alert) (created bool, err error) {
	if err := a.Validate(); err != nil {
		return false, err
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Microsecond)
	var topic any
	if a.TopicID != 0 {
		topic = a.TopicID
	}
	err = q.QueryRowContext(ctx, `INSERT INTO alerts (org_id, kind, key, topic_id, title, detail, window_start, window_end, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, key) DO NOTHING RETURNING id`,
		a.OrgID, a.Kind, a.Key, topic, a.Title, string(a.Detail), a.WindowStart, a.WindowEnd, a.CreatedAt).Scan(&a.ID)
	if err == nil {
		a.AcknowledgedAt, a.AcknowledgedBy = nil, 0
		return true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("raise alert: %w", err)
	}
	if err := grow(ctx, q, a); err != nil {
		return false, err
	}
	stored, err := scanAlert(q.QueryRowContext(ctx, "SELECT "+alertColumns+" FROM alerts WHERE org_id = ? AND key = ?", a.OrgID, a.Key))
	if err != nil {
		return false, fmt.Errorf("raise alert: reload: %w", err)
	}
	*a = stored
	return false, nil
}

// unchanged reports whether raising a would leave stored as it is (the
// test grow makes), so that the caller can skip the write transaction.
func unchanged(stored, a Alert) bool {
	return stored.Key == a.Key && stored.Kind == a.Kind && stored.Title == a.Title && string(stored.Detail) == string(a.Detail) &&
		!stored.WindowStart.After(a.WindowStart) && !stored.WindowEnd.Before(a.WindowEnd)
}

// grow updates the alert with a's key from a, when a brings a new title or
// detail or a wider window.
func grow(ctx context.Context, q db.Queryer, a *Alert) error {
	_, err := q.ExecContext(ctx, `UPDATE alerts SET title = ?, detail = ?,
			window_start = CASE WHEN window_start > ? THEN ? ELSE window_start END,
			window_end = CASE WHEN window_end < ? THEN ? ELSE window_end END
		WHERE org_id = ? AND key = ? AND kind = ? AND (title <> ? OR detail <> ? OR window_start > ? OR window_end < ?)`,
		a.Title, string(a.Detail), a.WindowStart, a.WindowStart, a.WindowEnd, a.WindowEnd,
		a.OrgID, a.Key, a.Kind, a.Title, string(a.Detail), a.WindowStart, a.WindowEnd)
	if err != nil {
		return fmt.Errorf("raise alert: update %s: %w", a.Key, err)
	}
	return nil
}

// GetAlert loads an alert of an organisation; another organisation's
// alert is db.ErrNotFound, like one that does not exist.
func GetAlert(ctx context.Context, q db.Queryer, orgID, id int64) (Alert, error) {
	a, err := scanAlert(q.QueryRowContext(ctx, "SELECT "+alertColumns+" FROM alerts WHERE id = ? AND org_id = ?", id, orgID))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		err = fmt.Errorf("get alert: %w", err)
	}
	return a, err
}

// AlertFilter selects an organisation's alerts, newest first.
type AlertFilter struct {
	Kind           string // KindSpike, KindCoordination, or "" for both
	TopicID        int64  // only this topic's alerts (0 for any)
	Unacknowledged bool   // only alerts nobody acknowledged yet
	// Before continues a listing: only alerts older than this one in the
	// order (created_at, id), e.g. the last of the previous page.
	Before *Cursor
	Limit  int // 1 to MaxAlertLimit; 0 means DefaultAlertLimit
}

// Cursor is a position in the newest-first order of alerts.
type Cursor struct {
	At time.Time // the alert's CreatedAt
	ID int64
}

// CursorOf is the position of a, to list what comes after it.
func CursorOf(a Alert) *Cursor { return &Cursor{At: a.CreatedAt, ID: a.ID} }

// Page sizes of ListAlerts.
const (
	DefaultAlertLimit = 50
	MaxAlertLimit     = 500
)

// ListAlerts returns an organisation's alerts that pass f, newest first.
func ListAlerts(ctx context.Context, q db.Queryer, orgID int64, f AlertFilter) ([]Alert, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultAlertLimit
	case limit < 0 || limit > MaxAlertLimit:
		return nil, &valid.FieldError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d", MaxAlertLimit)}
	}
	if f.Kind != "" && f.Kind != KindSpike && f.Kind != KindCoordination {
		return nil, &valid.FieldError{Field: "kind", Reason: "must be spike or coordination"}
	}
	var b strings.Builder
	args := []any{orgID}
	b.WriteString("SELECT " + alertColumns + " FROM alerts WHERE org_id = ?")
	if f.Kind != "" {
		b.WriteString(" AND kind = ?")
		args = append(args, f.Kind)
	}
	if f.TopicID != 0 {
		b.WriteString(" AND topic_id = ?")
		args = append(args, f.TopicID)
	}
	if f.Unacknowledged {
		b.WriteString(" AND acknowledged_at IS NULL")
	}
	if f.Before != nil {
		at := f.Before.At.UTC().Truncate(time.Microsecond)
		b.WriteString(" AND (created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, at, at, f.Before.ID)
	}
	b.WriteString(" ORDER BY created_at DESC, id DESC LIMIT ?")
	rows, err := q.QueryContext(ctx, b.String(), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("list alerts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// CountUnacknowledged counts an organisation's alerts nobody acknowledged.
func CountUnacknowledged(ctx context.Context, q db.Queryer, orgID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts WHERE org_id = ? AND acknowledged_at IS NULL", orgID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count alerts: %w", err)
	}
	return n, nil
}

// Acknowledge records that userID has seen to an alert of orgID at at.
// Acknowledging again changes nothing (the first acknowledgement stays);
// another organisation's alert is db.ErrNotFound.
func Acknowledge(ctx context.Context, q db.Queryer, orgID, id, userID int64, at time.Time) error {
	if userID <= 0 {
		return &valid.FieldError{Field: "user_id", Reason: "is required"}
	}
	at = at.UTC().Truncate(time.Microsecond)
	res, err := q.ExecContext(ctx, "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND org_id = ? AND acknowledged_at IS NULL",
		at, userID, id, orgID)
	if err != nil {
		return fmt.Errorf("acknowledge alert: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("acknowledge alert: %w", err)
	} else if n > 0 {
		return nil
	}
	var one int
	err = q.QueryRowContext(ctx, "SELECT 1 FROM alerts WHERE id = ? AND org_id = ?", id, orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return db.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("acknowledge alert: %w", err)
	}
	return nil
}
