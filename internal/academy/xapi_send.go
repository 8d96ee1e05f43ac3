package academy

// Sending the stored xAPI statements to a Learning Record Store, when the
// operator configures one (--xapi-endpoint, --xapi-username,
// --xapi-password). A background loop posts the unsent statements, oldest
// first, in batches (POST {endpoint}/statements, X-Experience-API-Version
// 1.0.3, basic auth) and records sent_at for what the LRS accepted; on
// failure it retries with a growing pause. Delivery is at least once:
// statements have ids, and an LRS keeps one statement per id, so a
// statement sent twice (two instances, or a crash after the POST) is
// stored once. A batch the LRS refuses is sent statement by statement
// with PUT ?statementId=, which tells "already stored" (204, or 409 for a
// different statement under that id) apart from "refused" (400): a
// refused statement is logged and skipped until the next restart.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/attache-project/attache/internal/db"
)

// XAPIVersion is the xAPI version the statements follow.
const XAPIVersion = "1.0.3"

// LRS sends statements to a Learning Record Store.
type LRS struct {
	DB       *db.DB
	Endpoint string // the LRS's xAPI base URL; statements go to {Endpoint}/statements
	Username string
	Password string
	HTTP     *http.Client // nil: a client with a 30-second timeout
	Log      *slog.Logger
	Batch    int // statements per POST; 0: 50

	mu       sync.Mutex
	rejected map[string]bool // refused by the LRS; skipped until restart
}

func (l *LRS) client() *http.Client {
	if l.HTTP != nil {
		return l.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (l *LRS) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

// statementsURL is {Endpoint}/statements.
func (l *LRS) statementsURL() string {
	return strings.TrimRight(l.Endpoint, "/") + "/statements"
}

// lrsError is an answer of the LRS other than success.
type lrsError struct {
	Status int
	Body   string
}

func (e *lrsError) Error() string { return fmt.Sprintf("LRS answered %d: %.200s", e.Status, e.Body) }

// send makes one request to the LRS.
func (l *LRS) send(ctx context.Context, method, target string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", XAPIVersion)
	if l.Username != "" || l.Password != "" {
		req.SetBasicAuth(l.Username, l.Password)
	}
	resp, err := l.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return &lrsError{Status: resp.StatusCode, Body: string(msg)}
	}
	return nil
}

type pending struct {
	id        string
	statement string
}

// unsent reads the oldest statements not yet sent (nor refused).
func (l *LRS) unsent(ctx context.Context, n int) ([]pending, error) {
	rows, err := l.DB.R().QueryContext(ctx, "SELECT id, statement FROM xapi_statements WHERE sent_at IS NULL ORDER BY stored_at, id LIMIT ?", n+len(l.rejected))
	if err != nil {
		return nil, fmt.Errorf("unsent xapi statements: %w", err)
	}
	defer rows.Close()
	var out []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.statement); err != nil {
			return nil, err
		}
		if !l.rejected[p.id] && len(out) < n {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

func (l *LRS) markSent(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{time.Now().UTC().Truncate(time.Microsecond)}
	for _, id := range ids {
		args = append(args, id)
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	_, err := l.DB.W().ExecContext(ctx, "UPDATE xapi_statements SET sent_at = ? WHERE sent_at IS NULL AND id IN ("+in+")", args...)
	if err != nil {
		return fmt.Errorf("mark xapi statements sent: %w", err)
	}
	return nil
}

// SendPending sends every unsent statement, batch by batch, and returns
// how many the LRS accepted. It stops at the first failure of the LRS
// (unreachable, 5xx, 429, 401 …), which the caller retries later.
func (l *LRS) SendPending(ctx context.Context) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rejected == nil {
		l.rejected = map[string]bool{}
	}
	size := l.Batch
	if size <= 0 {
		size = 50
	}
	sent := 0
	for {
		batch, err := l.unsent(ctx, size)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		body := make([]json.RawMessage, len(batch))
		ids := make([]string, len(batch))
		for i, p := range batch {
			body[i], ids[i] = json.RawMessage(p.statement), p.id
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return sent, err
		}
		err = l.send(ctx, http.MethodPost, l.statementsURL(), raw)
		var le *lrsError
		switch {
		case err == nil:
		case errors.As(err, &le) && (le.Status == http.StatusBadRequest || le.Status == http.StatusConflict):
			// One statement spoils the batch: one by one.
			if ids, err = l.sendEach(ctx, batch); err != nil {
				return sent, err
			}
		default:
			return sent, err
		}
		if err := l.markSent(ctx, ids); err != nil {
			return sent, err
		}
		sent += len(ids)
		if len(batch) < size {
			return sent, nil
		}
	}
}

// sendEach puts statements one at a time and returns the ids the LRS now
// holds.
func (l *LRS) sendEach(ctx context.Context, batch []pending) ([]string, error) {
	var ids []string
	for _, p := range batch {
		err := l.send(ctx, http.MethodPut, l.statementsURL()+"?statementId="+url.QueryEscape(p.id), []byte(p.statement))
		var le *lrsError
		switch {
		case err == nil:
			ids = append(ids, p.id)
		case errors.As(err, &le) && le.Status == http.StatusConflict:
			// The LRS holds another statement under this id: it will never
			// take ours, and retrying would not change that.
			l.log().Warn("xapi: the LRS holds a different statement with this id", "id", p.id)
			ids = append(ids, p.id)
		case errors.As(err, &le) && le.Status == http.StatusBadRequest:
			l.log().Error("xapi: the LRS refused a statement", "id", p.id, "err", err)
			l.rejected[p.id] = true
		default:
			return ids, err
		}
	}
	return ids, nil
}

// Run sends pending statements every interval until ctx ends, pausing
// longer (up to 30 minutes) while the LRS fails.
func (l *LRS) Run(ctx context.Context, every time.Duration) {
	wait := every
	for {
		n, err := l.SendPending(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			wait = min(wait*2, 30*time.Minute)
			l.log().Warn("xapi: sending statements to the LRS", "sent", n, "err", err, "retry_in", wait)
		case err == nil:
			wait = every
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
