package source

import (
	"context"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
)

// Telegram sources have no poller here. A bot has one stream of updates
// (getUpdates), which the connected account's poll already reads for the
// comments on the organisation's posts (publish.PullMentions); a second
// reader would take updates from the first. So the Telegram connector
// (internal/channel/telegram) returns the posts of the other channels the
// bot administers as mentions too, and they are stored by that poll with
// source "telegram", through the listening pipeline. A telegram source is
// the record that says which account's bot listens; its status is the
// account's (channel.Account's LastSuccessAt and LastError).

// TelegramAccounts lists the accounts a Telegram source may name: the
// organisation's connected Telegram accounts that are not archived.
func TelegramAccounts(ctx context.Context, q db.Queryer, orgID int64) ([]channel.Account, error) {
	all, err := channel.List(ctx, q, orgID, false)
	if err != nil {
		return nil, err
	}
	out := []channel.Account{}
	for _, a := range all {
		if a.Network == limits.Telegram && a.Connected {
			out = append(out, a)
		}
	}
	return out, nil
}

// checkAccount makes sure a Telegram source names a connected Telegram
// account of its organisation, and names the source after it when it has
// no name yet.
func checkAccount(ctx context.Context, q db.Queryer, s *Source) error {
	if s.Kind != KindTelegram {
		return nil
	}
	a, err := channel.Get(ctx, q, s.OrgID, s.AccountID)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return fieldErr("config/account_id", "is not a channel account of this organisation")
	case err != nil:
		return fmt.Errorf("source: account %d: %w", s.AccountID, err)
	case a.Network != limits.Telegram:
		return fieldErr("config/account_id", "is a "+limits.Label(a.Network)+" account; a Telegram source reads through a Telegram account's bot")
	case a.ArchivedAt != nil:
		return fieldErr("config/account_id", "is archived")
	case !a.Connected:
		return fieldErr("config/account_id", "is not connected: give the account its bot token first")
	}
	if s.Name == "" {
		s.Name = cutRunes("Telegram channels read by "+a.Name, MaxName)
		s.Adjusted = append(s.Adjusted, fmt.Sprintf("named %q", s.Name))
	}
	return nil
}
