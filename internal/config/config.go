// Package config builds the typed configuration of Attaché from command-line
// flags, ATTACHE_* environment variables and an optional file, in that order
// of precedence, and validates it before anything starts.
package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Config is everything the binary can be told. It is passed down explicitly.
type Config struct {
	File        string // optional config file
	Data        string // data directory (SQLite file, secret key, media)
	Database    string // empty for SQLite in Data, or postgres://…
	Addr        string
	BaseURL     string // public URL, used in emails and OIDC redirects
	Demo        bool
	LogFormat   string // text or json
	LogLevel    string // debug, info, warn, error
	SecretKey   string // base64 of 32 bytes; empty: Data/secret.key
	SMTPHost    string
	SMTPPort    int
	SMTPUser    string
	SMTPPass    string
	SMTPFrom    string
	SMTPTLS     string // none, starttls, tls
	OIDCIssuer  string
	OIDCID      string
	OIDCSecret  string
	OIDCName    string
	AllowPriv   bool
	SessionDays int
	// OAuth apps registered by the operator for connecting channel
	// accounts (redirect URI BASE_URL/oauth/callback); a network without
	// its app is connected by entering a token.
	OAuthXID, OAuthXSecret               string
	OAuthLinkedInID, OAuthLinkedInSecret string
	OAuthMetaID, OAuthMetaSecret         string // Facebook Pages and Instagram
	OAuthThreadsID, OAuthThreadsSecret   string
	// A Learning Record Store that receives the academy's xAPI
	// statements (none when XAPIEndpoint is empty).
	XAPIEndpoint string
	XAPIUser     string
	XAPIPassword string
}

// Bind registers the shared flags on fs. Every subcommand that touches data
// binds them, so --data and --database mean the same everywhere.
func Bind(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.File, "config", "", "optional configuration file (lines of `name = value`, names as the flags)")
	fs.StringVar(&c.Data, "data", "./attache-data", "data directory: SQLite database, secret key, media")
	fs.StringVar(&c.Database, "database", "", "PostgreSQL URL (postgres://…); empty uses SQLite in --data")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	fs.StringVar(&c.BaseURL, "base-url", "", "public base URL (default http://ADDR)")
	fs.BoolVar(&c.Demo, "demo", false, "load demo data into an empty database at start")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.SecretKey, "secret-key", "", "base64 AES-256 key for secrets at rest (default: DATA/secret.key, created on first start)")
	fs.StringVar(&c.SMTPHost, "smtp-host", "", "SMTP server host; empty writes emails to the log")
	fs.IntVar(&c.SMTPPort, "smtp-port", 587, "SMTP server port")
	fs.StringVar(&c.SMTPUser, "smtp-user", "", "SMTP user name")
	fs.StringVar(&c.SMTPPass, "smtp-password", "", "SMTP password")
	fs.StringVar(&c.SMTPFrom, "smtp-from", "Attaché <no-reply@attache.invalid>", "sender address of emails")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", "starttls", "SMTP transport security: none, starttls or tls")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", "", "OpenID Connect issuer URL (enables single sign-on)")
	fs.StringVar(&c.OIDCID, "oidc-client-id", "", "OpenID Connect client id")
	fs.StringVar(&c.OIDCSecret, "oidc-client-secret", "", "OpenID Connect client secret")
	fs.StringVar(&c.OIDCName, "oidc-name", "single sign-on", "label of the sign-in button for OpenID Connect")
	fs.BoolVar(&c.AllowPriv, "allow-private-endpoints", false, "allow outgoing connections to private and loopback addresses")
	fs.IntVar(&c.SessionDays, "session-days", 14, "days a browser session lasts without activity")
	fs.StringVar(&c.OAuthXID, "oauth-x-client-id", "", "X OAuth 2.0 client id, for connecting X accounts (redirect URI BASE_URL/oauth/callback)")
	fs.StringVar(&c.OAuthXSecret, "oauth-x-client-secret", "", "X OAuth 2.0 client secret (empty for a public client)")
	fs.StringVar(&c.OAuthLinkedInID, "oauth-linkedin-client-id", "", "LinkedIn app client id, for connecting LinkedIn accounts")
	fs.StringVar(&c.OAuthLinkedInSecret, "oauth-linkedin-client-secret", "", "LinkedIn app client secret")
	fs.StringVar(&c.OAuthMetaID, "oauth-meta-app-id", "", "Meta app id (Facebook Login), for connecting Facebook Pages and Instagram accounts")
	fs.StringVar(&c.OAuthMetaSecret, "oauth-meta-app-secret", "", "Meta app secret")
	fs.StringVar(&c.OAuthThreadsID, "oauth-threads-app-id", "", "Threads app id, for connecting Threads accounts")
	fs.StringVar(&c.OAuthThreadsSecret, "oauth-threads-app-secret", "", "Threads app secret")
	fs.StringVar(&c.XAPIEndpoint, "xapi-endpoint", "", "xAPI base URL of a Learning Record Store that receives the academy's statements (…/statements is appended); empty sends none")
	fs.StringVar(&c.XAPIUser, "xapi-username", "", "user name (basic auth key) for the Learning Record Store")
	fs.StringVar(&c.XAPIPassword, "xapi-password", "", "password (basic auth secret) for the Learning Record Store")
}

