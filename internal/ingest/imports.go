package ingest

// File imports started from the web: the file is kept in a spool folder,
// read in the background by the instance that received it, and its
// progress is written to listen_imports after every stored batch, so any
// instance can show the progress bar. An instance that stops mid-import
// leaves a row that stops moving; Recover marks such rows interrupted
// (what was stored stays: importing the file again skips the duplicates).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/valid"
)

// States of an import.
const (
	ImportRunning     = "running"
	ImportDone        = "done"
	ImportFailed      = "failed"
	ImportInterrupted = "interrupted"
)

// MaxImportBytes is the largest file the web accepts (the CLI has no limit).
const MaxImportBytes = 512 << 20

// maxProblems is how many bad records an import keeps to show.
const maxProblems = 50

// Import is one file import and its progress.
type Import struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"`
	UserID     int64      `json:"user_id,omitempty"`
	Filename   string     `json:"filename"`
	Format     string     `json:"format"`
	Source     string     `json:"source"`
	Status     string     `json:"status"`
	SizeBytes  int64      `json:"size_bytes"`
	ReadBytes  int64      `json:"read_bytes"`
	Received   int64      `json:"received"`
	Inserted   int64      `json:"inserted"`
	Duplicates int64      `json:"duplicates"`
	Invalid    int64      `json:"invalid"` // refused by the pipeline's checks
	Matches    int64      `json:"matches"`
	Problems   []string   `json:"problems,omitempty"` // bad records with their line, the first 50
	BadRecords int64      `json:"bad_records"`
	Error      string     `json:"error,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Percent is the share of the file read, 0–100.
func (im Import) Percent() int {
	if im.SizeBytes <= 0 {
		if im.Status == ImportDone {
			return 100
		}
		return 0
	}
	return int(min(100, im.ReadBytes*100/im.SizeBytes))
}

// Finished reports whether the import has stopped, well or not.
func (im Import) Finished() bool { return im.Status != ImportRunning }

const importColumns = `id, org_id, user_id, filename, format, source, status, size_bytes, read_bytes, received, inserted,
	duplicates, invalid, matches, problems, error, started_at, updated_at, finished_at`

func scanImport(row interface{ Scan(...any) error }) (Import, error) {
	var im Import
	var user sql.NullInt64
	var problems string
	err := row.Scan(&im.ID, &im.OrgID, &user, &im.Filename, &im.Format, &im.Source, &im.Status, &im.SizeBytes, &im.ReadBytes,
		&im.Received, &im.Inserted, &im.Duplicates, &im.Invalid, &im.Matches, &problems, &im.Error, &im.StartedAt, &im.UpdatedAt, &im.FinishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return im, db.ErrNotFound
	}
	if err != nil {
		return im, fmt.Errorf("import: %w", err)
	}
	im.UserID = user.Int64
	if problems != "" {
		lines := strings.Split(problems, "\n")
		// The last line counts the bad records ("#n").
		if last := lines[len(lines)-1]; strings.HasPrefix(last, "#") {
			fmt.Sscan(last[1:], &im.BadRecords)
			lines = lines[:len(lines)-1]
		}
		im.Problems = lines
	}
	im.StartedAt, im.UpdatedAt = im.StartedAt.UTC(), im.UpdatedAt.UTC()
	if im.FinishedAt != nil {
		f := im.FinishedAt.UTC()
		im.FinishedAt = &f
	}
	return im, nil
}

// GetImport loads an import of an organisation; another's is not found.
func GetImport(ctx context.Context, q db.Queryer, orgID, id int64) (Import, error) {
	return scanImport(q.QueryRowContext(ctx, "SELECT "+importColumns+" FROM listen_imports WHERE id = ? AND org_id = ?", id, orgID))
}

// ListImports returns an organisation's latest imports, newest first.
func ListImports(ctx context.Context, q db.Queryer, orgID int64, limit int) ([]Import, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+importColumns+" FROM listen_imports WHERE org_id = ? ORDER BY started_at DESC, id DESC LIMIT ?", orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// Importer runs web imports in the background.
type Importer struct {
	DB       *db.DB
	Pipeline *Pipeline
	// Dir is the spool folder for uploaded files; "" means the system's
	// temporary folder.
	Dir string
	Log *slog.Logger
	// Base is the context imports run under (the app's lifetime); nil
	// means context.Background.
	Base context.Context
	// Every is how often a running import writes its progress; 0 means
	// 500 ms.
	Every time.Duration

	wg sync.WaitGroup
}

// Start checks the request, spools the file and starts reading it in the
// background; the returned import is running. format "" is taken from the
// file name; source "" is "file".
func (ir *Importer) Start(ctx context.Context, orgID, userID int64, filename, format, source string, body io.Reader) (Import, error) {
	filename = strings.TrimSpace(filepath.Base(strings.ReplaceAll(filename, "\\", "/")))
	if filename == "" || filename == "." || filename == "/" {
		return Import{}, &valid.FieldError{Field: "file", Reason: "choose a JSONL or CSV file"}
	}
	if !utf8.ValidString(filename) || len(filename) > 255 {
		filename = "upload"
	}
	if format == "" {
		format = FormatOf(filename)
	}
	if _, err := Reader(format); err != nil {
		return Import{}, &valid.FieldError{Field: "format", Reason: "must be JSONL or CSV (name the file .jsonl or .csv, or choose the format)"}
	}
	if source == "" {
		source = "file"
	}
	if probe := (listen.Mention{OrgID: orgID, Source: strings.ToLower(strings.TrimSpace(source)), ExternalID: "x", At: time.Now()}); probe.Validate() != nil {
		return Import{}, &valid.FieldError{Field: "source", Reason: "must be a source name such as file, telegram or rss (lower-case letters, digits, - and _)"}
	}
	source = strings.ToLower(strings.TrimSpace(source))
	f, err := os.CreateTemp(ir.Dir, "attache-import-*")
	if err != nil {
		return Import{}, fmt.Errorf("import: spool: %w", err)
	}
	size, err := io.Copy(f, io.LimitReader(body, MaxImportBytes+1))
	if err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		os.Remove(f.Name())
		return Import{}, fmt.Errorf("import: spool: %w", err)
	}
	if size > MaxImportBytes {
		os.Remove(f.Name())
		return Import{}, &valid.FieldError{Field: "file", Reason: fmt.Sprintf("is larger than %d MB: import it with the command line (attache listen import)", MaxImportBytes>>20)}
	}
	if size == 0 {
		os.Remove(f.Name())
		return Import{}, &valid.FieldError{Field: "file", Reason: "is empty"}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	im := Import{OrgID: orgID, UserID: userID, Filename: filename, Format: format, Source: source, Status: ImportRunning,
		SizeBytes: size, StartedAt: now, UpdatedAt: now}
	var user any
	if userID != 0 {
		user = userID
	}
	err = ir.DB.W().QueryRowContext(ctx, `INSERT INTO listen_imports (org_id, user_id, filename, format, source, status, size_bytes, started_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, orgID, user, filename, format, source, ImportRunning, size, now, now).Scan(&im.ID)
	if err != nil {
		os.Remove(f.Name())
		return Import{}, fmt.Errorf("import: %w", err)
	}
	ir.wg.Add(1)
	go func() {
		defer ir.wg.Done()
		defer os.Remove(f.Name())
		ir.run(im, f.Name())
	}()
	return im, nil
}

