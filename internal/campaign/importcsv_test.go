package campaign_test

// CSV import and export: parsing, all-or-nothing validation, speed, and the
// export → import round trip, on both engines.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/testutil"
)

func TestParseImportCSV(t *testing.T) {
	// Semicolons (a European spreadsheet), a BOM, a quoted field with a
	// line break and a semicolon inside, CRLF line ends.
	data := "\ufeffitem_key;channel_account;language;text;scheduled_at\r\n" +
		"k1;@a-x;en;\"Line one\r\nline two; still the text\";2026-12-01 10:00\r\n" +
		"k1;@a-telegram;uk;Київ;\r\n" +
		";;;;\r\n" + // a blank row is skipped
		"k2;@a-x;en;'=1+1;\r\n"
	rows, bad, err := campaign.ParseImportCSV([]byte(data))
	if err != nil || len(bad) != 0 {
		t.Fatalf("parse: %v %v", err, bad)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(rows), rows)
	}
	if rows[0].Text != "Line one\nline two; still the text" || rows[0].ScheduledAt != "2026-12-01 10:00" || rows[0].Line != 2 {
		t.Errorf("row 1: %+v", rows[0])
	}
	if rows[1].Line != 4 || rows[1].Text != "Київ" || rows[1].Account != "@a-telegram" {
		t.Errorf("row 2 (starts on line 4, after the quoted break): %+v", rows[1])
	}
	if rows[2].Text != "=1+1" || rows[2].Line != 6 {
		t.Errorf("the formula guard is taken off: %+v", rows[2])
	}

	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "is empty"},
		{"binary", "PK\x03\x04\x00\x00", "not a CSV"},
		{"latin1", "channel_account,text\n1,caf\xe9\n", "UTF-8"},
		{"unknown column", "channel_account,text,colour\n1,x,red\n", `"colour"`},
		{"no account column", "text\nx\n", "channel_account"},
		{"twice", "text,channel_account,text\nx,1,y\n", "twice"},
		{"header only", "channel_account,text\n", "no rows"},
	} {
		_, _, err := campaign.ParseImportCSV([]byte(c.data))
		if fieldOf(err) != "file" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a file error with %q", c.name, err, c.want)
		}
	}
	// Row problems are reported with their line, not as a file error.
	_, bad, err = campaign.ParseImportCSV([]byte("channel_account,text\n1,a\n1,b,extra\n1,\"broken\n"))
	if err != nil || len(bad) != 2 || bad[0].Line != 3 || bad[1].Line != 4 {
		t.Errorf("row errors: %v %+v", err, bad)
	}
}

