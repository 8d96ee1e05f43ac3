package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/email"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/mail"
	"github.com/attache-project/attache/internal/newsletter"
	"github.com/attache-project/attache/internal/testutil"
)

// emailAccountOfA gives {id} and {account}: a fresh email account of A.
func emailAccountOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	id := itoa(newAccount(t, f, f.A, limits.Email, "en"))
	return map[string]string{"id": id, "account": id}
}

// subscriberOfA gives {id} and {sub}: a pending subscriber of a fresh
// email account of A.
func subscriberOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	p := emailAccountOfA(t, f, u)
	var accID int64
	fmt.Sscan(p["id"], &accID)
	sub, _, err := newsletter.Subscribe(context.Background(), f.DB.W(), accID, fmt.Sprintf("sub%d@example.org", f.Seq()), "", "")
	if err != nil {
		t.Fatal(err)
	}
	p["sub"] = itoa(sub.ID)
	return p
}

// confirmTokenOfA gives {account} and {token}: the confirmation link of a
// fresh subscriber of a fresh email account of A.
func confirmTokenOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	p := emailAccountOfA(t, f, u)
	var accID int64
	fmt.Sscan(p["id"], &accID)
	_, tok, err := newsletter.Subscribe(context.Background(), f.DB.W(), accID, fmt.Sprintf("sub%d@example.org", f.Seq()), "", "")
	if err != nil {
		t.Fatal(err)
	}
	p["token"] = tok
	return p
}

func formReq(method, path, body string, cookies []*http.Cookie) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req
}

var confirmLinkRE = regexp.MustCompile(`https?://[^\s]+/newsletter/[0-9]+/confirm/[A-Za-z0-9_-]{43}`)
var unsubHeaderRE = regexp.MustCompile(`^<(https?://[^>]+/unsubscribe/[A-Za-z0-9_-]{43})>`)

