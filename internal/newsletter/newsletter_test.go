package newsletter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/newsletter"
	"github.com/attache-project/attache/internal/testutil"
)

var seq atomic.Int64

// newAccount makes an organisation with an email account.
func newAccount(t *testing.T, d *db.DB) channel.Account {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	var orgID int64
	if err := d.W().QueryRowContext(ctx, "INSERT INTO orgs (slug, name, kind, created_at) VALUES (?, ?, 'ministry', ?) RETURNING id",
		fmt.Sprintf("nl-%d-%d", time.Now().UnixNano(), n), "Ministry", time.Now().UTC()).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	acc := channel.Account{OrgID: orgID, Network: limits.Email, Name: "News", Handle: fmt.Sprintf("news%d@example.org", n), Language: "en"}
	if err := channel.Insert(ctx, d.W(), &acc); err != nil {
		t.Fatal(err)
	}
	return acc
}

// subscribeConfirmed subscribes n addresses and confirms them all.
func subscribeConfirmed(t *testing.T, d *db.DB, accountID int64, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		_, tok, err := newsletter.Subscribe(ctx, d.W(), accountID, fmt.Sprintf("%s-%d@example.org", prefix, i), "", "")
		if err != nil || tok == "" {
			t.Fatalf("subscribe %d: %q %v", i, tok, err)
		}
		if _, err := newsletter.Confirm(ctx, d.W(), accountID, tok); err != nil {
			t.Fatalf("confirm %d: %v", i, err)
		}
	}
}

func sender(t *testing.T, d *db.DB) *newsletter.Sender {
	mp := testutil.NewMailpit(t)
	return &newsletter.Sender{DB: d, BaseURL: "https://attache.example", SMTP: newsletter.SMTP{Host: mp.Host, Port: mp.Port, TLS: "none", From: "Ministry News <news@attache.example>"}}
}

type mpList struct {
	MessagesCount int `json:"messages_count"`
	Messages      []struct {
		ID string
		To []struct{ Address string }
	}
}

