package academy

import (
	"context"
	"errors"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

// The start is asked before the first lesson and closes with it; the end
// opens with completion; ratings are 1–5 for every statement; skipping
// records a choice without erasing ratings. The organiser sees the change
// per participant, per ministry and for the cohort (paired means).
func TestSelfAssessmentAndImpact(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		w.signing(t, "https://academy.example.org")
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		p := w.participant
		// A second participant from another ministry, and a third who skips.
		third := w.bystander
		for _, x := range []*authz.Principal{w.other, third} {
			if _, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, h.ID, x.Email, RoleParticipant, 0); err != nil {
				t.Fatal(err)
			}
		}

		due, err := w.svc.StartAssessmentDue(ctx, p, h.ID)
		if err != nil || !due {
			t.Fatalf("start due before the first lesson: %v %v", due, err)
		}
		if due, _ := w.svc.StartAssessmentDue(ctx, w.trainer, h.ID); due {
			t.Error("a trainer is asked to assess themselves")
		}
		var fe *FieldError
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseStart, map[string]int{"basics": 2}, false); !errors.As(err, &fe) || fe.Field != "rating.practice" {
			t.Fatalf("a statement left out: %v", err)
		}
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseStart, map[string]int{"basics": 2, "practice": 6}, false); !errors.As(err, &fe) {
			t.Fatalf("a rating of 6: %v", err)
		}
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseStart, map[string]int{"basics": 2, "practice": 1, "unknown": 5}, false); err != nil {
			t.Fatal(err)
		}
		if due, _ := w.svc.StartAssessmentDue(ctx, p, h.ID); due {
			t.Error("still due after answering")
		}
		// Skipping later keeps the ratings.
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseStart, nil, true); err != nil {
			t.Fatal(err)
		}
		if a, _, _ := getAssessment(ctx, e.DB.R(), h.ID, p.UserID, PhaseStart); a.Answers["basics"] != 2 || len(a.Answers) != 2 {
			t.Fatalf("start answers: %+v", a.Answers)
		}
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseEnd, map[string]int{"basics": 4, "practice": 4}, false); !errors.Is(err, ErrEndNotOpen) {
			t.Fatalf("end before completion: %v", err)
		}
		if err := w.svc.SaveAssessment(ctx, w.trainer, h.ID, PhaseStart, map[string]int{"basics": 4, "practice": 4}, false); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("trainer: %v", err)
		}
		if _, err := w.svc.Assessment(ctx, p, h.ID, "middle"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown phase: %v", err)
		}
		if err := w.svc.SaveAssessment(ctx, w.other, h.ID, PhaseStart, map[string]int{"basics": 3, "practice": 3}, false); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SaveAssessment(ctx, third, h.ID, PhaseStart, nil, true); err != nil {
			t.Fatal(err)
		}
		if due, _ := w.svc.StartAssessmentDue(ctx, third, h.ID); due {
			t.Error("asked again after skipping")
		}

		w.completeCourse(t, c, h, p)
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseStart, map[string]int{"basics": 1, "practice": 1}, false); !errors.Is(err, ErrStartClosed) {
			t.Fatalf("start after lessons: %v", err)
		}
		v, err := w.svc.MyCertificate(ctx, p, h.ID)
		if err != nil || !v.AssessEnd || v.Certificate == nil {
			t.Fatalf("the certificate page does not ask for the end: %+v %v", v, err)
		}
		if err := w.svc.SaveAssessment(ctx, p, h.ID, PhaseEnd, map[string]int{"basics": 5, "practice": 4}, false); err != nil {
			t.Fatal(err)
		}
		if v, _ := w.svc.MyCertificate(ctx, p, h.ID); v.AssessEnd {
			t.Error("still asked for the end after answering")
		}
		w.completeCourse(t, c, h, w.other)
		if err := w.svc.SaveAssessment(ctx, w.other, h.ID, PhaseEnd, map[string]int{"basics": 4, "practice": 3}, false); err != nil {
			t.Fatal(err)
		}

		im, err := w.svc.Impact(ctx, w.organiser, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		// nino: start (2+1)/2 = 1.5, end 4.5, change 3; ion: 3 → 3.5, change 0.5.
		if im.Total.N != 2 || *im.Total.Start != 2.25 || *im.Total.End != 4 || *im.Total.Change != 1.75 {
			t.Errorf("cohort means: %+v start=%v end=%v change=%v", im.Total, *im.Total.Start, *im.Total.End, *im.Total.Change)
		}
		if len(im.Ministries) != 2 || im.Ministries[0].OrgName != "MFA Georgia" || *im.Ministries[0].Change != 3 || im.Ministries[1].OrgName != "MFA Moldova" || *im.Ministries[1].Change != 0.5 {
			t.Errorf("per ministry: %+v", im.Ministries)
		}
		if len(im.Statements) != 2 || im.Statements[0].Key != "basics" || *im.Statements[0].Start != 2.5 || *im.Statements[0].End != 4.5 || im.Statements[0].N != 2 {
			t.Errorf("per statement: %+v", im.Statements)
		}
		if len(im.Participants) != 3 {
			t.Fatalf("participants: %+v", im.Participants)
		}
		for _, pi := range im.Participants {
			switch pi.UserID {
			case third.UserID:
				if pi.Start != nil || pi.End != nil || pi.Change != nil {
					t.Errorf("the one who skipped: %+v", pi)
				}
			case p.UserID:
				if *pi.Start != 1.5 || *pi.End != 4.5 || *pi.Change != 3 || pi.OrgName != "MFA Georgia" {
					t.Errorf("nino: %+v", pi)
				}
			}
		}
		for _, who := range []*authz.Principal{w.trainer, p} {
			if _, err := w.svc.Impact(ctx, who, h.ID); !errors.Is(err, authz.ErrForbidden) {
				t.Errorf("impact for %s: %v", who.Email, err)
			}
		}
		if _, err := w.svc.Impact(ctx, w.outsider, h.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("impact for an outsider: %v", err)
		}
	})
}

