package academy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// LockedError refuses a lesson or quiz of a module that is still locked.
// It counts as authz.ErrForbidden (403) and says what to complete first.
type LockedError struct {
	Module   Module // the locked module
	Requires Module // the module to complete first
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("module %d (%s) is locked: complete module %d (%s) first — its lessons, quiz and assignment",
		e.Module.Position, e.Module.Title, e.Requires.Position, e.Requires.Title)
}

// Is makes a LockedError an authz.ErrForbidden for error mapping.
func (e *LockedError) Is(target error) bool { return target == authz.ErrForbidden }

// Errors of quizzes.
var (
	ErrAlreadyPassed  = errors.New("you have passed this quiz; it cannot be taken again")
	ErrNoAttemptsLeft = errors.New("you have used every attempt this quiz allows")
	ErrSubmitted      = errors.New("this attempt has been submitted already")
	ErrNotParticipant = errors.New("only participants of the cohort take its lessons and quizzes")
)

// Catalogue returns the courses, with their outlines, of every
// organisation where p may use the academy.
func (s *Service) Catalogue(ctx context.Context, p *authz.Principal) ([]Course, error) {
	var orgs []int64
	for _, m := range p.Memberships {
		if authz.Allowed(m.Role, authz.UseAcademy) {
			orgs = append(orgs, m.OrgID)
		}
	}
	cs, err := ListCourses(ctx, s.DB.R(), orgs)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if err := LoadOutline(ctx, s.DB.R(), &cs[i]); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// Courses returns an organisation's courses with their outlines for a
// member who may use its academy.
func (s *Service) Courses(ctx context.Context, p *authz.Principal, orgID int64) ([]Course, error) {
	st, _ := s.Standing(ctx, p, orgID, 0)
	if err := RequireCatalogue(st); err != nil {
		return nil, err
	}
	cs, err := ListCourses(ctx, s.DB.R(), []int64{orgID})
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if err := LoadOutline(ctx, s.DB.R(), &cs[i]); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// Course returns a course with its outline for someone who may see the
// catalogue of its organisation; others get authz.ErrNotMember.
func (s *Service) Course(ctx context.Context, p *authz.Principal, id int64) (Course, error) {
	c, err := GetCourse(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return c, authz.ErrNotMember
	}
	if err != nil {
		return c, err
	}
	st, _ := s.Standing(ctx, p, c.OrgID, 0)
	if !CanSeeCatalogue(st) {
		return Course{}, authz.ErrNotMember
	}
	return c, LoadOutline(ctx, s.DB.R(), &c)
}

// CourseBySlug is Course for an organisation's course named by slug.
func (s *Service) CourseBySlug(ctx context.Context, p *authz.Principal, orgID int64, slug string) (Course, error) {
	st, _ := s.Standing(ctx, p, orgID, 0)
	if err := RequireCatalogue(st); err != nil {
		return Course{}, err
	}
	c, err := GetCourseBySlug(ctx, s.DB.R(), orgID, slug)
	if errors.Is(err, db.ErrNotFound) {
		return c, db.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	return c, LoadOutline(ctx, s.DB.R(), &c)
}

// outline loads the course of a cohort with its outline.
func (s *Service) outline(ctx context.Context, h Cohort) (Course, error) {
	c, err := GetCourse(ctx, s.DB.R(), h.CourseID)
	if err != nil {
		return c, err
	}
	return c, LoadOutline(ctx, s.DB.R(), &c)
}

// progressOf computes one participant's progress in a cohort.
func (s *Service) progressOf(ctx context.Context, h Cohort, c *Course, userID int64) (Progress, error) {
	w, err := loadWork(ctx, s.DB.R(), h.ID, userID)
	if err != nil {
		return Progress{}, err
	}
	mine := w[userID]
	if mine == nil {
		mine = newWork()
	}
	return computeProgress(c, h.ID, userID, mine), nil
}

// CohortView is a cohort with its course and, for a participant, their
// progress.
type CohortView struct {
	Cohort   Cohort
	Standing Standing
	Course   Course
	Progress *Progress // nil for trainers and organisers
}

// CohortOverview returns a cohort's course outline and p's progress in it.
func (s *Service) CohortOverview(ctx context.Context, p *authz.Principal, cohortID int64) (CohortView, error) {
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return CohortView{}, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return CohortView{}, err
	}
	v := CohortView{Cohort: h, Standing: st, Course: c}
	if st.Participant() {
		pr, err := s.progressOf(ctx, h, &c, p.UserID)
		if err != nil {
			return v, err
		}
		v.Progress = &pr
	}
	return v, nil
}

// Progress returns one participant's progress in a cohort: their own, or
// anyone's for the cohort's trainers and organisers.
func (s *Service) Progress(ctx context.Context, p *authz.Principal, cohortID, userID int64) (Progress, Member, error) {
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return Progress{}, Member{}, err
	}
	if !CanSeeProgressOf(st, userID) {
		return Progress{}, Member{}, authz.ErrForbidden
	}
	ms, err := ListCohortMembers(ctx, s.DB.R(), h.ID)
	if err != nil {
		return Progress{}, Member{}, err
	}
	i := slices.IndexFunc(ms, func(m Member) bool { return m.UserID == userID && m.Role == RoleParticipant })
	if i < 0 {
		return Progress{}, Member{}, db.ErrNotFound
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return Progress{}, Member{}, err
	}
	pr, err := s.progressOf(ctx, h, &c, userID)
	return pr, ms[i], err
}

// ParticipantProgress is one row of a cohort's progress table.
type ParticipantProgress struct {
	Member   Member   `json:"member"`
	Progress Progress `json:"progress"`
}

// CohortProgress returns every participant's progress, for the cohort's
// trainers and the organisers.
func (s *Service) CohortProgress(ctx context.Context, p *authz.Principal, cohortID int64) (Cohort, Course, []ParticipantProgress, error) {
	h, _, err := s.CohortFor(ctx, p, cohortID, CanSeeCohortProgress)
	if err != nil {
		return h, Course{}, nil, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return h, c, nil, err
	}
	ms, err := ListCohortMembers(ctx, s.DB.R(), h.ID)
	if err != nil {
		return h, c, nil, err
	}
	w, err := loadWork(ctx, s.DB.R(), h.ID, 0)
	if err != nil {
		return h, c, nil, err
	}
	out := []ParticipantProgress{}
	for _, m := range ms {
		if m.Role != RoleParticipant {
			continue
		}
		mine := w[m.UserID]
		if mine == nil {
			mine = newWork()
		}
		out = append(out, ParticipantProgress{Member: m, Progress: computeProgress(&c, h.ID, m.UserID, mine)})
	}
	return h, c, out, nil
}

// LessonView is a lesson opened in a cohort, in the reader's language.
type LessonView struct {
	Cohort     Cohort
	Standing   Standing
	Course     Course // with outline
	Module     Module
	Lesson     Lesson
	Title      string // in Language
	Body       string // Markdown, in Language
	Language   string
	Original   string   // the course's language
	Available  []string // languages the lesson can be read in, the original first
	Translated bool     // Language is a translation
	Progress   *Progress
	Done       bool
	Prev, Next *Lesson // neighbours in the course, across modules
}

// unlocked checks that module m is open for a participant.
func unlocked(c *Course, pr *Progress, moduleID int64) error {
	mp, i, ok := pr.Module(moduleID)
	if !ok || mp.Unlocked {
		return nil
	}
	return &LockedError{Module: c.Modules[i], Requires: c.Modules[i-1]}
}

// OpenLesson returns a lesson of a cohort's course. lang is the language
// asked for explicitly (the switch on the page; "" for none), prefer the
// reader's interface language: a translation in lang, else in prefer, else
// the original. Participants must have the module unlocked (a
// *LockedError otherwise); opening a lesson records it as viewed and, for
// lessons completed on view, as done. Trainers and organisers read every
// lesson without locks or records.
func (s *Service) OpenLesson(ctx context.Context, p *authz.Principal, cohortID, lessonID int64, lang, prefer string) (LessonView, error) {
	var v LessonView
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return v, err
	}
	ref, err := GetLesson(ctx, s.DB.R(), lessonID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && ref.Course.ID != h.CourseID) {
		return v, db.ErrNotFound
	}
	if err != nil {
		return v, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return v, err
	}
	v = LessonView{Cohort: h, Standing: st, Course: c, Module: ref.Module, Lesson: ref.Lesson, Title: ref.Title, Body: ref.Body,
		Language: c.Language, Original: c.Language, Available: []string{c.Language}}
	trs, err := ListTranslations(ctx, s.DB.R(), lessonID)
	if err != nil {
		return v, err
	}
	var chosen *Translation
	for i := range trs {
		v.Available = append(v.Available, trs[i].Language)
	}
	for _, want := range []string{lang, prefer} {
		if want == "" {
			continue
		}
		if want == c.Language {
			break
		}
		if i := slices.IndexFunc(trs, func(t Translation) bool { return t.Language == want }); i >= 0 {
			chosen = &trs[i]
			break
		}
		if want == lang {
			break // an explicit choice of a language without translation: the original
		}
	}
	if chosen != nil {
		v.Title, v.Body, v.Language, v.Translated = chosen.Title, chosen.Body, chosen.Language, true
	}
	v.Prev, v.Next = neighbours(&c, lessonID)
	switch {
	case st.Participant():
		pr, err := s.progressOf(ctx, h, &c, p.UserID)
		if err != nil {
			return v, err
		}
		if err := unlocked(&c, &pr, ref.Module.ID); err != nil {
			return v, err
		}
		complete := ref.Completion == CompleteOnView
		if !pr.Done[lessonID] || !complete {
			newly, err := s.saveLesson(ctx, h, &c, p.UserID, lessonID, complete)
			if err != nil {
				return v, err
			}
			if newly {
				s.afterWork(ctx, h.ID, p.UserID)
			}
		}
		if complete && !pr.Done[lessonID] {
			if pr, err = s.progressOf(ctx, h, &c, p.UserID); err != nil {
				return v, err
			}
		}
		v.Progress, v.Done = &pr, pr.Done[lessonID]
	case CanPreviewLessons(st):
	default:
		return v, authz.ErrForbidden
	}
	return v, nil
}

