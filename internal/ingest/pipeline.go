package ingest

// The ingest pipeline: a batch of items of one organisation is normalised,
// identified (language and script), analysed once, matched against the
// organisation's standing topics, and stored with its topic matches in
// one transaction. Exact duplicates (source + external id) are skipped by
// the store; their matches are not recorded twice.

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/lql"
	"github.com/attache-project/attache/internal/text"
)

// Identifier tells the language and the script of a text. The pipeline
// takes it as a function pair so that packages which ingest do not have
// to link the language models (internal/langid provides both).
type Identifier struct {
	// Language returns an ISO 639-1 code, or "" when unsure; nil means no
	// detection (the source's language or nothing).
	Language func(text string) string
	// Script returns an ISO 15924 code such as Latn, Cyrl or Geor.
	Script func(text string) string
}

// Pipeline stores items of an organisation. It is safe for concurrent use.
type Pipeline struct {
	DB       *db.DB
	Identify Identifier
	Topics   *Topics
	// Now stamps items without a time; nil means time.Now.
	Now func() time.Time
}

// Result counts what a call did.
type Result struct {
	Received   int // items given
	Invalid    int // refused by Normalise (counted, not stored)
	Inserted   int // new mentions
	Duplicates int // already stored, or repeated within the batch
	Matches    int // topic matches recorded
	Unmatched  int // dropped by IngestMatching: no topic matched
}

// Add adds r to the running totals t.
func (t *Result) Add(r Result) {
	t.Received += r.Received
	t.Invalid += r.Invalid
	t.Inserted += r.Inserted
	t.Duplicates += r.Duplicates
	t.Matches += r.Matches
	t.Unmatched += r.Unmatched
}

// Ingest takes one batch (up to a few thousand items; callers split
// larger input) through the pipeline and commits it: Prepare, then Store.
func (p *Pipeline) Ingest(ctx context.Context, orgID int64, items []Item) (Result, error) {
	b, err := p.Prepare(ctx, orgID, items)
	if err != nil {
		return Result{Received: len(items)}, err
	}
	return p.Store(ctx, b)
}

// IngestMatching is Ingest for sources too wide to keep whole (the
// Bluesky firehose, a public timeline): only items that match at least one
// of the organisation's topics are stored; the others are counted as
// Unmatched.
func (p *Pipeline) IngestMatching(ctx context.Context, orgID int64, items []Item) (Result, error) {
	b, err := p.Prepare(ctx, orgID, items)
	if err != nil {
		return Result{Received: len(items)}, err
	}
	b.keepMatching()
	return p.Store(ctx, b)
}

// keepMatching drops the mentions that matched no topic.
func (b *Batch) keepMatching() {
	n := 0
	for i := range b.mentions {
		if len(b.topics[i]) == 0 {
			b.res.Unmatched++
			continue
		}
		b.mentions[n], b.topics[n] = b.mentions[i], b.topics[i]
		n++
	}
	b.mentions, b.topics = b.mentions[:n], b.topics[:n]
}

// Batch is a prepared batch, ready to store.
type Batch struct {
	orgID    int64
	mentions []listen.Mention
	topics   [][]int64 // topic ids matched, by mention
	res      Result
}

// Prepare normalises, identifies, analyses and matches a batch, on every
// core; it writes nothing. A caller with a stream can prepare the next
// batch while the previous one is stored (Store runs on one connection).
func (p *Pipeline) Prepare(ctx context.Context, orgID int64, items []Item) (*Batch, error) {
	b := &Batch{orgID: orgID, res: Result{Received: len(items)}}
	matcher, err := p.Topics.Matcher(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	fetched := now().UTC()
	// Preparing an item (identification above all) is the costly part:
	// it runs on every core, each worker with its own buffers, taking the
	// next chunk of items as it is free (texts differ in cost, and the
	// storer of the previous batch shares the cores: a fixed share each
	// would leave a core idle at the end).
	prepared := make([]prepared, len(items))
	workers := min(runtime.GOMAXPROCS(0), (len(items)+63)/64)
	const chunk = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var s scratch
			for {
				from := int(next.Add(chunk)) - chunk
				if from >= len(items) {
					return
				}
				for i := from; i < min(from+chunk, len(items)); i++ {
					prepared[i] = p.prepare(items[i], orgID, fetched, matcher, &s)
				}
			}
		})
	}
	wg.Wait()
	b.mentions = make([]listen.Mention, 0, len(items))
	b.topics = make([][]int64, 0, len(items))
	for _, x := range prepared {
		if !x.ok {
			b.res.Invalid++
			continue
		}
		b.mentions = append(b.mentions, x.mention)
		b.topics = append(b.topics, x.topics)
	}
	return b, nil
}

// Store writes a prepared batch and its topic matches in one transaction.
func (p *Pipeline) Store(ctx context.Context, b *Batch) (Result, error) {
	res := b.res
	if len(b.mentions) == 0 {
		return res, nil
	}
	err := p.DB.InTx(ctx, func(tx *db.Tx) error {
		inserted, ids, err := listen.InsertBatch(ctx, tx, b.mentions)
		if err != nil {
			return err
		}
		res.Inserted = inserted
		res.Matches, err = listen.InsertMatches(ctx, tx, MatchesOf(ids, b.topics))
		return err
	})
	if err != nil {
		return Result{Received: b.res.Received}, fmt.Errorf("ingest: %w", err)
	}
	res.Duplicates = len(b.mentions) - res.Inserted
	return res, nil
}

