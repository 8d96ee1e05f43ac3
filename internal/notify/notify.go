// Package notify tells people what needs them: notifications written in
// the transaction of the change that causes them, listed in the app, and
// emailed (once, by whichever instance claims them first) through the
// app's mailer.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/i18n"
)

// Kinds of notification. The UI and emails name them by the message
// "notify.kind.<kind>".
const (
	TaskAssigned          = "task_assigned"
	Mentioned             = "mentioned"
	AmplificationRequest  = "amplification_request"
	AmplificationAnswered = "amplification_answered"
)

// Notification is one message to one user.
type Notification struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"-"`
	OrgID     int64      `json:"org_id,omitempty"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
	EmailedAt *time.Time `json:"-"`
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Notify writes n inside the caller's transaction q, so the notification
// exists exactly when the change that caused it does. Call Service.Wake
// after the commit to email it soon.
func Notify(ctx context.Context, q db.Queryer, n Notification) error {
	if n.UserID == 0 || n.Kind == "" {
		return errors.New("notify: user and kind are required")
	}
	n.Title = clip(strings.TrimSpace(n.Title), 300)
	var org any
	if n.OrgID != 0 {
		org = n.OrgID
	}
	_, err := q.ExecContext(ctx, `INSERT INTO notifications (user_id, org_id, kind, title, link, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		n.UserID, org, n.Kind, n.Title, n.Link, now())
	if err != nil {
		return fmt.Errorf("notify: insert: %w", err)
	}
	return nil
}

// clip shortens s to at most max characters (runes), with an ellipsis.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// Snippet is the first line of a text, shortened: a title for a
// notification about an item without one.
func Snippet(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return clip(s, 80)
}

// Mailer sends one plain-text email (auth.Mailer, mail.SMTP).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Service lists notifications and emails them.
type Service struct {
	DB         *db.DB
	Mailer     Mailer // nil: nothing is emailed
	BaseURL    string
	Log        *slog.Logger
	wake       chan struct{}
	bundleOnce sync.Once
	bundle     *i18n.Bundle
}

// New returns a Service ready to Run.
func New(d *db.DB, m Mailer, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{DB: d, Mailer: m, BaseURL: strings.TrimSuffix(baseURL, "/"), Log: log, wake: make(chan struct{}, 1)}
}

const listColumns = "id, user_id, COALESCE(org_id, 0), kind, title, link, created_at, read_at, emailed_at"

func scan(row interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	err := row.Scan(&n.ID, &n.UserID, &n.OrgID, &n.Kind, &n.Title, &n.Link, &n.CreatedAt, &n.ReadAt, &n.EmailedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return n, db.ErrNotFound
	}
	return n, err
}

// List returns a user's newest notifications (unread first when
// unreadOnly), at most limit.
func (s *Service) List(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := "SELECT " + listColumns + " FROM notifications WHERE user_id = ?"
	if unreadOnly {
		q += " AND read_at IS NULL"
	}
	rows, err := s.DB.R().QueryContext(ctx, q+" ORDER BY id DESC LIMIT ?", userID, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("notify: list: %w", err)
		}
		if n.ReadAt != nil {
			t := n.ReadAt.UTC()
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Unread counts a user's unread notifications.
func (s *Service) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notify: unread: %w", err)
	}
	return n, nil
}

// MarkRead marks some of a user's notifications read (all of them when
// ids is nil). Ids of other users' notifications are ignored, so nobody
// learns whether they exist. It returns how many changed.
func (s *Service) MarkRead(ctx context.Context, userID int64, ids []int64) (int64, error) {
	q := "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
	args := []any{now(), userID}
	if ids != nil {
		if len(ids) == 0 {
			return 0, nil
		}
		q += " AND id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := s.DB.W().ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("notify: mark read: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
