// Package telegram publishes to a Telegram channel through the Bot API
// (core.telegram.org/bots/api): the bot is an administrator of the channel
// and posts with sendMessage (text ≤ 4,096 UTF-16 code units, link preview
// of the item's link), sendPhoto / sendVideo / sendDocument (one file,
// caption ≤ 1,024) or sendMediaGroup (2–10 files, the caption on the
// first), replying with reply_parameters. Telegram has no alt text: the
// caption carries the text and Media.Alt is not sent.
//
// The account's handle is the channel: "@name" (public) or the numeric
// chat id ("-100…", private). The base URL is https://api.telegram.org
// unless the account names a self-hosted Bot API server.
//
// Exactly once. Telegram takes no idempotency key and the Bot API cannot
// read a channel's history, so Find cannot look for a post an earlier
// attempt made: it always answers "not found". The publishing engine
// records every attempt before calling Publish; what is left is the window
// between Telegram accepting a message and the engine recording the
// answer. To keep that window from turning into duplicates:
//   - every call has a short timeout of its own (Timeout, UploadTimeout);
//   - a failure before the request was written (DNS, connection refused,
//     TLS) is Transient: nothing reached Telegram, a retry is safe;
//   - a failure after the request was written (a timeout, a dropped
//     connection, an unreadable answer) is Permanent with "outcome
//     unknown; check the channel before retrying": the variant fails and a
//     person looks at the channel instead of a retry risking a second post;
//   - errors Telegram answers (429 with retry_after, 5xx) mean the message
//     was not sent, and are retried.
//
// A crash of the process after Telegram accepted the message and before
// the engine recorded it can still duplicate the post on the retry (the
// engine calls Find, which cannot tell); this is documented, not solved.
//
// Comments: a channel's comments live in its linked discussion group,
// where Telegram copies each post as an automatic forward. Mentions polls
// getUpdates (allowed_updates ["message", "channel_post"], the offset as
// cursor) and keeps the group messages that reply to an automatic forward
// of this channel's posts; InReplyTo is the channel post's id. The bot
// must be a member of the discussion group with privacy mode off (or an
// administrator of it), and no webhook may be set on the bot (getUpdates
// answers 409 then). Replies to comments (threads) are not followed.
//
// Channels the bot reads: Telegram sends a bot the posts of every channel
// it administers as channel_post updates. Mentions returns those of the
// other channels (not the account's own) too, for listening: external id
// "chat id:message id", the link t.me/name/id (t.me/c/… for a private
// channel), the channel as author. Both come from the one getUpdates
// consumer a bot may have, so listening's Telegram sources (internal/source)
// need no poller of their own.
//
// Metrics: the Bot API reports no views; reaction counts arrive only as
// message_reaction_count updates, which this connector does not collect
// (they would be consumed by the Mentions cursor), so Metrics returns an
// empty map.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
)

// DefaultBaseURL is Telegram's public Bot API server.
const DefaultBaseURL = "https://api.telegram.org"

// Connector is one Telegram channel, posted to by one bot.
type Connector struct {
	base   string // no trailing slash
	token  string
	chat   string // "@name" or "-100…"
	client *http.Client
	// Timeout bounds one API call; UploadTimeout one call sending files.
	Timeout, UploadTimeout time.Duration
}

var _ channel.Connector = (*Connector)(nil)

// New builds the connector of acc: creds["bot_token"] and the channel in
// acc.Handle are required; acc.BaseURL is an optional self-hosted Bot API
// server.
func New(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
	if acc.Network != "" && acc.Network != limits.Telegram {
		return nil, fmt.Errorf("telegram connector for a %s account", acc.Network)
	}
	base := DefaultBaseURL
	if acc.BaseURL != "" {
		u, err := url.Parse(acc.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "the Telegram Bot API server address (base_url) is not an http(s) URL"}
		}
		base = strings.TrimRight(acc.BaseURL, "/")
	}
	chat, ok := ChatID(acc.Handle)
	if !ok {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Telegram account's handle is not a channel (@name or a numeric chat id)"}
	}
	tok := strings.TrimSpace(creds["bot_token"])
	if tok == "" {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Telegram account is not connected: no bot token"}
	}
	if strings.ContainsAny(tok, "/?#% ") {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the Telegram bot token is malformed"}
	}
	if client == nil {
		client = &http.Client{}
	}
	return &Connector{base: base, token: tok, chat: chat, client: client, Timeout: 20 * time.Second, UploadTimeout: 90 * time.Second}, nil
}

