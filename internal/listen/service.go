package listen

// Service holds the rules of listening that the web and the API share:
// who may read and manage an organisation's topics and mentions, that a
// topic's query parses (with the position of the problem when it does
// not), and what each change writes to the audit log.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/lql"
	"github.com/attache-project/attache/internal/text"
	"github.com/attache-project/attache/internal/valid"
)

// Service is listening's domain service.
type Service struct {
	DB *db.DB
}

// can checks that p may do action in the organisation.
func (s *Service) can(ctx context.Context, p *authz.Principal, orgID int64, action authz.Action) error {
	return authz.Require(p, orgID, action)
}

// CheckQuery parses a topic's query; a bad one is a FieldError on
// "query" whose reason names the problem and its position.
func CheckQuery(q string) (*lql.Query, error) {
	parsed, err := lql.Parse(q)
	var qe *lql.Error
	if errors.As(err, &qe) {
		return nil, &valid.FieldError{Field: "query", Reason: qe.Error()}
	}
	if err != nil {
		return nil, &valid.FieldError{Field: "query", Reason: err.Error()}
	}
	return parsed, nil
}

// Topics lists an organisation's active topics.
func (s *Service) Topics(ctx context.Context, p *authz.Principal, orgID int64) ([]Topic, error) {
	if err := s.can(ctx, p, orgID, authz.UseListening); err != nil {
		return nil, err
	}
	return ListTopics(ctx, s.DB.R(), orgID, false)
}

// Topic returns one topic of an organisation.
func (s *Service) Topic(ctx context.Context, p *authz.Principal, orgID, id int64) (Topic, error) {
	if err := s.can(ctx, p, orgID, authz.UseListening); err != nil {
		return Topic{}, err
	}
	return GetTopic(ctx, s.DB.R(), orgID, id)
}

// CreateTopic adds a standing query; it applies to what arrives from now on.
func (s *Service) CreateTopic(ctx context.Context, p *authz.Principal, a audit.Actor, t *Topic) error {
	if err := s.can(ctx, p, t.OrgID, authz.ManageListening); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if _, err := CheckQuery(t.Query); err != nil {
		return err
	}
	t.CreatedBy = p.UserID
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := CreateTopic(ctx, tx, t); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(t.OrgID, "topic.create", "topic:"+strconv.FormatInt(t.ID, 10), map[string]string{"name": t.Name, "query": t.Query, "kind": t.Kind}))
	})
}

// TopicChange is what an edit may change: everything but the kind.
type TopicChange struct {
	Name, Query, Claim, Disproof       string
	CounterLines, Countries, Languages []string
}

// UpdateTopic changes a topic's name, query and case record; every
// instance uses the new query from its next batch.
func (s *Service) UpdateTopic(ctx context.Context, p *authz.Principal, a audit.Actor, orgID, id int64, c TopicChange) (Topic, error) {
	if err := s.can(ctx, p, orgID, authz.ManageListening); err != nil {
		return Topic{}, err
	}
	t, err := GetTopic(ctx, s.DB.R(), orgID, id)
	if err != nil {
		return t, err
	}
	t.Name, t.Query, t.Claim, t.Disproof = c.Name, c.Query, c.Claim, c.Disproof
	t.CounterLines, t.Countries, t.Languages = c.CounterLines, c.Countries, c.Languages
	if err := t.Validate(); err != nil {
		return t, err
	}
	if _, err := CheckQuery(t.Query); err != nil {
		return t, err
	}
	return t, s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := UpdateTopic(ctx, tx, &t); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(orgID, "topic.update", "topic:"+strconv.FormatInt(t.ID, 10), map[string]string{"name": t.Name, "query": t.Query}))
	})
}

// ArchiveTopic stops a topic; its matches stay.
func (s *Service) ArchiveTopic(ctx context.Context, p *authz.Principal, a audit.Actor, orgID, id int64) error {
	if err := s.can(ctx, p, orgID, authz.ManageListening); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := ArchiveTopic(ctx, tx, orgID, id, time.Now().UTC()); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(orgID, "topic.archive", "topic:"+strconv.FormatInt(id, 10), nil))
	})
}

// Mentions lists an organisation's mentions, newest first. words, when
// not blank, are searched for (every word must occur, in any script).
func (s *Service) Mentions(ctx context.Context, p *authz.Principal, orgID int64, words string, f Filter) ([]Mention, error) {
	if err := s.can(ctx, p, orgID, authz.UseListening); err != nil {
		return nil, err
	}
	if f.TopicID != 0 {
		if _, err := GetTopic(ctx, s.DB.R(), orgID, f.TopicID); err != nil {
			return nil, err
		}
	}
	q := SearchQuery{Filter: f}
	for _, w := range strings.Fields(words) {
		if keys := text.TermKeys(w); len(keys) > 0 {
			q.Terms = append(q.Terms, keys)
		}
	}
	return Search(ctx, s.DB.R(), orgID, q)
}

// Preview is what a query would have matched among recent mentions.
type Preview struct {
	Matched  int       // among the scanned
	Scanned  int       // mentions looked at, newest first
	Complete bool      // every mention since the start was scanned
	Examples []Mention // the newest matches, at most PreviewExamples
}

// Preview limits: the newest PreviewScan mentions of the period are
// evaluated (a preview must answer in a moment even for a busy
// organisation), and PreviewExamples matches are shown.
const (
	PreviewScan     = 5000
	PreviewExamples = 20
)

// Preview evaluates a query, before it is saved, against the
// organisation's mentions published since since, newest first.
func (s *Service) Preview(ctx context.Context, p *authz.Principal, orgID int64, query string, since time.Time) (Preview, error) {
	var pv Preview
	if err := s.can(ctx, p, orgID, authz.UseListening); err != nil {
		return pv, err
	}
	q, err := CheckQuery(query)
	if err != nil {
		return pv, err
	}
	f := Filter{From: since, Limit: MaxLimit}
	var toks []text.Token
	for pv.Scanned < PreviewScan {
		ms, err := List(ctx, s.DB.R(), orgID, f)
		if err != nil {
			return pv, err
		}
		for _, m := range ms {
			toks = text.AnalyzeAppend(toks[:0], m.Text)
			if q.Match(&lql.Doc{Tokens: toks, Lang: m.Language, Source: m.Source, Author: m.AuthorHandle, Country: m.Country}) {
				pv.Matched++
				if len(pv.Examples) < PreviewExamples {
					pv.Examples = append(pv.Examples, m)
				}
			}
		}
		pv.Scanned += len(ms)
		if len(ms) < f.Limit {
			pv.Complete = true
			break
		}
		f.Before = CursorOf(ms[len(ms)-1])
	}
	return pv, nil
}

// TopicStats counts a topic's matches for its dashboard (see TopicStats).
func (s *Service) TopicStats(ctx context.Context, p *authz.Principal, orgID, id int64, from, to time.Time) (Stats, error) {
	if err := s.can(ctx, p, orgID, authz.UseListening); err != nil {
		return Stats{}, err
	}
	if _, err := GetTopic(ctx, s.DB.R(), orgID, id); err != nil {
		return Stats{}, err
	}
	return TopicStats(ctx, s.DB.R(), orgID, id, from, to)
}

// DailyCounts gives each topic's matches per day (the topic list's
// sparklines).
func (s *Service) DailyCounts(ctx context.Context, p *authz.Principal, orgID int64, from, to time.Time) (map[int64][]int64, error) {
	if err := s.can(ctx, p, orgID, authz.UseListening); err != nil {
		return nil, err
	}
	return DailyCounts(ctx, s.DB.R(), orgID, from, to)
}
