package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/testutil"
)

// workFixture is a cohort of the course-work test course (a text, a file
// and a campaign-plan assignment, the last two peer-reviewed) in A, with
// A's trainer, A's participant and two more participants who can sign in.
type workFixture struct {
	f      *Fixture
	cohort academy.Cohort
	course academy.Course
	peers  []*TestUser
}

func newWorkFixture(t *testing.T, e testutil.Engine) *workFixture {
	t.Helper()
	ctx := context.Background()
	f := NewFixture(t, e, WithPasswords())
	parsed, err := academy.ParseCourse(os.DirFS("../academy/testdata/seed"), "work-course")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := academy.Seed(ctx, f.DB, audit.System, f.A.ID, parsed); err != nil {
		t.Fatal(err)
	}
	w := &workFixture{f: f}
	if w.course, err = academy.GetCourseBySlug(ctx, f.DB.R(), f.A.ID, "work-course"); err != nil {
		t.Fatal(err)
	}
	if err := academy.LoadOutline(ctx, f.DB.R(), &w.course); err != nil {
		t.Fatal(err)
	}
	admin := principalOf(t, f, f.Members[authz.Admin])
	w.cohort = academy.Cohort{CourseID: w.course.ID, Name: "Work cohort", StartsOn: "2026-03-02", EndsOn: "2026-06-26"}
	if err := f.Academy.CreateCohort(ctx, admin, audit.System, &w.cohort); err != nil {
		t.Fatal(err)
	}
	enrol := func(u *TestUser, role academy.CohortRole) {
		if _, err := f.Academy.Enrol(ctx, admin, audit.System, w.cohort.ID, u.Email, role, 0); err != nil {
			t.Fatal(err)
		}
	}
	enrol(f.Members[authz.Trainer], academy.RoleTrainer)
	enrol(f.Members[authz.Participant], academy.RoleParticipant)
	for i, name := range []string{"Maria Peer", "Oleh Peer"} {
		u := f.NewUser(t, fmt.Sprintf("peer%d@example.org", i), name)
		if _, err := f.DB.W().ExecContext(ctx, "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = ?) WHERE id = ?", f.Members[authz.Participant].ID, u.ID); err != nil {
			t.Fatal(err)
		}
		enrol(u, academy.RoleParticipant)
		w.peers = append(w.peers, u)
	}
	return w
}

func (w *workFixture) assignment(t *testing.T, kind academy.AssignmentKind) academy.Assignment {
	t.Helper()
	for _, m := range w.course.Modules {
		if m.Assignment != nil && m.Assignment.Kind == kind {
			return *m.Assignment
		}
	}
	t.Fatalf("no %s assignment", kind)
	return academy.Assignment{}
}

func (w *workFixture) base() string { return "/o/" + w.f.A.Slug + "/academy" }

func (w *workFixture) assignmentURL(a academy.Assignment) string {
	return fmt.Sprintf("%s/cohorts/%d/assignments/%d", w.base(), w.cohort.ID, a.ID)
}

