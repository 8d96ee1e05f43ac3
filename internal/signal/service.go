package signal

// Service holds the rules the web and the API share about alerts: who may
// read them (everyone who uses listening) and who may acknowledge them
// (those who manage it), with an audit entry for each acknowledgement.

import (
	"context"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
)

// Service is the alerts' domain service.
type Service struct {
	DB *db.DB
}

// Alerts lists an organisation's alerts, newest first.
func (s *Service) Alerts(ctx context.Context, p *authz.Principal, orgID int64, f AlertFilter) ([]Alert, error) {
	if err := authz.Require(p, orgID, authz.UseListening); err != nil {
		return nil, err
	}
	return ListAlerts(ctx, s.DB.R(), orgID, f)
}

// Alert returns one alert of an organisation.
func (s *Service) Alert(ctx context.Context, p *authz.Principal, orgID, id int64) (Alert, error) {
	if err := authz.Require(p, orgID, authz.UseListening); err != nil {
		return Alert{}, err
	}
	return GetAlert(ctx, s.DB.R(), orgID, id)
}

// Unacknowledged counts the alerts nobody has acknowledged yet.
func (s *Service) Unacknowledged(ctx context.Context, p *authz.Principal, orgID int64) (int, error) {
	if err := authz.Require(p, orgID, authz.UseListening); err != nil {
		return 0, err
	}
	return CountUnacknowledged(ctx, s.DB.R(), orgID)
}

// Acknowledge records that p has seen to the alert; acknowledging again
// keeps the first acknowledgement.
func (s *Service) Acknowledge(ctx context.Context, p *authz.Principal, a audit.Actor, orgID, id int64) error {
	if err := authz.Require(p, orgID, authz.ManageListening); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := Acknowledge(ctx, tx, orgID, id, p.UserID, time.Now().UTC()); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(orgID, "alert.acknowledge", "alert:"+strconv.FormatInt(id, 10), nil))
	})
}
