package app_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
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

	"GET /login":                                {web: true},
	"POST /login":                               {web: true, body: "email=&password="},
	"GET /login/oidc":                           {web: true},
	"GET /login/oidc/callback":                  {web: true},
	"GET /login/2fa":                            {web: true},
	"POST /login/2fa":                           {web: true, body: "code=123456"},
	"POST /logout":                              {web: false},
	"GET /password/forgot":                      {web: true},
	"POST /password/forgot":                     {web: true, body: "email="},
	"GET /password/reset/{token}":               {web: true, params: fixed("token", "no-such-reset-link")},
	"POST /password/reset/{token}":              {web: true, params: fixed("token", "no-such-reset-link"), body: "password=&password_confirm="},
	"GET /invite/{token}":                       {web: true, params: newInvitation},
	"POST /invite/{token}":                      {web: true, params: fixed("token", "no-such-invitation"), body: "name=Someone&password=a-long-enough-password&password_confirm=a-long-enough-password"},
	"GET /{$}":                                  {web: true},
	"GET /switch":                               {web: true},
	"GET /o/{org}/{$}":                          {web: true},
	"GET /o/{org}/campaigns":                    {web: true},
	"GET /o/{org}/calendar":                     {web: true},
	"GET /o/{org}/calendar/events":              {web: true},
	"POST /o/{org}/calendar/variants/{id}/move": {web: true, params: newCalendarVariant, body: "start={start}"},
	"GET /account/calendar":                     {web: true},
	"POST /account/calendar":                    {web: true},
	"GET /calendar/{file}":                      {web: true, params: fixed("file", "cal_no-such-feed.ics")},
	// The public feeds and statement pages of an organisation (by slug):
	// anyone, signed in or not, gets A's Atom feed.
	"GET /{org}/{path...}": {web: true, allowed: []int{200}, params: func(_ *testing.T, f *Fixture, _ *TestUser) map[string]string {
		return map[string]string{"org": f.A.Slug, "path...": "feed.atom"}
	}},
	// An attachment at its signed public address: anyone gets it.
	"GET /media/p/{token}/{file}":                 {web: true, allowed: []int{200}, params: publicMediaFile},
	"GET /o/{org}/inbox":                          {web: true},
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

	// Attachments (web_media_test.go; params helpers in api_media_test.go).
	// The matrix posts a urlencoded form: an upload needs multipart, 400.
	"GET /o/{org}/items/{id}/media":   {web: true, params: mediaItemOfA, allowed: []int{200}},
	"POST /o/{org}/items/{id}/media":  {web: true, params: mediaItemOfA, body: "alt_text=x", allowed: []int{400}},
	"POST /o/{org}/media/{id}/alt":    {web: true, params: mediaOfA, body: "alt_text=New+alt+text+{n}", allowed: []int{303}},
	"GET /o/{org}/media/{id}/delete":  {web: true, params: mediaOfA, allowed: []int{200}},
	"POST /o/{org}/media/{id}/delete": {web: true, params: mediaOfA, allowed: []int{303}},
	"GET /o/{org}/media/{id}/content": {web: true, params: mediaOfA, allowed: []int{200}},

	// Campaign studio (web_campaign_test.go has the params helpers).
	"GET /o/{org}/campaigns/new":                             {web: true},
	"POST /o/{org}/campaigns":                                {web: true, body: "title=Matrix {n}&start=2026-12-01&end=2026-12-31&status=draft"},
	"GET /o/{org}/campaigns/{id}":                            {web: true, params: webCampaignOfA},
	"GET /o/{org}/campaigns/{id}/edit":                       {web: true, params: webCampaignOfA},
	"POST /o/{org}/campaigns/{id}/edit":                      {web: true, params: webCampaignOfA, body: "title=Matrix {n}&start=2026-12-01&end=2026-12-31&status=active"},
	"POST /o/{org}/campaigns/{id}/partners":                  {web: true, params: webCampaignOfA, body: "partner=programme"},
	"GET /o/{org}/campaigns/{id}/partners/{partner}/remove":  {web: true, params: webJointCampaignOfA},
	"POST /o/{org}/campaigns/{id}/partners/{partner}/remove": {web: true, params: webJointCampaignOfA},
	"GET /o/{org}/campaigns/{id}/items/new":                  {web: true, params: webCampaignOfA},
	"POST /o/{org}/campaigns/{id}/items":                     {web: true, params: webCampaignOfA, body: "text=Matrix {n}&n0.account={account}&n0.text=Matrix variant {n}"},
	"GET /o/{org}/items/{id}":                                {web: true, params: webItemOfA},
	"POST /o/{org}/items/{id}":                               {web: true, params: webItemOfA, body: "title=Matrix&text=Matrix text {n}"},
	"POST /o/{org}/items/{id}/variants":                      {web: true, params: webItemOfA, body: "add.account={account}&add.language=en&add.text=Added {n}"},
	"POST /o/{org}/variants/{id}":                            {web: true, params: webVariantOfA, body: "v{id}.account={account}&v{id}.text=Edited {n}"},
	"POST /o/{org}/variants/{id}/submit":                     {web: true, params: webVariantOfA},
	"GET /o/{org}/variants/{id}/history":                     {web: true, params: webVariantOfA},
	"POST /o/{org}/composer/count":                           {web: true, params: accountOfA, body: "prefix=n0.&n0.account={account}&n0.text=Hello {n}"},
	"GET /o/{org}/approvals":                                 {web: true},
	"POST /o/{org}/variants/{id}/approve":                    {web: true, params: webSubmittedVariantOfA, want: webApproverStatuses},
	"POST /o/{org}/variants/{id}/request-changes":            {web: true, params: webSubmittedVariantOfA, body: "comment=Shorter, please", want: webApproverStatuses},
	"GET /o/{org}/admin/approvals":                           {web: true},
	"POST /o/{org}/admin/approvals":                          {web: true, body: "steps=1&roles=reviewer&roles=admin"},
	"GET /o/{org}/channels":                                  {web: true},
	"POST /o/{org}/channels":                                 {web: true, body: "network=telegram&name=Matrix {n}&handle=@matrix{n}&language=uk"},
	"GET /o/{org}/channels/{id}/edit":                        {web: true, params: newAccountOfA},
	"POST /o/{org}/channels/{id}/edit":                       {web: true, params: newAccountOfA, body: "name=Matrix {n}&handle=@matrix-edit{n}&language=en"},
	// Newsletter (web_newsletter_test.go has the params helpers).
	"GET /newsletter/{account}/subscribe":                  {web: true, params: emailAccountOfA},
	"POST /newsletter/{account}/subscribe":                 {web: true, params: emailAccountOfA, body: "email=matrix{n}@example.org"},
	"GET /newsletter/{account}/confirm/{token}":            {web: true, params: confirmTokenOfA},
	"POST /newsletter/{account}/confirm/{token}":           {web: true, params: confirmTokenOfA},
	"GET /unsubscribe/{token}":                             {web: true, params: fixed("token", "no-such-unsubscribe")},
	"POST /unsubscribe/{token}":                            {web: true, params: fixed("token", "no-such-unsubscribe"), body: "List-Unsubscribe=One-Click"},
	"GET /o/{org}/channels/{id}/subscribers":               {web: true, params: emailAccountOfA, allowed: []int{200}},
	"POST /o/{org}/channels/{id}/subscribers":              {web: true, params: emailAccountOfA, body: "addresses=matrix{n}@example.org", allowed: []int{303}},
	"GET /o/{org}/channels/{id}/subscribers/{sub}/remove":  {web: true, params: subscriberOfA, allowed: []int{200}},
	"POST /o/{org}/channels/{id}/subscribers/{sub}/remove": {web: true, params: subscriberOfA, allowed: []int{303}},
	"GET /o/{org}/channels/{id}/archive":                   {web: true, params: newAccountOfA},
	"POST /o/{org}/channels/{id}/archive":                  {web: true, params: newAccountOfA},
	// Connecting accounts (web_connect_test.go). The fixture configures no
	// OAuth app: starting a sign-in answers 409 with the token form; the
	// callback without a state and a choice that does not exist are refused.
	"GET /o/{org}/channels/{id}/connect":       {web: true, params: newAccountOfA, allowed: []int{200}},
	"POST /o/{org}/channels/{id}/connect":      {web: true, params: newAccountOfA, body: "access_token=matrix-token-{n}", allowed: []int{303}},
	"POST /o/{org}/channels/{id}/oauth":        {web: true, params: newAccountOfA, allowed: []int{409}},
	"GET /oauth/callback":                      {web: true, signedWant: func(*Fixture, *TestUser) int { return 400 }},
	"GET /o/{org}/channels/{id}/connect/page":  {web: true, params: newAccountOfA, allowed: []int{303}},
	"POST /o/{org}/channels/{id}/connect/page": {web: true, params: newAccountOfA, body: "c=no-such-choice&page=1", allowed: []int{303}},
	"GET /o/{org}/channels/{id}/disconnect":    {web: true, params: newAccountOfA, allowed: []int{200}},
	"POST /o/{org}/channels/{id}/disconnect":   {web: true, params: newAccountOfA, allowed: []int{303}},
	// Templates, import and export (web_importexport_test.go has the helpers).
	"GET /o/{org}/campaigns/{id}/import":       {web: true, params: webCampaignOfA},
	"POST /o/{org}/campaigns/{id}/import":      {web: true, params: webCampaignOfA, body: "file=not-multipart", allowed: []int{400}},
	"GET /o/{org}/imports/{job}":               {web: true, params: webImportJobOfA},
	"GET /o/{org}/campaigns/{id}/export":       {web: true, params: webCampaignOfA},
	"GET /o/{org}/campaigns/{id}/export.csv":   {web: true, params: webCampaignOfA},
	"GET /o/{org}/campaigns/{id}/export.pdf":   {web: true, params: webCampaignOfA},
	"GET /o/{org}/templates":                   {web: true},
	"POST /o/{org}/templates":                  {web: true, params: webCampaignOfA, body: "from_campaign_id={id}&name=Matrix {n}"},
	"GET /o/{org}/templates/{id}":              {web: true, params: templateOfA},
	"POST /o/{org}/templates/{id}/instantiate": {web: true, params: templateOfA, body: "title=Matrix {n}&start=2027-01-04"},
	"POST /o/{org}/templates/{id}/delete":      {web: true, params: templateOfA},
	// Coordination (api_coordination_test.go has the helpers).
	"GET /o/{org}/campaigns/{id}/coordination": {web: true, params: webCampaignOfA},
	"POST /o/{org}/campaigns/{id}/tasks":       {web: true, params: webCampaignOfA, body: "title=Matrix task {n}&kind=drafting", allowed: []int{303}},
	"POST /o/{org}/tasks/{id}":                 {web: true, params: webTaskOfA, body: "status=doing", allowed: []int{303}},
	"GET /o/{org}/tasks":                       {web: true, allowed: []int{200}},
	"GET /o/{org}/items/{id}/comments":         {web: true, params: webItemOfA, allowed: []int{200}},
	"POST /o/{org}/items/{id}/comments":        {web: true, params: webItemOfA, body: "body=Matrix comment {n}", allowed: []int{303}},
	"POST /o/{org}/items/{id}/amplification":   {web: true, params: webItemToAmplify, body: "org_id={mission}", allowed: []int{303}},
	"GET /o/{org}/amplification":               {web: true, allowed: []int{200}},
	"GET /o/{org}/amplification/{id}":          {web: true, params: webAmpRequestOfA, allowed: []int{200}},
	"POST /o/{org}/amplification/{id}":         {web: true, params: webAmpRequestOfA, body: "action=decline&note=Matrix reason {n}", allowed: []int{303}},
	"GET /notifications":                       {web: true},
	"POST /notifications/read":                 {web: true},
	// The academy's entries are in matrix_academy_test.go (academyWebCases).
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

// newCalendarVariant creates a draft variant of A scheduled in two months
// (written by A's editor) and a new time for it, for the calendar's move.
func newCalendarVariant(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	ctx := context.Background()
	ed := f.Members[authz.Editor]
	acc := channel.Account{OrgID: f.A.ID, Network: limits.Telegram, Name: "Matrix", Handle: fmt.Sprintf("matrix%d", f.Seq()), Language: "en"}
	if err := channel.Insert(ctx, f.DB.W(), &acc); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().AddDate(0, 2, 0).Truncate(time.Hour)
	c := campaign.Campaign{Title: "Matrix campaign", Period: campaign.Period{Start: at.Format("2006-01-02"), End: at.AddDate(0, 1, 0).Format("2006-01-02")}}
	p := f.principal(t, ed)
	if err := f.Campaigns.Create(ctx, p, actorOf(ed), f.A, &c, nil); err != nil {
		t.Fatal(err)
	}
	it := campaign.Item{Title: "Matrix item", Text: "Matrix text"}
	if err := f.Campaigns.CreateItem(ctx, p, c.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: acc.ID, ScheduledAt: &at}}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": itoa(it.Variants[0].ID), "start": at.AddDate(0, 0, 1).Format("2006-01-02T15:04:05")}
}