// latest is the newest submission of an assignment.
func (w *workFixture) latest(t *testing.T, a academy.Assignment) int64 {
	t.Helper()
	var id int64
	if err := w.f.DB.R().QueryRowContext(context.Background(), "SELECT MAX(id) FROM submissions WHERE assignment_id = ?", a.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// multipart posts a multipart form with one file (none when name is "").
func (b *browser) multipart(path string, fields url.Values, name string, data []byte) Response {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp := b.f.Serve(req)
	if resp.Status >= 500 {
		b.t.Errorf("POST %s: status %d (a 5xx is a bug): %.500s\nlog: %s", path, resp.Status, resp.Body, b.f.Logs.String())
	}
	return resp
}

func testPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// Course work through the pages: a text handed in, found in the
// trainer's queue, graded with the rubric, returned with comments, handed
// in again and accepted (the module shows it); a file checked by its
// content and served only to those who may see it, anonymously to peers; a
// campaign plan built in a marked sandbox and frozen when handed in; and
// the same queue through the API.
func TestWebCourseWork(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorkFixture(t, e)
		f := w.f
		participant, trainer := f.Members[authz.Participant], f.Members[authz.Trainer]
		text, file, plan := w.assignment(t, academy.AssignText), w.assignment(t, academy.AssignFile), w.assignment(t, academy.AssignCampaignPlan)
		pb, tb := newBrowser(t, f), newBrowser(t, f)
		pb.signIn(participant)
		tb.signIn(trainer)

		// The cohort page links the assignments; the assignment page has
		// the brief, the rubric and the form.
		resp := pb.get(fmt.Sprintf("%s/cohorts/%d", w.base(), w.cohort.ID))
		wantBody(t, "cohort page", resp, fmt.Sprintf(`href="%s"`, w.assignmentURL(text)))
		resp = pb.get(w.assignmentURL(text))
		wantStatus(t, "assignment", resp, 200)
		wantBody(t, "assignment", resp, "Statement rubric", "Accepted from 3 of 5 points", `name="body"`, "Hand in your work")
		wantStatus(t, "empty text", pb.post(w.assignmentURL(text)+"/submissions", url.Values{"body": {" "}}), 422)
		resp = pb.post(w.assignmentURL(text)+"/submissions", url.Values{"body": {"Georgia welcomes the first grain ship."}})
		wantStatus(t, "hand in", resp, 303)
		resp = pb.get(w.assignmentURL(text))
		wantBody(t, "after handing in", resp, "Waiting for review", "Revision 1", "Your work is waiting for the trainer")
		sub := w.latest(t, text)
		subURL := fmt.Sprintf("%s/submissions/%d", w.base(), sub)

		// The trainer's queue and the rubric form.
		resp = tb.get(w.base() + "/grading")
		wantStatus(t, "queue", resp, 200)
		wantBody(t, "queue", resp, participant.Name, "A statement", "1 submission waiting", `class="rail-count">1<`, subURL)
		resp = tb.get(subURL)
		wantBody(t, "review page", resp, participant.Name, `<legend>Clarity</legend>`, `type="radio" id="level.clarity-0" name="level.clarity"`,
			`name="comment.facts"`, `value="accept"`, `value="revise"`, "Georgia welcomes the first grain ship.")
		resp = tb.post(subURL+"/review", url.Values{"level.clarity": {"1"}, "decision": {"revise"}})
		wantStatus(t, "a level missing", resp, 422)
		wantBody(t, "a level missing", resp, "Choose a level for this criterion.", `id="level.facts-error"`)
		resp = tb.post(subURL+"/review", url.Values{"level.clarity": {"1"}, "level.facts": {"1"}, "decision": {"revise"}})
		wantStatus(t, "returned without comment", resp, 422)
		wantBody(t, "returned without comment", resp, "Say what to revise")
		resp = tb.post(subURL+"/review", url.Values{"level.clarity": {"1"}, "level.facts": {"1"}, "comment.clarity": {"Two messages compete."},
			"comment": {"Keep one message and source it."}, "decision": {"revise"}})
		wantStatus(t, "return", resp, 303)
		resp = pb.get(subURL)
		wantBody(t, "returned work", resp, "Returned for revision", "Two messages compete.", "Keep one message and source it.", "1 of 5 points", "Muddled")
		resp = pb.post(w.assignmentURL(text)+"/submissions", url.Values{"body": {"Georgia welcomes the first grain ship (30,000 t, Poti)."}})
		wantStatus(t, "revision 2", resp, 303)
		sub2 := w.latest(t, text)
		resp = tb.post(fmt.Sprintf("%s/submissions/%d/review", w.base(), sub2), url.Values{"level.clarity": {"0"}, "level.facts": {"0"}, "decision": {"accept"}})
		wantStatus(t, "accept", resp, 303)
		resp = pb.get(fmt.Sprintf("%s/cohorts/%d", w.base(), w.cohort.ID))
		wantBody(t, "cohort after acceptance", resp, `<span class="state state-ok">Accepted</span>`)
		resp = pb.get(w.assignmentURL(text))
		wantBody(t, "assignment after acceptance", resp, "This assignment has been accepted.", "Revision 2", "Revision 1")
		resp = pb.get(w.base() + "/submissions")
		wantBody(t, "my work", resp, "A statement", "Accepted", "Returned for revision")
		var kinds []string
		rows, _ := f.DB.R().QueryContext(ctx, "SELECT kind FROM notifications WHERE user_id = ? ORDER BY id", participant.ID)
		for rows.Next() {
			var k string
			rows.Scan(&k)
			kinds = append(kinds, k)
		}
		rows.Close()
		if strings.Join(kinds, ",") != "academy_returned,academy_accepted" {
			t.Errorf("participant's notifications: %v", kinds)
		}

		// A file: checked by its content, served with a download's headers.
		resp = pb.multipart(w.assignmentURL(file)+"/submissions", url.Values{"body": {"Deck"}}, "deck.pdf", []byte("<html><script>alert(1)</script></html>"))
		wantStatus(t, "HTML named .pdf", resp, 422)
		wantBody(t, "HTML named .pdf", resp, "judged by its content")
		resp = pb.multipart(w.assignmentURL(file)+"/submissions", url.Values{"body": {"Deck"}}, "deck.pdf", testPDF())
		wantStatus(t, "PDF", resp, 303)
		fsub := w.latest(t, file)
		fileURL := fmt.Sprintf("%s/submissions/%d/file", w.base(), fsub)
		resp = tb.get(fileURL)
		wantStatus(t, "file for the trainer", resp, 200)
		if resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename=deck.pdf`) ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("file headers: %v", resp.Header)
		}
		// Peers see it without the author, and the file under a neutral name.
		var peer *TestUser
		for _, u := range w.peers {
			var n int
			f.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM peer_assignments WHERE submission_id = ? AND reviewer_id = ?", fsub, u.ID).Scan(&n)
			if n == 1 && peer == nil {
				peer = u
			}
		}
		if peer == nil {
			t.Fatal("no peer assigned")
		}
		qb := newBrowser(t, f)
		qb.signIn(peer)
		resp = qb.get(fmt.Sprintf("%s/submissions/%d", w.base(), fsub))
		wantStatus(t, "peer's view", resp, 200)
		wantBody(t, "peer's view", resp, "Anonymous (peer review)", "You review this work anonymously as Peer", "Send my peer review")
		if strings.Contains(resp.Body, participant.Name) || strings.Contains(resp.Body, "deck.pdf") {
			t.Errorf("the peer's page names the author or their file")
		}
		resp = qb.get(fileURL)
		if resp.Status != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), fmt.Sprintf("submission-%d.pdf", fsub)) {
			t.Errorf("file for the peer: %d %v", resp.Status, resp.Header)
		}
		resp = qb.post(fmt.Sprintf("%s/submissions/%d/review", w.base(), fsub), url.Values{"level.story": {"0"}, "comment": {"A clear line."}})
		wantStatus(t, "peer review", resp, 303)
		resp = qb.get(w.base() + "/submissions")
		wantBody(t, "peer's work page", resp, "Peer reviews asked of you", "A briefing deck", "Reviewed")
		// The author does not see the peer review before the decision.
		if resp := pb.get(fmt.Sprintf("%s/submissions/%d", w.base(), fsub)); strings.Contains(resp.Body, "A clear line.") {
			t.Error("the author read a peer review before the trainer decided")
		}
		// The trainer sees the peers by name.
		resp = tb.get(fmt.Sprintf("%s/submissions/%d", w.base(), fsub))
		wantBody(t, "trainer's view of peers", resp, "Peer reviewers", peer.Name, "A clear line.")

		// A campaign plan: the sandbox, marked, and the frozen snapshot.
		resp = pb.post(fmt.Sprintf("%s/cohorts/%d/sandbox", w.base(), w.cohort.ID), nil)
		wantStatus(t, "sandbox", resp, 303)
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, "/o/training-") || !strings.HasSuffix(loc, "/campaigns") {
			t.Fatalf("sandbox location %q", loc)
		}
		resp = pb.get(loc)
		wantStatus(t, "sandbox studio", resp, 200)
		wantBody(t, "sandbox studio", resp, "Training sandbox.", "nothing is ever published", `class="chip chip-sandbox"`)
		slug := strings.TrimSuffix(strings.TrimPrefix(loc, "/o/"), "/campaigns")
		pp := principalOf(t, f, participant)
		sb, err := f.Academy.OpenSandbox(ctx, pp, audit.System, w.cohort.ID)
		if err != nil || sb.Slug != slug {
			t.Fatalf("sandbox: %+v %v", sb, err)
		}
		c := campaign.Campaign{Title: "Grain from Ukraine", Period: campaign.Period{Start: "2026-04-01", End: "2026-05-31"}}
		cplan := &campaign.Plan{KeyMessages: []campaign.KeyMessage{{Title: "Food security", Translations: map[string]string{"en": "Food security is security.", "uk": "Продовольча безпека — це безпека."}}}}
		if err := f.Campaigns.Create(ctx, pp, audit.System, sb, &c, cplan); err != nil {
			t.Fatal(err)
		}
		resp = pb.get(w.assignmentURL(plan))
		wantBody(t, "plan assignment", resp, "Open my sandbox", "Grain from Ukraine", `name="campaign_id"`)
		resp = pb.multipart(w.assignmentURL(plan)+"/submissions", url.Values{"campaign_id": {fmt.Sprint(c.ID)}, "body": {"My plan."}}, "", nil)
		wantStatus(t, "hand in the plan", resp, 303)
		if _, err := f.Campaigns.Update(ctx, pp, c.ID, func(x *campaign.Campaign) { x.Title = "Renamed afterwards" }, nil); err != nil {
			t.Fatal(err)
		}
		resp = tb.get(fmt.Sprintf("%s/submissions/%d", w.base(), w.latest(t, plan)))
		wantBody(t, "frozen plan", resp, "Grain from Ukraine", "Продовольча безпека — це безпека.", `lang="uk"`, "Key messages", "Calendar")
		if strings.Contains(resp.Body, "Renamed afterwards") {
			t.Error("the trainer sees the live sandbox, not the snapshot")
		}

		// The same queue through the API.
		var q struct {
			Count       int                  `json:"count"`
			Submissions []academy.QueueEntry `json:"submissions"`
		}
		resp = f.Do(t, "GET", "/api/v1/grading", trainer.Token, "")
		if resp.Status != 200 || json.Unmarshal([]byte(resp.Body), &q) != nil || q.Count != 2 || q.Submissions[0].Kind != academy.AssignFile || q.Submissions[1].Kind != academy.AssignCampaignPlan {
			t.Errorf("API queue: %d %s", resp.Status, resp.Body)
		}
		resp = f.Do(t, "GET", "/api/v1/grading?kind=campaign_plan&cohort_id="+fmt.Sprint(w.cohort.ID), trainer.Token, "")
		if json.Unmarshal([]byte(resp.Body), &q) != nil || q.Count != 1 {
			t.Errorf("API queue filtered: %s", resp.Body)
		}
		if resp = f.Do(t, "GET", "/api/v1/grading?kind=essay", trainer.Token, ""); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad kind: %d %s", resp.Status, resp.Body)
		}
		if resp = f.Do(t, "GET", "/api/v1/grading", participant.Token, ""); json.Unmarshal([]byte(resp.Body), &q) != nil || q.Count != 0 {
			t.Errorf("participant's queue: %s", resp.Body)
		}
		// Someone outside the cohort: 404 on the work and its file.
		ob := newBrowser(t, f)
		ob.signIn(f.Members[authz.Editor])
		wantStatus(t, "editor of A on the work", ob.get(fmt.Sprintf("%s/submissions/%d", w.base(), fsub)), 404)
		wantStatus(t, "editor of A on the file", ob.get(fileURL), 404)
	})
}
