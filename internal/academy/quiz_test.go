package academy

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func boolp(b bool) *bool { return &b }

func TestGradeEveryKind(t *testing.T) {
	single := Question{Kind: Single, Points: 1, Spec: Spec{Choices: []string{"a", "b", "c"}, Correct: []int{1}}}
	multiple := Question{Kind: Multiple, Points: 2, Spec: Spec{Choices: []string{"a", "b", "c", "d"}, Correct: []int{0, 3}}}
	tf := Question{Kind: TrueFalse, Points: 1, Spec: Spec{Answer: boolp(false)}}
	short := Question{Kind: Short, Points: 1, Spec: Spec{Accepted: []string{"engagement rate", "Đakovica", "Straße", "Київ"}}}
	matching := Question{Kind: Matching, Points: 3, Spec: Spec{Pairs: [][2]string{{"GE", "Tbilisi"}, {"MD", "Chișinău"}, {"UA", "Kyiv"}}}}
	ordering := Question{Kind: Ordering, Points: 1, Spec: Spec{Items: []string{"plan", "draft", "approve", "publish"}}}
	for _, tc := range []struct {
		name string
		q    Question
		a    Answer
		want bool
	}{
		{"single right", single, Answer{Choices: []int{1}}, true},
		{"single wrong", single, Answer{Choices: []int{0}}, false},
		{"single two chosen", single, Answer{Choices: []int{1, 0}}, false},
		{"single none", single, Answer{}, false},
		{"single out of range", single, Answer{Choices: []int{99}}, false},
		{"multiple exact", multiple, Answer{Choices: []int{3, 0}}, true},
		{"multiple partial earns nothing", multiple, Answer{Choices: []int{0}}, false},
		{"multiple extra earns nothing", multiple, Answer{Choices: []int{0, 3, 1}}, false},
		{"multiple duplicate", multiple, Answer{Choices: []int{0, 0}}, false},
		{"multiple negative", multiple, Answer{Choices: []int{-1, 3}}, false},
		{"truefalse right", tf, Answer{Bool: boolp(false)}, true},
		{"truefalse wrong", tf, Answer{Bool: boolp(true)}, false},
		{"truefalse unanswered", tf, Answer{}, false},
		{"short exact", short, Answer{Text: "engagement rate"}, true},
		{"short case and spaces", short, Answer{Text: "  Engagement   RATE "}, true},
		{"short đ as dj", short, Answer{Text: "djakovica"}, true},
		{"short đ as is", short, Answer{Text: "ĐAKOVICA"}, true},
		{"short ß", short, Answer{Text: "strasse"}, true},
		{"short cyrillic case", short, Answer{Text: "КИЇВ"}, true},
		{"short cyrillic not transliterated", short, Answer{Text: "Kyiv"}, false},
		{"short wrong", short, Answer{Text: "reach"}, false},
		{"short empty", short, Answer{Text: "   "}, false},
		{"matching right", matching, Answer{Match: []int{0, 1, 2}}, true},
		{"matching one wrong", matching, Answer{Match: []int{0, 2, 1}}, false},
		{"matching short", matching, Answer{Match: []int{0, 1}}, false},
		{"matching out of range", matching, Answer{Match: []int{0, 1, 7}}, false},
		{"matching unset", matching, Answer{Match: []int{0, -1, 2}}, false},
		{"ordering right", ordering, Answer{Order: []int{0, 1, 2, 3}}, true},
		{"ordering swapped", ordering, Answer{Order: []int{0, 2, 1, 3}}, false},
		{"ordering repeated", ordering, Answer{Order: []int{0, 0, 0, 0}}, false},
		{"ordering missing", ordering, Answer{Order: []int{0, 1, 2}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Grade(tc.q, tc.a)
			if r.Correct != tc.want {
				t.Fatalf("Grade = %+v, want correct=%v", r, tc.want)
			}
			if tc.want && r.Points != tc.q.Points || !tc.want && r.Points != 0 {
				t.Fatalf("points %d for correct=%v of %d", r.Points, tc.want, tc.q.Points)
			}
		})
	}
}

