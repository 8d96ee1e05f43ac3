package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/attache-project/attache/internal/ingest"
)

// Following the Jetstream (github.com/bluesky-social/jetstream): a
// websocket of JSON events, filtered by wantedCollections, resumable from
// a cursor in Unix microseconds (the events' time_us).
const (
	// Events are stored in batches of flushEvents or every flushEvery,
	// whichever comes first (Runner.FlushEvents, Runner.FlushEvery).
	flushEvents = 500
	flushEvery  = 2 * time.Second
	// rewind is how far before the stored cursor a reconnection resumes,
	// as Jetstream advises for gapless playback (dedup absorbs the
	// overlap); maxReplay is how far back it goes after a long stop.
	rewind    = 5 * time.Second
	maxReplay = time.Hour
	// maxMessageBytes caps one event (posts are a few KiB).
	maxMessageBytes = 1 << 20
	// Reconnection waits double from a second up to maxReconnectWait
	// (kept under StreamLease, which is renewed before each wait).
	maxReconnectWait = time.Minute
	dialTimeout      = 20 * time.Second
)

// blueskyState is the cursor: the time_us of the last event whose batch
// was stored.
type blueskyState struct {
	Cursor int64 `json:"cursor,omitempty"`
}

// jetEvent is one Jetstream event: a commit, identity or account event of
// the repository did, stamped with time_us.
type jetEvent struct {
	DID    string     `json:"did"`
	TimeUS int64      `json:"time_us"`
	Kind   string     `json:"kind"`
	Commit *jetCommit `json:"commit"`
}

// jetCommit is a record operation: create, update or delete.
type jetCommit struct {
	Rev        string          `json:"rev"`
	Operation  string          `json:"operation"`
	Collection string          `json:"collection"`
	RKey       string          `json:"rkey"`
	CID        string          `json:"cid"`
	Record     json.RawMessage `json:"record"`
}

// postRecord is the part of an app.bsky.feed.post record listening reads
// (other collections are read the same way when their records have text).
type postRecord struct {
	Text      string   `json:"text"`
	Langs     []string `json:"langs"`
	CreatedAt string   `json:"createdAt"`
	Reply     *struct {
		Parent struct {
			URI string `json:"uri"`
		} `json:"parent"`
	} `json:"reply"`
}

// decodeEvent reads one Jetstream message; an error means it is not an
// event (malformed JSON, no kind or time).
func decodeEvent(data []byte) (jetEvent, error) {
	var e jetEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return jetEvent{}, fmt.Errorf("not a Jetstream event: %w", err)
	}
	if e.Kind == "" || e.TimeUS <= 0 {
		return jetEvent{}, errors.New("not a Jetstream event: no kind or time_us")
	}
	return e, nil
}

var (
	didRe  = regexp.MustCompile(`^did:[a-z]+:[A-Za-z0-9._:%-]+$`) // at most 2 KiB (checked apart)
	rkeyRe = regexp.MustCompile(`^[A-Za-z0-9._:~-]{1,512}$`)
)

// item converts the creation of a record with text into an item with
// source "bluesky": external id at://did/collection/rkey, a bsky.app link
// for posts, the author's DID as id and handle (Jetstream does not carry
// handles), the record's first language, its reply parent. Everything
// else — deletes, updates, identity and account events, records without
// text, malformed keys — gives ok false.
func (e jetEvent) item() (ingest.Item, bool) {
	c := e.Commit
	if e.Kind != "commit" || c == nil || c.Operation != "create" || len(c.Record) == 0 {
		return ingest.Item{}, false
	}
	if len(e.DID) > 2048 || !didRe.MatchString(e.DID) || !rkeyRe.MatchString(c.RKey) || c.RKey == "." || c.RKey == ".." ||
		strings.HasSuffix(c.Collection, ".*") || !validNSID(c.Collection) {
		return ingest.Item{}, false
	}
	var rec postRecord
	if json.Unmarshal(c.Record, &rec) != nil || strings.TrimSpace(rec.Text) == "" {
		return ingest.Item{}, false
	}
	it := ingest.Item{
		Source: "bluesky", ExternalID: "at://" + e.DID + "/" + c.Collection + "/" + c.RKey,
		AuthorID: e.DID, AuthorHandle: e.DID, Text: rec.Text, At: e.at(rec.CreatedAt),
	}
	if c.Collection == DefaultCollection {
		it.URL = "https://bsky.app/profile/" + e.DID + "/post/" + c.RKey
	}
	if len(rec.Langs) > 0 {
		it.Lang = rec.Langs[0]
	}
	if rec.Reply != nil && strings.HasPrefix(rec.Reply.Parent.URI, "at://") {
		it.InReplyTo = rec.Reply.Parent.URI
	}
	return it, true
}

// at is when the post was made: the record's createdAt, which the client
// sets, unless it is unreadable or ahead of when Jetstream saw the event
// (time_us); then time_us.
func (e jetEvent) at(createdAt string) time.Time {
	seen := time.UnixMicro(e.TimeUS).UTC()
	t, err := time.Parse(time.RFC3339Nano, createdAt)
	if err != nil || t.Year() < 1900 || t.After(seen.Add(time.Minute)) {
		return seen
	}
	return t.UTC()
}

// errLeaseLost stops a follower whose lease was taken from it.
var errLeaseLost = errors.New("the source's lease was lost")

// follower keeps one Bluesky source's Jetstream connection. It holds the
// source's lease (src.NextRunAt) and renews it every lease/3.
type follower struct {
	r      *Runner
	src    Source
	cfg    *BlueskyConfig
	cursor int64  // time_us of the last stored batch
	items  int    // stored since the last report
	err    string // the connection's last error, "" while it works
}

