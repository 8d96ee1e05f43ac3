package academy

// Self-assessment: the course's statements of capacity, each rated 1–5 by
// a participant at the start (before the first lesson; prompted, and
// skippable) and at the end (before the certificate), with the same
// statements. Skipping stores an empty answer, so that the prompt is not
// shown again. The organisers see the change per participant, per
// ministry (cohort_members.org_id) and per cohort (Impact).

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// Phase is when a self-assessment is made.
type Phase string

const (
	PhaseStart Phase = "start"
	PhaseEnd   Phase = "end"
)

// ValidPhase reports whether s names a phase.
func ValidPhase(s string) bool { return s == string(PhaseStart) || s == string(PhaseEnd) }

// Errors of self-assessments.
var (
	ErrStartClosed = errors.New("the starting self-assessment closes once you have completed a lesson")
	ErrEndNotOpen  = errors.New("the final self-assessment opens once you have completed every module")
	ErrNoStatement = errors.New("this course has no self-assessment")
)

// Assessment is one participant's ratings in one phase; no ratings means
// they skipped it.
type Assessment struct {
	Phase       Phase          `json:"phase"`
	Answers     map[string]int `json:"answers"`
	SubmittedAt time.Time      `json:"submitted_at"`
}

// Skipped reports whether the participant skipped this phase.
func (a Assessment) Skipped() bool { return len(a.Answers) == 0 }

func getAssessment(ctx context.Context, q db.Queryer, cohortID, userID int64, phase Phase) (Assessment, bool, error) {
	a := Assessment{Phase: phase}
	var raw string
	err := q.QueryRowContext(ctx, "SELECT answers, submitted_at FROM self_assessments WHERE cohort_id = ? AND user_id = ? AND phase = ?",
		cohortID, userID, phase).Scan(&raw, &a.SubmittedAt)
	if isNoRows(err) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("self-assessment: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &a.Answers); err != nil {
		return a, false, fmt.Errorf("self-assessment: %w", err)
	}
	return a, true, nil
}

func saveAssessment(ctx context.Context, q db.Queryer, cohortID, userID int64, a *Assessment) error {
	if a.Answers == nil {
		a.Answers = map[string]int{}
	}
	raw, err := json.Marshal(a.Answers)
	if err != nil {
		return err
	}
	a.SubmittedAt = now()
	_, err = q.ExecContext(ctx, `INSERT INTO self_assessments (cohort_id, user_id, phase, answers, submitted_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (cohort_id, user_id, phase) DO UPDATE SET answers = excluded.answers, submitted_at = excluded.submitted_at`,
		cohortID, userID, a.Phase, string(raw), a.SubmittedAt)
	if err != nil {
		return fmt.Errorf("save self-assessment: %w", err)
	}
	return nil
}

// AssessmentView is a phase's form for a participant.
type AssessmentView struct {
	Cohort     Cohort
	Course     Course
	Phase      Phase
	Statements []Statement
	Current    Assessment // what they answered before, if anything
	Answered   bool       // a row exists (answered or skipped)
	Open       bool       // they may (still or already) answer this phase
	Why        error      // why not, when not Open
}

// openPhase says whether a participant may answer a phase now: the start
// until their first lesson is completed, the end once the course is.
func openPhase(phase Phase, pr Progress) error {
	switch {
	case phase == PhaseStart && pr.LessonsDone > 0:
		return ErrStartClosed
	case phase == PhaseEnd && !pr.Complete:
		return ErrEndNotOpen
	}
	return nil
}

// Assessment returns a participant's form for a phase.
func (s *Service) Assessment(ctx context.Context, p *authz.Principal, cohortID int64, phase Phase) (AssessmentView, error) {
	if !ValidPhase(string(phase)) {
		return AssessmentView{}, db.ErrNotFound
	}
	h, c, pr, err := s.participantIn(ctx, p, cohortID, 0)
	if err != nil {
		return AssessmentView{}, err
	}
	if len(c.SelfAssessment) == 0 {
		return AssessmentView{}, db.ErrNotFound
	}
	v := AssessmentView{Cohort: h, Course: c, Phase: phase, Statements: c.SelfAssessment}
	if v.Current, v.Answered, err = getAssessment(ctx, s.DB.R(), h.ID, p.UserID, phase); err != nil {
		return v, err
	}
	v.Why = openPhase(phase, pr)
	v.Open = v.Why == nil
	return v, nil
}

