package signal

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/text"
)

// CoordSettings are the parameters of coordination detection; a zero
// field takes its default.
type CoordSettings struct {
	Authors int           // N: distinct authors of near-identical texts … (default 5)
	Window  time.Duration // T: … posted within this time (default 30 minutes)
	// Lookback is how far back each run reads mentions (by their
	// publication time); it must exceed Window by the collection delay
	// and the time between runs (default 2 hours).
	Lookback  time.Duration
	MinChars  int     // texts shorter than this once normalised are not compared (default 40)
	Threshold float64 // estimated Jaccard similarity that makes two texts near-identical (default 0.6)
	// MaxMentions bounds the mentions one run reads per organisation, the
	// newest first (default 50,000).
	MaxMentions int
}

// Defaults of CoordSettings.
const (
	DefaultCoordAuthors     = 5
	DefaultCoordWindow      = 30 * time.Minute
	DefaultCoordLookback    = 2 * time.Hour
	DefaultCoordMinChars    = 40
	DefaultCoordThreshold   = 0.6
	DefaultCoordMaxMentions = 50_000
)

// Bounds of what a coordination alert's detail lists, and of the text
// read from each mention (a copy-paste post is short; a long article is
// compared on its beginning).
const (
	MaxDetailMentions = 2000
	MaxDetailAuthors  = 500
	maxSampleRunes    = 500
	maxTextRunes      = 4000
)

func (s CoordSettings) withDefaults() CoordSettings {
	if s.Authors == 0 {
		s.Authors = DefaultCoordAuthors
	}
	if s.Window == 0 {
		s.Window = DefaultCoordWindow
	}
	if s.Lookback == 0 {
		s.Lookback = max(DefaultCoordLookback, s.Window)
	}
	if s.MinChars == 0 {
		s.MinChars = DefaultCoordMinChars
	}
	if s.Threshold == 0 {
		s.Threshold = DefaultCoordThreshold
	}
	if s.MaxMentions == 0 {
		s.MaxMentions = DefaultCoordMaxMentions
	}
	return s
}

func (s CoordSettings) validate() error {
	switch {
	case s.Authors < 2:
		return fmt.Errorf("coordination settings: Authors must be at least 2, not %d", s.Authors)
	case s.Window < time.Minute:
		return fmt.Errorf("coordination settings: Window must be at least a minute, not %v", s.Window)
	case s.Lookback < s.Window:
		return fmt.Errorf("coordination settings: Lookback (%v) must be at least Window (%v)", s.Lookback, s.Window)
	case s.MinChars < ShingleSize:
		return fmt.Errorf("coordination settings: MinChars must be at least %d, not %d", ShingleSize, s.MinChars)
	case !(s.Threshold > 0 && s.Threshold <= 1):
		return fmt.Errorf("coordination settings: Threshold must be in (0, 1], not %v", s.Threshold)
	case s.MaxMentions < 1:
		return fmt.Errorf("coordination settings: MaxMentions must be at least 1, not %d", s.MaxMentions)
	}
	return nil
}

// CoordDetail is the detail of a coordination alert: a cluster of
// near-identical texts. A cluster that goes on growing keeps its alert;
// what later runs find is merged in.
type CoordDetail struct {
	Size        int           `json:"size"`         // mentions in the cluster
	Mentions    []int64       `json:"mentions"`     // their ids, ascending (at most MaxDetailMentions)
	AuthorCount int           `json:"author_count"` // distinct authors
	Authors     []CoordAuthor `json:"authors"`      // at most MaxDetailAuthors
	Sources     []string      `json:"sources"`
	Topics      []int64       `json:"topics,omitempty"` // topics that matched some of the mentions
	SampleID    int64         `json:"sample_id"`        // the earliest mention
	Sample      string        `json:"sample"`           // its text (shortened)
	First       time.Time     `json:"first"`            // publication time of the earliest mention
	Last        time.Time     `json:"last"`             // … and of the latest
	// The burst that raised the alert: the most distinct authors found
	// within Window, and when.
	BurstAuthors int       `json:"burst_authors"`
	BurstStart   time.Time `json:"burst_start"`
	BurstEnd     time.Time `json:"burst_end"`
}

// CoordAuthor is one author of a cluster.
type CoordAuthor struct {
	Source string `json:"source"`
	ID     string `json:"id,omitempty"`
	Handle string `json:"handle,omitempty"`
}

