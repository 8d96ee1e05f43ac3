// Package app wires the store, the services and the HTTP handlers together.
// cmd/attache builds an App from the configuration; tests build one on a
// test database.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/api"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/bluesky"
	"github.com/attache-project/attache/internal/channel/email"
	"github.com/attache-project/attache/internal/channel/facebook"
	"github.com/attache-project/attache/internal/channel/instagram"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/channel/linkedin"
	"github.com/attache-project/attache/internal/channel/mastodon"
	"github.com/attache-project/attache/internal/channel/telegram"
	"github.com/attache-project/attache/internal/channel/threads"
	"github.com/attache-project/attache/internal/channel/viber"
	"github.com/attache-project/attache/internal/channel/website"
	"github.com/attache-project/attache/internal/channel/xapi"
	"github.com/attache-project/attache/internal/config"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/jobs"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/mail"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/secret"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/source"
	"github.com/attache-project/attache/internal/web"
)

// Version is set at build time with -ldflags "-X …/internal/app.Version=…".
var Version = "dev"

// App is a running Attaché: store, services and HTTP handler.
type App struct {
	Config    *config.Config
	Log       *slog.Logger
	DB        *db.DB
	Auth      *auth.Service
	Orgs      *org.Service
	Campaigns *campaign.Service
	Imports   *campaign.Importer
	Media     *media.Store // uploaded files under DATA/media
	Notify    *notify.Service
	Academy   *academy.Service
	// Ingest is listening's pipeline; the command that serves sets its
	// language identification (internal/langid is linked only there).
	Ingest *ingest.Pipeline
	// ListenImports reads the files imported into listening from the web,
	// under a context that Close cancels.
	ListenImports *ingest.Importer
	stopImports   context.CancelFunc
	// Signals raises listening's alerts (spikes, coordinated posting);
	// Sources polls and follows the organisations' collection sources.
	// Both run as periodic tasks of the job engine; Serve also follows
	// the Jetstream sources.
	Signals *signal.Detector
	Sources *source.Runner
	// LRS sends the academy's xAPI statements to a Learning Record Store
	// (nil without --xapi-endpoint).
	LRS    *academy.LRS
	Router *httpx.Router
	// HTTP is the client for the networks' APIs: every connection is
	// checked against private addresses (unless --allow-private-endpoints).
	HTTP *http.Client
	// PublicMedia gives attachments signed, expiring public addresses for
	// the networks that fetch images themselves (Instagram, Threads, Viber).
	PublicMedia *media.Public
	// Connectors builds each network's connector.
	Connectors channel.Registry
	// Publisher is the publishing engine (River jobs); it works jobs
	// between Serve's start and its shutdown.
	Publisher *publish.Publisher
	reg       *prometheus.Registry
}