// SaveAssessment stores a participant's ratings for a phase (every
// statement rated 1–5), or, with skip, that they skipped it.
func (s *Service) SaveAssessment(ctx context.Context, p *authz.Principal, cohortID int64, phase Phase, answers map[string]int, skip bool) error {
	v, err := s.Assessment(ctx, p, cohortID, phase)
	if err != nil {
		return err
	}
	if !v.Open {
		return v.Why
	}
	a := Assessment{Phase: phase, Answers: map[string]int{}}
	if !skip {
		for _, st := range v.Statements {
			n, ok := answers[st.Key]
			if !ok || n < 1 || n > 5 {
				return &FieldError{Field: "rating." + st.Key, Reason: "choose a rating from 1 to 5"}
			}
			a.Answers[st.Key] = n
		}
	} else if v.Answered && !v.Current.Skipped() {
		return nil // skipping does not erase ratings given before
	}
	return saveAssessment(ctx, s.DB.W(), v.Cohort.ID, p.UserID, &a)
}

// StartAssessmentDue reports whether a participant should be asked for
// the starting self-assessment before a lesson: the course has
// statements, they have neither answered nor skipped it, and they have
// not completed a lesson yet. Anyone else: false.
func (s *Service) StartAssessmentDue(ctx context.Context, p *authz.Principal, cohortID int64) (bool, error) {
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil || !CanTakeCourse(st) {
		return false, err
	}
	c, err := GetCourse(ctx, s.DB.R(), h.CourseID)
	if err != nil || len(c.SelfAssessment) == 0 {
		return false, err
	}
	if _, found, err := getAssessment(ctx, s.DB.R(), h.ID, p.UserID, PhaseStart); err != nil || found {
		return false, err
	}
	var done int
	err = s.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM lesson_progress WHERE cohort_id = ? AND user_id = ? AND completed_at IS NOT NULL", h.ID, p.UserID).Scan(&done)
	return done == 0, err
}

// Means are mean ratings (1–5) at the start and the end and their change,
// over N participants who answered both (paired: the same people in both
// means). Nil when N is 0.
type Means struct {
	N      int      `json:"n"`
	Start  *float64 `json:"start"`
	End    *float64 `json:"end"`
	Change *float64 `json:"change"`
}

// ParticipantImpact is one participant's mean rating over the statements
// at the start and the end; nil for a phase not answered (or skipped).
type ParticipantImpact struct {
	UserID  int64    `json:"user_id"`
	Name    string   `json:"name"`
	OrgID   int64    `json:"org_id,omitempty"`
	OrgName string   `json:"org_name,omitempty"`
	Start   *float64 `json:"start"`
	End     *float64 `json:"end"`
	Change  *float64 `json:"change"`
}

// MinistryImpact is the means of a ministry's participants (OrgID 0:
// participants without a recorded ministry).
type MinistryImpact struct {
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	Means
}

// StatementImpact is the means of one statement.
type StatementImpact struct {
	Key       string `json:"key"`
	Statement string `json:"statement"`
	Means
}

// Impact is the change a cohort's participants report.
type Impact struct {
	Cohort       Cohort              `json:"cohort"`
	Total        Means               `json:"total"` // the whole cohort
	Statements   []StatementImpact   `json:"statements"`
	Ministries   []MinistryImpact    `json:"ministries"`
	Participants []ParticipantImpact `json:"participants"`
}

// accumulator sums paired ratings.
type accumulator struct {
	n          int
	start, end float64
}

func (a *accumulator) add(start, end float64) { a.n, a.start, a.end = a.n+1, a.start+start, a.end+end }

