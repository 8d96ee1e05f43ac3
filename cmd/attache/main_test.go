package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

// cli runs the command line in-process.
type cli struct {
	t    *testing.T
	env  map[string]string
	base []string // --data / --database flags
	e    testutil.Engine
}

func newCLI(t *testing.T, e testutil.Engine) *cli {
	base := []string{"--data", e.Dir}
	if e.URL != "" {
		base = append(base, "--database", e.URL)
	}
	return &cli{t: t, env: map[string]string{}, base: base, e: e}
}

// run runs attache with args; the shared flags are appended after the
// command words unless noBase.
func (c *cli) run(words []string, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	env := &env{stdout: &o, stderr: &e, getenv: func(k string) string { return c.env[k] }}
	all := append(append(append([]string{}, words...), c.base...), args...)
	err = run(context.Background(), env, all)
	return o.String(), e.String(), err
}

func (c *cli) mustRun(words []string, args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(words, args...)
	if err != nil {
		c.t.Fatalf("attache %s %s: %v\nstderr: %s", strings.Join(words, " "), strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestCLI(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		c := newCLI(t, e)
		if out := c.mustRun([]string{"migrate"}); !strings.Contains(out, "up to date") {
			t.Errorf("migrate: %q", out)
		}
		// Migrating twice is fine.
		c.mustRun([]string{"migrate"})

		c.env["ATTACHE_DEMO_PASSWORD"] = "demo-password-for-tests"
		out, errOut, err := c.run([]string{"demo"})
		if err != nil {
			t.Fatalf("demo: %v %s", err, errOut)
		}
		if strings.Contains(out+errOut, "demo-password-for-tests") {
			t.Error("demo printed the password it was given")
		}
		if !strings.Contains(errOut, "organiser@demo.attache.test") {
			t.Errorf("demo does not list the accounts: %s", errOut)
		}
		// A second load refuses to touch a non-empty database.
		if _, _, err := c.run([]string{"demo"}); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("second demo: %v", err)
		}

		out = c.mustRun([]string{"user", "create"}, "--email", "New.User@Example.org", "--name", "New User", "--org", "mfa-ua", "--role", "analyst")
		if !strings.Contains(out, "<new.user@example.org>") {
			t.Errorf("user create: %q", out)
		}
		if _, _, err := c.run([]string{"user", "create"}, "--email", "new.user@example.org", "--name", "Again"); err == nil {
			t.Error("duplicate user created")
		}
		if _, _, err := c.run([]string{"user", "create"}, "--email", "x", "--name", "X"); err == nil || !strings.Contains(err.Error(), "email") {
			t.Errorf("bad email: %v", err)
		}
		if _, _, err := c.run([]string{"user", "create"}, "--email", "z@example.org", "--name", "Z", "--org", "no-such-org"); err == nil || !strings.Contains(err.Error(), "no-such-org") {
			t.Errorf("unknown org: %v", err)
		}

		out, errOut, err = c.run([]string{"token", "create"}, "--email", "new.user@example.org", "--name", "ci")
		if err != nil {
			t.Fatalf("token create: %v %s", err, errOut)
		}
		tok := strings.TrimSpace(out)
		if !strings.HasPrefix(tok, auth.TokenPrefix) || strings.Count(out, "\n") != 1 || strings.ContainsAny(tok, " \t") {
			t.Errorf("token create must print only the token, got %q", out)
		}
		if _, _, err := c.run([]string{"token", "create"}, "--email", "ghost@example.org", "--name", "ci"); err == nil || !strings.Contains(err.Error(), "ghost@example.org") {
			t.Errorf("token for unknown user: %v", err)
		}
		if _, _, err := c.run([]string{"token", "create"}, "--email", "new.user@example.org"); err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("token without name: %v", err)
		}

		// The token works.
		d, err := db.Open(ctx, e.Dir, e.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		u, err := (&auth.Service{DB: d}).TokenUser(ctx, tok)
		if err != nil || u.Email != "new.user@example.org" {
			t.Errorf("printed token does not resolve: %+v %v", u, err)
		}

		out = c.mustRun([]string{"audit", "verify"})
		if !strings.Contains(out, "intact") {
			t.Errorf("audit verify: %q", out)
		}
		if _, err := d.W().ExecContext(ctx, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"); err != nil {
			t.Fatal(err)
		}
		out, _, err = c.run([]string{"audit", "verify"})
		var ec exitCode
		if !errors.As(err, &ec) || ec != 2 {
			t.Fatalf("audit verify on a tampered log: err = %v, want exitCode(2)", err)
		}
		if !strings.Contains(out, "entry 3") {
			t.Errorf("audit verify does not name the first bad entry: %q", out)
		}
		if n, _ := audit.Verify(ctx, d.R()); n != 2 {
			t.Errorf("entries before the bad one: %d", n)
		}
	})
}

