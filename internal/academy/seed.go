package academy

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
)

// builtin holds the courses shipped with Attaché, one folder per course
// in the seed format (docs: internal/academy/seed/README.md).
//
//go:embed seed
var builtin embed.FS

// Builtin returns the built-in seed folders as a file system whose
// top-level directories are the courses.
func Builtin() fs.FS {
	sub, err := fs.Sub(builtin, "seed")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// SeedError names the seed file and the field that is wrong.
type SeedError struct {
	File   string // path inside the seed file system
	Field  string // JSON Pointer-like path inside the file ("" for the whole file)
	Reason string
}

func (e *SeedError) Error() string {
	if e.Field == "" {
		return e.File + ": " + e.Reason
	}
	return e.File + ": " + e.Field + ": " + e.Reason
}

// seed file shapes (see seed/README.md)

type seedCourse struct {
	Slug           string       `json:"slug"`
	Title          string       `json:"title"`
	Summary        string       `json:"summary"`
	Language       string       `json:"language"`
	SelfAssessment []Statement  `json:"self_assessment"`
	Modules        []seedModule `json:"modules"`
	// ModulesFiles lets a long course keep its modules in several files
	// (each a JSON array of modules, or an object with "modules"); they
	// are appended after Modules in the order listed.
	ModulesFiles []string `json:"modules_files"`
}

type seedModule struct {
	Slug             string          `json:"slug"`
	Title            string          `json:"title"`
	Summary          string          `json:"summary"`
	RequiresPrevious bool            `json:"requires_previous"`
	Lessons          []seedLesson    `json:"lessons"`
	Quiz             *seedQuiz       `json:"quiz"`
	Assignment       *seedAssignment `json:"assignment"`
}

type seedLesson struct {
	Slug         string                     `json:"slug"`
	Title        string                     `json:"title"`
	File         string                     `json:"file"`
	Completion   Completion                 `json:"completion"`
	Translations map[string]seedTranslation `json:"translations"`
}

type seedTranslation struct {
	Title string `json:"title"`
	File  string `json:"file"`
}

type seedQuiz struct {
	Title           string         `json:"title"`
	PassPercent     int            `json:"pass_percent"`
	MaxAttempts     int            `json:"max_attempts"`
	Draw            int            `json:"draw"`
	RetakeAfterPass bool           `json:"retake_after_pass"`
	Questions       []seedQuestion `json:"questions"`
}

type seedQuestion struct {
	ID       string      `json:"id"`
	Kind     Kind        `json:"kind"`
	Prompt   string      `json:"prompt"`
	Points   int         `json:"points"`
	Feedback string      `json:"feedback"`
	Choices  []string    `json:"choices"`
	Correct  []int       `json:"correct"`
	Answer   *bool       `json:"answer"`
	Accepted []string    `json:"accepted"`
	Pairs    [][2]string `json:"pairs"`
	Items    []string    `json:"items"`
}

type seedAssignment struct {
	Slug       string         `json:"slug"`
	Title      string         `json:"title"`
	Kind       AssignmentKind `json:"kind"`
	BriefFile  string         `json:"brief_file"`
	PeerReview bool           `json:"peer_review"`
	Rubric     Rubric         `json:"rubric"`
}

// decodeStrict reads one JSON value and refuses unknown fields, so a typo
// in a seed file is an error rather than a silently missing setting.
func decodeStrict(file string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return &SeedError{File: file, Reason: fmt.Sprintf("line %d: %v", line, se)}
		case errors.As(err, &te):
			return &SeedError{File: file, Field: strings.ReplaceAll(te.Field, ".", "/"), Reason: fmt.Sprintf("must be %s, not %s", te.Type, te.Value)}
		}
		return &SeedError{File: file, Reason: err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &SeedError{File: file, Reason: "holds more than one JSON value"}
	}
	return nil
}

