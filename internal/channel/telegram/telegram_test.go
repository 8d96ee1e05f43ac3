package telegram

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/testutil"
)

const token = "123456:ABC-test-token"

func connect(t *testing.T, f *testutil.FakeTelegram, handle, tok string) *Connector {
	t.Helper()
	c, err := New(channel.Account{Network: limits.Telegram, Handle: handle, BaseURL: f.URL + "/"}, channel.Credentials{"bot_token": tok}, netguard.Client(true, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Connector)
}

func image(name, alt string) channel.Media {
	data := []byte("\x89PNG\r\n\x1a\nfake image " + name)
	return channel.Media{FileName: name, ContentType: "image/png", Alt: alt, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func chErr(t *testing.T, err error) *channel.Error {
	t.Helper()
	var ce *channel.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *channel.Error", err, err)
	}
	return ce
}

func TestNew(t *testing.T) {
	acc := channel.Account{Network: limits.Telegram, Handle: "@mfa_ua"}
	if _, err := New(acc, channel.Credentials{}, nil); err == nil || channel.KindOf(err) != channel.Permanent {
		t.Errorf("no token: %v", err)
	}
	if _, err := New(channel.Account{Network: limits.Telegram, Handle: "not a channel!"}, channel.Credentials{"bot_token": token}, nil); err == nil {
		t.Error("bad handle accepted")
	}
	if _, err := New(channel.Account{Network: limits.Telegram, Handle: "@mfa_ua", BaseURL: "ftp://x"}, channel.Credentials{"bot_token": token}, nil); err == nil {
		t.Error("bad base URL accepted")
	}
	c, err := New(acc, channel.Credentials{"bot_token": token}, nil)
	if err != nil || c.(*Connector).base != DefaultBaseURL {
		t.Fatalf("default base: %v %+v", err, c)
	}
	for in, want := range map[string]string{"@mfa_ua": "@mfa_ua", "mfa_ua": "@mfa_ua", "https://t.me/mfa_ua": "@mfa_ua", "-1001234567890": "-1001234567890"} {
		if got, ok := ChatID(in); !ok || got != want {
			t.Errorf("ChatID(%q) = %q, %v", in, got, ok)
		}
	}
}

func TestPublishText(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	p := channel.Post{VariantID: 3, Version: 1, IdempotencyKey: channel.IdempotencyKey(3, 1), Text: "Заява МЗС щодо зернового коридору https://mfa.example/s?utm_source=telegram",
		Link: "https://mfa.example/s?utm_source=telegram"}
	pub, err := c.Publish(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Kind != "text" || msgs[0].Text != p.Text || msgs[0].LinkPreview != p.Link {
		t.Fatalf("messages %+v", msgs)
	}
	if pub.ExternalID != "101" || pub.URL != "https://t.me/mfa_ua/101" || pub.At.IsZero() {
		t.Fatalf("published %+v", pub)
	}
	// A private channel by numeric id: the members' link.
	c2 := connect(t, f, "-1001234567890", token)
	pub, err = c2.Publish(context.Background(), channel.Post{Text: "second", ReplyTo: "101"})
	if err != nil {
		t.Fatal(err)
	}
	// The fake's channel has a username, so the answer's chat gives the public link.
	if pub.URL != "https://t.me/mfa_ua/102" || f.Messages()[1].ReplyTo != 101 {
		t.Fatalf("reply %+v %+v", pub, f.Messages()[1])
	}
	if got := postURL("-1001234567890", "", 7); got != "https://t.me/c/1234567890/7" {
		t.Errorf("private link %q", got)
	}
	// Too long (UTF-16 units: 2,049 emoji are 4,098 units) is refused before sending.
	_, err = c.Publish(context.Background(), channel.Post{Text: strings.Repeat("😀", 2049)})
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "4096") {
		t.Fatalf("too long: %v", err)
	}
	if n := len(f.Requests()); n != 2 {
		t.Errorf("%d requests", n)
	}
}

func TestPublishPhotoWithCaption(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	pub, err := c.Publish(context.Background(), channel.Post{Text: "The minister in Odesa", Media: []channel.Media{image("a.png", "Alt is not sent")}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].Kind != "photo" || msgs[0].Text != "The minister in Odesa" || msgs[0].File.Name != "a.png" || msgs[0].File.ContentType != "image/png" {
		t.Fatalf("messages %+v", msgs)
	}
	if pub.ExternalID != "101" {
		t.Fatalf("published %+v", pub)
	}
	for _, r := range f.Requests() {
		for k, v := range r.Params {
			if strings.Contains(v, "Alt is not sent") {
				t.Errorf("alt text sent in %s", k)
			}
		}
	}
	// A caption over 1,024 is refused before sending.
	_, err = c.Publish(context.Background(), channel.Post{Text: strings.Repeat("a", 1025), Media: []channel.Media{image("a.png", "")}})
	if ce := chErr(t, err); ce.Kind != channel.Permanent {
		t.Fatalf("long caption: %v", err)
	}
}

func TestPublishMediaGroupReply(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	first, err := c.Publish(context.Background(), channel.Post{Text: "Thread start"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := c.Publish(context.Background(), channel.Post{Text: "Album", ReplyTo: first.ExternalID,
		Media: []channel.Media{image("a.png", ""), image("b.png", ""), image("c.png", "")}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages", len(msgs))
	}
	album := msgs[1:]
	if album[0].Text != "Album" || album[1].Text != "" || album[0].MediaGroupID == "" || album[0].MediaGroupID != album[2].MediaGroupID {
		t.Fatalf("album %+v", album)
	}
	for _, m := range album {
		if m.ReplyTo != 101 || m.Kind != "photo" {
			t.Fatalf("album message %+v", m)
		}
	}
	if pub.ExternalID != "102" || pub.URL != "https://t.me/mfa_ua/102" {
		t.Fatalf("published %+v", pub)
	}
	// Replying to a message that does not exist: Telegram's 400, permanent.
	_, err = c.Publish(context.Background(), channel.Post{Text: "x", ReplyTo: "999"})
	if ce := chErr(t, err); ce.Kind != channel.Permanent || ce.Status != 400 || !strings.Contains(ce.Message, "replied not found") {
		t.Fatalf("bad reply: %v", err)
	}
	_, err = c.Publish(context.Background(), channel.Post{Text: "x", ReplyTo: "abc"})
	if ce := chErr(t, err); ce.Kind != channel.Permanent {
		t.Fatalf("non-numeric reply: %v", err)
	}
}

func TestErrors(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	ctx := context.Background()
	post := channel.Post{Text: "hello"}

	f.Fail(testutil.FakeTelegramFailure{Method: "sendMessage", Code: 429, Description: "Too Many Requests: retry after 17", RetryAfter: 17})
	_, err := c.Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Transient || ce.RetryAfter != 17*time.Second || ce.Status != 429 {
		t.Fatalf("429: %+v", ce)
	}
	f.Fail(testutil.FakeTelegramFailure{Code: 502, Description: "Bad Gateway"})
	if _, err := c.Publish(ctx, post); channel.KindOf(err) != channel.Transient {
		t.Fatalf("502: %v", err)
	}
	f.Kicked = true
	_, err = c.Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || ce.Status != 403 || !strings.Contains(ce.Message, "administrator") {
		t.Fatalf("403: %+v", ce)
	}
	f.Kicked = false
	bad := connect(t, f, "@mfa_ua", "999:wrong")
	_, err = bad.Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || ce.Status != 401 || strings.Contains(ce.Error(), "999:wrong") {
		t.Fatalf("401: %+v", ce)
	}
	other := connect(t, f, "@someone_else", token)
	_, err = other.Publish(ctx, post)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "chat not found") {
		t.Fatalf("unknown chat: %+v", ce)
	}
	if len(f.Messages()) != 0 {
		t.Fatalf("messages made: %+v", f.Messages())
	}
	// After all that, the message goes out once.
	if _, err := c.Publish(ctx, post); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownOutcomeIsPermanent(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	c.Timeout = 150 * time.Millisecond
	f.Fail(testutil.FakeTelegramFailure{Method: "sendMessage", Hang: 600 * time.Millisecond})
	_, err := c.Publish(context.Background(), channel.Post{Text: "hello"})
	ce := chErr(t, err)
	if ce.Kind != channel.Permanent || !strings.Contains(ce.Message, "outcome unknown") || strings.Contains(ce.Message, token) {
		t.Fatalf("timeout: %+v", ce)
	}
	if len(f.Messages()) != 1 {
		t.Fatalf("the fake made %d messages", len(f.Messages()))
	}
	// Nothing reached Telegram (connection refused): transient, the token
	// not in the message.
	dead := testutil.NewFakeTelegram(t, token)
	d := connect(t, dead, "@mfa_ua", token)
	dead.Close()
	_, err = d.Publish(context.Background(), channel.Post{Text: "hello"})
	ce = chErr(t, err)
	if ce.Kind != channel.Transient || strings.Contains(ce.Message, token) {
		t.Fatalf("refused: %+v", ce)
	}
	// Find cannot know.
	if _, ok, err := c.Find(context.Background(), channel.Post{Text: "hello"}); ok || err != nil {
		t.Fatalf("find: %v %v", ok, err)
	}
}

func TestMentionsFromDiscussionGroup(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	ctx := context.Background()
	pub, err := c.Publish(ctx, channel.Post{Text: "Statement"})
	if err != nil {
		t.Fatal(err)
	}
	// The automatic forward itself, a plain group message and a comment.
	f.AddUpdate(map[string]any{"message": f.AutomaticForward(101)})
	f.AddUpdate(map[string]any{"message": map[string]any{"message_id": 1, "date": time.Now().Unix(), "chat": f.GroupChat(), "text": "hi all",
		"from": map[string]any{"id": 5, "first_name": "X"}}})
	f.AddComment(101, 777, "olena", "Olena", "Дякуємо за заяву")
	// A comment on another channel's post (forward from elsewhere) is ignored.
	other := f.AutomaticForward(55)
	other["forward_origin"] = map[string]any{"type": "channel", "chat": map[string]any{"id": -100555, "type": "channel", "username": "other"}, "message_id": 55}
	f.AddUpdate(map[string]any{"message": map[string]any{"message_id": 2, "date": time.Now().Unix(), "chat": f.GroupChat(), "text": "elsewhere",
		"from": map[string]any{"id": 6, "first_name": "Y"}, "reply_to_message": other}})

	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("mentions %+v", ms)
	}
	m := ms[0]
	if m.InReplyTo != pub.ExternalID || m.Text != "Дякуємо за заяву" || m.AuthorHandle != "olena" || m.AuthorName != "Olena" || m.AuthorID != "777" ||
		m.Language != "uk" || m.At.IsZero() || !strings.HasPrefix(m.URL, "https://t.me/mfa_ua/101?comment=") || m.ExternalID == "" {
		t.Fatalf("mention %+v", m)
	}
	if cursor == "" {
		t.Fatal("no cursor")
	}
	if a := f.AllowedUpdates(); len(a) != 2 || a[0] != "message" || a[1] != "channel_post" {
		t.Errorf("allowed_updates %v", a)
	}
	// The cursor confirms what was read: nothing again, then the new one.
	ms, cursor2, err := c.Mentions(ctx, cursor)
	if err != nil || len(ms) != 0 || cursor2 != cursor {
		t.Fatalf("again: %+v %q %v", ms, cursor2, err)
	}
	f.AddComment(101, 778, "taras", "Taras", "Слава Україні")
	ms, cursor3, err := c.Mentions(ctx, cursor2)
	if err != nil || len(ms) != 1 || ms[0].AuthorHandle != "taras" || cursor3 == cursor2 {
		t.Fatalf("new: %+v %q %v", ms, cursor3, err)
	}
	last := f.Requests()[len(f.Requests())-1]
	if last.Method != "getUpdates" || last.Params["offset"] != cursor2 {
		t.Fatalf("last call %+v", last)
	}

	// A webhook on the bot: getUpdates answers 409, permanent.
	f.Fail(testutil.FakeTelegramFailure{Method: "getUpdates", Code: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
	_, cur, err := c.Mentions(ctx, cursor3)
	if ce := chErr(t, err); ce.Kind != channel.Permanent || cur != cursor3 {
		t.Fatalf("409: %+v %q", ce, cur)
	}
	if _, _, err := c.Mentions(ctx, "garbage"); err == nil {
		t.Fatal("bad cursor accepted")
	}
	// Metrics: none from the Bot API.
	mt, err := c.Metrics(ctx, []string{"101"})
	if err != nil || len(mt) != 0 {
		t.Fatalf("metrics %v %v", mt, err)
	}
	if name, err := c.Verify(ctx); err != nil || name != "attache_bot" {
		t.Fatalf("verify %q %v", name, err)
	}
}

// TestMentionsFromChannelsTheBotReads: the posts of other channels the
// bot administers arrive as channel_post updates (Bot API: Update
// channel_post, Message.chat of type "channel", sender_chat the channel)
// and come back as mentions, in the same getUpdates consumer as the
// comments; the account's own channel posts do not.
func TestMentionsFromChannelsTheBotReads(t *testing.T) {
	f := testutil.NewFakeTelegram(t, token)
	c := connect(t, f, "@mfa_ua", token)
	ctx := context.Background()
	date := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	public := map[string]any{"id": int64(-1001111111111), "type": "channel", "title": "Kyiv Independent", "username": "kyivindependent"}
	private := map[string]any{"id": int64(-1002222222222), "type": "channel", "title": "Closed briefings"}
	post := func(chat map[string]any, id int64, text string) map[string]any {
		return map[string]any{"message_id": id, "date": date.Unix(), "chat": chat, "sender_chat": chat, "text": text}
	}
	// The account's own channel post, ignored.
	f.AddUpdate(map[string]any{"channel_post": post(map[string]any{"id": f.ChannelID, "type": "channel", "title": "MFA of Ukraine", "username": f.ChannelUsername}, 300, "our statement")})
	f.AddUpdate(map[string]any{"channel_post": post(public, 4501, "Вибухи у Києві цієї ночі")})
	// A photo with a caption, replying to the previous post.
	photo := post(public, 4502, "")
	delete(photo, "text")
	photo["caption"] = "Фото з місця подій"
	photo["photo"] = []any{map[string]any{"file_id": "F1", "file_unique_id": "U1", "width": 800, "height": 600}}
	photo["reply_to_message"] = post(public, 4501, "Вибухи у Києві цієї ночі")
	f.AddUpdate(map[string]any{"channel_post": photo})
	// A sticker without text: nothing to listen to.
	sticker := post(private, 77, "")
	delete(sticker, "text")
	sticker["sticker"] = map[string]any{"file_id": "S1"}
	f.AddUpdate(map[string]any{"channel_post": sticker})
	f.AddUpdate(map[string]any{"channel_post": post(private, 78, "Briefing at 10:00")})
	// A comment on our post still arrives alongside.
	f.AddComment(101, 777, "olena", "Olena", "Дякуємо")

	ms, cursor, err := c.Mentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if cursor == "" || len(ms) != 4 {
		t.Fatalf("cursor %q, mentions %+v", cursor, ms)
	}
	want := []channel.Mention{
		{ExternalID: "-1001111111111:4501", URL: "https://t.me/kyivindependent/4501", AuthorID: "-1001111111111",
			AuthorHandle: "kyivindependent", AuthorName: "Kyiv Independent", Text: "Вибухи у Києві цієї ночі", At: date},
		{ExternalID: "-1001111111111:4502", URL: "https://t.me/kyivindependent/4502", AuthorID: "-1001111111111",
			AuthorHandle: "kyivindependent", AuthorName: "Kyiv Independent", Text: "Фото з місця подій", At: date,
			InReplyTo: "-1001111111111:4501"},
		{ExternalID: "-1002222222222:78", URL: "https://t.me/c/2222222222/78", AuthorID: "-1002222222222",
			AuthorName: "Closed briefings", Text: "Briefing at 10:00", At: date},
	}
	for i, w := range want {
		if ms[i] != w {
			t.Errorf("mention %d:\n got %+v\nwant %+v", i, ms[i], w)
		}
	}
	if ms[3].AuthorHandle != "olena" || ms[3].InReplyTo != "101" {
		t.Errorf("comment %+v", ms[3])
	}
	// Confirmed: nothing again.
	if ms, _, err := c.Mentions(ctx, cursor); err != nil || len(ms) != 0 {
		t.Fatalf("again: %+v %v", ms, err)
	}
}
