package channel

import (
	"errors"
	"net/http"
	"time"
)

// OAuthToken is a token endpoint's answer to a refresh-token grant
// (RFC 6749 §5.1).
type OAuthToken struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
}

// Renewed turns the outcome of a refresh-token grant into the credentials
// to merge and the access token's expiry. A refused grant (400 or 401:
// revoked or already used) is permanent: the account must be reconnected.
// The new refresh token is included only when the network rotated it, so
// a merge never drops the stored one.
func Renewed(network string, tok OAuthToken, err error) (Credentials, time.Time, error) {
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) && (ce.Status == http.StatusBadRequest || ce.Status == http.StatusUnauthorized) {
			ce.Kind = Permanent
			ce.Message = network + " refused to renew the access token; reconnect the account: " + ce.Message
		}
		return nil, time.Time{}, err
	}
	if tok.AccessToken == "" {
		return nil, time.Time{}, &Error{Kind: Transient, Message: network + " returned no access token"}
	}
	fresh := Credentials{"access_token": tok.AccessToken}
	if tok.RefreshToken != "" {
		fresh["refresh_token"] = tok.RefreshToken
	}
	var exp time.Time
	if tok.ExpiresIn > 0 {
		exp = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return fresh, exp, nil
}
