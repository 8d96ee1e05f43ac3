package academy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// outbox records what approval hands to the publishing engine.
type outbox struct{ enqueued []int64 }

func (o *outbox) EnqueueTx(_ context.Context, _ *db.Tx, variantID int64, _ int, _ time.Time) error {
	o.enqueued = append(o.enqueued, variantID)
	return nil
}

// workWorld is the academy world with the course-work course, cohort A
// (trainer, participant and two more participants who review as peers)
// and cohort B (trainer2, other), and the services course work needs.
type workWorld struct {
	*world
	course *Course
	a, b   Cohort
	peers  []*authz.Principal // more participants of A
	box    *outbox
}

func newWorkWorld(t *testing.T, e testutil.Engine) *workWorld {
	t.Helper()
	ctx := context.Background()
	w := &workWorld{world: newWorld(t, e), box: &outbox{}}
	w.svc.Campaigns = &campaign.Service{DB: e.DB, Outbox: w.box}
	w.svc.Files = &media.Store{Dir: filepath.Join(t.TempDir(), "coursework")}
	w.svc.StudioFiles = &media.Store{Dir: filepath.Join(t.TempDir(), "media")}
	c, err := ParseCourse(os.DirFS("testdata/seed"), "work-course")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seed(ctx, e.DB, audit.CLI, w.programme, c); err != nil {
		t.Fatal(err)
	}
	course, err := GetCourse(ctx, e.DB.R(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.course = &course
	if err := LoadOutline(ctx, e.DB.R(), w.course); err != nil {
		t.Fatal(err)
	}
	w.a = w.cohort(t, w.course.ID)
	w.b = w.cohortWith(t, w.course.ID, "Cohort B", w.trainer2, w.other)
	for _, email := range []string{"maria@example.org", "oleh@example.org"} {
		var id int64
		if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP) RETURNING id",
			email, strings.Split(email, "@")[0]).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, w.a.ID, email, RoleParticipant, w.ministry); err != nil {
			t.Fatal(err)
		}
		w.peers = append(w.peers, &authz.Principal{UserID: id, Email: email, Memberships: []authz.Membership{{OrgID: w.programme, Role: authz.Participant}}})
	}
	return w
}

func (w *workWorld) assignment(t *testing.T, kind AssignmentKind) Assignment {
	t.Helper()
	for _, m := range w.course.Modules {
		if m.Assignment != nil && m.Assignment.Kind == kind {
			return *m.Assignment
		}
	}
	t.Fatalf("no %s assignment", kind)
	return Assignment{}
}

