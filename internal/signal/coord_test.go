package signal_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/testutil"
)

func ago(m float64) time.Time { return testNow.Add(-time.Duration(m * float64(time.Minute))) }

// The Serbian copy-paste: Cyrillic and Latin, with and without
// diacritics, shouting, an emoji, a link, a reply handle, a word changed
// and a word added. Six posts by five authors within twelve minutes.
var serbian = []post{
	{"patriota_rs", "telegram", "Запад поново лаже о Косову! Србија никада неће признати независност, а ЕУ нас уцењује санкцијама. Поделите пре него што обришу! https://t.me/kanal/123", ago(12)},
	{"srbin1389", "x", "Zapad ponovo laže o Kosovu! Srbija nikada neće priznati nezavisnost, a EU nas ucenjuje sankcijama. Podelite pre nego što obrišu! 🇷🇸🇷🇸", ago(10)},
	{"vesna.b", "x", "Zapad opet laze o Kosovu! Srbija nikada nece priznati nezavisnost, a EU nas ucenjuje sankcijama. Podelite pre nego sto obrisu!", ago(9)},
	{"dragan_ns", "x", "@mfa_rs Запад поново лаже о Косову!!! Србија никада неће признати независност, а ЕУ нас уцењује санкцијама. Поделите пре него што обришу! https://bit.ly/3xYz", ago(7)},
	{"patriota_rs", "telegram", "Запад поново лаже о Косову! Србија никада неће признати независност, а ЕУ нас уцењује санкцијама. Поделите пре него што обришу!", ago(5)},
	{"milica_kg", "facebook", "ZAPAD PONOVO LAŽE O KOSOVU! Srbija nikada neće priznati nezavisnost, a EU nas ucenjuje sankcijama. Podelite ODMAH pre nego što obrišu!!!", ago(1)},
}

// The Russian one, two copies transliterated by hand.
var russian = []post{
	{"zov_donbassa", "telegram", "Киев снова обстреливает мирные города Донбасса, а Запад молчит. Правду скрывают! Распространите, пока не удалили!", ago(20)},
	{"ivan_petrov77", "x", "Kiev snova obstrelivaet mirnye goroda Donbassa, a Zapad molchit. Pravdu skryvayut! Rasprostranite, poka ne udalili!", ago(18)},
	{"natasha.m", "x", "КИЕВ СНОВА обстреливает мирные города Донбасса, а Запад молчит 😡 Правду скрывают! Распространите, пока не удалили! https://vk.cc/abc", ago(15)},
	{"sergei_k", "telegram", "Киев снова обстреливает мирные города Донбасса, а Запад опять молчит. Правду скрывают! Распространите, пока не удалили!", ago(14)},
	{"olga1970", "x", "Kiev snova obstrelivaet mirnye goroda Donbassa, a Zapad molchit. Pravdu skryvaiut! Rasprostranite poka ne udalili!!", ago(8)},
}

// The same topic in eight different texts: conversation, not coordination.
var conversation = []post{
	{"rts_vesti", "rss", "Danas u Prištini održan sastanak o energetskom sporazumu između Beograda i Prištine.", ago(9)},
	{"eu_watch", "x", "Kosovo: EU special representative Lajčák meets both negotiators in Brussels today.", ago(9)},
	{"istorija_srb", "telegram", "Правда о Косову: историја манастира Дечани и његова улога у српској култури.", ago(8)},
	{"novi_sad_live", "x", "Protest u Mitrovici prošao mirno, policija prijavila tri privođenja.", ago(7)},
	{"dw_news", "rss", "The dialogue on Kosovo must continue, says the German foreign minister in Berlin.", ago(6)},
	{"skupstina", "telegram", "Народна скупштина расправља о резолуцији о Косову и Метохији следеће недеље.", ago(5)},
	{"kossev", "rss", "Kosovska vlada najavila nove mere za opštine na severu, reakcije su podeljene.", ago(4)},
	{"auto_rs", "x", "Sporazum o slobodi kretanja: od danas važe nove registarske tablice na Kosovu.", ago(3)},
}

// Copies by four authors only (one posts three times).
var fourAuthors = []post{
	{"bot_a", "x", "Срамота! Влада продаје Косово за кредите из Брисела. Ко ћути, пристаје! Делите даље.", ago(10)},
	{"bot_a", "x", "Sramota! Vlada prodaje Kosovo za kredite iz Brisela. Ko ćuti, pristaje! Delite dalje.", ago(9)},
	{"bot_a", "x", "Срамота! Влада продаје Косово за кредите из Брисела. Ко ћути, пристаје! Делите даље!!", ago(8)},
	{"bot_b", "x", "Sramota! Vlada prodaje Kosovo za kredite iz Brisela. Ko ćuti, pristaje! Delite dalje.", ago(7)},
	{"bot_c", "telegram", "Срамота! Влада продаје Косово за кредите из Брисела. Ко ћути, пристаје! Делите даље.", ago(6)},
	{"bot_d", "telegram", "Sramota! Vlada prodaje Kosovo za kredite iz Brisela. Ko cuti, pristaje! Delite dalje.", ago(5)},
}