// prepared is an item made ready to store: the mention with its keys,
// and the topics it matched; ok is false for an item Normalise refused.
type prepared struct {
	mention listen.Mention
	topics  []int64
	ok      bool
}

// scratch holds one worker's reusable buffers.
type scratch struct {
	toks []text.Token
	doc  lql.Doc
	hits []string
}

func (p *Pipeline) prepare(it Item, orgID int64, fetched time.Time, matcher *lql.Matcher, s *scratch) prepared {
	if err := Normalise(&it); err != nil {
		return prepared{}
	}
	if it.At.IsZero() {
		it.At = fetched
	}
	m := listen.Mention{
		OrgID: orgID, Source: it.Source, ExternalID: it.ExternalID, URL: it.URL,
		AuthorID: it.AuthorID, AuthorHandle: it.AuthorHandle, AuthorName: it.AuthorName, Country: it.Country,
		Text: it.Text, Language: it.Lang, InReplyTo: it.InReplyTo, At: it.At, FetchedAt: fetched,
		Likes: it.Likes, Reposts: it.Reposts, Replies: it.Replies,
	}
	ids := p.annotate(&m, matcher, s)
	return prepared{mention: m, topics: ids, ok: true}
}

// annotate identifies, analyses and matches one mention in place (its
// language when missing, its script, its index keys) and returns the ids
// of the topics it matches.
func (p *Pipeline) annotate(m *listen.Mention, matcher *lql.Matcher, s *scratch) []int64 {
	if m.Language == "" && p.Identify.Language != nil {
		m.Language = p.Identify.Language(m.Text)
	}
	if p.Identify.Script != nil {
		m.Script = p.Identify.Script(m.Text)
	}
	// One analysis serves the index and the matcher.
	s.toks = text.AnalyzeAppend(s.toks[:0], m.Text)
	m.Keys = listen.KeysOf(s.toks)
	s.doc = lql.Doc{Tokens: s.toks, Lang: m.Language, Source: m.Source, Author: m.AuthorHandle, Country: m.Country}
	s.hits = matcher.Match(&s.doc, s.hits[:0])
	if len(s.hits) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(s.hits))
	for _, h := range s.hits {
		if id, err := strconv.ParseInt(h, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Annotate is the pipeline's preparation for mentions that arrive already
// shaped as listen.Mentions (the replies the publishing poller pulls): it
// identifies, analyses and matches each in place against the
// organisation's topics, and returns the topic ids per mention, for
// MatchesOf once they are stored.
func (p *Pipeline) Annotate(ctx context.Context, orgID int64, ms []listen.Mention) ([][]int64, error) {
	matcher, err := p.Topics.Matcher(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var s scratch
	topics := make([][]int64, len(ms))
	for i := range ms {
		topics[i] = p.annotate(&ms[i], matcher, &s)
	}
	return topics, nil
}

// MatchesOf pairs stored mention ids (0 for a duplicate, as InsertBatch
// returns them) with the topics each matched.
func MatchesOf(ids []int64, topics [][]int64) []listen.Match {
	var out []listen.Match
	for i, id := range ids {
		if id == 0 || i >= len(topics) {
			continue
		}
		for _, t := range topics[i] {
			out = append(out, listen.Match{TopicID: t, MentionID: id})
		}
	}
	return out
}

// Topics keeps each organisation's active topics compiled in a matcher.
// A change to the topics (by this instance or another) takes effect at the
// next batch: the cheap fingerprint query below is made for every batch
// and the matcher is rebuilt when it changes — no restart, no messages
// between instances.
type Topics struct {
	DB *db.DB

	mu    sync.Mutex
	byOrg map[int64]*orgTopics
}

type orgTopics struct {
	fingerprint string
	matcher     *lql.Matcher
}

// Matcher returns the organisation's matcher, rebuilt when its topics
// changed. A topic whose query no longer parses is left out (the topic
// service refuses such queries; this guards old rows).
func (t *Topics) Matcher(ctx context.Context, orgID int64) (*lql.Matcher, error) {
	var n int
	var latest string
	// MAX over a timestamp comes back as text on SQLite and as a time on
	// PostgreSQL; compare it as a string either way.
	var raw any
	if err := t.DB.R().QueryRowContext(ctx, "SELECT COUNT(*), MAX(updated_at) FROM topics WHERE org_id = ? AND archived_at IS NULL", orgID).Scan(&n, &raw); err != nil {
		return nil, fmt.Errorf("topics of org %d: %w", orgID, err)
	}
	latest = fmt.Sprint(raw)
	fp := strconv.Itoa(n) + "|" + latest
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byOrg == nil {
		t.byOrg = map[int64]*orgTopics{}
	}
	if cur := t.byOrg[orgID]; cur != nil && cur.fingerprint == fp {
		return cur.matcher, nil
	}
	ts, err := listen.ListTopics(ctx, t.DB.R(), orgID, false)
	if err != nil {
		return nil, err
	}
	m := lql.NewMatcher()
	for _, tp := range ts {
		q, err := lql.Parse(tp.Query)
		if err != nil {
			continue
		}
		m.Set(strconv.FormatInt(tp.ID, 10), q)
	}
	t.byOrg[orgID] = &orgTopics{fingerprint: fp, matcher: m}
	return m, nil
}
