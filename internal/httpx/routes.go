// Package httpx holds the HTTP plumbing shared by the web UI and the JSON
// API: a route table that remembers every route (so the authorisation
// matrix test can walk them all), middleware, and the acting principal in
// the request context.
package httpx

import (
	"context"
	"net/http"
	"strings"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
)

// Access says who may reach a route before any per-organisation check.
type Access int

const (
	Public  Access = iota // anyone, signed in or not
	Signed                // any signed-in user (or token bearer)
	OrgRole               // a member of the {org} in the path whose role allows Action
	// Resource routes name a resource ({id}) rather than an organisation;
	// the service finds the resource's organisations and checks Action
	// there. A stranger cannot tell a resource exists.
	Resource
)

// Route is one registered route.
type Route struct {
	Method  string
	Pattern string // net/http pattern path, e.g. /api/v1/orgs/{org}/members
	Access  Access
	Action  authz.Action // for OrgRole
}

// Key is "METHOD /path", as in the mux.
func (r Route) Key() string { return r.Method + " " + r.Pattern }

// Router wraps http.ServeMux and records each route it registers.
type Router struct {
	Mux    *http.ServeMux
	Routes []Route
}

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{Mux: http.NewServeMux()} }

// Handle registers h for method and pattern.
func (rt *Router) Handle(r Route, h http.Handler) {
	rt.Routes = append(rt.Routes, r)
	rt.Mux.Handle(r.Key(), h)
}

// HandleFunc is Handle for functions.
func (rt *Router) HandleFunc(r Route, h http.HandlerFunc) { rt.Handle(r, h) }

// IsAPI reports whether a path belongs to the JSON API.
func IsAPI(path string) bool { return strings.HasPrefix(path, "/api/") }

type ctxKey int

const (
	principalKey ctxKey = iota
	userKey
	sessionKey
)

// WithPrincipal stores the acting user in ctx.
func WithPrincipal(ctx context.Context, u auth.User, p *authz.Principal) context.Context {
	ctx = context.WithValue(ctx, userKey, u)
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the acting principal, or nil when anonymous.
func PrincipalFrom(ctx context.Context) *authz.Principal {
	p, _ := ctx.Value(principalKey).(*authz.Principal)
	return p
}

// UserFrom returns the acting user, and false when anonymous.
func UserFrom(ctx context.Context) (auth.User, bool) {
	u, ok := ctx.Value(userKey).(auth.User)
	return u, ok
}

// WithSession stores the browser session secret (for sign-out).
func WithSession(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, sessionKey, secret)
}

// SessionFrom returns the browser session secret.
func SessionFrom(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey).(string)
	return s
}

// ClientIP is the address a request came from (the direct peer; proxies
// are not trusted by default).
func ClientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// ActorFrom describes the acting user of a request for the audit log.
func ActorFrom(r *http.Request) audit.Actor {
	a := audit.Actor{IP: ClientIP(r)}
	if u, ok := UserFrom(r.Context()); ok {
		a.UserID, a.Name = u.ID, u.Email
	} else {
		a.Name = "anonymous"
	}
	return a
}
