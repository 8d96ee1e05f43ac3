package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// FakeLRS is a Learning Record Store as xAPI 1.0.3 defines its Statement
// Resource (xAPI Communication §2.1): POST /statements with one statement
// or an array (answer 200 and the array of ids), PUT
// /statements?statementId= (204), GET /statements?statementId= (the
// statement) and GET /statements (a StatementResult). Every request needs
// the X-Experience-API-Version header (1.0.x) and HTTP basic auth with
// Username and Password (401 otherwise). Statements are checked against
// the Data part of the specification (see validStatement): a malformed
// one fails the whole batch with 400; a batch naming one id twice is 400;
// an id already stored with a different statement is 409, with the same
// statement it is accepted and not stored again. Fail queues answers.
type FakeLRS struct {
	*httptest.Server
	Username, Password string

	mu         sync.Mutex
	order      []string
	statements map[string]json.RawMessage
	requests   []FakeLRSRequest
	fails      []int
}

// FakeLRSRequest is one request the fake received.
type FakeLRSRequest struct {
	Method, Path, Query string
	Version             string
	Status              int
	Count               int // statements in the body
}

// NewFakeLRS starts a fake LRS, closed with the test.
func NewFakeLRS(t testing.TB) *FakeLRS {
	f := &FakeLRS{Username: "attache", Password: "lrs-secret", statements: map[string]json.RawMessage{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Endpoint is the xAPI base URL to configure (statements are under it).
func (f *FakeLRS) Endpoint() string { return f.URL + "/xapi/" }

// Fail makes the next requests answer these statuses (for example 503).
func (f *FakeLRS) Fail(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, statuses...)
}

// Statements returns the stored statements in the order they arrived.
func (f *FakeLRS) Statements() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []map[string]any{}
	for _, id := range f.order {
		var m map[string]any
		_ = json.Unmarshal(f.statements[id], &m)
		out = append(out, m)
	}
	return out
}

// Requests returns the requests received so far.
func (f *FakeLRS) Requests() []FakeLRSRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FakeLRSRequest(nil), f.requests...)
}

func (f *FakeLRS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req := FakeLRSRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Version: r.Header.Get("X-Experience-API-Version")}
	status, body := f.handle(r, &req)
	req.Status = status
	f.requests = append(f.requests, req)
	w.Header().Set("X-Experience-API-Version", "1.0.3")
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func lrsError(msg string, a ...any) map[string]string {
	return map[string]string{"error": fmt.Sprintf(msg, a...)}
}

func (f *FakeLRS) handle(r *http.Request, req *FakeLRSRequest) (int, any) {
	if len(f.fails) > 0 {
		s := f.fails[0]
		f.fails = f.fails[1:]
		return s, lrsError("injected failure")
	}
	if !strings.HasPrefix(req.Version, "1.0.") {
		return http.StatusBadRequest, lrsError("X-Experience-API-Version must be 1.0.x, got %q", req.Version)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != f.Username || p != f.Password {
		return http.StatusUnauthorized, lrsError("basic authentication required")
	}
	if !strings.HasSuffix(r.URL.Path, "/statements") {
		return http.StatusNotFound, lrsError("no resource %s", r.URL.Path)
	}
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet:
		if id := q.Get("statementId"); id != "" {
			s, ok := f.statements[id]
			if !ok {
				return http.StatusNotFound, lrsError("no statement %s", id)
			}
			return http.StatusOK, s
		}
		all := []json.RawMessage{}
		for _, id := range f.order {
			all = append(all, f.statements[id])
		}
		return http.StatusOK, map[string]any{"statements": all, "more": ""}
	case http.MethodPost, http.MethodPut:
	default:
		return http.StatusMethodNotAllowed, lrsError("method %s", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return http.StatusBadRequest, lrsError("Content-Type must be application/json, got %q", ct)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return http.StatusBadRequest, lrsError("read body: %v", err)
	}
	var batch []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if r.Method == http.MethodPut {
			return http.StatusBadRequest, lrsError("PUT takes one statement")
		}
		if err := json.Unmarshal(raw, &batch); err != nil {
			return http.StatusBadRequest, lrsError("body: %v", err)
		}
	} else {
		batch = []json.RawMessage{raw}
	}
	req.Count = len(batch)
	ids := make([]string, len(batch))
	seen := map[string]bool{}
	for i, s := range batch {
		id, err := validStatement(s)
		if err != nil {
			return http.StatusBadRequest, lrsError("statement %d: %v", i, err)
		}
		if r.Method == http.MethodPut {
			want := q.Get("statementId")
			if want == "" || (id != "" && !strings.EqualFold(id, want)) {
				return http.StatusBadRequest, lrsError("statementId parameter %q and statement id %q differ", want, id)
			}
			id = want
		}
		if id == "" {
			return http.StatusBadRequest, lrsError("statement %d has no id (this fake wants ids set by the client)", i)
		}
		if seen[id] {
			return http.StatusBadRequest, lrsError("id %s twice in one batch", id)
		}
		seen[id] = true
		if old, ok := f.statements[id]; ok && !sameJSON(old, s) {
			return http.StatusConflict, lrsError("a different statement has id %s", id)
		}
		ids[i] = id
	}
	for i, s := range batch {
		if _, ok := f.statements[ids[i]]; !ok {
			f.statements[ids[i]] = s
			f.order = append(f.order, ids[i])
		}
	}
	if r.Method == http.MethodPut {
		return http.StatusNoContent, nil
	}
	return http.StatusOK, ids
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

var (
	uuidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)
	langTagRE = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
)

