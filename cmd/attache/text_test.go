package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// langidRun runs `attache text langid args…` in-process on the given stdin.
func langidRun(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	env := &env{stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	err = textLangid(context.Background(), env, strings.NewReader(stdin), args)
	return o.String(), e.String(), err
}

func decodeLangidLines(t *testing.T, out string) []langidLine {
	t.Helper()
	var lines []langidLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var v langidLine
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		lines = append(lines, v)
	}
	return lines
}

func TestTextLangid(t *testing.T) {
	input := []struct {
		text, lang, script string // lang "bcms": any of bs, hr, sr
	}{
		{"The ambassador presented her credentials to the president this morning.", "en", "Latn"},
		{"", "", ""},
		{"Посол сьогодні вручив вірчі грамоти президентові України.", "uk", "Cyrl"},
		{"Амбасадорот денеска ги предаде акредитивните писма на претседателот.", "mk", "Cyrl"},
		{"Ambasador je danas predao akreditivna pisma predsedniku Republike.\r", "bcms", "Latn"},
		{"ელჩმა დღეს პრეზიდენტს რწმუნებათა სიგელები გადასცა.", "ka", "Geor"},
		{"   ", "", ""},
		{"L'ambassadrice a présenté ses lettres de créance au président ce matin.", "fr", "Latn"},
		{"🙂 2026", "", ""},
	}
	var in strings.Builder
	for _, l := range input {
		in.WriteString(l.text + "\n")
	}
	for _, mode := range []string{"high", "low"} {
		t.Run(mode, func(t *testing.T) {
			out, errOut, err := langidRun(t, in.String(), "--mode", mode)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			got := decodeLangidLines(t, out)
			if len(got) != len(input) {
				t.Fatalf("%d output lines for %d input lines:\n%s", len(got), len(input), out)
			}
			for i, want := range input {
				g := got[i]
				langOK := g.Lang == want.lang
				if want.lang == "bcms" {
					langOK = g.Lang == "bs" || g.Lang == "hr" || g.Lang == "sr"
				}
				if !langOK || g.Script != want.script {
					t.Errorf("line %d %q: got %+v, want lang %s script %q", i+1, want.text, g, want.lang, want.script)
				}
				if want.lang == "" && g.Confidence != 0 {
					t.Errorf("line %d %q: confidence %v without a language", i+1, want.text, g.Confidence)
				}
				if want.lang != "" && (g.Confidence <= 0 || g.Confidence > 1) {
					t.Errorf("line %d %q: confidence %v out of (0, 1]", i+1, want.text, g.Confidence)
				}
			}
		})
	}
}

// An empty line prints exactly the documented empty result.
func TestTextLangidEmptyLine(t *testing.T) {
	out, _, err := langidRun(t, "\n", "--mode", "low")
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"lang":"","script":"","confidence":0}` + "\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestTextLangidNoInput(t *testing.T) {
	out, _, err := langidRun(t, "", "--mode", "low")
	if err != nil || out != "" {
		t.Errorf("empty stdin: out %q, err %v", out, err)
	}
}

func TestTextLangidLastLineWithoutNewline(t *testing.T) {
	out, _, err := langidRun(t, "first line here\nsecond line without a newline", "--mode", "low")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("%d output lines, want 2:\n%s", n, out)
	}
}

func TestTextLangidBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown mode", []string{"--mode", "medium"}, "unknown language ID mode"},
		{"positional argument", []string{"hello"}, "unexpected arguments"},
		{"unknown flag", []string{"--fast"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := langidRun(t, "hello\n", tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error()+errOut, tt.want) {
				t.Errorf("error %q, stderr %q: want %q", err, errOut, tt.want)
			}
		})
	}
}

// A line over the limit is an error, after the lines before it were answered.
func TestTextLangidLineTooLong(t *testing.T) {
	in := "a first short line\n" + strings.Repeat("word ", maxLangidLine/5+1) + "\n"
	out, _, err := langidRun(t, in, "--mode", "low")
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("err %v, want a line-too-long error", err)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want the first line answered, got %q", out)
	}
}

// A line of almost the limit is accepted.
func TestTextLangidLongLine(t *testing.T) {
	in := strings.Repeat("word ", (maxLangidLine-10)/5) + "\n"
	out, _, err := langidRun(t, in, "--mode", "low")
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeLangidLines(t, out); len(got) != 1 || got[0].Script != "Latn" {
		t.Errorf("got %+v", got)
	}
}

// The command streams: each answer comes out before the next line goes in.
func TestTextLangidStreams(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	env := &env{stdout: outW, stderr: io.Discard, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() {
		err := textLangid(context.Background(), env, inR, []string{"--mode", "low"})
		outW.CloseWithError(err)
		done <- err
	}()
	answers := bufio.NewScanner(outR)
	for _, line := range []string{"Good morning to all of you", "Доброго ранку всім вам", "Bonjour à tous"} {
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		// The writer keeps stdin open: an answer here proves no read-all.
		got := make(chan string, 1)
		go func() {
			if answers.Scan() {
				got <- answers.Text()
			}
			close(got)
		}()
		select {
		case a, ok := <-got:
			if !ok || !strings.Contains(a, `"lang"`) {
				t.Fatalf("answer to %q: %q", line, a)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no answer to %q while stdin stays open", line)
		}
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTextLangidCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	if err := textLangid(ctx, env, strings.NewReader("hello there\n"), []string{"--mode", "low"}); err == nil {
		t.Error("a cancelled run returned no error")
	}
}

// The command is registered and reachable through run.
func TestTextLangidRegistered(t *testing.T) {
	var o, e bytes.Buffer
	env := &env{stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	err := run(context.Background(), env, []string{"text", "langid", "--mode", "nonsense"})
	if err == nil || !strings.Contains(err.Error(), "unknown language ID mode") {
		t.Errorf("run text langid with a bad mode: %v", err)
	}
}