var (
	numericChat = regexp.MustCompile(`^-?[0-9]{1,20}$`)
	publicName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)
)

// ChatID turns a handle into the Bot API's chat_id: "@name", "name",
// "https://t.me/name" → "@name"; a numeric id stays as it is.
func ChatID(handle string) (string, bool) {
	h := strings.TrimSpace(handle)
	for _, p := range []string{"https://t.me/", "http://t.me/", "t.me/", "https://telegram.me/"} {
		if strings.HasPrefix(strings.ToLower(h), p) {
			h = h[len(p):]
			break
		}
	}
	h = strings.TrimSuffix(h, "/")
	if numericChat.MatchString(h) {
		return h, true
	}
	h = strings.TrimPrefix(h, "@")
	if publicName.MatchString(h) {
		return "@" + h, true
	}
	return "", false
}

// postURL is the public link of a channel message: t.me/name/id for a
// public channel, t.me/c/id/msg (members only) for a private one.
func postURL(chat string, username string, msgID int64) string {
	if username != "" {
		return fmt.Sprintf("https://t.me/%s/%d", username, msgID)
	}
	if strings.HasPrefix(chat, "@") {
		return fmt.Sprintf("https://t.me/%s/%d", chat[1:], msgID)
	}
	if strings.HasPrefix(chat, "-100") {
		return fmt.Sprintf("https://t.me/c/%s/%d", chat[4:], msgID)
	}
	return ""
}

// apiResponse is the Bot API's envelope.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// classify turns a refused call into a *channel.Error: 429 is transient
// with retry_after, 5xx transient, 401/403 (bad token, bot removed from the
// channel) and 400 permanent with Telegram's description.
func classify(httpStatus int, r apiResponse) error {
	code := r.ErrorCode
	if code == 0 {
		code = httpStatus
	}
	desc := strings.TrimSpace(r.Description)
	if desc == "" {
		desc = http.StatusText(code)
	}
	e := &channel.Error{Status: code, Message: "Telegram: " + desc}
	switch {
	case code == http.StatusTooManyRequests:
		e.Kind = channel.Transient
		if r.Parameters != nil && r.Parameters.RetryAfter > 0 {
			e.RetryAfter = time.Duration(r.Parameters.RetryAfter) * time.Second
		}
	case code >= 500:
		e.Kind = channel.Transient
	case code == http.StatusUnauthorized:
		e.Kind = channel.Permanent
		e.Message = "Telegram refused the bot token (revoked or wrong); reconnect the account: " + desc
	case code == http.StatusForbidden:
		e.Kind = channel.Permanent
		e.Message = "Telegram: the bot may not post to this chat (is it still an administrator of the channel?): " + desc
	default:
		e.Kind = channel.Permanent
		if r.Parameters != nil && r.Parameters.MigrateToChatID != 0 {
			e.Message += fmt.Sprintf(" (the chat moved to %d; update the account's handle)", r.Parameters.MigrateToChatID)
		}
	}
	return e
}

// errUnknown is the Permanent error of a call whose outcome is unknown.
func errUnknown(method string, err error) error {
	return &channel.Error{Kind: channel.Permanent, Message: "Telegram " + method + ": outcome unknown (" + cleanErr(err) +
		"); check the channel before retrying: the message may have been posted", Err: err}
}

// cleanErr is err's text without the request URL, which holds the token.
func cleanErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// call sends method with body and decodes the result into out. send
// marks a call that posts: its outcome is unknown when it fails after
// the request was written.
func (c *Connector) call(ctx context.Context, method string, body []byte, contentType string, send bool, timeout time.Duration, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }})
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/bot"+c.token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: "bad request to Telegram: " + cleanErr(err)}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Attache (+https://github.com/attache-project/attache)")
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrRefused) {
			return &channel.Error{Kind: channel.Permanent, Message: cleanErr(err)}
		}
		if send && wrote.Load() {
			return errUnknown(method, err)
		}
		return &channel.Error{Kind: channel.Transient, Message: "Telegram is unreachable: " + cleanErr(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		if send {
			return errUnknown(method, err)
		}
		return &channel.Error{Kind: channel.Transient, Message: "reading Telegram's answer: " + cleanErr(err)}
	}
	var r apiResponse
	if jerr := json.Unmarshal(data, &r); jerr != nil {
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return classify(resp.StatusCode, apiResponse{})
		}
		if send && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return errUnknown(method, fmt.Errorf("the answer is not JSON: %w", jerr))
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "Telegram answered something that is not JSON"}
		}
		return classify(resp.StatusCode, apiResponse{})
	}
	if !r.OK || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return classify(resp.StatusCode, r)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			if send {
				return errUnknown(method, err)
			}
			return &channel.Error{Kind: channel.Transient, Status: resp.StatusCode, Message: "Telegram's answer is not understood", Err: err}
		}
	}
	return nil
}

