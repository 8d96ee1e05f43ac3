package publish_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/testutil"
)

// twoStep publishes like Instagram: the first attempt creates a
// "container", checkpoints its id and then fails transiently; the retry
// must find the id the first attempt saved and publish that container.
type twoStep struct {
	mu    sync.Mutex
	calls int
	seen  string
}

func (s *twoStep) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	id, err := channel.LoadCheckpoint(ctx, "container:"+p.IdempotencyKey)
	if err != nil {
		return channel.Published{}, err
	}
	if id == "" {
		if err := channel.SaveCheckpoint(ctx, "container:"+p.IdempotencyKey, "container-17"); err != nil {
			return channel.Published{}, err
		}
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Status: 503, Message: "try again"}
	}
	s.seen = id
	return channel.Published{ExternalID: "media-" + id, At: time.Now()}, nil
}

func (s *twoStep) Find(context.Context, channel.Post) (channel.Published, bool, error) {
	return channel.Published{}, false, nil
}
func (s *twoStep) Mentions(context.Context, string) ([]channel.Mention, string, error) {
	return nil, "", nil
}
func (s *twoStep) Metrics(context.Context, []string) (map[string]channel.Metrics, error) {
	return nil, nil
}
func (s *twoStep) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}

func TestCheckpointsSurviveBetweenAttempts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		conn := &twoStep{}
		w.pub.Registry["mastodon"] = func(channel.Account, channel.Credentials, *http.Client) (channel.Connector, error) { return conn, nil }
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Second), "Grain corridor open"))
		got := w.waitState(v.ID, 20*time.Second, campaign.StatePublished, campaign.StateFailed)
		if got.State != campaign.StatePublished || got.ExternalID != "media-container-17" {
			t.Fatalf("state %s, external id %q, error %q", got.State, got.ExternalID, got.Error)
		}
		conn.mu.Lock()
		defer conn.mu.Unlock()
		if conn.calls != 2 || conn.seen != "container-17" {
			t.Fatalf("calls %d, the retry saw %q", conn.calls, conn.seen)
		}
	})
}
