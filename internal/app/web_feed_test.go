package app_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

// feedItem makes an item of o with one variant per account (all in lang),
// then marks the variants published at `at` (as the publishing engine
// does) unless draft is set. It returns the variant ids.
func feedItem(t *testing.T, f *Fixture, o org.Org, title, text, lang string, at time.Time, draft bool, accounts ...int64) []int64 {
	t.Helper()
	c := newCampaign(t, f, o)
	it := campaign.Item{Title: title, Text: text}
	var vs []campaign.VariantInput
	for _, a := range accounts {
		vs = append(vs, campaign.VariantInput{ChannelAccountID: a, Language: lang, Text: text})
	}
	if err := f.Campaigns.CreateItem(context.Background(), principalOf(t, f, campaignAuthor(t, f, o)), c.ID, 0, &it, vs); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, v := range it.Variants {
		ids = append(ids, v.ID)
		if draft {
			continue
		}
		url := ""
		if i > 0 { // the non-website variants have the network's URL
			url = "https://social.example/@mfa/" + itoa(v.ID)
		}
		if _, err := f.DB.W().ExecContext(context.Background(), `UPDATE variants SET state = 'published', external_id = ?, url = ?, published_at = ?, updated_at = ? WHERE id = ?`,
			"ext-"+itoa(v.ID), url, at.Add(time.Duration(i)*time.Second), at.Add(time.Duration(i)*time.Second), v.ID); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestPublicFeeds(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		site := newAccount(t, f, f.A, limits.Website, "uk")
		masto := newAccount(t, f, f.A, limits.Mastodon, "en")
		siteB := newAccount(t, f, f.B, limits.Website, "en")
		base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

		tricky := "Заява МЗС щодо <script>alert(1)</script> & \"лапки\" 'apostrophes'\nდიპლომატია — second line"
		ids1 := feedItem(t, f, f.A, "", tricky, "uk", base, false, site, masto) // same statement on two networks: listed once
		ids2 := feedItem(t, f, f.A, "Black Sea grain corridor", "Ukraine and its partners keep the Black Sea grain corridor open.", "en", base.Add(time.Hour), false, masto)
		if _, err := f.DB.W().ExecContext(context.Background(), "UPDATE variants SET url = ? WHERE id = ?", "https://social.example/@mfa/"+itoa(ids2[0]), ids2[0]); err != nil {
			t.Fatal(err)
		}
		feedItem(t, f, f.A, "Draft only", "DRAFT-TEXT must never be public", "uk", base, true, site)
		feedItem(t, f, f.B, "Beta statement", "BETA-TEXT of another ministry", "en", base, false, siteB)

		get := func(path string, hdr ...string) Response {
			req := httptest.NewRequest("GET", path, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			return f.Serve(req)
		}
		parser := gofeed.NewParser()
		for _, tc := range []struct{ file, ctype string }{
			{"feed.atom", "application/atom+xml; charset=utf-8"},
			{"feed.rss", "application/rss+xml; charset=utf-8"},
			{"feed.json", "application/feed+json"},
		} {
			r := get("/" + f.A.Slug + "/" + tc.file)
			if r.Status != 200 || r.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("%s: %d %q\n%s", tc.file, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			for _, bad := range []string{"DRAFT-TEXT", "BETA-TEXT", "<script>"} {
				if strings.Contains(r.Body, bad) {
					t.Errorf("%s contains %q:\n%s", tc.file, bad, r.Body)
				}
			}
			if tc.file != "feed.json" {
				// Well-formed XML, whatever the text held.
				dec := xml.NewDecoder(strings.NewReader(r.Body))
				for {
					if _, err := dec.Token(); err != nil {
						if err.Error() != "EOF" {
							t.Fatalf("%s is not well-formed XML: %v", tc.file, err)
						}
						break
					}
				}
			}
			fd, err := parser.ParseString(r.Body)
			if err != nil {
				t.Fatalf("%s does not parse: %v\n%s", tc.file, err, r.Body)
			}
			if fd.Title != f.A.Name || len(fd.Items) != 2 {
				t.Fatalf("%s: title %q, %d items\n%s", tc.file, fd.Title, len(fd.Items), r.Body)
			}
			if fd.FeedLink == "" || fd.Link == "" {
				t.Errorf("%s: feed link %q, link %q", tc.file, fd.FeedLink, fd.Link)
			}
			seen := map[string]bool{}
			for _, it := range fd.Items {
				if it.GUID == "" || seen[it.GUID] || it.PublishedParsed == nil || it.Title == "" || it.Link == "" {
					t.Errorf("%s: item %+v: id, title, link and a parsable date are required, ids unique", tc.file, it)
				}
				seen[it.GUID] = true
			}
			// Newest first: the Mastodon-only statement, then the one on the website.
			first, second := fd.Items[0], fd.Items[1]
			if first.Title != "Black Sea grain corridor" || !strings.Contains(first.Link, "social.example") || first.GUID != "tag:127.0.0.1,2026:variant/"+itoa(ids2[0]) {
				t.Errorf("%s: first item %q %q %q", tc.file, first.Title, first.Link, first.GUID)
			}
			wantTitle := "Заява МЗС щодо <script>alert(1)</script> & \"лапки\" 'apostrophes'"
			if second.Title != wantTitle || !strings.HasSuffix(second.Link, "/"+f.A.Slug+"/statements/"+itoa(ids1[0])) {
				t.Errorf("%s: second item title %q link %q", tc.file, second.Title, second.Link)
			}
			content := second.Content
			if tc.file == "feed.rss" {
				content = second.Description
			}
			if tc.file == "feed.json" {
				if content != tricky {
					t.Errorf("json content_text = %q", content)
				}
			} else if !strings.Contains(content, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;лапки&#34;") || !strings.Contains(content, "<br>") || !strings.Contains(content, "დიპლომატია") {
				t.Errorf("%s: html content = %q", tc.file, content)
			}
			if tc.file == "feed.atom" && (fd.Updated == "" || fd.UpdatedParsed == nil || len(fd.Authors) == 0) {
				t.Errorf("atom: updated %q authors %v", fd.Updated, fd.Authors)
			}

			// Conditional GET.
			if nm := get("/"+f.A.Slug+"/"+tc.file, "If-None-Match", r.Header.Get("ETag")); nm.Status != http.StatusNotModified || nm.Body != "" {
				t.Errorf("%s: If-None-Match gave %d", tc.file, nm.Status)
			}
			if nm := get("/"+f.A.Slug+"/"+tc.file, "If-Modified-Since", r.Header.Get("Last-Modified")); nm.Status != http.StatusNotModified {
				t.Errorf("%s: If-Modified-Since gave %d", tc.file, nm.Status)
			}
			if nm := get("/"+f.A.Slug+"/"+tc.file, "If-None-Match", `"stale"`, "If-Modified-Since", r.Header.Get("Last-Modified")); nm.Status != 200 {
				t.Errorf("%s: a stale ETag gave %d", tc.file, nm.Status)
			}
			if old := get("/"+f.A.Slug+"/"+tc.file, "If-Modified-Since", base.Add(-time.Hour).Format(http.TimeFormat)); old.Status != 200 {
				t.Errorf("%s: an older copy gave %d", tc.file, old.Status)
			}
		}

		// The JSON Feed's declared fields.
		var jf map[string]any
		if err := json.Unmarshal([]byte(get("/"+f.A.Slug+"/feed.json").Body), &jf); err != nil {
			t.Fatal(err)
		}
		if jf["version"] != "https://jsonfeed.org/version/1.1" || jf["feed_url"] == "" || jf["home_page_url"] == "" {
			t.Errorf("json feed = %v", jf)
		}
		if it := jf["items"].([]any)[1].(map[string]any); it["language"] != "uk" || it["date_published"] != base.Format(time.RFC3339) {
			t.Errorf("json item = %v", it)
		}

		// B's feed has only B's statement; the mission's feed is empty but valid.
		if r := get("/" + f.B.Slug + "/feed.atom"); r.Status != 200 || !strings.Contains(r.Body, "BETA-TEXT") || strings.Contains(r.Body, "grain corridor") {
			t.Errorf("B's feed: %d\n%s", r.Status, r.Body)
		}
		r := get("/" + f.Mission.Slug + "/feed.atom")
		if fd, err := parser.ParseString(r.Body); r.Status != 200 || err != nil || len(fd.Items) != 0 || fd.Title != f.Mission.Name {
			t.Errorf("empty feed: %d %v\n%s", r.Status, err, r.Body)
		}
		if r := get("/" + f.Mission.Slug + "/feed.json"); r.Status != 200 || !strings.Contains(r.Body, `"items": []`) {
			t.Errorf("empty json feed: %d\n%s", r.Status, r.Body)
		}

		// Unknown organisations, files and statements are 404s, never 5xx.
		for _, p := range []string{"/no-such-ministry/feed.atom", "/" + f.A.Slug + "/feed.xml", "/" + f.A.Slug + "/statements/abc",
			"/" + f.A.Slug + "/statements/99999999999", "/" + f.A.Slug + "/statements/" + itoa(ids1[0]) + "/x",
			"/" + f.B.Slug + "/statements/" + itoa(ids1[0]), "/" + f.A.Slug + "/statements/-1"} {
			if r := get(p); r.Status != 404 {
				t.Errorf("GET %s = %d, want 404", p, r.Status)
			}
		}

		// The public pages: the list and one statement, escaped.
		r = get("/" + f.A.Slug + "/statements")
		if r.Status != 200 || !strings.Contains(r.Body, "Black Sea grain corridor") || strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, "DRAFT-TEXT") {
			t.Errorf("statements page: %d\n%s", r.Status, r.Body)
		}
		r = get("/" + f.A.Slug + "/statements/" + itoa(ids1[0]))
		if r.Status != 200 || !strings.Contains(r.Body, "დიპლომატია") || !strings.Contains(r.Body, "&lt;script&gt;") || strings.Contains(r.Body, "<script>") {
			t.Errorf("statement page: %d\n%s", r.Status, r.Body)
		}
	})
}