// ParseCourse reads and validates the course in folder dir of fsys: its
// course.json, lesson and brief files. Errors are *SeedError naming the
// file and the field.
func ParseCourse(fsys fs.FS, dir string) (*Course, error) {
	file := path.Join(dir, "course.json")
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &SeedError{File: file, Reason: "cannot be read: " + err.Error()}
	}
	var sc seedCourse
	if err := decodeStrict(file, data, &sc); err != nil {
		return nil, err
	}
	for i, mf := range sc.ModulesFiles {
		name, err := seedPath(dir, mf)
		if err != nil {
			return nil, &SeedError{File: file, Field: fmt.Sprintf("modules_files/%d", i), Reason: err.Error()}
		}
		part, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, &SeedError{File: file, Field: fmt.Sprintf("modules_files/%d", i), Reason: "cannot be read: " + err.Error()}
		}
		var mods []seedModule
		if t := bytes.TrimSpace(part); len(t) > 0 && t[0] == '{' {
			var wrap struct {
				Modules []seedModule `json:"modules"`
			}
			err = decodeStrict(name, part, &wrap)
			mods = wrap.Modules
		} else {
			err = decodeStrict(name, part, &mods)
		}
		if err != nil {
			return nil, err
		}
		sc.Modules = append(sc.Modules, mods...)
	}
	return buildCourse(fsys, dir, file, &sc)
}

// seedPath resolves a file named in a seed file inside the course folder,
// refusing paths that leave it.
func seedPath(dir, name string) (string, error) {
	if name == "" {
		return "", errors.New("is required")
	}
	if !fs.ValidPath(name) || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("%q must be a relative path inside the course folder", name)
	}
	return path.Join(dir, name), nil
}

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,49}$`)

var langRE = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$`)

// unfinished are markers of text that is not written yet; seed content
// with them is refused. (Split so that this file does not match a search
// for them.)
var unfinished = []string{"lorem" + " ipsum", "[" + "insert", "TODO" + ":", "placeholder" + " text", "TB" + "D:"}

func checkFinished(file, field, text string) error {
	lower := strings.ToLower(text)
	for _, u := range unfinished {
		if strings.Contains(text, u) || (u == strings.ToLower(u) && strings.Contains(lower, u)) {
			return &SeedError{File: file, Field: field, Reason: fmt.Sprintf("looks unfinished: it contains %q", u)}
		}
	}
	return nil
}