// Open connects to the database, applies migrations and builds the services.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	d, err := db.Open(ctx, cfg.Data, cfg.Database)
	if err != nil {
		return nil, err
	}
	if applied, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	} else if len(applied) > 0 {
		log.Info("database migrated", "applied", applied, "dialect", d.Dialect)
		// Replies pulled before listening had a search index get theirs.
		if slices.Contains(applied, "0012_listening.sql") {
			if n, err := listen.IndexMissing(ctx, d, 1000); err != nil {
				d.Close()
				return nil, err
			} else if n > 0 {
				log.Info("mentions indexed for search", "count", n)
			}
		}
	}
	key, err := secret.LoadKey(cfg.SecretKey, filepath.Join(cfg.Data, "secret.key"))
	if err != nil {
		d.Close()
		return nil, err
	}
	box, err := secret.New(key)
	if err != nil {
		d.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Orgs: &org.Service{DB: d}, Campaigns: &campaign.Service{DB: d}, Media: &media.Store{Dir: filepath.Join(cfg.Data, "media")}}
	a.Auth = &auth.Service{DB: d, Box: box, Log: log, BaseURL: cfg.BaseURL, SessionTTL: time.Duration(cfg.SessionDays) * 24 * time.Hour}
	if cfg.OIDCIssuer != "" {
		a.Auth.OIDC = &auth.OIDC{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCID, ClientSecret: cfg.OIDCSecret, RedirectURL: cfg.BaseURL + "/login/oidc/callback"}
	}
	if cfg.SMTPHost != "" {
		a.Auth.Mailer = &mail.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPass, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS}
	}
	a.Notify = notify.New(d, a.Auth.Mailer, cfg.BaseURL, log)
	// Certificates are signed with a key sealed by the box and named by
	// the base URL (internal/academy/issuer.go).
	a.Academy = &academy.Service{DB: d, Auth: a.Auth, Box: box, BaseURL: cfg.BaseURL, Log: log}
	a.Ingest = &ingest.Pipeline{DB: d, Topics: &ingest.Topics{DB: d}}
	importCtx, stopImports := context.WithCancel(context.Background())
	a.ListenImports = &ingest.Importer{DB: d, Pipeline: a.Ingest, Dir: filepath.Join(cfg.Data, "spool"), Log: log, Base: importCtx}
	a.stopImports = stopImports
	if err := os.MkdirAll(a.ListenImports.Dir, 0o700); err != nil {
		d.Close()
		return nil, fmt.Errorf("listening imports: %w", err)
	}
	// An import whose instance stopped writes no more progress: after
	// 10 minutes without, it is shown as interrupted.
	if _, err := ingest.Recover(ctx, d, 10*time.Minute); err != nil {
		log.Warn("listening imports: recover", "err", err)
	}
	if cfg.XAPIEndpoint != "" {
		a.LRS = &academy.LRS{DB: d, Endpoint: cfg.XAPIEndpoint, Username: cfg.XAPIUser, Password: cfg.XAPIPassword, Log: log}
	}
	// Course work: handed-in files apart from the studio's media (they are
	// never attached to posts, and removing one never touches the other).
	a.Academy.Campaigns, a.Academy.StudioFiles, a.Academy.Notify = a.Campaigns, a.Media, a.Notify
	a.Academy.Files = &media.Store{Dir: filepath.Join(cfg.Data, "coursework")}
	a.Campaigns.Notify = a.Notify
	a.Imports = campaign.NewImporter(a.Campaigns, log)
	a.HTTP = netguard.Client(cfg.AllowPriv, 30*time.Second)
	pubKey, err := secret.Derive(key, media.PublicKeyLabel) // a sub-key: never the encryption key itself
	if err != nil {
		d.Close()
		return nil, err
	}
	a.PublicMedia = &media.Public{Key: pubKey, BaseURL: cfg.BaseURL, Store: a.Media}
	a.Connectors = channel.Registry{limits.Mastodon: mastodon.New, limits.Website: website.New}
	a.Connectors[limits.Email] = email.NewFactory(email.SMTPDefaults{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPass, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS}, cfg.BaseURL, d, email.AllowPrivate(cfg.AllowPriv))
	a.Connectors[limits.Telegram] = telegram.New
	a.Connectors[limits.Viber] = a.withMediaURL(viber.New)
	a.Connectors[limits.Bluesky] = bluesky.New
	a.Connectors[limits.X] = xapi.New
	a.Connectors[limits.LinkedIn] = linkedin.New
	a.Connectors[limits.Facebook] = facebook.New
	a.Connectors[limits.Instagram] = a.withMediaURL(instagram.New)
	a.Connectors[limits.Threads] = a.withMediaURL(threads.New)
	a.Publisher = &publish.Publisher{DB: d, Box: box, Campaigns: a.Campaigns, Media: a.Media, Notify: a.Notify, Ingest: a.Ingest,
		Registry: a.Connectors, HTTP: a.HTTP, Log: log}
	a.Signals = &signal.Detector{DB: d, Log: log, Notify: a.Notify}
	a.Sources = &source.Runner{DB: d, Ingest: a.Ingest, HTTP: a.HTTP, Log: log}
	if err := a.Publisher.Open(ctx, publish.EngineConfig{Tasks: a.listeningTasks()}); err != nil { // River's own migrations, after ours
		d.Close()
		return nil, err
	}
	a.Campaigns.Outbox = a.Publisher
	return a, nil
}

// listeningTasks are listening's periodic work: signals every five
// minutes, due sources every minute (each source keeps its own interval).
func (a *App) listeningTasks() []jobs.Task {
	return []jobs.Task{
		{Name: "listening_signals", Every: 5 * time.Minute, Timeout: 4 * time.Minute, Run: func(ctx context.Context) error {
			_, err := a.Signals.Run(ctx)
			return err
		}},
		{Name: "listening_sources", Every: time.Minute, Timeout: source.PollLease, Run: func(ctx context.Context) error {
			_, err := a.Sources.RunDue(ctx)
			return err
		}},
	}
}

