package academy

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// Drawn is one question of an attempt with the order its options are
// shown in (indexes into the question's choices, pairs' right-hand items
// or items; empty for kinds without options). It is fixed when the attempt
// starts, so a reload shows the same attempt.
type Drawn struct {
	QuestionID int64 `json:"q"`
	Order      []int `json:"order,omitempty"`
}

// Attempt is one try at a quiz by a participant of a cohort.
type Attempt struct {
	ID          int64            `json:"id"`
	CohortID    int64            `json:"cohort_id"`
	UserID      int64            `json:"user_id"`
	QuizID      int64            `json:"quiz_id"`
	Number      int              `json:"number"`
	Drawn       []Drawn          `json:"-"`
	Answers     map[int64]Answer `json:"-"`
	Score       int              `json:"score"`
	MaxScore    int              `json:"max_score"`
	Passed      bool             `json:"passed"`
	StartedAt   time.Time        `json:"started_at"`
	SubmittedAt *time.Time       `json:"submitted_at,omitempty"`
}

// Percent is the score as a whole percentage, rounded down.
func (a Attempt) Percent() int {
	if a.MaxScore == 0 {
		return 0
	}
	return a.Score * 100 / a.MaxScore
}

// Open reports whether the attempt is still being answered.
func (a Attempt) Open() bool { return a.SubmittedAt == nil }

// draw picks n questions of the bank at random (all when n is 0 or more
// than the bank) in random order, and shuffles each one's options.
func draw(bank []Question, n int, rng *rand.Rand) []Drawn {
	if n <= 0 || n > len(bank) {
		n = len(bank)
	}
	out := make([]Drawn, 0, n)
	for _, i := range rng.Perm(len(bank))[:n] {
		q := bank[i]
		d := Drawn{QuestionID: q.ID}
		if size := q.Size(); size > 0 {
			d.Order = rng.Perm(size)
		}
		out = append(out, d)
	}
	return out
}

// ParseAnswers reads stored or submitted answers: a JSON object from
// question id to Answer. Entries that are not question ids are dropped.
func ParseAnswers(raw []byte) (map[int64]Answer, error) {
	var m map[string]Answer
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[int64]Answer, len(m))
	for k, v := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue
		}
		out[id] = v
	}
	return out, nil
}

func marshalAnswers(m map[int64]Answer) (string, error) {
	s := make(map[string]Answer, len(m))
	for k, v := range m {
		s[strconv.FormatInt(k, 10)] = v
	}
	b, err := json.Marshal(s)
	return string(b), err
}

// grade grades the drawn questions of an attempt; answers to questions
// that were not drawn are ignored.
func grade(drawn []Drawn, questions map[int64]Question, answers map[int64]Answer) (score, maxScore int, results map[int64]Result) {
	results = map[int64]Result{}
	for _, d := range drawn {
		q, ok := questions[d.QuestionID]
		if !ok {
			continue
		}
		r := Grade(q, answers[d.QuestionID])
		results[q.ID] = r
		score += r.Points
		maxScore += q.Points
	}
	return score, maxScore, results
}

// passes reports whether score out of maxScore reaches passPercent.
func passes(score, maxScore, passPercent int) bool {
	return maxScore > 0 && score*100 >= passPercent*maxScore
}

// attempt storage

const attemptColumns = "id, cohort_id, user_id, quiz_id, number, drawn, answers, score, max_score, passed, started_at, submitted_at"

func scanAttempt(row interface{ Scan(...any) error }) (Attempt, error) {
	var a Attempt
	var drawn, answers string
	err := row.Scan(&a.ID, &a.CohortID, &a.UserID, &a.QuizID, &a.Number, &drawn, &answers, &a.Score, &a.MaxScore, &a.Passed, &a.StartedAt, &a.SubmittedAt)
	if isNoRows(err) {
		return a, db.ErrNotFound
	}
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(drawn), &a.Drawn); err != nil {
		return a, fmt.Errorf("attempt %d: drawn: %w", a.ID, err)
	}
	if a.Answers, err = ParseAnswers([]byte(answers)); err != nil {
		return a, fmt.Errorf("attempt %d: answers: %w", a.ID, err)
	}
	return a, nil
}

// GetAttempt returns an attempt.
func GetAttempt(ctx context.Context, q db.Queryer, id int64) (Attempt, error) {
	return scanAttempt(q.QueryRowContext(ctx, "SELECT "+attemptColumns+" FROM quiz_attempts WHERE id = ?", id))
}

// listAttempts returns a participant's attempts at a quiz in a cohort, in
// order.
func listAttempts(ctx context.Context, q db.Queryer, cohortID, userID, quizID int64) ([]Attempt, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+attemptColumns+" FROM quiz_attempts WHERE cohort_id = ? AND user_id = ? AND quiz_id = ? ORDER BY number",
		cohortID, userID, quizID)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func insertAttempt(ctx context.Context, q db.Queryer, a *Attempt) error {
	drawn, err := json.Marshal(a.Drawn)
	if err != nil {
		return err
	}
	a.StartedAt = now()
	return q.QueryRowContext(ctx, `INSERT INTO quiz_attempts (cohort_id, user_id, quiz_id, number, drawn, answers, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.CohortID, a.UserID, a.QuizID, a.Number, string(drawn), "{}", a.StartedAt).Scan(&a.ID)
}

// finishAttempt stores the grading of an open attempt; it reports false
// when the attempt was submitted already (a double submit).
func finishAttempt(ctx context.Context, q db.Queryer, a *Attempt) (bool, error) {
	answers, err := marshalAnswers(a.Answers)
	if err != nil {
		return false, err
	}
	t := now()
	res, err := q.ExecContext(ctx, `UPDATE quiz_attempts SET answers = ?, score = ?, max_score = ?, passed = ?, submitted_at = ?
		WHERE id = ? AND submitted_at IS NULL`, answers, a.Score, a.MaxScore, a.Passed, t, a.ID)
	if err != nil {
		return false, fmt.Errorf("submit attempt: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		a.SubmittedAt = &t
	}
	return n == 1, nil
}

// RightAnswers is the answer key of an attempt: the right answer to each of
// its questions (for demo data and tests).
func RightAnswers(v AttemptView) map[int64]Answer {
	out := map[int64]Answer{}
	for _, aq := range v.Questions {
		q := aq.Question
		var a Answer
		switch q.Kind {
		case Single, Multiple:
			a.Choices = q.Spec.Correct
		case TrueFalse:
			a.Bool = q.Spec.Answer
		case Short:
			if len(q.Spec.Accepted) > 0 {
				a.Text = strings.ToUpper(q.Spec.Accepted[0])
			}
		case Matching:
			for i := range q.Spec.Pairs {
				a.Match = append(a.Match, i)
			}
		case Ordering:
			for i := range q.Spec.Items {
				a.Order = append(a.Order, i)
			}
		}
		out[q.ID] = a
	}
	return out
}
