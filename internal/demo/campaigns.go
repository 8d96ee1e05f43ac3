package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// campaignLoader holds what the demo campaigns are built with.
type campaignLoader struct {
	ctx      context.Context
	d        *db.DB
	users    *auth.Service
	camps    *campaign.Service
	today    time.Time // midnight UTC of the day the demo is loaded
	accounts map[string]int64
}

// LoadCampaigns adds the demo campaigns to a database loaded by Load: a
// Ukrainian ministry campaign on grain exports with its embassies, and a
// joint Western Balkans campaign on EU integration run by the programme
// with six ministries. Dates are relative to now, so the calendar always
// has something to show.
func LoadCampaigns(ctx context.Context, d *db.DB, users *auth.Service, camps *campaign.Service, now time.Time) error {
	l := &campaignLoader{ctx: ctx, d: d, users: users, camps: camps, accounts: map[string]int64{},
		today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)}
	for _, a := range []struct {
		org, key string
		acc      channel.Account
	}{
		{"mfa-ua", "ua-tg", channel.Account{Network: limits.Telegram, Name: "MFA of Ukraine", Handle: "@MFA_Ukraine", Language: "uk"}},
		{"mfa-ua", "ua-x", channel.Account{Network: limits.X, Name: "MFA of Ukraine", Handle: "@MFA_Ukraine", Language: "en"}},
		{"mfa-ua", "ua-fb", channel.Account{Network: limits.Facebook, Name: "Міністерство закордонних справ України", Handle: "MFAUkraine", Language: "uk"}},
		{"mfa-ua", "ua-bsky", channel.Account{Network: limits.Bluesky, Name: "MFA of Ukraine", Handle: "mfa.gov.ua", Language: "en"}},
		{"ua-emb-warsaw", "pl-fb", channel.Account{Network: limits.Facebook, Name: "Ambasada Ukrainy w RP", Handle: "UAinPoland", Language: "pl"}},
		{"ua-emb-berlin", "de-x", channel.Account{Network: limits.X, Name: "Botschaft der Ukraine in Deutschland", Handle: "@UKRinDEU", Language: "de"}},
		{"programme", "prog-x", channel.Account{Network: limits.X, Name: "Regional Digital Diplomacy Programme", Handle: "@RDDProgramme", Language: "en"}},
		{"programme", "prog-masto", channel.Account{Network: limits.Mastodon, Name: "Regional Digital Diplomacy Programme", Handle: "@rdd@social.example", Language: "en"}},
		{"mfa-rs", "rs-x", channel.Account{Network: limits.X, Name: "MFA Serbia", Handle: "@MFASerbia", Language: "sr"}},
		{"mfa-rs", "rs-ig", channel.Account{Network: limits.Instagram, Name: "Министарство спољних послова", Handle: "mfa.serbia", Language: "sr"}},
		{"mfa-mk", "mk-fb", channel.Account{Network: limits.Facebook, Name: "МНР на Република Северна Македонија", Handle: "MFA.MK", Language: "mk"}},
		{"mfa-al", "al-fb", channel.Account{Network: limits.Facebook, Name: "Ministria për Evropën dhe Punët e Jashtme", Handle: "MinistriaEPJ", Language: "sq"}},
	} {
		o, err := org.GetOrgBySlug(ctx, d.R(), a.org)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.key, err)
		}
		acc := a.acc
		acc.OrgID = o.ID
		if err := channel.Insert(ctx, d.W(), &acc); err != nil {
			return fmt.Errorf("demo account %s: %w", a.key, err)
		}
		l.accounts[a.key] = acc.ID
	}
	if err := l.grain(); err != nil {
		return fmt.Errorf("demo grain campaign: %w", err)
	}
	if err := l.balkans(); err != nil {
		return fmt.Errorf("demo EU integration campaign: %w", err)
	}
	return nil
}