// importCSV parses and imports data as user into c.
func (f *fixture) importCSV(t *testing.T, user string, c campaign.Campaign, data string) campaign.ImportReport {
	t.Helper()
	rows, bad, err := campaign.ParseImportCSV([]byte(data))
	if err != nil || len(bad) > 0 {
		t.Fatalf("parse: %v %v", err, bad)
	}
	rep, err := f.svc.ImportItems(ctx, f.u[user], c.ID, 0, rows, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func TestImportAllOrNothing(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c := f.campaign(t, f.A, "Import", "2026-12-01", "2026-12-31")
		long := strings.Repeat("слово ", 60) // 360 characters: over X's 280
		data := "item_key,title,master_text,channel_account,language,text,scheduled_at,link_url\n" +
			"g1,Grain,Зерно з України,@a-telegram,uk,,2026-12-01 10:00,https://mfa.example/grain\n" +
			"g1,,,@a-x,en,Grain from Ukraine,2026-12-01T08:00:00Z,\n" +
			"g2,Too long,x,@a-x,en," + long + ",,\n" + // line 4: over the limit
			"g3,Stranger,x,@b-x,en,hello,,\n" + // line 5: B's account
			"g4,Bad time,x,@a-x,en,hello,1 December,\n" + // line 6
			"g5,Bad language,x,@a-x,english!,hello,,\n" + // line 7
			"g1,Other title,,@a-bluesky,en,hi,,\n" // line 8: contradicts line 2
		rep := f.importCSV(t, "a-editor", c, data)
		if rep.Items != 0 || rep.Variants != 0 {
			t.Errorf("a file with bad rows imported something: %+v", rep)
		}
		want := map[int]string{4: "text", 5: "channel_account", 6: "scheduled_at", 7: "language", 8: "title"}
		got := map[int]string{}
		for _, r := range rep.Rejected {
			got[r.Line] = r.Column
		}
		for line, col := range want {
			if got[line] != col {
				t.Errorf("line %d: rejected column %q, want %q (report %+v)", line, got[line], col, rep.Rejected)
			}
		}
		if len(rep.Rejected) != len(want) {
			t.Errorf("rejected %+v, want lines %v", rep.Rejected, want)
		}
		for _, r := range rep.Rejected {
			if r.Line == 4 && !strings.Contains(r.Reason, "280") {
				t.Errorf("the length reason names the limit as the API does: %q", r.Reason)
			}
		}
		if n := f.count(t, "items"); n != 0 {
			t.Fatalf("%d items after a rejected import", n)
		}

		// The good rows alone import: g1 is one item with two variants.
		good := strings.Join(strings.Split(data, "\n")[:3], "\n") + "\n"
		rep = f.importCSV(t, "a-editor", c, good)
		if len(rep.Rejected) != 0 || rep.Items != 1 || rep.Variants != 2 {
			t.Fatalf("report: %+v", rep)
		}
		items, err := f.svc.Items(ctx, f.u["a-analyst"], c.ID)
		if err != nil || len(items) != 1 {
			t.Fatalf("items: %v %+v", err, items)
		}
		it := items[0]
		if it.Title != "Grain" || it.Text != "Зерно з України" || it.LinkURL != "https://mfa.example/grain" || len(it.Variants) != 2 {
			t.Errorf("item: %+v", it)
		}
		for _, v := range it.Variants {
			// 10:00 in Kyiv (UTC+2 in December) is 08:00 UTC, as the
			// RFC 3339 time of the other row.
			if v.ScheduledAt == nil || !v.ScheduledAt.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)) || v.State != campaign.StateDraft {
				t.Errorf("variant %+v", v)
			}
			if v.ChannelAccountID == f.acc["a-telegram"].ID && v.Text != "Зерно з України" {
				t.Errorf("an empty text takes the master text: %q", v.Text)
			}
		}

		// Who may import: editors of the campaign's organisations only.
		rows, _, _ := campaign.ParseImportCSV([]byte(good))
		if _, err := f.svc.ImportItems(ctx, f.u["a-analyst"], c.ID, 0, rows, nil); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("analyst: %v", err)
		}
		if _, err := f.svc.ImportItems(ctx, f.u["b-admin"], c.ID, 0, rows, nil); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("stranger: %v", err)
		}
	})
}

// bigCSV is n rows, two variants per item.
func (f *fixture) bigCSV(n int) string {
	var b strings.Builder
	b.WriteString("item_key,title,master_text,channel_account,language,text,scheduled_at,link_url\n")
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		acc, lang, text := "@a-x", "en", fmt.Sprintf("Post %d: grain from Ukraine feeds the world #grain", i)
		if i%2 == 1 {
			acc, lang, text = "@a-telegram", "uk", fmt.Sprintf("Допис %d: українське зерно годує світ #зерно", i)
		}
		fmt.Fprintf(&b, "k%d,Item %d,,%s,%s,%s,%s,https://mfa.example/p/%d\n", i/2, i/2, acc, lang, text, start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i/2)
	}
	return b.String()
}

func TestImport5000Rows(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c := f.campaign(t, f.A, "Big import", "2026-12-01", "2026-12-31")
		data := f.bigCSV(5000)
		began := time.Now()
		rows, bad, err := campaign.ParseImportCSV([]byte(data))
		if err != nil || len(bad) > 0 {
			t.Fatal(err, bad)
		}
		parsed := time.Since(began)
		calls := 0
		rep, err := f.svc.ImportItems(ctx, f.u["a-editor"], c.ID, 0, rows, func(string, int) { calls++ })
		took := time.Since(began)
		if err != nil || len(rep.Rejected) > 0 || rep.Variants != 5000 || rep.Items != 2500 {
			t.Fatalf("import: %v %+v", err, rep.Rejected)
		}
		t.Logf("%s: 5,000 rows (%d KiB) parsed in %v, validated and imported in %v in all", e.Name, len(data)>>10, parsed.Round(time.Millisecond), took.Round(time.Millisecond))
		if os.Getenv("ATTACHE_IMPORT_TIMING") != "" {
			fmt.Printf("CSV import %s: %v\n", e.Name, took.Round(time.Millisecond))
		}
		if calls < 40 {
			t.Errorf("progress reported %d times, want every 250 rows", calls)
		}
		if n := f.count(t, "variants"); n != 5000 {
			t.Errorf("%d variants stored", n)
		}
		if took > 60*time.Second {
			t.Errorf("5,000 rows took %v", took)
		}
	})
}