func buildCourse(fsys fs.FS, dir, file string, sc *seedCourse) (*Course, error) {
	fail := func(field string, err error) error {
		var fe *FieldError
		if errors.As(err, &fe) {
			return &SeedError{File: file, Field: fe.Field, Reason: fe.Reason}
		}
		var se *SeedError
		if errors.As(err, &se) {
			return se
		}
		return &SeedError{File: file, Field: field, Reason: err.Error()}
	}
	c := &Course{Slug: sc.Slug, Title: sc.Title, Summary: sc.Summary, Language: sc.Language, SelfAssessment: sc.SelfAssessment}
	var err error
	if !slugRE.MatchString(c.Slug) {
		return nil, fail("slug", errors.New("must be lower-case letters, digits and hyphens"))
	}
	if c.Title, err = cleanText("title", c.Title, 200, true); err != nil {
		return nil, fail("", err)
	}
	if c.Summary, err = cleanText("summary", c.Summary, 2000, true); err != nil {
		return nil, fail("", err)
	}
	if c.Language == "" {
		c.Language = "en"
	}
	if !langRE.MatchString(c.Language) {
		return nil, fail("language", errors.New("must be a language code such as en or uk"))
	}
	if c.SelfAssessment == nil {
		c.SelfAssessment = []Statement{}
	}
	if len(c.SelfAssessment) > 20 {
		return nil, fail("self_assessment", errors.New("must hold at most 20 statements"))
	}
	keys := map[string]bool{}
	for i := range c.SelfAssessment {
		st := &c.SelfAssessment[i]
		f := fmt.Sprintf("self_assessment/%d", i)
		if !keyRE.MatchString(st.Key) {
			return nil, fail(f+"/key", errors.New("must be lower-case letters, digits, hyphens or underscores"))
		}
		if keys[st.Key] {
			return nil, fail(f+"/key", errors.New("appears twice"))
		}
		keys[st.Key] = true
		if st.Statement, err = cleanText(f+"/statement", st.Statement, 500, true); err != nil {
			return nil, fail("", err)
		}
	}
	if len(sc.Modules) == 0 || len(sc.Modules) > 50 {
		return nil, fail("modules", errors.New("must list between 1 and 50 modules"))
	}
	for _, text := range []struct{ f, s string }{{"title", c.Title}, {"summary", c.Summary}} {
		if err := checkFinished(file, text.f, text.s); err != nil {
			return nil, err
		}
	}
	seenMod := map[string]bool{}
	seenFile := map[string]string{}
	for i, sm := range sc.Modules {
		mf := fmt.Sprintf("modules/%d", i)
		m := Module{Position: i + 1, Slug: sm.Slug, Title: sm.Title, Summary: sm.Summary, RequiresPrevious: sm.RequiresPrevious && i > 0}
		if !slugRE.MatchString(m.Slug) {
			return nil, fail(mf+"/slug", errors.New("must be lower-case letters, digits and hyphens"))
		}
		if seenMod[m.Slug] {
			return nil, fail(mf+"/slug", fmt.Errorf("%q is used by two modules", m.Slug))
		}
		seenMod[m.Slug] = true
		if m.Title, err = cleanText(mf+"/title", m.Title, 200, true); err != nil {
			return nil, fail("", err)
		}
		if m.Summary, err = cleanText(mf+"/summary", m.Summary, 2000, false); err != nil {
			return nil, fail("", err)
		}
		if len(sm.Lessons) == 0 || len(sm.Lessons) > 50 {
			return nil, fail(mf+"/lessons", errors.New("must list between 1 and 50 lessons"))
		}
		seenLesson := map[string]bool{}
		for j, sl := range sm.Lessons {
			lf := fmt.Sprintf("%s/lessons/%d", mf, j)
			l := Lesson{Position: j + 1, Slug: sl.Slug, Title: sl.Title, Completion: sl.Completion}
			if !slugRE.MatchString(l.Slug) {
				return nil, fail(lf+"/slug", errors.New("must be lower-case letters, digits and hyphens"))
			}
			if seenLesson[l.Slug] {
				return nil, fail(lf+"/slug", fmt.Errorf("%q is used by two lessons of this module", l.Slug))
			}
			seenLesson[l.Slug] = true
			if l.Title, err = cleanText(lf+"/title", l.Title, 200, true); err != nil {
				return nil, fail("", err)
			}
			if l.Completion == "" {
				l.Completion = CompleteOnView
			}
			if l.Completion != CompleteOnView && l.Completion != CompleteOnMark {
				return nil, fail(lf+"/completion", errors.New("must be view or mark_done"))
			}
			if l.Body, err = readSeedText(fsys, dir, file, lf+"/file", sl.File, seenFile); err != nil {
				return nil, err
			}
			if err := checkFinished(file, lf+"/title", l.Title); err != nil {
				return nil, err
			}
			langs := make([]string, 0, len(sl.Translations))
			for lang := range sl.Translations {
				langs = append(langs, lang)
			}
			slices.Sort(langs)
			for _, lang := range langs {
				st := sl.Translations[lang]
				tf := lf + "/translations/" + lang
				if !langRE.MatchString(lang) || lang == c.Language {
					return nil, fail(tf, fmt.Errorf("must be a language code other than the course's (%s)", c.Language))
				}
				t := Translation{Language: lang, Title: st.Title}
				if t.Title, err = cleanText(tf+"/title", t.Title, 200, true); err != nil {
					return nil, fail("", err)
				}
				if t.Body, err = readSeedText(fsys, dir, file, tf+"/file", st.File, seenFile); err != nil {
					return nil, err
				}
				l.Translations = append(l.Translations, t)
				l.Languages = append(l.Languages, lang)
			}
			m.Lessons = append(m.Lessons, l)
		}
		if sm.Quiz != nil {
			z, err := buildQuiz(file, mf+"/quiz", sm.Quiz)
			if err != nil {
				return nil, err
			}
			m.Quiz = z
		}
		if sa := sm.Assignment; sa != nil {
			af := mf + "/assignment"
			a := &Assignment{Slug: sa.Slug, Title: sa.Title, Kind: sa.Kind, PeerReview: sa.PeerReview, Rubric: sa.Rubric}
			if a.Brief, err = readSeedText(fsys, dir, file, af+"/brief_file", sa.BriefFile, seenFile); err != nil {
				return nil, err
			}
			if err := a.Validate(af); err != nil {
				return nil, fail("", err)
			}
			m.Assignment = a
		}
		c.Modules = append(c.Modules, m)
	}
	return c, nil
}

