package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
)

// Error is a failed step of a flow, with the network's reason. It never
// holds a secret: requests are not echoed (a Meta token request carries
// the app secret in its query).
type Error struct {
	Network string // "X", "LinkedIn" …
	Step    string // what was being done: "exchange the code", "read the account" …
	Reason  string
}

func (e *Error) Error() string { return e.Network + ": could not " + e.Step + ": " + e.Reason }

// Page is a Facebook Page the signed-in person manages, with its page
// token and, for Instagram, the professional account linked to it.
type Page struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	AccessToken string `json:"access_token"`
	IGUserID    string `json:"ig_user_id,omitempty"`
}

// Result is what a completed sign-in gives.
type Result struct {
	// Credentials to store (merged over the stored ones). For Facebook
	// and Instagram they come from the chosen page (PageCredentials).
	Credentials channel.Credentials
	// Expires is the access token's expiry (zero: it does not expire or
	// the network did not say).
	Expires time.Time
	// Handle is the account as the network shows it ("@mfa"), when the
	// network tells it.
	Handle string
	// Pages are the Facebook Pages to choose from (for Instagram, those
	// with a linked Instagram professional account).
	Pages []Page
}

// PageCredentials are the credentials of network n for the chosen page.
func PageCredentials(n limits.Network, p Page) channel.Credentials {
	if n == limits.Instagram {
		return channel.Credentials{"ig_user_id": p.IGUserID, "access_token": p.AccessToken}
	}
	return channel.Credentials{"page_id": p.ID, "page_access_token": p.AccessToken}
}

// token is a token endpoint's answer (RFC 6749 §5.1; Threads adds user_id).
type token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	UserID       flexID `json:"user_id"`
}

// flexID reads an id sent as a JSON number or string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		s = ""
	}
	*f = flexID(s)
	return nil
}

func (t token) expires(now time.Time) time.Time {
	if t.ExpiresIn <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(t.ExpiresIn) * time.Second).UTC()
}

// Complete exchanges the authorization code (with the PKCE verifier, when
// the flow uses one) and looks up who signed in.
func (f *Flow) Complete(ctx context.Context, code, verifier string) (Result, error) {
	if code == "" {
		return Result{}, f.fail("exchange the code", "the answer carried no code")
	}
	switch f.Network {
	case limits.X:
		return f.completeX(ctx, code, verifier)
	case limits.LinkedIn:
		return f.completeLinkedIn(ctx, code)
	case limits.Facebook, limits.Instagram:
		return f.completeMeta(ctx, code)
	case limits.Threads:
		return f.completeThreads(ctx, code)
	}
	return Result{}, f.fail("connect", "this network has no OAuth flow")
}

func (f *Flow) completeX(ctx context.Context, code, verifier string) (Result, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.RedirectURI},
		"client_id": {f.ClientID}, "code_verifier": {verifier}}
	var tok token
	if err := f.call(ctx, "exchange the code", "POST", f.token.at(f.BaseURL), form, "", f.ClientSecret != "", &tok); err != nil {
		return Result{}, err
	}
	if tok.AccessToken == "" {
		return Result{}, f.fail("exchange the code", "the answer held no access token")
	}
	var me struct {
		Data struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := f.call(ctx, "read the signed-in account", "GET", f.api.at(f.BaseURL)+"/2/users/me", nil, tok.AccessToken, false, &me); err != nil {
		return Result{}, err
	}
	if me.Data.ID == "" {
		return Result{}, f.fail("read the signed-in account", "the answer held no user id")
	}
	c := channel.Credentials{"access_token": tok.AccessToken, "client_id": f.ClientID, "user_id": me.Data.ID}
	if tok.RefreshToken != "" {
		c["refresh_token"] = tok.RefreshToken
	}
	if f.ClientSecret != "" {
		c["client_secret"] = f.ClientSecret
	}
	res := Result{Credentials: c, Expires: tok.expires(time.Now())}
	if me.Data.Username != "" {
		res.Handle = "@" + me.Data.Username
	}
	return res, nil
}

