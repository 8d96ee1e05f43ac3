package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// Campaign templates: a scenario (brief, objectives, audiences, key
// messages and a timeline skeleton) that new campaigns start from. Dates
// in a template are day offsets from the campaign's start.

// Template is an organisation's campaign template.
type Template struct {
	ID          int64        `json:"id"`
	OrgID       int64        `json:"org_id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Body        TemplateBody `json:"body"`
	CreatedBy   int64        `json:"created_by,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
}

// TemplateBody is the scenario. It is stored as JSON and read strictly.
type TemplateBody struct {
	Brief        string              `json:"brief"`
	DurationDays int                 `json:"duration_days"` // the period's length; 1 = a one-day campaign
	Tags         []string            `json:"tags"`
	Objectives   []TemplateObjective `json:"objectives"`
	Audiences    []TemplateAudience  `json:"audiences"`
	KeyMessages  []TemplateMessage   `json:"key_messages"`
	Timeline     []SkeletonItem      `json:"timeline"`
}

// TemplateObjective is an objective whose due date is a day offset.
type TemplateObjective struct {
	Title       string  `json:"title"`
	Metric      string  `json:"metric"`
	TargetValue float64 `json:"target_value"`
	DueDay      *int    `json:"due_day,omitempty"`
}

// HasDue reports whether the objective has a due day; Due is that day.
func (o TemplateObjective) HasDue() bool { return o.DueDay != nil }

// Due is the due day offset (0 when there is none).
func (o TemplateObjective) Due() int {
	if o.DueDay == nil {
		return 0
	}
	return *o.DueDay
}

// TemplateAudience is an audience of the scenario.
type TemplateAudience struct {
	Country     string `json:"country"`
	Language    string `json:"language"`
	Description string `json:"description"`
}

// TemplateMessage is a key message with its translations.
type TemplateMessage struct {
	Title        string            `json:"title"`
	LineToTake   bool              `json:"line_to_take"`
	Translations map[string]string `json:"translations"`
}

// SkeletonItem is a planned post: a day offset from the start, a time of
// day in the organisation's zone ("" for unscheduled), the network and
// language it is for, and a draft text.
type SkeletonItem struct {
	Day      int            `json:"day"`
	Time     string         `json:"time,omitempty"` // HH:MM
	Network  limits.Network `json:"network"`
	Language string         `json:"language"`
	Title    string         `json:"title,omitempty"`
	Text     string         `json:"text"`
}

const maxTemplateDays = 5 * 366

// ParseTemplateBody reads a body strictly: one JSON object, no unknown
// fields, every part valid.
func ParseTemplateBody(raw []byte) (TemplateBody, error) {
	var b TemplateBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, &FieldError{Field: "body", Reason: "is not a valid template: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.Decode(new(json.RawMessage)) != io.EOF {
		return b, &FieldError{Field: "body", Reason: "has extra data after the JSON object"}
	}
	return b, b.Validate()
}

// Validate checks and normalises a body; fields are named "body/…".
func (b *TemplateBody) Validate() error {
	err := b.validate()
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: "body/" + fe.Field, Reason: fe.Reason}
	}
	return err
}