// readSeedText reads a Markdown file named in a seed file: UTF-8, at most
// 200 KB, not empty, finished, and not used twice.
func readSeedText(fsys fs.FS, dir, file, field, name string, seen map[string]string) (string, error) {
	p, err := seedPath(dir, name)
	if err != nil {
		return "", &SeedError{File: file, Field: field, Reason: err.Error()}
	}
	if other, dup := seen[p]; dup {
		return "", &SeedError{File: file, Field: field, Reason: fmt.Sprintf("%s is already used by %s", name, other)}
	}
	seen[p] = field
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return "", &SeedError{File: file, Field: field, Reason: fmt.Sprintf("%s cannot be read: %v", name, err)}
	}
	text, err := cleanText(field, string(data), 200000, true)
	if err != nil {
		var fe *FieldError
		errors.As(err, &fe)
		return "", &SeedError{File: p, Reason: fe.Reason}
	}
	if err := checkFinished(p, "", text); err != nil {
		return "", err
	}
	return text, nil
}

func buildQuiz(file, field string, sq *seedQuiz) (*Quiz, error) {
	z := &Quiz{Title: sq.Title, PassPercent: sq.PassPercent, MaxAttempts: sq.MaxAttempts, Draw: sq.Draw, RetakeAfterPass: sq.RetakeAfterPass}
	var err error
	bad := func(f, reason string) error { return &SeedError{File: file, Field: field + "/" + f, Reason: reason} }
	if z.Title, err = cleanText("title", z.Title, 200, true); err != nil {
		return nil, bad("title", "is required (at most 200 characters)")
	}
	if z.PassPercent < 1 || z.PassPercent > 100 {
		return nil, bad("pass_percent", "must be between 1 and 100")
	}
	if z.MaxAttempts < 0 || z.MaxAttempts > 100 {
		return nil, bad("max_attempts", "must be between 0 (unlimited) and 100")
	}
	if len(sq.Questions) == 0 || len(sq.Questions) > 200 {
		return nil, bad("questions", "must list between 1 and 200 questions")
	}
	if z.Draw < 0 || z.Draw > len(sq.Questions) {
		return nil, bad("draw", fmt.Sprintf("must be between 0 (all) and the number of questions, %d", len(sq.Questions)))
	}
	seen := map[string]bool{}
	for i, s := range sq.Questions {
		q := Question{Key: s.ID, Position: i + 1, Kind: s.Kind, Prompt: s.Prompt, Points: s.Points, Feedback: s.Feedback,
			Spec: Spec{Choices: s.Choices, Correct: s.Correct, Answer: s.Answer, Accepted: s.Accepted, Pairs: s.Pairs, Items: s.Items}}
		qf := field + "/questions/" + strconv.Itoa(i)
		if err := q.Validate(qf); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, &SeedError{File: file, Field: fe.Field, Reason: fe.Reason}
			}
			return nil, err
		}
		if seen[q.Key] {
			return nil, &SeedError{File: file, Field: qf + "/id", Reason: fmt.Sprintf("%q is used by two questions of this quiz", q.Key)}
		}
		seen[q.Key] = true
		if err := checkFinished(file, qf, q.Prompt+"\n"+q.Feedback+"\n"+strings.Join(q.Spec.Choices, "\n")); err != nil {
			return nil, err
		}
		z.Questions = append(z.Questions, q)
	}
	return z, nil
}

// ParseAll parses every course folder at the top of fsys, by folder name.
func ParseAll(fsys fs.FS) ([]*Course, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read seed folders: %w", err)
	}
	var out []*Course
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := ParseCourse(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SeedResult says what loading a course did.
type SeedResult struct {
	CourseID int64  `json:"course_id"`
	Slug     string `json:"slug"`
	Created  bool   `json:"created"` // the course was new
	Modules  int    `json:"modules"`
	Lessons  int    `json:"lessons"`
	Retired  int    `json:"retired"` // modules, lessons and questions the seed no longer has
}

// ErrSeedDropsWork refuses a seed that would remove a quiz or assignment
// people have already worked on.
var ErrSeedDropsWork = errors.New("the new seed removes a quiz or assignment that participants have already worked on")

// Seed loads a parsed course into an organisation in one transaction:
// upsert by slug at every level, so loading the same seed again changes
// nothing and a newer seed updates the content while lesson progress,
// attempts and submissions stay. Modules, lessons and questions the seed
// no longer has are retired (hidden, kept for the records that point at
// them).
func Seed(ctx context.Context, d *db.DB, a audit.Actor, orgID int64, c *Course) (SeedResult, error) {
	res := SeedResult{Slug: c.Slug}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		r, err := seedCourseTx(ctx, tx, orgID, c)
		if err != nil {
			return err
		}
		res = r
		return audit.Append(ctx, tx, a.Entry(orgID, "course.seed", "course:"+strconv.FormatInt(r.CourseID, 10),
			map[string]string{"slug": c.Slug, "created": strconv.FormatBool(r.Created), "modules": strconv.Itoa(r.Modules), "lessons": strconv.Itoa(r.Lessons)}))
	})
	return res, err
}

