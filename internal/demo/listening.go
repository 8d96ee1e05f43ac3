package demo

// The demo's listening: the Ukrainian ministry listens for three topics
// and two known narratives; a week of public texts in Ukrainian, English,
// Russian, Serbian and Romanian arrives through the same pipeline as real
// collection (so matching and the index are real), with an evening of
// strikes on the energy grid that spikes, and a burst of near-identical
// posts by six accounts that the detector flags as coordinated. The
// texts are written for the demo; the accounts are fictional.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/ingest"
	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/source"
)

// demoTopics are the ministry's standing queries and narratives.
var demoTopics = []listen.Topic{
	{Name: "Grain corridor", Query: `"grain corridor" OR "зерновий коридор" OR ((grain OR зерно*) AND (Odesa OR Одес* OR port OR порт*))`},
	{Name: "Attacks on the energy grid", Query: `(energy OR енергети* OR blackout OR відключення OR електро*) AND (attack* OR strike* OR удар* OR атак* OR обстріл*)`},
	{Name: "EU accession", Query: `("European Union" OR EU OR ЄС OR Євросоюз* OR UE) AND (accession OR membership OR вступ* OR членств* OR aderare)`},
	{Kind: listen.KindNarrative, Name: "Secret biolabs", Query: `biolab* OR біолаборатор* OR биолаборатор* OR "biological weapons" OR биологическ*`,
		Claim:        "Ukraine hosts secret Western laboratories that develop biological weapons.",
		Disproof:     "The laboratories are public-health facilities of Ukraine's Ministry of Health, built to detect and contain disease outbreaks; their work is published and they have been reviewed by the WHO. No evidence of weapons work has ever been produced.",
		CounterLines: []string{"The laboratories are Ukrainian public-health labs that track outbreaks such as COVID-19.", "Their work is public and has been reviewed by the WHO.", "The claim has circulated since 2015 without a single piece of evidence."},
		Countries:    []string{"UA", "GE", "MD"}, Languages: []string{"ru", "en", "uk"}},
	{Kind: listen.KindNarrative, Name: "Weapons resold on the black market", Query: `(weapons OR зброя OR оружие OR arme) AND ("black market" OR "чорний ринок" OR "черный рынок" OR resold OR перепродаж*)`,
		Claim:        "Weapons given to Ukraine are resold on the black market.",
		Disproof:     "Deliveries are tracked under end-use monitoring by the donors; inspections have found no diversion on any significant scale.",
		CounterLines: []string{"Every delivery is registered and inspected under the donors' end-use monitoring.", "Ukraine has invited inspectors to every stage of the supply chain."},
		Countries:    []string{"UA", "MD", "RS"}, Languages: []string{"ru", "en", "sr"}},
}

// demoText is a template of the week's texts: %d becomes a number.
type demoText struct {
	lang, source, text string
}

var demoTexts = []demoText{
	{"uk", "telegram", "Зерновий коридор працює: сьогодні з порту Одеса вийшло %d суден із зерном для Африки та Азії."},
	{"uk", "telegram", "Порти Одеси прийняли %d суден за тиждень, експорт зерна зростає попри обстріли."},
	{"en", "rss", "Grain corridor: %d ships left Odesa ports this week, carrying wheat and maize to Egypt and Indonesia."},
	{"en", "x", "The grain corridor from Odesa keeps food prices down far beyond Europe — %d ships since Monday."},
	{"ro", "rss", "Coridorul de cereale: %d nave au plecat din portul Odesa în această săptămână."},
	{"uk", "telegram", "Вступ до ЄС: Україна завершила ще %d кроків переговорного процесу щодо членства."},
	{"en", "rss", "EU accession talks: Ukraine and Moldova closed %d more chapters of their membership negotiations."},
	{"ro", "facebook", "Aderarea la UE: Moldova a deschis încă %d capitole de negociere, anunță ministerul."},
	{"sr", "rss", "Pregovori o članstvu u EU: Ukrajina je ispunila još %d uslova, kažu diplomate u Briselu."},
	{"en", "mastodon", "Blackout schedules are back in Kyiv after %d strikes on energy infrastructure overnight."},
	{"uk", "telegram", "Енергетика під ударом: після атаки %d підстанцій знеструмлено, ремонтники вже працюють."},
	{"ru", "telegram", "Американские биолаборатории в Украине снова работают, пишут %d каналов."},
	{"en", "x", "Reports say weapons sent to Ukraine end up on the black market — %d cases claimed, none shown."},
	{"uk", "facebook", "Посольство організувало %d зустрічей з фермерами щодо логістики експорту."},
	{"en", "rss", "Ministers met in Brussels to discuss %d joint projects on energy efficiency in schools."},
	{"sr", "rss", "Министар је данас разговарао са %d привредника о извозу житарица."},
	{"uk", "telegram", "Культурна дипломатія: %d виставок українських художників відкрилися в Європі цього місяця."},
}

// The evening of strikes: texts that spike "Attacks on the energy grid".
var demoSpike = []demoText{
	{"uk", "telegram", "Масована атака на енергетику: удари по %d об'єктах, графіки відключення по всій країні."},
	{"en", "x", "Massive strike on Ukraine's energy grid tonight, %d substations hit, blackouts in Kyiv and Lviv."},
	{"uk", "telegram", "Обстріл енергетичної інфраструктури: %d регіонів без світла, енергетики відновлюють живлення."},
	{"en", "rss", "Energy attacks: Ukraine's grid operator reports %d damaged facilities after overnight missile strikes."},
	{"ro", "rss", "Atac asupra rețelei energetice a Ucrainei: %d regiuni fără curent electric."},
}

