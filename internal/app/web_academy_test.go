package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/demo"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// answerForm turns answers into the attempt form's fields.
func answerForm(v academy.AttemptView, answers map[int64]academy.Answer) url.Values {
	f := url.Values{}
	for _, aq := range v.Questions {
		q := aq.Question
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		name := "q" + strconv.FormatInt(q.ID, 10)
		switch q.Kind {
		case academy.Single, academy.Multiple:
			for _, c := range a.Choices {
				f.Add(name, strconv.Itoa(c))
			}
		case academy.TrueFalse:
			if a.Bool != nil {
				f.Set(name, strconv.FormatBool(*a.Bool))
			}
		case academy.Short:
			f.Set(name, a.Text)
		case academy.Matching:
			for i, j := range a.Match {
				f.Set(fmt.Sprintf("%s.%d", name, i), strconv.Itoa(j))
			}
		case academy.Ordering:
			for pos, item := range a.Order {
				f.Set(fmt.Sprintf("%s.%d", name, item), strconv.Itoa(pos+1))
			}
		}
	}
	return f
}

// A participant reads lessons (the original or the translation), finds
// the next module locked, fails then passes the quiz through the forms,
// and the next module opens; the trainer sees the progress table, the
// participant does not.
func TestWebAcademyParticipant(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		h, c := newCohort(t, f, f.A)
		participant, trainer := f.Members[authz.Participant], f.Members[authz.Trainer]
		base := fmt.Sprintf("/o/%s/academy/cohorts/%d", f.A.Slug, h.ID)
		m1, m2 := c.Modules[0], c.Modules[1]
		intro, checklist, doing := m1.Lessons[0].ID, m1.Lessons[1].ID, m2.Lessons[0].ID

		b := newBrowser(t, f)
		b.signIn(participant)
		resp := b.get(fmt.Sprintf("/o/%s/academy", f.A.Slug))
		wantStatus(t, "academy", resp, 200)
		wantBody(t, "academy", resp, "Matrix cohort", "Test Course")
		resp = b.get(base)
		wantStatus(t, "cohort", resp, 200)
		wantBody(t, "cohort", resp, "Basics", "Practice", "Locked", "My progress")

		// The locked module answers 403, saying what to complete first.
		resp = b.get(fmt.Sprintf("%s/lessons/%d", base, doing))
		wantStatus(t, "locked lesson", resp, 403)
		wantBody(t, "locked lesson", resp, "Complete module 1, “Basics”, first")

		// The lesson in English, sanitised, with the Ukrainian on offer.
		resp = b.get(fmt.Sprintf("%s/lessons/%d", base, intro))
		wantStatus(t, "lesson", resp, 200)
		wantBody(t, "lesson", resp, "Chișinău", `<table>`, `rel="nofollow noopener"`, `target="_blank"`, "?lang=uk", "Also available in:")
		if strings.Contains(resp.Body, "<script>alert") {
			t.Error("the lesson's script survived sanitising")
		}
		resp = b.get(fmt.Sprintf("%s/lessons/%d?lang=uk", base, intro))
		wantBody(t, "translation", resp, "Посольство", "This is a translation")
		// A user whose interface is Ukrainian gets the translation at once.
		if err := auth.SetLocale(ctx, f.DB.W(), participant.ID, "uk"); err != nil {
			t.Fatal(err)
		}
		resp = b.get(fmt.Sprintf("%s/lessons/%d", base, intro))
		wantBody(t, "interface language", resp, "Посольство", "?lang=en")
		resp = b.get(fmt.Sprintf("%s/lessons/%d", base, checklist))
		wantBody(t, "no translation", resp, "Checklist")
		if err := auth.SetLocale(ctx, f.DB.W(), participant.ID, "en"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "mark done", b.post(fmt.Sprintf("%s/lessons/%d/done", base, checklist), nil), 303)

		// The quiz: a failed attempt, then a passed one.
		quiz := fmt.Sprintf("%s/quizzes/%d", base, m1.Quiz.ID)
		wantBody(t, "quiz", b.get(quiz), "Start the quiz", "entirely right")
		pp := principalOf(t, f, participant)
		for _, pass := range []bool{false, true} {
			resp = b.post(quiz+"/attempts", nil)
			wantStatus(t, "start", resp, 303)
			loc := resp.Header.Get("Location")
			id, _ := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
			page := b.get(loc)
			wantBody(t, "attempt form", page, "<fieldset", "<legend>", "Submit my answers")
			v, err := f.Academy.Attempt(ctx, pp, h.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			// Ordering and matching are select boxes (keyboard-friendly).
			for _, aq := range v.Questions {
				switch aq.Question.Kind {
				case academy.Ordering:
					wantBody(t, "ordering", page, "Position 1", fmt.Sprintf(`name="q%d.0"`, aq.Question.ID))
				case academy.Matching:
					wantBody(t, "matching", page, "Choose…", "Chișinău")
				}
			}
			form := url.Values{}
			if pass {
				form = answerForm(v, academy.RightAnswers(v))
			}
			wantStatus(t, "submit", b.post(loc, form), 303)
			result := b.get(loc)
			if pass {
				wantBody(t, "passed", result, "Passed", "Right")
			} else {
				wantBody(t, "failed", result, "Not passed this time", "Not right", "no answer", "Try again")
			}
		}
		wantBody(t, "after passing", b.get(quiz), "You have passed this quiz.")
		wantStatus(t, "no attempt after passing", b.post(quiz+"/attempts", nil), 409)
		wantStatus(t, "module 2 open", b.get(fmt.Sprintf("%s/lessons/%d", base, doing)), 200)
		wantStatus(t, "progress table as participant", b.get(base+"/progress"), 403)
		wantStatus(t, "own progress", b.get(fmt.Sprintf("%s/progress/%d", base, participant.ID)), 200)

		tb := newBrowser(t, f)
		tb.signIn(trainer)
		resp = tb.get(base + "/progress")
		wantStatus(t, "progress table", resp, 200)
		wantBody(t, "progress table", resp, participant.Name, "✓", "3/4")
		// The trainer previews every lesson without records.
		wantBody(t, "preview", tb.get(fmt.Sprintf("%s/lessons/%d", base, c.Modules[2].Lessons[0].ID)), "nothing is recorded")
	})
}