// Five authors, but 25 minutes apart: never five within 30 minutes.
var slow = []post{
	{"slow_a", "x", "Hitno: NATO premešta trupe ka administrativnoj liniji, mediji to prećutkuju. Širite vest!", ago(100)},
	{"slow_b", "x", "Hitno: NATO premešta trupe ka administrativnoj liniji, mediji to prećutkuju. Širite vest!", ago(75)},
	{"slow_c", "x", "Hitno: NATO premešta trupe ka administrativnoj liniji, mediji to prećutkuju. Širite vest!", ago(50)},
	{"slow_d", "x", "Hitno: NATO premešta trupe ka administrativnoj liniji, mediji to prećutkuju. Širite vest!", ago(25)},
	{"slow_e", "x", "Hitno: NATO premešta trupe ka administrativnoj liniji, mediji to prećutkuju. Širite vest!", ago(0)},
}

// Short replies: many authors, but "thank you" is not a campaign.
var thanks = []post{
	{"r1", "x", "Hvala vam!", ago(5)}, {"r2", "x", "Хвала вам!", ago(5)}, {"r3", "x", "hvala vam 🙏", ago(4)},
	{"r4", "x", "Hvala vam!!", ago(4)}, {"r5", "x", "Thank you!", ago(3)}, {"r6", "x", "Hvala vam!", ago(2)},
}

// split posts the same text, three authors in each of two organisations.
func split(authors ...string) []post {
	var out []post
	for i, a := range authors {
		out = append(out, post{a, "x", "Ukrajinska vojska koristi civile kao štit u Harkovu, tvrde izvori sa terena. Proverite sami!", ago(float64(10 - i))})
	}
	return out
}

func TestCoordination(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		d := e.DB
		org := newOrg(t, d, "mfa-rs")
		admin := newMember(t, d, org, "admin@mfa.rs", "admin", false)
		newMember(t, d, org, "reviewer@mfa.rs", "reviewer", false)
		otherOrg := newOrg(t, d, "mfa-me")
		otherAdmin := newMember(t, d, otherOrg, "admin@mfa.me", "admin", false)
		topic := newTopic(t, d, org, "Kosovo")

		srIDs := store(t, d, org, serbian, topic)
		ruIDs := store(t, d, org, russian)
		store(t, d, org, conversation)
		store(t, d, org, fourAuthors)
		store(t, d, org, slow)
		store(t, d, org, thanks)
		store(t, d, org, split("split_a", "split_b", "split_c"))
		store(t, d, otherOrg, split("split_d", "split_e", "split_f"))

		det := detector(d, testNow)
		w := &countWaker{}
		det.Notify = w
		if n := run(t, det); n != 2 {
			t.Errorf("raised %d alerts, want 2", n)
		}
		if w.n != 1 {
			t.Errorf("the notification loop was woken %d times, want once", w.n)
		}
		got := alerts(t, d, org, signal.AlertFilter{Kind: signal.KindCoordination})
		if len(got) != 2 {
			for _, a := range got {
				t.Logf("alert %s: %s", a.Key, a.Title)
			}
			t.Fatalf("%d coordination alerts, want 2 (the Serbian and the Russian copies)", len(got))
		}
		slices.SortFunc(got, func(a, b signal.Alert) int { return strings.Compare(a.Key, b.Key) })
		bySample := map[int64]signal.Alert{}
		details := map[int64]signal.CoordDetail{}
		for _, a := range got {
			var cd signal.CoordDetail
			if err := json.Unmarshal(a.Detail, &cd); err != nil {
				t.Fatal(err)
			}
			bySample[cd.SampleID], details[cd.SampleID] = a, cd
		}

		sr, ok := bySample[srIDs[0]]
		if !ok {
			t.Fatalf("no alert starts with the first Serbian post %d: %v", srIDs[0], bySample)
		}
		sd := details[srIDs[0]]
		checkCluster(t, "Serbian", sr, sd, srIDs, serbian, 5)
		if !slices.Equal(sd.Topics, []int64{topic}) {
			t.Errorf("Serbian cluster topics %v, want [%d]", sd.Topics, topic)
		}
		if !slices.Equal(sd.Sources, []string{"facebook", "telegram", "x"}) {
			t.Errorf("Serbian sources %v", sd.Sources)
		}
		ru, ok := bySample[ruIDs[0]]
		if !ok {
			t.Fatalf("no alert starts with the first Russian post %d", ruIDs[0])
		}
		checkCluster(t, "Russian", ru, details[ruIDs[0]], ruIDs, russian, 5)

		// The other organisation: its three copies and ours do not add up.
		if got := alerts(t, d, otherOrg, signal.AlertFilter{}); len(got) != 0 {
			t.Errorf("the other organisation has alerts: %+v", got)
		}
		for _, n := range notifications(t, d, org) {
			if n.user != admin || n.kind != signal.NotifyKind {
				t.Errorf("notification %+v: only the admin manages listening here", n)
			}
		}
		if n := len(notifications(t, d, org)); n != 2 {
			t.Errorf("%d notifications, want 2", n)
		}
		for _, n := range notifications(t, d, otherOrg) {
			t.Errorf("the other organisation's admin %d was notified: %+v", otherAdmin, n)
		}

		// Running again raises nothing and changes nothing.
		if n := run(t, det); n != 0 {
			t.Errorf("second run raised %d", n)
		}
		if w.n != 1 {
			t.Errorf("woken %d times after a run that notified nobody", w.n)
		}
		again := alerts(t, d, org, signal.AlertFilter{Kind: signal.KindCoordination})
		slices.SortFunc(again, func(a, b signal.Alert) int { return strings.Compare(a.Key, b.Key) })
		for i := range again {
			if !sameAlert(again[i], got[i]) {
				t.Errorf("second run changed %s:\n%s\n%s", got[i].Key, got[i].Detail, again[i].Detail)
			}
		}

		// Two more copies later: the same alert grows, nobody is told twice.
		more := []post{
			{"novi_nalog_1", "x", "Zapad ponovo laže o Kosovu! Srbija nikada neće priznati nezavisnost, a EU nas ucenjuje sankcijama. Podelite pre nego što obrišu!", testNow.Add(5 * time.Minute)},
			{"novi_nalog_2", "x", "Запад поново лаже о Косову! Србија никада неће признати независност, а ЕУ нас уцењује санкцијама. Поделите пре него што обришу! 👇", testNow.Add(6 * time.Minute)},
		}
		moreIDs := store(t, d, org, more)
		det.Now = func() time.Time { return testNow.Add(10 * time.Minute) }
		if n := run(t, det); n != 0 {
			t.Errorf("the grown cluster raised %d new alerts", n)
		}
		grown, err := signal.GetAlert(ctx, d.R(), org, sr.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkCluster(t, "grown", grown, decode(t, grown), append(slices.Clone(srIDs), moreIDs...), append(slices.Clone(serbian), more...), 7)

		// Later still, the first posts are out of the look-back; what is
		// left in view still belongs to the same alert, which keeps them.
		det.Now = func() time.Time { return testNow.Add(115 * time.Minute) }
		if n := run(t, det); n != 0 {
			t.Errorf("the sliding look-back raised %d", n)
		}
		slid, err := signal.GetAlert(ctx, d.R(), org, sr.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkCluster(t, "slid", slid, decode(t, slid), append(slices.Clone(srIDs), moreIDs...), append(slices.Clone(serbian), more...), 7)
		if n := len(alerts(t, d, org, signal.AlertFilter{})); n != 2 {
			t.Errorf("%d alerts at the end, want 2", n)
		}
		if n := len(notifications(t, d, org)); n != 2 {
			t.Errorf("%d notifications at the end, want 2", n)
		}
	})
}

