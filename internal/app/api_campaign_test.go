package app_test

// The campaign studio's API contract (issue 3): campaigns, channel
// accounts, items with variants checked against each network's limits,
// submission and four-eyes approval, the calendar, and joint campaigns.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// decodeBody unmarshals a response body into v or fails.
func decodeBody(t *testing.T, resp Response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		t.Fatalf("response is not the expected JSON: %v: %.300s", err, resp.Body)
	}
}

// expect fails unless resp has status.
func expect(t *testing.T, what string, resp Response, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("%s: want %d, got %d: %.500s", what, status, resp.Status, resp.Body)
	}
}

type apiID struct {
	ID int64 `json:"id"`
}

type apiVariant struct {
	ID      int64  `json:"id"`
	State   string `json:"state"`
	Network string `json:"network"`
	Version int    `json:"version"`
	Measure struct {
		Length int    `json:"length"`
		Limit  int    `json:"limit"`
		Unit   string `json:"unit"`
	} `json:"measure"`
}

type apiItem struct {
	ID       int64        `json:"id"`
	Variants []apiVariant `json:"variants"`
}

type apiProblem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Pointer string `json:"pointer"`
		Detail  string `json:"detail"`
		Network string `json:"network"`
		Unit    string `json:"unit"`
		Length  int    `json:"length"`
		Limit   int    `json:"limit"`
	} `json:"errors"`
}

type apiCalendar struct {
	Entries []struct {
		VariantID     int64  `json:"variant_id"`
		CampaignID    int64  `json:"campaign_id"`
		CampaignTitle string `json:"campaign_title"`
		State         string `json:"state"`
		Network       string `json:"network"`
		ScheduledAt   string `json:"scheduled_at"`
	} `json:"entries"`
}

// studio is a campaign of A with three channel accounts, made through the
// API by A's editor.
type studio struct {
	f                    *Fixture
	a                    string // A's id
	campaign             int64
	telegram, x, bluesky int64
}

func newStudio(t *testing.T, f *Fixture) *studio {
	t.Helper()
	s := &studio{f: f, a: itoa(f.A.ID)}
	editor := f.Members[authz.Editor]
	resp := f.Do(t, "POST", "/api/v1/orgs/"+s.a+"/campaigns", editor.Token,
		`{"title":"Зерно з України","brief":"Food security.","period":{"start":"2026-12-01","end":"2026-12-31"},"tags":["grain"],
		  "objectives":[{"title":"Reach","metric":"reach","target_value":1000000}],
		  "key_messages":[{"title":"Corridor","line_to_take":true,"translations":{"uk":"Коридор працює.","en":"The corridor works."}}]}`)
	expect(t, "create campaign", resp, 201)
	var c apiID
	decodeBody(t, resp, &c)
	if c.ID == 0 || resp.Header.Get("Location") != fmt.Sprintf("/api/v1/campaigns/%d", c.ID) {
		t.Fatalf("created campaign: id %d, Location %q", c.ID, resp.Header.Get("Location"))
	}
	s.campaign = c.ID
	for _, acc := range []struct {
		dst           *int64
		network, lang string
	}{{&s.telegram, "telegram", "uk"}, {&s.x, "x", "en"}, {&s.bluesky, "bluesky", "en"}} {
		resp := f.Do(t, "POST", "/api/v1/orgs/"+s.a+"/channel-accounts", editor.Token,
			fmt.Sprintf(`{"network":%q,"name":"MFA on %s","handle":"@mfa_%s","language":%q}`, acc.network, acc.network, acc.network, acc.lang))
		expect(t, "create "+acc.network+" account", resp, 201)
		var a apiID
		decodeBody(t, resp, &a)
		*acc.dst = a.ID
	}
	return s
}

func (s *studio) items() string { return fmt.Sprintf("/api/v1/campaigns/%d/items", s.campaign) }

