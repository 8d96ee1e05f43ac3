// Package web serves the HTML user interface.
package web

import (
	"log/slog"
	"net/http"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/config"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// Deps is what the web UI needs.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Orgs    *org.Service
	Log     *slog.Logger
	Config  *config.Config
	Version string
}

// Web is the HTML user interface.
type Web struct{ Deps }

// New prepares templates and assets.
func New(d Deps) (*Web, error) { return &Web{Deps: d}, nil }

// Register adds the UI routes.
func (wb *Web) Register(rt *httpx.Router) {
	rt.HandleFunc(httpx.Route{Method: "GET", Pattern: "/login", Access: httpx.Public}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Sign in</title><form method="post" action="/login"><input name="email"><input name="password" type="password"><button>Sign in</button></form></html>`))
	})
}
