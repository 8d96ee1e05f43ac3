package website

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
)

func TestWebhookIsSignedAndVerifiable(t *testing.T) {
	const secret = "s3cret-webhook"
	var mu sync.Mutex
	var got []Payload
	var deliveries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Header.Get(HeaderEvent) != Event || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		}
		var p Payload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, p)
		deliveries = append(deliveries, r.Header.Get(HeaderDelivery))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	acc := channel.Account{ID: 7, OrgID: 3, Network: "website"}
	conn, err := New(acc, channel.Credentials{"webhook_url": srv.URL + "/hook", "webhook_secret": secret}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	post := channel.Post{VariantID: 12, Version: 3, IdempotencyKey: channel.IdempotencyKey(12, 3), Text: "Заява МЗС <b>&\"ok\"</b> — ქართული", Language: "uk", Link: "https://mfa.example/a?b=1&c=2"}
	pub, err := conn.Publish(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	if pub.ExternalID != "attache-v12-3" || pub.At.IsZero() || pub.URL != "" {
		t.Fatalf("published = %+v", pub)
	}
	if _, ok, err := conn.Find(context.Background(), post); ok || err != nil {
		t.Fatalf("Find with a webhook = %v, %v; want not found so that the delivery is repeated", ok, err)
	}
	// A retry delivers again with the same delivery id.
	if _, err := conn.Publish(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || deliveries[0] != "attache-v12-3" || deliveries[1] != deliveries[0] {
		t.Fatalf("deliveries = %v", deliveries)
	}
	p := got[0]
	if p.Text != post.Text || p.VariantID != 12 || p.Version != 3 || p.AccountID != 7 || p.OrgID != 3 || p.Language != "uk" || p.Link != post.Link || p.Event != Event {
		t.Fatalf("payload = %+v", p)
	}

	// A wrong secret is refused by the receiver: a permanent error.
	bad, _ := New(acc, channel.Credentials{"webhook_url": srv.URL, "webhook_secret": "wrong"}, srv.Client())
	_, err = bad.Publish(context.Background(), post)
	if channel.KindOf(err) != channel.Permanent {
		t.Fatalf("wrong secret: err = %v, kind %v", err, channel.KindOf(err))
	}
}

func TestVerifyRefusesTamperingAndReplays(t *testing.T) {
	body := []byte(`{"text":"a"}`)
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set(HeaderTimestamp, "1800000000")
	h.Set(HeaderSignature, Sign("k", now.Unix(), body))
	if err := Verify("k", h, body, now, time.Minute); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	if Verify("k", h, []byte(`{"text":"b"}`), now, time.Minute) == nil {
		t.Error("a changed body verified")
	}
	if Verify("other", h, body, now, time.Minute) == nil {
		t.Error("another secret verified")
	}
	if Verify("k", h, body, now.Add(10*time.Minute), time.Minute) == nil {
		t.Error("a stale delivery verified")
	}
	h.Set(HeaderTimestamp, "1800000001")
	if Verify("k", h, body, now, time.Minute) == nil {
		t.Error("a changed timestamp verified")
	}
}

func TestErrorsAreClassified(t *testing.T) {
	status := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "30")
		}
		http.Error(w, "nope", status)
	}))
	defer srv.Close()
	conn, err := New(channel.Account{ID: 1}, channel.Credentials{"webhook_url": srv.URL, "webhook_secret": "k"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status int
		kind   channel.Kind
	}{{500, channel.Transient}, {503, channel.Transient}, {429, channel.Transient}, {400, channel.Permanent}, {404, channel.Permanent}, {401, channel.Permanent}} {
		status = tc.status
		_, err := conn.Publish(context.Background(), channel.Post{VariantID: 1, Version: 1})
		var ce *channel.Error
		if err == nil || channel.KindOf(err) != tc.kind {
			t.Errorf("HTTP %d: err = %v, kind %v; want kind %v", tc.status, err, channel.KindOf(err), tc.kind)
		} else if errors.As(err, &ce) && ce.Status != tc.status {
			t.Errorf("HTTP %d: status %d", tc.status, ce.Status)
		}
		if tc.status == 429 && (ce == nil || ce.RetryAfter != 30*time.Second) {
			t.Errorf("429: RetryAfter = %v", ce)
		}
	}
	// Nothing listens: transient.
	srv.Close()
	if _, err := conn.Publish(context.Background(), channel.Post{VariantID: 1, Version: 1}); channel.KindOf(err) != channel.Transient || err == nil {
		t.Errorf("closed server: err = %v", err)
	}
}

func TestWithoutWebhookPublishingOnlyRecords(t *testing.T) {
	conn, err := New(channel.Account{ID: 1}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	post := channel.Post{VariantID: 5, Version: 2}
	pub, err := conn.Publish(context.Background(), post)
	if err != nil || pub.ExternalID != "attache-v5-2" {
		t.Fatalf("publish = %+v, %v", pub, err)
	}
	found, ok, err := conn.Find(context.Background(), post)
	if !ok || err != nil || found.ExternalID != pub.ExternalID {
		t.Fatalf("find = %+v %v %v", found, ok, err)
	}
	if m, cur, err := conn.Mentions(context.Background(), "c"); len(m) != 0 || cur != "c" || err != nil {
		t.Errorf("mentions = %v %q %v", m, cur, err)
	}
	if m, err := conn.Metrics(context.Background(), []string{"x"}); len(m) != 0 || err != nil {
		t.Errorf("metrics = %v %v", m, err)
	}
	if _, _, changed, err := conn.Refresh(context.Background()); changed || err != nil {
		t.Errorf("refresh = %v %v", changed, err)
	}
	for _, creds := range []channel.Credentials{{"webhook_url": "ftp://x"}, {"webhook_url": "https://cms.example/hook"}} {
		if _, err := New(channel.Account{}, creds, nil); channel.KindOf(err) != channel.Permanent {
			t.Errorf("New(%v) = %v", creds, err)
		}
	}
}