func (c *Connector) callJSON(ctx context.Context, method string, params map[string]any, send bool, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return &channel.Error{Kind: channel.Permanent, Message: "encoding a Telegram request: " + err.Error(), Err: err}
	}
	return c.call(ctx, method, body, "application/json", send, c.Timeout, out)
}

// Message is the part of a Bot API Message the connector reads.
type Message struct {
	MessageID          int64          `json:"message_id"`
	Date               int64          `json:"date"`
	Chat               Chat           `json:"chat"`
	From               *User          `json:"from"`
	SenderChat         *Chat          `json:"sender_chat"`
	Text               string         `json:"text"`
	Caption            string         `json:"caption"`
	IsAutomaticForward bool           `json:"is_automatic_forward"`
	ForwardOrigin      *ForwardOrigin `json:"forward_origin"`
	ReplyToMessage     *Message       `json:"reply_to_message"`
}

// Chat is a Bot API Chat.
type Chat struct {
	ID       int64  `json:"id"`
	Type     string `json:"type"`
	Title    string `json:"title"`
	Username string `json:"username"`
}

// User is a Bot API User.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

// ForwardOrigin is a Bot API MessageOrigin (type "channel" for the
// automatic forwards of channel posts).
type ForwardOrigin struct {
	Type      string `json:"type"`
	Chat      *Chat  `json:"chat"`
	MessageID int64  `json:"message_id"`
}

func (c *Connector) published(m Message) channel.Published {
	at := time.Unix(m.Date, 0).UTC()
	if m.Date == 0 {
		at = time.Now().UTC()
	}
	return channel.Published{ExternalID: strconv.FormatInt(m.MessageID, 10), URL: postURL(c.chat, m.Chat.Username, m.MessageID), At: at}
}

// utf16Len is Telegram's length of a text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s { // invalid bytes come as U+FFFD, one unit
		n += utf16.RuneLen(r)
	}
	return n
}

func replyParams(p channel.Post) (map[string]any, error) {
	if p.ReplyTo == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(p.ReplyTo, 10, 64)
	if err != nil || id <= 0 {
		return nil, &channel.Error{Kind: channel.Permanent, Message: "the post replied to is not a Telegram message id: " + p.ReplyTo}
	}
	return map[string]any{"message_id": id}, nil
}

