package academy

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/testutil"
)

func testSeedFS() fstest.MapFS {
	out := fstest.MapFS{}
	root := "testdata/seed"
	var walk func(dir string)
	walk = func(dir string) {
		entries, err := os.ReadDir(root + "/" + dir)
		if err != nil {
			panic(err)
		}
		for _, e := range entries {
			p := e.Name()
			if dir != "" {
				p = dir + "/" + p
			}
			if e.IsDir() {
				walk(p)
				continue
			}
			data, err := os.ReadFile(root + "/" + p)
			if err != nil {
				panic(err)
			}
			out[p] = &fstest.MapFile{Data: data}
		}
	}
	walk("")
	return out
}

func TestParseTestCourse(t *testing.T) {
	c, err := ParseCourse(os.DirFS("testdata/seed"), "test-course")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Modules) != 3 || len(c.Modules[0].Lessons) != 2 || c.Modules[0].Quiz == nil || len(c.Modules[0].Quiz.Questions) != 6 {
		t.Fatalf("parsed %+v", c)
	}
	if c.Modules[0].RequiresPrevious || !c.Modules[1].RequiresPrevious {
		t.Errorf("requires_previous: %v %v", c.Modules[0].RequiresPrevious, c.Modules[1].RequiresPrevious)
	}
	if tr := c.Modules[0].Lessons[0].Translations; len(tr) != 1 || tr[0].Language != "uk" || !strings.Contains(tr[0].Body, "Посольство") {
		t.Errorf("translations %+v", tr)
	}
	if a := c.Modules[2].Assignment; a == nil || a.Rubric.MaxPoints() != 8 || !strings.Contains(a.Brief, "campaign plan") {
		t.Errorf("assignment %+v", a)
	}
}

func TestParseErrorsNameFileAndField(t *testing.T) {
	base := testSeedFS()
	orig := string(base["test-course/course.json"].Data)
	for _, tc := range []struct {
		name, from, to string
		file, field    string
	}{
		{"missing lesson file", `"m02/doing.md"`, `"m02/nope.md"`, "test-course/course.json", "modules/1/lessons/0/file"},
		{"bad completion", `"completion": "mark_done"`, `"completion": "read"`, "test-course/course.json", "modules/0/lessons/1/completion"},
		{"two correct in single", `"correct": [1]`, `"correct": [1, 2]`, "test-course/course.json", "modules/0/quiz/questions/0/correct"},
		{"draw above bank", `"draw": 5`, `"draw": 50`, "test-course/course.json", "modules/0/quiz/draw"},
		{"unknown field", `"pass_percent": 60,`, `"pass_percent": 60, "passmark": 1,`, "test-course/course.json", ""},
		{"wrong type", `"max_attempts": 3`, `"max_attempts": "three"`, "test-course/course.json", "modules/quiz/max_attempts"},
		{"path escape", `"m03/brief.md"`, `"../secret.md"`, "test-course/course.json", "modules/2/assignment/brief_file"},
		{"duplicate question id", `{"id": "q3"`, `{"id": "q2"`, "test-course/course.json", "modules/0/quiz/questions/2/id"},
		{"unfinished text", `"title": "Doing it"`, `"title": "TODO: name"`, "test-course/course.json", "modules/1/lessons/0/title"},
		{"bad pass points", `"pass_points": 4`, `"pass_points": 40`, "test-course/course.json", "modules/2/assignment/rubric/pass_points"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range base {
				fsys[k] = v
			}
			changed := strings.Replace(orig, tc.from, tc.to, 1)
			if changed == orig {
				t.Fatalf("%q not in course.json", tc.from)
			}
			fsys["test-course/course.json"] = &fstest.MapFile{Data: []byte(changed)}
			_, err := ParseCourse(fsys, "test-course")
			var se *SeedError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a SeedError", err)
			}
			if se.File != tc.file || se.Field != tc.field {
				t.Fatalf("error names %s / %s (%v), want %s / %s", se.File, se.Field, err, tc.file, tc.field)
			}
		})
	}
	t.Run("unfinished lesson body", func(t *testing.T) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys["test-course/m02/doing.md"] = &fstest.MapFile{Data: []byte("## Doing\n\nLorem" + " ipsum dolor.\n")}
		_, err := ParseCourse(fsys, "test-course")
		var se *SeedError
		if !errors.As(err, &se) || se.File != "test-course/m02/doing.md" {
			t.Fatalf("got %v", err)
		}
	})
}

