// Package campaign is the campaign studio: campaigns with their plan
// (objectives with KPIs, audiences, key messages in many languages), content
// items with one variant per channel account and language, the four-eyes
// approval workflow, coordination (tasks, comments, amplification) and the
// calendar. Access always goes through Service, which checks the acting
// principal against the campaign's owner and partner organisations.
package campaign

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/valid"
)

// Status is a campaign's stage.
type Status string

const (
	Draft     Status = "draft"
	Active    Status = "active"
	Completed Status = "completed"
	Archived  Status = "archived"
)

// Statuses lists every status in order.
var Statuses = []Status{Draft, Active, Completed, Archived}

// Period is a campaign's span, inclusive, as calendar dates.
type Period struct {
	Start string `json:"start"` // YYYY-MM-DD
	End   string `json:"end"`
}

// Campaign is a planned effort of an organisation.
type Campaign struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	Title       string    `json:"title"`
	Brief       string    `json:"brief"` // Markdown
	Status      Status    `json:"status"`
	Period      Period    `json:"period"`
	Tags        []string  `json:"tags"`
	UTMSource   string    `json:"utm_source"`
	UTMMedium   string    `json:"utm_medium"`
	UTMCampaign string    `json:"utm_campaign"`
	CreatedBy   int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Partners are the organisations invited to a joint campaign.
	Partners []int64 `json:"partner_org_ids"`
}

// FieldError says which input field is wrong and why.
type FieldError = valid.FieldError

// cleanText trims s and checks its length and characters.
func cleanText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return s, &FieldError{Field: field, Reason: "is required"}
	case utf8.RuneCountInString(s) > max:
		return s, &FieldError{Field: field, Reason: fmt.Sprintf("must be at most %d characters", max)}
	case !utf8.ValidString(s) || strings.IndexFunc(s, badControl) >= 0:
		return s, &FieldError{Field: field, Reason: "must not contain control characters"}
	}
	return s, nil
}

// badControl allows the whitespace that long texts contain.
func badControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }

// ParseDate checks a YYYY-MM-DD date.
func ParseDate(field, s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return t, &FieldError{Field: field, Reason: "must be a date as YYYY-MM-DD"}
	}
	return t, nil
}

// Validate checks and normalises a campaign before it is stored.
func (c *Campaign) Validate() error {
	var err error
	if c.Title, err = cleanText("title", c.Title, 200, true); err != nil {
		return err
	}
	if c.Brief, err = cleanText("brief", c.Brief, 50000, false); err != nil {
		return err
	}
	if c.Status == "" {
		c.Status = Draft
	}
	ok := false
	for _, s := range Statuses {
		ok = ok || s == c.Status
	}
	if !ok {
		return &FieldError{Field: "status", Reason: "must be draft, active, completed or archived"}
	}
	start, err := ParseDate("period/start", c.Period.Start)
	if err != nil {
		return err
	}
	end, err := ParseDate("period/end", c.Period.End)
	if err != nil {
		return err
	}
	if end.Before(start) {
		return &FieldError{Field: "period/end", Reason: "must not be before the start"}
	}
	if end.Sub(start) > 5*366*24*time.Hour {
		return &FieldError{Field: "period/end", Reason: "a campaign lasts at most five years"}
	}
	if len(c.Tags) > 20 {
		return &FieldError{Field: "tags", Reason: "at most 20 tags"}
	}
	seen := map[string]bool{}
	tags := c.Tags[:0]
	for i, t := range c.Tags {
		t, err := cleanText(fmt.Sprintf("tags/%d", i), t, 40, true)
		if err != nil {
			return err
		}
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			tags = append(tags, t)
		}
	}
	c.Tags = tags
	for _, f := range []struct {
		name string
		v    *string
	}{{"utm_source", &c.UTMSource}, {"utm_medium", &c.UTMMedium}, {"utm_campaign", &c.UTMCampaign}} {
		if *f.v, err = cleanText(f.name, *f.v, 100, false); err != nil {
			return err
		}
	}
	return nil
}