func TestAPICampaignContract(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		s := newStudio(t, f)
		editor, reviewer := f.Members[authz.Editor], f.Members[authz.Reviewer]

		resp := f.Do(t, "GET", fmt.Sprintf("/api/v1/campaigns/%d", s.campaign), f.Members[authz.Analyst].Token, "")
		expect(t, "get campaign", resp, 200)
		if !strings.Contains(resp.Body, `"title":"Зерно з України"`) || !strings.Contains(resp.Body, `"line_to_take":true`) || !strings.Contains(resp.Body, `"partner_org_ids":[]`) {
			t.Errorf("campaign body: %.500s", resp.Body)
		}

		// An item with two variants: Telegram in Ukrainian, X in English.
		resp = f.Do(t, "POST", s.items(), editor.Token, fmt.Sprintf(`{"title":"Corridor","text":"Зерновий коридор працює.","variants":[
			{"channel_account_id":%d,"language":"uk","text":"Зерновий коридор працює. 🇺🇦","scheduled_at":"2026-12-05T10:00:00+02:00"},
			{"channel_account_id":"%d","language":"en","text":"The grain corridor works.","scheduled_at":"2026-12-05T12:00:00Z"}]}`, s.telegram, s.x))
		expect(t, "create item", resp, 201)
		var it apiItem
		decodeBody(t, resp, &it)
		if it.ID == 0 || len(it.Variants) != 2 || it.Variants[0].ID == 0 || it.Variants[1].ID == 0 || it.Variants[0].ID == it.Variants[1].ID {
			t.Fatalf("created item: %+v", it)
		}
		if resp.Header.Get("Location") != fmt.Sprintf("/api/v1/items/%d", it.ID) {
			t.Errorf("Location %q", resp.Header.Get("Location"))
		}
		tg, x := it.Variants[0], it.Variants[1]
		if tg.Network != "telegram" || tg.State != "draft" || tg.Measure.Unit != "UTF-16 code units" || tg.Measure.Limit != 4096 || tg.Measure.Length != 29 {
			t.Errorf("telegram variant: %+v", tg)
		}
		if x.Network != "x" || x.Measure.Limit != 280 || x.Measure.Length != 25 {
			t.Errorf("x variant: %+v", x)
		}

		// Over the limit: 422 naming the variant's text, the network, the
		// unit, the length and the limit; nothing stored.
		cyr301 := strings.Repeat("ї", 301)
		family := "👨\u200d👩\u200d👧\u200d👦" // one grapheme, 25 bytes
		for _, c := range []struct {
			name, account, text string
			network, unit       string
			length, limit       int
		}{
			{"Bluesky, 301 Cyrillic graphemes", itoa(s.bluesky), cyr301, "bluesky", "graphemes", 301, 300},
			{"X, 281 characters", itoa(s.x), strings.Repeat("a", 281), "x", "weighted characters", 281, 280},
			{"Bluesky, 130 graphemes of 3,250 bytes", itoa(s.bluesky), strings.Repeat(family, 130), "bluesky", "bytes", 3250, 3000},
		} {
			body := fmt.Sprintf(`{"text":"Master","variants":[{"channel_account_id":%d,"language":"uk"},{"channel_account_id":%s,"language":"en","text":%q}]}`, s.telegram, c.account, c.text)
			resp := f.Do(t, "POST", s.items(), editor.Token, body)
			if resp.Status != 422 {
				t.Errorf("%s: want 422, got %d: %.300s", c.name, resp.Status, resp.Body)
				continue
			}
			var p apiProblem
			decodeBody(t, resp, &p)
			if len(p.Errors) != 1 {
				t.Errorf("%s: errors %+v", c.name, p.Errors)
				continue
			}
			e := p.Errors[0]
			if e.Pointer != "/variants/1/text" || e.Network != c.network || e.Unit != c.unit || e.Length != c.length || e.Limit != c.limit {
				t.Errorf("%s: error %+v, want /variants/1/text %s %d/%d %s", c.name, e, c.network, c.length, c.limit, c.unit)
			}
			if !strings.Contains(p.Detail, "variants/1/text") || !strings.Contains(e.Detail, "the limit is") {
				t.Errorf("%s: detail %q / %q", c.name, p.Detail, e.Detail)
			}
		}
		// A Bluesky text just under both limits passes.
		resp = f.Do(t, "POST", s.items(), editor.Token, fmt.Sprintf(`{"text":"Master","variants":[{"channel_account_id":%d,"text":%q}]}`, s.bluesky, strings.Repeat("ї", 300)))
		expect(t, "Bluesky, 300 graphemes", resp, 201)
		var ok apiItem
		decodeBody(t, resp, &ok)
		resp = f.Do(t, "GET", s.items(), editor.Token, "")
		var list struct{ Items []apiItem }
		decodeBody(t, resp, &list)
		if len(list.Items) != 2 {
			t.Errorf("%d items stored, want 2 (refused items store nothing)", len(list.Items))
		}

		// Submit; the author cannot approve (403), a stranger cannot see it
		// (404), the reviewer approves: scheduled, since it has a time.
		path := func(v apiVariant, action string) string { return fmt.Sprintf("/api/v1/variants/%d/%s", v.ID, action) }
		resp = f.Do(t, "POST", path(tg, "submit"), editor.Token, "")
		expect(t, "submit", resp, 200)
		var v apiVariant
		decodeBody(t, resp, &v)
		if v.State != "in_review" {
			t.Errorf("submitted: state %q", v.State)
		}
		resp = f.Do(t, "POST", path(tg, "approve"), editor.Token, "")
		expect(t, "the author approving", resp, 403)
		if !strings.Contains(resp.Body, "four-eyes") {
			t.Errorf("the author's refusal does not say four eyes: %s", resp.Body)
		}
		resp = f.Do(t, "POST", path(tg, "approve"), f.Outsider.Token, "")
		expect(t, "an outsider approving", resp, 404)
		if strings.Contains(resp.Body, "Зерно") || strings.Contains(resp.Body, f.A.Name) {
			t.Errorf("the outsider's 404 reveals the variant: %s", resp.Body)
		}
		resp = f.Do(t, "POST", path(tg, "approve"), f.Members[authz.Analyst].Token, "")
		expect(t, "an analyst approving", resp, 403)
		resp = f.Do(t, "POST", path(tg, "approve"), reviewer.Token, `{"comment":"Approved."}`)
		expect(t, "the reviewer approving", resp, 200)
		decodeBody(t, resp, &v)
		if v.State != "scheduled" {
			t.Errorf("approved: state %q, want scheduled", v.State)
		}
		resp = f.Do(t, "POST", path(tg, "approve"), f.Members[authz.Admin].Token, "")
		expect(t, "approving a scheduled variant", resp, 409)
		// Locked: an edit needs reopen.
		resp = f.Do(t, "PATCH", fmt.Sprintf("/api/v1/variants/%d", tg.ID), editor.Token, `{"text":"Changed"}`)
		expect(t, "editing an approved variant", resp, 409)
		resp = f.Do(t, "PATCH", fmt.Sprintf("/api/v1/variants/%d", tg.ID), editor.Token, `{"text":"Змінено.","reopen":true}`)
		expect(t, "reopening", resp, 200)
		decodeBody(t, resp, &v)
		if v.State != "draft" || v.Version != 2 {
			t.Errorf("reopened: %+v", v)
		}
		resp = f.Do(t, "GET", fmt.Sprintf("/api/v1/variants/%d", tg.ID), editor.Token, "")
		expect(t, "variant with history", resp, 200)
		var detail struct {
			Versions []struct {
				Version    int    `json:"version"`
				Text       string `json:"text"`
				AuthorName string `json:"author_name"`
			} `json:"versions"`
			Decisions []struct {
				Decision string `json:"decision"`
				Comment  string `json:"comment"`
				UserName string `json:"user_name"`
			} `json:"decisions"`
		}
		decodeBody(t, resp, &detail)
		if len(detail.Versions) != 2 || detail.Versions[1].Text != "Змінено." || detail.Versions[0].AuthorName != editor.Name ||
			len(detail.Decisions) != 1 || detail.Decisions[0].Comment != "Approved." || detail.Decisions[0].UserName != reviewer.Name {
			t.Errorf("history: %+v", detail)
		}
		// Approve again after resubmission.
		expect(t, "resubmit", f.Do(t, "POST", path(tg, "submit"), editor.Token, ""), 200)
		expect(t, "approve version 2", f.Do(t, "POST", path(tg, "approve"), reviewer.Token, ""), 200)

		// The calendar lists both scheduled variants with their state (the
		// unscheduled Bluesky one is not on it).
		resp = f.Do(t, "GET", "/api/v1/orgs/"+s.a+"/calendar?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z", editor.Token, "")
		expect(t, "calendar", resp, 200)
		var cal apiCalendar
		decodeBody(t, resp, &cal)
		if len(cal.Entries) != 2 {
			t.Fatalf("calendar: %+v", cal)
		}
		got := map[int64]string{}
		for _, e := range cal.Entries {
			got[e.VariantID] = e.State
			if e.CampaignTitle != "Зерно з України" {
				t.Errorf("entry: %+v", e)
			}
		}
		if got[tg.ID] != "scheduled" || got[x.ID] != "draft" {
			t.Errorf("calendar states: %v", got)
		}
		if cal.Entries[0].VariantID != tg.ID || cal.Entries[0].ScheduledAt != "2026-12-05T08:00:00Z" {
			t.Errorf("first entry (by time, in UTC): %+v", cal.Entries[0])
		}
		// Filters.
		resp = f.Do(t, "GET", "/api/v1/orgs/"+s.a+"/calendar?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z&state=draft&network=x", reviewer.Token, "")
		decodeBody(t, resp, &cal)
		if len(cal.Entries) != 1 || cal.Entries[0].VariantID != x.ID {
			t.Errorf("filtered calendar: %+v", cal)
		}
		// B's calendar shows nothing of A.
		resp = f.Do(t, "GET", "/api/v1/orgs/"+itoa(f.B.ID)+"/calendar?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z", f.Outsider.Token, "")
		expect(t, "B's calendar", resp, 200)
		if strings.Contains(resp.Body, "Зерно") || strings.Contains(resp.Body, `"variant_id"`) {
			t.Errorf("B's calendar shows A's work: %s", resp.Body)
		}

		// Request changes needs a comment.
		expect(t, "submit x", f.Do(t, "POST", path(x, "submit"), editor.Token, ""), 200)
		resp = f.Do(t, "POST", path(x, "request-changes"), reviewer.Token, `{"comment":"  "}`)
		expect(t, "request changes without a comment", resp, 422)
		if !strings.Contains(resp.Body, `"pointer":"/comment"`) {
			t.Errorf("no pointer to the comment: %s", resp.Body)
		}
		resp = f.Do(t, "POST", path(x, "request-changes"), reviewer.Token, `{"comment":"Add the link."}`)
		expect(t, "request changes", resp, 200)
		decodeBody(t, resp, &v)
		if v.State != "changes_requested" {
			t.Errorf("state %q", v.State)
		}
	})
}

