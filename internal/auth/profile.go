package auth

import (
	"context"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
)

// UpdateProfile changes a user's display name, time zone and interface
// language, and records what changed in the audit log ("user.profile") in
// the same transaction. Nothing is written when nothing changes.
func (s *Service) UpdateProfile(ctx context.Context, actor audit.Actor, u User, name, tz, locale string) error {
	name, err := CheckName(name)
	if err != nil {
		return err
	}
	if tz, err = CheckTimeZone(tz); err != nil {
		return err
	}
	if err := CheckLocale(locale); err != nil {
		return err
	}
	detail := map[string]string{}
	if name != u.Name {
		detail["name"] = u.Name + " → " + name
	}
	if tz != u.TimeZone {
		detail["time_zone"] = u.TimeZone + " → " + tz
	}
	if locale != u.Locale {
		detail["locale"] = u.Locale + " → " + locale
	}
	if len(detail) == 0 {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := UpdateProfile(ctx, tx, u.ID, name, tz, locale); err != nil {
			return err
		}
		return audit.Append(ctx, tx, actor.Entry(0, "user.profile", "user:"+u.Email, detail))
	})
}