// key identifies the author within a source: the id when the source
// gives one, else the folded handle.
func (a CoordAuthor) key() string {
	if a.ID != "" {
		return a.Source + "\x00" + a.ID
	}
	return a.Source + "\x00@" + text.Fold(a.Handle)
}

// post is a mention as coordination detection reads it.
type post struct {
	id     int64
	author CoordAuthor
	akey   string
	text   string
	at     time.Time
}

// recentPosts reads the organisation's mentions published in [from, to]
// that have an author, newest first, from the newest limit mentions; full
// says whether the limit was reached.
func recentPosts(ctx context.Context, q db.Queryer, orgID int64, from, to time.Time, limit int) (out []post, full bool, err error) {
	rows, err := q.QueryContext(ctx, `SELECT id, source, author_id, author_handle, SUBSTR(text, 1, `+strconv.Itoa(maxTextRunes)+`), at
		FROM mentions WHERE org_id = ? AND at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?`, orgID, from, to, limit)
	if err != nil {
		return nil, false, fmt.Errorf("recent mentions: %w", err)
	}
	defer rows.Close()
	read := 0
	for rows.Next() {
		var p post
		if err := rows.Scan(&p.id, &p.author.Source, &p.author.ID, &p.author.Handle, &p.text, &p.at); err != nil {
			return nil, false, fmt.Errorf("recent mentions: %w", err)
		}
		read++
		if p.author.ID == "" && p.author.Handle == "" {
			continue // no author to count
		}
		p.at = p.at.UTC()
		p.akey = p.author.key()
		out = append(out, p)
	}
	return out, read == limit, rows.Err()
}

// signAll computes the signatures of the posts' texts on up to 4 cores,
// and the length of each normalised text.
func signAll(posts []post) ([]Signature, []int) {
	sigs := make([]Signature, len(posts))
	lens := make([]int, len(posts))
	workers := min(runtime.GOMAXPROCS(0), 4, max(1, len(posts)/500))
	var wg sync.WaitGroup
	chunk := (len(posts) + workers - 1) / max(workers, 1)
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(posts))
		if lo >= hi {
			continue
		}
		wg.Go(func() {
			var g Signer
			for i := lo; i < hi; i++ {
				sigs[i], lens[i] = g.Sign(posts[i].text)
			}
		})
	}
	wg.Wait()
	return sigs, lens
}

// Cluster is a group of near-identical posts found by FindClusters.
type Cluster struct {
	Members []int // indices into the input, by time then id
	Authors int   // distinct authors
	// The largest number of distinct authors within the window, and the
	// first and last post of that burst.
	BurstAuthors         int
	BurstStart, BurstEnd time.Time
}

// Post is the input of FindClusters: a text, its author (any string that
// identifies one author) and its time.
type Post struct {
	ID     int64
	Author string
	Text   string
	At     time.Time
}

// FindClusters groups near-identical texts of posts (texts shorter than
// s.MinChars once normalised are left out) and returns every group of at
// least two posts, with its authors and its densest burst within
// s.Window. A group is coordination when BurstAuthors ≥ s.Authors.
func FindClusters(posts []Post, s CoordSettings) []Cluster {
	s = s.withDefaults()
	in := make([]post, len(posts))
	for i, p := range posts {
		in[i] = post{id: p.ID, akey: p.Author, text: p.Text, at: p.At.UTC()}
	}
	return findClusters(in, s)
}

func findClusters(posts []post, s CoordSettings) []Cluster {
	sigs, lens := signAll(posts)
	// Only texts long enough to mean something take part.
	idx := make([]int, 0, len(posts))
	for i := range posts {
		if lens[i] >= s.MinChars {
			idx = append(idx, i)
		}
	}
	kept := make([]Signature, len(idx))
	for j, i := range idx {
		kept[j] = sigs[i]
	}
	var out []Cluster
	for _, g := range Clusters(kept, s.Threshold) {
		members := make([]int, len(g))
		for j, k := range g {
			members[j] = idx[k]
		}
		slices.SortFunc(members, func(a, b int) int {
			return cmp.Or(posts[a].at.Compare(posts[b].at), cmp.Compare(posts[a].id, posts[b].id))
		})
		out = append(out, burst(posts, members, s.Window))
	}
	return out
}

