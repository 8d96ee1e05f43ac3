package channel

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/secret"
)

// The credentials each network's connector reads, in one place for the
// JSON API (POST/PATCH channel-accounts with "credentials") and the web
// UI's connect forms, so that both accept and refuse the same things.

var credentialKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// CredentialKeys are the keys each network's connector reads; networks
// not listed (email, website) accept any well-formed key (their
// connectors define them).
var CredentialKeys = map[limits.Network][]string{
	limits.X:         {"access_token", "refresh_token", "client_id", "client_secret", "user_id"},
	limits.LinkedIn:  {"access_token", "refresh_token", "client_id", "client_secret", "author_urn", "api_version"},
	limits.Mastodon:  {"access_token"},
	limits.Telegram:  {"bot_token"},
	limits.Viber:     {"auth_token", "from"},
	limits.Bluesky:   {"identifier", "app_password", "access_jwt", "refresh_jwt", "did", "handle"},
	limits.Facebook:  {"page_id", "page_access_token"},
	limits.Instagram: {"ig_user_id", "access_token"},
	limits.Threads:   {"user_id", "access_token"},
}

// RequiredCredentials must be present for a network to be connected.
var RequiredCredentials = map[limits.Network][]string{
	limits.X:         {"access_token"},
	limits.LinkedIn:  {"access_token", "author_urn"},
	limits.Mastodon:  {"access_token"},
	limits.Telegram:  {"bot_token"},
	limits.Viber:     {"auth_token", "from"},
	limits.Bluesky:   {"identifier", "app_password"},
	limits.Facebook:  {"page_id", "page_access_token"},
	limits.Instagram: {"ig_user_id", "access_token"},
	limits.Threads:   {"user_id", "access_token"},
}

// CheckCredentials validates credentials sent for an account of network
// n. An empty (non-nil) map disconnects and is always valid.
func CheckCredentials(n limits.Network, c map[string]string) error {
	if len(c) == 0 {
		return nil
	}
	if len(c) > 16 {
		return &FieldError{Field: "credentials", Reason: "has too many entries"}
	}
	known := CredentialKeys[n]
	for k, v := range c {
		if !credentialKey.MatchString(k) || (known != nil && !slices.Contains(known, k)) {
			reason := "has an unknown entry " + quoteKey(k)
			if known != nil {
				reason += "; " + limits.Label(n) + " takes " + strings.Join(known, ", ")
			}
			return &FieldError{Field: "credentials", Reason: reason}
		}
		if strings.TrimSpace(v) == "" || len(v) > 8192 || !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return &FieldError{Field: "credentials/" + k, Reason: "must be a non-empty value of at most 8192 characters without control characters"}
		}
	}
	return nil
}

// CheckRequired says which credential a network needs and c lacks.
func CheckRequired(n limits.Network, c map[string]string) error {
	if len(c) == 0 {
		return nil
	}
	for _, k := range RequiredCredentials[n] {
		if c[k] == "" {
			return &FieldError{Field: "credentials/" + k, Reason: "is required to connect a " + limits.Label(n) + " account"}
		}
	}
	return nil
}

func quoteKey(k string) string {
	if len(k) > 64 {
		k = k[:64] + "…"
	}
	return `"` + strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, k) + `"`
}

// Merge returns fresh over old: every entry of old that fresh lacks is
// kept — a working refresh token above all, and identifiers such as a
// LinkedIn author or a Facebook page — so a reconnect can bring just a new
// token.
func Merge(old, fresh Credentials) Credentials {
	out := make(Credentials, len(old)+len(fresh))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range fresh {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// SaveCredentials seals creds for acc in the transaction q. On a reconnect
// (acc.Connected), the stored entries creds lacks are kept (Merge) and the
// result must hold what the network requires. An empty non-nil map
// disconnects; nil changes nothing. expires is the access token's expiry
// (nil when unknown). acc's health fields are updated.
func SaveCredentials(ctx context.Context, q db.Queryer, box *secret.Box, acc *Account, creds Credentials, expires *time.Time) error {
	if creds == nil {
		return nil
	}
	c := creds
	if len(c) > 0 && acc.Connected {
		if old, err := LoadCredentials(ctx, q, box, acc.ID); err == nil {
			c = Merge(old, c)
		}
		if err := CheckRequired(acc.Network, c); err != nil {
			return err
		}
	}
	if expires != nil {
		e := expires.UTC().Truncate(time.Microsecond)
		expires = &e
	}
	if len(c) == 0 {
		expires = nil
	}
	if err := SetCredentials(ctx, q, box, acc.OrgID, acc.ID, c, expires); err != nil {
		return err
	}
	acc.Connected = len(c) > 0
	acc.TokenExpiresAt = expires
	return nil
}

// CheckBaseURL is the early check of an account's base URL when it is
// saved (netguard.CheckURL); the guarded HTTP client checks again at every
// connection.
func CheckBaseURL(raw string, allowPrivate bool) error {
	if err := netguard.CheckURL(raw, allowPrivate); err != nil {
		var re *netguard.RefusedError
		if errors.As(err, &re) {
			return &FieldError{Field: "base_url", Reason: "points to " + re.Addr.String() + ", a " + re.Reason + ", which is refused by default; the operator can " + netguard.Hint}
		}
		return &FieldError{Field: "base_url", Reason: err.Error()}
	}
	return nil
}

// CredentialField is one entry of a network's connect form in the web UI.
type CredentialField struct {
	Key string
	// Secret fields are typed into password inputs and never shown again.
	Secret bool
	// Required on a first connection; a reconnect keeps what is stored.
	Required bool
}

// credentialForms are the entries a person types in to connect an
// account by hand (the OAuth networks can also connect through their
// sign-in; these are the fallback). Session data a connector keeps for
// itself (Bluesky's JWTs) is left out.
var credentialForms = map[limits.Network][]CredentialField{
	limits.Mastodon: {{"access_token", true, true}},
	limits.Telegram: {{"bot_token", true, true}},
	limits.Viber:    {{"auth_token", true, true}, {"from", false, true}},
	limits.Bluesky:  {{"identifier", false, true}, {"app_password", true, true}},
	limits.X: {{"access_token", true, true}, {"refresh_token", true, false}, {"user_id", false, false},
		{"client_id", false, false}, {"client_secret", true, false}},
	limits.LinkedIn: {{"access_token", true, true}, {"author_urn", false, true}, {"refresh_token", true, false},
		{"client_id", false, false}, {"client_secret", true, false}},
	limits.Facebook:  {{"page_id", false, true}, {"page_access_token", true, true}},
	limits.Instagram: {{"ig_user_id", false, true}, {"access_token", true, true}},
	limits.Threads:   {{"user_id", false, true}, {"access_token", true, true}},
	limits.Email: {{"from", false, true}, {"smtp_host", false, false}, {"smtp_port", false, false},
		{"smtp_user", false, false}, {"smtp_password", true, false}},
	limits.Website: {{"webhook_url", false, true}, {"webhook_secret", true, true}},
}

// CredentialForm returns the connect form's entries for network n (nil
// for a network without one).
func CredentialForm(n limits.Network) []CredentialField {
	return credentialForms[n]
}