// validStatement checks a statement as xAPI 1.0.3 (Data §2.2–2.4) says an
// LRS must, for the parts a statement of Attaché's uses, and returns its id.
func validStatement(raw json.RawMessage) (string, error) {
	var s map[string]json.RawMessage
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("not an object: %v", err)
	}
	for k := range s {
		switch k {
		case "id", "actor", "verb", "object", "result", "context", "timestamp", "version", "attachments":
		case "stored", "authority":
			// Set by the LRS; a client may send authority, we do not.
			return "", fmt.Errorf("%q is set by the LRS", k)
		default:
			return "", fmt.Errorf("unknown property %q", k)
		}
	}
	var id string
	if v, ok := s["id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil || !uuidRE.MatchString(id) {
			return "", fmt.Errorf("id %s is not a UUID", v)
		}
	}
	for _, k := range []string{"actor", "verb", "object"} {
		if _, ok := s[k]; !ok {
			return "", fmt.Errorf("%s is required", k)
		}
	}
	if err := validAgent(s["actor"]); err != nil {
		return "", fmt.Errorf("actor: %w", err)
	}
	var verb struct {
		ID      string          `json:"id"`
		Display json.RawMessage `json:"display"`
	}
	if err := strictJSON(s["verb"], &verb); err != nil {
		return "", fmt.Errorf("verb: %w", err)
	}
	if !isIRI(verb.ID) {
		return "", fmt.Errorf("verb id %q is not an IRI", verb.ID)
	}
	if verb.Display != nil {
		if err := validLangMap(verb.Display); err != nil {
			return "", fmt.Errorf("verb display: %w", err)
		}
	}
	if err := validActivity(s["object"]); err != nil {
		return "", fmt.Errorf("object: %w", err)
	}
	if v, ok := s["result"]; ok {
		if err := validResult(v); err != nil {
			return "", fmt.Errorf("result: %w", err)
		}
	}
	if v, ok := s["context"]; ok {
		if err := validContext(v); err != nil {
			return "", fmt.Errorf("context: %w", err)
		}
	}
	if v, ok := s["timestamp"]; ok {
		var ts string
		if err := json.Unmarshal(v, &ts); err != nil {
			return "", fmt.Errorf("timestamp: %v", err)
		}
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			return "", fmt.Errorf("timestamp %q is not ISO 8601 with a zone: %v", ts, err)
		}
	}
	return id, nil
}

// strictJSON decodes v into dst refusing unknown properties.
func strictJSON(v json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

func isIRI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") && !strings.ContainsAny(s, " <>\"")
}

func validLangMap(v json.RawMessage) error {
	var m map[string]string
	if err := json.Unmarshal(v, &m); err != nil {
		return fmt.Errorf("not a language map: %v", err)
	}
	for k := range m {
		if !langTagRE.MatchString(k) {
			return fmt.Errorf("%q is not a language tag", k)
		}
	}
	return nil
}