func TestExportImportRoundTrip(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		src := f.campaign(t, f.A, "Source", "2026-12-01", "2026-12-31")
		it := campaign.Item{Title: "Corridor, \"grain\"", Text: "Зерновий коридор\nпрацює", LinkURL: "https://mfa.example/x"}
		vs := []campaign.VariantInput{
			{ChannelAccountID: f.acc["a-telegram"].ID, Language: "uk", Text: "Зерновий коридор працює;\nრაც მთავარია", ScheduledAt: at("2026-12-03T07:30:00Z")},
			{ChannelAccountID: f.acc["a-x"].ID, Language: "en", Text: "-the corridor works @mfa", ScheduledAt: nil},
		}
		if err := f.svc.CreateItem(ctx, f.u["a-editor"], src.ID, 0, &it, vs); err != nil {
			t.Fatal(err)
		}
		f.item(t, "a-editor", src, "second item", f.variantFor("a-bluesky", at("2026-12-05T12:00:00Z")))
		d, err := f.svc.Export(ctx, f.u["a-analyst"], src.ID)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := d.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "'-the corridor") {
			t.Errorf("a cell starting with - is guarded against formulas:\n%s", buf.String())
		}
		dst := f.campaign(t, f.A, "Copy", "2026-12-01", "2026-12-31")
		rep := f.importCSV(t, "a-editor2", dst, buf.String())
		if len(rep.Rejected) != 0 || rep.Items != 2 || rep.Variants != 3 {
			t.Fatalf("re-import: %+v\n%s", rep, buf.String())
		}
		a, _ := f.svc.Items(ctx, f.u["a-analyst"], src.ID)
		b, _ := f.svc.Items(ctx, f.u["a-analyst"], dst.ID)
		key := func(items []campaign.Item) []string {
			var out []string
			for _, it := range items {
				for _, v := range it.Variants {
					when := "-"
					if v.ScheduledAt != nil {
						when = v.ScheduledAt.UTC().Format(time.RFC3339)
					}
					out = append(out, fmt.Sprintf("%s|%s|%s|%d|%s|%s|%s", it.Title, it.Text, it.LinkURL, v.ChannelAccountID, v.Language, v.Text, when))
				}
			}
			return out
		}
		ka, kb := key(a), key(b)
		if strings.Join(ka, "\n") != strings.Join(kb, "\n") {
			t.Errorf("round trip differs:\n%s\n---\n%s", strings.Join(ka, "\n"), strings.Join(kb, "\n"))
		}
	})
}

func TestImporterJob(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := newFixture(t, e)
		c := f.campaign(t, f.A, "Jobs", "2026-12-01", "2026-12-31")
		im := campaign.NewImporter(f.svc, nil)
		defer im.Close()
		j, err := im.Start(ctx, f.u["a-editor"], c.ID, 0, "plan.csv", []byte(f.bigCSV(600)))
		if err != nil {
			t.Fatal(err)
		}
		if j.ID == 0 || j.State != campaign.ImportValidating || j.Total != 600 || j.Report != nil {
			t.Errorf("started job: %+v", j)
		}
		im.Wait()
		got, err := f.svc.GetImport(ctx, f.u["a-analyst"], j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != campaign.ImportDone || got.Processed != 600 || got.Report == nil || got.Report.Variants != 600 || got.Percent() != 100 {
			t.Errorf("finished job: %+v %+v", got, got.Report)
		}
		// Only members of the job's organisation see it.
		if _, err := f.svc.GetImport(ctx, f.u["b-admin"], j.ID); !errors.Is(err, authz.ErrNotMember) {
			t.Errorf("stranger: %v", err)
		}
		if _, err := f.svc.GetImport(ctx, f.u["a-trainer"], j.ID); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("trainer: %v", err)
		}
		// A bad row: the job fails and names the line; nothing is added.
		before := f.count(t, "items")
		j, err = im.Start(ctx, f.u["a-editor"], c.ID, 0, "bad.csv", []byte("channel_account,text\n@a-x,fine\n@nobody,who\n"))
		if err != nil {
			t.Fatal(err)
		}
		im.Wait()
		got, _ = f.svc.GetImport(ctx, f.u["a-editor"], j.ID)
		if got.State != campaign.ImportFailed || got.Report == nil || len(got.Report.Rejected) != 1 || got.Report.Rejected[0].Line != 3 {
			t.Errorf("failed job: %+v %+v", got, got.Report)
		}
		if f.count(t, "items") != before {
			t.Error("a failed import added items")
		}
		// A file that is not CSV is refused at once.
		if _, err := im.Start(ctx, f.u["a-editor"], c.ID, 0, "x.xlsx", []byte("PK\x03\x04\x00")); fieldOf(err) != "file" {
			t.Errorf("xlsx: %v", err)
		}
	})
}

