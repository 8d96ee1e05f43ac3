package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// StreamBatch is how many items go through the pipeline in one
// transaction when a file is imported: large enough to amortise the
// commit, small enough that a failure loses little and progress moves.
const StreamBatch = 2000

// Formats of a file of mentions.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// FormatOf names the format of a file from its extension, or "".
func FormatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	case ".csv":
		return FormatCSV
	}
	return ""
}

// Reader returns the streaming reader of a format.
func Reader(format string) (func(io.Reader, string, func(Item) error) (int, []LineError, error), error) {
	switch format {
	case FormatJSONL:
		return ReadJSONL, nil
	case FormatCSV:
		return ReadCSV, nil
	}
	return nil, fmt.Errorf("the format must be jsonl or csv, not %q", format)
}

// StreamResult is what an import of a stream did.
type StreamResult struct {
	Good  int         // records read without a problem
	Bad   []LineError // the records refused, with their line
	Total Result      // what the pipeline stored
}

// ImportStream reads a JSONL or CSV stream of one organisation's mentions
// and stores it through the pipeline in batches of StreamBatch. Two
// stages overlap: this goroutine reads and prepares (on every core) while
// another stores the previous batch (one connection). stored, when not
// nil, is called after each stored batch with the running totals. Bad
// records never stop an import; a store error does, after what was
// stored before it.
func (p *Pipeline) ImportStream(ctx context.Context, orgID int64, r io.Reader, format, source string, stored func(Result)) (StreamResult, error) {
	read, err := Reader(format)
	if err != nil {
		return StreamResult{}, err
	}
	var out StreamResult
	batches := make(chan *Batch, 1)
	failed := make(chan struct{})
	var storeErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range batches {
			if storeErr != nil {
				continue // drain
			}
			res, err := p.Store(ctx, b)
			if err != nil {
				storeErr = err
				close(failed)
				continue
			}
			out.Total.Add(res)
			if stored != nil {
				stored(out.Total)
			}
		}
	}()
	batch := make([]Item, 0, StreamBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		b, err := p.Prepare(ctx, orgID, batch)
		if err != nil {
			return err
		}
		batch = batch[:0] // Prepare copied what it keeps
		select {
		case batches <- b:
			return nil
		case <-failed:
			return errors.New("storing failed")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	n, bad, err := read(r, source, func(it Item) error {
		batch = append(batch, it)
		if len(batch) == StreamBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	close(batches)
	<-done
	if storeErr != nil {
		err = storeErr
	}
	out.Good, out.Bad = n, bad
	return out, err
}
