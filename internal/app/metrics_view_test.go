package app_test

// The metrics the publishing engine polls (post_metrics) are shown on the
// item page of a published variant (latest counts, an inline SVG chart, a
// table in the reader's time zone) and served by
// GET /api/v1/variants/{id}/metrics; strangers get 404 from both.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// publishWithMetrics marks variant id published and stores readings of
// its counts (likes, reposts, replies, quotes, views) at the given times.
func publishWithMetrics(t *testing.T, f *Fixture, id int64, pub time.Time, readings map[time.Time][5]int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.DB.W().ExecContext(ctx, "UPDATE variants SET state = 'published', external_id = ?, url = ?, published_at = ? WHERE id = ?",
		"4242", "https://t.me/mfa_alpha/4242", pub, id); err != nil {
		t.Fatal(err)
	}
	for at, c := range readings {
		if _, err := f.DB.W().ExecContext(ctx, "INSERT INTO post_metrics (variant_id, at, likes, reposts, replies, quotes, views) VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, at, c[0], c[1], c[2], c[3], c[4]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPublishedVariantMetrics(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e, WithPasswords())
		ctx := context.Background()
		editor := f.Members[authz.Editor]
		it := newItem(t, f, f.A)
		v := it.Variants[0]
		pub := time.Date(2026, 5, 4, 9, 45, 0, 0, time.UTC)
		publishWithMetrics(t, f, v.ID, pub, map[time.Time][5]int64{
			pub.Add(15 * time.Minute): {3, 0, 1, 0, 120},
			pub.Add(time.Hour):        {12, 2, 4, 0, 900},
			pub.Add(24 * time.Hour):   {57, 9, 11, 0, 12345},
		})
		// The editor reads times in Tokyo; the organisation is in Tirane.
		if _, err := f.DB.W().ExecContext(ctx, "UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = ?", editor.ID); err != nil {
			t.Fatal(err)
		}

		// The item page.
		cookies := map[int64][]*http.Cookie{}
		get := func(u *TestUser, path string) Response {
			t.Helper()
			if cookies[u.ID] == nil {
				cookies[u.ID] = f.SignIn(t, u)
			}
			req := httptest.NewRequest("GET", path, nil)
			for _, c := range cookies[u.ID] {
				req.AddCookie(c)
			}
			return f.Serve(req)
		}
		page := func(u *TestUser, orgSlug string) Response {
			t.Helper()
			return get(u, "/o/"+orgSlug+"/items/"+itoa(it.ID))
		}
		r := page(editor, f.A.Slug)
		if r.Status != http.StatusOK {
			t.Fatalf("item page: %d %.300s", r.Status, r.Body)
		}
		body := r.Body
		for _, want := range []string{
			`<a href="https://t.me/mfa_alpha/4242" rel="noopener noreferrer">View the post</a>`,
			// Latest counts, grouped as the UI writes numbers.
			`<dd class="metrics-likes">57</dd>`, `<dd class="metrics-reposts">9</dd>`, `<dd class="metrics-replies">11</dd>`,
			`<dd class="metrics-quotes">0</dd>`, "<dd class=\"metrics-views\">12\u202f345</dd>",
			// The latest reading in the reader's zone: 2026-05-05 09:45 UTC is 18:45 in Tokyo.
			"As of 2026-05-05 18:45 (Asia/Tokyo)",
			// The chart, with a line per count that is not always 0, and its text alternative.
			`<svg class="metrics-chart" viewBox="0 0 600 `, `role="img"`, `<g class="metrics-panel metrics-likes">`, `<polyline class="metrics-line" points="`,
			"3 readings from 2026-05-04 19:00 to 2026-05-05 18:45 (Asia/Tokyo), one line each for Likes, Reposts, Replies, Views.",
			// The table of every reading, newest first.
			`<details class="metrics-table">`, `<th scope="col">Time (Asia/Tokyo)</th>`,
			`<th scope="row"><time datetime="2026-05-04T10:00:00Z">2026-05-04 19:00</time></th><td class="num">3</td><td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">120</td>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the item page lacks %q", want)
			}
		}
		if strings.Contains(body, "metrics-quotes\">\n") || strings.Contains(body, `<g class="metrics-panel metrics-quotes">`) {
			t.Error("a panel for quotes, which are 0 throughout")
		}
		if regexp.MustCompile(`(?i)\sstyle=`).MatchString(body) || strings.Contains(body, "<script>") {
			t.Error("inline style or script: the CSP forbids them")
		}
		if i, j := strings.Index(body, "2026-05-05 18:45</time>"), strings.Index(body, "2026-05-04 19:00</time>"); i < 0 || j < i {
			t.Error("the table is not newest first")
		}
		// Points stay inside the chart.
		pts := regexp.MustCompile(`points="([^"]+)"`).FindAllStringSubmatch(body, -1)
		if len(pts) != 4 {
			t.Fatalf("%d lines, want 4", len(pts))
		}
		for _, p := range pts {
			if strings.Count(p[1], ",") != 3 {
				t.Errorf("line %q: want 3 points", p[1])
			}
		}

		// A member of another organisation: 404 through either org, and no counts.
		for _, slug := range []string{f.A.Slug, f.B.Slug} {
			if r := page(f.Outsider, slug); r.Status != http.StatusNotFound || strings.Contains(r.Body, "metrics-") {
				t.Errorf("outsider via %s: %d", slug, r.Status)
			}
		}

		// The API.
		o := loadOpenAPI(t, f.TestApp)
		path := "/api/v1/variants/" + itoa(v.ID) + "/metrics"
		api := f.Do(t, "GET", path, f.Members[authz.Analyst].Token, "")
		if api.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, api.Status, api.Body)
		}
		o.validate(t, "metrics", "GET", "/api/v1/variants/{id}/metrics", api)
		var got struct {
			VariantID   int64      `json:"variant_id"`
			State       string     `json:"state"`
			URL         string     `json:"url"`
			PublishedAt *time.Time `json:"published_at"`
			Latest      *struct {
				At    time.Time `json:"at"`
				Likes int64     `json:"likes"`
				Views int64     `json:"views"`
			} `json:"latest"`
			Points []struct {
				At                                     time.Time
				Likes, Reposts, Replies, Quotes, Views int64
			} `json:"points"`
		}
		if err := json.Unmarshal([]byte(api.Body), &got); err != nil {
			t.Fatal(err)
		}
		if got.VariantID != v.ID || got.State != "published" || got.URL != "https://t.me/mfa_alpha/4242" || got.PublishedAt == nil || !got.PublishedAt.Equal(pub) ||
			got.Latest == nil || got.Latest.Likes != 57 || got.Latest.Views != 12345 || !got.Latest.At.Equal(pub.Add(24*time.Hour)) {
			t.Fatalf("metrics %s", api.Body)
		}
		if len(got.Points) != 3 || !got.Points[0].At.Equal(pub.Add(15*time.Minute)) || got.Points[1].Likes != 12 || got.Points[1].Reposts != 2 ||
			got.Points[1].Replies != 4 || got.Points[1].Views != 900 || got.Points[2].Replies != 11 {
			t.Fatalf("points %s", api.Body)
		}
		for _, u := range []*TestUser{f.Outsider, f.Members[authz.Alumni]} {
			r := f.Do(t, "GET", path, u.Token, "")
			want := http.StatusNotFound
			if u.Role == authz.Alumni {
				want = http.StatusForbidden // a member of A whose role has no campaigns
			}
			if r.Status != want || strings.Contains(r.Body, "likes") {
				t.Errorf("%s: %d %s", u, r.Status, r.Body)
			}
			o.validate(t, "metrics refused", "GET", "/api/v1/variants/{id}/metrics", r)
		}
		if r := f.Do(t, "GET", "/api/v1/variants/987654321/metrics", editor.Token, ""); r.Status != http.StatusNotFound {
			t.Errorf("missing variant: %d", r.Status)
		}

		// A variant not yet read: an empty series, and a word on the page.
		other := newItem(t, f, f.A)
		w := other.Variants[0]
		r = f.Do(t, "GET", "/api/v1/variants/"+itoa(w.ID)+"/metrics", editor.Token, "")
		if r.Status != 200 || !strings.Contains(r.Body, `"latest":null`) || !strings.Contains(r.Body, `"points":[]`) {
			t.Fatalf("no readings: %d %s", r.Status, r.Body)
		}
		o.validate(t, "no readings", "GET", "/api/v1/variants/{id}/metrics", r)
		if r := page(editor, f.A.Slug); strings.Contains(r.Body, "No readings yet") {
			t.Error("the first item says it has no readings")
		}
		publishWithMetrics(t, f, w.ID, pub, nil)
		if r := get(editor, "/o/"+f.A.Slug+"/items/"+itoa(other.ID)); r.Status != 200 || !strings.Contains(r.Body, "No readings yet.") || strings.Contains(r.Body, "<svg class=\"metrics-chart\"") {
			t.Errorf("published without readings: %d", r.Status)
		}
	})
}