// A joint campaign through the API: the partner sees it and contributes to
// it, and sees nothing else of the owner.
func TestAPIJointCampaign(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		s := newStudio(t, f)
		editor, partner := f.Members[authz.Editor], f.Outsider // B's admin
		other := newCampaign(t, f, f.A)
		otherItem := newItem(t, f, f.A)
		camp := fmt.Sprintf("/api/v1/campaigns/%d", s.campaign)

		expect(t, "partner before the invitation", f.Do(t, "GET", camp, partner.Token, ""), 404)
		resp := f.Do(t, "POST", camp+"/partners", editor.Token, fmt.Sprintf(`{"org_id":"%d"}`, f.B.ID))
		expect(t, "invite B", resp, 200)
		if !strings.Contains(resp.Body, fmt.Sprintf(`"partner_org_ids":[%d]`, f.B.ID)) {
			t.Errorf("partners: %.300s", resp.Body)
		}
		expect(t, "partner reads the joint campaign", f.Do(t, "GET", camp, partner.Token, ""), 200)
		// The partner contributes with its own account.
		resp = f.Do(t, "POST", "/api/v1/orgs/"+itoa(f.B.ID)+"/channel-accounts", partner.Token, `{"network":"facebook","name":"Beta MFA","handle":"beta.mfa","language":"fr"}`)
		expect(t, "B's account", resp, 201)
		var acc apiID
		decodeBody(t, resp, &acc)
		resp = f.Do(t, "POST", s.items(), partner.Token, fmt.Sprintf(`{"text":"Message de Beta","variants":[{"channel_account_id":%d,"scheduled_at":"2026-12-06T09:00:00Z"}]}`, acc.ID))
		expect(t, "partner's item", resp, 201)
		// ... not with the owner's.
		resp = f.Do(t, "POST", s.items(), partner.Token, fmt.Sprintf(`{"text":"x","variants":[{"channel_account_id":%d}]}`, s.telegram))
		expect(t, "partner using A's account", resp, 422)
		if !strings.Contains(resp.Body, `"pointer":"/variants/0/channel_account_id"`) {
			t.Errorf("%s", resp.Body)
		}
		// Only the owner changes the campaign.
		expect(t, "partner changing the campaign", f.Do(t, "PATCH", camp, partner.Token, `{"title":"Ours"}`), 403)

		// Nothing else of A.
		for _, path := range []string{
			fmt.Sprintf("/api/v1/campaigns/%d", other.ID),
			fmt.Sprintf("/api/v1/campaigns/%d/items", other.ID),
			fmt.Sprintf("/api/v1/items/%d", otherItem.ID),
			fmt.Sprintf("/api/v1/variants/%d", otherItem.Variants[0].ID),
			"/api/v1/orgs/" + s.a + "/campaigns",
			"/api/v1/orgs/" + s.a + "/calendar?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z",
		} {
			resp := f.Do(t, "GET", path, partner.Token, "")
			if resp.Status != 404 || strings.Contains(resp.Body, f.A.Name) {
				t.Errorf("partner GET %s: %d %.200s", path, resp.Status, resp.Body)
			}
		}
		resp = f.Do(t, "GET", "/api/v1/orgs/"+itoa(f.B.ID)+"/campaigns", partner.Token, "")
		var cs struct {
			Campaigns []apiID `json:"campaigns"`
		}
		decodeBody(t, resp, &cs)
		if len(cs.Campaigns) != 1 || cs.Campaigns[0].ID != s.campaign {
			t.Errorf("B's campaigns: %s", resp.Body)
		}
		resp = f.Do(t, "GET", "/api/v1/orgs/"+itoa(f.B.ID)+"/calendar?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z", partner.Token, "")
		var cal apiCalendar
		decodeBody(t, resp, &cal)
		if len(cal.Entries) != 1 || cal.Entries[0].CampaignID != s.campaign {
			t.Errorf("B's calendar: %s", resp.Body)
		}
		// Removing the partner ends it.
		expect(t, "remove B", f.Do(t, "DELETE", fmt.Sprintf("%s/partners/%d", camp, f.B.ID), editor.Token, ""), 204)
		expect(t, "removed partner", f.Do(t, "GET", camp, partner.Token, ""), 404)
		expect(t, "remove B again", f.Do(t, "DELETE", fmt.Sprintf("%s/partners/%d", camp, f.B.ID), editor.Token, ""), 404)
	})
}