// mailpitBySubject waits until want messages with this exact subject are
// in Mailpit (at most 15 s) and returns them.
func mailpitBySubject(t *testing.T, subject string, want int) mpList {
	t.Helper()
	mp := testutil.NewMailpit(t)
	var l mpList
	deadline := time.Now().Add(15 * time.Second)
	for {
		l = mpList{}
		u := mp.API + "/api/v1/search?limit=2000&query=" + url.QueryEscape(`subject:"`+subject+`"`)
		if err := getJSON(u, &l); err != nil {
			t.Fatal(err)
		}
		if l.MessagesCount >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if l.MessagesCount != want {
		t.Fatalf("Mailpit has %d messages with subject %q, want %d", l.MessagesCount, subject, want)
	}
	return l
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

var unsubRE = regexp.MustCompile(`^<https://attache\.example/unsubscribe/([A-Za-z0-9_-]{43})>, <mailto:news@attache\.example\?subject=unsubscribe%20([A-Za-z0-9_-]{43})>$`)

// TestNewsletter500 sends to 500 subscribers over one connection, checks
// every message's own unsubscribe link, unsubscribes one and sends again.
func TestNewsletter500(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		s := sender(t, e.DB)
		acc := newAccount(t, e.DB)
		prefix := fmt.Sprintf("nl500-%s-%d", e.Name, time.Now().UnixNano())
		subscribeConfirmed(t, e.DB, acc.ID, prefix, 500)
		// A pending subscriber gets nothing.
		if _, tok, err := newsletter.Subscribe(ctx, e.DB.W(), acc.ID, prefix+"-pending@example.org", "", ""); err != nil || tok == "" {
			t.Fatal(err)
		}

		subject := "Issue one " + prefix
		start := time.Now()
		res, err := s.Send(ctx, newsletter.Issue{AccountID: acc.ID, VariantID: 1_000_001, Subject: subject, Text: subject + "\n\nGrain from Ukraine feeds the world."})
		if err != nil || res.Sent != 500 {
			t.Fatalf("send: %+v %v", res, err)
		}
		t.Logf("%s: 500 messages in %v", e.Name, time.Since(start))
		l := mailpitBySubject(t, subject, 500)

		mp := testutil.NewMailpit(t)
		tokens := map[string]string{} // token → recipient
		for i, m := range l.Messages {
			var h map[string][]string
			if err := getJSON(mp.API+"/api/v1/message/"+m.ID+"/headers", &h); err != nil {
				t.Fatal(err)
			}
			if len(m.To) != 1 {
				t.Fatalf("message %s has %d recipients", m.ID, len(m.To))
			}
			if strings.Contains(m.To[0].Address, "-pending@") {
				t.Fatalf("the pending subscriber was mailed")
			}
			lu := strings.Join(h["List-Unsubscribe"], "")
			mm := unsubRE.FindStringSubmatch(lu)
			if mm == nil || mm[1] != mm[2] {
				t.Fatalf("List-Unsubscribe = %q", lu)
			}
			if got := strings.Join(h["List-Unsubscribe-Post"], ""); got != "List-Unsubscribe=One-Click" {
				t.Fatalf("List-Unsubscribe-Post = %q", got)
			}
			if prev, dup := tokens[mm[1]]; dup {
				t.Fatalf("%s and %s share an unsubscribe link", prev, m.To[0].Address)
			}
			tokens[mm[1]] = m.To[0].Address
			if i == 0 {
				var full struct{ Text string }
				if err := getJSON(mp.API+"/api/v1/message/"+m.ID, &full); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(full.Text, "https://attache.example/unsubscribe/"+mm[1]) || !strings.Contains(full.Text, "Grain from Ukraine") {
					t.Fatalf("body lacks its unsubscribe link:\n%s", full.Text)
				}
			}
		}

		// Unsubscribe one recipient through their own token.
		var tok, who string
		for k, v := range tokens {
			tok, who = k, v
			break
		}
		sub, err := newsletter.Unsubscribe(ctx, e.DB.W(), tok)
		if err != nil || sub.Email != who || sub.State != newsletter.Unsubscribed {
			t.Fatalf("unsubscribe: %+v %v (want %s)", sub, err, who)
		}
		if _, err := newsletter.Unsubscribe(ctx, e.DB.W(), tok); err != nil {
			t.Fatalf("a second unsubscribe must work too: %v", err)
		}

		// A retry of the same issue mails nobody.
		if res, err := s.Send(ctx, newsletter.Issue{AccountID: acc.ID, VariantID: 1_000_001, Subject: subject, Text: subject}); err != nil || res.Sent != 0 {
			t.Fatalf("retry of a sent issue: %+v %v", res, err)
		}

		subject2 := "Issue two " + prefix
		res, err = s.Send(ctx, newsletter.Issue{AccountID: acc.ID, VariantID: 1_000_002, Subject: subject2, Text: subject2})
		if err != nil || res.Sent != 499 {
			t.Fatalf("second send: %+v %v", res, err)
		}
		l = mailpitBySubject(t, subject2, 499)
		for _, m := range l.Messages {
			if m.To[0].Address == who {
				t.Fatalf("%s unsubscribed but got the next issue", who)
			}
		}
		c, err := newsletter.Count(ctx, e.DB.R(), acc.ID)
		if err != nil || c != (newsletter.Counts{Pending: 1, Confirmed: 499, Unsubscribed: 1}) {
			t.Fatalf("counts %+v %v", c, err)
		}
	})
}