// EnvName is the environment variable for a flag: --smtp-host → ATTACHE_SMTP_HOST.
func EnvName(flagName string) string {
	return "ATTACHE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load parses args into fs, then fills every flag not given on the command
// line from the environment and then from the config file.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
			set[f.Name] = true
		}
	})
	if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
		values, err := readFile(f.Value.String())
		if err != nil {
			return err
		}
		for name, v := range values {
			fl := fs.Lookup(name)
			if fl == nil {
				errs = append(errs, fmt.Errorf("config file %s: unknown setting %q", f.Value.String(), name))
				continue
			}
			if set[name] {
				continue
			}
			if err := fl.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("config file %s: %s: %w", f.Value.String(), name, err))
			}
		}
	}
	return errors.Join(errs...)
}

func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s:%d: expected `name = value`", path, n)
		}
		v = strings.TrimSpace(v)
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, sc.Err()
}

// Validate checks the values and fills derived defaults. Messages name the
// flag and say what is expected.
func (c *Config) Validate() error {
	var errs []error
	bad := func(flagName, format string, a ...any) {
		errs = append(errs, fmt.Errorf("--%s (%s): %s", flagName, EnvName(flagName), fmt.Sprintf(format, a...)))
	}
	if c.Database == "" && strings.TrimSpace(c.Data) == "" {
		bad("data", "must name a directory when no --database is given")
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") && !strings.HasPrefix(c.Database, "sqlite:") {
		bad("database", "must be a postgres:// URL (or empty for SQLite in --data)")
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("addr", "must be HOST:PORT, e.g. 127.0.0.1:8080, got %q", c.Addr)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("base-url", "must be an http(s) URL, got %q", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format", "must be text or json, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.SMTPHost != "" {
		if c.SMTPPort <= 0 || c.SMTPPort > 65535 {
			bad("smtp-port", "must be between 1 and 65535")
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			bad("smtp-from", "is not an email address: %v", err)
		}
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		bad("smtp-tls", "must be none, starttls or tls, got %q", c.SMTPTLS)
	}
	if c.OIDCIssuer != "" {
		if u, err := url.Parse(c.OIDCIssuer); err != nil || u.Scheme == "" || u.Host == "" {
			bad("oidc-issuer", "must be a URL, got %q", c.OIDCIssuer)
		}
		if c.OIDCID == "" {
			bad("oidc-client-id", "is required when --oidc-issuer is set")
		}
	}
	if c.SessionDays < 1 || c.SessionDays > 90 {
		bad("session-days", "must be between 1 and 90")
	}
	for _, app := range []struct {
		id, secret, idFlag, secretFlag string
		secretRequired                 bool
	}{
		{c.OAuthXID, c.OAuthXSecret, "oauth-x-client-id", "oauth-x-client-secret", false},
		{c.OAuthLinkedInID, c.OAuthLinkedInSecret, "oauth-linkedin-client-id", "oauth-linkedin-client-secret", true},
		{c.OAuthMetaID, c.OAuthMetaSecret, "oauth-meta-app-id", "oauth-meta-app-secret", true},
		{c.OAuthThreadsID, c.OAuthThreadsSecret, "oauth-threads-app-id", "oauth-threads-app-secret", true},
	} {
		switch {
		case app.secret != "" && app.id == "":
			bad(app.idFlag, "is required when --%s is set", app.secretFlag)
		case app.id != "" && app.secret == "" && app.secretRequired:
			bad(app.secretFlag, "is required when --%s is set", app.idFlag)
		}
	}
	if c.XAPIEndpoint != "" {
		if u, err := url.Parse(c.XAPIEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			// Not echoed: it may hold a password.
			bad("xapi-endpoint", "must be the http(s) URL of the LRS's xAPI endpoint, without credentials (they go in --xapi-username and --xapi-password)")
		}
	}
	return errors.Join(errs...)
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
