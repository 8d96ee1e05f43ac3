// Package email is the connector of the email newsletter: publishing a
// variant mails its text to every confirmed subscriber of the account's
// list (internal/newsletter), one message per recipient, each with its own
// unsubscribe link and RFC 8058 one-click List-Unsubscribe headers.
package email

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/newsletter"
)

// SMTPDefaults is the application's SMTP server, used for accounts that
// do not name their own.
type SMTPDefaults = newsletter.SMTP

// NewFactory returns the factory of email connectors. An account's
// credentials may name its own server: smtp_host, smtp_port, smtp_user,
// smtp_password, from, tls (none, starttls, tls); what they leave out
// comes from cfg. baseURL is Attaché's public address, for unsubscribe
// links.
//
// A server named in an account's credentials is user input: connections
// to it are refused when it resolves to a loopback, private, link-local or
// metadata address, unless AllowPrivate(true) (--allow-private-endpoints).
// The operator's own server (cfg) is trusted.
func NewFactory(cfg SMTPDefaults, baseURL string, d *db.DB, opts ...Option) channel.Factory {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return func(acc channel.Account, creds channel.Credentials, _ *http.Client) (channel.Connector, error) {
		s := cfg
		var dial func(ctx context.Context, network, address string) (net.Conn, error)
		if h := creds["smtp_host"]; h != "" {
			dial = netguard.Dialer(o.allowPrivate, 15*time.Second).DialContext
			// Another server: none of the default's login applies.
			s = SMTPDefaults{Host: h, Port: 587, From: cfg.From, TLS: "starttls"}
		}
		if p := creds["smtp_port"]; p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n <= 0 || n > 65535 {
				return nil, &channel.Error{Kind: channel.Permanent, Message: "smtp_port must be a port number"}
			}
			s.Port = n
		}
		if u := creds["smtp_user"]; u != "" {
			s.User, s.Password = u, creds["smtp_password"]
		}
		if f := creds["from"]; f != "" {
			s.From = f
		}
		if t := creds["tls"]; t != "" {
			if t != "none" && t != "starttls" && t != "tls" {
				return nil, &channel.Error{Kind: channel.Permanent, Message: "tls must be none, starttls or tls"}
			}
			s.TLS = t
		}
		if s.Host == "" {
			return nil, &channel.Error{Kind: channel.Permanent, Message: "no SMTP server: set smtp_host in the account's credentials or configure --smtp-host"}
		}
		return &Connector{acc: acc, sender: &newsletter.Sender{DB: d, SMTP: s, BaseURL: baseURL, UnsubscribeMailto: creds["unsubscribe_mailto"], Dial: dial}}, nil
	}
}

// Option adjusts NewFactory.
type Option func(*options)

type options struct{ allowPrivate bool }

// AllowPrivate lets accounts name SMTP servers on private addresses
// (--allow-private-endpoints).
func AllowPrivate(allow bool) Option { return func(o *options) { o.allowPrivate = allow } }

// Connector publishes to one email account's subscribers.
type Connector struct {
	acc    channel.Account
	sender *newsletter.Sender
}

// New returns a connector with a prepared sender (tests).
func New(acc channel.Account, s *newsletter.Sender) *Connector {
	return &Connector{acc: acc, sender: s}
}

func (c *Connector) issue(p channel.Post) newsletter.Issue {
	text := p.Text
	if p.Link != "" && !strings.Contains(text, p.Link) {
		text += "\n\n" + p.Link
	}
	lang := p.Language
	if lang == "" {
		lang = c.acc.Language
	}
	return newsletter.Issue{AccountID: c.acc.ID, VariantID: p.VariantID, Subject: newsletter.Subject(p.Text), Text: text, Language: lang}
}

// Publish sends the newsletter to every confirmed subscriber not yet
// mailed for this variant. A retry sends only to the rest.
func (c *Connector) Publish(ctx context.Context, p channel.Post) (channel.Published, error) {
	res, err := c.sender.Send(ctx, c.issue(p))
	if err != nil {
		var se *newsletter.ErrSMTP
		if errors.As(err, &se) && !se.Temporary {
			return channel.Published{}, &channel.Error{Kind: channel.Permanent, Message: se.Error(), Err: err}
		}
		return channel.Published{}, &channel.Error{Kind: channel.Transient, Message: fmt.Sprintf("newsletter sent to %d, %d left: %v", res.Sent, res.Pending, err), Err: err}
	}
	return channel.Published{ExternalID: newsletter.ExternalID(p.VariantID), At: time.Now().UTC()}, nil
}

// Find reports the newsletter published when an attempt mailed it and no
// confirmed subscriber is left without a delivery.
func (c *Connector) Find(ctx context.Context, p channel.Post) (channel.Published, bool, error) {
	q := c.sender.DB.R()
	done, err := newsletter.Delivered(ctx, q, p.VariantID)
	if err != nil {
		return channel.Published{}, false, err
	}
	if len(done) == 0 {
		return channel.Published{}, false, nil
	}
	left, err := newsletter.Remaining(ctx, q, c.acc.ID, p.VariantID)
	if err != nil || left > 0 {
		return channel.Published{}, false, err
	}
	return channel.Published{ExternalID: newsletter.ExternalID(p.VariantID), At: time.Now().UTC()}, true, nil
}

// Mentions: a newsletter has no replies to pull.
func (c *Connector) Mentions(context.Context, string) ([]channel.Mention, string, error) {
	return nil, "", nil
}

// Metrics: nothing is measured.
func (c *Connector) Metrics(context.Context, []string) (map[string]channel.Metrics, error) {
	return nil, nil
}

// Refresh: SMTP credentials do not expire.
func (c *Connector) Refresh(context.Context) (channel.Credentials, time.Time, bool, error) {
	return nil, time.Time{}, false, nil
}
