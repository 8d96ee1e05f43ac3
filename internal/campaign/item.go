package campaign

import (
	"fmt"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/channel/limits"
)

// State is where a variant stands in the workflow. The same words and
// colours are used everywhere in the UI.
type State string

const (
	StateDraft            State = "draft"
	StateInReview         State = "in_review"
	StateChangesRequested State = "changes_requested"
	StateApproved         State = "approved"   // approved, no time set
	StateScheduled        State = "scheduled"  // approved with a time: ready for publishing
	StatePublishing       State = "publishing" // the publishing engine is sending it
	StatePublished        State = "published"  // live on the network (external_id, url)
	StateFailed           State = "failed"     // refused by the network for good (error)
)

// States lists every state in workflow order.
var States = []State{StateDraft, StateInReview, StateChangesRequested, StateApproved, StateScheduled, StatePublishing, StatePublished, StateFailed}

// Locked reports whether the state forbids silent edits: changing an
// approved variant sends it back for approval.
func (s State) Locked() bool {
	switch s {
	case StateApproved, StateScheduled, StatePublishing, StatePublished, StateFailed:
		return true
	}
	return false
}

// Item is one thing to say, with a variant per channel account and
// language.
type Item struct {
	ID         int64     `json:"id"`
	CampaignID int64     `json:"campaign_id"`
	OrgID      int64     `json:"org_id"`
	Title      string    `json:"title"`
	Text       string    `json:"text"` // the master text
	LinkURL    string    `json:"link_url,omitempty"`
	CreatedBy  int64     `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Variants   []Variant `json:"variants"`
}

// Variant is an item's text for one channel account in one language.
type Variant struct {
	ID               int64          `json:"id"`
	ItemID           int64          `json:"item_id"`
	CampaignID       int64          `json:"campaign_id"`
	OrgID            int64          `json:"org_id"`
	ChannelAccountID int64          `json:"channel_account_id"`
	Network          limits.Network `json:"network"`
	Language         string         `json:"language"`
	Text             string         `json:"text"`
	ScheduledAt      *time.Time     `json:"scheduled_at"`
	State            State          `json:"state"`
	Version          int            `json:"version"`
	AuthorID         int64          `json:"author_id,omitempty"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	// Measure is the text's length as the network counts it.
	Measure limits.Measure `json:"measure"`
	// Where the publishing engine put it, or why the network refused it.
	ExternalID  string     `json:"external_id,omitempty"`
	URL         string     `json:"url,omitempty"`
	Error       string     `json:"error,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

// LengthError refuses a variant over its network's limit. Index is the
// variant's position in the request (-1 when there is one).
type LengthError struct {
	Index   int
	Measure limits.Measure
}

func (e *LengthError) Error() string {
	return e.Field() + ": " + strings.Join(e.Measure.Problems(), "; ")
}

// Field is the JSON Pointer path of the offending text.
func (e *LengthError) Field() string {
	if e.Index < 0 {
		return "text"
	}
	return fmt.Sprintf("variants/%d/text", e.Index)
}

func checkItemText(it *Item) error {
	var err error
	if it.Title, err = cleanText("title", it.Title, 200, false); err != nil {
		return err
	}
	if it.Text, err = cleanText("text", it.Text, 100000, true); err != nil {
		return err
	}
	if it.LinkURL, err = cleanText("link_url", it.LinkURL, 2000, false); err != nil {
		return err
	}
	if it.LinkURL != "" && !strings.HasPrefix(it.LinkURL, "https://") && !strings.HasPrefix(it.LinkURL, "http://") {
		return &FieldError{Field: "link_url", Reason: "must be an http(s) URL"}
	}
	return nil
}