func (b *TemplateBody) validate() error {
	var err error
	if b.Brief, err = cleanText("brief", b.Brief, 50000, false); err != nil {
		return err
	}
	if b.DurationDays == 0 {
		b.DurationDays = 1
	}
	if b.DurationDays < 1 || b.DurationDays > maxTemplateDays {
		return &FieldError{Field: "duration_days", Reason: "must be between 1 and 1830"}
	}
	if b.Tags == nil {
		b.Tags = []string{}
	}
	// The campaign's own checks, on a stand-in campaign.
	c := Campaign{Title: "template", Period: Period{"2026-01-01", "2026-01-01"}, Tags: b.Tags}
	if err := c.Validate(); err != nil {
		return err
	}
	b.Tags = c.Tags
	plan := b.plan(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := plan.validate(); err != nil {
		return err
	}
	for i := range b.Objectives {
		o := &b.Objectives[i]
		o.Title, o.Metric, o.TargetValue = plan.Objectives[i].Title, plan.Objectives[i].Metric, plan.Objectives[i].TargetValue
		if o.DueDay != nil && (*o.DueDay < 0 || *o.DueDay > maxTemplateDays) {
			return &FieldError{Field: fmt.Sprintf("objectives/%d/due_day", i), Reason: "must be a day offset between 0 and 1830"}
		}
	}
	for i := range b.Audiences {
		a := plan.Audiences[i]
		b.Audiences[i] = TemplateAudience{Country: a.Country, Language: a.Language, Description: a.Description}
	}
	for i := range b.KeyMessages {
		b.KeyMessages[i].Title, b.KeyMessages[i].Translations = plan.KeyMessages[i].Title, plan.KeyMessages[i].Translations
	}
	if len(b.Timeline) > 500 {
		return &FieldError{Field: "timeline", Reason: "a template holds at most 500 planned posts"}
	}
	for i := range b.Timeline {
		if err := b.Timeline[i].validate(i); err != nil {
			return err
		}
	}
	b.normalise()
	return nil
}

func (s *SkeletonItem) validate(i int) error {
	p := fmt.Sprintf("timeline/%d/", i)
	var err error
	if s.Day < 0 || s.Day > maxTemplateDays {
		return &FieldError{Field: p + "day", Reason: "must be a day offset between 0 and 1830"}
	}
	if s.Time != "" {
		if _, err := time.Parse("15:04", s.Time); err != nil || len(s.Time) != 5 {
			return &FieldError{Field: p + "time", Reason: "must be a time of day as HH:MM"}
		}
	}
	if !limits.Valid(string(s.Network)) {
		return &FieldError{Field: p + "network", Reason: "is not a network Attaché knows"}
	}
	if err := channel.CheckLanguage(p+"language", s.Language); err != nil {
		return err
	}
	if s.Title, err = cleanText(p+"title", s.Title, 200, false); err != nil {
		return err
	}
	if s.Text, err = cleanText(p+"text", s.Text, 100000, true); err != nil {
		return err
	}
	if m := limits.Count(s.Network, s.Text, limits.Options{}); !m.OK() {
		return &FieldError{Field: p + "text", Reason: strings.Join(m.Problems(), "; ")}
	}
	return nil
}

// plan is the campaign plan of a body for a campaign starting at start.
func (b *TemplateBody) plan(start time.Time) *Plan {
	p := &Plan{Objectives: []Objective{}, Audiences: []Audience{}, KeyMessages: []KeyMessage{}}
	for _, o := range b.Objectives {
		ob := Objective{Title: o.Title, Metric: o.Metric, TargetValue: o.TargetValue}
		if o.DueDay != nil {
			ob.DueDate = start.AddDate(0, 0, *o.DueDay).Format("2006-01-02")
		}
		p.Objectives = append(p.Objectives, ob)
	}
	for _, a := range b.Audiences {
		p.Audiences = append(p.Audiences, Audience{Country: a.Country, Language: a.Language, Description: a.Description})
	}
	for _, m := range b.KeyMessages {
		tr := make(map[string]string, len(m.Translations))
		for k, v := range m.Translations {
			tr[k] = v
		}
		p.KeyMessages = append(p.KeyMessages, KeyMessage{Title: m.Title, LineToTake: m.LineToTake, Translations: tr})
	}
	return p
}

func (t *Template) validate() error {
	var err error
	if t.Name, err = cleanText("name", t.Name, 200, true); err != nil {
		return err
	}
	if t.Description, err = cleanText("description", t.Description, 2000, false); err != nil {
		return err
	}
	return t.Body.Validate()
}

// CreateTemplate stores a template of o (resolved by the caller with
// EditCampaigns).
func (s *Service) CreateTemplate(ctx context.Context, p *authz.Principal, a audit.Actor, o org.Org, t *Template) error {
	t.OrgID, t.CreatedBy = o.ID, p.UserID
	if err := t.validate(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertTemplate(ctx, tx, t); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "template.create", "template:"+strconv.FormatInt(t.ID, 10), map[string]string{"name": t.Name}))
	})
}

