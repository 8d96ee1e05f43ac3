package signal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
)

// Settings are the parameters of both detections; zero fields take their
// defaults.
type Settings struct {
	Spike SpikeSettings
	Coord CoordSettings
}

// DefaultSettings returns the defaults, filled in.
func DefaultSettings() Settings { return Settings{}.withDefaults() }

func (s Settings) withDefaults() Settings {
	return Settings{Spike: s.Spike.withDefaults(), Coord: s.Coord.withDefaults()}
}

// Validate checks the settings once their defaults are filled in.
func (s Settings) Validate() error {
	s = s.withDefaults()
	return errors.Join(s.Spike.validate(), s.Coord.validate())
}

// Waker is told after a run wrote notifications (notify.Service.Wake), so
// that they are emailed soon.
type Waker interface{ Wake() }

// Detector runs spike and coordination detection. Run it periodically
// (every few minutes: the coordination look-back must cover the time
// between runs plus the window); several instances may run it at once,
// because an alert is raised once per key. Keep one *Detector per process:
// it keeps each topic's baseline counts for the hour.
type Detector struct {
	DB       *db.DB
	Now      func() time.Time // nil: time.Now
	Settings Settings
	Log      *slog.Logger // nil: nothing is logged
	Notify   Waker        // nil: nobody is woken

	baselines baselineCache
}

// run is the state of one Run.
type run struct {
	d        *Detector
	now      time.Time
	settings Settings
	notified bool
}

// orgRef is an organisation being checked.
type orgRef struct {
	id   int64
	slug string
}

func (d *Detector) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return d.Log
}

func (d *Detector) start() (*run, error) {
	s := d.Settings.withDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	return &run{d: d, now: now.UTC().Truncate(time.Microsecond), settings: s}, nil
}

// Run checks every organisation with mentions published since the
// earlier of the coordination look-back and the start of the last
// complete hour. It returns how many alerts it raised (updates of
// existing alerts are not counted) and the errors of the organisations
// that failed; the others are checked all the same.
func (d *Detector) Run(ctx context.Context) (raised int, err error) {
	r, err := d.start()
	if err != nil {
		return 0, err
	}
	since := r.now.Truncate(time.Hour).Add(-time.Hour)
	if lb := r.now.Add(-r.settings.Coord.Lookback); lb.Before(since) {
		since = lb
	}
	orgs, err := activeOrgs(ctx, d.DB.R(), since, r.now)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, o := range orgs {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		n, err := r.org(ctx, o)
		raised += n
		if err != nil {
			d.log().Error("listening signals failed", "org", o.id, "error", err)
			errs = append(errs, fmt.Errorf("signals of organisation %d: %w", o.id, err))
		}
	}
	r.wake()
	return raised, errors.Join(errs...)
}

// RunOrg checks one organisation, whether or not it has recent mentions.
func (d *Detector) RunOrg(ctx context.Context, orgID int64) (raised int, err error) {
	r, err := d.start()
	if err != nil {
		return 0, err
	}
	o := orgRef{id: orgID}
	if err := d.DB.R().QueryRowContext(ctx, "SELECT slug FROM orgs WHERE id = ?", orgID).Scan(&o.slug); err != nil {
		return 0, fmt.Errorf("signals: organisation %d: %w", orgID, err)
	}
	raised, err = r.org(ctx, o)
	r.wake()
	return raised, err
}

func (r *run) org(ctx context.Context, o orgRef) (int, error) {
	n1, err1 := r.spikes(ctx, o)
	n2, err2 := r.coordination(ctx, o)
	return n1 + n2, errors.Join(err1, err2)
}

func (r *run) wake() {
	if r.notified && r.d.Notify != nil {
		r.d.Notify.Wake()
	}
}

// activeOrgs lists the organisations with a mention published in
// [since, until] (one index probe of mentions(org_id, at) each).
func activeOrgs(ctx context.Context, q db.Queryer, since, until time.Time) ([]orgRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.slug FROM orgs o
		WHERE EXISTS (SELECT 1 FROM mentions m WHERE m.org_id = o.id AND m.at >= ? AND m.at <= ?) ORDER BY o.id`, since, until)
	if err != nil {
		return nil, fmt.Errorf("signals: organisations: %w", err)
	}
	defer rows.Close()
	var out []orgRef
	for rows.Next() {
		var o orgRef
		if err := rows.Scan(&o.id, &o.slug); err != nil {
			return nil, fmt.Errorf("signals: organisations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// raise stores a and, when it is new, notifies the organisation's
// listening managers in the same transaction. It returns 1 for a new
// alert.
func (r *run) raise(ctx context.Context, o orgRef, a *Alert) (int, error) {
	created := false
	err := r.d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if created, err = Raise(ctx, tx, a); err != nil || !created {
			return err
		}
		users, err := listeningManagers(ctx, tx, o.id)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := notify.Notify(ctx, tx, notify.Notification{UserID: u, OrgID: o.id, Kind: NotifyKind,
				Title: a.Title, Link: AlertLink(o.slug, a.ID)}); err != nil {
				return err
			}
			r.notified = true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !created {
		return 0, nil
	}
	r.d.log().Info("listening alert raised", "org", o.id, "alert", a.ID, "kind", a.Kind, "key", a.Key, "title", a.Title)
	return 1, nil
}

// AlertLink is the address of an alert's page in the app.
func AlertLink(orgSlug string, id int64) string {
	return "/o/" + orgSlug + "/listening/alerts/" + strconv.FormatInt(id, 10)
}

// listeningManagers are the enabled members of an organisation whose role
// may manage its listening (authz.ManageListening).
func listeningManagers(ctx context.Context, q db.Queryer, orgID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.user_id, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND u.disabled = ? ORDER BY m.user_id`, orgID, false)
	if err != nil {
		return nil, fmt.Errorf("listening managers: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, fmt.Errorf("listening managers: %w", err)
		}
		if authz.Allowed(authz.Role(role), authz.ManageListening) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
