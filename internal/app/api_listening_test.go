package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// Listening through the API: a topic with a broken query is refused with
// the position of the problem; texts handed in are matched and stored
// once; the stream filters by topic and searches across scripts; another
// organisation sees none of it. Every answer matches the OpenAPI document.
func TestAPIListening(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		analyst, editor := f.Members[authz.Analyst], f.Members[authz.Editor]
		base := fmt.Sprintf("/api/v1/orgs/%s", f.A.Slug)
		call := func(name, method, pattern, path, token, body string, want int) Response {
			t.Helper()
			resp := f.Do(t, method, path, token, body)
			wantStatus(t, name, resp, want)
			o.validate(t, name, method, pattern, resp)
			if body != "" && resp.Status < 300 {
				o.validateRequest(t, name, method, pattern, body)
			}
			return resp
		}
		r := call("a broken query", "POST", "/api/v1/orgs/{org}/topics", base+"/topics", analyst.Token, `{"name":"Grain","query":"grain AND (wheat"}`, 422)
		if !strings.Contains(r.Body, "unbalanced parenthesis at 11") {
			t.Errorf("the error does not say where: %s", r.Body)
		}
		call("an editor may not manage topics", "POST", "/api/v1/orgs/{org}/topics", base+"/topics", editor.Token, `{"name":"Grain","query":"grain"}`, 403)
		r = call("create", "POST", "/api/v1/orgs/{org}/topics", base+"/topics", analyst.Token, `{"name":"Grain","query":"grain OR зерно OR Vucic"}`, 201)
		var topic struct{ ID int64 }
		json.Unmarshal([]byte(r.Body), &topic)
		if r := call("the same name", "POST", "/api/v1/orgs/{org}/topics", base+"/topics", analyst.Token, `{"name":"Grain","query":"x"}`, 422); !strings.Contains(r.Body, `"/name"`) {
			t.Errorf("the same name: %s", r.Body)
		}

		body := `{"mentions":[
			{"id":"1","text":"Експорт: зерно з Одеси","lang":"uk","source":"telegram","author":"mfa_ua"},
			{"id":"2","text":"Председник Вучић је данас разговарао.","lang":"sr"},
			{"text":"Nothing about it"}]}`
		r = call("ingest", "POST", "/api/v1/orgs/{org}/mentions", base+"/mentions", analyst.Token, body, 200)
		if !strings.Contains(r.Body, `"inserted":3`) || !strings.Contains(r.Body, `"matches":2`) {
			t.Fatalf("ingest: %s", r.Body)
		}
		r = call("ingest again", "POST", "/api/v1/orgs/{org}/mentions", base+"/mentions", analyst.Token, body, 200)
		if !strings.Contains(r.Body, `"inserted":0`) || !strings.Contains(r.Body, `"duplicates":3`) {
			t.Fatalf("ingest again: %s", r.Body)
		}
		r = call("a mention without text", "POST", "/api/v1/orgs/{org}/mentions", base+"/mentions", analyst.Token, `{"mentions":[{"id":"9","text":"ok"},{"id":"10","text":"  "}]}`, 422)
		if !strings.Contains(r.Body, "mentions/1/text") {
			t.Errorf("the bad mention is not named: %s", r.Body)
		}
		call("an editor may not ingest", "POST", "/api/v1/orgs/{org}/mentions", base+"/mentions", editor.Token, body, 403)

		r = call("the topic's stream", "GET", "/api/v1/orgs/{org}/mentions", fmt.Sprintf("%s/mentions?topic=%d", base, topic.ID), editor.Token, "", 200)
		var got struct {
			Mentions []struct {
				ExternalID string `json:"external_id"`
				Script     string `json:"script"`
			} `json:"mentions"`
		}
		json.Unmarshal([]byte(r.Body), &got)
		if len(got.Mentions) != 2 {
			t.Fatalf("topic stream: %s", r.Body)
		}
		r = call("search across scripts", "GET", "/api/v1/orgs/{org}/mentions", base+"/mentions?q=Vucic&lang=sr", editor.Token, "", 200)
		if !strings.Contains(r.Body, `"external_id":"2"`) || strings.Contains(r.Body, `"external_id":"1"`) {
			t.Errorf("search: %s", r.Body)
		}
		call("a bad time", "GET", "/api/v1/orgs/{org}/mentions", base+"/mentions?from=yesterday", editor.Token, "", 422)

		// B's admin through B's path: A's topic is not there.
		call("A's topic under B", "GET", "/api/v1/orgs/{org}/topics/{id}", fmt.Sprintf("/api/v1/orgs/%s/topics/%d", f.B.Slug, topic.ID), f.Outsider.Token, "", 404)
		r = call("B's stream", "GET", "/api/v1/orgs/{org}/mentions", fmt.Sprintf("/api/v1/orgs/%s/mentions?topic=%d", f.B.Slug, topic.ID), f.Outsider.Token, "", 404)
		r = call("B's mentions", "GET", "/api/v1/orgs/{org}/mentions", fmt.Sprintf("/api/v1/orgs/%s/mentions", f.B.Slug), f.Outsider.Token, "", 200)
		if strings.Contains(r.Body, "Одеси") {
			t.Error("B sees A's mentions")
		}
		call("archive", "DELETE", "/api/v1/orgs/{org}/topics/{id}", fmt.Sprintf("%s/topics/%d", base, topic.ID), analyst.Token, "", 204)
		r = call("topics after archiving", "GET", "/api/v1/orgs/{org}/topics", base+"/topics", editor.Token, "", 200)
		if strings.Contains(r.Body, `"Grain"`) {
			t.Errorf("an archived topic is listed: %s", r.Body)
		}
	})
}
