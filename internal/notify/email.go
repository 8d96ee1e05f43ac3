package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/i18n"
)

// EmailWindow bounds which unread notifications are emailed: older ones
// stay in the app only, so a newly started instance does not mail a
// backlog and an address that keeps failing is retried for a day at most.
const EmailWindow = 24 * time.Hour

type pending struct {
	id                      int64
	userID                  int64
	kind, title, link       string
	email, locale, userName string
	createdAt               time.Time
}

// SendPending emails every unread, not yet emailed notification of the
// last day: one message per user listing theirs. Several instances may
// run it at once: each row is claimed with a conditional UPDATE
// (emailed_at IS NULL), and only the instance whose UPDATE changed it
// sends it. A failed send releases the claim for the next pass. It
// returns how many notifications were emailed.
func (s *Service) SendPending(ctx context.Context) (int, error) {
	if s.Mailer == nil {
		return 0, nil
	}
	rows, err := s.DB.R().QueryContext(ctx, `SELECT n.id, n.user_id, n.kind, n.title, n.link, u.email, u.locale, u.name, n.created_at
		FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.emailed_at IS NULL AND n.read_at IS NULL AND n.created_at > ? AND u.disabled = ?
		ORDER BY n.user_id, n.id LIMIT 500`, now().Add(-EmailWindow), false)
	if err != nil {
		return 0, fmt.Errorf("notify: pending: %w", err)
	}
	var all []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.userID, &p.kind, &p.title, &p.link, &p.email, &p.locale, &p.userName, &p.createdAt); err != nil {
			rows.Close()
			return 0, fmt.Errorf("notify: pending: %w", err)
		}
		all = append(all, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("notify: pending: %w", err)
	}
	sent := 0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].userID == all[i].userID {
			j++
		}
		n, err := s.sendUser(ctx, all[i:j])
		sent += n
		if err != nil {
			return sent, err
		}
		i = j
	}
	return sent, nil
}

// sendUser claims one user's notifications and emails those it claimed.
func (s *Service) sendUser(ctx context.Context, ps []pending) (int, error) {
	at := now()
	var mine []pending
	for _, p := range ps {
		res, err := s.DB.W().ExecContext(ctx, "UPDATE notifications SET emailed_at = ? WHERE id = ? AND emailed_at IS NULL", at, p.id)
		if err != nil {
			return 0, fmt.Errorf("notify: claim: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return 0, nil
	}
	subject, body := s.compose(mine)
	if err := s.Mailer.Send(ctx, mine[0].email, subject, body); err != nil {
		// Release the claims: the next pass tries again (within the window).
		for _, p := range mine {
			_, _ = s.DB.W().ExecContext(context.WithoutCancel(ctx), "UPDATE notifications SET emailed_at = NULL WHERE id = ? AND emailed_at = ?", p.id, at)
		}
		return 0, fmt.Errorf("notify: email user %d: %w", mine[0].userID, err)
	}
	return len(mine), nil
}

// compose writes one user's email in their language.
func (s *Service) compose(ps []pending) (subject, body string) {
	l := s.localizer(ps[0].locale)
	if len(ps) == 1 {
		subject = l.T("notify.kind."+ps[0].kind) + ": " + ps[0].title
	} else {
		subject = l.N("notify.email.subject_many", len(ps))
	}
	var b strings.Builder
	b.WriteString(l.T("notify.email.greeting", "Name", ps[0].userName) + "\n\n")
	for _, p := range ps {
		b.WriteString("• " + l.T("notify.kind."+p.kind) + ": " + p.title + "\n")
		if p.link != "" {
			b.WriteString("  " + s.BaseURL + p.link + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(l.T("notify.email.footer", "URL", s.BaseURL+"/notifications") + "\n")
	return "[Attaché] " + subject, b.String()
}

func (s *Service) localizer(lang string) *i18n.Localizer {
	s.bundleOnce.Do(func() {
		b, err := i18n.New()
		if err != nil {
			panic(err) // the catalogue is embedded: the i18n tests catch this
		}
		s.bundle = b
	})
	return s.bundle.For(lang)
}

// Wake asks Run to send now rather than at its next tick (after a change
// that notified someone has committed). It never blocks.
func (s *Service) Wake() {
	if s == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run emails pending notifications every interval and whenever woken,
// until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if s.Mailer == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendPending(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("emailing notifications", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}
