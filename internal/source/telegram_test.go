package source

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/telegram"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/testutil"
)

// TestTelegramChannelPostsArriveThroughTheAccountPoll: a Telegram source
// names the account whose bot reads; the posts of the channels the bot
// administers arrive through that account's poll (the publishing engine's
// PullMentions, the one getUpdates reader), as mentions with source
// "telegram", the post's t.me link and the channel as author, matched
// against the topics.
func TestTelegramChannelPostsArriveThroughTheAccountPoll(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "a")
		topic := newTopic(t, d, org, "Kyiv", "Kyiv OR Київ")
		const token = "123456:ABC-listening"
		f := testutil.NewFakeTelegram(t, token)
		box, err := secret.New(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		acc := channel.Account{OrgID: org, Network: "telegram", Name: "MFA channel", Handle: "@" + f.ChannelUsername, Language: "uk", BaseURL: f.URL}
		if err := channel.Insert(ctx, d.W(), &acc); err != nil {
			t.Fatal(err)
		}
		if got, err := TelegramAccounts(ctx, d.R(), org); err != nil || len(got) != 0 {
			t.Fatalf("a bare account offered: %+v %v", got, err)
		}
		if err := channel.SetCredentials(ctx, d.W(), box, org, acc.ID, channel.Credentials{"bot_token": token}, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := TelegramAccounts(ctx, d.R(), org); err != nil || len(got) != 1 || got[0].ID != acc.ID {
			t.Fatalf("accounts %+v %v", got, err)
		}
		src := Source{OrgID: org, Kind: KindTelegram, Config: json.RawMessage(fmt.Sprintf(`{"account_id":%d}`, acc.ID)), Enabled: true}
		if err := Create(ctx, d.W(), &src); err != nil {
			t.Fatal(err)
		}
		if src.Name != "Telegram channels read by MFA channel" || src.AccountID != acc.ID {
			t.Fatalf("source %+v", src)
		}

		date := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		news := map[string]any{"id": int64(-1001111111111), "type": "channel", "title": "Kyiv Independent", "username": "kyivindependent"}
		f.AddUpdate(map[string]any{"channel_post": map[string]any{"message_id": 4501, "date": date.Unix(), "chat": news, "sender_chat": news,
			"text": "Вибухи у Києві цієї ночі. Kyiv air defence at work."}})
		f.AddUpdate(map[string]any{"channel_post": map[string]any{"message_id": 4502, "date": date.Unix(), "chat": news, "sender_chat": news,
			"text": "Weather: sunny"}})
		p := &publish.Publisher{DB: d, Box: box, Registry: channel.Registry{"telegram": telegram.New},
			HTTP: netguard.Client(true, 10*time.Second), Ingest: &ingest.Pipeline{DB: d, Topics: &ingest.Topics{DB: d}}}
		if n, err := p.PullMentions(ctx); err != nil || n != 2 {
			t.Fatalf("pulled %d %v", n, err)
		}
		ms := mentions(t, d, org, listen.Filter{Source: "telegram"})
		if len(ms) != 2 {
			t.Fatalf("stored %+v", ms)
		}
		var m listen.Mention
		for _, x := range ms {
			if x.ExternalID == "-1001111111111:4501" {
				m = x
			}
		}
		if m.URL != "https://t.me/kyivindependent/4501" || m.AuthorHandle != "kyivindependent" || m.AuthorName != "Kyiv Independent" ||
			m.AuthorID != "-1001111111111" || m.AccountID != acc.ID || !m.At.Equal(date) {
			t.Fatalf("mention %+v", m)
		}
		if hits := mentions(t, d, org, listen.Filter{TopicID: topic}); len(hits) != 1 || hits[0].ID != m.ID {
			t.Fatalf("topic matches %+v", hits)
		}
		// The next poll confirms them: nothing twice.
		if n, err := p.PullMentions(ctx); err != nil || n != 0 {
			t.Fatalf("again %d %v", n, err)
		}
	})
}