// Publish posts p to the channel and returns the message's id and link as
// soon as Telegram answers.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	reply, err := replyParams(p)
	if err != nil {
		return channel.Published{}, err
	}
	switch n := len(p.Media); {
	case n == 0:
		if strings.TrimSpace(p.Text) == "" {
			return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: "Telegram: the message is empty"}
		}
		if l := utf16Len(p.Text); l > limits.TelegramMaxText {
			return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Telegram: the text is %d characters long; the limit is %d", l, limits.TelegramMaxText)}
		}
		params := map[string]any{"chat_id": c.chat, "text": p.Text}
		if p.Link != "" {
			params["link_preview_options"] = map[string]any{"url": p.Link}
		}
		if reply != nil {
			params["reply_parameters"] = reply
		}
		var m Message
		if err := c.callJSON(ctx, "sendMessage", params, true, &m); err != nil {
			return channel.Published{}, err
		}
		return c.published(m), nil
	case n > 10:
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Telegram: a post carries at most 10 files; this one has %d", n)}
	}
	if l := utf16Len(p.Text); l > limits.TelegramMaxCaption {
		return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: fmt.Sprintf("Telegram: with media the text is a caption of at most %d characters; this one is %d", limits.TelegramMaxCaption, l)}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("chat_id", c.chat)
	if reply != nil {
		rj, _ := json.Marshal(reply)
		_ = mw.WriteField("reply_parameters", string(rj))
	}
	if len(p.Media) == 1 {
		m := p.Media[0]
		kind := mediaKind(m.ContentType)
		if p.Text != "" {
			_ = mw.WriteField("caption", p.Text)
		}
		if err := attach(mw, kind, m); err != nil {
			return channel.Published{}, err
		}
		mw.Close()
		method := map[string]string{"photo": "sendPhoto", "video": "sendVideo", "document": "sendDocument"}[kind]
		var msg Message
		if err := c.call(ctx, method, buf.Bytes(), mw.FormDataContentType(), true, c.UploadTimeout, &msg); err != nil {
			return channel.Published{}, err
		}
		return c.published(msg), nil
	}
	items := make([]map[string]any, 0, len(p.Media))
	for i, m := range p.Media {
		field := fmt.Sprintf("file%d", i)
		it := map[string]any{"type": mediaKind(m.ContentType), "media": "attach://" + field}
		if i == 0 && p.Text != "" {
			it["caption"] = p.Text
		}
		items = append(items, it)
		if err := attach(mw, field, m); err != nil {
			return channel.Published{}, err
		}
	}
	ij, _ := json.Marshal(items)
	_ = mw.WriteField("media", string(ij))
	mw.Close()
	var msgs []Message
	if err := c.call(ctx, "sendMediaGroup", buf.Bytes(), mw.FormDataContentType(), true, c.UploadTimeout, &msgs); err != nil {
		return channel.Published{}, err
	}
	if len(msgs) == 0 {
		return channel.Published{}, errUnknown("sendMediaGroup", errors.New("no message in the answer"))
	}
	// The album's first message (the one with the caption) stands for it.
	return c.published(msgs[0]), nil
}

func mediaKind(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "image/") && contentType != "image/gif" && contentType != "image/svg+xml":
		return "photo"
	case strings.HasPrefix(contentType, "video/"):
		return "video"
	default:
		return "document"
	}
}

// attach writes m as the multipart file field. Telegram has no alt text;
// m.Alt is not sent.
func attach(mw *multipart.Writer, field string, m channel.Media) error {
	if m.Open == nil {
		return &channel.Error{Kind: channel.Permanent, Message: "media " + m.FileName + " has no content"}
	}
	rc, err := m.Open()
	if err != nil {
		return &channel.Error{Kind: channel.Transient, Message: "opening media " + m.FileName + ": " + err.Error(), Err: err}
	}
	defer rc.Close()
	name := m.FileName
	if name == "" {
		name = "media"
	}
	ct := m.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
	h.Set("Content-Type", ct)
	part, _ := mw.CreatePart(h)
	if _, err := io.Copy(part, rc); err != nil {
		return &channel.Error{Kind: channel.Transient, Message: "reading media " + name + ": " + err.Error(), Err: err}
	}
	return nil
}

// Find cannot know: the Bot API has no way to read a channel's history, so
// a post an earlier attempt may have made is never found (see the package
// comment for how Publish keeps that case rare).
func (c *Connector) Find(context.Context, channel.Post) (channel.Published, bool, error) {
	return channel.Published{}, false, nil
}

// update is a Bot API Update.
type update struct {
	UpdateID    int64    `json:"update_id"`
	Message     *Message `json:"message"`
	ChannelPost *Message `json:"channel_post"`
}

// maxPages bounds one Mentions call; the cursor lets the next one go on.
const maxPages = 10

// Mentions returns the comments on this channel's posts since cursor (the
// next getUpdates offset) and the next cursor. Passing the offset confirms
// the updates before it to Telegram, which then forgets them: the caller
// stores the returned cursor.
func (c *Connector) Mentions(ctx context.Context, cursor string) ([]channel.Mention, string, error) {
	var offset int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			return nil, cursor, &channel.Error{Kind: channel.Permanent, Message: "bad Telegram mentions cursor " + strconv.Quote(cursor)}
		}
		offset = n
	}
	var out []channel.Mention
	for page := 0; page < maxPages; page++ {
		params := map[string]any{"limit": 100, "timeout": 0, "allowed_updates": []string{"message", "channel_post"}}
		if offset != 0 {
			params["offset"] = offset
		}
		var ups []update
		if err := c.callJSON(ctx, "getUpdates", params, false, &ups); err != nil {
			if len(out) > 0 || page > 0 {
				return out, strconv.FormatInt(offset, 10), nil
			}
			return nil, cursor, err
		}
		if len(ups) == 0 {
			break
		}
		for _, u := range ups {
			if u.UpdateID >= offset {
				offset = u.UpdateID + 1
			}
			if m, ok := c.comment(u.Message); ok {
				out = append(out, m)
			}
			if m, ok := c.channelPost(u.ChannelPost); ok {
				out = append(out, m)
			}
		}
		if len(ups) < 100 {
			break
		}
	}
	next := cursor
	if offset != 0 {
		next = strconv.FormatInt(offset, 10)
	}
	return out, next, nil
}