// burst finds, over members sorted by time, the window of length w with
// the most distinct authors (two pointers, counting authors in the window).
func burst(posts []post, members []int, w time.Duration) Cluster {
	c := Cluster{Members: members}
	all := map[string]bool{}
	in := map[string]int{}
	lo := 0
	for hi, m := range members {
		all[posts[m].akey] = true
		in[posts[m].akey]++
		for posts[m].at.Sub(posts[members[lo]].at) > w {
			k := posts[members[lo]].akey
			if in[k]--; in[k] == 0 {
				delete(in, k)
			}
			lo++
		}
		if len(in) > c.BurstAuthors {
			c.BurstAuthors = len(in)
			c.BurstStart, c.BurstEnd = posts[members[lo]].at, posts[members[hi]].at
		}
	}
	c.Authors = len(all)
	return c
}

// coordination raises the coordination alerts of one organisation.
func (r *run) coordination(ctx context.Context, o orgRef) (int, error) {
	s := r.settings.Coord
	from := r.now.Add(-s.Lookback)
	posts, full, err := recentPosts(ctx, r.d.DB.R(), o.id, from, r.now, s.MaxMentions)
	if err != nil {
		return 0, err
	}
	if full {
		r.d.log().Warn("coordination: mention limit reached, older mentions of the look-back not compared",
			"org", o.id, "limit", s.MaxMentions)
	}
	clusters := findClusters(posts, s)
	if len(clusters) == 0 {
		return 0, nil
	}
	prev, err := knownClusters(ctx, r.d.DB.R(), o.id, from)
	if err != nil {
		return 0, err
	}
	raised := 0
	for _, c := range clusters {
		prior, grows := prev.find(posts, c.Members)
		if c.BurstAuthors < s.Authors && !grows {
			continue
		}
		n, err := r.raiseCluster(ctx, o, posts, c, prior)
		raised += n
		if err != nil {
			return raised, err
		}
	}
	return raised, nil
}

// raiseCluster raises the alert of cluster c, or updates prior's.
func (r *run) raiseCluster(ctx context.Context, o orgRef, posts []post, c Cluster, prior *knownAlert) (int, error) {
	det := clusterDetail(posts, c)
	topics, err := clusterTopics(ctx, r.d.DB.R(), o.id, det.Mentions)
	if err != nil {
		return 0, err
	}
	det.Topics = topics
	first := posts[c.Members[0]]
	key := "coord:" + strconv.FormatInt(first.id, 10)
	if prior != nil {
		key = prior.alert.Key
		det = mergeDetail(prior.detail, det)
	}
	raw, err := json.Marshal(det)
	if err != nil {
		return 0, fmt.Errorf("coordination detail: %w", err)
	}
	a := Alert{OrgID: o.id, Kind: KindCoordination, Key: key, Title: coordTitle(det), Detail: raw,
		WindowStart: det.First, WindowEnd: det.Last, CreatedAt: r.now}
	if prior != nil && unchanged(prior.alert, a) {
		return 0, nil
	}
	return r.raise(ctx, o, &a)
}

// clusterDetail describes cluster c.
func clusterDetail(posts []post, c Cluster) CoordDetail {
	first, last := posts[c.Members[0]], posts[c.Members[len(c.Members)-1]]
	d := CoordDetail{Size: len(c.Members), AuthorCount: c.Authors, SampleID: first.id,
		Sample: clip(strings.TrimSpace(first.text), maxSampleRunes), First: first.at, Last: last.at,
		BurstAuthors: c.BurstAuthors, BurstStart: c.BurstStart, BurstEnd: c.BurstEnd}
	seen := map[string]bool{}
	sources := map[string]bool{}
	for _, m := range c.Members {
		p := posts[m]
		d.Mentions = append(d.Mentions, p.id)
		sources[p.author.Source] = true
		if !seen[p.akey] {
			seen[p.akey] = true
			d.Authors = append(d.Authors, p.author)
		}
	}
	for s := range sources {
		d.Sources = append(d.Sources, s)
	}
	return tidy(d)
}

// tidy sorts and bounds the lists of d, so that equal clusters give equal
// JSON (and raising again changes nothing).
func tidy(d CoordDetail) CoordDetail {
	slices.Sort(d.Mentions)
	d.Mentions = slices.Compact(d.Mentions)
	if len(d.Mentions) > MaxDetailMentions {
		d.Mentions = d.Mentions[:MaxDetailMentions]
	}
	slices.SortFunc(d.Authors, func(a, b CoordAuthor) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Handle, b.Handle), cmp.Compare(a.ID, b.ID))
	})
	d.Authors = slices.CompactFunc(d.Authors, func(a, b CoordAuthor) bool { return a.key() == b.key() })
	if len(d.Authors) > MaxDetailAuthors {
		d.Authors = d.Authors[:MaxDetailAuthors]
	}
	slices.Sort(d.Sources)
	d.Sources = slices.Compact(d.Sources)
	slices.Sort(d.Topics)
	d.Topics = slices.Compact(d.Topics)
	return d
}