// Members of the cohort and the organisers read and write under each
// module, newest last; other people get the cohort's 404.
func TestDiscussion(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		m := c.Modules[1].ID // locked for the participant: discussing it is fine
		for i, who := range []*authz.Principal{w.participant, w.trainer, w.organiser} {
			if _, err := w.svc.AddPost(ctx, who, h.ID, m, "Post **"+string(rune('A'+i))+"**"); err != nil {
				t.Fatalf("post by %s: %v", who.Email, err)
			}
		}
		v, err := w.svc.Discussion(ctx, w.participant, h.ID, m)
		if err != nil || len(v.Posts) != 3 || v.Posts[0].Author != "nino" || v.Posts[0].AuthorRole != RoleParticipant ||
			v.Posts[2].Body != "Post **C**" || v.Posts[2].AuthorRole != "" || !v.CanPost {
			t.Fatalf("discussion: %+v %v", v.Posts, err)
		}
		other, _ := w.svc.Discussion(ctx, w.participant, h.ID, c.Modules[0].ID)
		if len(other.Posts) != 0 {
			t.Error("a post shows under another module")
		}
		var fe *FieldError
		if _, err := w.svc.AddPost(ctx, w.participant, h.ID, m, "   "); !errors.As(err, &fe) || fe.Field != "body" {
			t.Errorf("empty post: %v", err)
		}
		for _, who := range []*authz.Principal{w.bystander, w.outsider, w.other, w.trainer2} {
			if _, err := w.svc.Discussion(ctx, who, h.ID, m); !errors.Is(err, authz.ErrNotMember) {
				t.Errorf("%s reads the discussion: %v", who.Email, err)
			}
			if _, err := w.svc.AddPost(ctx, who, h.ID, m, "hello"); !errors.Is(err, authz.ErrNotMember) {
				t.Errorf("%s posts: %v", who.Email, err)
			}
		}
		if _, err := w.svc.Discussion(ctx, w.participant, h.ID, 987654); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown module: %v", err)
		}
		counts, err := PostCounts(ctx, e.DB.R(), h.ID)
		if err != nil || counts[m] != 3 {
			t.Errorf("counts: %v %v", counts, err)
		}
	})
}
