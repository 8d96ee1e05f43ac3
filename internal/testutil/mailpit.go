package testutil

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"
)

// Mailpit is a real SMTP server for tests, with Mailpit's REST API to read
// what was delivered. .ci/run starts one and sets ATTACHE_TEST_SMTP and
// ATTACHE_TEST_MAILPIT_API.
type Mailpit struct {
	Host string
	Port int
	API  string
}

// NewMailpit returns the configured Mailpit, skipping the test when none is
// configured outside CI.
func NewMailpit(t testing.TB) Mailpit {
	t.Helper()
	addr, api := os.Getenv("ATTACHE_TEST_SMTP"), os.Getenv("ATTACHE_TEST_MAILPIT_API")
	if addr == "" || api == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ATTACHE_TEST_SMTP and ATTACHE_TEST_MAILPIT_API must be set under CI (Mailpit)")
		}
		t.Skip("no Mailpit: set ATTACHE_TEST_SMTP=127.0.0.1:11025 and ATTACHE_TEST_MAILPIT_API=http://127.0.0.1:18025")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("ATTACHE_TEST_SMTP: %v", err)
	}
	p, _ := strconv.Atoi(port)
	return Mailpit{Host: host, Port: p, API: api}
}

// MailMessage is a delivered message as Mailpit shows it.
type MailMessage struct {
	ID      string
	Subject string
	Text    string
	To      []string
	Headers map[string][]string
}

// WaitFor returns the newest message to the address, waiting up to 10 s.
func (m Mailpit) WaitFor(t testing.TB, to string) MailMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var list struct {
			Messages []struct {
				ID string
			}
		}
		if err := getJSON(m.API+"/api/v1/search?query="+url.QueryEscape(`to:"`+to+`"`), &list); err == nil && len(list.Messages) > 0 {
			var msg struct {
				ID      string
				Subject string
				Text    string
				To      []struct{ Address string }
			}
			if err := getJSON(m.API+"/api/v1/message/"+list.Messages[0].ID, &msg); err != nil {
				t.Fatalf("mailpit message: %v", err)
			}
			out := MailMessage{ID: msg.ID, Subject: msg.Subject, Text: msg.Text}
			for _, a := range msg.To {
				out.To = append(out.To, a.Address)
			}
			_ = getJSON(m.API+"/api/v1/message/"+msg.ID+"/headers", &out.Headers)
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no email to %s arrived in Mailpit within 10 s", to)
	return MailMessage{}
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
