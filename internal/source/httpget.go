package source

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/netguard"
)

// userAgent names Attaché to the servers it polls, and where to read
// about it, as polite crawlers do.
const userAgent = "Attache/1.0 (Attaché listening; +https://github.com/attache-project/attache)"

// fetchError is a failed fetch: the HTTP status (0 when there was no
// answer) and how long the server asked to wait.
type fetchError struct {
	status     int
	retryAfter time.Duration
	msg        string
}

func (e *fetchError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("%s (HTTP %d)", e.msg, e.status)
	}
	return e.msg
}

// retryAfterOf is the wait a failed fetch asked for, or 0.
func retryAfterOf(err error) time.Duration {
	var fe *fetchError
	if errors.As(err, &fe) {
		return fe.retryAfter
	}
	return 0
}

// retryAfter reads Retry-After (seconds or an HTTP date, RFC 9110) and
// Mastodon's X-RateLimit-Reset (an RFC 3339 time), and takes the later.
func retryAfter(h http.Header, now time.Time) time.Duration {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			d = max(d, t.Sub(now))
		}
	}
	return min(max(d, 0), MaxRetryAfter)
}

// statusError describes a refused request. 429 and 503 carry the wait
// the server asked for.
func statusError(what string, resp *http.Response, now time.Time) error {
	e := &fetchError{status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.msg = what + ": rate limited by the server"
		e.retryAfter = retryAfter(resp.Header, now)
	case resp.StatusCode == http.StatusServiceUnavailable:
		e.msg = what + ": the server is unavailable"
		e.retryAfter = retryAfter(resp.Header, now)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		e.msg = what + ": not found at this address"
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.msg = what + ": the server refuses to answer without signing in"
	case resp.StatusCode >= 500:
		e.msg = what + ": the server failed"
	default:
		e.msg = what + ": unexpected answer " + http.StatusText(resp.StatusCode)
	}
	return e
}

// unreachable describes a request that got no answer, without the URL
// (which the user gave and already knows).
func unreachable(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := what + ": no answer: " + err.Error()
	if errors.Is(err, netguard.ErrRefused) {
		msg = what + ": " + err.Error()
	}
	return &fetchError{msg: msg}
}

// readBody reads a body of at most limit bytes; a longer one is an error.
func readBody(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, unreachable(what, err)
	}
	if int64(len(b)) > limit {
		return nil, &fetchError{msg: fmt.Sprintf("%s: the answer is larger than %d KiB", what, limit>>10)}
	}
	return b, nil
}

// headerValue keeps a validator (ETag, Last-Modified) to send back only
// when it is short printable ASCII.
func headerValue(v string) string {
	if len(v) > 256 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return ""
		}
	}
	return v
}
