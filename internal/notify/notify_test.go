package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/mail"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/testutil"
)

func newUser(t *testing.T, d *db.DB, email, locale string) int64 {
	t.Helper()
	var id int64
	err := d.W().QueryRowContext(context.Background(), "INSERT INTO users (email, name, locale, created_at) VALUES (?, ?, ?, ?) RETURNING id",
		email, "Iryna Shevchenko", locale, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func put(t *testing.T, d *db.DB, n notify.Notification) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx *db.Tx) error { return notify.Notify(context.Background(), tx, n) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestListAndRead(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		s := notify.New(e.DB, nil, "https://attache.example", nil)
		me, other := newUser(t, e.DB, "me@example.org", "en"), newUser(t, e.DB, "other@example.org", "en")
		for i := range 3 {
			put(t, e.DB, notify.Notification{UserID: me, Kind: notify.TaskAssigned, Title: fmt.Sprintf("Task %d", i), Link: "/o/x/tasks"})
		}
		put(t, e.DB, notify.Notification{UserID: other, Kind: notify.Mentioned, Title: "Theirs"})
		if err := notify.Notify(ctx, e.DB.W(), notify.Notification{Kind: notify.Mentioned}); err == nil {
			t.Error("a notification without a user was written")
		}
		ns, err := s.List(ctx, me, false, 10)
		if err != nil || len(ns) != 3 || ns[0].Title != "Task 2" {
			t.Fatalf("list: %+v %v", ns, err)
		}
		// Someone else's id is ignored.
		var theirs int64
		_ = e.DB.R().QueryRowContext(ctx, "SELECT id FROM notifications WHERE user_id = ?", other).Scan(&theirs)
		if n, err := s.MarkRead(ctx, me, []int64{ns[0].ID, theirs}); err != nil || n != 1 {
			t.Errorf("mark one read: %d %v", n, err)
		}
		if n, _ := s.Unread(ctx, other); n != 1 {
			t.Errorf("the other user's notification was marked read")
		}
		if n, _ := s.Unread(ctx, me); n != 2 {
			t.Errorf("unread after one read: %d", n)
		}
		if un, _ := s.List(ctx, me, true, 10); len(un) != 2 {
			t.Errorf("unread list: %+v", un)
		}
		if n, err := s.MarkRead(ctx, me, nil); err != nil || n != 2 {
			t.Errorf("mark all read: %d %v", n, err)
		}
		if n, _ := s.Unread(ctx, me); n != 0 {
			t.Errorf("unread after all read: %d", n)
		}
	})
}

// countingMailer records what it sends, and fails when told to.
type countingMailer struct {
	mu   sync.Mutex
	sent map[string][]string // to → subjects
	fail bool
}

func (m *countingMailer) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("smtp down")
	}
	if m.sent == nil {
		m.sent = map[string][]string{}
	}
	m.sent[to] = append(m.sent[to], subject)
	return nil
}

// Several instances sending at once email each notification once.
func TestSendPendingOnceAcrossInstances(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		m := &countingMailer{}
		var users []int64
		for i := range 20 {
			u := newUser(t, e.DB, fmt.Sprintf("u%d@example.org", i), "en")
			users = append(users, u)
			put(t, e.DB, notify.Notification{UserID: u, Kind: notify.Mentioned, Title: "Hello"})
		}
		var wg sync.WaitGroup
		total := make(chan int, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := notify.New(e.DB, m, "https://a.example", nil).SendPending(ctx)
				if err != nil {
					t.Error(err)
				}
				total <- n
			}()
		}
		wg.Wait()
		close(total)
		sum := 0
		for n := range total {
			sum += n
		}
		if sum != 20 || len(m.sent) != 20 {
			t.Errorf("sent %d notifications to %d addresses, want 20 once each", sum, len(m.sent))
		}
		for to, subjects := range m.sent {
			if len(subjects) != 1 {
				t.Errorf("%s got %d emails", to, len(subjects))
			}
		}
		// Nothing is left to send; read or old notifications are never sent.
		put(t, e.DB, notify.Notification{UserID: users[0], Kind: notify.Mentioned, Title: "Read already"})
		s := notify.New(e.DB, m, "https://a.example", nil)
		if _, err := s.MarkRead(ctx, users[0], nil); err != nil {
			t.Fatal(err)
		}
		put(t, e.DB, notify.Notification{UserID: users[1], Kind: notify.Mentioned, Title: "Old"})
		if _, err := e.DB.W().ExecContext(ctx, "UPDATE notifications SET created_at = ? WHERE title = 'Old'", time.Now().UTC().Add(-2*notify.EmailWindow)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SendPending(ctx); err != nil || n != 0 {
			t.Errorf("second pass sent %d: %v", n, err)
		}
	})
}

