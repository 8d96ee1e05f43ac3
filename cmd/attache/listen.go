package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/langid"
)

// runListenImport loads a JSONL or CSV file of public texts into an
// organisation's listening: each record is normalised, its language
// identified when the file does not give it, analysed, matched against
// the organisation's topics and stored; exact duplicates are skipped. Bad
// records are listed with their line; the good ones are kept (exit status
// 2 when there were bad ones).
func runListenImport(ctx context.Context, e *env, args []string) error {
	var orgRef, path, format, source, mode string
	a, err := open(ctx, e, "listen import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&orgRef, "org", "", "slug or id of the organisation that listens (required)")
		fs.StringVar(&path, "file", "", "the file to import (required; - for standard input)")
		fs.StringVar(&format, "format", "", "jsonl or csv (default: from the file name)")
		fs.StringVar(&source, "source", "file", "the source of records that do not name one")
		fs.StringVar(&mode, "langid", "low", "language identification for records without lang: low, high or off")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if orgRef == "" || path == "" {
		return errors.New("listen import: --org and --file are required")
	}
	o, err := findOrg(ctx, a, orgRef)
	if err != nil {
		return err
	}
	if format == "" {
		if format = ingest.FormatOf(path); format == "" {
			return fmt.Errorf("listen import: say --format jsonl or --format csv for %s", path)
		}
	}
	if _, err := ingest.Reader(format); err != nil {
		return fmt.Errorf("listen import: --format: %w", err)
	}
	in, size, err := openInput(path)
	if err != nil {
		return err
	}
	defer in.Close()

	id := ingest.Identifier{Script: langid.Script}
	if mode != "off" {
		m, err := langid.ParseMode(mode)
		if err != nil {
			return fmt.Errorf("listen import: --langid: %w", err)
		}
		d, err := langid.New(m)
		if err != nil {
			return err
		}
		id.Language = func(s string) string { return d.Detect(s).Lang }
	}
	p := &ingest.Pipeline{DB: a.DB, Identify: id, Topics: &ingest.Topics{DB: a.DB}}

	counted := &countingReader{r: in}
	prog := newProgress(e.stderr, filepath.Base(path), size, counted)
	defer prog.stop()
	res, err := p.ImportStream(ctx, o.ID, counted, format, source, prog.set)
	total, n, bad := res.Total, res.Good, res.Bad
	prog.stop()
	fmt.Fprintf(e.stdout, "%s: %d good records, %d new mentions, %d duplicates, %d topic matches, %d refused, %d bad records\n",
		path, n, total.Inserted, total.Duplicates, total.Matches, total.Invalid, ingest.CountBad(bad))
	if err != nil {
		return fmt.Errorf("listen import stopped after %d stored records: %w", total.Inserted+total.Duplicates, err)
	}
	if len(bad) > 0 {
		for i, b := range bad {
			if i == 20 {
				fmt.Fprintf(e.stderr, "… and %d more\n", ingest.CountBad(bad)-20)
				break
			}
			fmt.Fprintf(e.stderr, "%s: %s\n", path, b.Error())
		}
		return exitCode(2)
	}
	return nil
}

// openInput opens a file (or standard input for "-") and returns its size
// when known (0 otherwise).
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress draws one status line on stderr about four times a second:
// the share of the file read (when its size is known), counts and rate.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	read  *countingReader
	start time.Time
	done  chan struct{}
	ended chan struct{}
	res   atomic.Pointer[ingest.Result]
}

func newProgress(w io.Writer, name string, size int64, read *countingReader) *progress {
	p := &progress{w: w, name: name, size: size, read: read, start: time.Now(), done: make(chan struct{}), ended: make(chan struct{})}
	p.res.Store(&ingest.Result{})
	go func() {
		defer close(p.ended)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				p.draw(true)
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
	return p
}

func (p *progress) set(r ingest.Result) { p.res.Store(&r) }

func (p *progress) draw(last bool) {
	r := p.res.Load()
	secs := max(time.Since(p.start).Seconds(), 0.001)
	share := ""
	if p.size > 0 {
		share = fmt.Sprintf("%3.0f%% · ", 100*float64(p.read.n.Load())/float64(p.size))
	}
	end := ""
	if last {
		end = "\n"
	}
	fmt.Fprintf(p.w, "\r%s: %s%d read · %d new · %d duplicates · %.0f records/s   %s",
		p.name, share, r.Received, r.Inserted, r.Duplicates, float64(r.Received)/secs, end)
}

// stop draws the last line once; later calls do nothing.
func (p *progress) stop() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	<-p.ended
}

// lazyIdentifier identifies languages with mode's models, loaded on the
// first text that needs them (a server that ingests nothing never pays
// for them); the script needs no model.
func lazyIdentifier(mode langid.Mode) ingest.Identifier {
	var (
		once sync.Once
		d    *langid.Detector
	)
	return ingest.Identifier{
		Script: langid.Script,
		Language: func(s string) string {
			once.Do(func() { d, _ = langid.New(mode) })
			if d == nil {
				return ""
			}
			return d.Detect(s).Lang
		},
	}
}