func newFollower(r *Runner, s Source, cfg *BlueskyConfig) *follower {
	var st blueskyState
	_ = json.Unmarshal(s.State, &st)
	return &follower{r: r, src: s, cfg: cfg, cursor: st.Cursor}
}

func (f *follower) state() json.RawMessage {
	b, _ := json.Marshal(blueskyState{Cursor: f.cursor})
	return b
}

// run follows the stream until ctx ends or the lease is lost, reconnecting
// with back-off; at the end it releases the lease with the cursor.
func (f *follower) run(ctx context.Context) {
	defer f.release(ctx)
	wait := time.Second
	for ctx.Err() == nil {
		started := time.Now()
		err := f.connect(ctx)
		if errors.Is(err, errLeaseLost) || ctx.Err() != nil {
			return
		}
		f.err = err.Error()
		f.r.log().Warn("jetstream: disconnected", "source", f.src.ID, "org", f.src.OrgID, "error", err, "retry_in", wait)
		if time.Since(started) > time.Minute {
			wait = time.Second
		}
		if !f.renew(ctx) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, maxReconnectWait)
	}
}

// renew records the follower's report and extends its lease; false when
// the lease was lost. A database error keeps the follower going (the next
// renewal tells whether it still holds the source).
func (f *follower) renew(ctx context.Context) bool {
	now := f.r.now()
	ok, err := renew(ctx, f.r.DB.W(), &f.src, now, now.Add(f.r.streamLease()), streamReport{State: f.state(), Items: f.items, Err: f.err})
	if err != nil {
		f.r.log().Error("jetstream: renewing the lease", "source", f.src.ID, "error", err)
		return true
	}
	if ok {
		f.items = 0
	}
	return ok
}

func (f *follower) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := release(ctx, f.r.DB.W(), &f.src, f.r.now(), f.state(), f.items); err != nil {
		f.r.log().Error("jetstream: releasing the source", "source", f.src.ID, "error", err)
	}
}

// address is the subscribe URL: the collections, and the cursor less
// rewind (no older than maxReplay) when there is one.
func (f *follower) address() string {
	u, _ := url.Parse(f.cfg.Jetstream)
	q := url.Values{}
	for _, c := range f.cfg.Collections {
		q.Add("wantedCollections", c)
	}
	if f.cursor > 0 {
		c := max(f.cursor-rewind.Microseconds(), f.r.now().Add(-maxReplay).UnixMicro())
		q.Set("cursor", strconv.FormatInt(c, 10))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// connect reads one connection until it fails, ctx ends or the lease is
// lost, storing events in batches.
func (f *follower) connect(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, _, err := websocket.Dial(dctx, f.address(), &websocket.DialOptions{
		HTTPClient: f.r.client(), HTTPHeader: http.Header{"User-Agent": {userAgent}},
	})
	cancel()
	if err != nil {
		return fmt.Errorf("connecting to the Jetstream: %w", unreachable("Jetstream", err))
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMessageBytes)
	f.err = "" // connected: the source shows it at once
	if !f.renew(ctx) {
		return errLeaseLost
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	msgs := make(chan []byte, 1024)
	errc := make(chan error, 1)
	go func() {
		for {
			typ, data, err := conn.Read(rctx)
			if err != nil {
				errc <- err
				return
			}
			if typ != websocket.MessageText {
				data = nil // compressed or binary frames are not asked for
			}
			select {
			case msgs <- data:
			case <-rctx.Done():
				return
			}
		}
	}()
	return f.read(ctx, msgs, errc)
}

// batch is the events read since the last store.
type batch struct {
	items  []ingest.Item
	events int
	latest int64 // the largest time_us among them
}

func (b *batch) add(data []byte) {
	b.events++
	e, err := decodeEvent(data)
	if err != nil {
		return
	}
	b.latest = max(b.latest, e.TimeUS)
	if it, ok := e.item(); ok {
		b.items = append(b.items, it)
	}
}

// read consumes messages, storing a batch every FlushEvents events or
// FlushEvery, and renewing the lease every lease/3.
func (f *follower) read(ctx context.Context, msgs <-chan []byte, errc <-chan error) error {
	var b batch
	flushT := time.NewTicker(f.r.flushEvery())
	defer flushT.Stop()
	renewT := time.NewTicker(f.r.streamLease() / 3)
	defer renewT.Stop()
	for {
		select {
		case data := <-msgs:
			b.add(data)
			if b.events >= f.r.flushEvents() {
				if err := f.flush(ctx, &b); err != nil {
					return err
				}
			}
		case <-flushT.C:
			if err := f.flush(ctx, &b); err != nil {
				return err
			}
		case <-renewT.C:
			if err := f.flush(ctx, &b); err != nil {
				return err
			}
			if !f.renew(ctx) {
				return errLeaseLost
			}
		case err := <-errc:
			for more := true; more; { // what arrived before the error
				select {
				case data := <-msgs:
					b.add(data)
				default:
					more = false
				}
			}
			if ferr := f.flush(ctx, &b); ferr != nil {
				return ferr
			}
			return fmt.Errorf("the Jetstream connection ended: %w", err)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = f.flush(sctx, &b)
			return ctx.Err()
		}
	}
}

// flush stores the batch (only what matches a topic) and moves the cursor
// past it. A batch that cannot be stored ends the connection: the next
// one resumes from the cursor, so nothing is skipped.
func (f *follower) flush(ctx context.Context, b *batch) error {
	if len(b.items) > 0 {
		res, err := f.r.Ingest.IngestMatching(ctx, f.src.OrgID, b.items)
		if err != nil {
			return fmt.Errorf("storing Jetstream posts: %w", err)
		}
		f.items += res.Inserted
	}
	f.cursor = max(f.cursor, b.latest)
	*b = batch{items: b.items[:0]}
	return nil
}
