package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/attache-project/attache/internal/langid"
)

// maxLangidLine is the longest input line `text langid` accepts.
const maxLangidLine = 1 << 20

// runTextLangid reads lines of text on stdin and prints one JSONL line for
// each: {"lang", "script", "confidence"}. It needs no database.
func runTextLangid(ctx context.Context, e *env, args []string) error {
	// env carries no stdin: no other command reads it.
	return textLangid(ctx, e, os.Stdin, args)
}

// langidLine is one output line; the field order is the documented one.
type langidLine struct {
	Lang       string  `json:"lang"`
	Script     string  `json:"script"`
	Confidence float64 `json:"confidence"`
}

func textLangid(ctx context.Context, e *env, in io.Reader, args []string) error {
	fs := flag.NewFlagSet("attache text langid", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	// High is the default: on the development set it is the mode with a
	// margin over the acceptance thresholds (docs/bench-langid.md); its load
	// time of a few seconds is paid once per run.
	modeName := fs.String("mode", "high", "accuracy mode: high (1- to 5-grams, more memory, slower to load) or low (trigrams only)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: attache text langid [--mode high|low] < lines\n\nPrints one JSON line per input line: {\"lang\": ISO 639-1 or \"\", \"script\": ISO 15924 or \"\", \"confidence\": 0..1}.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	mode, err := langid.ParseMode(*modeName)
	if err != nil {
		return err
	}
	d, err := langid.New(mode)
	if err != nil {
		return err
	}

	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), maxLangidLine)
	out := bufio.NewWriter(e.stdout)
	enc := json.NewEncoder(out)
	for n := 1; sc.Scan(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := d.Detect(string(trimCR(sc.Bytes())))
		line := langidLine{Lang: r.Lang, Script: r.Script, Confidence: roundConfidence(r.Confidence)}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("write result of line %d: %w", n, err)
		}
		// Flush each line: the command is a stream, and a reader waiting for
		// the answer to the line it just wrote must get it.
		if err := out.Flush(); err != nil {
			return fmt.Errorf("write result of line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("read stdin: a line is longer than %d bytes", maxLangidLine)
		}
		return fmt.Errorf("read stdin: %w", err)
	}
	return nil
}

// trimCR drops the carriage return of a CRLF line ending.
func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// roundConfidence keeps four decimals: more digits are noise, not information.
func roundConfidence(c float64) float64 {
	return math.Round(c*1e4) / 1e4
}
