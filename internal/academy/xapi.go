package academy

// xAPI (Experience API 1.0.3) statements of what participants do: lesson
// completion, quiz attempts, submissions and certificates. They are
// written in the transaction of what they record, exported per cohort as
// JSON, and sent to a Learning Record Store when one is configured
// (xapi_send.go).
//
// The actor is an account on this instance ({homePage: base URL, name:
// user id}), never an email address: the statements leave the instance.
// Activity ids are IRIs under the base URL ({base}/academy/lessons/{id} …,
// the certificate's own {base}/credentials/{code}); they name things and
// need not resolve. The cohort is in the context: as a grouping activity,
// with the course, and as the registration (a UUID derived from the
// cohort and the participant, the same in every statement of that
// enrolment).

import (
	"context"
	"crypto/rand"
	"crypto/sha1" // #nosec G505 -- UUID version 5 is defined with SHA-1 (RFC 9562 §5.5); not used for security
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// Verb is an xAPI verb: an IRI and its display names.
type Verb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

// Name is the verb's English display name, stored with each statement.
func (v Verb) Name() string { return v.Display["en-US"] }

// The verbs the academy records. Completed, attempted, passed and failed
// are ADL's; ADL defines no verb for handing work in or for earning a
// credential, so "submitted" is the Activity Streams verb of the xAPI
// registry and "earned" the Open Badges xAPI recipe's.
var (
	VerbCompleted = Verb{ID: "http://adlnet.gov/expapi/verbs/completed", Display: map[string]string{"en-US": "completed"}}
	VerbAttempted = Verb{ID: "http://adlnet.gov/expapi/verbs/attempted", Display: map[string]string{"en-US": "attempted"}}
	VerbPassed    = Verb{ID: "http://adlnet.gov/expapi/verbs/passed", Display: map[string]string{"en-US": "passed"}}
	VerbFailed    = Verb{ID: "http://adlnet.gov/expapi/verbs/failed", Display: map[string]string{"en-US": "failed"}}
	VerbSubmitted = Verb{ID: "http://activitystrea.ms/schema/1.0/submit", Display: map[string]string{"en-US": "submitted"}}
	VerbEarned    = Verb{ID: "http://specification.openbadges.org/xapi/verbs/earned.json", Display: map[string]string{"en-US": "earned"}}
)

// Activity types (ADL's where there is one).
const (
	ActivityCourse     = "http://adlnet.gov/expapi/activities/course"
	ActivityModule     = "http://adlnet.gov/expapi/activities/module"
	ActivityLesson     = "http://adlnet.gov/expapi/activities/lesson"
	ActivityAssessment = "http://adlnet.gov/expapi/activities/assessment"  // a quiz
	ActivityTask       = "http://adlnet.gov/expapi/activities/performance" // an assignment
	ActivityGroup      = "http://activitystrea.ms/schema/1.0/group"        // a cohort
	ActivityBadge      = "http://activitystrea.ms/schema/1.0/badge"        // a certificate
)

// XAPIStatement is an xAPI statement as the academy writes it.
type XAPIStatement struct {
	ID        string    `json:"id"`
	Actor     Agent     `json:"actor"`
	Verb      Verb      `json:"verb"`
	Object    Activity  `json:"object"`
	Result    *XResult  `json:"result,omitempty"`
	Context   *XContext `json:"context,omitempty"`
	Timestamp string    `json:"timestamp"`
}

// Agent is the actor: an account on this instance.
type Agent struct {
	ObjectType string  `json:"objectType"`
	Account    Account `json:"account"`
}

// Account names a user of a system.
type Account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Activity is an xAPI activity.
type Activity struct {
	ObjectType string              `json:"objectType"`
	ID         string              `json:"id"`
	Definition *ActivityDefinition `json:"definition,omitempty"`
}

// ActivityDefinition gives an activity's type and name.
type ActivityDefinition struct {
	Type string            `json:"type"`
	Name map[string]string `json:"name,omitempty"`
}

// XResult is a statement's result.
type XResult struct {
	Score      *Score `json:"score,omitempty"`
	Success    *bool  `json:"success,omitempty"`
	Completion *bool  `json:"completion,omitempty"`
}

// Score is a result's score; Scaled is Raw/Max.
type Score struct {
	Scaled float64 `json:"scaled"`
	Raw    float64 `json:"raw"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// XContext is a statement's context.
type XContext struct {
	Registration      string             `json:"registration"`
	ContextActivities *ContextActivities `json:"contextActivities,omitempty"`
	Platform          string             `json:"platform"`
	Language          string             `json:"language,omitempty"`
}

// ContextActivities relate the object to the course and cohort.
type ContextActivities struct {
	Parent   []Activity `json:"parent,omitempty"`
	Grouping []Activity `json:"grouping,omitempty"`
}

// XAPIEvent is what happened, for RecordXAPI.
type XAPIEvent struct {
	UserID   int64
	Cohort   Cohort // its ID, CourseID and CourseTitle are used
	Verb     Verb
	Object   Activity
	Parent   []Activity // e.g. the module of a lesson
	Result   *XResult
	Language string // of the activity names (the course's language)
	At       time.Time
}

// NewScore is the score of raw points out of max.
func NewScore(raw, max int) *Score {
	s := &Score{Raw: float64(raw), Max: float64(max)}
	if max > 0 {
		s.Scaled = float64(raw) / float64(max)
	}
	return s
}

func boolPtr(b bool) *bool { return &b }

// activity builds an activity under the base URL.
func (s *Service) activity(path, kind, name, lang string) Activity {
	a := Activity{ObjectType: "Activity", ID: s.BaseURL + path, Definition: &ActivityDefinition{Type: kind}}
	if name != "" {
		if lang == "" {
			lang = "en"
		}
		a.Definition.Name = map[string]string{lang: name}
	}
	return a
}

func (s *Service) courseActivity(id int64, title, lang string) Activity {
	return s.activity("/academy/courses/"+strconv.FormatInt(id, 10), ActivityCourse, title, lang)
}

func (s *Service) moduleActivity(m Module, lang string) Activity {
	return s.activity("/academy/modules/"+strconv.FormatInt(m.ID, 10), ActivityModule, m.Title, lang)
}

func (s *Service) lessonActivity(l Lesson, lang string) Activity {
	return s.activity("/academy/lessons/"+strconv.FormatInt(l.ID, 10), ActivityLesson, l.Title, lang)
}

func (s *Service) quizActivity(z Quiz, lang string) Activity {
	return s.activity("/academy/quizzes/"+strconv.FormatInt(z.ID, 10), ActivityAssessment, z.Title, lang)
}

// AssignmentActivity is the xAPI activity of an assignment.
func (s *Service) AssignmentActivity(a Assignment, lang string) Activity {
	return s.activity("/academy/assignments/"+strconv.FormatInt(a.ID, 10), ActivityTask, a.Title, lang)
}

func (s *Service) cohortActivity(h Cohort) Activity {
	return s.activity("/academy/cohorts/"+strconv.FormatInt(h.ID, 10), ActivityGroup, h.Name, "")
}

// registration is the UUID of a participant's enrolment in a cohort: a
// name-based UUID (version 5) of an IRI, so it is the same in every
// statement and on every instance sharing the base URL.
func (s *Service) registration(cohortID, userID int64) string {
	return uuidV5(uuidNamespaceURL, fmt.Sprintf("%s/academy/cohorts/%d/participants/%d", s.BaseURL, cohortID, userID))
}

// BuildStatement builds the statement of an event (a new id each time).
func (s *Service) BuildStatement(e XAPIEvent) XAPIStatement {
	at := e.At
	if at.IsZero() {
		at = now()
	}
	lang := e.Language
	grouping := []Activity{s.courseActivity(e.Cohort.CourseID, e.Cohort.CourseTitle, lang), s.cohortActivity(e.Cohort)}
	if e.Object.Definition != nil && e.Object.Definition.Type == ActivityCourse {
		grouping = grouping[1:] // the course is the object itself
	}
	return XAPIStatement{
		ID:     uuidV4(),
		Actor:  Agent{ObjectType: "Agent", Account: Account{HomePage: s.BaseURL, Name: strconv.FormatInt(e.UserID, 10)}},
		Verb:   e.Verb,
		Object: e.Object,
		Result: e.Result,
		Context: &XContext{
			Registration:      s.registration(e.Cohort.ID, e.UserID),
			ContextActivities: &ContextActivities{Parent: e.Parent, Grouping: grouping},
			Platform:          "Attaché",
			Language:          lang,
		},
		Timestamp: at.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

// RecordXAPI stores the statement of an event in q, which should be the
// transaction of the change it records.
func (s *Service) RecordXAPI(ctx context.Context, q db.Queryer, e XAPIEvent) error {
	st := s.BuildStatement(e)
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("xapi: %w", err)
	}
	_, err = q.ExecContext(ctx, "INSERT INTO xapi_statements (id, user_id, cohort_id, verb, statement, stored_at) VALUES (?, ?, ?, ?, ?, ?)",
		st.ID, nullID(e.UserID), nullID(e.Cohort.ID), e.Verb.Name(), string(b), now())
	if err != nil {
		return fmt.Errorf("record xapi statement: %w", err)
	}
	return nil
}

// RecordSubmitted stores the "submitted" statement of a participant's
// submission of an assignment (each revision is one) in q, the
// transaction that stores the submission.
func (s *Service) RecordSubmitted(ctx context.Context, q db.Queryer, h Cohort, userID int64, as Assignment, at time.Time) error {
	lang := s.courseLanguage(ctx, q, h.CourseID)
	return s.RecordXAPI(ctx, q, XAPIEvent{
		UserID: userID, Cohort: h, Verb: VerbSubmitted, Object: s.AssignmentActivity(as, lang),
		Parent:   []Activity{{ObjectType: "Activity", ID: s.BaseURL + "/academy/modules/" + strconv.FormatInt(as.ModuleID, 10)}},
		Result:   &XResult{Completion: boolPtr(true)},
		Language: lang, At: at,
	})
}

// courseLanguage is a course's language ("en" when unknown).
func (s *Service) courseLanguage(ctx context.Context, q db.Queryer, courseID int64) string {
	var lang string
	if err := q.QueryRowContext(ctx, "SELECT language FROM courses WHERE id = ?", courseID).Scan(&lang); err != nil || lang == "" {
		return "en"
	}
	return lang
}

// saveLesson records that a participant opened a lesson and, with
// complete, that they completed it; the first completion is recorded as
// an xAPI statement in the same transaction. It reports whether this call
// completed the lesson.
func (s *Service) saveLesson(ctx context.Context, h Cohort, c *Course, userID, lessonID int64, complete bool) (bool, error) {
	newly := false
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := getLessonState(ctx, tx, h.ID, userID, lessonID)
		if err != nil {
			return err
		}
		if err := recordLesson(ctx, tx, h.ID, userID, lessonID, complete); err != nil {
			return err
		}
		if !complete || before.CompletedAt != nil {
			return nil
		}
		newly = true
		for _, m := range c.Modules {
			for _, l := range m.Lessons {
				if l.ID == lessonID {
					return s.RecordXAPI(ctx, tx, XAPIEvent{UserID: userID, Cohort: h, Verb: VerbCompleted, Object: s.lessonActivity(l, c.Language),
						Parent: []Activity{s.moduleActivity(m, c.Language)}, Result: &XResult{Completion: boolPtr(true)}, Language: c.Language})
				}
			}
		}
		return nil
	})
	return newly, err
}

// recordAttempt records the start of a quiz attempt ("attempted") or its
// graded end ("passed" or "failed", with the score). lang is the course's
// language.
func (s *Service) recordAttempt(ctx context.Context, q db.Queryer, h Cohort, m Module, z Quiz, at Attempt, lang string) error {
	e := XAPIEvent{UserID: at.UserID, Cohort: h, Verb: VerbAttempted, Object: s.quizActivity(z, lang),
		Parent: []Activity{s.moduleActivity(m, lang)}, Language: lang, At: at.StartedAt}
	if !at.Open() {
		e.Verb, e.At = VerbFailed, *at.SubmittedAt
		if at.Passed {
			e.Verb = VerbPassed
		}
		e.Result = &XResult{Score: NewScore(at.Score, at.MaxScore), Success: boolPtr(at.Passed), Completion: boolPtr(true)}
	}
	if m.ID == 0 {
		e.Parent = nil // the quiz's module left the course
	}
	return s.RecordXAPI(ctx, q, e)
}

// XAPIStatements returns the statements of a cohort, oldest first, for
// its organisers.
func (s *Service) XAPIStatements(ctx context.Context, p *authz.Principal, cohortID int64) (Cohort, []json.RawMessage, error) {
	h, _, err := s.CohortFor(ctx, p, cohortID, CanManageCohort)
	if err != nil {
		return h, nil, err
	}
	rows, err := s.DB.R().QueryContext(ctx, "SELECT statement FROM xapi_statements WHERE cohort_id = ? ORDER BY stored_at, id", h.ID)
	if err != nil {
		return h, nil, fmt.Errorf("list xapi statements: %w", err)
	}
	defer rows.Close()
	out := []json.RawMessage{}
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return h, nil, fmt.Errorf("list xapi statements: %w", err)
		}
		out = append(out, json.RawMessage(st))
	}
	return h, out, rows.Err()
}

// uuidV4 is a random UUID (RFC 9562 version 4).
func uuidV4() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("crypto/rand failed")) // never on supported systems
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuidNamespaceURL is RFC 9562's namespace for names that are URLs.
var uuidNamespaceURL = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// uuidV5 is the name-based UUID (version 5, SHA-1) of name in ns.
func uuidV5(ns [16]byte, name string) string {
	h := sha1.New() // #nosec G401 -- required by the UUID version 5 algorithm
	h.Write(ns[:])
	h.Write([]byte(name))
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