func (l *campaignLoader) principal(email string) (*authz.Principal, audit.Actor, error) {
	u, err := auth.GetUserByEmail(l.ctx, l.d.R(), email)
	if err != nil {
		return nil, audit.Actor{}, fmt.Errorf("demo user %s: %w", email, err)
	}
	p, err := l.users.Principal(l.ctx, u)
	return p, audit.Actor{UserID: u.ID, Name: u.Email}, err
}

// at is a time on the day offset days from today, at hh:mm UTC.
func (l *campaignLoader) at(days, hh, mm int) *time.Time {
	t := l.today.AddDate(0, 0, days).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	return &t
}

func (l *campaignLoader) date(days int) string {
	return l.today.AddDate(0, 0, days).Format("2006-01-02")
}

// item creates an item, submits the variants listed in submit and lets
// approver approve those listed in approve.
func (l *campaignLoader) item(author string, campaignID, orgID int64, it campaign.Item, vs []campaign.VariantInput, submit, approve []int, approver string) (campaign.Item, error) {
	p, _, err := l.principal(author)
	if err != nil {
		return it, err
	}
	if err := l.camps.CreateItem(l.ctx, p, campaignID, orgID, &it, vs); err != nil {
		return it, fmt.Errorf("item %q: %w", it.Title, err)
	}
	for _, i := range submit {
		if _, err := l.camps.Submit(l.ctx, p, it.Variants[i].ID); err != nil {
			return it, fmt.Errorf("submit %q/%d: %w", it.Title, i, err)
		}
	}
	if len(approve) == 0 {
		return it, nil
	}
	rp, ra, err := l.principal(approver)
	if err != nil {
		return it, err
	}
	for _, i := range approve {
		if _, err := l.camps.Approve(l.ctx, rp, ra, it.Variants[i].ID, ""); err != nil {
			return it, fmt.Errorf("approve %q/%d: %w", it.Title, i, err)
		}
	}
	return it, nil
}

