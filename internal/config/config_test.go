package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/config"
)

func load(t *testing.T, args []string, env map[string]string) (*config.Config, error) {
	t.Helper()
	var c config.Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config.Bind(fs, &c)
	err := config.Load(fs, args, func(k string) string { return env[k] })
	return &c, err
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "attache.conf")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.BaseURL != "http://127.0.0.1:8080" || c.SecureCookies() {
		t.Errorf("derived base URL %q, secure=%v", c.BaseURL, c.SecureCookies())
	}
}

func TestFileIsRead(t *testing.T) {
	c, err := load(t, []string{"--config", "testdata/full.conf"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Data != "/srv/attache" || c.Addr != "0.0.0.0:9090" || c.BaseURL != "https://attache.example.org" || c.LogFormat != "json" ||
		c.SMTPHost != "smtp.example.org" || c.SMTPFrom != "Attaché <no-reply@example.org>" || !c.Demo || c.SessionDays != 30 || !c.SecureCookies() {
		t.Errorf("file not applied: %+v", c)
	}
}

// flag > environment > file > default.
func TestPrecedence(t *testing.T) {
	file := writeFile(t, "addr = 10.0.0.1:1\nlog-level = debug\nsmtp-port = 2525\ndata = /from/file\n")
	env := map[string]string{"ATTACHE_ADDR": "10.0.0.2:2", "ATTACHE_LOG_LEVEL": "warn", "ATTACHE_CONFIG": file}
	c, err := load(t, []string{"--addr", "10.0.0.3:3"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "10.0.0.3:3" {
		t.Errorf("addr = %q, want the flag", c.Addr)
	}
	if c.LogLevel != "warn" {
		t.Errorf("log-level = %q, want the environment", c.LogLevel)
	}
	if c.SMTPPort != 2525 || c.Data != "/from/file" {
		t.Errorf("smtp-port = %d, data = %q, want the file", c.SMTPPort, c.Data)
	}
	if c.SMTPTLS != "starttls" {
		t.Errorf("smtp-tls = %q, want the default", c.SMTPTLS)
	}
	// An empty environment variable counts as unset.
	c, err = load(t, []string{"--config", file}, map[string]string{"ATTACHE_ADDR": ""})
	if err != nil || c.Addr != "10.0.0.1:1" {
		t.Errorf("empty env var: addr = %q, %v", c.Addr, err)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want string
	}{
		{"unknown flag", []string{"--colour", "red"}, nil, "", "colour"},
		{"bad int flag", []string{"--smtp-port", "many"}, nil, "", "smtp-port"},
		{"bad env int", nil, map[string]string{"ATTACHE_SESSION_DAYS": "two"}, "", "ATTACHE_SESSION_DAYS"},
		{"bad env bool", nil, map[string]string{"ATTACHE_DEMO": "perhaps"}, "", "ATTACHE_DEMO"},
		{"unknown file setting", nil, nil, "colour = red\n", `unknown setting "colour"`},
		{"bad file line", nil, nil, "addr\n", "expected `name = value`"},
		{"bad file value", nil, nil, "smtp-port = lots\n", "smtp-port"},
		{"missing file", []string{"--config", "/nonexistent/attache.conf"}, nil, "", "config file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.file != "" {
				args = append(args, "--config", writeFile(t, c.file))
			}
			_, err := load(t, args, c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // "" when valid
	}{
		{"postgres", []string{"--database", "postgres://u@h/db"}, ""},
		{"mysql", []string{"--database", "mysql://u@h/db"}, "--database"},
		{"empty data", []string{"--data", " "}, "--data"},
		{"addr without port", []string{"--addr", "localhost"}, "--addr"},
		{"addr garbage", []string{"--addr", "::::"}, "--addr"},
		{"addr empty port", []string{"--addr", "localhost:"}, "--addr"},
		{"base url ftp", []string{"--base-url", "ftp://x"}, "--base-url"},
		{"base url no host", []string{"--base-url", "https://"}, "--base-url"},
		{"log format", []string{"--log-format", "xml"}, "--log-format"},
		{"log level", []string{"--log-level", "loud"}, "--log-level"},
		{"smtp port", []string{"--smtp-host", "h", "--smtp-port", "70000"}, "--smtp-port"},
		{"smtp from", []string{"--smtp-host", "h", "--smtp-from", "nobody"}, "--smtp-from"},
		{"smtp tls", []string{"--smtp-tls", "ssl3"}, "--smtp-tls"},
		{"oidc issuer", []string{"--oidc-issuer", "not a url", "--oidc-client-id", "x"}, "--oidc-issuer"},
		{"oidc client id", []string{"--oidc-issuer", "https://id.example.org"}, "--oidc-client-id"},
		{"session days", []string{"--session-days", "0"}, "--session-days"},
		{"xapi endpoint", []string{"--xapi-endpoint", "https://lrs.example.org/xapi/", "--xapi-username", "k", "--xapi-password", "s"}, ""},
		{"xapi endpoint scheme", []string{"--xapi-endpoint", "lrs.example.org"}, "--xapi-endpoint"},
		{"xapi endpoint credentials", []string{"--xapi-endpoint", "https://k:secret@lrs.example.org/xapi"}, "--xapi-endpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := load(t, c.args, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Errorf("valid config rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one naming %s", err, c.want)
			}
			// Messages name the environment variable too.
			if err != nil && !strings.Contains(err.Error(), "ATTACHE_") {
				t.Errorf("error does not name the environment variable: %v", err)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"smtp-host": "ATTACHE_SMTP_HOST", "data": "ATTACHE_DATA", "allow-private-endpoints": "ATTACHE_ALLOW_PRIVATE_ENDPOINTS"} {
		if got := config.EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLoadFile parses arbitrary configuration files: an error or a
// configuration, never a panic.
func FuzzLoadFile(f *testing.F) {
	full, _ := os.ReadFile("testdata/full.conf")
	f.Add(string(full))
	for _, s := range []string{"", "#", "=", "a=b", "addr = \"\\x\"", "demo = \"true\"", "smtp-port=\"1\"\n\n\n", "config = /etc/passwd", strings.Repeat("x", 70000)} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(dir, "fuzz.conf")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := load(t, []string{"--config", p}, nil)
		if err == nil {
			_ = c.Validate()
		}
	})
}