// The organiser creates a cohort and enrols by email: an existing account
// at once, a new address by invitation.
func TestWebAcademyOrganiser(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		c := testCourse(t, f, f.A)
		b := newBrowser(t, f)
		b.signIn(f.Members[authz.Admin])
		acad := "/o/" + f.A.Slug + "/academy"
		wantBody(t, "new cohort form", b.get(acad+"/cohorts/new"), "Starts on", "Test Course")
		resp := b.post(acad+"/cohorts", url.Values{"name": {"Spring"}, "course_id": {itoa(c.ID)}, "starts_on": {"2026-05-01"}, "ends_on": {"2026-04-01"}})
		wantStatus(t, "backwards dates", resp, 422)
		wantBody(t, "backwards dates", resp, "must not be before the start date")
		resp = b.post(acad+"/cohorts", url.Values{"name": {"Spring"}, "course_id": {itoa(c.ID)}, "starts_on": {"2026-03-02"}, "ends_on": {"2026-06-26"}})
		wantStatus(t, "create", resp, 303)
		cohort := strings.SplitN(resp.Header.Get("Location"), "?", 2)[0]
		resp = b.post(cohort+"/members", url.Values{"email": {f.Members[authz.Editor].Email}, "role": {"participant"}})
		wantStatus(t, "enrol existing", resp, 303)
		resp = b.post(cohort+"/members", url.Values{"email": {"newcomer@example.org"}, "role": {"trainer"}})
		wantStatus(t, "enrol by invitation", resp, 201)
		wantBody(t, "enrol by invitation", resp, "newcomer@example.org has no account yet", "/invite/")
		resp = b.post(cohort+"/members", url.Values{"email": {"not an email"}, "role": {"participant"}})
		wantStatus(t, "bad email", resp, 422)
		resp = b.get(cohort)
		wantBody(t, "cohort", resp, f.Members[authz.Editor].Name, "Ministry Alpha of Foreign Affairs", "newcomer@example.org")
		// The editor, now a participant, sees the cohort and its members but not their emails.
		eb := newBrowser(t, f)
		eb.signIn(f.Members[authz.Editor])
		resp = eb.get(cohort)
		wantStatus(t, "participant's view", resp, 200)
		if strings.Contains(resp.Body, "newcomer@example.org") {
			t.Error("a participant sees the waiting enrolments")
		}
	})
}