func (l *campaignLoader) grain() error {
	p, a, err := l.principal("editor.ua@demo.attache.test")
	if err != nil {
		return err
	}
	ua, err := org.GetOrgBySlug(l.ctx, l.d.R(), "mfa-ua")
	if err != nil {
		return err
	}
	c := campaign.Campaign{
		Title:  "Grain from Ukraine: feeding the world",
		Status: campaign.Active,
		Period: campaign.Period{Start: l.date(-7), End: l.date(35)},
		Tags:   []string{"food security", "exports", "Black Sea"},
		Brief: `Ukraine keeps exporting grain through its Black Sea ports despite the attacks on port infrastructure.
This campaign explains **how much** reaches countries facing hunger, **why** it matters for food prices
worldwide, and **who** makes it possible — farmers, port workers and partners.

- Lead with numbers from the Ministry of Agrarian Policy, never rounded up.
- Every claim links to a source page on mfa.gov.ua.
- Embassies localise for their host country: shipments that reached it, local partners.`,
		UTMSource: "", UTMMedium: "social", UTMCampaign: "grain-from-ukraine",
	}
	plan := &campaign.Plan{
		Objectives: []campaign.Objective{
			{Title: "Reach audiences in partner countries", Metric: "reach", TargetValue: 2000000, CurrentValue: 640000, DueDate: l.date(35)},
			{Title: "Drive readers to the source pages", Metric: "link clicks", TargetValue: 25000, CurrentValue: 4100, DueDate: l.date(35)},
			{Title: "Embassies amplify", Metric: "missions posting", TargetValue: 12, CurrentValue: 2, DueDate: l.date(14)},
		},
		Audiences: []campaign.Audience{
			{Country: "PL", Language: "pl", Description: "Polish public and farmers' associations worried about imports"},
			{Country: "DE", Language: "de", Description: "German policy audience and humanitarian NGOs"},
			{Language: "en", Description: "International media and food-security experts"},
		},
		KeyMessages: []campaign.KeyMessage{
			{Title: "Ukraine remains a reliable supplier", LineToTake: true, Translations: map[string]string{
				"en": "Despite the attacks on our ports, Ukraine keeps its commitments: grain ships leave Odesa every day.",
				"uk": "Попри атаки на наші порти, Україна виконує свої зобов'язання: судна із зерном щодня виходять з Одеси.",
				"pl": "Mimo ataków na nasze porty Ukraina dotrzymuje zobowiązań: statki ze zbożem codziennie wypływają z Odessy.",
				"de": "Trotz der Angriffe auf unsere Häfen hält die Ukraine ihre Zusagen ein: Täglich verlassen Getreideschiffe Odesa.",
			}},
			{Title: "Grain from Ukraine reaches those in need", Translations: map[string]string{
				"en": "Through Grain from Ukraine, shipments have reached countries in Africa and Asia facing hunger.",
				"uk": "Завдяки програмі Grain from Ukraine зерно дісталося країнам Африки та Азії, які потерпають від голоду.",
			}},
		},
	}
	if err := l.camps.Create(l.ctx, p, a, ua, &c, plan); err != nil {
		return err
	}
	ed := "editor.ua@demo.attache.test"
	rv := "reviewer.ua@demo.attache.test"
	ships, err := l.item(ed, c.ID, ua.ID, campaign.Item{
		Title: "Ships leaving Odesa this week", LinkURL: "https://mfa.gov.ua/en/grain",
		Text: "This week grain ships left the ports of Greater Odesa for partners who depend on Ukrainian wheat.",
	}, []campaign.VariantInput{
		{ChannelAccountID: l.accounts["ua-tg"], Language: "uk", ScheduledAt: l.at(1, 8, 0),
			Text: "🌾 Цього тижня судна із зерном вийшли з портів Великої Одеси до партнерів, які залежать від української пшениці.\n\nПопри атаки на наші порти, Україна виконує свої зобов'язання.\nhttps://mfa.gov.ua/grain"},
		{ChannelAccountID: l.accounts["ua-x"], Language: "en", ScheduledAt: l.at(1, 9, 0),
			Text: "🌾 This week grain ships left the ports of Greater Odesa for partners who depend on Ukrainian wheat. Despite the attacks on our ports, Ukraine keeps its commitments. https://mfa.gov.ua/en/grain #GrainFromUkraine"},
		{ChannelAccountID: l.accounts["ua-bsky"], Language: "en", ScheduledAt: l.at(1, 9, 30),
			Text: "This week grain ships left the ports of Greater Odesa for partners who depend on Ukrainian wheat. Despite the attacks, Ukraine keeps its commitments. 🌾 https://mfa.gov.ua/en/grain"},
	}, []int{0, 1, 2}, []int{0, 1}, rv)
	if err != nil {
		return err
	}
	if _, err := l.item(ed, c.ID, ua.ID, campaign.Item{
		Title: "Farmers' voices",
		Text:  "A farmer from Mykolaiv region on harvesting next to the front line.",
	}, []campaign.VariantInput{
		{ChannelAccountID: l.accounts["ua-fb"], Language: "uk", ScheduledAt: l.at(3, 12, 0),
			Text: "«Ми збираємо врожай за двадцять кілометрів від фронту, бо світ чекає на наше зерно». Історія фермера з Миколаївщини — у нашому відео."},
		{ChannelAccountID: l.accounts["ua-x"], Language: "en", ScheduledAt: l.at(3, 13, 0),
			Text: "\"We harvest twenty kilometres from the front line because the world is waiting for our grain.\" A farmer from Mykolaiv region tells his story."},
	}, []int{0}, nil, ""); err != nil {
		return err
	}
	if _, err := l.item(ed, c.ID, ua.ID, campaign.Item{
		Title: "Numbers of the month",
		Text:  "Monthly export figures with a chart.",
	}, []campaign.VariantInput{
		{ChannelAccountID: l.accounts["ua-tg"], Language: "uk", ScheduledAt: l.at(8, 10, 0),
			Text: "Підсумки місяця: скільки зерна Україна експортувала морем і куди. Дані Міністерства аграрної політики."},
	}, nil, nil, ""); err != nil {
		return err
	}
	// The team's open work.
	admin, _, err := l.principal("admin.ua@demo.attache.test")
	if err != nil {
		return err
	}
	rvUser, err := auth.GetUserByEmail(l.ctx, l.d.R(), rv)
	if err != nil {
		return err
	}
	for _, t := range []campaign.Task{
		{Title: "Translate the farmers' story into German and Polish", Kind: campaign.TaskTranslating, AssigneeID: p.UserID, DueDate: l.date(2), Status: campaign.TaskTodo},
		{Title: "Chart of monthly exports by destination", Kind: campaign.TaskDesigning, AssigneeID: p.UserID, DueDate: l.date(6), Status: campaign.TaskDoing},
		{Title: "Check figures with the Ministry of Agrarian Policy", Kind: campaign.TaskOther, AssigneeID: rvUser.ID, DueDate: l.date(5), Status: campaign.TaskTodo},
	} {
		if err := l.camps.CreateTask(l.ctx, admin, c.ID, &t); err != nil {
			return fmt.Errorf("task %q: %w", t.Title, err)
		}
	}

	// Headquarters asks its embassies in Warsaw and Berlin to amplify the
	// first item; Warsaw has adapted it for Poland, Berlin has not answered.
	warsaw, err := org.GetOrgBySlug(l.ctx, l.d.R(), "ua-emb-warsaw")
	if err != nil {
		return err
	}
	berlin, err := org.GetOrgBySlug(l.ctx, l.d.R(), "ua-emb-berlin")
	if err != nil {
		return err
	}
	reqs, err := l.camps.RequestAmplification(l.ctx, p, a, ships.ID, []int64{warsaw.ID, berlin.ID},
		"Please localise for your host country: mention shipments that reached it and local partners.")
	if err != nil {
		return err
	}
	mp, ma, err := l.principal("admin.ua@demo.attache.test")
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if r.ToOrgID != warsaw.ID {
			continue
		}
		_, err := l.camps.AnswerAmplification(l.ctx, mp, ma, r.ID, campaign.AmpAnswer{Action: "adapt",
			Note: "Adapted for Poland: transit through the Baltic ports, thanks to Polish partners.",
			Variant: campaign.VariantInput{ChannelAccountID: l.accounts["pl-fb"], Language: "pl", ScheduledAt: l.at(2, 10, 0),
				Text: "Ukraińskie zboże trafia do potrzebujących – także przez polskie porty bałtyckie. Dziękujemy polskim partnerom za współpracę przy tranzycie. 🌾🇺🇦🇵🇱"}})
		if err != nil {
			return fmt.Errorf("Warsaw adapts: %w", err)
		}
	}
	return nil
}

