package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/attache-project/attache/internal/app"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/config"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/demo"
	"github.com/attache-project/attache/internal/langid"
	"github.com/attache-project/attache/internal/org"
)

// open parses the shared flags plus any extra ones and opens the app.
func open(ctx context.Context, e *env, name string, args []string, extra func(*flag.FlagSet)) (*app.App, error) {
	var cfg config.Config
	fs := flag.NewFlagSet("attache "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	config.Bind(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := config.Load(fs, args, e.getenv); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := newLogger(e.stderr, cfg.LogFormat, cfg.LogLevel)
	return app.Open(ctx, &cfg, log)
}

func runServe(ctx context.Context, e *env, args []string) error {
	a, err := open(ctx, e, "serve", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	a.Ingest.Identify = lazyIdentifier(langid.Low)
	if a.Config.Demo {
		if err := loadDemo(ctx, e, a, true); err != nil {
			return err
		}
	}
	h, err := a.Handler(ctx)
	if err != nil {
		return err
	}
	return a.Serve(ctx, h)
}

func loadDemo(ctx context.Context, e *env, a *app.App, skipIfFull bool) error {
	given := e.getenv("ATTACHE_DEMO_PASSWORD")
	pw, err := demo.Load(ctx, a.DB, a.Orgs, a.Auth, given)
	if errors.Is(err, demo.ErrNotEmpty) && skipIfFull {
		a.Log.Info("demo data not loaded: the database is not empty")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	if err := demo.LoadCampaigns(ctx, a.DB, a.Auth, a.Campaigns, time.Now()); err != nil {
		return fmt.Errorf("load demo campaigns: %w", err)
	}
	// The courses come from content files: a course that does not load
	// must not keep the rest of the demo from starting.
	if err := demo.LoadAcademy(ctx, a.DB, a.Auth, a.Academy, time.Now()); err != nil {
		a.Log.Error("demo academy not loaded", "err", err)
	}
	if err := demo.LoadListening(ctx, a.DB, time.Now()); err != nil {
		return fmt.Errorf("load demo listening: %w", err)
	}
	if given == "" {
		fmt.Fprintf(e.stderr, "\nDemo data loaded. Sign in as any of these with the password %s (shown only now):\n", pw)
	} else {
		fmt.Fprintln(e.stderr, "\nDemo data loaded. Sign in as any of these with the password from ATTACHE_DEMO_PASSWORD:")
	}
	for _, em := range demo.Emails() {
		fmt.Fprintln(e.stderr, "  "+em)
	}
	fmt.Fprintln(e.stderr)
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	a, err := open(ctx, e, "migrate", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(e.stdout, "database (%s) is up to date\n", a.DB.Dialect)
	return nil
}

func runDemo(ctx context.Context, e *env, args []string) error {
	a, err := open(ctx, e, "demo", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	return loadDemo(ctx, e, a, false)
}

func runUserCreate(ctx context.Context, e *env, args []string) error {
	var email, name, password, orgRef, role string
	a, err := open(ctx, e, "user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address (required)")
		fs.StringVar(&name, "name", "", "display name (required)")
		fs.StringVar(&password, "password", "", "password (or ATTACHE_USER_PASSWORD; empty: set later with a reset link)")
		fs.StringVar(&orgRef, "org", "", "organisation slug or id to add the user to")
		fs.StringVar(&role, "role", "editor", "role in --org")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if password == "" {
		password = e.getenv("ATTACHE_USER_PASSWORD")
	}
	u, err := a.Auth.CreateUser(ctx, audit.CLI, email, name, password)
	if err != nil {
		return err
	}
	if orgRef != "" {
		o, err := findOrg(ctx, a, orgRef)
		if err != nil {
			return err
		}
		if err := a.Orgs.AddMemberAudited(ctx, audit.CLI, o, u.ID, authz.Role(role)); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "created user %d <%s>\n", u.ID, u.Email)
	return nil
}

func runOrgCreate(ctx context.Context, e *env, args []string) error {
	var o org.Org
	var kind, parent, admin string
	a, err := open(ctx, e, "org create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&o.Name, "name", "", "organisation name (required)")
		fs.StringVar(&o.Slug, "slug", "", "short name used in URLs (default: from the name)")
		fs.StringVar(&kind, "kind", "programme", "programme, ministry, mission or partner")
		fs.StringVar(&parent, "parent", "", "parent ministry (slug or id) of a mission")
		fs.StringVar(&o.Country, "country", "", "ISO 3166-1 alpha-2 country code")
		fs.StringVar(&o.TimeZone, "time-zone", "UTC", "IANA time zone, e.g. Europe/Kyiv")
		fs.StringVar(&admin, "admin", "", "email of an existing user who becomes admin of the organisation")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	o.Kind = org.Kind(kind)
	if o.Slug == "" {
		o.Slug = org.Slugify(o.Name)
	}
	if parent != "" {
		p, err := findOrg(ctx, a, parent)
		if err != nil {
			return err
		}
		o.ParentID = p.ID
	}
	var adminID int64
	if admin != "" {
		u, err := auth.GetUserByEmail(ctx, a.DB.R(), admin)
		if err != nil {
			return fmt.Errorf("--admin: no user with email %q (create it first with `attache user create`)", admin)
		}
		adminID = u.ID
	}
	if err := a.Orgs.CreateBootstrap(ctx, audit.CLI, &o); err != nil {
		return err
	}
	if adminID != 0 {
		if err := a.Orgs.AddMemberAudited(ctx, audit.CLI, o, adminID, authz.Admin); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "created organisation %d (%s, %s)\n", o.ID, o.Slug, o.Kind)
	return nil
}

func findOrg(ctx context.Context, a *app.App, ref string) (org.Org, error) {
	o, err := org.GetOrgBySlug(ctx, a.DB.R(), ref)
	if errors.Is(err, db.ErrNotFound) {
		var id int64
		if _, perr := fmt.Sscan(ref, &id); perr == nil {
			o, err = org.GetOrg(ctx, a.DB.R(), id)
		}
	}
	if errors.Is(err, db.ErrNotFound) {
		return o, fmt.Errorf("no organisation %q", ref)
	}
	return o, err
}

func runTokenCreate(ctx context.Context, e *env, args []string) error {
	var email, name string
	var days int
	a, err := open(ctx, e, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email of the user the token acts as (required)")
		fs.StringVar(&name, "name", "", "what the token is for (required)")
		fs.IntVar(&days, "expires-in-days", 0, "days until the token expires (0: never)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := auth.GetUserByEmail(ctx, a.DB.R(), email)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no user with email %q", email)
	}
	if err != nil {
		return err
	}
	secret, _, err := a.Auth.CreateToken(ctx, audit.CLI, u.ID, name, time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func runAuditVerify(ctx context.Context, e *env, args []string) error {
	a, err := open(ctx, e, "audit verify", args, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := audit.Verify(ctx, a.DB.R())
	var p *audit.Problem
	if errors.As(err, &p) {
		fmt.Fprintf(e.stdout, "audit log BROKEN at entry %d: %s (%d entries before it are intact)\n", p.Seq, p.Reason, n)
		return exitCode(2)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries verified\n", n)
	return nil
}

func runSecretRotate(ctx context.Context, e *env, args []string) error {
	var newKey string
	a, err := open(ctx, e, "secret rotate", args, func(fs *flag.FlagSet) {
		fs.StringVar(&newKey, "new-secret-key", "", "base64 of the new 32-byte key (default: a random one, printed)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	var k []byte
	if newKey != "" {
		if k, err = base64.StdEncoding.DecodeString(newKey); err != nil || len(k) != 32 {
			return errors.New("--new-secret-key must be the base64 encoding of 32 bytes")
		}
	}
	k, n, err := a.RotateSecretKey(ctx, k)
	if err != nil {
		return err
	}
	if a.Config.SecretKey == "" {
		fmt.Fprintf(e.stdout, "re-encrypted %d secrets; the new key is in %s\n", n, filepath.Join(a.Config.Data, "secret.key"))
		return nil
	}
	fmt.Fprintf(e.stdout, "re-encrypted %d secrets; set ATTACHE_SECRET_KEY on every instance to the new key now:\n%s\n", n, base64.StdEncoding.EncodeToString(k))
	return nil
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fmt.Fprintln(e.stdout, "attache", app.Version)
	return nil
}
