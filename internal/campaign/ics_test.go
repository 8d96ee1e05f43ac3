package campaign

import (
	"strings"
	"testing"
	"time"
)

func TestEscapeText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{`a,b;c\d`, `a\,b\;c\\d`},
		{"line1\nline2\r\nline3\rline4", `line1\nline2\nline3\nline4`},
		{"tab\there, bell\a gone", `tab` + "\t" + `here\, bell gone`},
		{"Київ; Тбілісі, თბილისი", `Київ\; Тбілісі\, თბილისი`},
		{`\n is not a newline`, `\\n is not a newline`},
	} {
		if got := escapeText(c.in); got != c.want {
			t.Errorf("escapeText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFoldLine(t *testing.T) {
	// 75 octets stay on one line.
	s75 := strings.Repeat("a", 75)
	if got := foldLine(s75); got != s75+"\r\n" {
		t.Errorf("75 octets folded: %q", got)
	}
	// 76 octets: 75, then a space and the last one.
	if got, want := foldLine(strings.Repeat("a", 76)), strings.Repeat("a", 75)+"\r\n a\r\n"; got != want {
		t.Errorf("76 octets:\n got %q\nwant %q", got, want)
	}
	// Continuation lines carry 74 octets after their space.
	in := "SUMMARY:" + strings.Repeat("x", 67) + strings.Repeat("y", 74) + "zz"
	want := "SUMMARY:" + strings.Repeat("x", 67) + "\r\n " + strings.Repeat("y", 74) + "\r\n zz\r\n"
	if got := foldLine(in); got != want {
		t.Errorf("three lines:\n got %q\nwant %q", got, want)
	}
	// A two-octet Cyrillic letter that would straddle octet 75 moves to the
	// next line whole: "SUMMARY:" (8) + 33 × "Ж" (66) = 74 octets, and the
	// 34th letter would end at octet 76.
	in = "SUMMARY:" + strings.Repeat("Ж", 40)
	want = "SUMMARY:" + strings.Repeat("Ж", 33) + "\r\n " + strings.Repeat("Ж", 7) + "\r\n"
	if got := foldLine(in); got != want {
		t.Errorf("Cyrillic:\n got %q\nwant %q", got, want)
	}
	// Every physical line is at most 75 octets, for 4-octet emoji too.
	for _, l := range strings.Split(strings.TrimSuffix(foldLine("DESCRIPTION:"+strings.Repeat("🇺🇦", 60)), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
	}
}

func TestWriteICS(t *testing.T) {
	stamp := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	e := EntryEvent(FeedEntry{Entry: Entry{
		VariantID: 42, CampaignID: 7, CampaignTitle: "Grain, from Ukraine; to the world",
		OrgName: "MFA", AccountName: "MFA Telegram", Network: "telegram", Language: "uk", State: StateScheduled,
		ScheduledAt: time.Date(2026, 12, 1, 10, 0, 0, 0, kyiv), Excerpt: "Зерно з України\nгодує світ",
	}, ViaSlug: "mfa"}, "https://attache.example.org/")
	var b strings.Builder
	if err := WriteICS(&b, "Attaché — Ann", stamp, []ICSEvent{e}); err != nil {
		t.Fatal(err)
	}
	want := "BEGIN:VCALENDAR\r\n" +
		"VERSION:2.0\r\n" +
		"PRODID:-//Attaché//Campaign calendar//EN\r\n" +
		"CALSCALE:GREGORIAN\r\n" +
		"METHOD:PUBLISH\r\n" +
		"X-WR-CALNAME:Attaché — Ann\r\n" +
		"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" +
		"X-PUBLISHED-TTL:PT1H\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:variant-42@attache.example.org\r\n" +
		"DTSTAMP:20261126T093000Z\r\n" +
		"DTSTART:20261201T080000Z\r\n" + // 10:00 in Kyiv (UTC+2 in winter)
		// "SUMMARY:[Telegram] Grain\, from Ukraine\; to the world — " is 59
		// octets ("—" is 3); "Зерно з " adds 13 (72), "У" would end at 74,
		// "к" at 76: the fold comes after "У".
		"SUMMARY:[Telegram] Grain\\, from Ukraine\\; to the world — Зерно з У\r\n" +
		" країни годує світ\r\n" +
		// 12 + 16 + 2 + 26 + 2 + 17 = 75 octets up to "MFA": the fold
		// comes right after it, before the escaped line break.
		"DESCRIPTION:State: scheduled\\nAccount: MFA Telegram (uk)\\nOrganisation: MFA\r\n" +
		" \\n\\nЗерно з України\\nгодує світ\r\n" +
		"URL:https://attache.example.org/o/mfa/campaigns/7\r\n" +
		"STATUS:CONFIRMED\r\n" +
		"TRANSP:TRANSPARENT\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if got := b.String(); got != want {
		t.Errorf("ICS:\n got %q\nwant %q", got, want)
	}
}
