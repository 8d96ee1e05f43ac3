// Command attache is the whole of Attaché: web UI, JSON API, workers and
// administration commands, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // IANA zones even on hosts without a zone database
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what commands get from the process: streams and environment.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = []command{
	{"serve", "run the web UI, API and workers", runServe},
	{"migrate", "apply pending database migrations", runMigrate},
	{"demo", "load demo data into an empty database", runDemo},
	{"org create", "create an organisation (the first programme, or any other)", runOrgCreate},
	{"user create", "create a user (and optionally a membership)", runUserCreate},
	{"academy seed", "load the built-in courses into a programme organisation", runAcademySeed},
	{"academy key rotate", "sign certificates with a new key from now on (earlier keys stay published)", runAcademyKeyRotate},
	{"token create", "create an API token for a user; prints only the token", runTokenCreate},
	{"audit verify", "verify the hash chain of the audit log", runAuditVerify},
	{"secret rotate", "re-encrypt secrets at rest under a new key", runSecretRotate},
	{"secrets rotate", "the same as secret rotate", runSecretRotate},
	{"query check", "parse a listening query: exit 0 and its parsed form, or exit 2 and the error with its position", runQueryCheck},
	{"query match", "match JSONL texts against JSONL standing queries; one JSONL line of matches per text", runQueryMatch},
	{"listen import", "import a JSONL or CSV file of public texts into an organisation's listening", runListenImport},
	{"text langid", "identify the language and script of each line on stdin; one JSONL line each", runTextLangid},
	{"bench listen", "measure analysis, matching and ingest side by side with their baselines", runBenchListen},
	{"version", "print the version", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := run(ctx, e, os.Args[1:]); err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec)) // the command has already said why
		}
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "attache:", err)
		}
		os.Exit(1)
	}
}

// exitCode lets a command choose its exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return nil
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(ctx, e, args[len(words):])
		}
	}
	usage(e.stderr)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Attaché — digital diplomacy platform\n\nUsage: attache COMMAND [flags]\n\nCommands:")
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `attache COMMAND -h` for the flags of a command. Every flag can also be set with an ATTACHE_* environment variable (--smtp-host → ATTACHE_SMTP_HOST) or in a --config file.")
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
