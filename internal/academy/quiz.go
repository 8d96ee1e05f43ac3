package academy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/attache-project/attache/internal/db"
)

// Kind is a question's type.
type Kind string

const (
	Single    Kind = "single"    // one choice is right
	Multiple  Kind = "multiple"  // choose all that apply; all or nothing
	TrueFalse Kind = "truefalse" // a statement is true or false
	Short     Kind = "short"     // a short answer, compared folded
	Matching  Kind = "matching"  // match each left item to its right item; all or nothing
	Ordering  Kind = "ordering"  // put items in order; all or nothing
)

// Kinds lists every question kind.
var Kinds = []Kind{Single, Multiple, TrueFalse, Short, Matching, Ordering}

// Quiz is a module's quiz: a bank of questions of which each attempt
// draws Draw (all when 0) at random. MaxAttempts 0 means unlimited; after
// a passed attempt no new one starts unless RetakeAfterPass.
type Quiz struct {
	ID              int64      `json:"id"`
	ModuleID        int64      `json:"module_id"`
	Title           string     `json:"title"`
	PassPercent     int        `json:"pass_percent"`
	MaxAttempts     int        `json:"max_attempts"`
	Draw            int        `json:"draw"`
	RetakeAfterPass bool       `json:"retake_after_pass"`
	Questions       []Question `json:"-"`
}

// Question is one question of a bank.
type Question struct {
	ID       int64  `json:"id"`
	QuizID   int64  `json:"quiz_id"`
	Key      string `json:"key"`
	Position int    `json:"position"`
	Kind     Kind   `json:"kind"`
	Prompt   string `json:"prompt"`
	Points   int    `json:"points"`
	Spec     Spec   `json:"-"`
	Feedback string `json:"feedback"`
}

// Spec is a question's kind-specific data, stored as JSON.
type Spec struct {
	Choices  []string    `json:"choices,omitempty"`  // single, multiple
	Correct  []int       `json:"correct,omitempty"`  // single, multiple: indexes into Choices
	Answer   *bool       `json:"answer,omitempty"`   // truefalse
	Accepted []string    `json:"accepted,omitempty"` // short
	Pairs    [][2]string `json:"pairs,omitempty"`    // matching: left, right
	Items    []string    `json:"items,omitempty"`    // ordering: in the right order
}

// Size is how many options the question shuffles (choices, right-hand
// items or items), 0 for kinds that shuffle nothing.
func (q Question) Size() int {
	switch q.Kind {
	case Single, Multiple:
		return len(q.Spec.Choices)
	case Matching:
		return len(q.Spec.Pairs)
	case Ordering:
		return len(q.Spec.Items)
	}
	return 0
}