func TestMatchingComparesText(t *testing.T) {
	// Two pairs with the same right-hand item: either index is right.
	q := Question{Kind: Matching, Points: 1, Spec: Spec{Pairs: [][2]string{{"Tweet", "Short"}, {"Post", "Short"}, {"Report", "Long"}}}}
	if !Grade(q, Answer{Match: []int{1, 0, 2}}).Correct {
		t.Fatal("matching by equal text was refused")
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"  Čačak   Šabac\tNiš ": "cacak sabac nis",
		"Đorđe":                 "djordje",
		"Chișinău":              "chisinau",
		"Tiranë":                "tirane",
		"Großbritannien":        "grossbritannien",
		"ЛЬВІВ":                 "львів",
		"Ćuprija\u0301":         "cuprija",
		"თბილისი":               "თბილისი",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateQuestion(t *testing.T) {
	for _, tc := range []struct {
		name  string
		q     Question
		field string
	}{
		{"single with two correct", Question{Key: "q", Kind: Single, Prompt: "p", Spec: Spec{Choices: []string{"a", "b"}, Correct: []int{0, 1}}}, "x/correct"},
		{"correct out of range", Question{Key: "q", Kind: Multiple, Prompt: "p", Spec: Spec{Choices: []string{"a", "b"}, Correct: []int{2}}}, "x/correct"},
		{"truefalse without answer", Question{Key: "q", Kind: TrueFalse, Prompt: "p"}, "x/answer"},
		{"short without accepted", Question{Key: "q", Kind: Short, Prompt: "p"}, "x/accepted"},
		{"matching with one pair", Question{Key: "q", Kind: Matching, Prompt: "p", Spec: Spec{Pairs: [][2]string{{"a", "b"}}}}, "x/pairs"},
		{"ordering with duplicates", Question{Key: "q", Kind: Ordering, Prompt: "p", Spec: Spec{Items: []string{"a", "a"}}}, "x/items/1"},
		{"unknown kind", Question{Key: "q", Kind: "essay", Prompt: "p"}, "x/kind"},
		{"no prompt", Question{Key: "q", Kind: TrueFalse, Spec: Spec{Answer: boolp(true)}}, "x/prompt"},
	} {
		err := tc.q.Validate("x")
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != tc.field {
			t.Errorf("%s: got %v, want a field error on %s", tc.name, err, tc.field)
		}
	}
}

func TestDrawAndShuffle(t *testing.T) {
	bank := []Question{
		{ID: 1, Kind: Single, Spec: Spec{Choices: []string{"a", "b", "c", "d"}}},
		{ID: 2, Kind: TrueFalse},
		{ID: 3, Kind: Ordering, Spec: Spec{Items: []string{"a", "b", "c"}}},
		{ID: 4, Kind: Matching, Spec: Spec{Pairs: [][2]string{{"a", "1"}, {"b", "2"}}}},
		{ID: 5, Kind: Short},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[int64]bool{}
	for range 50 {
		d := draw(bank, 3, rng)
		if len(d) != 3 {
			t.Fatalf("drew %d questions, want 3", len(d))
		}
		ids := map[int64]bool{}
		for _, x := range d {
			if ids[x.QuestionID] {
				t.Fatalf("question %d drawn twice", x.QuestionID)
			}
			ids[x.QuestionID] = true
			seen[x.QuestionID] = true
			q := bank[x.QuestionID-1]
			if len(x.Order) != q.Size() {
				t.Fatalf("question %d: order %v for %d options", q.ID, x.Order, q.Size())
			}
			sorted := slices.Sorted(slices.Values(x.Order))
			for i, v := range sorted {
				if v != i {
					t.Fatalf("order %v is not a permutation", x.Order)
				}
			}
		}
	}
	if len(seen) != len(bank) {
		t.Errorf("50 draws of 3 out of 5 reached only %d questions", len(seen))
	}
	if got := draw(bank, 0, rng); len(got) != len(bank) {
		t.Errorf("draw 0 gave %d questions, want the whole bank", len(got))
	}
}

func TestPasses(t *testing.T) {
	for _, tc := range []struct{ score, max, pct int }{{7, 10, 70}, {2, 3, 66}, {5, 5, 100}} {
		if !passes(tc.score, tc.max, tc.pct) {
			t.Errorf("%d/%d should pass at %d%%", tc.score, tc.max, tc.pct)
		}
	}
	for _, tc := range []struct{ score, max, pct int }{{6, 10, 70}, {2, 3, 67}, {0, 0, 0}} {
		if passes(tc.score, tc.max, tc.pct) {
			t.Errorf("%d/%d should not pass at %d%%", tc.score, tc.max, tc.pct)
		}
	}
}

// FuzzGrade: whatever answers JSON arrives, parsing and grading never
// panic, and a question earns either nothing or all its points.
func FuzzGrade(f *testing.F) {
	f.Add([]byte(`{"1":{"choices":[1]},"2":{"bool":true},"3":{"text":"Đ"},"4":{"match":[0,1]},"5":{"order":[1,0]}}`))
	f.Add([]byte(`{"1":{"choices":[-9999999999]},"4":{"match":[9223372036854775807]},"5":{"order":[]}}`))
	f.Add([]byte(`{"x":1}`))
	f.Add([]byte(`null`))
	bank := []Question{
		{ID: 1, Kind: Multiple, Points: 2, Spec: Spec{Choices: []string{"a", "b", "c"}, Correct: []int{0, 1}}},
		{ID: 2, Kind: TrueFalse, Points: 1, Spec: Spec{Answer: boolp(true)}},
		{ID: 3, Kind: Short, Points: 1, Spec: Spec{Accepted: []string{"đ"}}},
		{ID: 4, Kind: Matching, Points: 1, Spec: Spec{Pairs: [][2]string{{"a", "1"}, {"b", "2"}}}},
		{ID: 5, Kind: Ordering, Points: 1, Spec: Spec{Items: []string{"x", "y"}}},
		{ID: 6, Kind: Single, Points: 1}, // a broken spec must not panic either
		{ID: 7, Kind: Matching, Points: 1},
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		answers, err := ParseAnswers(raw)
		if err != nil {
			return // not an object of answers: refused before grading
		}
		for _, q := range bank {
			r := Grade(q, answers[q.ID])
			if r.Points != 0 && r.Points != q.Points {
				t.Fatalf("question %d earned %d of %d", q.ID, r.Points, q.Points)
			}
		}
		qs := map[int64]Question{}
		var drawn []Drawn
		for _, q := range bank {
			qs[q.ID] = q
			drawn = append(drawn, Drawn{QuestionID: q.ID})
		}
		score, maxScore, _ := grade(drawn, qs, answers)
		if score < 0 || score > maxScore {
			t.Fatalf("score %d of %d", score, maxScore)
		}
	})
}
