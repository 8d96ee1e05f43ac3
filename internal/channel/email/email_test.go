package email_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/email"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/newsletter"
	"github.com/attache-project/attache/internal/testutil"
)

// An SMTP server named by an account is refused on a private address
// unless private endpoints are allowed; bad settings are permanent errors.
func TestFactoryGuardsAccountSMTP(t *testing.T) {
	mp := testutil.NewMailpit(t)
	e := testutil.SQLite(t)
	ctx := context.Background()
	var orgID int64
	if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO orgs (slug, name, kind, created_at) VALUES ('m', 'M', 'ministry', ?) RETURNING id", time.Now().UTC()).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	acc := channel.Account{OrgID: orgID, Network: limits.Email, Name: "News", Handle: "news@example.org", Language: "en"}
	if err := channel.Insert(ctx, e.DB.W(), &acc); err != nil {
		t.Fatal(err)
	}
	to := "guard-" + strconv.FormatInt(time.Now().UnixNano(), 10) + "@example.org"
	_, tok, err := newsletter.Subscribe(ctx, e.DB.W(), acc.ID, to, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newsletter.Confirm(ctx, e.DB.W(), acc.ID, tok); err != nil {
		t.Fatal(err)
	}
	creds := channel.Credentials{"smtp_host": mp.Host, "smtp_port": strconv.Itoa(mp.Port), "tls": "none", "from": "news@attache.example"}

	c, err := email.NewFactory(email.SMTPDefaults{}, "https://attache.example", e.DB)(acc, creds, nil)
	if err != nil {
		t.Fatal(err)
	}
	post := channel.Post{VariantID: 1, Text: "Guarded"}
	_, err = c.Publish(ctx, post)
	if err == nil || channel.KindOf(err) != channel.Transient || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("private SMTP server: %v", err)
	}
	if left, _ := newsletter.Remaining(ctx, e.DB.R(), acc.ID, 1); left != 1 {
		t.Fatalf("a refused connection must not use up the recipient (%d left)", left)
	}

	c, err = email.NewFactory(email.SMTPDefaults{}, "https://attache.example", e.DB, email.AllowPrivate(true))(acc, creds, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, post); err != nil {
		t.Fatalf("allowed: %v", err)
	}
	if m := mp.WaitFor(t, to); m.Subject != "Guarded" {
		t.Fatalf("subject %q", m.Subject)
	}
	if _, ok, err := c.Find(ctx, post); !ok || err != nil {
		t.Fatalf("find: %v %v", ok, err)
	}
	if ms, err := c.Metrics(ctx, []string{"x"}); ms != nil || err != nil {
		t.Fatal("metrics")
	}

	for _, bad := range []channel.Credentials{{"smtp_host": "x", "smtp_port": "nope"}, {"tls": "maybe"}} {
		if _, err := email.NewFactory(email.SMTPDefaults{Host: "h"}, "", e.DB)(acc, bad, nil); channel.KindOf(err) != channel.Permanent {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if _, err := email.NewFactory(email.SMTPDefaults{}, "", e.DB)(acc, nil, nil); channel.KindOf(err) != channel.Permanent {
		t.Errorf("no server: %v", err)
	}
}