// mergeDetail adds what a later run found (cur) to an alert's detail
// (old): the look-back moves on, so the earliest mentions of a cluster
// may no longer be in view. Counts are the larger of the two and the
// union when both lists are complete.
func mergeDetail(old, cur CoordDetail) CoordDetail {
	m := cur
	m.Mentions = append(slices.Clone(old.Mentions), cur.Mentions...)
	m.Authors = append(slices.Clone(old.Authors), cur.Authors...)
	m.Sources = append(slices.Clone(old.Sources), cur.Sources...)
	m.Topics = append(slices.Clone(old.Topics), cur.Topics...)
	if !old.First.IsZero() && old.First.Before(cur.First) {
		m.First, m.SampleID, m.Sample = old.First, old.SampleID, old.Sample
	}
	if old.Last.After(m.Last) {
		m.Last = old.Last
	}
	if old.BurstAuthors >= cur.BurstAuthors && !old.BurstStart.IsZero() {
		m.BurstAuthors, m.BurstStart, m.BurstEnd = old.BurstAuthors, old.BurstStart, old.BurstEnd
	}
	m = tidy(m)
	m.Size = max(old.Size, cur.Size, len(m.Mentions))
	if len(old.Mentions) == old.Size && len(cur.Mentions) == cur.Size && len(m.Mentions) < MaxDetailMentions {
		m.Size = len(m.Mentions)
	}
	m.AuthorCount = max(old.AuthorCount, cur.AuthorCount, len(m.Authors))
	if len(old.Authors) == old.AuthorCount && len(cur.Authors) == cur.AuthorCount && len(m.Authors) < MaxDetailAuthors {
		m.AuthorCount = len(m.Authors)
	}
	return m
}

func coordTitle(d CoordDetail) string {
	minutes := int(math.Ceil(d.BurstEnd.Sub(d.BurstStart).Minutes()))
	return fmt.Sprintf("Near-identical text from %d authors (%d within %d min): “%s”",
		d.AuthorCount, d.BurstAuthors, max(minutes, 1), clip(strings.Join(strings.Fields(d.Sample), " "), 80))
}

// clusterTopics lists the organisation's topics that matched some of the
// mentions.
func clusterTopics(ctx context.Context, q db.Queryer, orgID int64, ids []int64) ([]int64, error) {
	ids = ids[:min(len(ids), 500)]
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, orgID)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT topic_id FROM topic_matches WHERE org_id = ? AND mention_id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) ORDER BY topic_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cluster topics: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cluster topics: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// knownAlert is a coordination alert whose mentions may still be in view.
type knownAlert struct {
	alert  Alert
	detail CoordDetail
}

// known maps mention ids to the coordination alerts that list them.
type known struct {
	byMention map[int64]*knownAlert
}

// knownClusters loads the organisation's coordination alerts whose last
// mention was published at or after from.
func knownClusters(ctx context.Context, q db.Queryer, orgID int64, from time.Time) (known, error) {
	k := known{byMention: map[int64]*knownAlert{}}
	rows, err := q.QueryContext(ctx, "SELECT "+alertColumns+" FROM alerts WHERE org_id = ? AND kind = ? AND window_end >= ? ORDER BY id",
		orgID, KindCoordination, from)
	if err != nil {
		return k, fmt.Errorf("known clusters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a := &knownAlert{}
		var err error
		if a.alert, err = scanAlert(rows); err != nil {
			return k, fmt.Errorf("known clusters: %w", err)
		}
		if json.Unmarshal(a.alert.Detail, &a.detail) != nil {
			continue // not ours to read: the cluster gets an alert of its own
		}
		for _, m := range a.detail.Mentions {
			if _, taken := k.byMention[m]; !taken { // the oldest alert keeps a mention
				k.byMention[m] = a
			}
		}
	}
	return k, rows.Err()
}

// find returns the oldest known alert that lists one of the members.
func (k known) find(posts []post, members []int) (*knownAlert, bool) {
	var best *knownAlert
	for _, m := range members {
		if a := k.byMention[posts[m].id]; a != nil && (best == nil || a.alert.ID < best.alert.ID) {
			best = a
		}
	}
	return best, best != nil
}