// neighbours returns the lessons before and after id in course order.
func neighbours(c *Course, id int64) (prev, next *Lesson) {
	var all []*Lesson
	for i := range c.Modules {
		for j := range c.Modules[i].Lessons {
			all = append(all, &c.Modules[i].Lessons[j])
		}
	}
	for i, l := range all {
		if l.ID != id {
			continue
		}
		if i > 0 {
			prev = all[i-1]
		}
		if i+1 < len(all) {
			next = all[i+1]
		}
	}
	return prev, next
}

// participantIn loads a cohort for one of its participants with their
// progress, and checks that moduleID is unlocked.
func (s *Service) participantIn(ctx context.Context, p *authz.Principal, cohortID, moduleID int64) (Cohort, Course, Progress, error) {
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return h, Course{}, Progress{}, err
	}
	if !CanTakeCourse(st) {
		return h, Course{}, Progress{}, authz.ErrForbidden
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return h, c, Progress{}, err
	}
	pr, err := s.progressOf(ctx, h, &c, p.UserID)
	if err != nil {
		return h, c, pr, err
	}
	if moduleID != 0 {
		if _, _, ok := pr.Module(moduleID); !ok {
			return h, c, pr, db.ErrNotFound
		}
		if err := unlocked(&c, &pr, moduleID); err != nil {
			return h, c, pr, err
		}
	}
	return h, c, pr, nil
}

