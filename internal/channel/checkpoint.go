package channel

import (
	"context"
	"sync"
)

// Checkpoints keep small values a connector must not lose between attempts
// of one post, above all the id of a media container created before it is
// published (Instagram, Threads): the container flow is two calls, and a
// crash between them must not create a second container — or, worse,
// publish twice. The publishing engine provides them per post (variant and
// version) through WithCheckpoints; without them the connectors still
// work, with the crash window the checkpoints would close.
//
// How the engine should use them: before calling Publish or Find, wrap ctx
// with WithCheckpoints(ctx, cp) where cp stores key/value pairs for the
// variant's version durably (a row per variant, version and key, written
// in its own transaction before Save returns); on a retry or after a
// crash, pass the same store so Find can see the saved container id and
// ask the network whether it was published.
type Checkpoints interface {
	// Save stores value under key, durably, before returning.
	Save(ctx context.Context, key, value string) error
	// Load returns the value saved under key ("" when none).
	Load(ctx context.Context, key string) (string, error)
}

type checkpointsKey struct{}

// WithCheckpoints gives the connectors the post's checkpoint store.
func WithCheckpoints(ctx context.Context, cp Checkpoints) context.Context {
	return context.WithValue(ctx, checkpointsKey{}, cp)
}

// CheckpointsFrom returns the store in ctx, or nil.
func CheckpointsFrom(ctx context.Context) Checkpoints {
	cp, _ := ctx.Value(checkpointsKey{}).(Checkpoints)
	return cp
}

// SaveCheckpoint saves when ctx has a store. A failed save is an error:
// going on would lose the protection the checkpoint gives.
func SaveCheckpoint(ctx context.Context, key, value string) error {
	cp := CheckpointsFrom(ctx)
	if cp == nil {
		return nil
	}
	if err := cp.Save(ctx, key, value); err != nil {
		return &Error{Kind: Transient, Message: "saving the publishing checkpoint: " + err.Error(), Err: err}
	}
	return nil
}

// LoadCheckpoint loads from ctx's store ("" when there is none).
func LoadCheckpoint(ctx context.Context, key string) (string, error) {
	cp := CheckpointsFrom(ctx)
	if cp == nil {
		return "", nil
	}
	v, err := cp.Load(ctx, key)
	if err != nil {
		return "", &Error{Kind: Transient, Message: "reading the publishing checkpoint: " + err.Error(), Err: err}
	}
	return v, nil
}

// MemoryCheckpoints is an in-memory store (tests, and a model for the
// engine's durable one).
type MemoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]string
}

// Save implements Checkpoints.
func (m *MemoryCheckpoints) Save(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]string{}
	}
	m.m[key] = value
	return nil
}

// Load implements Checkpoints.
func (m *MemoryCheckpoints) Load(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[key], nil
}