// FuzzImportCSV: any file either imports whole or is rejected whole; the
// importer never panics and never fails with anything but a validation
// error (a 4xx in the API).
func FuzzImportCSV(f *testing.F) {
	e := testutil.SQLite(f)
	svc := &campaign.Service{DB: e.DB}
	o := org.Org{Slug: "fuzz", Name: "Fuzz", Kind: org.Ministry, TimeZone: "Europe/Kyiv"}
	if err := org.InsertOrg(ctx, e.DB.W(), &o); err != nil {
		f.Fatal(err)
	}
	var uid int64
	if err := e.DB.W().QueryRowContext(ctx, "INSERT INTO users (email, name, created_at) VALUES ('f@example.org', 'F', CURRENT_TIMESTAMP) RETURNING id").Scan(&uid); err != nil {
		f.Fatal(err)
	}
	if err := org.AddMember(ctx, e.DB.W(), o.ID, uid, authz.Editor); err != nil {
		f.Fatal(err)
	}
	p := &authz.Principal{UserID: uid, Memberships: []authz.Membership{{OrgID: o.ID, Role: authz.Editor}}}
	for _, a := range []channel.Account{{Network: limits.X, Handle: "@x", Language: "en"}, {Network: limits.Telegram, Handle: "@tg", Language: "uk"}, {Network: limits.Bluesky, Handle: "@x", Language: "en"}} {
		a.OrgID, a.Name = o.ID, "Account "+a.Handle
		if err := channel.Insert(ctx, e.DB.W(), &a); err != nil {
			f.Fatal(err)
		}
	}
	c := campaign.Campaign{Title: "Fuzz", Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}}
	if err := svc.Create(ctx, p, audit.System, o, &c, nil); err != nil {
		f.Fatal(err)
	}
	count := func() (n int) {
		_ = e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM variants").Scan(&n)
		return n
	}
	f.Add([]byte("item_key,channel_account,language,text,scheduled_at\nk,@tg,uk,Привіт,2026-12-01 10:00\nk,1,en,Hi,\n"))
	f.Add([]byte("\ufeffchannel_account;text;link_url\n@tg;\"a;\nb\";https://x.example\n"))
	f.Add([]byte("channel_account,text\n@x,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := count()
		rows, bad, err := campaign.ParseImportCSV(data)
		if err != nil {
			if fieldOf(err) != "file" {
				t.Fatalf("parse error is not a file error: %v", err)
			}
			return
		}
		if len(bad) > 0 {
			for _, b := range bad {
				if b.Line < 1 || b.Reason == "" {
					t.Fatalf("row error without a line or reason: %+v", b)
				}
			}
			return
		}
		rep, err := svc.ImportItems(ctx, p, c.ID, 0, rows, nil)
		if err != nil {
			t.Fatalf("import failed (a 5xx): %v", err)
		}
		after := count()
		if len(rep.Rejected) > 0 {
			if after != before {
				t.Fatalf("a rejected file imported %d variants", after-before)
			}
			for _, r := range rep.Rejected {
				if r.Line < 2 || r.Reason == "" {
					t.Fatalf("rejection without a line or reason: %+v", r)
				}
			}
			return
		}
		if after-before != rep.Variants || rep.Variants != len(rows) {
			t.Fatalf("imported %d variants, report says %d of %d rows", after-before, rep.Variants, len(rows))
		}
	})
}
