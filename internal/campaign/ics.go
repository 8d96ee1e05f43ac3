package campaign

import (
	"bufio"
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// The ICS feed: a user's scheduled variants as an RFC 5545 calendar that
// calendar applications subscribe to through a secret address.

// Feed window: what a subscribed calendar shows around today.
const (
	FeedPast   = 30 * 24 * time.Hour
	FeedFuture = 180 * 24 * time.Hour
)

// FeedEntry is a calendar entry with the organisation it is seen through
// (for the link back to the campaign).
type FeedEntry struct {
	Entry
	ViaSlug string
}

// FeedOwner returns the user a feed secret belongs to; an unknown or
// malformed secret is db.ErrNotFound.
func (s *Service) FeedOwner(ctx context.Context, secret string) (int64, error) {
	if !strings.HasPrefix(secret, FeedPrefix) || len(secret) > 100 {
		return 0, db.ErrNotFound
	}
	return feedUser(ctx, s.DB.R(), secret)
}

// FeedEntries lists the variants scheduled in [from, to) that members of
// orgs see on their calendars, each once. The caller passes only the
// organisations where the user may use campaigns, so the feed shows exactly
// what the calendar pages show them.
func (s *Service) FeedEntries(ctx context.Context, orgs []org.Org, from, to time.Time) ([]FeedEntry, error) {
	seen := map[int64]bool{}
	out := []FeedEntry{}
	for _, o := range orgs {
		es, err := calendar(ctx, s.DB.R(), o.ID, from.UTC(), to.UTC(), CalendarFilter{})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if !seen[e.VariantID] {
				seen[e.VariantID] = true
				out = append(out, FeedEntry{Entry: e, ViaSlug: o.Slug})
			}
		}
	}
	return out, nil
}

// ICSEvent is one VEVENT.
type ICSEvent struct {
	UID         string
	Start       time.Time
	Summary     string
	Description string
	URL         string
	Status      string // CONFIRMED or TENTATIVE
}

// EntryEvent turns a calendar entry into an event: UID stable per variant,
// SUMMARY "[Network] campaign — excerpt", URL back to the campaign. host
// names the installation in the UID (RFC 5545 §3.8.4.7 suggests a domain).
func EntryEvent(e FeedEntry, baseURL string) ICSEvent {
	host := "attache"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	status := "TENTATIVE" // not yet approved: it may still move or change
	if e.State == StateScheduled {
		status = "CONFIRMED"
	}
	return ICSEvent{
		UID:     "variant-" + strconv.FormatInt(e.VariantID, 10) + "@" + host,
		Start:   e.ScheduledAt,
		Summary: "[" + limits.Label(e.Network) + "] " + e.CampaignTitle + " — " + oneLine(excerpt(e.Excerpt, 80)),
		Description: "State: " + string(e.State) + "\nAccount: " + e.AccountName + " (" + e.Language + ")\nOrganisation: " + e.OrgName +
			"\n\n" + e.Excerpt,
		URL:    strings.TrimSuffix(baseURL, "/") + "/o/" + e.ViaSlug + "/campaigns/" + strconv.FormatInt(e.CampaignID, 10),
		Status: status,
	}
}

// oneLine replaces line breaks with spaces (for a summary).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// WriteICS writes a VCALENDAR with events: CRLF line ends, lines folded at
// 75 octets, TEXT values escaped, times in UTC. stamp is DTSTAMP (when the
// feed was made).
func WriteICS(w io.Writer, name string, stamp time.Time, events []ICSEvent) error {
	bw := bufio.NewWriter(w)
	line := func(s string) { bw.WriteString(foldLine(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Attaché//Campaign calendar//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeText(name))
	line("REFRESH-INTERVAL;VALUE=DURATION:PT1H") // RFC 7986
	line("X-PUBLISHED-TTL:PT1H")
	ds := icsTime(stamp)
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + escapeText(e.UID))
		line("DTSTAMP:" + ds)
		line("DTSTART:" + icsTime(e.Start))
		line("SUMMARY:" + escapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + escapeText(e.Description))
		}
		if e.URL != "" {
			line("URL:" + e.URL) // URI values are not escaped (RFC 5545 §3.3.13)
		}
		if e.Status != "" {
			line("STATUS:" + e.Status)
		}
		line("TRANSP:TRANSPARENT") // a post does not make anyone busy
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return bw.Flush()
}

// icsTime is a DATE-TIME in UTC ("form #2", RFC 5545 §3.3.5).
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeText escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon
// and comma get a backslash, line breaks become \n. Other control
// characters are not allowed in TEXT and are dropped.
func escapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == ';' || c == ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// foldLine ends a content line with CRLF, folding it so that no line is
// longer than 75 octets (RFC 5545 §3.1): each continuation starts with one
// space, which counts towards its 75. A UTF-8 character is never split.
func foldLine(s string) string {
	const max = 75
	if len(s) <= max {
		return s + "\r\n"
	}
	var b strings.Builder
	limit := max
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = max - 1 // the leading space takes one octet
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