func (f *Flow) completeLinkedIn(ctx context.Context, code string) (Result, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.RedirectURI},
		"client_id": {f.ClientID}, "client_secret": {f.ClientSecret}}
	var tok token
	if err := f.call(ctx, "exchange the code", "POST", f.token.at(f.BaseURL), form, "", false, &tok); err != nil {
		return Result{}, err
	}
	if tok.AccessToken == "" {
		return Result{}, f.fail("exchange the code", "the answer held no access token")
	}
	var me struct {
		Sub  string `json:"sub"`
		Name string `json:"name"`
	}
	if err := f.call(ctx, "read the signed-in member", "GET", f.api.at(f.BaseURL)+"/v2/userinfo", nil, tok.AccessToken, false, &me); err != nil {
		return Result{}, err
	}
	if me.Sub == "" {
		return Result{}, f.fail("read the signed-in member", "the answer held no member id (sub)")
	}
	c := channel.Credentials{"access_token": tok.AccessToken, "author_urn": "urn:li:person:" + me.Sub,
		"client_id": f.ClientID, "client_secret": f.ClientSecret}
	if tok.RefreshToken != "" {
		c["refresh_token"] = tok.RefreshToken
	}
	return Result{Credentials: c, Expires: tok.expires(time.Now())}, nil
}

func (f *Flow) completeMeta(ctx context.Context, code string) (Result, error) {
	tokenURL := f.token.at(f.BaseURL)
	var short token
	q := url.Values{"client_id": {f.ClientID}, "redirect_uri": {f.RedirectURI}, "client_secret": {f.ClientSecret}, "code": {code}}
	if err := f.call(ctx, "exchange the code", "GET", tokenURL, q, "", false, &short); err != nil {
		return Result{}, err
	}
	if short.AccessToken == "" {
		return Result{}, f.fail("exchange the code", "the answer held no access token")
	}
	// Page tokens got with a long-lived user token do not expire.
	var long token
	q = url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {f.ClientID}, "client_secret": {f.ClientSecret}, "fb_exchange_token": {short.AccessToken}}
	if err := f.call(ctx, "get a long-lived token", "GET", tokenURL, q, "", false, &long); err != nil {
		return Result{}, err
	}
	if long.AccessToken == "" {
		return Result{}, f.fail("get a long-lived token", "the answer held no access token")
	}
	api := f.api.at(f.BaseURL)
	var accounts struct {
		Data []struct {
			ID          string   `json:"id"`
			Name        string   `json:"name"`
			AccessToken string   `json:"access_token"`
			Tasks       []string `json:"tasks"`
		} `json:"data"`
	}
	q = url.Values{"fields": {"id,name,access_token,tasks"}, "limit": {"100"}}
	if err := f.call(ctx, "list your Facebook Pages", "GET", api+"/me/accounts", q, long.AccessToken, false, &accounts); err != nil {
		return Result{}, err
	}
	var res Result
	for _, a := range accounts.Data {
		if a.ID == "" || a.AccessToken == "" {
			continue
		}
		p := Page{ID: a.ID, Name: a.Name, AccessToken: a.AccessToken}
		if f.Network == limits.Instagram {
			var pg struct {
				IG *struct {
					ID string `json:"id"`
				} `json:"instagram_business_account"`
			}
			q := url.Values{"fields": {"instagram_business_account"}}
			if err := f.call(ctx, "read the Instagram account of "+a.Name, "GET", api+"/"+url.PathEscape(a.ID), q, long.AccessToken, false, &pg); err != nil {
				return Result{}, err
			}
			if pg.IG == nil || pg.IG.ID == "" {
				continue // no Instagram professional account on this page
			}
			p.IGUserID = pg.IG.ID
		}
		res.Pages = append(res.Pages, p)
	}
	return res, nil
}