// MarkDone records that a participant completed a lesson.
func (s *Service) MarkDone(ctx context.Context, p *authz.Principal, cohortID, lessonID int64) error {
	ref, err := GetLesson(ctx, s.DB.R(), lessonID)
	if errors.Is(err, db.ErrNotFound) {
		// Check the cohort first, so that strangers get the cohort's answer.
		if _, _, err := s.Cohort(ctx, p, cohortID); err != nil {
			return err
		}
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	h, c, _, err := s.participantIn(ctx, p, cohortID, ref.Module.ID)
	if err != nil {
		return err
	}
	if ref.Course.ID != h.CourseID {
		return db.ErrNotFound
	}
	newly, err := s.saveLesson(ctx, h, &c, p.UserID, lessonID, true)
	if err == nil && newly {
		s.afterWork(ctx, h.ID, p.UserID)
	}
	return err
}

// QuizView is a quiz seen by a participant (or previewed by a trainer).
type QuizView struct {
	Cohort    Cohort
	Standing  Standing
	Course    Course
	Module    Module
	Quiz      Quiz
	Bank      int       // questions in the bank
	Attempts  []Attempt // the participant's, in order
	Open      *Attempt  // an attempt in progress
	Passed    bool
	CanStart  bool
	WhyNot    error // why no new attempt can start
	Remaining int   // attempts left; -1 unlimited
}

// quizOf finds a quiz of the cohort's course and its module.
func quizOf(c *Course, quizID int64) (Module, Quiz, bool) {
	for _, m := range c.Modules {
		if m.Quiz != nil && m.Quiz.ID == quizID {
			mm := m
			mm.Lessons = nil
			return mm, *m.Quiz, true
		}
	}
	return Module{}, Quiz{}, false
}

// Quiz returns a quiz of a cohort with the participant's attempts and
// whether they may start one.
func (s *Service) Quiz(ctx context.Context, p *authz.Principal, cohortID, quizID int64) (QuizView, error) {
	var v QuizView
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return v, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return v, err
	}
	m, z, ok := quizOf(&c, quizID)
	if !ok {
		return v, db.ErrNotFound
	}
	bank, err := listQuestions(ctx, s.DB.R(), z.ID)
	if err != nil {
		return v, err
	}
	v = QuizView{Cohort: h, Standing: st, Course: c, Module: m, Quiz: z, Bank: len(bank), Remaining: -1}
	if !st.Participant() {
		if !CanPreviewLessons(st) {
			return v, authz.ErrForbidden
		}
		return v, nil
	}
	pr, err := s.progressOf(ctx, h, &c, p.UserID)
	if err != nil {
		return v, err
	}
	if err := unlocked(&c, &pr, m.ID); err != nil {
		return v, err
	}
	if v.Attempts, err = listAttempts(ctx, s.DB.R(), h.ID, p.UserID, z.ID); err != nil {
		return v, err
	}
	v.Open, v.Passed, v.WhyNot = policy(z, v.Attempts)
	v.CanStart = v.WhyNot == nil && v.Open == nil
	if z.MaxAttempts > 0 {
		v.Remaining = max(0, z.MaxAttempts-submittedCount(v.Attempts))
	}
	return v, nil
}

