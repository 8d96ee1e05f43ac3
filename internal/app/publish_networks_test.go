package app_test

// The publishing engine end to end on every network with a fake server:
// the account is connected through the API (base URL and credentials, as
// an operator does), a variant is approved for now, and the engine with
// the production connectors (the app's registry) and the SSRF-guarded
// client publishes it over real HTTP. The connectors' own tests cover
// each network's details; this one checks that the engine and each
// connector agree: state, external id and link, one post at the fake,
// replies and metrics brought back, a rate-limit answer retried, a refusal
// failing the variant with the network's reason and telling its author.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/netguard"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/testutil"
)

// netFake is one network's fake server as the test drives it.
type netFake struct {
	base   string
	handle string
	creds  map[string]string
	link   string // the item's link ("" for none)
	// posts returns the texts of the posts at the fake.
	posts func() []string
	// url is the expected prefix of a published post's link ("" when the
	// network gives none).
	url string
	// reply adds a reply to our post ext at the fake and returns its text
	// (nil: the network brings no replies back).
	reply func(ext string) string
	// likes sets our post's like count at the fake (nil: no metrics).
	likes func(ext string, n int64)
	// limit makes the next publish answer 429 (or the network's
	// equivalent) with a wait of about a second.
	limit func()
	// refuse makes the next publish answer a permanent refusal; it returns
	// a part of the network's reason.
	refuse func() string
}

func textsOf[T any](xs []T, text func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = text(x)
	}
	return out
}