// ours reports whether ch is this connector's channel.
func (c *Connector) ours(ch *Chat) bool {
	if ch == nil {
		return false
	}
	if strings.HasPrefix(c.chat, "@") {
		return strings.EqualFold(ch.Username, c.chat[1:])
	}
	return strconv.FormatInt(ch.ID, 10) == c.chat
}

// comment maps a discussion-group message replying to the automatic
// forward of one of our channel posts.
func (c *Connector) comment(m *Message) (channel.Mention, bool) {
	if m == nil || m.IsAutomaticForward || m.ReplyToMessage == nil {
		return channel.Mention{}, false
	}
	fw := m.ReplyToMessage
	if !fw.IsAutomaticForward {
		return channel.Mention{}, false
	}
	var postID int64
	switch {
	case fw.ForwardOrigin != nil && fw.ForwardOrigin.Type == "channel" && c.ours(fw.ForwardOrigin.Chat):
		postID = fw.ForwardOrigin.MessageID
	default:
		return channel.Mention{}, false
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	mn := channel.Mention{
		ExternalID: fmt.Sprintf("%d:%d", m.Chat.ID, m.MessageID),
		Text:       text,
		InReplyTo:  strconv.FormatInt(postID, 10),
		At:         time.Unix(m.Date, 0).UTC(),
	}
	switch {
	case m.SenderChat != nil && m.SenderChat.ID != m.Chat.ID:
		// Written as a channel (anonymous admins write as the group itself).
		mn.AuthorID = strconv.FormatInt(m.SenderChat.ID, 10)
		mn.AuthorHandle = m.SenderChat.Username
		mn.AuthorName = m.SenderChat.Title
	case m.From != nil:
		mn.AuthorID = strconv.FormatInt(m.From.ID, 10)
		mn.AuthorHandle = m.From.Username
		mn.AuthorName = strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
		mn.Language = m.From.LanguageCode
	}
	if u := postURL(c.chat, "", postID); u != "" && strings.HasPrefix(c.chat, "@") {
		mn.URL = fmt.Sprintf("%s?comment=%d", u, m.MessageID)
	}
	return mn, true
}

// channelPost maps a post of another channel the bot administers (the
// account's own posts are not mentions). A post without text or caption
// (a photo alone, a sticker) is skipped.
func (c *Connector) channelPost(m *Message) (channel.Mention, bool) {
	if m == nil || m.Chat.Type != "channel" || c.ours(&m.Chat) {
		return channel.Mention{}, false
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	if strings.TrimSpace(text) == "" {
		return channel.Mention{}, false
	}
	chat := strconv.FormatInt(m.Chat.ID, 10)
	mn := channel.Mention{
		ExternalID:   chat + ":" + strconv.FormatInt(m.MessageID, 10),
		URL:          postURL(chat, m.Chat.Username, m.MessageID),
		AuthorID:     chat,
		AuthorHandle: m.Chat.Username,
		AuthorName:   m.Chat.Title,
		Text:         text,
		At:           time.Unix(m.Date, 0).UTC(),
	}
	if m.Date == 0 {
		mn.At = time.Time{}
	}
	if r := m.ReplyToMessage; r != nil && r.Chat.ID == m.Chat.ID {
		mn.InReplyTo = chat + ":" + strconv.FormatInt(r.MessageID, 10)
	}
	return mn, true
}

// Metrics: the Bot API reports no views and no per-message counts on
// request (reactions come only as message_reaction_count updates, not
// collected); the map is empty.
func (c *Connector) Metrics(context.Context, []string) (map[string]channel.Metrics, error) {
	return map[string]channel.Metrics{}, nil
}

// Refresh: bot tokens do not expire; there is nothing to renew.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}

// Verify checks the token (getMe) and returns the bot's username.
func (c *Connector) Verify(ctx context.Context) (string, error) {
	var me User
	err := c.callJSON(ctx, "getMe", map[string]any{}, false, &me)
	return me.Username, err
}
