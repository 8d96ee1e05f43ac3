package academy

import (
	"context"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/testutil"
)

// The built-in courses parse, have the modules the programme teaches, a
// quiz in every module with a bank larger than each draw and several
// kinds of question, and a capstone assignment.
func TestBuiltinCourses(t *testing.T) {
	cs, err := ParseAll(Builtin())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"digital-diplomacy": 12, "advanced-pr": 6}
	if len(cs) != len(want) {
		t.Fatalf("%d built-in courses, want %d", len(cs), len(want))
	}
	for _, c := range cs {
		if len(c.Modules) != want[c.Slug] {
			t.Errorf("%s: %d modules, want %d", c.Slug, len(c.Modules), want[c.Slug])
		}
		if n := len(c.SelfAssessment); n < 8 || n > 10 {
			t.Errorf("%s: %d self-assessment statements, want 8–10", c.Slug, n)
		}
		assignments := 0
		for i, m := range c.Modules {
			if m.RequiresPrevious != (i > 0) {
				t.Errorf("%s/%s: requires_previous %v", c.Slug, m.Slug, m.RequiresPrevious)
			}
			if m.Assignment != nil {
				assignments++
			}
			if m.Quiz == nil {
				t.Errorf("%s/%s: no quiz", c.Slug, m.Slug)
				continue
			}
			kinds := map[Kind]bool{}
			for _, q := range m.Quiz.Questions {
				kinds[q.Kind] = true
			}
			if len(kinds) < 4 {
				t.Errorf("%s/%s: quiz uses %d kinds of question, want at least 4", c.Slug, m.Slug, len(kinds))
			}
			if m.Quiz.Draw == 0 || m.Quiz.Draw >= len(m.Quiz.Questions) {
				t.Errorf("%s/%s: draws %d of %d questions", c.Slug, m.Slug, m.Quiz.Draw, len(m.Quiz.Questions))
			}
		}
		if assignments == 0 {
			t.Errorf("%s: no assignment", c.Slug)
		}
	}
}

func TestSeedBuiltinTwice(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		first, err := SeedAll(ctx, e.DB, audit.CLI, w.programme, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := SeedAll(ctx, e.DB, audit.CLI, w.programme, nil)
		if err != nil {
			t.Fatal(err)
		}
		mods := map[string]int{}
		for i := range first {
			if !first[i].Created || again[i].Created || again[i].CourseID != first[i].CourseID || again[i].Retired != 0 || again[i].Lessons != first[i].Lessons {
				t.Errorf("loading twice: %+v then %+v", first[i], again[i])
			}
			mods[first[i].Slug] = first[i].Modules
		}
		if mods["digital-diplomacy"] != 12 || mods["advanced-pr"] != 6 {
			t.Errorf("modules: %v", mods)
		}
		cs, err := w.svc.Catalogue(ctx, w.participant)
		if err != nil || len(cs) != 2 {
			t.Fatalf("catalogue: %d courses, %v", len(cs), err)
		}
	})
}