func networkFakes(t *testing.T) map[limits.Network]func() netFake {
	retryIn := func() time.Time { return time.Now().Add(time.Second) }
	return map[limits.Network]func() netFake{
		limits.Mastodon: func() netFake {
			f := testutil.NewFakeMastodon(t, "m-token")
			return netFake{base: f.URL, handle: "@mfa@m.example", creds: map[string]string{"access_token": f.Token}, url: "http",
				posts: func() []string {
					return textsOf(f.Statuses(), func(s testutil.FakeStatus) string { return s.Text })
				},
				reply: func(ext string) string {
					f.AddMention("someone@remote.example", "<p>@mfa Thank you for the grain</p>", ext)
					return "Thank you for the grain"
				},
				likes: func(ext string, n int64) { f.SetCounts(ext, 0, 0, n) },
				limit: func() {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "/api/v1/statuses", Status: http.StatusTooManyRequests, Error: "Too many requests",
						Header: map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": retryIn().UTC().Format("2006-01-02T15:04:05.000Z")}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "/api/v1/statuses", Status: 422, Error: "Validation failed: Text character limit of 500 exceeded"})
					return "Text character limit of 500 exceeded"
				},
			}
		},
		limits.Bluesky: func() netFake {
			const handle, password = "mfa.example.gov", "abcd-efgh-ijkl-mnop"
			f := testutil.NewFakeBluesky(t, handle, password)
			return netFake{base: f.URL, handle: "@" + handle, creds: map[string]string{"identifier": handle, "app_password": password}, url: "https://bsky.app/profile/",
				posts: func() []string {
					return textsOf(f.Records(), func(r testutil.FakeBskyRecord) string { s, _ := r.Value["text"].(string); return s })
				},
				reply: func(ext string) string {
					f.AddNotification("reply", "someone.bsky.social", "Where does the grain go?", ext)
					return "Where does the grain go?"
				},
				likes: func(ext string, n int64) { f.SetCounts(ext, n, 0, 0, 0) },
				limit: func() {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "com.atproto.repo.createRecord", Status: http.StatusTooManyRequests, Error: "RateLimitExceeded",
						Header: map[string]string{"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": strconv.FormatInt(retryIn().Unix(), 10)}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "com.atproto.repo.createRecord", Status: 400, Error: "InvalidRequest"})
					return "Bluesky: InvalidRequest"
				},
			}
		},
		limits.Telegram: func() netFake {
			f := testutil.NewFakeTelegram(t, "123456:bot-token")
			return netFake{base: f.URL, handle: "@" + f.ChannelUsername, creds: map[string]string{"bot_token": f.Token}, url: "https://t.me/" + f.ChannelUsername + "/",
				posts: func() []string {
					return textsOf(f.Messages(), func(m testutil.FakeTelegramMessage) string { return m.Text })
				},
				reply: func(ext string) string {
					id, _ := strconv.ParseInt(ext, 10, 64)
					f.AddComment(id, 4242, "olena", "Olena", "Дякуємо за новини")
					return "Дякуємо за новини"
				},
				limit: func() {
					f.Fail(testutil.FakeTelegramFailure{Method: "sendMessage", Code: http.StatusTooManyRequests, Description: "Too Many Requests: retry after 1", RetryAfter: 1})
				},
				refuse: func() string {
					f.Fail(testutil.FakeTelegramFailure{Method: "sendMessage", Code: 400, Description: "Bad Request: chat not found"})
					return "chat not found"
				},
			}
		},
		limits.Viber: func() netFake {
			f := testutil.NewFakeViber(t, "viber-token")
			return netFake{base: f.URL, handle: "mfa-moldova", creds: map[string]string{"auth_token": f.Token, "from": f.Admins[0]},
				posts: func() []string {
					return textsOf(f.Posts(), func(p testutil.FakeViberPost) string { return p.Text })
				},
				limit: func() { f.FailStatus(12, 1) }, // Viber answers 200 with status 12, "too many requests"
				refuse: func() string {
					f.FailStatus(3, 1)
					return "Viber (status 3)"
				},
			}
		},
		limits.Facebook: func() netFake {
			f := testutil.NewFakeMeta(t, "fb-token")
			feed := "/" + f.PageID + "/feed"
			return netFake{base: f.URL, handle: "mfa.page", creds: map[string]string{"page_id": f.PageID, "page_access_token": f.Token}, url: "https://www.facebook.com/",
				posts: func() []string {
					return textsOf(f.Objects("post"), func(o testutil.FakeMetaObject) string { return o.Text })
				},
				reply: func(ext string) string {
					f.AddComment(ext, "777", "Olena K.", "Important news, thank you", time.Now())
					return "Important news, thank you"
				},
				likes: func(ext string, n int64) { f.Update(ext, func(o *testutil.FakeMetaObject) { o.Reactions = n }) },
				limit: func() {
					f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: feed, Status: http.StatusTooManyRequests, Message: "Too many calls", Header: map[string]string{"Retry-After": "1"}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: feed, Code: 100, Message: "(#100) Invalid parameter"})
					return "Invalid parameter"
				},
			}
		},
		limits.Instagram: func() netFake {
			f := testutil.NewFakeMeta(t, "ig-token")
			media := "/" + f.IGUserID + "/media"
			return netFake{base: f.URL, handle: "@mfa", creds: map[string]string{"ig_user_id": f.IGUserID, "access_token": f.Token}, url: "https://www.instagram.com/",
				link: "https://cdn.mfa.example/photos/harvest-2026.jpg", // a public JPEG: Instagram fetches it
				posts: func() []string {
					return textsOf(f.Objects("media"), func(o testutil.FakeMetaObject) string { return o.Text })
				},
				reply: func(ext string) string {
					f.AddComment(ext, "17841400000000777", "olena.k", "Beautiful fields", time.Now())
					return "Beautiful fields"
				},
				likes: func(ext string, n int64) { f.Update(ext, func(o *testutil.FakeMetaObject) { o.Likes = n }) },
				limit: func() {
					f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: media, Status: http.StatusTooManyRequests, Message: "Too many calls", Header: map[string]string{"Retry-After": "1"}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: media, Code: 100, Message: "(#100) Only photo or video can be accepted as media type."})
					return "Only photo or video"
				},
			}
		},
		limits.Threads: func() netFake {
			f := testutil.NewFakeMeta(t, "th-token")
			threads := "/" + f.ThreadsUID + "/threads"
			return netFake{base: f.URL, handle: "@mfa", creds: map[string]string{"user_id": f.ThreadsUID, "access_token": f.Token}, url: "https://www.threads.net/",
				posts: func() []string {
					return textsOf(f.Objects("thread"), func(o testutil.FakeMetaObject) string { return o.Text })
				},
				reply: func(ext string) string {
					f.AddComment(ext, "3003", "olena.k", "Good to hear", time.Now())
					return "Good to hear"
				},
				likes: func(ext string, n int64) { f.Update(ext, func(o *testutil.FakeMetaObject) { o.Likes = n }) },
				limit: func() {
					f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: threads, Status: http.StatusTooManyRequests, Message: "Too many calls", Header: map[string]string{"Retry-After": "1"}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeMetaFailure{Method: "POST", Path: threads, Code: 100, Message: "(#100) The parameter text is too long."})
					return "text is too long"
				},
			}
		},
		limits.X: func() netFake {
			f := testutil.NewFakeX(t, "x-access", "x-refresh")
			return netFake{base: f.URL, handle: "@" + f.Username, creds: map[string]string{"access_token": "x-access", "refresh_token": "x-refresh", "client_id": f.ClientID},
				url: "https://x.com/",
				posts: func() []string {
					return textsOf(f.Posts(), func(p testutil.FakeXPost) string { return p.Text })
				},
				reply: func(ext string) string {
					f.AddMention("olena_k", "@mfa thank you for the update", ext)
					return "thank you for the update"
				},
				likes: func(ext string, n int64) { f.SetMetrics(ext, n, 0, 0, 0, 0) },
				limit: func() {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "/2/tweets", Status: http.StatusTooManyRequests, Error: "Too Many Requests",
						Header: map[string]string{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": strconv.FormatInt(retryIn().Unix(), 10)}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "/2/tweets", Status: 400, Error: "Invalid Request: One or more parameters to your request was invalid."})
					return "One or more parameters"
				},
			}
		},
		limits.LinkedIn: func() netFake {
			f := testutil.NewFakeLinkedIn(t, "li-access", "li-refresh")
			return netFake{base: f.URL, handle: "mfa-li", url: "https://www.linkedin.com/",
				creds: map[string]string{"access_token": "li-access", "refresh_token": "li-refresh", "client_id": f.ClientID, "client_secret": f.ClientSecret,
					"author_urn": "urn:li:organization:2414183"},
				posts: func() []string {
					return textsOf(f.Posts(), func(p testutil.FakeLinkedInPost) string { return p.Commentary })
				},
				reply: func(ext string) string {
					f.AddComment(ext, "urn:li:person:olena", "Congratulations to the team", time.Now())
					return "Congratulations to the team"
				},
				likes: func(ext string, n int64) { f.SetLikes(ext, n) },
				limit: func() {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "/rest/posts", Status: http.StatusTooManyRequests, Error: "Resource level throttle limit reached",
						Header: map[string]string{"Retry-After": "1"}})
				},
				refuse: func() string {
					f.Fail(testutil.FakeFailure{Method: "POST", Path: "/rest/posts", Status: 422, Error: "ERROR :: /commentary :: Text is too long"})
					return "commentary"
				},
			}
		},
	}
}

