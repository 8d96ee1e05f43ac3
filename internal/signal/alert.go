// Package signal raises listening's alerts: volume spikes of a topic
// against its rolling baseline (spike.go), and coordinated copy-paste,
// near-identical texts posted by many authors within minutes (coord.go,
// over MinHash LSH in minhash.go). Detector runs both for every
// organisation with recent mentions and notifies the people who manage
// its listening. The methods and their parameters are in
// docs/listening-signals.md.
package signal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/valid"
)

// Kinds of alert.
const (
	KindSpike        = "spike"
	KindCoordination = "coordination"
)

// NotifyKind is the kind of the in-app notification of a new alert (the
// UI names it by the message "notify.kind.listening_alert").
const NotifyKind = "listening_alert"

// Alert is a signal raised for an organisation.
type Alert struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id"`
	Kind  string `json:"kind"` // KindSpike or KindCoordination
	// Key identifies what the alert is about (a topic and hour, a
	// cluster); an organisation has at most one alert per key, so raising
	// again updates instead of repeating it.
	Key     string `json:"key"`
	TopicID int64  `json:"topic_id,omitempty"` // the topic of a spike; 0 for coordination
	Title   string `json:"title"`
	// Detail is the kind's JSON: SpikeDetail or CoordDetail.
	Detail         json.RawMessage `json:"detail"`
	WindowStart    time.Time       `json:"window_start"`
	WindowEnd      time.Time       `json:"window_end"`
	CreatedAt      time.Time       `json:"created_at"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at,omitempty"`
	AcknowledgedBy int64           `json:"acknowledged_by,omitempty"` // user id; 0 when not acknowledged or the user is gone
}

// Limits of an alert's fields.
const (
	MaxKeyBytes    = 200
	MaxTitleRunes  = 300
	MaxDetailBytes = 256 << 10
)

// Validate checks an alert before it is stored, trimming its title (cut
// to MaxTitleRunes) and putting its times in UTC to the microsecond.
func (a *Alert) Validate() error {
	a.Title = clip(strings.TrimSpace(a.Title), MaxTitleRunes)
	a.WindowStart = a.WindowStart.UTC().Truncate(time.Microsecond)
	a.WindowEnd = a.WindowEnd.UTC().Truncate(time.Microsecond)
	if len(a.Detail) == 0 {
		a.Detail = json.RawMessage("{}")
	}
	switch {
	case a.OrgID <= 0:
		return &valid.FieldError{Field: "org_id", Reason: "is required"}
	case a.Kind != KindSpike && a.Kind != KindCoordination:
		return &valid.FieldError{Field: "kind", Reason: "must be spike or coordination"}
	case a.Key == "" || len(a.Key) > MaxKeyBytes || !utf8.ValidString(a.Key) || strings.IndexByte(a.Key, 0) >= 0:
		return &valid.FieldError{Field: "key", Reason: fmt.Sprintf("is required: UTF-8 text of at most %d bytes", MaxKeyBytes)}
	case a.TopicID < 0:
		return &valid.FieldError{Field: "topic_id", Reason: "must be a topic id or 0"}
	case a.Kind == KindSpike && a.TopicID == 0:
		return &valid.FieldError{Field: "topic_id", Reason: "is required for a spike"}
	case a.Title == "" || !utf8.ValidString(a.Title) || strings.IndexByte(a.Title, 0) >= 0:
		return &valid.FieldError{Field: "title", Reason: "is required"}
	case len(a.Detail) > MaxDetailBytes || !json.Valid(a.Detail) || a.Detail[0] != '{':
		return &valid.FieldError{Field: "detail", Reason: fmt.Sprintf("must be a JSON object of at most %d bytes", MaxDetailBytes)}
	case a.WindowStart.IsZero() || a.WindowEnd.Before(a.WindowStart):
		return &valid.FieldError{Field: "window_end", Reason: "the window must start and not end before it starts"}
	}
	return nil
}

// clip shortens s to at most n characters, with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