// TemplateFromCampaign turns a campaign p can read into a template body:
// dates become offsets from the start, scheduled variants become the
// timeline skeleton (times in the campaign owner's zone).
func (s *Service) TemplateFromCampaign(ctx context.Context, p *authz.Principal, campaignID int64) (TemplateBody, string, error) {
	d, err := s.Export(ctx, p, campaignID)
	if err != nil {
		return TemplateBody{}, "", err
	}
	c := d.Campaign
	start, _ := time.Parse("2006-01-02", c.Period.Start)
	end, _ := time.Parse("2006-01-02", c.Period.End)
	b := TemplateBody{Brief: c.Brief, DurationDays: int(end.Sub(start).Hours()/24) + 1, Tags: c.Tags,
		Objectives: []TemplateObjective{}, Audiences: []TemplateAudience{}, KeyMessages: []TemplateMessage{}, Timeline: []SkeletonItem{}}
	for _, o := range d.Plan.Objectives {
		to := TemplateObjective{Title: o.Title, Metric: o.Metric, TargetValue: o.TargetValue}
		if due, err := time.Parse("2006-01-02", o.DueDate); err == nil && !due.Before(start) {
			n := int(due.Sub(start).Hours() / 24)
			to.DueDay = &n
		}
		b.Objectives = append(b.Objectives, to)
	}
	for _, a := range d.Plan.Audiences {
		b.Audiences = append(b.Audiences, TemplateAudience{Country: a.Country, Language: a.Language, Description: a.Description})
	}
	for _, m := range d.Plan.KeyMessages {
		b.KeyMessages = append(b.KeyMessages, TemplateMessage{Title: m.Title, LineToTake: m.LineToTake, Translations: m.Translations})
	}
	loc := time.UTC
	if l, err := time.LoadLocation(d.Owner.TimeZone); err == nil {
		loc = l
	}
	startLocal := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	for _, it := range d.Items {
		for _, v := range it.Variants {
			sk := SkeletonItem{Network: v.Network, Language: v.Language, Title: it.Title, Text: v.Text}
			if v.ScheduledAt != nil {
				t := v.ScheduledAt.In(loc)
				day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
				sk.Day = int(day.Sub(startLocal).Hours()/24 + 0.5)
				sk.Time = t.Format("15:04")
				if sk.Day < 0 {
					sk.Day, sk.Time = 0, ""
				}
			}
			if len(b.Timeline) < 500 {
				b.Timeline = append(b.Timeline, sk)
			}
		}
	}
	return b, c.Title, nil
}

// Templates lists o's templates.
func (s *Service) Templates(ctx context.Context, o org.Org) ([]Template, error) {
	return listTemplates(ctx, s.DB.R(), o.ID)
}

// Template returns one of o's templates.
func (s *Service) Template(ctx context.Context, o org.Org, id int64) (Template, error) {
	return getTemplate(ctx, s.DB.R(), o.ID, id)
}

// DeleteTemplate removes one of o's templates.
func (s *Service) DeleteTemplate(ctx context.Context, a audit.Actor, o org.Org, id int64) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		t, err := getTemplate(ctx, tx, o.ID, id)
		if err != nil {
			return err
		}
		if err := deleteTemplate(ctx, tx, o.ID, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "template.delete", "template:"+strconv.FormatInt(id, 10), map[string]string{"name": t.Name}))
	})
}

// Instantiated is what a new campaign from a template got.
type Instantiated struct {
	Campaign Campaign `json:"campaign"`
	Items    int      `json:"items"`
	Variants int      `json:"variants"`
	// Unmatched are the skeleton posts for which o has no active account
	// of the network and language: their items were created without a
	// variant.
	Unmatched []UnmatchedPost `json:"unmatched"`
}

// UnmatchedPost is a skeleton post that found no channel account.
type UnmatchedPost struct {
	Index    int            `json:"index"`
	ItemID   int64          `json:"item_id"`
	Day      int            `json:"day"`
	Network  limits.Network `json:"network"`
	Language string         `json:"language"`
	Title    string         `json:"title,omitempty"`
}

