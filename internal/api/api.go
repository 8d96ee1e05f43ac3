// Package api serves the JSON API v1 under /api/v1: bearer-token
// authentication, RFC 9457 problems, and the OpenAPI 3.1 document.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/source"
)

// API holds what the handlers need.
type API struct {
	DB        *db.DB
	Auth      *auth.Service
	Orgs      *org.Service
	Campaigns *campaign.Service
	Imports   *campaign.Importer
	Media     *media.Store // uploaded files (DATA/media)
	Notify    *notify.Service
	Academy   *academy.Service // may be nil: built from DB and Auth
	Ingest    *ingest.Pipeline // may be nil: a pipeline without language identification
	Log       *slog.Logger
	// AllowPrivate is --allow-private-endpoints: channel accounts' base
	// URLs may point to loopback and private addresses.
	AllowPrivate bool
	// HTTP fetches sources for their test (POST …/sources/{id}/test); nil
	// means a guarded client (netguard) that honours AllowPrivate.
	HTTP *http.Client

	runnerOnce sync.Once
	runner     *source.Runner // built from HTTP on first use
}

// routes registers API routes with their access level, wrapping each
// handler in the authentication (and organisation check) it needs.
type routes struct {
	a  *API
	rt *httpx.Router
}

func (g routes) pub(m, p string, h http.HandlerFunc) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.Public}, h)
}

func (g routes) signed(m, p string, h http.HandlerFunc) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.Signed}, g.a.authenticate(h))
}

func (g routes) inOrg(m, p string, action authz.Action, h orgHandler) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.OrgRole, Action: action}, g.a.authenticate(g.a.orgScoped(action, h)))
}

// resource is for routes naming a resource by {id}: the service checks
// the action against the resource's organisations.
func (g routes) resource(m, p string, action authz.Action, h http.HandlerFunc) {
	g.rt.Handle(httpx.Route{Method: m, Pattern: p, Access: httpx.Resource, Action: action}, g.a.authenticate(h))
}