func notified(t *testing.T, e testutil.Engine, userID int64, kind string) int {
	t.Helper()
	var n int
	if err := e.DB.R().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?", userID, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// A text assignment: handed in, found in the right queues, graded with the
// rubric, returned with comments, handed in again as revision 2, accepted;
// the module is then complete and nothing more can be handed in.
func TestTextSubmissionReturnResubmitAccept(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorkWorld(t, e)
		asg := w.assignment(t, AssignText)
		if _, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "  "}); fieldOf(err) != "body" {
			t.Fatalf("empty text: %v", err)
		}
		if _, err := w.svc.Submit(ctx, w.trainer, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "Mine"}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("a trainer handed in work: %v", err)
		}
		sub, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "Georgia welcomes the first grain ship."})
		if err != nil || sub.Revision != 1 || sub.State != StateSubmitted {
			t.Fatalf("submit: %+v %v", sub, err)
		}
		if _, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "Again"}); !errors.Is(err, ErrAwaitingDecision) {
			t.Fatalf("second submission while waiting: %v", err)
		}
		if n := notified(t, e, w.trainer.UserID, NotifySubmitted); n != 1 {
			t.Errorf("trainer notifications: %d", n)
		}
		// Queues: A's trainer and the organiser, not B's trainer nor the participant.
		for _, tc := range []struct {
			who  string
			p    *authz.Principal
			want int
		}{{"trainer", w.trainer, 1}, {"organiser", w.organiser, 1}, {"trainer of B", w.trainer2, 0}, {"participant", w.participant, 0}, {"outsider", w.outsider, 0}} {
			q, err := w.svc.Queue(ctx, tc.p, QueueFilter{})
			if err != nil || len(q) != tc.want {
				t.Errorf("queue of %s: %+v %v", tc.who, q, err)
			}
		}
		if q, _ := w.svc.Queue(ctx, w.trainer, QueueFilter{Kind: AssignFile}); len(q) != 0 {
			t.Errorf("kind filter: %+v", q)
		}
		if n, _ := w.svc.QueueCount(ctx, w.trainer, w.programme); n != 1 {
			t.Errorf("queue count: %d", n)
		}

		// Grading: every criterion needs a level; returning needs a comment.
		if _, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"clarity": 0}, Decision: DecisionAccept}); fieldOf(err) != "criteria/facts/level" {
			t.Fatalf("missing level: %v", err)
		}
		if _, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"clarity": 0, "facts": 7}, Decision: DecisionAccept}); fieldOf(err) != "criteria/facts/level" {
			t.Fatalf("unknown level: %v", err)
		}
		if _, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"clarity": 1, "facts": 1}, Decision: DecisionRevise}); fieldOf(err) != "comment" {
			t.Fatalf("returned without a comment: %v", err)
		}
		if _, err := w.svc.Review(ctx, w.participant, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"clarity": 0, "facts": 0}, Decision: DecisionAccept}); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("the author graded their own work: %v", err)
		}
		r, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub.ID, ReviewInput{
			Levels:   map[string]int{"clarity": 1, "facts": 1},
			Comments: map[string]string{"clarity": "Two messages compete.", "facts": "Source the tonnage."},
			Comment:  "Keep one message and source it.", Decision: DecisionRevise})
		if err != nil || r.Points != 1 || len(r.Scores) != 2 || r.Scores[0].Comment != "Two messages compete." || r.Scores[0].LevelTitle != "Muddled" {
			t.Fatalf("return: %+v %v", r, err)
		}
		if _, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"clarity": 0, "facts": 0}, Decision: DecisionAccept}); !errors.Is(err, ErrDecided) {
			t.Fatalf("decided twice: %v", err)
		}
		if n := notified(t, e, w.participant.UserID, NotifyReturned); n != 1 {
			t.Errorf("returned notifications: %d", n)
		}
		if q, _ := w.svc.Queue(ctx, w.trainer, QueueFilter{}); len(q) != 0 {
			t.Errorf("a decided submission stayed in the queue: %+v", q)
		}
		v, err := w.svc.Submission(ctx, w.participant, sub.ID)
		if err != nil || v.Submission.State != StateReturned || len(v.Reviews) != 1 || v.Reviews[0].Comment != "Keep one message and source it." {
			t.Fatalf("the author's view of the returned work: %+v %v", v, err)
		}

		// Revision 2, accepted: the module is complete (its lesson read).
		sub2, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "Georgia welcomes the first grain ship (30,000 t, port of Poti)."})
		if err != nil || sub2.Revision != 2 {
			t.Fatalf("resubmit: %+v %v", sub2, err)
		}
		if _, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub2.ID, ReviewInput{Levels: map[string]int{"clarity": 0, "facts": 0}, Decision: DecisionAccept}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "More"}); !errors.Is(err, ErrAlreadyAccepted) {
			t.Fatalf("handed in after acceptance: %v", err)
		}
		v, err = w.svc.Submission(ctx, w.participant, sub2.ID)
		if err != nil || len(v.Revisions) != 2 || v.Revisions[1].State != StateReturned || v.Revisions[0].State != StateAccepted {
			t.Fatalf("history: %+v %v", v.Revisions, err)
		}
		if n := notified(t, e, w.participant.UserID, NotifyAccepted); n != 1 {
			t.Errorf("accepted notifications: %d", n)
		}
		m := w.course.Modules[0]
		if _, err := w.svc.OpenLesson(ctx, w.participant, w.a.ID, m.Lessons[0].ID, "", "en"); err != nil {
			t.Fatal(err)
		}
		pr, _, err := w.svc.Progress(ctx, w.participant, w.a.ID, w.participant.UserID)
		if err != nil || !pr.Modules[0].AssignmentAccepted || !pr.Modules[0].Complete {
			t.Fatalf("progress after acceptance: %+v %v", pr.Modules[0], err)
		}
		work, err := w.svc.Work(ctx, w.participant, w.programme)
		if err != nil || len(work.Submissions) != 2 || work.Submissions[0].Revision != 2 {
			t.Fatalf("my work: %+v %v", work, err)
		}
	})
}