// DefaultUTM fills empty UTM fields: source per network is set when the
// link is tagged; medium "social"; campaign from the title.
func (c *Campaign) DefaultUTM() {
	if c.UTMMedium == "" {
		c.UTMMedium = "social"
	}
	if c.UTMCampaign == "" {
		c.UTMCampaign = slug(c.Title)
	}
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() > 60 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// TagLink adds the campaign's UTM parameters to a link (keeping any it
// already has). source is the network, e.g. "telegram".
func (c *Campaign) TagLink(link, source string) string {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return link
	}
	q := u.Query()
	set := func(k, v string) {
		if v != "" && q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	src := c.UTMSource
	if src == "" {
		src = source
	}
	set("utm_source", src)
	set("utm_medium", c.UTMMedium)
	set("utm_campaign", c.UTMCampaign)
	u.RawQuery = q.Encode()
	return u.String()
}

// Objective is a goal with a KPI.
type Objective struct {
	ID           int64   `json:"id"`
	Title        string  `json:"title"`
	Metric       string  `json:"metric"` // e.g. "reach", "engagement rate", "newsletter sign-ups"
	TargetValue  float64 `json:"target_value"`
	CurrentValue float64 `json:"current_value"`
	DueDate      string  `json:"due_date,omitempty"`
}

// Validate checks an objective.
func (o *Objective) Validate(i int) error {
	var err error
	p := fmt.Sprintf("objectives/%d/", i)
	if o.Title, err = cleanText(p+"title", o.Title, 200, true); err != nil {
		return err
	}
	if o.Metric, err = cleanText(p+"metric", o.Metric, 80, true); err != nil {
		return err
	}
	if o.TargetValue < 0 || o.TargetValue > 1e15 || o.CurrentValue < 0 || o.CurrentValue > 1e15 {
		return &FieldError{Field: p + "target_value", Reason: "must be between 0 and 10^15"}
	}
	if o.DueDate != "" {
		if _, err := ParseDate(p+"due_date", o.DueDate); err != nil {
			return err
		}
	}
	return nil
}

// Progress is current/target, capped at 1.
func (o Objective) Progress() float64 {
	if o.TargetValue <= 0 {
		return 0
	}
	return min(o.CurrentValue/o.TargetValue, 1)
}

// Audience is who a campaign addresses.
type Audience struct {
	ID          int64  `json:"id"`
	Country     string `json:"country"`  // ISO 3166-1 alpha-2, may be empty
	Language    string `json:"language"` // language code, may be empty
	Description string `json:"description"`
}

// Validate checks an audience.
func (a *Audience) Validate(i int) error {
	var err error
	p := fmt.Sprintf("audiences/%d/", i)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country != "" && (len(a.Country) != 2 || strings.IndexFunc(a.Country, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
		return &FieldError{Field: p + "country", Reason: "must be an ISO 3166-1 alpha-2 code such as PL"}
	}
	if a.Language, err = cleanText(p+"language", a.Language, 16, false); err != nil {
		return err
	}
	if a.Description, err = cleanText(p+"description", a.Description, 1000, a.Country == "" && a.Language == ""); err != nil {
		return err
	}
	return nil
}

// KeyMessage is approved wording on a topic, in several languages.
type KeyMessage struct {
	ID           int64             `json:"id"`
	Title        string            `json:"title"`
	LineToTake   bool              `json:"line_to_take"`
	Translations map[string]string `json:"translations"` // language → text
}

// Validate checks a key message.
func (m *KeyMessage) Validate(i int) error {
	var err error
	p := fmt.Sprintf("key_messages/%d/", i)
	if m.Title, err = cleanText(p+"title", m.Title, 200, true); err != nil {
		return err
	}
	if len(m.Translations) > 30 {
		return &FieldError{Field: p + "translations", Reason: "at most 30 languages"}
	}
	for lang, text := range m.Translations {
		if len(lang) < 2 || len(lang) > 16 {
			return &FieldError{Field: p + "translations", Reason: fmt.Sprintf("%q is not a language code", lang)}
		}
		t, err := cleanText(p+"translations/"+lang, text, 5000, true)
		if err != nil {
			return err
		}
		m.Translations[lang] = t
	}
	return nil
}