func (f *Flow) completeThreads(ctx context.Context, code string) (Result, error) {
	form := url.Values{"client_id": {f.ClientID}, "client_secret": {f.ClientSecret}, "code": {code},
		"grant_type": {"authorization_code"}, "redirect_uri": {f.RedirectURI}}
	var short token
	if err := f.call(ctx, "exchange the code", "POST", f.token.at(f.BaseURL), form, "", false, &short); err != nil {
		return Result{}, err
	}
	if short.AccessToken == "" {
		return Result{}, f.fail("exchange the code", "the answer held no access token")
	}
	root := f.api.at(f.BaseURL)
	var long token
	q := url.Values{"grant_type": {"th_exchange_token"}, "client_secret": {f.ClientSecret}, "access_token": {short.AccessToken}}
	if err := f.call(ctx, "get a long-lived token", "GET", root+"/access_token", q, "", false, &long); err != nil {
		return Result{}, err
	}
	if long.AccessToken == "" {
		return Result{}, f.fail("get a long-lived token", "the answer held no access token")
	}
	var me struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	q = url.Values{"fields": {"id,username"}, "access_token": {long.AccessToken}}
	if err := f.call(ctx, "read the signed-in account", "GET", root+"/v1.0/me", q, long.AccessToken, false, &me); err != nil {
		return Result{}, err
	}
	uid := me.ID
	if uid == "" {
		uid = string(short.UserID)
	}
	if uid == "" {
		return Result{}, f.fail("read the signed-in account", "the answer held no user id")
	}
	res := Result{Credentials: channel.Credentials{"user_id": uid, "access_token": long.AccessToken}, Expires: long.expires(time.Now())}
	if me.Username != "" {
		res.Handle = "@" + me.Username
	}
	return res, nil
}

func (f *Flow) fail(step, reason string) *Error {
	return &Error{Network: limits.Label(f.Network), Step: step, Reason: reason}
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// call sends one request: for GET, params go in the query; for POST, in
// a form body. bearer, when set, is sent as the Authorization; basic sends
// the client id and secret with HTTP Basic (RFC 6749 §2.3.1). The answer is
// decoded into out.
func (f *Flow) call(ctx context.Context, step, method, rawURL string, params url.Values, bearer string, basic bool, out any) error {
	var body io.Reader
	if method == "GET" {
		if len(params) > 0 {
			rawURL += "?" + params.Encode()
		}
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return f.fail(step, "the network's address is not valid")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if basic {
		req.SetBasicAuth(url.QueryEscape(f.ClientID), url.QueryEscape(f.ClientSecret))
	}
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error repeats the URL, and a Meta token URL holds the app
		// secret: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return f.fail(step, clean(err.Error()))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return f.fail(step, "the answer could not be read")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return f.fail(step, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, errorReason(data)))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return f.fail(step, "the answer is not the expected JSON")
	}
	return nil
}

// errorReason reads the reason of an error answer in the shapes the
// networks use: OAuth's {"error", "error_description"}, Meta's {"error":
// {"message"}}, LinkedIn's {"message"}, X's problem {"title", "detail"}.
func errorReason(data []byte) string {
	var v struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
		Message     string          `json:"message"`
		Title       string          `json:"title"`
		Detail      string          `json:"detail"`
	}
	if json.Unmarshal(data, &v) != nil {
		return "the answer is not JSON"
	}
	var parts []string
	var code string
	var meta struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	}
	switch {
	case json.Unmarshal(v.Error, &code) == nil && code != "":
		parts = append(parts, code)
	case json.Unmarshal(v.Error, &meta) == nil && meta.Message != "":
		m := meta.Message
		if meta.Code != 0 {
			m += " (code " + strconv.Itoa(meta.Code) + ")"
		}
		parts = append(parts, m)
	}
	for _, s := range []string{v.Description, v.Message, v.Title, v.Detail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "no reason given"
	}
	return clean(strings.Join(parts, ": "))
}

// clean keeps a reason short and printable.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return strings.TrimSpace(s)
}