// TestWebNewsletter walks the newsletter through the web: double opt-in
// with the confirmation email in Mailpit, a newsletter through the email
// connector, one-click unsubscribe from its List-Unsubscribe header, and
// the organisation's subscriber pages.
func TestWebNewsletter(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		mp := testutil.NewMailpit(t)
		f := NewFixture(t, e, WithPasswords())
		smtp := mail.SMTP{Host: mp.Host, Port: mp.Port, From: "Ministry <news@attache.example>", TLS: "none"}
		f.Auth.Mailer = &smtp
		ctx := context.Background()
		accID := newAccount(t, f, f.A, limits.Email, "en")
		acc, err := channel.Get(ctx, f.DB.R(), f.A.ID, accID)
		if err != nil {
			t.Fatal(err)
		}
		who := fmt.Sprintf("reader-%s-%d@example.org", e.Name, accID)
		base := fmt.Sprintf("/newsletter/%d/subscribe", accID)

		if r := f.Serve(formReq("GET", base, "", nil)); r.Status != 200 || !strings.Contains(r.Body, `name="email"`) {
			t.Fatalf("subscribe form: %d", r.Status)
		}
		if r := f.Serve(formReq("POST", base, "email=not-an-address", nil)); r.Status != 422 {
			t.Fatalf("bad address: %d", r.Status)
		}
		if r := f.Serve(formReq("POST", base, "email="+url.QueryEscape(who)+"&name=Reader", nil)); r.Status != 200 || !strings.Contains(r.Body, who) {
			t.Fatalf("subscribe: %d %s", r.Status, r.Body)
		}
		// A pending subscriber gets no newsletter.
		conn, err := email.NewFactory(smtp, "http://attache.test", f.DB)(acc, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Publish(ctx, channel.Post{VariantID: 9_000_000 + accID, Text: "Before confirmation"}); err != nil {
			t.Fatal(err)
		}
		msg := mp.WaitFor(t, who)
		link := confirmLinkRE.FindString(msg.Text)
		if link == "" || !strings.Contains(msg.Subject, acc.Name) {
			t.Fatalf("confirmation email %q:\n%s", msg.Subject, msg.Text)
		}
		u, _ := url.Parse(link)
		if r := f.Serve(formReq("GET", u.Path, "", nil)); r.Status != 200 || !strings.Contains(r.Body, `method="post"`) {
			t.Fatalf("confirm page: %d", r.Status)
		}
		if c, _ := newsletter.Count(ctx, f.DB.R(), accID); c.Pending != 1 {
			t.Fatalf("opening the confirm page must not confirm: %+v", c)
		}
		if r := f.Serve(formReq("POST", u.Path, "", nil)); r.Status != 200 {
			t.Fatalf("confirm: %d", r.Status)
		}
		if r := f.Serve(formReq("POST", u.Path, "", nil)); r.Status != 404 {
			t.Fatalf("second confirm: %d", r.Status)
		}

		subject := fmt.Sprintf("News %s %d", e.Name, accID)
		post := channel.Post{VariantID: 9_100_000 + accID, Text: subject + "\n\nToday the ministry…", Language: "en"}
		if _, ok, err := conn.Find(ctx, post); ok || err != nil {
			t.Fatalf("find before publishing: %v %v", ok, err)
		}
		pub, err := conn.Publish(ctx, post)
		if err != nil || pub.ExternalID == "" {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if got, ok, err := conn.Find(ctx, post); !ok || err != nil || got.ExternalID != pub.ExternalID {
			t.Fatalf("find after publishing: %+v %v %v", got, ok, err)
		}
		msg = mp.WaitFor(t, who)
		if msg.Subject != subject {
			t.Fatalf("newest message to %s is %q", who, msg.Subject)
		}
		m := unsubHeaderRE.FindStringSubmatch(strings.Join(msg.Headers["List-Unsubscribe"], ""))
		if m == nil || strings.Join(msg.Headers["List-Unsubscribe-Post"], "") != "List-Unsubscribe=One-Click" || !strings.Contains(msg.Text, m[1]) {
			t.Fatalf("unsubscribe headers %v", msg.Headers)
		}
		uu, _ := url.Parse(m[1])
		if r := f.Serve(formReq("GET", uu.Path, "", nil)); r.Status != 200 || !strings.Contains(r.Body, who) {
			t.Fatalf("unsubscribe page: %d", r.Status)
		}
		// The one-click POST of a mail client (RFC 8058).
		if r := f.Serve(formReq("POST", uu.Path, "List-Unsubscribe=One-Click", nil)); r.Status != 200 {
			t.Fatalf("one-click unsubscribe: %d", r.Status)
		}
		if c, _ := newsletter.Count(ctx, f.DB.R(), accID); c != (newsletter.Counts{Unsubscribed: 1}) {
			t.Fatalf("after unsubscribing: %+v", c)
		}
		// Unsubscribing stops the next send.
		n2 := channel.Post{VariantID: 9_200_000 + accID, Text: "Next issue"}
		if _, err := conn.Publish(ctx, n2); err != nil {
			t.Fatal(err)
		}
		if d, _ := newsletter.Delivered(ctx, f.DB.R(), n2.VariantID); len(d) != 0 {
			t.Fatalf("the next issue went out: %v", d)
		}
		for _, bad := range []string{"/unsubscribe/nope", "/unsubscribe/" + strings.Repeat("a", 43), "/newsletter/1/confirm/x"} {
			if r := f.Serve(formReq("GET", bad, "", nil)); r.Status != 404 && r.Status != 200 {
				t.Errorf("GET %s: %d", bad, r.Status)
			}
			if r := f.Serve(formReq("POST", bad, "", nil)); r.Status != 404 {
				t.Errorf("POST %s: %d", bad, r.Status)
			}
		}

		// Not an email account, or an unknown one: no form.
		xID := newAccount(t, f, f.A, limits.X, "en")
		for _, p := range []string{fmt.Sprintf("/newsletter/%d/subscribe", xID), "/newsletter/99999999/subscribe", "/newsletter/abc/subscribe"} {
			if r := f.Serve(formReq("GET", p, "", nil)); r.Status != 404 {
				t.Errorf("GET %s: %d", p, r.Status)
			}
		}

		// The organisation's pages.
		admin := f.SignIn(t, f.Members[authz.Admin])
		page := fmt.Sprintf("/o/%s/channels/%d/subscribers", f.A.Slug, accID)
		if r := f.Serve(formReq("GET", page, "", admin)); r.Status != 200 || !strings.Contains(r.Body, who) {
			t.Fatalf("subscribers page: %d", r.Status)
		}
		if r := f.Serve(formReq("GET", fmt.Sprintf("/o/%s/channels/%d/subscribers", f.A.Slug, xID), "", admin)); r.Status != 404 {
			t.Fatalf("subscribers of an X account: %d", r.Status)
		}
		if r := f.Serve(formReq("POST", page, "addresses="+url.QueryEscape("ok@example.org\nnot an address"), admin)); r.Status != 422 || !strings.Contains(r.Body, "line 2") {
			t.Fatalf("bad import: %d", r.Status)
		}
		imp := fmt.Sprintf("imp1-%s-%d@example.org\nimp2-%s-%d@example.org,Imported", e.Name, accID, e.Name, accID)
		if r := f.Serve(formReq("POST", page, "addresses="+url.QueryEscape(imp)+"&language=uk", admin)); r.Status != 303 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		if c, _ := newsletter.Count(ctx, f.DB.R(), accID); c != (newsletter.Counts{Pending: 2, Unsubscribed: 1}) {
			t.Fatalf("imported addresses must wait for confirmation: %+v", c)
		}
		if m := mp.WaitFor(t, fmt.Sprintf("imp2-%s-%d@example.org", e.Name, accID)); !strings.Contains(m.Subject, "Підтвердьте") {
			t.Fatalf("the confirmation is in the chosen language: %q", m.Subject)
		}
		subs, _ := newsletter.List(ctx, f.DB.R(), accID)
		rm := fmt.Sprintf("%s/%d/remove", page, subs[0].ID)
		if r := f.Serve(formReq("GET", rm, "", admin)); r.Status != 200 {
			t.Fatalf("remove page: %d", r.Status)
		}
		if r := f.Serve(formReq("POST", rm, "", admin)); r.Status != 303 {
			t.Fatalf("remove: %d", r.Status)
		}
		if r := f.Serve(formReq("POST", rm, "", admin)); r.Status != 404 {
			t.Fatalf("remove again: %d", r.Status)
		}
		// Another organisation's subscriber is not found from A's page.
		bAcc := newAccount(t, f, f.B, limits.Email, "en")
		bSub, _, _ := newsletter.Subscribe(ctx, f.DB.W(), bAcc, "b@example.org", "", "")
		if r := f.Serve(formReq("POST", fmt.Sprintf("%s/%d/remove", page, bSub.ID), "", admin)); r.Status != 404 {
			t.Fatalf("removing B's subscriber through A: %d", r.Status)
		}
		if strings.Contains(f.Logs.String(), "level=ERROR") {
			t.Fatalf("errors logged:\n%s", f.Logs.String())
		}
	})
}
