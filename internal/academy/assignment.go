package academy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

// AssignmentKind is what a participant hands in.
type AssignmentKind string

const (
	AssignText         AssignmentKind = "text"
	AssignFile         AssignmentKind = "file"
	AssignCampaignPlan AssignmentKind = "campaign_plan" // a campaign built in a sandbox organisation
)

// Assignment is a module's course work, reviewed with a rubric.
type Assignment struct {
	ID         int64          `json:"id"`
	ModuleID   int64          `json:"module_id"`
	Slug       string         `json:"slug"`
	Title      string         `json:"title"`
	Kind       AssignmentKind `json:"kind"`
	Brief      string         `json:"-"` // Markdown
	PeerReview bool           `json:"peer_review"`
	Rubric     Rubric         `json:"rubric"`
}

// Rubric is criteria × levels with points; a submission is accepted from
// PassPoints.
type Rubric struct {
	Title      string      `json:"title"`
	Criteria   []Criterion `json:"criteria"`
	PassPoints int         `json:"pass_points"`
}

// Criterion is one row of a rubric.
type Criterion struct {
	Key         string  `json:"key"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Levels      []Level `json:"levels"`
}

// Level is one column of a criterion.
type Level struct {
	Title       string `json:"title"`
	Points      int    `json:"points"`
	Description string `json:"description"`
}

// MaxPoints is the most a submission can earn.
func (r Rubric) MaxPoints() int {
	total := 0
	for _, c := range r.Criteria {
		best := 0
		for _, l := range c.Levels {
			best = max(best, l.Points)
		}
		total += best
	}
	return total
}

// Validate checks an assignment; field prefixes the error's field.
func (a *Assignment) Validate(field string) error {
	var err error
	if a.Slug, err = cleanText(field+"/slug", a.Slug, 100, true); err != nil {
		return err
	}
	if !slugRE.MatchString(a.Slug) {
		return &FieldError{Field: field + "/slug", Reason: "must be lower-case letters, digits and hyphens"}
	}
	if a.Title, err = cleanText(field+"/title", a.Title, 200, true); err != nil {
		return err
	}
	switch a.Kind {
	case AssignText, AssignFile, AssignCampaignPlan:
	default:
		return &FieldError{Field: field + "/kind", Reason: "must be text, file or campaign_plan"}
	}
	if a.Brief, err = cleanText(field+"/brief", a.Brief, 100000, true); err != nil {
		return err
	}
	r := &a.Rubric
	if r.Title, err = cleanText(field+"/rubric/title", r.Title, 200, true); err != nil {
		return err
	}
	if len(r.Criteria) == 0 || len(r.Criteria) > 20 {
		return &FieldError{Field: field + "/rubric/criteria", Reason: "must list between 1 and 20 criteria"}
	}
	keys := map[string]bool{}
	for i := range r.Criteria {
		c := &r.Criteria[i]
		f := fmt.Sprintf("%s/rubric/criteria/%d", field, i)
		if c.Key, err = cleanText(f+"/key", c.Key, 50, true); err != nil {
			return err
		}
		if keys[c.Key] {
			return &FieldError{Field: f + "/key", Reason: "appears twice"}
		}
		keys[c.Key] = true
		if c.Title, err = cleanText(f+"/title", c.Title, 200, true); err != nil {
			return err
		}
		if c.Description, err = cleanText(f+"/description", c.Description, 2000, false); err != nil {
			return err
		}
		if len(c.Levels) < 2 || len(c.Levels) > 10 {
			return &FieldError{Field: f + "/levels", Reason: "must list between 2 and 10 levels"}
		}
		for j := range c.Levels {
			l := &c.Levels[j]
			lf := fmt.Sprintf("%s/levels/%d", f, j)
			if l.Title, err = cleanText(lf+"/title", l.Title, 100, true); err != nil {
				return err
			}
			if l.Description, err = cleanText(lf+"/description", l.Description, 2000, false); err != nil {
				return err
			}
			if l.Points < 0 || l.Points > 100 {
				return &FieldError{Field: lf + "/points", Reason: "must be between 0 and 100"}
			}
		}
	}
	if r.PassPoints < 0 || r.PassPoints > r.MaxPoints() {
		return &FieldError{Field: field + "/rubric/pass_points", Reason: fmt.Sprintf("must be between 0 and the rubric's maximum, %d", r.MaxPoints())}
	}
	return nil
}

const assignmentColumns = "a.id, a.module_id, a.slug, a.title, a.kind, a.brief, a.peer_review, a.rubric"

func scanAssignment(row interface{ Scan(...any) error }) (Assignment, error) {
	var a Assignment
	var rubric string
	err := row.Scan(&a.ID, &a.ModuleID, &a.Slug, &a.Title, &a.Kind, &a.Brief, &a.PeerReview, &rubric)
	if isNoRows(err) {
		return a, db.ErrNotFound
	}
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(rubric), &a.Rubric); err != nil {
		return a, fmt.Errorf("assignment %d: rubric: %w", a.ID, err)
	}
	return a, nil
}

// GetAssignment returns an assignment with its brief and rubric.
func GetAssignment(ctx context.Context, q db.Queryer, id int64) (Assignment, error) {
	return scanAssignment(q.QueryRowContext(ctx, "SELECT "+assignmentColumns+" FROM assignments a WHERE a.id = ?", id))
}

func listAssignmentsOfCourse(ctx context.Context, q db.Queryer, courseID int64) ([]Assignment, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+assignmentColumns+" FROM assignments a JOIN course_modules m ON m.id = a.module_id WHERE m.course_id = ?", courseID)
	if err != nil {
		return nil, fmt.Errorf("list assignments: %w", err)
	}
	defer rows.Close()
	out := []Assignment{}
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, fmt.Errorf("list assignments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
