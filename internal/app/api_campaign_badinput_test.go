package app_test

// Bad input to the campaign studio's API gets a clear 4xx naming the field,
// never a 5xx.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/testutil"
)

func TestAPICampaignBadInput(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		s := newStudio(t, f)
		editor, admin := f.Members[authz.Editor], f.Members[authz.Admin]
		it := newItem(t, f, f.A)
		variant := it.Variants[0].ID
		bAccount := newAccount(t, f, f.B, limits.X, "en")
		a := "/api/v1/orgs/" + s.a
		camp := fmt.Sprintf("/api/v1/campaigns/%d", s.campaign)
		period := `"period":{"start":"2026-12-01","end":"2026-12-31"}`
		cal := a + "/calendar?"
		month := "from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z"

		for _, c := range []struct {
			name, method, path, token, body string
			status                          int
			pointer                         string // the JSON Pointer the problem names ("" for none)
		}{
			// Campaigns.
			{"no title", "POST", a + "/campaigns", editor.Token, `{` + period + `}`, 422, "/title"},
			{"no period", "POST", a + "/campaigns", editor.Token, `{"title":"T"}`, 422, "/period/start"},
			{"malformed start", "POST", a + "/campaigns", editor.Token, `{"title":"T","period":{"start":"2026-13-01","end":"2026-12-31"}}`, 422, "/period/start"},
			{"start as a time", "POST", a + "/campaigns", editor.Token, `{"title":"T","period":{"start":"2026-12-01T00:00:00Z","end":"2026-12-31"}}`, 422, "/period/start"},
			{"malformed end", "POST", a + "/campaigns", editor.Token, `{"title":"T","period":{"start":"2026-12-01","end":"31/12/2026"}}`, 422, "/period/end"},
			{"end before start", "POST", a + "/campaigns", editor.Token, `{"title":"T","period":{"start":"2026-12-01","end":"2026-11-30"}}`, 422, "/period/end"},
			{"unknown status", "POST", a + "/campaigns", editor.Token, `{"title":"T","status":"paused",` + period + `}`, 422, "/status"},
			{"period as a string", "POST", a + "/campaigns", editor.Token, `{"title":"T","period":"December"}`, 400, "/period"},
			{"tags as a string", "POST", a + "/campaigns", editor.Token, `{"title":"T","tags":"a,b",` + period + `}`, 400, "/tags"},
			{"unknown field", "POST", a + "/campaigns", editor.Token, `{"title":"T","budget":5,` + period + `}`, 400, "/budget"},
			{"bad objective", "POST", a + "/campaigns", editor.Token, `{"title":"T",` + period + `,"objectives":[{"title":"Reach"}]}`, 422, "/objectives/0/metric"},
			{"bad audience", "POST", a + "/campaigns", editor.Token, `{"title":"T",` + period + `,"audiences":[{"country":"Poland"}]}`, 422, "/audiences/0/country"},
			{"bad translation language", "POST", a + "/campaigns", editor.Token, `{"title":"T",` + period + `,"key_messages":[{"title":"M","translations":{"x":"?"}}]}`, 422, "/key_messages/0/translations"},
			{"update: unknown status", "PATCH", camp, editor.Token, `{"status":"paused"}`, 422, "/status"},
			{"update: end before start", "PATCH", camp, editor.Token, `{"period":{"start":"2026-12-01","end":"2026-01-01"}}`, 422, "/period/end"},
			{"update: empty title", "PATCH", camp, editor.Token, `{"title":" "}`, 422, "/title"},
			{"campaign id not a number", "GET", "/api/v1/campaigns/abc", editor.Token, "", 404, ""},
			{"campaign id zero", "GET", "/api/v1/campaigns/0", editor.Token, "", 404, ""},
			{"list: unknown status", "GET", a + "/campaigns?status=paused", editor.Token, "", 422, "/status"},

			// Partners.
			{"partner: no org_id", "POST", camp + "/partners", editor.Token, `{}`, 422, "/org_id"},
			{"partner: org_id not an id", "POST", camp + "/partners", editor.Token, `{"org_id":"beta"}`, 400, ""},
			{"partner: negative org_id", "POST", camp + "/partners", editor.Token, `{"org_id":-3}`, 400, ""},
			{"partner: unknown org", "POST", camp + "/partners", editor.Token, `{"org_id":987654}`, 422, "/org_id"},
			{"partner: the owner", "POST", camp + "/partners", editor.Token, fmt.Sprintf(`{"org_id":%d}`, f.A.ID), 422, "/org_id"},
			{"partner: remove a non-partner", "DELETE", fmt.Sprintf("%s/partners/%d", camp, f.B.ID), editor.Token, "", 404, ""},
			{"partner: remove org not a number", "DELETE", camp + "/partners/beta", editor.Token, "", 404, ""},

			// Channel accounts.
			{"account: unknown network", "POST", a + "/channel-accounts", editor.Token, `{"network":"myspace","name":"N","handle":"h","language":"en"}`, 422, "/network"},
			{"account: language x", "POST", a + "/channel-accounts", editor.Token, `{"network":"x","name":"N","handle":"h","language":"x"}`, 422, "/language"},
			{"account: no name", "POST", a + "/channel-accounts", editor.Token, `{"network":"x","handle":"h","language":"en"}`, 422, "/name"},
			{"account: max_chars on Telegram", "POST", a + "/channel-accounts", editor.Token, `{"network":"telegram","name":"N","handle":"h","language":"uk","max_chars":900}`, 422, "/max_chars"},
			{"account: duplicate handle", "POST", a + "/channel-accounts", editor.Token, `{"network":"x","name":"N","handle":"@mfa_x","language":"en"}`, 422, "/handle"},
			{"account: change network", "PATCH", fmt.Sprintf("%s/channel-accounts/%d", a, s.x), editor.Token, `{"network":"bluesky"}`, 422, "/network"},
			{"account: another org's", "PATCH", fmt.Sprintf("%s/channel-accounts/%d", a, bAccount), editor.Token, `{"name":"Mine"}`, 404, ""},
			{"account: archive another org's", "DELETE", fmt.Sprintf("%s/channel-accounts/%d", a, bAccount), editor.Token, "", 404, ""},

			// Approval policy.
			{"policy: zero steps", "PUT", a + "/approval-policy", admin.Token, `{"steps":0,"roles":["reviewer"]}`, 422, "/steps"},
			{"policy: unknown role", "PUT", a + "/approval-policy", admin.Token, `{"steps":1,"roles":["owner"]}`, 422, "/roles/0"},
			{"policy: no roles", "PUT", a + "/approval-policy", admin.Token, `{"steps":1,"roles":[]}`, 422, "/roles"},
			{"policy: steps as text", "PUT", a + "/approval-policy", admin.Token, `{"steps":"two","roles":["reviewer"]}`, 400, "/steps"},

			// Items and variants.
			{"item: another org's account", "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"T","variants":[{"channel_account_id":%d}]}`, bAccount), 422, "/variants/0/channel_account_id"},
			{"item: no account", "POST", s.items(), editor.Token, `{"text":"T","variants":[{"language":"uk"}]}`, 422, "/variants/0/channel_account_id"},
			{"item: account id not a number", "POST", s.items(), editor.Token, `{"text":"T","variants":[{"channel_account_id":"tg"}]}`, 400, ""},
			{"item: scheduled_at not RFC 3339", "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"T","variants":[{"channel_account_id":%d,"scheduled_at":"2026-12-05 10:00"}]}`, s.x), 400, ""},
			{"item: scheduled_at a date", "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"T","variants":[{"channel_account_id":%d,"scheduled_at":"2026-12-05"}]}`, s.x), 400, ""},
			{"item: language x", "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"T","variants":[{"channel_account_id":%d,"language":"x"}]}`, s.x), 422, "/variants/0/language"},
			{"item: second variant's language", "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"T","variants":[{"channel_account_id":%d},{"channel_account_id":%d,"language":"en_GB!"}]}`, s.x, s.telegram), 422, "/variants/1/language"},
			{"item: no text", "POST", s.items(), editor.Token, `{"title":"T"}`, 422, "/text"},
			{"item: bad link", "POST", s.items(), editor.Token, `{"text":"T","link_url":"javascript:alert(1)"}`, 422, "/link_url"},
			{"item: variants not a list", "POST", s.items(), editor.Token, `{"text":"T","variants":{}}`, 400, "/variants"},
			{"item: org not a partner", "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"T","org_id":%d}`, f.B.ID), 422, "/org_id"},
			{"item: empty body", "POST", s.items(), editor.Token, ``, 400, ""},
			{"item update: empty text", "PATCH", fmt.Sprintf("/api/v1/items/%d", it.ID), editor.Token, `{"text":""}`, 422, "/text"},
			{"variant add: language x", "POST", fmt.Sprintf("/api/v1/items/%d/variants", it.ID), editor.Token, fmt.Sprintf(`{"channel_account_id":%d,"language":"x"}`, s.x), 422, "/language"},
			{"variant add: over the limit", "POST", fmt.Sprintf("/api/v1/items/%d/variants", it.ID), editor.Token, fmt.Sprintf(`{"channel_account_id":%d,"text":%q}`, s.x, strings.Repeat("ы", 281)), 422, "/text"},
			{"variant edit: scheduled_at not RFC 3339", "PATCH", fmt.Sprintf("/api/v1/variants/%d", variant), editor.Token, `{"scheduled_at":"tomorrow"}`, 400, ""},
			{"variant edit: another org's account", "PATCH", fmt.Sprintf("/api/v1/variants/%d", variant), editor.Token, fmt.Sprintf(`{"channel_account_id":%d}`, bAccount), 422, "/channel_account_id"},
			{"variant edit: unknown field", "PATCH", fmt.Sprintf("/api/v1/variants/%d", variant), editor.Token, `{"state":"approved"}`, 400, "/state"},
			{"approve a draft", "POST", fmt.Sprintf("/api/v1/variants/%d/approve", variant), f.Members[authz.Reviewer].Token, "", 409, ""},
			{"submit: malformed body", "POST", fmt.Sprintf("/api/v1/variants/%d/submit", variant), editor.Token, `{"comment":`, 400, ""},
			{"request changes: no body", "POST", fmt.Sprintf("/api/v1/variants/%d/request-changes", variant), f.Members[authz.Reviewer].Token, "", 422, "/comment"},
			{"variant id not a number", "POST", "/api/v1/variants/v1/submit", editor.Token, "", 404, ""},

			// Calendar.
			{"calendar: no range", "GET", cal, editor.Token, "", 422, "/from"},
			{"calendar: from a date", "GET", cal + "from=2026-12-01&to=2027-01-01T00:00:00Z", editor.Token, "", 422, "/from"},
			{"calendar: to malformed", "GET", cal + "from=2026-12-01T00:00:00Z&to=soon", editor.Token, "", 422, "/to"},
			{"calendar: to before from", "GET", cal + "from=2027-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", editor.Token, "", 422, "/to"},
			{"calendar: more than 400 days", "GET", cal + "from=2026-01-01T00:00:00Z&to=2027-12-31T00:00:00Z", editor.Token, "", 422, "/to"},
			{"calendar: campaign not an id", "GET", cal + month + "&campaign=grain", editor.Token, "", 422, "/campaign"},
			{"calendar: org not an id", "GET", cal + month + "&org=beta", editor.Token, "", 422, "/org"},
			{"calendar: unknown network", "GET", cal + month + "&network=myspace", editor.Token, "", 422, "/network"},
			{"calendar: unknown state", "GET", cal + month + "&state=sent", editor.Token, "", 422, "/state"},
			{"calendar: a zone offset", "GET", cal + "from=2026-12-01T00:00:00%2B02:00&to=2027-01-01T00:00:00-05:00", editor.Token, "", 200, ""},
		} {
			resp := f.Do(t, c.method, c.path, c.token, c.body)
			if resp.Status != c.status {
				t.Errorf("%s: want %d, got %d: %.300s", c.name, c.status, resp.Status, resp.Body)
				continue
			}
			if resp.Status >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: Content-Type %q", c.name, resp.Header.Get("Content-Type"))
			}
			if c.pointer != "" && !strings.Contains(resp.Body, `"pointer":"`+c.pointer+`"`) {
				t.Errorf("%s: the problem does not name %s: %.300s", c.name, c.pointer, resp.Body)
			}
		}
		// None of it changed anything.
		resp := f.Do(t, "GET", s.items(), editor.Token, "")
		if !strings.Contains(resp.Body, `"items":[]`) {
			t.Errorf("refused requests stored items: %.300s", resp.Body)
		}
		if strings.Contains(f.Logs.String(), "api error") {
			t.Errorf("bad input logged server errors:\n%s", f.Logs.String())
		}
	})
}
