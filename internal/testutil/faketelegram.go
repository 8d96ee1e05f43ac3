package testutil

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// FakeTelegram is a Telegram Bot API server (core.telegram.org/bots/api)
// with one bot, one channel and its linked discussion group: sendMessage,
// sendPhoto, sendVideo, sendDocument, sendMediaGroup (JSON or multipart
// parameters, files attached with attach://), getUpdates with offset
// confirmation and allowed_updates, getMe. Errors follow the Bot API
// envelope {"ok":false,"error_code":…,"description":…,"parameters":…}: a
// wrong token gets 401, an unknown chat 400 "chat not found", a bot
// removed from the channel (Kicked) 403; Fail queues answers (429 with
// retry_after, 5xx); Delay slows every answer.
type FakeTelegram struct {
	*httptest.Server
	Token string
	// The channel: its username (without @) and id; the discussion group.
	ChannelUsername string
	ChannelID       int64
	GroupID         int64
	// Kicked makes every send answer 403 (the bot is no longer an admin).
	Kicked bool

	mu       sync.Mutex
	delay    time.Duration
	requests []FakeTelegramRequest
	messages []*FakeTelegramMessage
	updates  []map[string]any
	fails    []FakeTelegramFailure
	allowed  []string
	nextMsg  int64
	nextGrp  int64
	nextUpd  int64
	nextAlb  int64
	autoFwd  map[int64]int64 // channel post id → its automatic forward in the group
}

// FakeTelegramRequest is one call the fake received.
type FakeTelegramRequest struct {
	Method string
	Params map[string]string // JSON values kept as their JSON text, strings unquoted
	Files  map[string]FakeTelegramFile
}

// FakeTelegramFile is an uploaded file.
type FakeTelegramFile struct {
	Name, ContentType string
	Size              int
}

// FakeTelegramMessage is a channel message the bot posted.
type FakeTelegramMessage struct {
	ID           int64
	Kind         string // text, photo, video, document
	Text         string // text or caption
	ReplyTo      int64
	LinkPreview  string // link_preview_options.url
	File         FakeTelegramFile
	MediaGroupID string
	Date         time.Time
}

// FakeTelegramFailure is an injected answer to Method ("" for any).
type FakeTelegramFailure struct {
	Method      string
	Code        int
	Description string
	RetryAfter  int
	Times       int
	// Hang makes the server wait this long before answering (after, for
	// sends, making the message: the outcome is then unknown to a client
	// that times out).
	Hang time.Duration
}

// NewFakeTelegram starts a fake Bot API server for token; it stops with t.
func NewFakeTelegram(t testing.TB, token string) *FakeTelegram {
	f := &FakeTelegram{Token: token, ChannelUsername: "mfa_ua", ChannelID: -1001234567890, GroupID: -1009876543210,
		nextMsg: 100, nextGrp: 5000, nextUpd: 700000, nextAlb: 1300000000000, autoFwd: map[int64]int64{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Fail queues an injected answer.
func (f *FakeTelegram) Fail(fl FakeTelegramFailure) {
	if fl.Times == 0 {
		fl.Times = 1
	}
	f.mu.Lock()
	f.fails = append(f.fails, fl)
	f.mu.Unlock()
}

// SetDelay slows every answer by d.
func (f *FakeTelegram) SetDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

// Requests returns a copy of the recorded calls.
func (f *FakeTelegram) Requests() []FakeTelegramRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeTelegramRequest(nil), f.requests...)
}

// Messages returns copies of the channel messages posted, oldest first.
func (f *FakeTelegram) Messages() []FakeTelegramMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeTelegramMessage, len(f.messages))
	for i, m := range f.messages {
		out[i] = *m
	}
	return out
}

// AllowedUpdates is the allowed_updates last set through getUpdates.
func (f *FakeTelegram) AllowedUpdates() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.allowed...)
}

func (f *FakeTelegram) channelChat() map[string]any {
	return map[string]any{"id": f.ChannelID, "type": "channel", "title": "MFA of Ukraine", "username": f.ChannelUsername}
}

func (f *FakeTelegram) groupChat() map[string]any {
	return map[string]any{"id": f.GroupID, "type": "supergroup", "title": "MFA of Ukraine — comments"}
}

// forwardOf returns (making it on first use) the automatic forward of a
// channel post into the discussion group, as Telegram shows it.
func (f *FakeTelegram) forwardOf(postID int64, text string) map[string]any {
	gid, ok := f.autoFwd[postID]
	if !ok {
		f.nextGrp++
		gid = f.nextGrp
		f.autoFwd[postID] = gid
	}
	return map[string]any{"message_id": gid, "date": time.Now().Unix(), "chat": f.groupChat(), "sender_chat": f.channelChat(),
		"is_automatic_forward": true, "text": text,
		"forward_origin": map[string]any{"type": "channel", "chat": f.channelChat(), "message_id": postID, "date": time.Now().Unix()}}
}