// Register adds every API route to rt.
func (a *API) Register(rt *httpx.Router) {
	g := routes{a, rt}
	pub, signed, inOrg, resource := g.pub, g.signed, g.inOrg, g.resource

	pub("GET", "/api/v1/openapi.json", serveOpenAPI)
	pub("GET", "/api/v1/openapi/{document}", serveOpenAPIArea) // academy.json, listening.json…
	signed("GET", "/api/v1/me", a.me)
	signed("GET", "/api/v1/orgs", a.listOrgs)
	signed("POST", "/api/v1/orgs", a.createOrg)
	inOrg("GET", "/api/v1/orgs/{org}", authz.ViewOrg, a.getOrg)
	inOrg("PATCH", "/api/v1/orgs/{org}", authz.ManageOrg, a.updateOrg)
	inOrg("GET", "/api/v1/orgs/{org}/members", authz.ViewMembers, a.listMembers)
	inOrg("PUT", "/api/v1/orgs/{org}/members/{user}", authz.ManageMembers, a.setMemberRole)
	inOrg("DELETE", "/api/v1/orgs/{org}/members/{user}", authz.ManageMembers, a.removeMember)
	inOrg("GET", "/api/v1/orgs/{org}/invitations", authz.ManageMembers, a.listInvitations)
	inOrg("POST", "/api/v1/orgs/{org}/invitations", authz.ManageMembers, a.createInvitation)
	inOrg("DELETE", "/api/v1/orgs/{org}/invitations/{id}", authz.ManageMembers, a.revokeInvitation)
	inOrg("GET", "/api/v1/orgs/{org}/audit", authz.ViewAudit, a.listAudit)
	// Campaign studio.
	inOrg("GET", "/api/v1/orgs/{org}/campaigns", authz.UseCampaigns, a.listCampaigns)
	inOrg("POST", "/api/v1/orgs/{org}/campaigns", authz.EditCampaigns, a.createCampaign)
	inOrg("GET", "/api/v1/orgs/{org}/channel-accounts", authz.UseCampaigns, a.listAccounts)
	inOrg("POST", "/api/v1/orgs/{org}/channel-accounts", authz.ManageChannels, a.createAccount)
	inOrg("PATCH", "/api/v1/orgs/{org}/channel-accounts/{id}", authz.ManageChannels, a.updateAccount)
	inOrg("DELETE", "/api/v1/orgs/{org}/channel-accounts/{id}", authz.ManageChannels, a.archiveAccount)
	inOrg("GET", "/api/v1/orgs/{org}/approval-policy", authz.UseCampaigns, a.getPolicy)
	inOrg("PUT", "/api/v1/orgs/{org}/approval-policy", authz.ManageOrg, a.setPolicy)
	inOrg("GET", "/api/v1/orgs/{org}/calendar", authz.UseCampaigns, a.calendar)
	resource("GET", "/api/v1/campaigns/{id}", authz.UseCampaigns, a.getCampaign)
	resource("PATCH", "/api/v1/campaigns/{id}", authz.EditCampaigns, a.updateCampaign)
	resource("POST", "/api/v1/campaigns/{id}/partners", authz.EditCampaigns, a.addPartner)
	resource("DELETE", "/api/v1/campaigns/{id}/partners/{org}", authz.EditCampaigns, a.removePartner)
	resource("GET", "/api/v1/campaigns/{id}/items", authz.UseCampaigns, a.listItems)
	resource("POST", "/api/v1/campaigns/{id}/items", authz.EditCampaigns, a.createItem)
	resource("GET", "/api/v1/items/{id}", authz.UseCampaigns, a.getItem)
	resource("PATCH", "/api/v1/items/{id}", authz.EditCampaigns, a.updateItem)
	resource("POST", "/api/v1/items/{id}/variants", authz.EditCampaigns, a.addVariant)
	resource("GET", "/api/v1/variants/{id}", authz.UseCampaigns, a.getVariant)
	resource("PATCH", "/api/v1/variants/{id}", authz.EditCampaigns, a.editVariant)
	resource("POST", "/api/v1/variants/{id}/submit", authz.EditCampaigns, a.variantAction("submit"))
	resource("POST", "/api/v1/variants/{id}/approve", authz.UseCampaigns, a.variantAction("approve"))
	resource("POST", "/api/v1/variants/{id}/request-changes", authz.UseCampaigns, a.variantAction("request-changes"))

	a.registerMedia(rt)
	a.registerMetrics(rt)
	a.registerCoordination(rt)

	signed("GET", "/api/v1/tokens", a.listTokens)
	signed("POST", "/api/v1/tokens", a.createToken)
	signed("DELETE", "/api/v1/tokens/{id}", a.revokeToken)
	a.registerImportExport(rt)
	a.registerAcademy(rt)
	a.registerAcademyReports(rt)
	a.registerGrading(rt)
	a.registerAcademyCertificates(rt)
	a.registerListening(g)
	// Anything else under /api/ is a JSON 404, not the HTML one.
	pub("GET", "/api/", a.notFound)
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "no such API endpoint; see /api/v1/openapi.json"})
}

// authenticate resolves the bearer token into a principal or answers 401.
func (a *API) authenticate(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="attache"`)
			writeProblem(w, r, Problem{Type: problemBase + "unauthenticated", Status: http.StatusUnauthorized, Detail: "send an API token as `Authorization: Bearer att_…`"})
			return
		}
		u, err := a.Auth.TokenUser(r.Context(), strings.TrimSpace(tok))
		if errors.Is(err, auth.ErrUnauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="attache", error="invalid_token"`)
			writeProblem(w, r, Problem{Type: problemBase + "unauthenticated", Status: http.StatusUnauthorized, Detail: "the API token is unknown, expired or revoked"})
			return
		}
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		p, err := a.Auth.Principal(r.Context(), u)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		next(w, r.WithContext(httpx.WithPrincipal(r.Context(), u, p)))
	}
}

type orgHandler func(w http.ResponseWriter, r *http.Request, p *authz.Principal, o org.Org)

// orgScoped resolves {org} (id or slug) and checks the action before the
// handler sees anything of the organisation.
func (a *API) orgScoped(action authz.Action, h orgHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := httpx.PrincipalFrom(r.Context())
		o, err := a.Orgs.Resolve(r.Context(), p, r.PathValue("org"), action)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		h(w, r, p, o)
	}
}

func actor(r *http.Request) audit.Actor { return httpx.ActorFrom(r) }

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