// TestPublishNetworks runs the engine against every network's fake, the
// networks in parallel on each engine.
func TestPublishNetworks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		f := NewFixture(t, e)
		// Fakes listen on loopback: allow it, as an operator would with
		// --allow-private-endpoints, for the API's base_url check and the
		// engine's client.
		f.Config.AllowPriv = true
		h, err := f.Handler(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.H = h
		pub := &publish.Publisher{DB: f.DB, Box: f.Auth.Box, Campaigns: f.Campaigns, Media: f.Media, Notify: f.Notify,
			Registry: f.Connectors, HTTP: netguard.Client(true, 10*time.Second), MaxAttempts: 5}
		if err := pub.Open(ctx, publish.EngineConfig{FetchPoll: 50 * time.Millisecond, NoPeriodic: true,
			Backoff: func(int) time.Duration { return 50 * time.Millisecond }}); err != nil {
			t.Fatal(err)
		}
		f.Campaigns.Outbox = pub
		if err := pub.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = pub.Stop(sctx)
		})

		editorU, reviewerU := f.Members[authz.Editor], f.Members[authz.Reviewer]
		editor := &authz.Principal{UserID: editorU.ID, Email: editorU.Email, Memberships: []authz.Membership{{OrgID: f.A.ID, Role: authz.Editor}}}
		reviewer := &authz.Principal{UserID: reviewerU.ID, Email: reviewerU.Email, Memberships: []authz.Membership{{OrgID: f.A.ID, Role: authz.Reviewer}}}
		camp := campaign.Campaign{Title: "Grain from Ukraine", Period: campaign.Period{Start: "2026-01-01", End: "2027-12-31"}}
		if err := f.Campaigns.Create(ctx, editor, audit.System, f.A, &camp, nil); err != nil {
			t.Fatal(err)
		}
		// Metrics readings: each PollMetrics call reads at its own day of
		// the schedule (2, 3 … days after publishing), so every published
		// post is due in every call, whichever subtest made it.
		var day atomic.Int64
		day.Store(1)

		for network, start := range networkFakes(t) {
			t.Run(string(network), func(t *testing.T) {
				t.Parallel()
				nf := start()
				name := "MFA on " + limits.Label(network)
				body, _ := json.Marshal(map[string]any{"network": network, "name": name, "handle": nf.handle, "language": "en",
					"base_url": nf.base, "credentials": nf.creds})
				r := f.Do(t, "POST", fmt.Sprintf("/api/v1/orgs/%d/channel-accounts", f.A.ID), editorU.Token, string(body))
				if r.Status != http.StatusCreated {
					t.Fatalf("connect the account: %d %s", r.Status, r.Body)
				}
				acc := decodeAccount(t, r)

				// approved creates, submits and approves a variant due now.
				approved := func(text string) int64 {
					t.Helper()
					at := time.Now().Add(-time.Minute)
					it := campaign.Item{Title: "Harvest", Text: text, LinkURL: nf.link}
					if err := f.Campaigns.CreateItem(ctx, editor, camp.ID, 0, &it, []campaign.VariantInput{{ChannelAccountID: acc.ID, Language: "en", Text: text, ScheduledAt: &at}}); err != nil {
						t.Fatal(err)
					}
					v, err := f.Campaigns.Submit(ctx, editor, it.Variants[0].ID)
					if err != nil {
						t.Fatal(err)
					}
					if got, err := f.Campaigns.Approve(ctx, reviewer, audit.System, v.ID, ""); err != nil || got.State != campaign.StateScheduled {
						t.Fatalf("approve: %+v, %v", got, err)
					}
					return v.ID
				}
				// final waits for the variant's end state, read through the API.
				final := func(id int64) variantOut {
					t.Helper()
					deadline := time.Now().Add(30 * time.Second)
					for {
						r := f.Do(t, "GET", fmt.Sprintf("/api/v1/variants/%d", id), editorU.Token, "")
						var v variantOut
						if err := json.Unmarshal([]byte(r.Body), &v); r.Status != 200 || err != nil {
							t.Fatalf("GET variant: %d %s", r.Status, r.Body)
						}
						if v.State == "published" || v.State == "failed" {
							return v
						}
						if time.Now().After(deadline) {
							t.Fatalf("variant %d is %s after 30 s (error %q)", id, v.State, v.Error)
						}
						time.Sleep(50 * time.Millisecond)
					}
				}
				// received counts the posts at the fake that carry marker.
				received := func(marker string) int {
					n := 0
					for _, s := range nf.posts() {
						if strings.Contains(s, marker) {
							n++
						}
					}
					return n
				}

				// Published: state, id and link, one post at the fake.
				marker := "ref-" + string(network) + "-1"
				id := approved("The 2026 harvest is in: 60 million tonnes of grain " + marker)
				v := final(id)
				if v.State != "published" || v.ExternalID == "" || v.Error != "" {
					t.Fatalf("published variant: %+v", v)
				}
				if (nf.url == "") != (v.URL == "") || !strings.HasPrefix(v.URL, nf.url) {
					t.Errorf("post link %q, want one starting with %q", v.URL, nf.url)
				}
				if n := received(marker); n != 1 {
					t.Errorf("the fake received the post %d times", n)
				}

				if nf.reply != nil {
					text := nf.reply(v.ExternalID)
					deadline := time.Now().Add(10 * time.Second)
					for {
						if _, err := pub.PullMentions(ctx); err != nil {
							t.Fatal(err)
						}
						var n int
						var inReplyTo string
						if err := f.DB.R().QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(in_reply_to), '') FROM mentions WHERE account_id = ? AND text LIKE ?",
							acc.ID, "%"+text+"%").Scan(&n, &inReplyTo); err != nil {
							t.Fatal(err)
						}
						if n == 1 {
							if inReplyTo != v.ExternalID {
								t.Errorf("the reply is stored as answering %q, not our post %q", inReplyTo, v.ExternalID)
							}
							break
						}
						if time.Now().After(deadline) {
							t.Fatalf("the reply %q is stored %d times", text, n)
						}
						time.Sleep(100 * time.Millisecond)
					}
				}
				if nf.likes != nil {
					nf.likes(v.ExternalID, 7)
					at := time.Now().UTC().Add(time.Duration(day.Add(1))*24*time.Hour + time.Minute).Truncate(time.Microsecond)
					if _, err := pub.PollMetrics(ctx, at); err != nil {
						t.Fatal(err)
					}
					var likes int64
					if err := f.DB.R().QueryRowContext(ctx, "SELECT likes FROM post_metrics WHERE variant_id = ? AND at = ?", id, at).Scan(&likes); err != nil || likes != 7 {
						t.Errorf("metrics read at %s: likes %d, %v", at, likes, err)
					}
				}

				// Refused: failed with the network's reason, the author told.
				marker = "ref-" + string(network) + "-2"
				reason := nf.refuse()
				id = approved("A statement the network refuses " + marker)
				v = final(id)
				if v.State != "failed" || !strings.Contains(v.Error, reason) || v.ExternalID != "" {
					t.Fatalf("refused variant: %+v (want the reason %q)", v, reason)
				}
				if n := received(marker); n != 0 {
					t.Errorf("a refused post reached the fake %d times", n)
				}
				ns, err := f.Notify.List(ctx, editorU.ID, false, 200)
				if err != nil {
					t.Fatal(err)
				}
				told := 0
				for _, n := range ns {
					if n.Kind == publish.NotifyFailed && strings.Contains(n.Title, name) {
						told++
					}
				}
				if told != 1 {
					t.Errorf("the author got %d failure notifications for %s", told, name)
				}
				// Rate limited once, then published, once. (Last: the limiter
				// then lets one request go and refills at the documented rate,
				// one post every 14 minutes on X.)
				marker = "ref-" + string(network) + "-3"
				nf.limit()
				id = approved("Export corridors stay open this week " + marker)
				v = final(id)
				if v.State != "published" {
					t.Fatalf("after a rate-limit answer: %+v", v)
				}
				if n := received(marker); n != 1 {
					t.Errorf("the fake received the rate-limited post %d times", n)
				}
				var outcomes []string
				rows, err := f.DB.R().QueryContext(ctx, "SELECT outcome FROM publish_attempts WHERE variant_id = ? ORDER BY attempt", id)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					outcomes = append(outcomes, s)
				}
				rows.Close()
				if strings.Join(outcomes, " ") != "transient published" {
					t.Errorf("attempts after a rate-limit answer: %v", outcomes)
				}

			})
		}
	})
}

// variantOut is what the test reads of GET /api/v1/variants/{id}.
type variantOut struct {
	State      string `json:"state"`
	ExternalID string `json:"external_id"`
	URL        string `json:"url"`
	Error      string `json:"error"`
}
