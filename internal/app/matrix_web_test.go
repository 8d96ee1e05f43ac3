package app_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
)

// webRouteCases are the matrix entries of the HTML user interface (see
// matrix_test.go for routeCase and what is checked).
//
// Web requests are sent with the cookies of a sign-in through POST /login;
// anonymous requests to Signed and OrgRole web routes must redirect to
// /login, forbidden ones must answer 403, outsiders 403 or 404.
//
// Bodies are chosen so that the matrix never changes what later requests
// depend on: no failed sign-in (it would count towards the per-address rate
// limit of every fixture user), no password change, and sign-out is sent
// without the session cookie (web: false) so that the cached sessions of the
// fixture users survive.
var webRouteCases = map[string]routeCase{
	"GET /static/{file}": {web: true, params: fixed("file", "no-such-file.css")},
	"GET /favicon.ico":   {web: true},
	"GET /":              {web: true},
	// English, the fixture users' language: switching saves it for them.
	"POST /lang": {web: true, body: "lang=en&next=/"},

	"GET /login":                                  {web: true},
	"POST /login":                                 {web: true, body: "email=&password="},
	"GET /login/oidc":                             {web: true},
	"GET /login/oidc/callback":                    {web: true},
	"GET /login/2fa":                              {web: true},
	"POST /login/2fa":                             {web: true, body: "code=123456"},
	"POST /logout":                                {web: false},
	"GET /password/forgot":                        {web: true},
	"POST /password/forgot":                       {web: true, body: "email="},
	"GET /password/reset/{token}":                 {web: true, params: fixed("token", "no-such-reset-link")},
	"POST /password/reset/{token}":                {web: true, params: fixed("token", "no-such-reset-link"), body: "password=&password_confirm="},
	"GET /invite/{token}":                         {web: true, params: newInvitation},
	"POST /invite/{token}":                        {web: true, params: fixed("token", "no-such-invitation"), body: "name=Someone&password=a-long-enough-password&password_confirm=a-long-enough-password"},
	"GET /{$}":                                    {web: true},
	"GET /switch":                                 {web: true},
	"GET /o/{org}/{$}":                            {web: true},
	"GET /o/{org}/campaigns":                      {web: true},
	"GET /o/{org}/calendar":                       {web: true},
	"GET /o/{org}/inbox":                          {web: true},
	"GET /o/{org}/listening":                      {web: true},
	"GET /o/{org}/analytics":                      {web: true},
	"GET /o/{org}/academy":                        {web: true},
	"GET /o/{org}/alumni":                         {web: true},
	"GET /o/{org}/library":                        {web: true},
	"GET /o/{org}/admin/{$}":                      {web: true},
	"GET /o/{org}/admin/members":                  {web: true},
	"POST /o/{org}/admin/members/{user}/role":     {web: true, params: newMemberOfA, body: "role=reviewer"},
	"GET /o/{org}/admin/members/{user}/remove":    {web: true, params: newMemberOfA},
	"POST /o/{org}/admin/members/{user}/remove":   {web: true, params: newMemberOfA},
	"GET /o/{org}/admin/invitations":              {web: true},
	"POST /o/{org}/admin/invitations":             {web: true, body: "email=invitee{n}@example.org&role=editor"},
	"POST /o/{org}/admin/invitations/{id}/revoke": {web: true, params: newInvitationID},
	"GET /o/{org}/admin/settings":                 {web: true},
	"POST /o/{org}/admin/settings":                {web: true, params: nameOfA, body: "name={aname}&country=AL&time_zone=Europe/Tirane"},
	"GET /o/{org}/admin/audit":                    {web: true},
	"GET /o/{org}/admin/orgs":                     {web: true},
	"POST /o/{org}/admin/orgs":                    {web: true, params: idOfA, body: "name=Mission {n}&slug=mission-{n}&kind=mission&parent_id={aid}&time_zone=Europe/Vienna"},

	"GET /account":                     {web: true},
	"POST /account/profile":            {web: true, params: ownProfile, body: "name={uname}&time_zone={utz}&locale={ulocale}"},
	"POST /account/password":           {web: true, body: "current_password=wrong&password=short&password_confirm=short"},
	"GET /account/tokens":              {web: true},
	"POST /account/tokens":             {web: true, body: "name=matrix {n}&expires=30"},
	"GET /account/tokens/{id}/revoke":  {web: true, params: newTokenOfCaller},
	"POST /account/tokens/{id}/revoke": {web: true, params: newTokenOfCaller},
	"GET /account/2fa":                 {web: true},
	"POST /account/2fa/enable":         {web: true, body: "secret=&code="},
	"POST /account/2fa/disable":        {web: true, body: "password="},
	"POST /account/2fa/recovery":       {web: true},
}

func fixed(name, value string) func(*testing.T, *Fixture, *TestUser) map[string]string {
	return func(*testing.T, *Fixture, *TestUser) map[string]string { return map[string]string{name: value} }
}

// newMemberOfA adds a fresh participant to A for the request to act on.
func newMemberOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	n := f.Seq()
	u := f.NewUser(t, fmt.Sprintf("member%d@example.org", n), fmt.Sprintf("Member %d", n))
	f.AddMember(t, f.A, u, authz.Participant)
	return map[string]string{"user": itoa(u.ID)}
}

// newInvitation creates a pending invitation to A and gives its link's secret.
func newInvitation(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	_, link, err := f.Auth.Invite(context.Background(), audit.CLI, f.A, fmt.Sprintf("guest%d@example.org", f.Seq()), authz.Editor)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	return map[string]string{"token": link[len(link)-len(lastSegment(link)):]}
}

func lastSegment(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}

func newInvitationID(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	inv, _, err := f.Auth.Invite(context.Background(), audit.CLI, f.A, fmt.Sprintf("guest%d@example.org", f.Seq()), authz.Editor)
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	return map[string]string{"id": itoa(inv.ID)}
}

func nameOfA(_ *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"aname": f.A.Name}
}

func idOfA(_ *testing.T, f *Fixture, _ *TestUser) map[string]string {
	return map[string]string{"aid": itoa(f.A.ID)}
}

// ownProfile gives the caller's own profile, so that saving it changes
// nothing later requests depend on.
func ownProfile(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	if u == nil {
		u = f.Organiser
	}
	got, err := auth.GetUser(context.Background(), f.DB.R(), u.ID)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	return map[string]string{"uname": url.QueryEscape(got.Name), "utz": url.QueryEscape(got.TimeZone), "ulocale": got.Locale}
}

// newTokenOfCaller creates an API token of the requesting user (of the
// organiser for anonymous requests, which are redirected before use).
func newTokenOfCaller(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	owner := f.Organiser
	if u != nil {
		owner = u
	}
	_, tok, err := f.Auth.CreateToken(context.Background(), audit.CLI, owner.ID, fmt.Sprintf("matrix %d", f.Seq()), 0)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return map[string]string{"id": itoa(tok.ID)}
}