// Validate checks a question of a bank; field prefixes the error's field.
func (q *Question) Validate(field string) error {
	var err error
	if q.Key, err = cleanText(field+"/id", q.Key, 50, true); err != nil {
		return err
	}
	if q.Prompt, err = cleanText(field+"/prompt", q.Prompt, 2000, true); err != nil {
		return err
	}
	if q.Feedback, err = cleanText(field+"/feedback", q.Feedback, 4000, false); err != nil {
		return err
	}
	if q.Points == 0 {
		q.Points = 1
	}
	if q.Points < 0 || q.Points > 100 {
		return &FieldError{Field: field + "/points", Reason: "must be between 1 and 100"}
	}
	s := &q.Spec
	bad := func(f, reason string) error { return &FieldError{Field: field + "/" + f, Reason: reason} }
	texts := func(f string, list []string, min int) error {
		if len(list) < min || len(list) > 12 {
			return bad(f, fmt.Sprintf("must list between %d and 12 entries", min))
		}
		for i := range list {
			if list[i], err = cleanText(fmt.Sprintf("%s/%s/%d", field, f, i), list[i], 500, true); err != nil {
				return err
			}
		}
		return nil
	}
	switch q.Kind {
	case Single, Multiple:
		if err := texts("choices", s.Choices, 2); err != nil {
			return err
		}
		if q.Kind == Single && len(s.Correct) != 1 {
			return bad("correct", "a single-choice question has exactly one correct choice")
		}
		if len(s.Correct) == 0 {
			return bad("correct", "must name at least one correct choice")
		}
		seen := map[int]bool{}
		for _, c := range s.Correct {
			if c < 0 || c >= len(s.Choices) || seen[c] {
				return bad("correct", fmt.Sprintf("must be distinct indexes of choices, from 0 to %d", len(s.Choices)-1))
			}
			seen[c] = true
		}
	case TrueFalse:
		if s.Answer == nil {
			return bad("answer", "is required (true or false)")
		}
	case Short:
		if err := texts("accepted", s.Accepted, 1); err != nil {
			return err
		}
		for i, a := range s.Accepted {
			if Fold(a) == "" {
				return bad(fmt.Sprintf("accepted/%d", i), "must contain letters or digits")
			}
		}
	case Matching:
		if len(s.Pairs) < 2 || len(s.Pairs) > 12 {
			return bad("pairs", "must list between 2 and 12 pairs")
		}
		for i := range s.Pairs {
			for j := range 2 {
				if s.Pairs[i][j], err = cleanText(fmt.Sprintf("%s/pairs/%d/%d", field, i, j), s.Pairs[i][j], 500, true); err != nil {
					return err
				}
			}
		}
	case Ordering:
		if err := texts("items", s.Items, 2); err != nil {
			return err
		}
		for i := range s.Items {
			if slices.Index(s.Items, s.Items[i]) != i {
				return bad(fmt.Sprintf("items/%d", i), "appears twice; the order would be ambiguous")
			}
		}
	default:
		return bad("kind", "must be one of single, multiple, truefalse, short, matching, ordering")
	}
	return nil
}

// Answer is a participant's answer to one question. Indexes always refer to
// the question's own order (Choices, Pairs, Items), never to the shuffled
// order shown, so grading does not depend on the shuffle.
type Answer struct {
	Choices []int  `json:"choices,omitempty"` // single, multiple
	Bool    *bool  `json:"bool,omitempty"`    // truefalse
	Text    string `json:"text,omitempty"`    // short
	Match   []int  `json:"match,omitempty"`   // matching: for left item i, the pair whose right item was chosen (-1 none)
	Order   []int  `json:"order,omitempty"`   // ordering: item indexes in the order given
}

// Result is the grading of one answer.
type Result struct {
	Correct bool `json:"correct"`
	Points  int  `json:"points"` // earned: all or nothing
}

// Grade grades an answer. Every kind is all or nothing: a multiple-choice
// question earns its points only when exactly the correct choices are
// chosen, a matching question only when every pair is matched and an
// ordering question only when every item is in place. Grade never panics,
// whatever the answer holds.
func Grade(q Question, a Answer) Result {
	ok := false
	s := q.Spec
	switch q.Kind {
	case Single, Multiple:
		ok = sameSet(a.Choices, s.Correct)
	case TrueFalse:
		ok = a.Bool != nil && s.Answer != nil && *a.Bool == *s.Answer
	case Short:
		given := Fold(a.Text)
		for _, acc := range s.Accepted {
			if given != "" && given == Fold(acc) {
				ok = true
				break
			}
		}
	case Matching:
		ok = len(s.Pairs) > 0 && len(a.Match) == len(s.Pairs)
		for i := 0; ok && i < len(a.Match); i++ {
			j := a.Match[i]
			// Compared by text: two pairs may share a right-hand item.
			ok = j >= 0 && j < len(s.Pairs) && s.Pairs[j][1] == s.Pairs[i][1]
		}
	case Ordering:
		ok = len(s.Items) > 0 && len(a.Order) == len(s.Items)
		for i := 0; ok && i < len(a.Order); i++ {
			j := a.Order[i]
			ok = j >= 0 && j < len(s.Items) && s.Items[j] == s.Items[i]
		}
	}
	if !ok {
		return Result{}
	}
	return Result{Correct: true, Points: q.Points}
}

// sameSet reports whether the chosen indexes are exactly the correct ones
// (each chosen once).
func sameSet(chosen, correct []int) bool {
	if len(chosen) != len(correct) || len(correct) == 0 {
		return false
	}
	seen := map[int]bool{}
	for _, c := range chosen {
		if seen[c] || !slices.Contains(correct, c) {
			return false
		}
		seen[c] = true
	}
	return true
}

