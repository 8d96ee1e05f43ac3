package briefing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/org"
)

func sample() campaign.ExportData {
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	t1 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 12, 9, 15, 30, 0, 0, time.UTC)
	return campaign.ExportData{
		Campaign: campaign.Campaign{ID: 7, Title: "Зерно з України — Grain from Ukraine", Status: campaign.Active,
			Period: campaign.Period{Start: "2026-12-01", End: "2026-12-31"}, Tags: []string{"grain", "зерно"},
			Brief: "# Мета\nПоказати, що **зерновий коридор** працює.\n\n- Global South\n- [MFA](https://mfa.example)\n\n## საქართველო\nთბილისი"},
		Plan: campaign.Plan{
			Objectives:  []campaign.Objective{{Title: "Reach", Metric: "reach", TargetValue: 2000000, CurrentValue: 500000, DueDate: "2026-12-31"}},
			Audiences:   []campaign.Audience{{Country: "GE", Language: "ka", Description: "ქართული აუდიტორია"}},
			KeyMessages: []campaign.KeyMessage{{Title: "Corridor", LineToTake: true, Translations: map[string]string{"uk": "Зерновий коридор працює.", "ka": "მარცვლეულის დერეფანი მუშაობს.", "en": "The grain corridor works."}}},
		},
		Items: []campaign.Item{{ID: 1, Title: "Launch", Text: "Старт", Variants: []campaign.Variant{
			{ChannelAccountID: 1, Network: limits.Telegram, Language: "uk", Text: "Київ: старт кампанії 🌾", ScheduledAt: &t1, State: campaign.StateScheduled},
			{ChannelAccountID: 2, Network: limits.X, Language: "ka", Text: "თბილისი: დაწყება", ScheduledAt: &t2, State: campaign.StateDraft},
			{ChannelAccountID: 2, Network: limits.X, Language: "en", Text: "Later, unscheduled", State: campaign.StateInReview},
		}}},
		Owner:    org.Org{Name: "Міністерство закордонних справ України", TimeZone: "Europe/Kyiv"},
		Partners: []org.Org{{Name: "Ministry of Foreign Affairs of Georgia"}},
		Accounts: map[int64]channel.Account{1: {ID: 1, Name: "МЗС", Handle: "@mfa_ua", Network: limits.Telegram}, 2: {ID: 2, Name: "MFA Georgia", Handle: "@MFAgovge", Network: limits.X}},
		Location: kyiv,
	}
}

var pageRE = regexp.MustCompile(`/Type /Page[^s]`)

func TestWriteRendersScripts(t *testing.T) {
	for _, lang := range []string{"en", "uk"} {
		var buf bytes.Buffer
		if err := Write(&buf, sample(), lang, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		pdf := buf.Bytes()
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[len(pdf)-1024:], []byte("%%EOF")) {
			t.Fatalf("%s: not a PDF: %.20q", lang, pdf)
		}
		// Title page, brief (with objectives, audiences, messages) and the
		// schedule.
		if n := len(pageRE.FindAll(pdf, -1)); n != 3 {
			t.Errorf("%s: %d pages, want 3", lang, n)
		}
		path := filepath.Join(t.TempDir(), "b.pdf")
		if err := os.WriteFile(path, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		if os.Getenv("ATTACHE_BRIEFING_OUT") != "" {
			_ = os.WriteFile(filepath.Join(os.Getenv("ATTACHE_BRIEFING_OUT"), "briefing-"+lang+".pdf"), pdf, 0o600)
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("pdftotext (poppler-utils) is needed in CI")
			}
			t.Skip("pdftotext is not installed")
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, want := range []string{
			"Зерно з України", "Міністерство закордонних справ України", "Зерновий коридор працює.", "მარცვლეულის დერეფანი მუშაობს.",
			"თბილისი: დაწყება", "ქართული აუდიტორია", "зерновий коридор працює", "MFA (https://mfa.example)", "@mfa_ua",
			"2026-12-01 10:00", // 08:00 UTC in Kyiv
			"2026-12-09 17:30",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the text of the PDF lacks %q:\n%s", lang, want, text)
			}
		}
		wantLabels := map[string][]string{"en": {"LINE TO TAKE", "Content schedule", "Not scheduled", "Objectives and KPIs"},
			"uk": {"ОФІЦІЙНА ПОЗИЦІЯ", "Графік публікацій", "Без дати", "Цілі та KPI"}}[lang]
		for _, want := range wantLabels {
			if !strings.Contains(text, want) {
				t.Errorf("%s: label %q missing", lang, want)
			}
		}
		if strings.Contains(text, "**") || strings.Contains(text, "# Мета") {
			t.Errorf("Markdown marks are left in: %s", text)
		}
	}
}

func TestMarkdownParagraphs(t *testing.T) {
	got := markdownParagraphs("# Title\nline one\nline _two_\n\n* item `code`\n1. first\n```\nraw *x*\n```\n> quoted")
	want := []paragraph{{"Title", true}, {"line one line two", false}, {"• item code", false}, {"1. first", false}, {"raw *x*", false}, {"quoted", false}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestEmptyCampaign(t *testing.T) {
	var buf bytes.Buffer
	d := campaign.ExportData{Campaign: campaign.Campaign{Title: "Empty", Period: campaign.Period{Start: "2026-01-01", End: "2026-01-02"}}}
	if err := Write(&buf, d, "xx", time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(pageRE.FindAll(buf.Bytes(), -1)); n != 2 {
		t.Errorf("%d pages, want 2 (title and an empty schedule)", n)
	}
}