func (l *campaignLoader) balkans() error {
	p, a, err := l.principal("organiser@demo.attache.test")
	if err != nil {
		return err
	}
	prog, err := org.GetOrgBySlug(l.ctx, l.d.R(), "programme")
	if err != nil {
		return err
	}
	c := campaign.Campaign{
		Title:  "Western Balkans: our future in the EU",
		Status: campaign.Active,
		Period: campaign.Period{Start: l.date(-3), End: l.date(60)},
		Tags:   []string{"EU integration", "regional", "youth"},
		Brief: `A joint campaign of six ministries, coordinated by the programme, on what EU integration brings
to citizens: travel, studies, jobs, the rule of law. Each ministry speaks to its own public in its own
languages; the programme's accounts carry the regional story in English.

Tone: concrete benefits, no promises on dates. Avoid comparing countries' progress.`,
		UTMCampaign: "wb-eu-future",
	}
	plan := &campaign.Plan{
		Objectives: []campaign.Objective{
			{Title: "Young people aware of Erasmus+ and EU programmes", Metric: "engagement rate (%)", TargetValue: 4, CurrentValue: 1.2, DueDate: l.date(60)},
			{Title: "Posts by every partner ministry", Metric: "ministries posting", TargetValue: 6, CurrentValue: 1},
		},
		Audiences: []campaign.Audience{
			{Language: "sr", Description: "Young people 18–30 in Serbia, Montenegro and Bosnia and Herzegovina"},
			{Language: "sq", Description: "Young people 18–30 in Albania and Kosovo"},
			{Language: "mk", Description: "Young people 18–30 in North Macedonia"},
		},
		KeyMessages: []campaign.KeyMessage{
			{Title: "EU integration is about people", LineToTake: true, Translations: map[string]string{
				"en": "EU integration is about people: studying, working and travelling freely, with institutions that serve citizens.",
				"sr": "Европске интеграције су пре свега људи: слободно студирање, рад и путовања, уз институције које служе грађанима.",
				"sq": "Integrimi në BE ka të bëjë me njerëzit: studime, punë dhe udhëtime të lira, me institucione që u shërbejnë qytetarëve.",
				"mk": "Европската интеграција е за луѓето: слободно студирање, работа и патување, со институции што им служат на граѓаните.",
			}},
		},
	}
	if err := l.camps.Create(l.ctx, p, a, prog, &c, plan); err != nil {
		return err
	}
	for _, slug := range []string{"mfa-al", "mfa-ba", "mfa-me", "mfa-mk", "mfa-rs", "mfa-xk"} {
		o, err := org.GetOrgBySlug(l.ctx, l.d.R(), slug)
		if err != nil {
			return err
		}
		if err := l.camps.AddPartner(l.ctx, p, a, c.ID, o.ID); err != nil {
			return err
		}
	}
	if _, err := l.item("organiser@demo.attache.test", c.ID, prog.ID, campaign.Item{
		Title: "Launch: six ministries, one future",
		Text:  "Regional launch post in English.",
	}, []campaign.VariantInput{
		{ChannelAccountID: l.accounts["prog-x"], Language: "en", ScheduledAt: l.at(2, 11, 0),
			Text: "Six ministries of foreign affairs, one message: EU integration is about people — studying, working and travelling freely. Follow #WBinEU for stories from across the Western Balkans."},
		{ChannelAccountID: l.accounts["prog-masto"], Language: "en", ScheduledAt: l.at(2, 11, 0),
			Text: "Six ministries of foreign affairs, one message: EU integration is about people — studying, working and travelling freely, with institutions that serve citizens. Stories from across the Western Balkans follow all month. #WBinEU"},
	}, []int{0, 1}, nil, ""); err != nil {
		return err
	}
	rs, err := org.GetOrgBySlug(l.ctx, l.d.R(), "mfa-rs")
	if err != nil {
		return err
	}
	_, err = l.item("editor.rs@demo.attache.test", c.ID, rs.ID, campaign.Item{
		Title: "Erasmus+ stories",
		Text:  "A student from Niš on her Erasmus+ semester.",
	}, []campaign.VariantInput{
		{ChannelAccountID: l.accounts["rs-x"], Language: "sr", ScheduledAt: l.at(4, 10, 0),
			Text: "Јована из Ниша провела је семестар у Лајпцигу захваљујући програму Еразмус+. „Вратила сам се са новим знањем и пријатељима из целе Европе.“ #WBinEU"},
		{ChannelAccountID: l.accounts["rs-ig"], Language: "sr-Latn", ScheduledAt: l.at(4, 18, 0),
			Text: "Jovana iz Niša provela je semestar u Lajpcigu zahvaljujući programu Erazmus+. „Vratila sam se sa novim znanjem i prijateljima iz cele Evrope.“\n\n#WBinEU #ErasmusPlus #EU"},
	}, []int{0}, nil, "")
	return err
}