// Instantiate creates a campaign of o from a template: the period starts
// at start (YYYY-MM-DD); objectives' due dates and posts' times shift by
// their offsets; each post becomes a draft item with a variant for o's
// first active account of its network and language.
func (s *Service) Instantiate(ctx context.Context, p *authz.Principal, o org.Org, templateID int64, title, start string) (Instantiated, error) {
	var out Instantiated
	t, err := getTemplate(ctx, s.DB.R(), o.ID, templateID)
	if err != nil {
		return out, err
	}
	st, err := ParseDate("start", start)
	if err != nil {
		return out, err
	}
	b := t.Body
	c := Campaign{OrgID: o.ID, CreatedBy: p.UserID, Title: title, Brief: b.Brief, Tags: append([]string{}, b.Tags...),
		Period: Period{Start: start, End: st.AddDate(0, 0, b.DurationDays-1).Format("2006-01-02")}}
	if err := c.Validate(); err != nil {
		return out, err
	}
	c.DefaultUTM()
	plan := b.plan(st)
	if err := plan.validate(); err != nil {
		return out, err
	}
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	accs, err := channel.List(ctx, s.DB.R(), o.ID, false)
	if err != nil {
		return out, err
	}
	type post struct {
		item    Item
		variant *VariantInput
	}
	posts := make([]post, len(b.Timeline))
	out.Unmatched = []UnmatchedPost{}
	for i, sk := range b.Timeline {
		posts[i].item = Item{OrgID: o.ID, Title: sk.Title, Text: sk.Text, CreatedBy: p.UserID}
		acc, ok := matchAccount(accs, sk.Network, sk.Language)
		if !ok {
			out.Unmatched = append(out.Unmatched, UnmatchedPost{Index: i, Day: sk.Day, Network: sk.Network, Language: sk.Language, Title: sk.Title})
			continue
		}
		in := VariantInput{ChannelAccountID: acc.ID, Language: sk.Language, Text: sk.Text}
		if sk.Time != "" {
			hm, _ := time.Parse("15:04", sk.Time)
			d := st.AddDate(0, 0, sk.Day)
			at := time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc).UTC()
			in.ScheduledAt = &at
		}
		if _, err := s.checkVariant(ctx, s.DB.R(), o.ID, &in, -1, sk.Text); err != nil {
			var le *LengthError
			if errors.As(err, &le) {
				return out, &FieldError{Field: fmt.Sprintf("timeline/%d/text", i), Reason: strings.Join(le.Measure.Problems(), "; ")}
			}
			return out, err
		}
		posts[i].variant = &in
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertCampaign(ctx, tx, &c); err != nil {
			return err
		}
		c.Partners = []int64{}
		if err := savePlan(ctx, tx, c.ID, plan); err != nil {
			return err
		}
		unmatched := 0
		for i := range posts {
			it := &posts[i].item
			it.CampaignID = c.ID
			if err := insertItem(ctx, tx, it); err != nil {
				return err
			}
			out.Items++
			in := posts[i].variant
			if in == nil {
				out.Unmatched[unmatched].ItemID = it.ID
				unmatched++
				continue
			}
			v := Variant{ItemID: it.ID, CampaignID: c.ID, OrgID: o.ID, ChannelAccountID: in.ChannelAccountID, Language: in.Language, Text: in.Text,
				ScheduledAt: in.ScheduledAt, AuthorID: p.UserID}
			if err := insertVariant(ctx, tx, &v); err != nil {
				return err
			}
			out.Variants++
		}
		return nil
	})
	out.Campaign = c
	return out, err
}

// matchAccount finds the first active account of a network and language
// (the language compared without case; "en" matches "en-GB" when no exact
// match exists).
func matchAccount(accs []channel.Account, n limits.Network, lang string) (channel.Account, bool) {
	var loose *channel.Account
	for i, a := range accs {
		if a.Network != n {
			continue
		}
		if strings.EqualFold(a.Language, lang) {
			return a, true
		}
		base, _, _ := strings.Cut(a.Language, "-")
		want, _, _ := strings.Cut(lang, "-")
		if loose == nil && strings.EqualFold(base, want) {
			loose = &accs[i]
		}
	}
	if loose != nil {
		return *loose, true
	}
	return channel.Account{}, false
}