func TestModulesFiles(t *testing.T) {
	fsys := testSeedFS()
	orig := string(fsys["test-course/course.json"].Data)
	i := strings.Index(orig, `"modules": [`)
	j := strings.LastIndex(orig, "]")
	mods := orig[i+len(`"modules": `) : j+1]
	// Split the module array into an array file and an object file.
	k := strings.Index(mods, `{
      "slug": "m02-practice"`)
	first := strings.TrimSuffix(strings.TrimSpace(mods[:k]), ",") + "]"
	second := `{"modules": [` + mods[k:] + `}`
	fsys["test-course/course.json"] = &fstest.MapFile{Data: []byte(orig[:i] + `"modules_files": ["part-1.json", "part-2.json"]}`)}
	fsys["test-course/part-1.json"] = &fstest.MapFile{Data: []byte(first)}
	fsys["test-course/part-2.json"] = &fstest.MapFile{Data: []byte(second)}
	c, err := ParseCourse(fsys, "test-course")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Modules) != 3 || c.Modules[2].Slug != "m03-capstone" || c.Modules[2].Position != 3 {
		t.Fatalf("modules %+v", c.Modules)
	}
	fsys["test-course/part-2.json"] = &fstest.MapFile{Data: []byte(`{"modules": [{"slug": 7}]}`)}
	_, err = ParseCourse(fsys, "test-course")
	var se *SeedError
	if !errors.As(err, &se) || se.File != "test-course/part-2.json" {
		t.Fatalf("error in a modules file: %v", err)
	}
}

// FuzzParseCourse: any course.json is refused with a SeedError or parsed
// into a course that passes the checks, never a panic.
func FuzzParseCourse(f *testing.F) {
	base := testSeedFS()
	f.Add(base["test-course/course.json"].Data)
	f.Add([]byte(`{"slug":"x","title":"x","summary":"x","modules":[{"slug":"a","title":"a","lessons":[{"slug":"l","title":"l","file":"m01/intro.md"}]}]}`))
	f.Add([]byte(`{"modules_files":["course.json"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys["test-course/course.json"] = &fstest.MapFile{Data: data}
		c, err := ParseCourse(fsys, "test-course")
		if err != nil {
			var se *SeedError
			if !errors.As(err, &se) {
				t.Fatalf("not a SeedError: %v", err)
			}
			return
		}
		if len(c.Modules) == 0 || c.Slug == "" {
			t.Fatalf("accepted a course without modules or slug: %+v", c)
		}
		for _, m := range c.Modules {
			if m.Quiz != nil {
				for _, q := range m.Quiz.Questions {
					_ = Grade(q, Answer{})
				}
			}
		}
	})
}

func TestSeedIsIdempotentAndKeepsWork(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c, err := ParseCourse(os.DirFS("testdata/seed"), "test-course")
		if err != nil {
			t.Fatal(err)
		}
		r1, err := Seed(ctx, e.DB, audit.CLI, w.programme, c)
		if err != nil {
			t.Fatal(err)
		}
		if !r1.Created || r1.Modules != 3 || r1.Lessons != 4 {
			t.Fatalf("first load: %+v", r1)
		}
		counts := func() [6]int {
			var out [6]int
			for i, table := range []string{"courses", "course_modules", "lessons", "lesson_translations", "quiz_questions", "assignments"} {
				if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&out[i]); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		before := counts()
		// Some learner work, then load the same seed again.
		h := w.cohort(t, r1.CourseID)
		intro := c.Modules[0].Lessons[0].ID
		if err := recordLesson(ctx, e.DB.W(), h.ID, w.participant.UserID, intro, true); err != nil {
			t.Fatal(err)
		}
		c2, _ := ParseCourse(os.DirFS("testdata/seed"), "test-course")
		r2, err := Seed(ctx, e.DB, audit.CLI, w.programme, c2)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Created || r2.CourseID != r1.CourseID || r2.Retired != 0 {
			t.Fatalf("second load: %+v", r2)
		}
		if after := counts(); after != before {
			t.Fatalf("reloading changed the counts: %v → %v", before, after)
		}
		if c2.Modules[0].Lessons[0].ID != intro {
			t.Fatalf("lesson id changed: %d → %d", intro, c2.Modules[0].Lessons[0].ID)
		}
		// A newer seed without the checklist lesson and question q6: they
		// are retired, the progress stays.
		c3, _ := ParseCourse(os.DirFS("testdata/seed"), "test-course")
		c3.Modules[0].Lessons = c3.Modules[0].Lessons[:1]
		c3.Modules[0].Quiz.Questions = c3.Modules[0].Quiz.Questions[:5]
		c3.Modules[0].Title = "Basics, revised"
		r3, err := Seed(ctx, e.DB, audit.CLI, w.programme, c3)
		if err != nil {
			t.Fatal(err)
		}
		if r3.Retired != 2 {
			t.Fatalf("retired %d, want 2", r3.Retired)
		}
		got, _ := GetCourse(ctx, e.DB.R(), r1.CourseID)
		if err := LoadOutline(ctx, e.DB.R(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Modules[0].Lessons) != 1 || got.Modules[0].Title != "Basics, revised" {
			t.Fatalf("outline after the newer seed: %+v", got.Modules[0])
		}
		if got.Modules[0].Lessons[0].Languages[0] != "uk" {
			t.Errorf("translation languages: %v", got.Modules[0].Lessons[0].Languages)
		}
		var n int
		_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM lesson_progress WHERE lesson_id = ?", intro).Scan(&n)
		if n != 1 {
			t.Fatalf("progress lost: %d rows", n)
		}
	})
}