func (a accumulator) means() Means {
	m := Means{N: a.n}
	if a.n == 0 {
		return m
	}
	st, en := round2(a.start/float64(a.n)), round2(a.end/float64(a.n))
	ch := round2(a.end/float64(a.n) - a.start/float64(a.n))
	m.Start, m.End, m.Change = &st, &en, &ch
	return m
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// meanOf is the mean rating of the course's statements in an answer.
func meanOf(a map[string]int, sts []Statement) (float64, bool) {
	sum, n := 0, 0
	for _, st := range sts {
		if v, ok := a[st.Key]; ok {
			sum, n = sum+v, n+1
		}
	}
	if n == 0 {
		return 0, false
	}
	return float64(sum) / float64(n), true
}

// Impact computes a cohort's self-assessment change for its organisers.
func (s *Service) Impact(ctx context.Context, p *authz.Principal, cohortID int64) (Impact, error) {
	h, _, err := s.CohortFor(ctx, p, cohortID, CanManageCohort)
	if err != nil {
		return Impact{}, err
	}
	c, err := GetCourse(ctx, s.DB.R(), h.CourseID)
	if err != nil {
		return Impact{}, err
	}
	members, err := ListCohortMembers(ctx, s.DB.R(), h.ID)
	if err != nil {
		return Impact{}, err
	}
	answers := map[int64]map[Phase]map[string]int{}
	rows, err := s.DB.R().QueryContext(ctx, "SELECT user_id, phase, answers FROM self_assessments WHERE cohort_id = ?", h.ID)
	if err != nil {
		return Impact{}, fmt.Errorf("impact: %w", err)
	}
	for rows.Next() {
		var u int64
		var ph Phase
		var raw string
		if err := rows.Scan(&u, &ph, &raw); err != nil {
			rows.Close()
			return Impact{}, fmt.Errorf("impact: %w", err)
		}
		var a map[string]int
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			rows.Close()
			return Impact{}, fmt.Errorf("impact: %w", err)
		}
		if answers[u] == nil {
			answers[u] = map[Phase]map[string]int{}
		}
		answers[u][ph] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Impact{}, err
	}

	out := Impact{Cohort: h, Statements: []StatementImpact{}, Ministries: []MinistryImpact{}, Participants: []ParticipantImpact{}}
	var total accumulator
	perStatement := make([]accumulator, len(c.SelfAssessment))
	perMinistry := map[int64]*accumulator{}
	ministryName := map[int64]string{}
	for _, m := range members {
		if m.Role != RoleParticipant {
			continue
		}
		pi := ParticipantImpact{UserID: m.UserID, Name: m.Name, OrgID: m.OrgID, OrgName: m.OrgName}
		start, hasStart := meanOf(answers[m.UserID][PhaseStart], c.SelfAssessment)
		end, hasEnd := meanOf(answers[m.UserID][PhaseEnd], c.SelfAssessment)
		if hasStart {
			v := round2(start)
			pi.Start = &v
		}
		if hasEnd {
			v := round2(end)
			pi.End = &v
		}
		if hasStart && hasEnd {
			ch := round2(end - start)
			pi.Change = &ch
			total.add(start, end)
			if perMinistry[m.OrgID] == nil {
				perMinistry[m.OrgID] = &accumulator{}
				ministryName[m.OrgID] = m.OrgName
			}
			perMinistry[m.OrgID].add(start, end)
			for i, st := range c.SelfAssessment {
				a, b := answers[m.UserID][PhaseStart][st.Key], answers[m.UserID][PhaseEnd][st.Key]
				if a > 0 && b > 0 {
					perStatement[i].add(float64(a), float64(b))
				}
			}
		}
		out.Participants = append(out.Participants, pi)
	}
	out.Total = total.means()
	for i, st := range c.SelfAssessment {
		out.Statements = append(out.Statements, StatementImpact{Key: st.Key, Statement: st.Statement, Means: perStatement[i].means()})
	}
	ids := make([]int64, 0, len(perMinistry))
	for id := range perMinistry {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := ministryName[ids[i]], ministryName[ids[j]]
		if (a == "") != (b == "") {
			return b == "" // participants without a ministry last
		}
		return a < b || (a == b && ids[i] < ids[j])
	})
	for _, id := range ids {
		out.Ministries = append(out.Ministries, MinistryImpact{OrgID: id, OrgName: ministryName[id], Means: perMinistry[id].means()})
	}
	slices.SortStableFunc(out.Participants, func(a, b ParticipantImpact) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	})
	return out, nil
}