// Wait blocks until every running import of this instance has finished.
func (ir *Importer) Wait() { ir.wg.Wait() }

// run reads the spooled file through the pipeline, writing progress.
func (ir *Importer) run(im Import, path string) {
	ctx := ir.Base
	if ctx == nil {
		ctx = context.Background()
	}
	every := ir.Every
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	finish := func(status, msg string, res StreamResult, read int64) {
		im.Status, im.Error = status, msg
		im.ReadBytes = read
		ir.save(&im, res.Total, res.Bad, true)
	}
	f, err := os.Open(path)
	if err != nil {
		finish(ImportFailed, "the uploaded file could not be read again", StreamResult{}, 0)
		return
	}
	defer f.Close()
	counted := &countReader{r: f}
	var last time.Time
	var mu sync.Mutex
	res, err := ir.Pipeline.ImportStream(ctx, im.OrgID, counted, im.Format, im.Source, func(total Result) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < every {
			return
		}
		last = time.Now()
		im.ReadBytes = counted.n.Load()
		ir.save(&im, total, nil, false)
	})
	if err != nil {
		if ir.Log != nil {
			ir.Log.Error("listening import failed", "import", im.ID, "org", im.OrgID, "err", err)
		}
		msg := "storing failed; what was stored before stays, and importing the file again skips it"
		if ctx.Err() != nil {
			msg = "the server stopped during the import; what was stored stays, and importing the file again skips it"
		}
		finish(ImportFailed, msg, res, counted.n.Load())
		return
	}
	finish(ImportDone, "", res, im.SizeBytes)
}

// save writes the progress; the final save also records the problems.
func (ir *Importer) save(im *Import, total Result, bad []LineError, final bool) {
	im.Received = int64(total.Received)
	im.Inserted, im.Duplicates = int64(total.Inserted), int64(total.Duplicates)
	im.Invalid, im.Matches = int64(total.Invalid), int64(total.Matches)
	im.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	var problems string
	var finished any
	if final {
		var lines []string
		for i, b := range bad {
			if i == maxProblems || b.Line == 0 {
				break
			}
			lines = append(lines, b.Error())
		}
		if n := CountBad(bad); n > 0 {
			lines = append(lines, fmt.Sprintf("#%d", n))
		}
		problems = strings.Join(lines, "\n")
		finished = im.UpdatedAt
	}
	// A background context: the final state must be written even when the
	// import's own context is cancelled by a shutdown.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := ir.DB.W().ExecContext(ctx, `UPDATE listen_imports SET status = ?, read_bytes = ?, received = ?, inserted = ?, duplicates = ?,
		invalid = ?, matches = ?, problems = CASE WHEN ? THEN ? ELSE problems END, error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
		im.Status, im.ReadBytes, im.Received, im.Inserted, im.Duplicates, im.Invalid, im.Matches, final, problems, im.Error,
		im.UpdatedAt, finished, im.ID)
	if err != nil && ir.Log != nil {
		ir.Log.Error("listening import progress", "import", im.ID, "err", err)
	}
}

// Recover marks imports that have not moved for stale as interrupted:
// their instance stopped. It returns how many it marked.
func Recover(ctx context.Context, d *db.DB, stale time.Duration) (int, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	res, err := d.W().ExecContext(ctx, `UPDATE listen_imports SET status = ?, finished_at = ?, error = ?
		WHERE status = ? AND updated_at < ?`, ImportInterrupted, now,
		"the server stopped during the import; what was stored stays, and importing the file again skips it",
		ImportRunning, now.Add(-stale))
	if err != nil {
		return 0, fmt.Errorf("imports: recover: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