// The coordinated burst: one claim posted by six accounts within minutes,
// edited a little each time (a word, a link, a handle).
var demoCoordinated = []string{
	"СРОЧНО! Пентагон финансирует секретные биолаборатории в Украине, документы уже в сети, распространяйте пока не удалили! https://t.co/a1",
	"СРОЧНО!! Пентагон финансирует секретные биолаборатории на Украине, документы уже в сети, распространяйте пока не удалили https://t.co/b2",
	"Срочно! Пентагон финансирует секретные биолаборатории в Украине, документы уже в сети — распространяйте, пока не удалили! @newsfront",
	"СРОЧНО! Пентагон тайно финансирует секретные биолаборатории в Украине, документы уже в сети, распространяйте пока не удалили!",
	"СРОЧНО! Пентагон финансирует секретные биолаборатории в Украине. Документы уже в сети, распространяйте пока не удалили! https://t.co/c3",
	"срочно! пентагон финансирует секретные биолаборатории в украине, документы уже в сети, распространяйте пока не удалили!!!",
}

var demoAuthors = []string{"odesa_port_watch", "kyiv_evening", "dnipro_today", "balkan_desk", "chisinau_live", "brussels_brief",
	"grain_markets", "energy_monitor", "lviv_local", "tbilisi_wire", "novi_sad_vesti", "kharkiv_now"}

// LoadListening adds the demo's listening to a database loaded by Load
// and LoadCampaigns, with its texts spread over the week before now.
func LoadListening(ctx context.Context, d *db.DB, now time.Time) error {
	ua, err := org.GetOrgBySlug(ctx, d.R(), "mfa-ua")
	if err != nil {
		return fmt.Errorf("demo listening: %w", err)
	}
	var admin int64
	if err := d.R().QueryRowContext(ctx, "SELECT id FROM users WHERE email = ?", "admin.ua@demo.attache.test").Scan(&admin); err != nil {
		return fmt.Errorf("demo listening: %w", err)
	}
	for _, t := range demoTopics {
		t.OrgID, t.CreatedBy = ua.ID, admin
		if err := listen.CreateTopic(ctx, d.W(), &t); err != nil {
			return fmt.Errorf("demo topic %s: %w", t.Name, err)
		}
	}
	now = now.UTC().Truncate(time.Minute)
	// A fixed seed: the same demo every time.
	rng := rand.New(rand.NewPCG(2026, 11))
	var items []ingest.Item
	add := func(t demoText, n int, at time.Time, author string) {
		items = append(items, ingest.Item{Source: t.source, ExternalID: fmt.Sprintf("demo-%d", len(items)+1), Lang: t.lang,
			Text: fmt.Sprintf(t.text, n), AuthorHandle: author, At: at,
			Likes: int64(rng.IntN(300)), Reposts: int64(rng.IntN(60)), Replies: int64(rng.IntN(25))})
	}
	// Each outlet keeps its own wording: a template is posted by two
	// authors only, so ordinary news never looks coordinated.
	outlet := func(template int) string { return demoAuthors[(template*2+rng.IntN(2))%len(demoAuthors)] }
	// The week: about three texts an hour.
	for h := 7 * 24; h > 0; h-- {
		for range rng.IntN(7) {
			i := rng.IntN(len(demoTexts))
			add(demoTexts[i], 2+rng.IntN(40), now.Add(-time.Duration(h)*time.Hour+time.Duration(rng.IntN(60))*time.Minute), outlet(i))
		}
	}
	// The strikes, in the last complete hour (the detector judges that
	// hour and the running one).
	for i := range 45 {
		t := demoSpike[i%len(demoSpike)]
		add(t, 3+rng.IntN(30), now.Truncate(time.Hour).Add(-time.Hour+time.Duration(rng.IntN(60))*time.Minute), outlet(i%len(demoSpike)+3))
	}
	// The coordinated burst, forty minutes ago.
	for i, text := range demoCoordinated {
		items = append(items, ingest.Item{Source: "telegram", ExternalID: fmt.Sprintf("demo-coord-%d", i), Lang: "ru", Text: text,
			AuthorHandle: fmt.Sprintf("pravda_%s_%d", []string{"z", "info", "today", "news", "24", "daily"}[i], 100+i*7),
			At:           now.Add(-40*time.Minute + time.Duration(i*3)*time.Minute)})
	}
	p := &ingest.Pipeline{DB: d, Topics: &ingest.Topics{DB: d}, Now: func() time.Time { return now }}
	for i := 0; i < len(items); i += ingest.StreamBatch {
		if _, err := p.Ingest(ctx, ua.ID, items[i:min(i+ingest.StreamBatch, len(items))]); err != nil {
			return fmt.Errorf("demo mentions: %w", err)
		}
	}
	det := &signal.Detector{DB: d, Now: func() time.Time { return now }}
	if _, err := det.RunOrg(ctx, ua.ID); err != nil {
		return fmt.Errorf("demo signals: %w", err)
	}
	// Sources, paused: a demo should not start fetching on its own.
	for _, s := range []source.Source{
		{Kind: source.KindRSS, Name: "Ukrinform — latest news", Config: json.RawMessage(`{"url":"https://www.ukrinform.net/rss/block-lastnews"}`)},
		{Kind: source.KindMastodon, Name: "#StandWithUkraine on mastodon.social", Config: json.RawMessage(`{"instance":"https://mastodon.social","hashtag":"StandWithUkraine"}`)},
	} {
		s.OrgID, s.CreatedBy = ua.ID, admin
		if err := source.Create(ctx, d.W(), &s); err != nil {
			return fmt.Errorf("demo source %s: %w", s.Name, err)
		}
	}
	return nil
}
