package campaign

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
)

// TaskKind is the sort of work a task asks for.
type TaskKind string

// TaskStatus is where a task stands.
type TaskStatus string

const (
	TaskDrafting    TaskKind = "drafting"
	TaskTranslating TaskKind = "translating"
	TaskDesigning   TaskKind = "designing"
	TaskOther       TaskKind = "other"

	TaskTodo  TaskStatus = "todo"
	TaskDoing TaskStatus = "doing"
	TaskDone  TaskStatus = "done"
)

// TaskKinds and TaskStatuses list the values in display order.
var (
	TaskKinds    = []TaskKind{TaskDrafting, TaskTranslating, TaskDesigning, TaskOther}
	TaskStatuses = []TaskStatus{TaskTodo, TaskDoing, TaskDone}
)

// Task is a piece of work inside a campaign.
type Task struct {
	ID            int64      `json:"id"`
	CampaignID    int64      `json:"campaign_id"`
	OrgID         int64      `json:"org_id"` // the organisation that created it
	Title         string     `json:"title"`
	Kind          TaskKind   `json:"kind"`
	AssigneeID    int64      `json:"assignee_id,omitempty"`
	AssigneeName  string     `json:"assignee_name,omitempty"`
	DueDate       string     `json:"due_date,omitempty"` // YYYY-MM-DD
	Status        TaskStatus `json:"status"`
	CreatedBy     int64      `json:"created_by,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CampaignTitle string     `json:"campaign_title"`
}

func (t *Task) validate() error {
	var err error
	if t.Title, err = cleanText("title", t.Title, 200, true); err != nil {
		return err
	}
	if t.Kind == "" {
		t.Kind = TaskOther
	}
	if !slices.Contains(TaskKinds, t.Kind) {
		return &FieldError{Field: "kind", Reason: "must be drafting, translating, designing or other"}
	}
	if t.Status == "" {
		t.Status = TaskTodo
	}
	if !slices.Contains(TaskStatuses, t.Status) {
		return &FieldError{Field: "status", Reason: "must be todo, doing or done"}
	}
	t.DueDate = strings.TrimSpace(t.DueDate)
	if t.DueDate != "" {
		if _, err := ParseDate("due_date", t.DueDate); err != nil {
			return err
		}
	}
	return nil
}

// Participant is someone who takes part in a campaign: a member of the
// owner or a partner organisation whose role can use campaigns. Only
// participants can be assigned tasks or mentioned.
type Participant struct {
	UserID  int64  `json:"user_id"`
	Name    string `json:"name"`
	Handle  string `json:"handle"` // what follows "@" in a comment
	OrgID   int64  `json:"org_id"` // the organisation they take part through
	OrgSlug string `json:"-"`
	email   string
}

// Handle is how a user is mentioned: the local part of their email,
// lower-cased (iryna.shevchenko@mfa.gov.ua → iryna.shevchenko).
func Handle(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	return local
}

// Participants lists the people taking part in a campaign.
func (s *Service) Participants(ctx context.Context, p *authz.Principal, campaignID int64) ([]Participant, error) {
	ac, err := s.access(ctx, p, campaignID, authz.UseCampaigns)
	if err != nil {
		return nil, err
	}
	return listParticipants(ctx, s.DB.R(), ac.Campaign)
}

func findParticipant(ps []Participant, userID int64) (Participant, bool) {
	for _, x := range ps {
		if x.UserID == userID {
			return x, true
		}
	}
	return Participant{}, false
}

// Tasks lists a campaign's tasks.
func (s *Service) Tasks(ctx context.Context, p *authz.Principal, campaignID int64) ([]Task, error) {
	if _, err := s.access(ctx, p, campaignID, authz.UseCampaigns); err != nil {
		return nil, err
	}
	return listTasks(ctx, s.DB.R(), "t.campaign_id = ?", []any{campaignID}, false)
}

// GetTask returns one task the principal may read.
func (s *Service) GetTask(ctx context.Context, p *authz.Principal, id int64) (Task, Access, error) {
	t, err := getTask(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return t, Access{}, authz.ErrNotMember
	}
	if err != nil {
		return t, Access{}, err
	}
	ac, err := s.access(ctx, p, t.CampaignID, authz.UseCampaigns)
	if err != nil {
		return Task{}, ac, err
	}
	return t, ac, nil
}

// CreateTask adds a task to a campaign for an editor of the owner or a
// partner. The assignee, if any, must be a participant, and is notified.
func (s *Service) CreateTask(ctx context.Context, p *authz.Principal, campaignID int64, t *Task) error {
	ac, err := s.access(ctx, p, campaignID, authz.EditCampaigns)
	if err != nil {
		return err
	}
	if err := t.validate(); err != nil {
		return err
	}
	assignee, err := s.checkAssignee(ctx, ac.Campaign, t.AssigneeID)
	if err != nil {
		return err
	}
	t.CampaignID, t.OrgID, t.CreatedBy, t.CampaignTitle, t.AssigneeName = campaignID, ac.OrgID, p.UserID, ac.Campaign.Title, assignee.Name
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertTask(ctx, tx, t); err != nil {
			return err
		}
		return notifyAssignee(ctx, tx, p, *t, assignee)
	})
	if err == nil && t.AssigneeID != 0 {
		s.Notify.Wake()
	}
	return err
}

// UpdateTask changes a task (editors of the owner or a partner). A new
// assignee must be a participant, and is notified.
func (s *Service) UpdateTask(ctx context.Context, p *authz.Principal, id int64, change func(*Task)) (Task, error) {
	t, _, err := s.GetTask(ctx, p, id)
	if err != nil {
		return t, err
	}
	ac, err := s.access(ctx, p, t.CampaignID, authz.EditCampaigns)
	if err != nil {
		return t, err
	}
	before := t.AssigneeID
	change(&t)
	t.ID, t.CampaignID = id, ac.Campaign.ID
	if err := t.validate(); err != nil {
		return t, err
	}
	assignee, err := s.checkAssignee(ctx, ac.Campaign, t.AssigneeID)
	if err != nil {
		return t, err
	}
	t.AssigneeName = assignee.Name
	reassigned := t.AssigneeID != 0 && t.AssigneeID != before
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := updateTask(ctx, tx, &t); err != nil {
			return err
		}
		if reassigned {
			return notifyAssignee(ctx, tx, p, t, assignee)
		}
		return nil
	})
	if err == nil && reassigned {
		s.Notify.Wake()
	}
	return t, err
}

// DeleteTask removes a task (editors of the owner or a partner).
func (s *Service) DeleteTask(ctx context.Context, p *authz.Principal, id int64) error {
	t, _, err := s.GetTask(ctx, p, id)
	if err != nil {
		return err
	}
	if _, err := s.access(ctx, p, t.CampaignID, authz.EditCampaigns); err != nil {
		return err
	}
	_, err = s.DB.W().ExecContext(ctx, "DELETE FROM tasks WHERE id = ?", id)
	return err
}

// MyTasks lists the tasks assigned to p in campaigns that the given
// organisations own or take part in (open ones only unless done is set).
// Callers pass organisations in which p may use campaigns.
func (s *Service) MyTasks(ctx context.Context, p *authz.Principal, orgIDs []int64, done bool) ([]Task, error) {
	var ids []int64
	for _, id := range orgIDs {
		if authz.Can(p, id, authz.UseCampaigns) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return []Task{}, nil
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := []any{p.UserID}
	for range 2 {
		for _, id := range ids {
			args = append(args, id)
		}
	}
	where := "t.assignee_id = ? AND (c.org_id IN (" + in + ") OR EXISTS (SELECT 1 FROM campaign_partners cp WHERE cp.campaign_id = c.id AND cp.org_id IN (" + in + ")))"
	return listTasks(ctx, s.DB.R(), where, args, !done)
}

// checkAssignee returns the participant a task is assigned to (the zero
// Participant for none). Anyone else is refused with the same words
// whether or not they exist.
func (s *Service) checkAssignee(ctx context.Context, c Campaign, userID int64) (Participant, error) {
	if userID == 0 {
		return Participant{}, nil
	}
	ps, err := listParticipants(ctx, s.DB.R(), c)
	if err != nil {
		return Participant{}, err
	}
	x, ok := findParticipant(ps, userID)
	if !ok {
		return x, &FieldError{Field: "assignee_id", Reason: "is not a member of an organisation taking part in this campaign"}
	}
	return x, nil
}

func notifyAssignee(ctx context.Context, q db.Queryer, p *authz.Principal, t Task, to Participant) error {
	if to.UserID == 0 || to.UserID == p.UserID {
		return nil
	}
	return notify.Notify(ctx, q, notify.Notification{
		UserID: to.UserID, OrgID: to.OrgID, Kind: notify.TaskAssigned,
		Title: t.Title + " · " + t.CampaignTitle,
		Link:  "/o/" + to.OrgSlug + "/campaigns/" + strconv.FormatInt(t.CampaignID, 10) + "/coordination",
	})
}