// AddComment adds a discussion-group message from a user replying to the
// automatic forward of channel post postID; it returns the update id.
func (f *FakeTelegram) AddComment(postID int64, userID int64, username, firstName, text string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextGrp++
	msg := map[string]any{"message_id": f.nextGrp, "date": time.Now().Unix(), "chat": f.groupChat(),
		"from":             map[string]any{"id": userID, "is_bot": false, "first_name": firstName, "username": username, "language_code": "uk"},
		"text":             text,
		"reply_to_message": f.forwardOf(postID, "(channel post)")}
	return f.addUpdateLocked(map[string]any{"message": msg})
}

// AddUpdate adds a raw update (without update_id); it returns the id.
func (f *FakeTelegram) AddUpdate(u map[string]any) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addUpdateLocked(u)
}

// AutomaticForward returns the automatic forward of channel post postID
// (a message object), for building updates.
func (f *FakeTelegram) AutomaticForward(postID int64) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.forwardOf(postID, "(channel post)")
}

// GroupChat returns the discussion group's chat object.
func (f *FakeTelegram) GroupChat() map[string]any { return f.groupChat() }

func (f *FakeTelegram) addUpdateLocked(u map[string]any) int64 {
	f.nextUpd++
	u["update_id"] = f.nextUpd
	f.updates = append(f.updates, u)
	return f.nextUpd
}

func (f *FakeTelegram) reply(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func (f *FakeTelegram) fail(w http.ResponseWriter, code int, desc string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *FakeTelegram) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	d := f.delay
	f.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		http.NotFound(w, r)
		return
	}
	if tok != f.Token {
		f.fail(w, 401, "Unauthorized", 0)
		return
	}
	req := FakeTelegramRequest{Method: method, Params: map[string]string{}, Files: map[string]FakeTelegramFile{}}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var raw map[string]json.RawMessage
		data, _ := io.ReadAll(r.Body)
		if len(data) > 0 && json.Unmarshal(data, &raw) != nil {
			f.fail(w, 400, "Bad Request: can't parse JSON object", 0)
			return
		}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				req.Params[k] = s
			} else {
				req.Params[k] = string(v)
			}
		}
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			if p.FileName() != "" {
				req.Files[p.FormName()] = FakeTelegramFile{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Size: len(data)}
			} else {
				req.Params[p.FormName()] = string(data)
			}
		}
	default:
		_ = r.ParseForm()
		for k := range r.Form {
			req.Params[k] = r.Form.Get(k)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var hang time.Duration
	for i := range f.fails {
		fl := &f.fails[i]
		if fl.Times > 0 && (fl.Method == "" || fl.Method == method) {
			fl.Times--
			if fl.Hang > 0 {
				hang = fl.Hang
				break
			}
			f.mu.Unlock()
			f.fail(w, fl.Code, fl.Description, fl.RetryAfter)
			return
		}
	}
	f.mu.Unlock()
	if hang > 0 {
		defer time.Sleep(hang) // the message is made; the answer comes late
	}
	switch method {
	case "getMe":
		f.reply(w, map[string]any{"id": 42, "is_bot": true, "first_name": "Attache", "username": "attache_bot"})
	case "sendMessage", "sendPhoto", "sendVideo", "sendDocument":
		f.send(w, method, req)
	case "sendMediaGroup":
		f.sendMediaGroup(w, req)
	case "getUpdates":
		f.getUpdates(w, req)
	default:
		f.fail(w, 404, "Not Found", 0)
	}
}

func utf16Count(s string) int { return len(utf16.Encode([]rune(s))) }

// checkChat answers the errors of chat_id; ok is false when it did.
func (f *FakeTelegram) checkChat(w http.ResponseWriter, chat string) bool {
	if chat == "" {
		f.fail(w, 400, "Bad Request: chat_id is empty", 0)
		return false
	}
	if !strings.EqualFold(chat, "@"+f.ChannelUsername) && chat != strconv.FormatInt(f.ChannelID, 10) {
		f.fail(w, 400, "Bad Request: chat not found", 0)
		return false
	}
	if f.Kicked {
		f.fail(w, 403, "Forbidden: bot is not a member of the channel chat", 0)
		return false
	}
	return true
}

func (f *FakeTelegram) replyTo(w http.ResponseWriter, req FakeTelegramRequest) (int64, bool) {
	raw := req.Params["reply_parameters"]
	if raw == "" {
		return 0, true
	}
	var rp struct {
		MessageID int64 `json:"message_id"`
	}
	if json.Unmarshal([]byte(raw), &rp) != nil || rp.MessageID == 0 {
		f.fail(w, 400, "Bad Request: can't parse reply parameters JSON object", 0)
		return 0, false
	}
	for _, m := range f.messages {
		if m.ID == rp.MessageID {
			return rp.MessageID, true
		}
	}
	f.fail(w, 400, "Bad Request: message to be replied not found", 0)
	return 0, false
}

func (f *FakeTelegram) messageJSON(m *FakeTelegramMessage) map[string]any {
	out := map[string]any{"message_id": m.ID, "date": m.Date.Unix(), "chat": f.channelChat(), "sender_chat": f.channelChat()}
	if m.Kind == "text" {
		out["text"] = m.Text
	} else {
		if m.Text != "" {
			out["caption"] = m.Text
		}
		file := map[string]any{"file_id": fmt.Sprintf("F%d", m.ID), "file_size": m.File.Size}
		if m.Kind == "photo" {
			out["photo"] = []any{file} // PhotoSize array
		} else {
			out[m.Kind] = file
		}
	}
	if m.MediaGroupID != "" {
		out["media_group_id"] = m.MediaGroupID
	}
	return out
}