func pdfFile() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func docxFile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`,
	} {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A file assignment with peer review: files are checked by content, two
// peers of the cohort are assigned (never the author), peers see the work
// without its author and write their review; the author reads the peer
// reviews, as "Peer 1" and "Peer 2", once the trainer decided; trainers
// see the peers' names throughout.
func TestFileSubmissionAndPeerReview(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorkWorld(t, e)
		asg := w.assignment(t, AssignFile)
		if _, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{}); fieldOf(err) != "file" {
			t.Fatalf("no file: %v", err)
		}
		if _, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{File: strings.NewReader("<html><script>alert(1)</script>"), FileName: "deck.pdf"}); fieldOf(err) != "file" {
			t.Fatalf("HTML named .pdf: %v", err)
		}
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		f, _ := zw.Create("notes.txt")
		f.Write([]byte("not an office file"))
		zw.Close()
		if _, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{File: &zbuf, FileName: "deck.docx"}); fieldOf(err) != "file" {
			t.Fatalf("a plain ZIP named .docx: %v", err)
		}
		sub, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{File: bytes.NewReader(docxFile(t)), FileName: `C:\Users\Nino Beridze\deck.docx`, Body: "The deck for the briefing."})
		if err != nil || sub.FileType != media.DOCX || sub.FileName != "deck.docx" || !w.svc.Files.Exists(sub.FileSHA) {
			t.Fatalf("docx: %+v %v", sub, err)
		}
		// Two peers, both of cohort A, never the author.
		peers, err := peersOf(ctx, e.DB.R(), sub.ID)
		if err != nil || len(peers) != 2 {
			t.Fatalf("peers: %+v %v", peers, err)
		}
		byID := map[int64]*authz.Principal{w.peers[0].UserID: w.peers[0], w.peers[1].UserID: w.peers[1]}
		for _, pa := range peers {
			if byID[pa.ReviewerID] == nil {
				t.Fatalf("peer %d is not one of the other participants of A", pa.ReviewerID)
			}
			if notified(t, e, pa.ReviewerID, NotifyPeerReview) != 1 {
				t.Errorf("peer %d not notified", pa.ReviewerID)
			}
		}
		peer1, peer2 := byID[peers[0].ReviewerID], byID[peers[1].ReviewerID]

		// The peer's view: anonymous, and the file under a neutral name.
		pv, err := w.svc.Submission(ctx, peer1, sub.ID)
		if err != nil || !pv.Anonymous || pv.AuthorName != "" || pv.Revisions != nil || !pv.CanPeer || pv.CanDecide || pv.MyLabel != 1 || pv.Peers != nil {
			t.Fatalf("peer view: %+v %v", pv, err)
		}
		if _, name, err := w.svc.SubmissionFile(ctx, peer1, sub.ID); err != nil || strings.Contains(name, "deck") || !strings.HasSuffix(name, ".docx") {
			t.Errorf("file name for a peer: %q %v", name, err)
		}
		if _, name, err := w.svc.SubmissionFile(ctx, w.trainer, sub.ID); err != nil || name != "deck.docx" {
			t.Errorf("file name for the trainer: %q %v", name, err)
		}
		if _, err := w.svc.Review(ctx, peer1, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"story": 0}, Comment: "A clear line.", Decision: DecisionAccept}); err != nil {
			t.Fatalf("peer review: %v", err)
		}
		if _, err := w.svc.Review(ctx, peer1, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"story": 0}}); !errors.Is(err, ErrPeerReviewed) {
			t.Fatalf("reviewed twice: %v", err)
		}
		rv, _ := w.svc.Submission(ctx, peer1, sub.ID)
		if len(rv.Reviews) != 1 || rv.Reviews[0].Decision != "" || rv.Reviews[0].Kind != ReviewPeer {
			t.Fatalf("a peer's decision counted or was not stored as advice: %+v", rv.Reviews)
		}
		if sv, _ := w.svc.Submission(ctx, w.participant, sub.ID); len(sv.Reviews) != 0 || sv.Submission.State != StateSubmitted {
			t.Fatalf("the author saw peer reviews before the decision: %+v", sv.Reviews)
		}
		tv, err := w.svc.Submission(ctx, w.trainer, sub.ID)
		if err != nil || len(tv.Peers) != 2 || tv.Peers[0].Name == "" || len(tv.Reviews) != 1 || tv.Reviews[0].ReviewerName == "" || !tv.CanDecide || tv.AuthorName != "nino" {
			t.Fatalf("trainer view: %+v %v", tv, err)
		}
		if q, _ := w.svc.Queue(ctx, w.trainer, QueueFilter{Kind: AssignFile}); len(q) != 1 || q[0].PeersAssigned != 2 || q[0].PeersDone != 1 {
			t.Fatalf("queue peers: %+v", q)
		}
		if _, err := w.svc.Review(ctx, w.trainer, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"story": 1}, Comment: "Find the line first.", Decision: DecisionRevise}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Review(ctx, peer2, audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"story": 0}}); !errors.Is(err, ErrDecided) {
			t.Fatalf("peer review after the decision: %v", err)
		}
		sv, err := w.svc.Submission(ctx, w.participant, sub.ID)
		if err != nil || len(sv.Reviews) != 2 || sv.Reviews[0].Kind != ReviewTrainer || sv.Reviews[1].PeerLabel != 1 || sv.Reviews[1].ReviewerName != "" || sv.Reviews[1].ReviewerID != 0 {
			t.Fatalf("author's view after the decision: %+v %v", sv.Reviews, err)
		}
		// The revision goes to the same peers.
		sub2, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{File: bytes.NewReader(pdfFile()), FileName: "deck-v2.pdf"})
		if err != nil || sub2.FileType != media.PDF {
			t.Fatalf("pdf: %+v %v", sub2, err)
		}
		again, _ := peersOf(ctx, e.DB.R(), sub2.ID)
		if len(again) != 2 || again[0].ReviewerID != peers[0].ReviewerID || again[1].ReviewerID != peers[1].ReviewerID {
			t.Errorf("revision peers: %+v, before %+v", again, peers)
		}
		if tasks, err := w.svc.Work(ctx, peer1, w.programme); err != nil || len(tasks.PeerTasks) != 2 || tasks.PeerTasks[0].SubmissionID != sub2.ID {
			t.Errorf("peer tasks: %+v %v", tasks.PeerTasks, err)
		}

		// Who sees the work: the access table.
		for _, tc := range []struct {
			who  string
			p    *authz.Principal
			want error
		}{
			{"author", w.participant, nil},
			{"trainer of A", w.trainer, nil},
			{"organiser", w.organiser, nil},
			{"assigned peer", peer1, nil},
			{"trainer of B", w.trainer2, authz.ErrNotMember},
			{"participant of B", w.other, authz.ErrNotMember},
			{"programme member in no cohort", w.bystander, authz.ErrNotMember},
			{"outsider", w.outsider, authz.ErrNotMember},
			{"nobody", nil, authz.ErrNotMember},
		} {
			if _, err := w.svc.Submission(ctx, tc.p, sub.ID); !errors.Is(err, tc.want) {
				t.Errorf("%s on the submission: %v, want %v", tc.who, err, tc.want)
			}
			if _, _, err := w.svc.SubmissionFile(ctx, tc.p, sub.ID); !errors.Is(err, tc.want) {
				t.Errorf("%s on the file: %v, want %v", tc.who, err, tc.want)
			}
		}
		if _, err := w.svc.Submission(ctx, w.organiser, 987654); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("unknown submission: %v", err)
		}
	})
}

// A participant of a cohort whose other participants did not get the work
// assigned never sees it, even in the same cohort.
func TestUnassignedParticipantSeesNothing(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorkWorld(t, e)
		asg := w.assignment(t, AssignText) // no peer review
		sub, err := w.svc.Submit(ctx, w.participant, audit.CLI, w.a.ID, asg.ID, SubmitInput{Body: "Text"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Submission(ctx, w.peers[0], sub.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("a participant of the same cohort read another's work: %v", err)
		}
		if _, err := w.svc.Review(ctx, w.peers[0], audit.CLI, sub.ID, ReviewInput{Levels: map[string]int{"clarity": 0, "facts": 0}}); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("a participant reviewed another's work: %v", err)
		}
	})
}

// A campaign plan: the sandbox is a marked organisation of the
// participant (admin) where the trainer reviews; approval there schedules
// but hands nothing to the publishing engine; submitting freezes a
// snapshot that later changes to the sandbox do not touch.
func TestCampaignPlanSnapshot(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorkWorld(t, e)
		asg := w.assignment(t, AssignCampaignPlan)
		if _, err := w.svc.OpenSandbox(ctx, w.trainer, audit.CLI, w.a.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Fatalf("a trainer got a sandbox: %v", err)
		}
		sb, err := w.svc.OpenSandbox(ctx, w.participant, audit.CLI, w.a.ID)
		if err != nil || !sb.Sandbox || sb.Kind != org.Ministry {
			t.Fatalf("sandbox: %+v %v", sb, err)
		}
		if again, err := w.svc.OpenSandbox(ctx, w.participant, audit.CLI, w.a.ID); err != nil || again.ID != sb.ID {
			t.Fatalf("a second sandbox: %+v %v", again, err)
		}
		if r, _ := org.MemberRole(ctx, e.DB.R(), sb.ID, w.participant.UserID); r != authz.Admin {
			t.Errorf("participant's role in the sandbox: %q", r)
		}
		if r, _ := org.MemberRole(ctx, e.DB.R(), sb.ID, w.trainer.UserID); r != authz.Reviewer {
			t.Errorf("trainer's role in the sandbox: %q", r)
		}
		if r, err := org.MemberRole(ctx, e.DB.R(), sb.ID, w.trainer2.UserID); err == nil {
			t.Errorf("B's trainer is in the sandbox as %q", r)
		}
		accs, _ := channel.List(ctx, e.DB.R(), sb.ID, false)
		if len(accs) != len(practiceAccounts) {
			t.Fatalf("practice accounts: %+v", accs)
		}
		p := &authz.Principal{UserID: w.participant.UserID, Email: w.participant.Email, Memberships: append(w.participant.Memberships, authz.Membership{OrgID: sb.ID, Role: authz.Admin})}
		trainer := &authz.Principal{UserID: w.trainer.UserID, Memberships: append(w.trainer.Memberships, authz.Membership{OrgID: sb.ID, Role: authz.Reviewer})}

		cs := w.svc.Campaigns
		c := campaign.Campaign{Title: "Grain from Ukraine", Brief: "Thank the partners.", Period: campaign.Period{Start: "2026-04-01", End: "2026-05-31"}}
		plan := &campaign.Plan{
			Objectives:  []campaign.Objective{{Title: "Reach in Georgia", Metric: "reach", TargetValue: 200000, DueDate: "2026-05-31"}},
			Audiences:   []campaign.Audience{{Country: "GE", Language: "ka", Description: "Georgian public"}},
			KeyMessages: []campaign.KeyMessage{{Title: "Food security is security", Translations: map[string]string{"en": "Food security is security.", "ka": "სასურსათო უსაფრთხოება უსაფრთხოებაა."}}},
		}
		if err := cs.Create(ctx, p, audit.CLI, sb, &c, plan); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
		it := campaign.Item{Title: "Ship arrives", Text: "The first grain ship arrives in Poti."}
		if err := cs.CreateItem(ctx, p, c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: accs[0].ID, Language: "en", Text: "The first grain ship arrives in Poti today.", ScheduledAt: &at}}); err != nil {
			t.Fatal(err)
		}
		vr := it.Variants[0]
		if _, err := cs.Submit(ctx, p, vr.ID); err != nil {
			t.Fatal(err)
		}
		got, err := cs.Approve(ctx, trainer, audit.CLI, vr.ID, "Good.")
		if err != nil || got.State != campaign.StateScheduled {
			t.Fatalf("approval in the sandbox: %+v %v", got, err)
		}
		if len(w.box.enqueued) != 0 {
			t.Fatalf("a sandbox variant went to the publishing engine: %v", w.box.enqueued)
		}

		// Only campaigns of the own sandbox can be handed in.
		other := campaign.Campaign{Title: "Real campaign", Period: campaign.Period{Start: "2026-04-01", End: "2026-05-31"}}
		ministry, _ := org.GetOrg(ctx, e.DB.R(), w.ministry)
		if err := cs.Create(ctx, w.outsider, audit.CLI, ministry, &other, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Submit(ctx, p, audit.CLI, w.a.ID, asg.ID, SubmitInput{CampaignID: other.ID}); fieldOf(err) != "campaign_id" {
			t.Fatalf("a campaign outside the sandbox: %v", err)
		}
		if _, err := w.svc.Submit(ctx, p, audit.CLI, w.a.ID, asg.ID, SubmitInput{}); fieldOf(err) != "campaign_id" {
			t.Fatalf("no campaign: %v", err)
		}
		sub, err := w.svc.Submit(ctx, p, audit.CLI, w.a.ID, asg.ID, SubmitInput{CampaignID: c.ID, Body: "My plan."})
		if err != nil || sub.SandboxOrgID != sb.ID {
			t.Fatalf("submit plan: %+v %v", sub, err)
		}
		// Change everything in the sandbox afterwards.
		if _, err := cs.Update(ctx, p, c.ID, func(x *campaign.Campaign) { x.Title = "Renamed later" }, &campaign.Plan{Objectives: []campaign.Objective{}}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.UpdateItem(ctx, p, it.ID, func(x *campaign.Item) { x.Text = "Changed later." }); err != nil {
			t.Fatal(err)
		}
		v, err := w.svc.Submission(ctx, w.trainer, sub.ID)
		if err != nil || v.Snapshot == nil {
			t.Fatalf("trainer view: %+v %v", v, err)
		}
		s := v.Snapshot
		if s.Title != "Grain from Ukraine" || len(s.Objectives) != 1 || s.Objectives[0].TargetValue != 200000 ||
			len(s.KeyMessages) != 1 || s.KeyMessages[0].Translations["ka"] == "" || len(s.Audiences) != 1 ||
			len(s.Items) != 1 || s.Items[0].Text != "The first grain ship arrives in Poti." || len(s.Items[0].Variants) != 1 ||
			s.Items[0].Variants[0].Account != accs[0].Name || s.Items[0].Variants[0].State != campaign.StateScheduled ||
			len(s.Calendar) != 1 || !s.Calendar[0].At.Equal(at) {
			t.Fatalf("snapshot changed with the sandbox or is incomplete: %+v", s)
		}
		// The snapshot names nobody (peers read it).
		if strings.Contains(sub.SnapshotJSON, "nino") || strings.Contains(sub.SnapshotJSON, "Training sandbox") {
			t.Errorf("the snapshot names its author: %s", sub.SnapshotJSON)
		}
		// A peer of the cohort reads the same snapshot without the sandbox.
		peers, _ := peersOf(ctx, e.DB.R(), sub.ID)
		if len(peers) != 2 {
			t.Fatalf("peers: %+v", peers)
		}
		var peer *authz.Principal
		for _, x := range w.peers {
			if x.UserID == peers[0].ReviewerID {
				peer = x
			}
		}
		pv, err := w.svc.Submission(ctx, peer, sub.ID)
		if err != nil || pv.Snapshot == nil || pv.Snapshot.Title != "Grain from Ukraine" || pv.AuthorName != "" {
			t.Fatalf("peer view of the plan: %+v %v", pv, err)
		}
		if _, err := org.MemberRole(ctx, e.DB.R(), sb.ID, peer.UserID); err == nil {
			t.Error("a peer became a member of the sandbox")
		}
		if q, _ := w.svc.Queue(ctx, w.organiser, QueueFilter{OrgID: w.programme, CohortID: w.a.ID, Kind: AssignCampaignPlan}); len(q) != 1 || q[0].SubmissionID != sub.ID {
			t.Errorf("organiser's queue: %+v", q)
		}
		// A mission made inside the sandbox is a sandbox too.
		ms := org.Org{Slug: "sandbox-mission", Name: "Embassy in practice", Kind: org.Mission, ParentID: sb.ID, TimeZone: "UTC"}
		if err := (&org.Service{DB: e.DB}).Create(ctx, p, audit.CLI, &ms); err != nil || !ms.Sandbox {
			t.Errorf("mission of a sandbox: %+v %v", ms, err)
		}
	})
}

// The queue is the oldest first across cohorts and kinds, and a trainer
// of one cohort sees only theirs.
func TestQueueOrderAndScope(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorkWorld(t, e)
		text, file := w.assignment(t, AssignText), w.assignment(t, AssignFile)
		// The organiser trains B too, to see both cohorts as a trainer would.
		if _, err := w.svc.Enrol(ctx, w.organiser, audit.CLI, w.b.ID, w.trainer.Email, RoleTrainer, 0); err != nil {
			t.Fatal(err)
		}
		order := []struct {
			p      *authz.Principal
			cohort int64
			asg    Assignment
		}{{w.other, w.b.ID, text}, {w.participant, w.a.ID, file}, {w.peers[0], w.a.ID, text}}
		var ids []int64
		for _, x := range order {
			in := SubmitInput{Body: "Work"}
			if x.asg.Kind == AssignFile {
				in.File, in.FileName = bytes.NewReader(pdfFile()), "work.pdf"
			}
			sub, err := w.svc.Submit(ctx, x.p, audit.CLI, x.cohort, x.asg.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, sub.ID)
			time.Sleep(2 * time.Millisecond)
		}
		q, err := w.svc.Queue(ctx, w.trainer, QueueFilter{})
		if err != nil || len(q) != 3 || q[0].SubmissionID != ids[0] || q[1].SubmissionID != ids[1] || q[2].SubmissionID != ids[2] {
			t.Fatalf("queue of a trainer of A and B: %+v %v", q, err)
		}
		if q[0].CohortName != "Cohort B" || q[1].Kind != AssignFile || q[0].Name != "ion" || q[0].WaitingSeconds < 0 {
			t.Errorf("queue entries: %+v", q)
		}
		if q, _ := w.svc.Queue(ctx, w.trainer, QueueFilter{CohortID: w.a.ID}); len(q) != 2 {
			t.Errorf("cohort filter: %+v", q)
		}
		if q, _ := w.svc.Queue(ctx, w.trainer2, QueueFilter{}); len(q) != 1 || q[0].SubmissionID != ids[0] {
			t.Errorf("B's trainer: %+v", q)
		}
		// A trainer removed from the programme sees nothing any more.
		gone := &authz.Principal{UserID: w.trainer2.UserID}
		if q, _ := w.svc.Queue(ctx, gone, QueueFilter{}); len(q) != 0 {
			t.Errorf("trainer outside the programme: %+v", q)
		}
		if hs, _ := w.svc.GradingCohorts(ctx, w.trainer2, w.programme); len(hs) != 1 || hs[0].ID != w.b.ID {
			t.Errorf("grading cohorts of B's trainer: %+v", hs)
		}
	})
}

// The rules of course work, as TestAccessRules checks the others: the
// person is user 1; "own" work is user 1's, "other's" user 2's.
func TestCourseWorkAccessRules(t *testing.T) {
	org := func(r authz.Role) Standing { return Standing{UserID: 1, OrgRole: r, InOrg: true} }
	in := func(r authz.Role, c CohortRole) Standing { s := org(r); s.CohortRole = c; return s }
	people := map[string]Standing{
		"organiser": org(authz.Admin), "trainer": in(authz.Trainer, RoleTrainer), "participant": in(authz.Participant, RoleParticipant),
		"bystander": org(authz.Alumni), "removed": {UserID: 1, CohortRole: RoleParticipant}, "stranger": {UserID: 1},
	}
	rules := []struct {
		name string
		fn   func(Standing) bool
	}{
		{"submit", CanSubmit},
		{"decide own", func(s Standing) bool { return CanDecide(s, 1) }},
		{"decide other's", func(s Standing) bool { return CanDecide(s, 2) }},
		{"peer-review assigned", func(s Standing) bool { return CanPeerReview(s, 2, true) }},
		{"peer-review unassigned", func(s Standing) bool { return CanPeerReview(s, 2, false) }},
		{"peer-review own", func(s Standing) bool { return CanPeerReview(s, 1, true) }},
		{"author of own", func(s Standing) bool { return SeesAuthor(s, 1) }},
		{"author of other's", func(s Standing) bool { return SeesAuthor(s, 2) }},
		{"peer reviews of own, undecided", func(s Standing) bool { return CanSeePeerReviews(s, 1, false) }},
		{"peer reviews of own, decided", func(s Standing) bool { return CanSeePeerReviews(s, 1, true) }},
		{"peer reviews of other's", func(s Standing) bool { return CanSeePeerReviews(s, 2, true) }},
	}
	want := map[string][]bool{
		//               submit decown decoth peerA  peerU  peerO  auown  auoth  prundec prdec  proth
		"organiser":   {false, false, true, false, false, false, true, true, true, true, true},
		"trainer":     {false, false, true, false, false, false, true, true, true, true, true},
		"participant": {true, false, false, true, false, false, true, false, false, true, false},
		"bystander":   {false, false, false, false, false, false, false, false, false, false, false},
		"removed":     {false, false, false, false, false, false, false, false, false, false, false},
		"stranger":    {false, false, false, false, false, false, false, false, false, false, false},
	}
	for name, s := range people {
		for i, r := range rules {
			if got := r.fn(s); got != want[name][i] {
				t.Errorf("%s / %s: got %v, want %v", name, r.name, got, want[name][i])
			}
		}
	}
}