// TestNewsletterCrash stops a send half-way; the retry mails only the rest,
// and a delivery claimed by a crashed attempt is never sent again.
func TestNewsletterCrash(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		s := sender(t, e.DB)
		acc := newAccount(t, e.DB)
		prefix := fmt.Sprintf("nlcrash-%s-%d", e.Name, time.Now().UnixNano())
		subscribeConfirmed(t, e.DB, acc.ID, prefix, 40)
		subject := "Crash issue " + prefix
		is := newsletter.Issue{AccountID: acc.ID, VariantID: 2_000_001, Subject: subject, Text: subject}

		// A crashed attempt claimed one subscriber and died before sending.
		var claimed int64
		if err := e.DB.R().QueryRowContext(context.Background(), "SELECT MAX(id) FROM newsletter_subscribers WHERE account_id = ?", acc.ID).Scan(&claimed); err != nil {
			t.Fatal(err)
		}
		_, h := newsletter.NewToken()
		if _, err := e.DB.W().ExecContext(context.Background(), "INSERT INTO newsletter_deliveries (variant_id, subscriber_id, state, unsubscribe_hash, claimed_at) VALUES (?, ?, 'sending', ?, ?)",
			is.VariantID, claimed, h, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		s.AfterSend = func(n int) {
			if n == 15 {
				cancel()
			}
		}
		res, err := s.Send(ctx, is)
		if !errors.Is(err, context.Canceled) || res.Sent != 15 {
			t.Fatalf("interrupted send: %+v %v", res, err)
		}
		s.AfterSend = nil
		left, _ := newsletter.Remaining(context.Background(), e.DB.R(), acc.ID, is.VariantID)
		if left != 24 {
			t.Fatalf("remaining after the crash = %d, want 24", left)
		}
		res, err = s.Send(context.Background(), is)
		if err != nil || res.Sent != 24 {
			t.Fatalf("retry: %+v %v", res, err)
		}
		l := mailpitBySubject(t, subject, 39)
		seen := map[string]bool{}
		for _, m := range l.Messages {
			if seen[m.To[0].Address] {
				t.Fatalf("%s mailed twice", m.To[0].Address)
			}
			seen[m.To[0].Address] = true
		}
		if seen[fmt.Sprintf("%s-%d@example.org", prefix, 39)] {
			t.Fatal("the delivery claimed by the crashed attempt was sent again")
		}
	})
}

// TestDoubleOptIn: nothing before confirmation, tokens work once, an
// unsubscribed address must confirm again, bad input is a field error.
func TestDoubleOptIn(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		acc := newAccount(t, e.DB)
		q := e.DB.W()
		sub, tok, err := newsletter.Subscribe(ctx, q, acc.ID, "  Olena@Example.org ", "Olena", "uk")
		if err != nil || tok == "" || sub.State != newsletter.Pending || sub.Email != "olena@example.org" {
			t.Fatalf("subscribe: %+v %q %v", sub, tok, err)
		}
		// Again within the hour: no second email.
		if _, tok2, err := newsletter.Subscribe(ctx, q, acc.ID, "olena@example.org", "", ""); err != nil || tok2 != "" {
			t.Fatalf("resubscribe at once: %q %v", tok2, err)
		}
		if left, _ := newsletter.Remaining(ctx, q, acc.ID, 1); left != 0 {
			t.Fatalf("a pending subscriber counts as a recipient")
		}
		got, err := newsletter.Confirm(ctx, q, acc.ID, tok)
		if err != nil || got.State != newsletter.Confirmed || got.ConfirmedAt == nil || got.Name != "Olena" || got.Language != "uk" {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		if _, err := newsletter.Confirm(ctx, q, acc.ID, tok); !errors.Is(err, newsletter.ErrBadToken) {
			t.Fatalf("second confirm: %v", err)
		}
		if _, tok3, err := newsletter.Subscribe(ctx, q, acc.ID, "olena@example.org", "", ""); err != nil || tok3 != "" {
			t.Fatalf("subscribing a confirmed address: %q %v", tok3, err)
		}
		for _, bad := range []string{"", "nope", "a@b", "Olena <o@example.org>", strings.Repeat("a", 250) + "@example.org"} {
			if _, _, err := newsletter.Subscribe(ctx, q, acc.ID, bad, "", ""); err == nil {
				t.Errorf("%q accepted", bad)
			}
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", 43), "../../etc/passwd"} {
			if _, err := newsletter.Unsubscribe(ctx, q, bad); !errors.Is(err, newsletter.ErrBadToken) {
				t.Errorf("unsubscribe %q: %v", bad, err)
			}
		}
		if err := newsletter.Remove(ctx, q, acc.ID, got.ID); err != nil {
			t.Fatal(err)
		}
		if err := newsletter.Remove(ctx, q, acc.ID, got.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("second remove: %v", err)
		}
	})
}

func TestParseAddresses(t *testing.T) {
	got, err := newsletter.ParseAddresses(strings.NewReader("email,name\na@example.org,Anna\n\nB@Example.org\na@example.org\n"))
	if err != nil || len(got) != 2 || got[0] != (newsletter.Address{Email: "a@example.org", Name: "Anna"}) || got[1].Email != "b@example.org" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := newsletter.ParseAddresses(strings.NewReader("a@example.org\nnot an address\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad line: %v", err)
	}
	if _, err := newsletter.ParseAddresses(strings.NewReader("")); err == nil {
		t.Fatal("empty accepted")
	}
}