func seedCourseTx(ctx context.Context, tx *db.Tx, orgID int64, c *Course) (SeedResult, error) {
	res := SeedResult{Slug: c.Slug}
	sa, err := json.Marshal(c.SelfAssessment)
	if err != nil {
		return res, err
	}
	t := now()
	old, err := GetCourseBySlug(ctx, tx, orgID, c.Slug)
	switch {
	case errors.Is(err, db.ErrNotFound):
		res.Created = true
		err = tx.QueryRowContext(ctx, `INSERT INTO courses (org_id, slug, title, summary, language, self_assessment, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, orgID, c.Slug, c.Title, c.Summary, c.Language, string(sa), t, t).Scan(&c.ID)
	case err == nil:
		c.ID = old.ID
		_, err = tx.ExecContext(ctx, `UPDATE courses SET title = ?, summary = ?, language = ?, self_assessment = ?, updated_at = ? WHERE id = ?`,
			c.Title, c.Summary, c.Language, string(sa), t, c.ID)
	}
	if err != nil {
		return res, fmt.Errorf("seed course %s: %w", c.Slug, err)
	}
	c.OrgID = orgID
	res.CourseID = c.ID
	keepMods := []int64{}
	for i := range c.Modules {
		m := &c.Modules[i]
		m.CourseID = c.ID
		if err := tx.QueryRowContext(ctx, `INSERT INTO course_modules (course_id, position, slug, title, summary, requires_previous, retired)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (course_id, slug) DO UPDATE SET position = excluded.position, title = excluded.title, summary = excluded.summary,
				requires_previous = excluded.requires_previous, retired = excluded.retired
			RETURNING id`, c.ID, m.Position, m.Slug, m.Title, m.Summary, m.RequiresPrevious, false).Scan(&m.ID); err != nil {
			return res, fmt.Errorf("seed module %s: %w", m.Slug, err)
		}
		keepMods = append(keepMods, m.ID)
		res.Modules++
		keepLessons := []int64{}
		for j := range m.Lessons {
			l := &m.Lessons[j]
			l.ModuleID = m.ID
			if err := tx.QueryRowContext(ctx, `INSERT INTO lessons (module_id, position, slug, title, body, completion, retired)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (module_id, slug) DO UPDATE SET position = excluded.position, title = excluded.title, body = excluded.body,
					completion = excluded.completion, retired = excluded.retired
				RETURNING id`, m.ID, l.Position, l.Slug, l.Title, l.Body, l.Completion, false).Scan(&l.ID); err != nil {
				return res, fmt.Errorf("seed lesson %s/%s: %w", m.Slug, l.Slug, err)
			}
			keepLessons = append(keepLessons, l.ID)
			res.Lessons++
			if _, err := tx.ExecContext(ctx, "DELETE FROM lesson_translations WHERE lesson_id = ?", l.ID); err != nil {
				return res, fmt.Errorf("seed translations: %w", err)
			}
			for _, tr := range l.Translations {
				if _, err := tx.ExecContext(ctx, "INSERT INTO lesson_translations (lesson_id, language, title, body) VALUES (?, ?, ?, ?)",
					l.ID, tr.Language, tr.Title, tr.Body); err != nil {
					return res, fmt.Errorf("seed translation %s/%s/%s: %w", m.Slug, l.Slug, tr.Language, err)
				}
			}
		}
		n, err := retire(ctx, tx, "lessons", "module_id", m.ID, keepLessons)
		if err != nil {
			return res, err
		}
		res.Retired += n
		if n, err = saveSeedQuiz(ctx, tx, m); err != nil {
			return res, err
		}
		res.Retired += n
		if err := saveSeedAssignment(ctx, tx, m); err != nil {
			return res, err
		}
	}
	n, err := retire(ctx, tx, "course_modules", "course_id", c.ID, keepMods)
	res.Retired += n
	return res, err
}

// retire marks the rows of table under parent that are not in keep.
func retire(ctx context.Context, tx *db.Tx, table, parentCol string, parent int64, keep []int64) (int, error) {
	q := "UPDATE " + table + " SET retired = ? WHERE " + parentCol + " = ? AND retired = ?"
	args := []any{true, parent, false}
	if len(keep) > 0 {
		q += " AND id NOT IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(keep)), ", ") + ")"
		for _, id := range keep {
			args = append(args, id)
		}
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("retire %s: %w", table, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func saveSeedQuiz(ctx context.Context, tx *db.Tx, m *Module) (int, error) {
	z := m.Quiz
	if z == nil {
		var attempts int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM quiz_attempts a JOIN quizzes z ON z.id = a.quiz_id WHERE z.module_id = ?", m.ID).Scan(&attempts); err != nil {
			return 0, err
		}
		if attempts > 0 {
			return 0, fmt.Errorf("module %s: %w", m.Slug, ErrSeedDropsWork)
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM quizzes WHERE module_id = ?", m.ID)
		return 0, err
	}
	z.ModuleID = m.ID
	if err := tx.QueryRowContext(ctx, `INSERT INTO quizzes (module_id, title, pass_percent, max_attempts, draw, retake_after_pass)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (module_id) DO UPDATE SET title = excluded.title, pass_percent = excluded.pass_percent, max_attempts = excluded.max_attempts,
			draw = excluded.draw, retake_after_pass = excluded.retake_after_pass
		RETURNING id`, m.ID, z.Title, z.PassPercent, z.MaxAttempts, z.Draw, z.RetakeAfterPass).Scan(&z.ID); err != nil {
		return 0, fmt.Errorf("seed quiz of %s: %w", m.Slug, err)
	}
	keep := []int64{}
	for i := range z.Questions {
		q := &z.Questions[i]
		q.QuizID = z.ID
		spec, err := json.Marshal(q.Spec)
		if err != nil {
			return 0, err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO quiz_questions (quiz_id, key, position, kind, prompt, points, spec, feedback, retired)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (quiz_id, key) DO UPDATE SET position = excluded.position, kind = excluded.kind, prompt = excluded.prompt,
				points = excluded.points, spec = excluded.spec, feedback = excluded.feedback, retired = excluded.retired
			RETURNING id`, z.ID, q.Key, q.Position, q.Kind, q.Prompt, q.Points, string(spec), q.Feedback, false).Scan(&q.ID); err != nil {
			return 0, fmt.Errorf("seed question %s/%s: %w", m.Slug, q.Key, err)
		}
		keep = append(keep, q.ID)
	}
	return retire(ctx, tx, "quiz_questions", "quiz_id", z.ID, keep)
}

