package academy

// The cohort discussion: one thread per module of the course, where the
// cohort's participants and trainers and the organisers write (Markdown,
// rendered and sanitised like lessons by the web layer). Newest last.
// Anyone else gets the cohort's 404.

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// maxPost bounds a post (characters).
const maxPost = 10000

// Post is a message in a module's discussion.
type Post struct {
	ID         int64      `json:"id"`
	CohortID   int64      `json:"cohort_id"`
	ModuleID   int64      `json:"module_id"`
	UserID     int64      `json:"user_id,omitempty"` // 0 when the author's account was deleted
	Author     string     `json:"author"`
	AuthorRole CohortRole `json:"author_role,omitempty"` // "" for an organiser outside the cohort
	Body       string     `json:"body"`                  // Markdown
	CreatedAt  time.Time  `json:"created_at"`
}

// ListPosts returns a module's posts in a cohort, oldest first.
func ListPosts(ctx context.Context, q db.Queryer, cohortID, moduleID int64) ([]Post, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.cohort_id, COALESCE(p.module_id, 0), COALESCE(p.user_id, 0), COALESCE(u.name, ''), COALESCE(m.role, ''), p.body, p.created_at
		FROM cohort_posts p LEFT JOIN users u ON u.id = p.user_id
		LEFT JOIN cohort_members m ON m.cohort_id = p.cohort_id AND m.user_id = p.user_id
		WHERE p.cohort_id = ? AND p.module_id = ? ORDER BY p.created_at, p.id LIMIT 1000`, cohortID, moduleID)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	defer rows.Close()
	out := []Post{}
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.ID, &p.CohortID, &p.ModuleID, &p.UserID, &p.Author, &p.AuthorRole, &p.Body, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("list posts: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func insertPost(ctx context.Context, q db.Queryer, p *Post) error {
	p.CreatedAt = now()
	err := q.QueryRowContext(ctx, "INSERT INTO cohort_posts (cohort_id, module_id, user_id, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		p.CohortID, p.ModuleID, nullID(p.UserID), p.Body, p.CreatedAt).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("insert post: %w", err)
	}
	return nil
}

// PostCounts returns the number of posts per module of a cohort.
func PostCounts(ctx context.Context, q db.Queryer, cohortID int64) (map[int64]int, error) {
	rows, err := q.QueryContext(ctx, "SELECT module_id, COUNT(*) FROM cohort_posts WHERE cohort_id = ? AND module_id IS NOT NULL GROUP BY module_id", cohortID)
	if err != nil {
		return nil, fmt.Errorf("count posts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count posts: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// DiscussionView is a module's discussion in a cohort.
type DiscussionView struct {
	Cohort   Cohort
	Standing Standing
	Module   Module
	Posts    []Post
	CanPost  bool
}

// moduleOf finds a module of a course.
func moduleOf(c *Course, moduleID int64) (Module, bool) {
	for _, m := range c.Modules {
		if m.ID == moduleID {
			return m, true
		}
	}
	return Module{}, false
}

// Discussion returns a module's discussion for someone who may see the
// cohort; a module of another course is db.ErrNotFound.
func (s *Service) Discussion(ctx context.Context, p *authz.Principal, cohortID, moduleID int64) (DiscussionView, error) {
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return DiscussionView{}, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return DiscussionView{}, err
	}
	m, ok := moduleOf(&c, moduleID)
	if !ok {
		return DiscussionView{}, db.ErrNotFound
	}
	v := DiscussionView{Cohort: h, Standing: st, Module: m, CanPost: CanPost(st)}
	v.Posts, err = ListPosts(ctx, s.DB.R(), h.ID, m.ID)
	return v, err
}

// AddPost writes a post in a module's discussion.
func (s *Service) AddPost(ctx context.Context, p *authz.Principal, cohortID, moduleID int64, body string) (Post, error) {
	v, err := s.Discussion(ctx, p, cohortID, moduleID)
	if err != nil {
		return Post{}, err
	}
	if !v.CanPost {
		return Post{}, authz.ErrForbidden
	}
	if body, err = cleanText("body", body, maxPost, true); err != nil {
		return Post{}, err
	}
	post := Post{CohortID: v.Cohort.ID, ModuleID: v.Module.ID, UserID: p.UserID, Body: body, AuthorRole: v.Standing.CohortRole}
	return post, insertPost(ctx, s.DB.W(), &post)
}