// The demo: both built-in courses with their modules through the API for
// a participant's token; the demo cohort's progress for the trainer; the
// lock in the API.
func TestAcademyDemoAndAPI(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ta := NewTestApp(t, e)
		if _, err := demo.Load(ctx, ta.DB, ta.Orgs, ta.Auth, "demo-password-long-enough"); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadAcademy(ctx, ta.DB, ta.Auth, ta.Academy, time.Now()); err != nil {
			t.Fatal(err)
		}
		token := func(email string) string {
			u, err := auth.GetUserByEmail(ctx, ta.DB.R(), email)
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := ta.Auth.CreateToken(ctx, audit.System, u.ID, "test", 0)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		nino, oksana, trainer, outsider := token("participant.ge@demo.attache.test"), token("participant.ua@demo.attache.test"), token("trainer@demo.attache.test"), token("editor.ua@demo.attache.test")
		o := loadOpenAPI(t, ta)
		resp := ta.Do(t, "GET", "/api/v1/courses", nino, "")
		if resp.Status != 200 {
			t.Fatalf("courses: %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "courses", "GET", "/api/v1/courses", resp)
		var list struct {
			Courses []struct {
				ID      int64  `json:"id"`
				Slug    string `json:"slug"`
				Modules []struct {
					ID      int64 `json:"id"`
					Lessons []struct {
						ID int64 `json:"id"`
					} `json:"lessons"`
				} `json:"modules"`
			} `json:"courses"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &list); err != nil {
			t.Fatal(err)
		}
		mods := map[string]int{}
		for _, c := range list.Courses {
			mods[c.Slug] = len(c.Modules)
		}
		if len(list.Courses) != 2 || mods["digital-diplomacy"] != 12 || mods["advanced-pr"] != 6 {
			t.Fatalf("courses for a participant: %v", mods)
		}
		if resp := ta.Do(t, "GET", "/api/v1/courses", outsider, ""); !strings.Contains(resp.Body, `"courses":[]`) {
			t.Errorf("a ministry editor outside the programme sees courses: %.200s", resp.Body)
		}
		var dd = list.Courses[0]
		if dd.Slug != "digital-diplomacy" {
			dd = list.Courses[1]
		}
		resp = ta.Do(t, "GET", "/api/v1/courses/"+itoa(dd.ID), nino, "")
		o.validate(t, "course", "GET", "/api/v1/courses/{id}", resp)

		prog, _ := org.GetOrgBySlug(ctx, ta.DB.R(), "programme")
		hs, err := academy.ListCohortsOfOrg(ctx, ta.DB.R(), prog.ID)
		if err != nil || len(hs) != 1 || hs[0].Name != demo.DemoCohort {
			t.Fatalf("demo cohorts: %+v %v", hs, err)
		}
		h := hs[0]
		resp = ta.Do(t, "GET", fmt.Sprintf("/api/v1/cohorts/%d/progress", h.ID), trainer, "")
		if resp.Status != 200 {
			t.Fatalf("progress: %d %s", resp.Status, resp.Body)
		}
		o.validate(t, "progress", "GET", "/api/v1/cohorts/{id}/progress", resp)
		var pr struct {
			Participants []struct {
				Name    string `json:"name"`
				OrgName string `json:"org_name"`
				Modules []struct {
					Complete   bool `json:"complete"`
					QuizPassed bool `json:"quiz_passed"`
				} `json:"modules"`
			} `json:"participants"`
		}
		_ = json.Unmarshal([]byte(resp.Body), &pr)
		if len(pr.Participants) != 3 {
			t.Fatalf("participants: %+v", pr.Participants)
		}
		ministries := map[string]bool{}
		for _, p := range pr.Participants {
			ministries[p.OrgName] = true
			if p.Name == "Nino Beridze" && (!p.Modules[0].Complete || !p.Modules[0].QuizPassed) {
				t.Errorf("Nino's first module: %+v", p.Modules[0])
			}
		}
		if len(ministries) != 3 {
			t.Errorf("participants' ministries: %v", ministries)
		}
		for _, x := range []struct {
			who, tok string
			want     int
		}{{"participant", nino, 403}, {"outsider", outsider, 404}} {
			resp := ta.Do(t, "GET", fmt.Sprintf("/api/v1/cohorts/%d/progress", h.ID), x.tok, "")
			if resp.Status != x.want {
				t.Errorf("progress as %s: %d", x.who, resp.Status)
			}
			o.validate(t, "progress as "+x.who, "GET", "/api/v1/cohorts/{id}/progress", resp)
		}
		// Module 2 is open for Nino, locked for Oksana (403, module-locked).
		lesson := fmt.Sprintf("/api/v1/cohorts/%d/lessons/%d", h.ID, dd.Modules[1].Lessons[0].ID)
		resp = ta.Do(t, "GET", lesson, nino, "")
		if resp.Status != 200 || !strings.Contains(resp.Body, `"body":"`) {
			t.Errorf("Nino's module 2 lesson: %d %.200s", resp.Status, resp.Body)
		}
		o.validate(t, "lesson", "GET", "/api/v1/cohorts/{id}/lessons/{lesson}", resp)
		resp = ta.Do(t, "GET", lesson, oksana, "")
		if resp.Status != 403 || !strings.Contains(resp.Body, "module-locked") {
			t.Errorf("Oksana's module 2 lesson: %d %.300s", resp.Status, resp.Body)
		}
		o.validate(t, "locked lesson", "GET", "/api/v1/cohorts/{id}/lessons/{lesson}", resp)
		// Oksana's interface is English; she asks for the Ukrainian of lesson 1.
		first := fmt.Sprintf("/api/v1/cohorts/%d/lessons/%d?lang=uk", h.ID, dd.Modules[0].Lessons[0].ID)
		resp = ta.Do(t, "GET", first, oksana, "")
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, `"language":"uk"`) {
			t.Errorf("translated lesson: %d %.200s", resp.Status, resp.Body)
		}
	})
}