func TestCLIVersionAndHelp(t *testing.T) {
	var o, e bytes.Buffer
	en := &env{stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	if err := run(context.Background(), en, []string{"version"}); err != nil || !strings.HasPrefix(o.String(), "attache ") {
		t.Errorf("version: %q %v", o.String(), err)
	}
	o.Reset()
	if err := run(context.Background(), en, nil); err != nil || !strings.Contains(o.String(), "audit verify") {
		t.Errorf("usage: %q %v", o.String(), err)
	}
	if err := run(context.Background(), en, []string{"frobnicate"}); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: %v", err)
	}
}

func TestCLIConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"--colour", "red"}, nil, "colour"},
		{"bad addr", []string{"--addr", "nowhere"}, nil, "--addr"},
		{"bad log format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"bad env", nil, map[string]string{"ATTACHE_LOG_FORMAT": "yaml"}, "--log-format"},
		{"stray argument", []string{"extra"}, nil, "extra"},
		{"bad database", []string{"--database", "mysql://x"}, nil, "--database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o, e bytes.Buffer
			en := &env{stdout: &o, stderr: &e, getenv: func(k string) string { return c.env[k] }}
			err := run(context.Background(), en, append([]string{"migrate", "--data", dir}, c.args...))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// flag > environment > file, seen through the CLI: a broken value in a
// weaker source is overridden by a good one in a stronger source.
func TestCLIConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "attache.conf")
	if err := os.WriteFile(file, []byte("log-format = xml\naddr = nowhere\ndata = "+filepath.Join(dir, "data")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	try := func(vars map[string]string, args ...string) error {
		var o, e bytes.Buffer
		en := &env{stdout: &o, stderr: &e, getenv: func(k string) string { return vars[k] }}
		return run(context.Background(), en, append([]string{"migrate", "--config", file}, args...))
	}
	if err := try(nil); err == nil || !strings.Contains(err.Error(), "--log-format") || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("file values not applied: %v", err)
	}
	if err := try(map[string]string{"ATTACHE_LOG_FORMAT": "json", "ATTACHE_ADDR": "127.0.0.1:1"}); err != nil {
		t.Errorf("env does not override the file: %v", err)
	}
	if err := try(map[string]string{"ATTACHE_LOG_FORMAT": "yaml"}, "--log-format", "text", "--addr", "127.0.0.1:1"); err != nil {
		t.Errorf("flags do not override env and file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "attache.db")); err != nil {
		t.Errorf("data directory from the file not used: %v", err)
	}
}

// Rotating the certificate signing key from the command line: each run
// retires the current key and names the new one; the retired keys stay.
func TestCLIAcademyKeyRotate(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		c := newCLI(t, e)
		c.mustRun([]string{"migrate"})
		for _, want := range []string{"#key-2", "#key-3"} {
			if out := c.mustRun([]string{"academy", "key", "rotate"}); !strings.Contains(out, want) {
				t.Errorf("academy key rotate: %q, want %s", out, want)
			}
		}
		d, err := db.Open(ctx, e.Dir, e.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var all, retired int
		if err := d.R().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(retired_at) FROM credential_keys").Scan(&all, &retired); err != nil {
			t.Fatal(err)
		}
		if all != 3 || retired != 2 {
			t.Errorf("keys after two rotations: %d, %d retired; want 3, 2 retired", all, retired)
		}
		if out := c.mustRun([]string{"audit", "verify"}); !strings.Contains(out, "intact") {
			t.Errorf("audit verify after rotations: %q", out)
		}
	})
}