// foldSpecial are letters that do not decompose into a base letter and
// marks, or that are written with two letters in the region (đ as dj, as
// in Serbian and Croatian transliteration).
var foldSpecial = map[rune]string{
	'đ': "dj", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'ı': "i", 'ħ': "h", 'ŧ': "t", 'þ': "th", 'ð': "d",
}

// Fold prepares a short answer for comparison: lower case, diacritics
// removed (č→c, ș→s, ë→e; đ→dj, ß→ss), whitespace collapsed and trimmed.
// Cyrillic and Georgian letters are kept (lower-cased), not transliterated.
// It is deliberately small and local so that a shared text package can
// replace it later.
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining mark separated by NFD: dropped. (Cyrillic й and ё
			// lose their marks too; that only widens what matches.)
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if rep, ok := foldSpecial[r]; ok {
			b.WriteString(rep)
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// question storage

const questionColumns = "id, quiz_id, key, position, kind, prompt, points, spec, feedback"

func scanQuestion(row interface{ Scan(...any) error }) (Question, error) {
	var q Question
	var spec string
	err := row.Scan(&q.ID, &q.QuizID, &q.Key, &q.Position, &q.Kind, &q.Prompt, &q.Points, &spec, &q.Feedback)
	if isNoRows(err) {
		return q, db.ErrNotFound
	}
	if err != nil {
		return q, err
	}
	if err := json.Unmarshal([]byte(spec), &q.Spec); err != nil {
		return q, fmt.Errorf("question %d: spec: %w", q.ID, err)
	}
	return q, nil
}

// listQuestions returns the live questions of a quiz's bank in order.
func listQuestions(ctx context.Context, q db.Queryer, quizID int64) ([]Question, error) {
	return queryQuestions(ctx, q, "quiz_id = ? AND retired = ? ORDER BY position, id", quizID, false)
}

// questionsByID returns the given questions, retired or not (an attempt
// keeps the questions it drew).
func questionsByID(ctx context.Context, q db.Queryer, quizID int64) (map[int64]Question, error) {
	list, err := queryQuestions(ctx, q, "quiz_id = ?", quizID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Question, len(list))
	for _, x := range list {
		out[x.ID] = x
	}
	return out, nil
}

func queryQuestions(ctx context.Context, q db.Queryer, where string, args ...any) ([]Question, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+questionColumns+" FROM quiz_questions WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	defer rows.Close()
	out := []Question{}
	for rows.Next() {
		x, err := scanQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("list questions: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

const quizColumns = "z.id, z.module_id, z.title, z.pass_percent, z.max_attempts, z.draw, z.retake_after_pass"

func scanQuiz(row interface{ Scan(...any) error }) (Quiz, error) {
	var z Quiz
	err := row.Scan(&z.ID, &z.ModuleID, &z.Title, &z.PassPercent, &z.MaxAttempts, &z.Draw, &z.RetakeAfterPass)
	if isNoRows(err) {
		return z, db.ErrNotFound
	}
	return z, err
}

// GetQuiz returns a quiz without its questions.
func GetQuiz(ctx context.Context, q db.Queryer, id int64) (Quiz, error) {
	return scanQuiz(q.QueryRowContext(ctx, "SELECT "+quizColumns+" FROM quizzes z WHERE z.id = ?", id))
}

func listQuizzesOfCourse(ctx context.Context, q db.Queryer, courseID int64) ([]Quiz, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+quizColumns+" FROM quizzes z JOIN course_modules m ON m.id = z.module_id WHERE m.course_id = ?", courseID)
	if err != nil {
		return nil, fmt.Errorf("list quizzes: %w", err)
	}
	defer rows.Close()
	out := []Quiz{}
	for rows.Next() {
		z, err := scanQuiz(rows)
		if err != nil {
			return nil, fmt.Errorf("list quizzes: %w", err)
		}
		out = append(out, z)
	}
	return out, rows.Err()
}
