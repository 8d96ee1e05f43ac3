package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

// Problem is an RFC 9457 problem details object. Errors lists the offending
// fields when the request was invalid.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldIssue `json:"errors,omitempty"`
}

// FieldIssue names one invalid field (a JSON Pointer) and the reason. For
// a text over its network's limit it also gives the measure.
type FieldIssue struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	Network string `json:"network,omitempty"`
	Unit    string `json:"unit,omitempty"`
	Length  *int   `json:"length,omitempty"`
	Limit   *int   `json:"limit,omitempty"`
}

const problemBase = "https://attache.invalid/problems/"

func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError maps domain errors to problems; anything unknown is a 500,
// logged by the caller's middleware.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *valid.FieldError
	var le *campaign.LengthError
	var rl *auth.RateLimitedError
	switch {
	case errors.As(err, &fe):
		invalid(w, r, fe.Field, fe.Reason)
	case errors.As(err, &le):
		writeLengthProblem(w, r, le)
	case errors.Is(err, campaign.ErrOwnVariant), errors.Is(err, campaign.ErrNotApprover):
		writeProblem(w, r, Problem{Type: problemBase + "four-eyes", Status: http.StatusForbidden, Detail: err.Error()})
	case errors.Is(err, campaign.ErrLocked), errors.Is(err, campaign.ErrPublished), errors.Is(err, campaign.ErrWrongState), errors.Is(err, campaign.ErrAlreadyDecided):
		writeProblem(w, r, Problem{Type: problemBase + "conflict", Status: http.StatusConflict, Detail: err.Error()})
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", fmt.Sprint(int(rl.RetryAfter.Seconds())))
		writeProblem(w, r, Problem{Type: problemBase + "rate-limited", Status: http.StatusTooManyRequests, Detail: rl.Error()})
	case errors.Is(err, authz.ErrNotMember), errors.Is(err, db.ErrNotFound):
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "no such resource, or it is not visible to you"})
	case errors.Is(err, authz.ErrForbidden):
		writeProblem(w, r, Problem{Type: problemBase + "forbidden", Status: http.StatusForbidden, Detail: authz.ErrForbidden.Error()})
	case errors.Is(err, errConflict), errors.Is(err, org.ErrLastAdmin):
		writeProblem(w, r, Problem{Type: problemBase + "conflict", Status: http.StatusConflict, Detail: err.Error()})
	default:
		a.Log.Error("api error", "path", r.URL.Path, "err", err)
		writeProblem(w, r, Problem{Status: http.StatusInternalServerError, Detail: "an internal error occurred; it has been logged"})
	}
}

var errConflict = errors.New("conflict")

func invalid(w http.ResponseWriter, r *http.Request, field, reason string) {
	writeProblem(w, r, Problem{
		Type: problemBase + "invalid-request", Title: "Your request is not valid.", Status: http.StatusUnprocessableEntity,
		Detail: field + " " + reason, Errors: []FieldIssue{{Pointer: "/" + field, Detail: reason}},
	})
}

const maxBody = 1 << 20

// decode reads a JSON object into v strictly: one object, no unknown
// fields, at most 1 MiB. It writes the problem itself and returns false on
// failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeProblem(w, r, Problem{Type: problemBase + "unsupported-media-type", Status: http.StatusUnsupportedMediaType, Detail: "send application/json"})
		return false
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("extra data after the JSON object")
	}
	if err == nil {
		return true
	}
	p := Problem{Type: problemBase + "malformed-json", Title: "The request body is not valid JSON for this operation.", Status: http.StatusBadRequest, Detail: err.Error()}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		p.Status, p.Detail = http.StatusRequestEntityTooLarge, "the request body is larger than 1 MiB"
	case errors.As(err, &se):
		p.Detail = fmt.Sprintf("syntax error at byte %d: %v", se.Offset, se)
	case errors.As(err, &te) && te.Field == "":
		p.Detail = "the request body must be a JSON object"
	case errors.As(err, &te):
		p.Detail = fmt.Sprintf("field %q must be %s", te.Field, jsonTypeName(te.Type))
		p.Errors = []FieldIssue{{Pointer: "/" + strings.ReplaceAll(te.Field, ".", "/"), Detail: "must be " + jsonTypeName(te.Type)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p.Detail = fmt.Sprintf("unknown field %q", f)
		p.Errors = []FieldIssue{{Pointer: "/" + f, Detail: "is not a field of this operation"}}
	case errors.Is(err, io.EOF):
		p.Detail = "the request body is empty; send a JSON object"
	}
	writeProblem(w, r, p)
	return false
}

// jsonTypeName names the JSON type a Go type is decoded from, for messages
// (rather than Go type names such as int64 or api.orgInput).
func jsonTypeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}

// writeLengthProblem names the variant, the network's limit and the
// measured length (and the byte measure where the network has one).
func writeLengthProblem(w http.ResponseWriter, r *http.Request, le *campaign.LengthError) {
	m := le.Measure
	length, limit, unit := m.Length, m.Limit, m.Unit
	switch {
	case m.Length > m.Limit:
	case m.ByteLimit > 0 && m.Bytes > m.ByteLimit:
		length, limit, unit = m.Bytes, m.ByteLimit, "bytes"
	case m.HashtagLimit > 0 && m.Hashtags > m.HashtagLimit:
		length, limit, unit = m.Hashtags, m.HashtagLimit, "hashtags"
	}
	issue := FieldIssue{Pointer: "/" + le.Field(), Network: string(m.Network), Unit: unit, Length: &length, Limit: &limit}
	problems := m.Problems()
	issue.Detail = strings.Join(problems, "; ")
	writeProblem(w, r, Problem{
		Type: problemBase + "too-long", Title: "A text is longer than its network allows.", Status: http.StatusUnprocessableEntity,
		Detail: le.Field() + ": " + issue.Detail, Errors: []FieldIssue{issue},
	})
}