func (f *FakeTelegram) send(w http.ResponseWriter, method string, req FakeTelegramRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.checkChat(w, req.Params["chat_id"]) {
		return
	}
	reply, ok := f.replyTo(w, req)
	if !ok {
		return
	}
	m := &FakeTelegramMessage{ReplyTo: reply, Date: time.Now().UTC().Truncate(time.Second)}
	if method == "sendMessage" {
		m.Kind, m.Text = "text", req.Params["text"]
		if strings.TrimSpace(m.Text) == "" {
			f.fail(w, 400, "Bad Request: message text is empty", 0)
			return
		}
		if utf16Count(m.Text) > 4096 {
			f.fail(w, 400, "Bad Request: message is too long", 0)
			return
		}
		if lp := req.Params["link_preview_options"]; lp != "" {
			var o struct {
				URL string `json:"url"`
			}
			if json.Unmarshal([]byte(lp), &o) != nil {
				f.fail(w, 400, "Bad Request: can't parse link preview options JSON object", 0)
				return
			}
			m.LinkPreview = o.URL
		}
	} else {
		m.Kind = strings.ToLower(strings.TrimPrefix(method, "send"))
		m.Text = req.Params["caption"]
		file, ok := req.Files[m.Kind]
		if !ok {
			f.fail(w, 400, "Bad Request: there is no "+m.Kind+" in the request", 0)
			return
		}
		if utf16Count(m.Text) > 1024 {
			f.fail(w, 400, "Bad Request: message caption is too long", 0)
			return
		}
		m.File = file
	}
	f.nextMsg++
	m.ID = f.nextMsg
	f.messages = append(f.messages, m)
	f.reply(w, f.messageJSON(m))
}

func (f *FakeTelegram) sendMediaGroup(w http.ResponseWriter, req FakeTelegramRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.checkChat(w, req.Params["chat_id"]) {
		return
	}
	reply, ok := f.replyTo(w, req)
	if !ok {
		return
	}
	var items []struct {
		Type, Media, Caption string
	}
	if json.Unmarshal([]byte(req.Params["media"]), &items) != nil {
		f.fail(w, 400, "Bad Request: can't parse media JSON object", 0)
		return
	}
	if len(items) < 2 || len(items) > 10 {
		f.fail(w, 400, "Bad Request: wrong number of media in the album", 0)
		return
	}
	var made []*FakeTelegramMessage
	f.nextAlb++
	album := strconv.FormatInt(f.nextAlb, 10)
	for _, it := range items {
		if !slices.Contains([]string{"photo", "video", "document", "audio"}, it.Type) {
			f.fail(w, 400, "Bad Request: unsupported media type", 0)
			return
		}
		field, ok := strings.CutPrefix(it.Media, "attach://")
		file, ok2 := req.Files[field]
		if !ok || !ok2 {
			f.fail(w, 400, "Bad Request: wrong file identifier/HTTP URL specified", 0)
			return
		}
		if utf16Count(it.Caption) > 1024 {
			f.fail(w, 400, "Bad Request: message caption is too long", 0)
			return
		}
		made = append(made, &FakeTelegramMessage{Kind: it.Type, Text: it.Caption, File: file, ReplyTo: reply, MediaGroupID: album, Date: time.Now().UTC().Truncate(time.Second)})
	}
	out := []any{}
	for _, m := range made {
		f.nextMsg++
		m.ID = f.nextMsg
		f.messages = append(f.messages, m)
		out = append(out, f.messageJSON(m))
	}
	f.reply(w, out)
}

// getUpdates follows the Bot API: updates with update_id ≥ offset, at most
// limit (1–100, default 100); an offset confirms (drops) every earlier
// update; allowed_updates, when given, is kept for later calls.
func (f *FakeTelegram) getUpdates(w http.ResponseWriter, req FakeTelegramRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := req.Params["allowed_updates"]; a != "" {
		var list []string
		if json.Unmarshal([]byte(a), &list) != nil {
			f.fail(w, 400, "Bad Request: can't parse allowed updates", 0)
			return
		}
		f.allowed = list
	}
	offset, _ := strconv.ParseInt(req.Params["offset"], 10, 64)
	limit, err := strconv.Atoi(req.Params["limit"])
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	if offset > 0 {
		kept := f.updates[:0]
		for _, u := range f.updates {
			if u["update_id"].(int64) >= offset {
				kept = append(kept, u)
			}
		}
		f.updates = kept
	}
	out := []any{}
	for _, u := range f.updates {
		if len(out) == limit {
			break
		}
		if len(f.allowed) > 0 {
			typ := ""
			for k := range u {
				if k != "update_id" {
					typ = k
				}
			}
			if !slices.Contains(f.allowed, typ) {
				continue
			}
		}
		out = append(out, u)
	}
	f.reply(w, out)
}