func submittedCount(as []Attempt) int {
	n := 0
	for _, a := range as {
		if !a.Open() {
			n++
		}
	}
	return n
}

// policy applies the attempts policy to a participant's attempts: the
// attempt in progress (if any), whether they passed, and why a new attempt
// may not start (nil when it may).
func policy(z Quiz, as []Attempt) (open *Attempt, passed bool, whyNot error) {
	for i := range as {
		if as[i].Open() {
			open = &as[i]
		}
		passed = passed || as[i].Passed
	}
	switch {
	case passed && !z.RetakeAfterPass:
		whyNot = ErrAlreadyPassed
	case z.MaxAttempts > 0 && submittedCount(as) >= z.MaxAttempts:
		whyNot = ErrNoAttemptsLeft
	}
	return open, passed, whyNot
}

// StartAttempt starts an attempt at a quiz, or returns the one in progress
// (a reload or a second click shows the same questions). The questions
// are drawn from the bank and their options shuffled once, here.
func (s *Service) StartAttempt(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID, quizID int64) (Attempt, error) {
	h, c, pr, err := s.participantIn(ctx, p, cohortID, 0)
	if err != nil {
		return Attempt{}, err
	}
	m, z, ok := quizOf(&c, quizID)
	if !ok {
		return Attempt{}, db.ErrNotFound
	}
	if err := unlocked(&c, &pr, m.ID); err != nil {
		return Attempt{}, err
	}
	bank, err := listQuestions(ctx, s.DB.R(), z.ID)
	if err != nil {
		return Attempt{}, err
	}
	if len(bank) == 0 {
		return Attempt{}, db.ErrNotFound
	}
	var at Attempt
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		as, err := listAttempts(ctx, tx, h.ID, p.UserID, z.ID)
		if err != nil {
			return err
		}
		open, _, whyNot := policy(z, as)
		if open != nil {
			at = *open
			return nil
		}
		if whyNot != nil {
			return whyNot
		}
		at = Attempt{CohortID: h.ID, UserID: p.UserID, QuizID: z.ID, Number: len(as) + 1, Drawn: draw(bank, z.Draw, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))), Answers: map[int64]Answer{}}
		if err := insertAttempt(ctx, tx, &at); err != nil {
			return fmt.Errorf("start attempt: %w", err)
		}
		if err := s.recordAttempt(ctx, tx, h, m, z, at, c.Language); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(h.OrgID, "quiz.start", "attempt:"+strconv.FormatInt(at.ID, 10), map[string]string{"quiz": strconv.FormatInt(z.ID, 10), "number": strconv.Itoa(at.Number)}))
	})
	return at, err
}