type countWaker struct{ n int }

func (w *countWaker) Wake() { w.n++ }

func decode(t *testing.T, a signal.Alert) signal.CoordDetail {
	t.Helper()
	var cd signal.CoordDetail
	if err := json.Unmarshal(a.Detail, &cd); err != nil {
		t.Fatal(err)
	}
	return cd
}

// checkCluster compares an alert with the posts it should hold.
func checkCluster(t *testing.T, name string, a signal.Alert, cd signal.CoordDetail, ids []int64, posts []post, authors int) {
	t.Helper()
	wantIDs := slices.Sorted(slices.Values(ids))
	if !slices.Equal(cd.Mentions, wantIDs) || cd.Size != len(ids) {
		t.Errorf("%s: mentions %v (size %d), want %v", name, cd.Mentions, cd.Size, wantIDs)
	}
	var handles []string
	for _, au := range cd.Authors {
		handles = append(handles, au.Handle)
	}
	want := map[string]bool{}
	for _, p := range posts {
		want[p.author] = true
	}
	wantHandles := slices.Sorted(func(yield func(string) bool) {
		for h := range want {
			if !yield(h) {
				return
			}
		}
	})
	slices.Sort(handles)
	if !slices.Equal(handles, wantHandles) || cd.AuthorCount != authors || len(wantHandles) != authors {
		t.Errorf("%s: authors %v (count %d), want %v", name, handles, cd.AuthorCount, wantHandles)
	}
	if a.Key != "coord:"+itoa(ids[0]) || cd.SampleID != ids[0] || cd.Sample != strings.TrimSpace(posts[0].text) {
		t.Errorf("%s: key %s, sample %d %q", name, a.Key, cd.SampleID, cd.Sample)
	}
	if !cd.First.Equal(posts[0].at) || !a.WindowStart.Equal(posts[0].at) || !a.WindowEnd.Equal(posts[len(posts)-1].at) {
		t.Errorf("%s: window %v–%v, first %v; want from %v to %v", name, a.WindowStart, a.WindowEnd, cd.First, posts[0].at, posts[len(posts)-1].at)
	}
	if cd.BurstAuthors < 5 || cd.BurstEnd.Sub(cd.BurstStart) > 30*time.Minute {
		t.Errorf("%s: burst of %d authors from %v to %v", name, cd.BurstAuthors, cd.BurstStart, cd.BurstEnd)
	}
	if !strings.Contains(a.Title, itoa(int64(cd.AuthorCount))+" authors") {
		t.Errorf("%s: title %q", name, a.Title)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