// A failed send releases the claim, so the next pass sends it.
func TestSendPendingRetriesAfterFailure(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		m := &countingMailer{fail: true}
		u := newUser(t, e.DB, "retry@example.org", "en")
		put(t, e.DB, notify.Notification{UserID: u, Kind: notify.TaskAssigned, Title: "Draft the post"})
		s := notify.New(e.DB, m, "https://a.example", nil)
		if _, err := s.SendPending(ctx); err == nil {
			t.Error("a failed send reported no error")
		}
		m.fail = false
		if n, err := s.SendPending(ctx); err != nil || n != 1 {
			t.Errorf("retry sent %d: %v", n, err)
		}
	})
}

// The real thing: one email per user through SMTP (Mailpit), in the
// user's language, listing their notifications with links; Run stops with
// its context and sends when woken.
func TestEmailThroughMailpit(t *testing.T) {
	mp := testutil.NewMailpit(t)
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		smtp := &mail.SMTP{Host: mp.Host, Port: mp.Port, From: "Attaché <no-reply@attache.invalid>", TLS: "none"}
		s := notify.New(e.DB, smtp, "https://attache.example", nil)

		// Both notifications exist before the loop starts: its first pass
		// must find them together and send one email.
		stamp := time.Now().UnixNano()
		uk := fmt.Sprintf("uk-%s-%d@example.org", e.Name, stamp)
		u := newUser(t, e.DB, uk, "uk")
		put(t, e.DB, notify.Notification{UserID: u, Kind: notify.TaskAssigned, Title: "Переклад · Зерно з України", Link: "/o/mfa/campaigns/1/coordination"})
		put(t, e.DB, notify.Notification{UserID: u, Kind: notify.Mentioned, Title: "Harvest day · Olena", Link: "/o/mfa/items/2/comments#comment-3"})
		done := make(chan struct{})
		go func() { s.Run(ctx, time.Hour); close(done) }()
		s.Wake()
		msg := mp.WaitFor(t, uk)
		if !strings.Contains(msg.Subject, "2 нові сповіщення") {
			t.Errorf("subject %q", msg.Subject)
		}
		for _, want := range []string{"Вітаємо, Iryna Shevchenko!", "Переклад · Зерно з України", "https://attache.example/o/mfa/campaigns/1/coordination", "https://attache.example/o/mfa/items/2/comments#comment-3", "https://attache.example/notifications"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("email lacks %q:\n%s", want, msg.Text)
			}
		}
		en := fmt.Sprintf("en-%s-%d@example.org", e.Name, stamp)
		u2 := newUser(t, e.DB, en, "en")
		put(t, e.DB, notify.Notification{UserID: u2, Kind: notify.AmplificationRequest, Title: "Harvest day · Ministry", Link: "/o/vienna/amplification/1"})
		s.Wake()
		msg = mp.WaitFor(t, en)
		if msg.Subject != "[Attaché] Headquarters asks you to amplify an item: Harvest day · Ministry" {
			t.Errorf("subject %q", msg.Subject)
		}
		var pending int
		_ = e.DB.R().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM notifications WHERE emailed_at IS NULL").Scan(&pending)
		if pending != 0 {
			t.Errorf("%d notifications not marked emailed", pending)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop with its context")
		}
	})
}