func saveSeedAssignment(ctx context.Context, tx *db.Tx, m *Module) error {
	a := m.Assignment
	if a == nil {
		var subs int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM submissions s JOIN assignments a ON a.id = s.assignment_id WHERE a.module_id = ?", m.ID).Scan(&subs); err != nil {
			return err
		}
		if subs > 0 {
			return fmt.Errorf("module %s: %w", m.Slug, ErrSeedDropsWork)
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM assignments WHERE module_id = ?", m.ID)
		return err
	}
	a.ModuleID = m.ID
	rubric, err := json.Marshal(a.Rubric)
	if err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO assignments (module_id, slug, title, kind, brief, peer_review, rubric)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (module_id) DO UPDATE SET slug = excluded.slug, title = excluded.title, kind = excluded.kind, brief = excluded.brief,
			peer_review = excluded.peer_review, rubric = excluded.rubric
		RETURNING id`, m.ID, a.Slug, a.Title, a.Kind, a.Brief, a.PeerReview, string(rubric)).Scan(&a.ID); err != nil {
		return fmt.Errorf("seed assignment of %s: %w", m.Slug, err)
	}
	return nil
}

// SeedAll parses every course folder of fsys (the built-in courses when
// fsys is nil) and loads them into an organisation, each in its own
// transaction. Nothing is loaded when any course fails to parse.
func SeedAll(ctx context.Context, d *db.DB, a audit.Actor, orgID int64, fsys fs.FS) ([]SeedResult, error) {
	if fsys == nil {
		fsys = Builtin()
	}
	cs, err := ParseAll(fsys)
	if err != nil {
		return nil, err
	}
	out := make([]SeedResult, 0, len(cs))
	for _, c := range cs {
		r, err := Seed(ctx, d, a, orgID, c)
		if err != nil {
			return out, fmt.Errorf("load course %s: %w", c.Slug, err)
		}
		out = append(out, r)
	}
	return out, nil
}