// Close releases the database.
func (a *App) Close() error {
	a.Imports.Close() // running imports roll back before the database closes
	a.stopImports()   // listening imports stop after their current batch
	a.ListenImports.Wait()
	return a.DB.Close()
}

// Handler builds the whole HTTP handler: operations endpoints, API, web UI.
func (a *App) Handler(ctx context.Context) (http.Handler, error) {
	a.reg = prometheus.NewRegistry()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpx.NewMetrics(a.reg)
	rt := httpx.NewRouter()
	a.Router = rt
	rt.HandleFunc(httpx.Route{Method: "GET", Pattern: "/healthz", Access: httpx.Public}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	rt.HandleFunc(httpx.Route{Method: "GET", Pattern: "/readyz", Access: httpx.Public}, a.readyz)
	rt.Handle(httpx.Route{Method: "GET", Pattern: "/metrics", Access: httpx.Public}, promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	// Attachments at signed, expiring addresses, for networks that fetch them.
	rt.Handle(httpx.Route{Method: "GET", Pattern: media.PublicPath, Access: httpx.Public}, a.PublicMedia)

	(&api.API{DB: a.DB, Auth: a.Auth, Orgs: a.Orgs, Campaigns: a.Campaigns, Imports: a.Imports, Media: a.Media, Notify: a.Notify, Academy: a.Academy, Ingest: a.Ingest, Log: a.Log, AllowPrivate: a.Config.AllowPriv, HTTP: a.HTTP}).Register(rt)
	w, err := web.New(web.Deps{DB: a.DB, Auth: a.Auth, Orgs: a.Orgs, Campaigns: a.Campaigns, Imports: a.Imports, Media: a.Media, Notify: a.Notify, Academy: a.Academy, ListenImports: a.ListenImports, Log: a.Log, Config: a.Config, HTTP: a.HTTP, Version: Version})
	if err != nil {
		return nil, err
	}
	w.Register(rt)

	var h http.Handler = rt.Mux
	h = http.NewCrossOriginProtection().Handler(h)
	h = httpx.SecurityHeaders(h)
	h = httpx.Observe(a.Log, metrics, h)
	return h, nil
}

// withMediaURL gives the connectors of networks that fetch images from a
// URL (their MediaURL hook) the public address of each attachment.
func (a *App) withMediaURL(f channel.Factory) channel.Factory {
	mediaURL := func(m channel.Media) string { return a.PublicMedia.URLOf(m.SHA256, m.ContentType) }
	return func(acc channel.Account, creds channel.Credentials, client *http.Client) (channel.Connector, error) {
		c, err := f(acc, creds, client)
		switch c := c.(type) {
		case *instagram.Connector:
			c.MediaURL = mediaURL
		case *threads.Connector:
			c.MediaURL = func(m channel.Media) string { // Threads takes JPEG and PNG images
				if m.ContentType != "image/jpeg" && m.ContentType != "image/png" {
					return ""
				}
				return mediaURL(m)
			}
		case *viber.Connector:
			c.MediaURL = mediaURL
		}
		return c, err
	}
}

func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	n, err := a.DB.Pending(ctx)
	if err != nil || n > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "migrations pending: %d\n", n)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Serve runs the HTTP server until ctx is cancelled, then shuts down
// gracefully within 15 seconds.
func (a *App) Serve(ctx context.Context, h http.Handler) error {
	srv := &http.Server{Addr: a.Config.Addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	go a.Notify.Run(ctx, 30*time.Second) // emails notifications; stops with ctx
	if a.LRS != nil {
		go a.LRS.Run(ctx, 30*time.Second) // sends xAPI statements; stops with ctx
	}
	go func() { // the Jetstream sources; one instance follows each (a lease)
		if err := a.Sources.Follow(ctx); err != nil {
			a.Log.Error("listening sources", "err", err)
		}
	}()
	if err := a.Publisher.Start(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("start publishing: %w", err)
	}
	defer func() { // running publish jobs finish (or are retried later)
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = a.Publisher.Stop(sctx)
	}()
	a.Log.Info("serving", "addr", "http://"+a.Config.Addr, "base_url", a.Config.BaseURL, "database", string(a.DB.Dialect), "version", Version)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
