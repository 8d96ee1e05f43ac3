package academy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

func TestUUIDs(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if u := uuidV4(); !re.MatchString(u) || u == uuidV4() {
		t.Errorf("uuidV4 %s", u)
	}
	// RFC 9562 Appendix A.4: the version 5 UUID of "www.example.com" in the DNS namespace.
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	if got := uuidV5(dns, "www.example.com"); got != "2ed6657d-e927-568b-95e1-2665a8aea6a2" {
		t.Errorf("uuidV5 = %s", got)
	}
}

// The statements of a participant's work have the shape the organiser
// exports and an LRS accepts; they go to the LRS once, with retries after
// failures, and a batch spoilt by one bad statement is sent one by one.
func TestXAPIStatementsAndLRS(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e)
		w.signing(t, "https://academy.example.org")
		c := w.seedTest(t)
		h := w.cohort(t, c.ID)
		w.completeCourse(t, c, h, w.participant)
		// The other engineer's submissions call this.
		as := *c.Modules[2].Assignment
		var asID int64
		_ = e.DB.R().QueryRowContext(ctx, "SELECT id FROM assignments WHERE slug = 'capstone-plan'").Scan(&asID)
		as.ID = asID
		_ = e.DB.R().QueryRowContext(ctx, "SELECT module_id FROM assignments WHERE id = ?", asID).Scan(&as.ModuleID)
		if err := w.svc.RecordSubmitted(ctx, e.DB.W(), h, w.participant.UserID, as, time.Now()); err != nil {
			t.Fatal(err)
		}

		if _, _, err := w.svc.XAPIStatements(ctx, w.trainer, h.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("trainer exports: %v", err)
		}
		if _, _, err := w.svc.XAPIStatements(ctx, w.outsider, h.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("outsider exports: %v", err)
		}
		_, sts, err := w.svc.XAPIStatements(ctx, w.organiser, h.ID)
		if err != nil || len(sts) != 9 {
			t.Fatalf("export: %d statements, %v", len(sts), err)
		}
		byVerb := map[string]XAPIStatement{}
		for _, raw := range sts {
			var st XAPIStatement
			if err := json.Unmarshal(raw, &st); err != nil {
				t.Fatal(err)
			}
			byVerb[st.Verb.Name()] = st
			if st.Actor.Account.HomePage != "https://academy.example.org" || st.Actor.Account.Name != itoa(w.participant.UserID) {
				t.Errorf("actor: %+v", st.Actor)
			}
			if st.Context == nil || st.Context.Registration != w.svc.registration(h.ID, w.participant.UserID) || st.Context.Platform != "Attaché" {
				t.Errorf("context: %+v", st.Context)
			}
			if _, err := time.Parse(time.RFC3339, st.Timestamp); err != nil {
				t.Errorf("timestamp %q", st.Timestamp)
			}
		}
		passed := byVerb["passed"]
		if passed.Verb.ID != "http://adlnet.gov/expapi/verbs/passed" || passed.Result == nil || passed.Result.Score == nil ||
			passed.Result.Score.Scaled != 1 || !*passed.Result.Success || passed.Object.Definition.Type != ActivityAssessment ||
			!strings.HasPrefix(passed.Object.ID, "https://academy.example.org/academy/quizzes/") {
			t.Errorf("passed: %+v", passed)
		}
		lesson := byVerb["completed"]
		grouping := lesson.Context.ContextActivities.Grouping
		if len(grouping) == 0 || grouping[len(grouping)-1].ID != "https://academy.example.org/academy/cohorts/"+itoa(h.ID) {
			t.Errorf("the cohort is not in the grouping: %+v", lesson.Context.ContextActivities)
		}
		earned := byVerb["earned"]
		if earned.Object.Definition.Type != ActivityBadge || !strings.HasPrefix(earned.Object.ID, "https://academy.example.org/credentials/") {
			t.Errorf("earned: %+v", earned.Object)
		}
		if sub := byVerb["submitted"]; sub.Verb.ID != "http://activitystrea.ms/schema/1.0/submit" || sub.Object.Definition.Type != ActivityTask ||
			sub.Object.Definition.Name["en"] != "A campaign plan" {
			t.Errorf("submitted: %+v", sub)
		}

		// Sending: the LRS is down at first, then takes everything once.
		lrs := testutil.NewFakeLRS(t)
		sender := &LRS{DB: e.DB, Endpoint: lrs.Endpoint(), Username: lrs.Username, Password: lrs.Password, Batch: 4}
		lrs.Fail(http.StatusServiceUnavailable)
		if n, err := sender.SendPending(ctx); err == nil || n != 0 {
			t.Fatalf("send to a failing LRS: %d %v", n, err)
		}
		n, err := sender.SendPending(ctx)
		if err != nil || n != 9 {
			t.Fatalf("send: %d %v\n%+v", n, err, lrs.Requests())
		}
		if got := len(lrs.Statements()); got != 9 {
			t.Fatalf("the LRS holds %d statements", got)
		}
		for _, r := range lrs.Requests()[1:] {
			if r.Method != "POST" || r.Path != "/xapi/statements" || r.Version != "1.0.3" || r.Status != 200 {
				t.Errorf("request: %+v", r)
			}
		}
		var unsent int
		_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM xapi_statements WHERE sent_at IS NULL").Scan(&unsent)
		if unsent != 0 {
			t.Errorf("%d statements not marked sent", unsent)
		}
		if n, err := sender.SendPending(ctx); err != nil || n != 0 {
			t.Errorf("nothing left to send: %d %v", n, err)
		}

		// A statement the LRS refuses (here: a malformed one) does not
		// hold the others back.
		if err := w.svc.RecordSubmitted(ctx, e.DB.W(), h, w.participant.UserID, as, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.DB.W().ExecContext(ctx, `INSERT INTO xapi_statements (id, user_id, cohort_id, verb, statement, stored_at)
			VALUES ('bad', ?, ?, 'completed', '{"id":"not-a-uuid","actor":{},"verb":{},"object":{}}', ?)`, w.participant.UserID, h.ID, time.Now().UTC().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, err := sender.SendPending(ctx); err != nil || n != 1 {
			t.Fatalf("send past a bad statement: %d %v", n, err)
		}
		if got := len(lrs.Statements()); got != 10 {
			t.Errorf("the LRS holds %d statements", got)
		}
		// A statement sent again (a second instance) is stored once.
		_, _ = e.DB.W().ExecContext(ctx, "UPDATE xapi_statements SET sent_at = NULL WHERE id <> 'bad'")
		if n, err := sender.SendPending(ctx); err != nil || n != 10 {
			t.Fatalf("send again: %d %v", n, err)
		}
		if got := len(lrs.Statements()); got != 10 {
			t.Errorf("after sending twice the LRS holds %d statements", got)
		}
		// Wrong credentials: an error, nothing marked.
		_, _ = e.DB.W().ExecContext(ctx, "UPDATE xapi_statements SET sent_at = NULL WHERE id <> 'bad'")
		sender2 := &LRS{DB: e.DB, Endpoint: lrs.Endpoint(), Username: "attache", Password: "wrong"}
		if _, err := sender2.SendPending(ctx); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("wrong password: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