// AttemptQuestion is one question of an attempt as shown: its options in
// the attempt's order, the answer given and, once submitted, the grading.
type AttemptQuestion struct {
	Question Question
	Order    []int
	Answer   Answer
	Result   Result
}

// AttemptView is an attempt with its questions.
type AttemptView struct {
	Attempt   Attempt
	Cohort    Cohort
	Standing  Standing
	Module    Module
	Quiz      Quiz
	Questions []AttemptQuestion
	Mine      bool // the reader took it
}

// Attempt returns an attempt of a cohort for the participant who took it,
// or the cohort's trainers and organisers. Others get db.ErrNotFound.
func (s *Service) Attempt(ctx context.Context, p *authz.Principal, cohortID, attemptID int64) (AttemptView, error) {
	var v AttemptView
	h, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return v, err
	}
	at, err := GetAttempt(ctx, s.DB.R(), attemptID)
	if err != nil {
		return v, err
	}
	if at.CohortID != h.ID || !CanSeeProgressOf(st, at.UserID) {
		return v, db.ErrNotFound
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return v, err
	}
	m, z, ok := quizOf(&c, at.QuizID)
	if !ok {
		// The quiz left the course (its module was retired): show it anyway.
		if z, err = GetQuiz(ctx, s.DB.R(), at.QuizID); err != nil {
			return v, err
		}
	}
	qs, err := questionsByID(ctx, s.DB.R(), z.ID)
	if err != nil {
		return v, err
	}
	v = AttemptView{Attempt: at, Cohort: h, Standing: st, Module: m, Quiz: z, Mine: at.UserID == p.UserID}
	for _, d := range at.Drawn {
		q, ok := qs[d.QuestionID]
		if !ok {
			continue
		}
		aq := AttemptQuestion{Question: q, Order: d.Order, Answer: at.Answers[q.ID]}
		if !at.Open() {
			aq.Result = Grade(q, aq.Answer)
		}
		v.Questions = append(v.Questions, aq)
	}
	return v, nil
}

// SubmitAttempt grades an open attempt with the answers given (by question
// id) and stores the result. Only the participant who took it submits it.
func (s *Service) SubmitAttempt(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID, attemptID int64, answers map[int64]Answer) (Attempt, error) {
	v, err := s.Attempt(ctx, p, cohortID, attemptID)
	if err != nil {
		return Attempt{}, err
	}
	if !v.Mine {
		return Attempt{}, authz.ErrForbidden
	}
	at := v.Attempt
	if !at.Open() {
		return at, ErrSubmitted
	}
	if _, _, _, err := s.participantIn(ctx, p, cohortID, v.Module.ID); err != nil {
		return at, err
	}
	qs := map[int64]Question{}
	for _, aq := range v.Questions {
		qs[aq.Question.ID] = aq.Question
	}
	at.Answers = map[int64]Answer{}
	for id, ans := range answers {
		if _, drawn := qs[id]; drawn {
			at.Answers[id] = ans
		}
	}
	at.Score, at.MaxScore, _ = grade(at.Drawn, qs, at.Answers)
	at.Passed = passes(at.Score, at.MaxScore, v.Quiz.PassPercent)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := finishAttempt(ctx, tx, &at)
		if err != nil {
			return err
		}
		if !ok {
			return ErrSubmitted
		}
		if err := s.recordAttempt(ctx, tx, v.Cohort, v.Module, v.Quiz, at, s.courseLanguage(ctx, tx, v.Cohort.CourseID)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(v.Cohort.OrgID, "quiz.submit", "attempt:"+strconv.FormatInt(at.ID, 10),
			map[string]string{"score": strconv.Itoa(at.Score), "max": strconv.Itoa(at.MaxScore), "passed": strconv.FormatBool(at.Passed)}))
	})
	if err == nil && at.Passed {
		s.afterWork(ctx, v.Cohort.ID, p.UserID)
	}
	return at, err
}