func validAgent(v json.RawMessage) error {
	var a struct {
		ObjectType  string `json:"objectType"`
		Name        string `json:"name"`
		Mbox        string `json:"mbox"`
		MboxSHA1Sum string `json:"mbox_sha1sum"`
		OpenID      string `json:"openid"`
		Account     *struct {
			HomePage string `json:"homePage"`
			Name     string `json:"name"`
		} `json:"account"`
	}
	if err := strictJSON(v, &a); err != nil {
		return err
	}
	if a.ObjectType != "" && a.ObjectType != "Agent" {
		return fmt.Errorf("objectType %q: only Agent is supported here", a.ObjectType)
	}
	ifis := 0
	for _, s := range []string{a.Mbox, a.MboxSHA1Sum, a.OpenID} {
		if s != "" {
			ifis++
		}
	}
	if a.Account != nil {
		ifis++
		u, err := url.Parse(a.Account.HomePage)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("account homePage %q is not an IRL", a.Account.HomePage)
		}
		if a.Account.Name == "" {
			return fmt.Errorf("account name is required")
		}
	}
	if ifis != 1 {
		return fmt.Errorf("an agent has exactly one inverse functional identifier, got %d", ifis)
	}
	return nil
}

func validActivity(v json.RawMessage) error {
	var a struct {
		ObjectType string `json:"objectType"`
		ID         string `json:"id"`
		Definition *struct {
			Type        string          `json:"type"`
			Name        json.RawMessage `json:"name"`
			Description json.RawMessage `json:"description"`
		} `json:"definition"`
	}
	if err := strictJSON(v, &a); err != nil {
		return err
	}
	if a.ObjectType != "" && a.ObjectType != "Activity" {
		return fmt.Errorf("objectType %q: only Activity is supported here", a.ObjectType)
	}
	if !isIRI(a.ID) {
		return fmt.Errorf("id %q is not an IRI", a.ID)
	}
	if d := a.Definition; d != nil {
		if d.Type != "" && !isIRI(d.Type) {
			return fmt.Errorf("definition type %q is not an IRI", d.Type)
		}
		for _, m := range []json.RawMessage{d.Name, d.Description} {
			if m != nil {
				if err := validLangMap(m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func validResult(v json.RawMessage) error {
	var r struct {
		Score *struct {
			Scaled *float64 `json:"scaled"`
			Raw    *float64 `json:"raw"`
			Min    *float64 `json:"min"`
			Max    *float64 `json:"max"`
		} `json:"score"`
		Success    *bool  `json:"success"`
		Completion *bool  `json:"completion"`
		Response   string `json:"response"`
		Duration   string `json:"duration"`
	}
	if err := strictJSON(v, &r); err != nil {
		return err
	}
	if s := r.Score; s != nil {
		if s.Scaled != nil && (*s.Scaled < -1 || *s.Scaled > 1) {
			return fmt.Errorf("score.scaled %v outside -1…1", *s.Scaled)
		}
		if s.Min != nil && s.Max != nil && *s.Min >= *s.Max {
			return fmt.Errorf("score.min %v not below max %v", *s.Min, *s.Max)
		}
		if s.Raw != nil && ((s.Min != nil && *s.Raw < *s.Min) || (s.Max != nil && *s.Raw > *s.Max)) {
			return fmt.Errorf("score.raw %v outside min…max", *s.Raw)
		}
	}
	return nil
}

func validContext(v json.RawMessage) error {
	var c struct {
		Registration      string                     `json:"registration"`
		ContextActivities map[string]json.RawMessage `json:"contextActivities"`
		Platform          string                     `json:"platform"`
		Language          string                     `json:"language"`
		Revision          string                     `json:"revision"`
		Extensions        map[string]any             `json:"extensions"`
	}
	if err := strictJSON(v, &c); err != nil {
		return err
	}
	if c.Registration != "" && !uuidRE.MatchString(c.Registration) {
		return fmt.Errorf("registration %q is not a UUID", c.Registration)
	}
	if c.Language != "" && !langTagRE.MatchString(c.Language) {
		return fmt.Errorf("language %q is not a language tag", c.Language)
	}
	for k, acts := range c.ContextActivities {
		switch k {
		case "parent", "grouping", "category", "other":
		default:
			return fmt.Errorf("contextActivities has %q", k)
		}
		var list []json.RawMessage
		if err := json.Unmarshal(acts, &list); err != nil {
			list = []json.RawMessage{acts} // a single activity is allowed too
		}
		for _, a := range list {
			if err := validActivity(a); err != nil {
				return fmt.Errorf("contextActivities.%s: %w", k, err)
			}
		}
	}
	return nil
}
