package newsletter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/mail"
)

// SMTP is where a newsletter is sent from: the account's own server or the
// application's.
type SMTP = mail.SMTP

// Issue is one newsletter: a variant's text for an account's list.
type Issue struct {
	AccountID int64
	VariantID int64
	Subject   string
	Text      string
	Language  string
}

// Result is what one Send did.
type Result struct {
	Sent    int // messages accepted by the SMTP server in this call
	Failed  int // recipients the server refused for good (not retried)
	Pending int // recipients left for a retry (transient failures)
}

// Sender sends newsletters.
type Sender struct {
	DB      *db.DB
	SMTP    SMTP
	BaseURL string // public address of Attaché, for unsubscribe links
	// Unsubscribe address for the mailto: part of List-Unsubscribe; the
	// sender address when empty.
	UnsubscribeMailto string
	// Dial, when set, opens the connection to the SMTP server (a guarded
	// dialer for a server named by an account rather than the operator).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// AfterSend, when set, is called after each accepted message (tests
	// use it to stop a send half-way).
	AfterSend func(sent int)
}

type recipient struct {
	id             int64
	email, name    string
	language       string
	unsubscribeTok string
}

// Remaining counts the confirmed subscribers who have not been claimed for
// an issue yet.
func Remaining(ctx context.Context, q db.Queryer, accountID, variantID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM newsletter_subscribers s WHERE s.account_id = ? AND s.state = 'confirmed'
		AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries d WHERE d.variant_id = ? AND d.subscriber_id = s.id)`, accountID, variantID).Scan(&n)
	return n, err
}

// Delivered counts the deliveries of an issue by state.
func Delivered(ctx context.Context, q db.Queryer, variantID int64) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, "SELECT state, COUNT(*) FROM newsletter_deliveries WHERE variant_id = ? GROUP BY state", variantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

func (s *Sender) remaining(ctx context.Context, is Issue) ([]recipient, error) {
	rows, err := s.DB.R().QueryContext(ctx, `SELECT s.id, s.email, s.name, s.language FROM newsletter_subscribers s WHERE s.account_id = ? AND s.state = 'confirmed'
		AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries d WHERE d.variant_id = ? AND d.subscriber_id = s.id) ORDER BY s.id`, is.AccountID, is.VariantID)
	if err != nil {
		return nil, fmt.Errorf("newsletter recipients: %w", err)
	}
	defer rows.Close()
	var out []recipient
	for rows.Next() {
		var r recipient
		if err := rows.Scan(&r.id, &r.email, &r.name, &r.language); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// claim records, before the message is sent, that this subscriber gets
// this issue. It is false when the row exists already (another attempt
// claimed it) or the subscriber is no longer confirmed.
func (s *Sender) claim(ctx context.Context, is Issue, r *recipient) (bool, error) {
	tok, hash := NewToken()
	res, err := s.DB.W().ExecContext(ctx, `INSERT INTO newsletter_deliveries (variant_id, subscriber_id, state, unsubscribe_hash, claimed_at)
		SELECT ?, id, 'sending', ?, ? FROM newsletter_subscribers WHERE id = ? AND state = 'confirmed'
		ON CONFLICT DO NOTHING`, is.VariantID, hash, now(), r.id)
	if err != nil {
		return false, fmt.Errorf("claim delivery: %w", err)
	}
	n, _ := res.RowsAffected()
	r.unsubscribeTok = tok
	return n == 1, nil
}

// finish records the outcome of a claimed delivery with a context of its
// own, so that a cancelled send still records what it knows.
func (s *Sender) finish(is Issue, r recipient, state, msg string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var sentAt *time.Time
	if state == "sent" {
		t := now()
		sentAt = &t
	}
	_, err := s.DB.W().ExecContext(ctx, "UPDATE newsletter_deliveries SET state = ?, sent_at = ?, error = ? WHERE variant_id = ? AND subscriber_id = ?",
		state, sentAt, truncate(msg, 500), is.VariantID, r.id)
	return err
}

// release gives a claimed delivery back when the server certainly did not
// take the message, so the next attempt sends it.
func (s *Sender) release(is Issue, r recipient) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.DB.W().ExecContext(ctx, "DELETE FROM newsletter_deliveries WHERE variant_id = ? AND subscriber_id = ? AND state = 'sending'", is.VariantID, r.id)
	return err
}

func (s *Sender) client() (*gomail.Client, error) {
	port := s.SMTP.Port
	if port == 0 {
		port = 587
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	if s.Dial != nil {
		opts = append(opts, gomail.WithDialContextFunc(s.Dial))
	}
	switch s.SMTP.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.SMTP.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.SMTP.User), gomail.WithPassword(s.SMTP.Password))
	}
	return gomail.NewClient(s.SMTP.Host, opts...)
}

// UnsubscribeURL is the page of an unsubscribe token.
func UnsubscribeURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/unsubscribe/" + token
}

// ConfirmURL is the page of a confirmation token.
func ConfirmURL(baseURL string, accountID int64, token string) string {
	return strings.TrimRight(baseURL, "/") + "/newsletter/" + strconv.FormatInt(accountID, 10) + "/confirm/" + token
}

var footers = map[string]string{
	"en": "You receive this newsletter because you subscribed to it. To unsubscribe, open:",
	"uk": "Ви отримуєте цю розсилку, бо підписалися на неї. Щоб відписатися, відкрийте:",
}

func footer(lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	if f, ok := footers[base]; ok {
		return f
	}
	return footers["en"]
}

func (s *Sender) message(is Issue, r recipient, domain string) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(s.SMTP.From); err != nil {
		return nil, fmt.Errorf("newsletter sender address: %w", err)
	}
	if r.name != "" {
		if err := m.AddToFormat(r.name, r.email); err != nil {
			return nil, err
		}
	} else if err := m.To(r.email); err != nil {
		return nil, err
	}
	m.Subject(is.Subject)
	m.SetMessageIDWithValue(fmt.Sprintf("attache-newsletter-%d-%d@%s", is.VariantID, r.id, domain))
	m.SetDate()
	unsub := UnsubscribeURL(s.BaseURL, r.unsubscribeTok)
	mailto := s.UnsubscribeMailto
	if mailto == "" {
		if fa := m.GetFromString(); len(fa) > 0 {
			mailto = addrOnly(fa[0])
		}
	}
	header := "<" + unsub + ">"
	if mailto != "" {
		header += ", <mailto:" + mailto + "?subject=" + url.PathEscape("unsubscribe "+r.unsubscribeTok) + ">"
	}
	m.SetGenHeaderPreformatted("List-Unsubscribe", header)
	m.SetGenHeaderPreformatted("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	m.SetGenHeaderPreformatted("List-Id", fmt.Sprintf("<newsletter-%d.%s>", is.AccountID, domain))
	m.SetGenHeaderPreformatted("Precedence", "bulk")
	m.SetGenHeaderPreformatted("Auto-Submitted", "auto-generated")
	lang := r.language
	if lang == "" {
		lang = is.Language
	}
	body := strings.TrimRight(is.Text, "\n ") + "\n\n-- \n" + footer(lang) + "\n" + unsub + "\n"
	m.SetBodyString(gomail.TypeTextPlain, body)
	if is.Language != "" {
		m.SetGenHeader("Content-Language", is.Language)
	}
	return m, nil
}

func addrOnly(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		return strings.Trim(s[i:], "<> ")
	}
	return strings.TrimSpace(s)
}

// Subject is the subject line of a newsletter: the first line of its text,
// cut at 120 characters.
func Subject(text string) string {
	line := strings.TrimSpace(text)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = strings.TrimSpace(line[:i])
	}
	line = strings.TrimLeft(line, "# ")
	if line == "" {
		return "Newsletter"
	}
	return truncate(line, 120)
}

// ErrSMTP wraps an SMTP failure; Temporary reports whether a retry may
// help.
type ErrSMTP struct {
	Err       error
	Temporary bool
}

func (e *ErrSMTP) Error() string { return "newsletter: " + e.Err.Error() }
func (e *ErrSMTP) Unwrap() error { return e.Err }

// Send mails the issue to every confirmed subscriber of the account who
// has not been claimed for it yet, over one SMTP connection. Each
// delivery is claimed in the database before its message is sent, so no
// retry or concurrent attempt mails anyone twice; a message the server
// certainly refused (before DATA) is released for the next attempt, one
// whose outcome is unknown stays claimed. When ctx ends, Send stops
// between messages and returns ctx's error with what it did.
func (s *Sender) Send(ctx context.Context, is Issue) (Result, error) {
	var res Result
	if is.Subject == "" {
		is.Subject = Subject(is.Text)
	}
	rcpts, err := s.remaining(ctx, is)
	if err != nil || len(rcpts) == 0 {
		return res, err
	}
	c, err := s.client()
	if err != nil {
		res.Pending = len(rcpts)
		return res, &ErrSMTP{Err: err}
	}
	if err := c.DialWithContext(ctx); err != nil {
		res.Pending = len(rcpts)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, &ErrSMTP{Err: fmt.Errorf("connect to %s: %w", s.SMTP.Host, err), Temporary: true}
	}
	defer func() { _ = c.Close() }()
	domain := "attache.invalid"
	if u, err := url.Parse(s.BaseURL); err == nil && u.Hostname() != "" {
		domain = u.Hostname()
	}
	var lastErr error
	for i := range rcpts {
		if err := ctx.Err(); err != nil {
			res.Pending += len(rcpts) - i
			return res, err
		}
		r := &rcpts[i]
		ok, err := s.claim(ctx, is, r)
		if err != nil {
			res.Pending += len(rcpts) - i
			return res, err
		}
		if !ok {
			continue
		}
		m, err := s.message(is, *r, domain)
		if err != nil {
			_ = s.finish(is, *r, "failed", err.Error())
			res.Failed++
			continue
		}
		if err := c.Send(m); err != nil {
			lastErr = err
			var se *gomail.SendError
			switch {
			case errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp():
				// The server refuses this address for good.
				_ = s.finish(is, *r, "failed", err.Error())
				res.Failed++
			case errors.As(err, &se) && (se.Reason == gomail.ErrWriteContent || se.Reason == gomail.ErrSMTPDataClose):
				// The message may have been taken: never send it again.
				_ = s.finish(is, *r, "failed", "outcome unknown: "+err.Error())
				res.Failed++
			default:
				if rerr := s.release(is, *r); rerr != nil {
					return res, rerr
				}
				res.Pending++
			}
			if errors.As(err, &se) && (se.Reason == gomail.ErrConnCheck || se.Reason == gomail.ErrSMTPReset) {
				// The connection is gone: the rest waits for a retry.
				res.Pending += len(rcpts) - i - 1
				return res, &ErrSMTP{Err: err, Temporary: true}
			}
			continue
		}
		if err := s.finish(is, *r, "sent", ""); err != nil {
			return res, err
		}
		res.Sent++
		if s.AfterSend != nil {
			s.AfterSend(res.Sent)
		}
	}
	if res.Pending > 0 {
		return res, &ErrSMTP{Err: fmt.Errorf("%d of %d messages not accepted, will retry: %w", res.Pending, len(rcpts), lastErr), Temporary: true}
	}
	return res, nil
}

// SendConfirmation emails the confirmation link of a new subscriber.
func SendConfirmation(ctx context.Context, m interface {
	Send(ctx context.Context, to, subject, body string) error
}, baseURL string, accountID int64, listName, email, token, lang string) error {
	subject, body := confirmationText(lang, listName, ConfirmURL(baseURL, accountID, token))
	return m.Send(ctx, email, subject, body)
}

func confirmationText(lang, list, link string) (string, string) {
	if base, _, _ := strings.Cut(lang, "-"); base == "uk" {
		return "Підтвердьте підписку: " + list,
			"Хтось (сподіваємося, ви) підписав цю адресу на розсилку «" + list + "».\n\n" +
				"Щоб підтвердити підписку, відкрийте посилання:\n" + link + "\n\n" +
				"Якщо ви не підписувалися, просто проігноруйте цей лист: без підтвердження ми нічого не надсилатимемо.\n"
	}
	return "Confirm your subscription: " + list,
		"Someone (we hope it was you) subscribed this address to the newsletter \"" + list + "\".\n\n" +
			"To confirm, open this link:\n" + link + "\n\n" +
			"If you did not subscribe, ignore this email: nothing will be sent without confirmation.\n"
}

// ExternalID names an issue as published.
func ExternalID(variantID int64) string { return "newsletter-" + strconv.FormatInt(variantID, 10) }
