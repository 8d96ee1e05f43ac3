// Package org holds organisations (the programme, ministries, missions,
// partners) and memberships with roles.
package org

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/valid"
)

// Kind is what an organisation is.
type Kind string

const (
	Programme Kind = "programme" // the organiser of the regional programme
	Ministry  Kind = "ministry"  // a ministry of foreign affairs
	Mission   Kind = "mission"   // an embassy or consulate; belongs to a ministry
	Partner   Kind = "partner"   // a partner ministry or institution
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Programme, Ministry, Mission, Partner}

// Org is an organisation.
type Org struct {
	ID         int64     `json:"id"`
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	ParentID   int64     `json:"parent_id,omitempty"`
	Country    string    `json:"country,omitempty"`
	TimeZone   string    `json:"time_zone"`
	Require2FA bool      `json:"require_2fa"`
	CreatedAt  time.Time `json:"created_at"`
	// Sandbox marks a training sandbox (the academy's campaign-plan
	// assignments): the studio works in it, but nothing is ever published.
	Sandbox bool `json:"sandbox,omitempty"`
}

// Member is a user's membership seen from the organisation.
type Member struct {
	UserID      int64      `json:"user_id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        authz.Role `json:"role"`
	TOTPEnabled bool       `json:"totp_enabled"`
	Since       time.Time  `json:"since"`
}

// Membership is a user's membership seen from the user.
type Membership struct {
	Org  Org        `json:"org"`
	Role authz.Role `json:"role"`
}

// FieldError says which input field is wrong and why.
type FieldError = valid.FieldError

var countryRE = regexp.MustCompile(`^[A-Za-z]{2}$`)

// reservedSlugs are the first path segments the application itself uses:
// an organisation's public pages live at /{slug}/… (its feeds), so its slug
// must not be one of them.
var reservedSlugs = map[string]bool{
	"api": true, "static": true, "o": true, "invite": true, "calendar": true, "login": true, "logout": true,
	"password": true, "account": true, "newsletter": true, "unsubscribe": true, "switch": true, "lang": true,
	"notifications": true, "healthz": true, "readyz": true, "metrics": true, "admin": true,
	"media": true, // public media URLs, /media/p/…
	"oauth": true, // the networks' OAuth callback, /oauth/callback
	// Certificates: the public verification pages and credentials
	// (".well-known" cannot be a slug anyway).
	"verify": true, "credentials": true,
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// Validate checks an organisation before it is stored.
func (o *Org) Validate() error {
	o.Name = strings.TrimSpace(o.Name)
	o.Slug = strings.TrimSpace(o.Slug)
	switch {
	case o.Name == "":
		return &FieldError{Field: "name", Reason: "is required"}
	case utf8.RuneCountInString(o.Name) > 200:
		return &FieldError{Field: "name", Reason: "must be at most 200 characters"}
	case strings.IndexFunc(o.Name, unicode.IsControl) >= 0:
		return &FieldError{Field: "name", Reason: "must not contain control characters such as line breaks"}
	case !slugRE.MatchString(o.Slug):
		return &FieldError{Field: "slug", Reason: "must be 1–64 lower-case letters, digits and hyphens, not starting or ending with a hyphen"}
	case reservedSlugs[o.Slug]:
		return &FieldError{Field: "slug", Reason: "is reserved for the application's own pages; choose another"}
	}
	switch o.Kind {
	case Programme, Ministry, Partner:
		if o.ParentID != 0 {
			return &FieldError{Field: "parent_id", Reason: fmt.Sprintf("a %s has no parent organisation", o.Kind)}
		}
	case Mission:
		if o.ParentID == 0 {
			return &FieldError{Field: "parent_id", Reason: "a mission belongs to a ministry: give its parent_id"}
		}
	default:
		return &FieldError{Field: "kind", Reason: "must be programme, ministry, mission or partner"}
	}
	if o.TimeZone == "" {
		o.TimeZone = "UTC"
	}
	// "Local" would be the server's zone, not an IANA name.
	if _, err := time.LoadLocation(o.TimeZone); err != nil || len(o.TimeZone) > 64 || o.TimeZone == "Local" {
		return &FieldError{Field: "time_zone", Reason: "must be an IANA time zone such as Europe/Kyiv"}
	}
	if o.Country != "" && !countryRE.MatchString(o.Country) {
		return &FieldError{Field: "country", Reason: "must be an ISO 3166-1 alpha-2 code such as UA"}
	}
	o.Country = strings.ToUpper(o.Country)
	return nil
}

// Slugify makes a slug suggestion from a name.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}
