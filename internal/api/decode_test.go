package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// decodeInto runs decode on body and returns whether it succeeded and the
// problem it wrote otherwise.
func decodeInto(t testing.TB, body, contentType string, v any) (bool, *httptest.ResponseRecorder, Problem) {
	t.Helper()
	r := httptest.NewRequest("POST", "/api/v1/test", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	ok := decode(w, r, v)
	var p Problem
	if !ok {
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("decode(%.80q) wrote Content-Type %q", body, ct)
		}
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("decode(%.80q) wrote a problem that is not JSON: %v: %s", body, err, w.Body.String())
		}
		if p.Status != w.Code || w.Code < 400 || w.Code > 499 {
			t.Fatalf("decode(%.80q): status %d, problem status %d", body, w.Code, p.Status)
		}
	}
	return ok, w, p
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, body, ct string
		status         int    // 0: success
		pointer        string // expected errors[0].pointer, "" for none
	}{
		{"object", `{"name":"x","kind":"ministry"}`, "application/json", 0, ""},
		{"charset", `{"name":"x"}`, "application/json; charset=utf-8", 0, ""},
		{"no content type", `{"name":"x"}`, "", 0, ""},
		{"whitespace after", "{\"name\":\"x\"}\n\t ", "application/json", 0, ""},
		{"form", `name=x`, "application/x-www-form-urlencoded", 415, ""},
		{"empty", ``, "application/json", 400, ""},
		{"malformed", `{"name":`, "application/json", 400, ""},
		{"syntax", `{"name" "x"}`, "application/json", 400, ""},
		{"two objects", `{"name":"x"}{"name":"y"}`, "application/json", 400, ""},
		{"trailing garbage", `{"name":"x"} x`, "application/json", 400, ""},
		{"unknown field", `{"name":"x","colour":"red"}`, "application/json", 400, "/colour"},
		{"wrong type", `{"name":5}`, "application/json", 400, "/name"},
		{"wrong type bool", `{"require_2fa":"yes"}`, "application/json", 400, "/require_2fa"},
		{"overflow", `{"parent_id":1e40}`, "application/json", 400, "/parent_id"},
		{"fraction", `{"parent_id":1.5}`, "application/json", 400, "/parent_id"},
		{"array", `[]`, "application/json", 400, ""},
		{"string", `"x"`, "application/json", 400, ""},
		{"too large", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, "application/json", 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in orgInput
			ok, w, p := decodeInto(t, c.body, c.ct, &in)
			if c.status == 0 {
				if !ok {
					t.Fatalf("rejected: %d %s", w.Code, w.Body.String())
				}
				return
			}
			if ok || w.Code != c.status {
				t.Fatalf("status %d (ok=%v), want %d: %s", w.Code, ok, c.status, w.Body.String())
			}
			if p.Detail == "" || p.Title == "" || p.Type == "" {
				t.Errorf("problem lacks type/title/detail: %+v", p)
			}
			got := ""
			if len(p.Errors) > 0 {
				got = p.Errors[0].Pointer
			}
			if got != c.pointer {
				t.Errorf("pointer %q, want %q (%+v)", got, c.pointer, p)
			}
		})
	}
}

// FuzzDecode: any body gives success or a well-formed 4xx problem, never a
// panic; success means the body really is one JSON object.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"x","slug":"y","kind":"mission","parent_id":3,"country":"UA","time_zone":"Europe/Kyiv","require_2fa":true}`,
		`{"name":`, `[]`, `null`, `{"a":1}`, `{"name":5}`, `{"parent_id":1e99}`, `{"name":"\u0000"}`, "{\"name\":\"\xff\"}", `{"name":"x"}{}`, ``, ` `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in orgInput
		ok, _, p := decodeInto(t, body, "application/json", &in)
		if ok && !json.Valid([]byte(body)) {
			t.Fatalf("decode accepted invalid JSON %q", body)
		}
		for _, e := range p.Errors {
			if !strings.HasPrefix(e.Pointer, "/") && e.Pointer != "" {
				t.Fatalf("pointer %q is not a JSON Pointer", e.Pointer)
			}
		}
		var tok tokenInput
		decodeInto(t, body, "application/json", &tok)
		var role roleInput
		decodeInto(t, body, "", &role)
	})
}

func TestWriteErrorMapsDomainErrors(t *testing.T) {
	a := &API{}
	r := httptest.NewRequest("GET", "/api/v1/x", nil)
	w := httptest.NewRecorder()
	invalid(w, r, "email", "is not valid")
	var p Problem
	_ = json.Unmarshal(w.Body.Bytes(), &p)
	if w.Code != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Pointer != "/email" || p.Instance != "/api/v1/x" {
		t.Errorf("invalid(): %d %+v", w.Code, p)
	}
	_ = a
}
