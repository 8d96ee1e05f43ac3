package source

// Service holds the rules the web and the API share about sources: who
// may read them (everyone who uses listening) and manage them (analysts
// and admins), that an address is public (unless the server allows
// private ones), and the audit entry of each change.

import (
	"context"
	"strconv"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
)

// Service is the sources' domain service.
type Service struct {
	DB           *db.DB
	AllowPrivate bool
	// Runner fetches a source for Test; nil means a runner with the
	// guarded client.
	Runner *Runner
}

// List returns an organisation's sources.
func (s *Service) List(ctx context.Context, p *authz.Principal, orgID int64) ([]Source, error) {
	if err := authz.Require(p, orgID, authz.UseListening); err != nil {
		return nil, err
	}
	return List(ctx, s.DB.R(), orgID)
}

// Get returns one source of an organisation.
func (s *Service) Get(ctx context.Context, p *authz.Principal, orgID, id int64) (Source, error) {
	if err := authz.Require(p, orgID, authz.UseListening); err != nil {
		return Source{}, err
	}
	return Get(ctx, s.DB.R(), orgID, id)
}

// TelegramAccounts lists the accounts a Telegram source may read through.
func (s *Service) TelegramAccounts(ctx context.Context, p *authz.Principal, orgID int64) ([]channel.Account, error) {
	if err := authz.Require(p, orgID, authz.UseListening); err != nil {
		return nil, err
	}
	return TelegramAccounts(ctx, s.DB.R(), orgID)
}

// Create adds a source; it is due at once when enabled.
func (s *Service) Create(ctx context.Context, p *authz.Principal, a audit.Actor, src *Source) error {
	if err := authz.Require(p, src.OrgID, authz.ManageListening); err != nil {
		return err
	}
	if err := s.check(src); err != nil {
		return err
	}
	src.CreatedBy = p.UserID
	adjusted := src.Adjusted // the store validates again, finding nothing more to adjust
	defer func() { src.Adjusted = adjusted }()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := Create(ctx, tx, src); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(src.OrgID, "source.create", "source:"+strconv.FormatInt(src.ID, 10),
			map[string]string{"kind": string(src.Kind), "name": src.Name, "config": string(src.Config)}))
	})
}

// Update saves a source's name, settings, interval and whether it is
// enabled; its kind stays.
func (s *Service) Update(ctx context.Context, p *authz.Principal, a audit.Actor, src *Source) error {
	if err := authz.Require(p, src.OrgID, authz.ManageListening); err != nil {
		return err
	}
	if err := s.check(src); err != nil {
		return err
	}
	adjusted := src.Adjusted
	defer func() { src.Adjusted = adjusted }()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := Update(ctx, tx, src); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(src.OrgID, "source.update", "source:"+strconv.FormatInt(src.ID, 10),
			map[string]string{"name": src.Name, "config": string(src.Config), "enabled": strconv.FormatBool(src.Enabled)}))
	})
}

// Delete removes a source; what it collected stays.
func (s *Service) Delete(ctx context.Context, p *authz.Principal, a audit.Actor, orgID, id int64) error {
	if err := authz.Require(p, orgID, authz.ManageListening); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := Delete(ctx, tx, orgID, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(orgID, "source.delete", "source:"+strconv.FormatInt(id, 10), nil))
	})
}

// Test fetches a polled source (RSS, Mastodon) without storing anything
// and returns up to limit of its newest items.
func (s *Service) Test(ctx context.Context, p *authz.Principal, orgID, id int64, limit int) ([]ingest.Item, error) {
	if err := authz.Require(p, orgID, authz.ManageListening); err != nil {
		return nil, err
	}
	src, err := Get(ctx, s.DB.R(), orgID, id)
	if err != nil {
		return nil, err
	}
	r := s.Runner
	if r == nil {
		r = &Runner{DB: s.DB}
	}
	return r.Preview(ctx, src, limit)
}

// check validates a source and refuses addresses on private networks.
func (s *Service) check(src *Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	return src.CheckEndpoint(s.AllowPrivate)
}
