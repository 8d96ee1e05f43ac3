package signal_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/signal"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		// Script, case and diacritics.
		{"Вучић је рекао да Србија неће признати Косово", "Vučić je rekao da Srbija neće priznati Kosovo"},
		{"Вучић је рекао", "VUCIC JE REKAO"},
		{"Đoković pobedio", "Djokovic pobedio"},
		// Romanisations of one Cyrillic text.
		{"Зеленський заявив, що Україна не погодиться", "Zelenskyi zaiavyv, shcho Ukraina ne pohodytsia"},
		{"Правду скрывают", "Pravdu skryvayut"},
		{"Правду скрывают", "Pravdu skrivaiut"},
		{"Харків", "Kharkiv"},
		{"Харків", "Harkiv"},
		// Links, handles, emoji and punctuation.
		{"@mfa_rs Zapad laže!!! https://bit.ly/x", "Zapad laže 🇷🇸"},
		{"(@user.bsky.social) text www.example.org/a?b=c", "text"},
		{"Read: https://t.me/a, then go", "Read then go"},
		{"👉https://t.co/abc Zapad", "Zapad"},
	} {
		if na, nb := signal.Normalize(tc.a), signal.Normalize(tc.b); na != nb {
			t.Errorf("%q → %q\n%q → %q\nwant the same", tc.a, na, tc.b, nb)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"write to press@mfa.gov.rs today", "vrite to pres mfa gov rs todai"}, // an e-mail address is text
		{"  many   spaces\n\tand lines ", "mani spaces and lines"},
		{"100 or 1000 people", "100 or 1000 people"}, // digits are not collapsed
		{"", ""},
		{"🙏🙏🙏 !!!", ""},
	} {
		if got := signal.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Different words stay different.
	if signal.Normalize("Kosovo je Srbija") == signal.Normalize("Kosovo je Republika") {
		t.Error("different texts normalised alike")
	}
}

// exactJaccard is the Jaccard similarity of the two texts' sets of
// ShingleSize-character shingles of their normalised forms, computed
// directly (the texts shorter than a shingle are one shingle).
func exactJaccard(a, b string) float64 {
	return jaccard(shingles(signal.Normalize(a)), shingles(signal.Normalize(b)))
}

func jaccard(sa, sb map[string]bool) float64 {
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

func shingles(s string) map[string]bool {
	r := []rune(s)
	out := map[string]bool{}
	if len(r) == 0 {
		return out
	}
	if len(r) < signal.ShingleSize {
		out[s] = true
		return out
	}
	for i := 0; i+signal.ShingleSize <= len(r); i++ {
		out[string(r[i:i+signal.ShingleSize])] = true
	}
	return out
}

// vocabulary of the random texts: words of the region's languages in
// both scripts, and English.
var vocabulary = strings.Fields(`Kosovo Србија Vučić Київ Zelenskyi Тбилиси Sakartvelo Brisel ЕУ sankcije
	санкции mir мир rat війна vlada влада министар minister embassy амбасада ambasada protest протест
	izbori избори вибори elections granica граница кордон border energija енергия gas газ struja
	nafta pipeline Dunav Дунав Drina Sava Скопје Podgorica Tirana Sarajevo Bucharest Chișinău Одеса
	Harkiv Donbas Крим Crimea Moskva Москва Beograd Београд Zagreb Ljubljana Sofia София NATO НАТО
	dogovor договор sporazum agreement dijalog діалог dialogue predsednik президент premijer прем'єр
	narod народ ljudi люди sloboda свобода istina правда laž брехня mediji медіа novinari journalists
	hitno терміново danas сьогодні sutra завтра juče вчора godina рік nedelja тиждень sat година`)

func randomText(r *rand.Rand, words int) string {
	w := make([]string, words)
	for i := range w {
		w[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

// mutate replaces, drops or inserts each word with probability p.
func mutate(r *rand.Rand, s string, p float64) string {
	var out []string
	for _, w := range strings.Fields(s) {
		if r.Float64() >= p {
			out = append(out, w)
			continue
		}
		switch r.IntN(3) {
		case 0:
			out = append(out, vocabulary[r.IntN(len(vocabulary))])
		case 1:
		default:
			out = append(out, w, vocabulary[r.IntN(len(vocabulary))])
		}
	}
	return strings.Join(out, " ")
}

// The MinHash estimate is within 4.5 standard deviations of the exact
// shingle Jaccard on every random pair (the estimate of 128 agreements is
// binomial: sd = √(J(1−J)/128) ≤ 0.044), and unbiased on average.
func TestMinHashEstimatesJaccard(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var g signal.Signer
	var sumErr, sumAbs float64
	const pairs = 600
	for i := range pairs {
		a := randomText(r, 8+r.IntN(30))
		b := mutate(r, a, r.Float64())
		if i%10 == 0 {
			b = randomText(r, 8+r.IntN(30)) // unrelated
		}
		j := exactJaccard(a, b)
		sa, _ := g.Sign(a)
		sb, _ := g.Sign(b)
		est := sa.Similarity(&sb)
		tol := 4.5*math.Sqrt(j*(1-j)/signal.NumHashes) + 1.0/signal.NumHashes
		if math.Abs(est-j) > tol {
			t.Errorf("pair %d: estimate %.3f, exact %.3f (tolerance %.3f)\n%q\n%q", i, est, j, tol, a, b)
		}
		sumErr += est - j
		sumAbs += math.Abs(est - j)
	}
	if bias := sumErr / pairs; math.Abs(bias) > 0.01 {
		t.Errorf("mean error %.4f: the estimate is biased", bias)
	}
	t.Logf("mean absolute error %.4f over %d pairs", sumAbs/pairs, pairs)
}

// Every pair with an exact Jaccard of 0.75 or more ends in one cluster,
// and unrelated texts are never put together.
func TestClusters(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var g signal.Signer
	var texts []string
	for range 300 {
		texts = append(texts, randomText(r, 15+r.IntN(20)))
	}
	// 60 near copies of 20 of them.
	for i := range 60 {
		texts = append(texts, mutate(r, texts[i%20], 0.05))
	}
	sigs := make([]signal.Signature, len(texts))
	for i, s := range texts {
		sigs[i], _ = g.Sign(s)
	}
	sets := make([]map[string]bool, len(texts))
	for i, s := range texts {
		sets[i] = shingles(signal.Normalize(s))
	}
	groups := signal.Clusters(sigs, 0.6)
	group := make([]int, len(texts))
	for i := range group {
		group[i] = -1
	}
	for gi, g := range groups {
		for _, m := range g {
			group[m] = gi
		}
	}
	for i := range texts {
		for j := i + 1; j < len(texts); j++ {
			e := jaccard(sets[i], sets[j])
			if e >= 0.75 && (group[i] < 0 || group[i] != group[j]) {
				t.Errorf("texts %d and %d (Jaccard %.2f) not clustered", i, j, e)
			}
			if e < 0.3 && group[i] >= 0 && group[i] == group[j] && !chained(groups[group[i]], sets) {
				t.Errorf("texts %d and %d (Jaccard %.2f) clustered", i, j, e)
			}
		}
	}
	if len(groups) != 20 {
		t.Errorf("%d groups, want 20", len(groups))
	}
	// Identical signatures are one group, even many of them.
	same := make([]signal.Signature, 1000)
	for i := range same {
		same[i], _ = g.Sign("Zapad ponovo laže o Kosovu! Srbija nikada neće priznati nezavisnost.")
	}
	if gs := signal.Clusters(same, 0.9); len(gs) != 1 || len(gs[0]) != 1000 {
		t.Errorf("1000 identical texts: %d groups", len(gs))
	}
	if gs := signal.Clusters(nil, 0.6); len(gs) != 0 {
		t.Errorf("no texts: %v", gs)
	}
}

// chained reports whether a group links its members through near copies
// only (a union-find component may join two texts through a third).
func chained(members []int, sets []map[string]bool) bool {
	for _, m := range members {
		linked := false
		for _, o := range members {
			if o != m && jaccard(sets[m], sets[o]) >= 0.5 {
				linked = true
				break
			}
		}
		if !linked {
			return false
		}
	}
	return true
}

// The probability that LSH makes a pair a candidate, 1 − (1 − J^r)^b, is
// what docs/listening-signals.md tabulates; check a few of its figures.
func TestSCurve(t *testing.T) {
	p := func(j float64) float64 { return 1 - math.Pow(1-math.Pow(j, signal.Rows), signal.Bands) }
	for _, tc := range []struct{ j, want float64 }{{0.2, 0.050}, {0.4, 0.564}, {0.6, 0.988}, {0.8, 1.000}} {
		if got := p(tc.j); math.Abs(got-tc.want) > 0.0005 {
			t.Errorf("P(%.1f) = %.4f, docs say %.3f", tc.j, got, tc.want)
		}
	}
	if signal.Bands*signal.Rows != signal.NumHashes {
		t.Errorf("%d bands × %d rows ≠ %d hashes", signal.Bands, signal.Rows, signal.NumHashes)
	}
}

func TestFindClusters(t *testing.T) {
	base := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	var posts []signal.Post
	for i, p := range serbian {
		posts = append(posts, signal.Post{ID: int64(i + 1), Author: p.author, Text: p.text, At: base.Add(time.Duration(i) * time.Minute)})
	}
	for i, p := range conversation {
		posts = append(posts, signal.Post{ID: int64(100 + i), Author: p.author, Text: p.text, At: base})
	}
	cs := signal.FindClusters(posts, signal.CoordSettings{})
	if len(cs) != 1 || len(cs[0].Members) != len(serbian) || cs[0].Authors != 5 || cs[0].BurstAuthors != 5 {
		t.Fatalf("clusters %+v", cs)
	}
	// With a window of two minutes, at most three posts and authors fit.
	cs = signal.FindClusters(posts, signal.CoordSettings{Window: 2 * time.Minute})
	if len(cs) != 1 || cs[0].BurstAuthors != 3 || cs[0].BurstEnd.Sub(cs[0].BurstStart) != 2*time.Minute {
		t.Errorf("two-minute window: %+v", cs)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "@", "@@x", "http://", "https://a b", "www.", "Вучић је", "Ђ Џ љ",
		"zhkhshchts", "a@b @c", "\xff\xfe", "ⅻ ǅ ß", "თბილისი 👉https://x", "(@a) [@b] {c}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := signal.Normalize(s)
		if !utf8.ValidString(n) || strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("Normalize(%q) = %q", s, n)
		}
		var g signal.Signer
		a, la := g.Sign(s)
		b, lb := g.Sign(s)
		if a != b || la != lb || la != utf8.RuneCountInString(n) {
			t.Fatalf("Sign(%q) is not repeatable or its length %d is not that of %q", s, la, n)
		}
		if a.Similarity(&b) != 1 {
			t.Fatalf("similarity with itself %v", a.Similarity(&b))
		}
	})
}

// sampleTexts are posts of the length seen on X and Telegram, in the
// region's languages.
func sampleTexts(n int) []string {
	r := rand.New(rand.NewPCG(9, 9))
	bases := append(append(append([]string{}, textsOf(serbian)...), textsOf(russian)...), textsOf(conversation)...)
	out := make([]string, n)
	for i := range out {
		out[i] = bases[i%len(bases)] + " " + randomText(r, 5+r.IntN(20))
	}
	return out
}

func textsOf(ps []post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.text
	}
	return out
}

func BenchmarkSign(b *testing.B) {
	texts := sampleTexts(1000)
	var chars int
	for _, s := range texts {
		chars += utf8.RuneCountInString(s)
	}
	var g signal.Signer
	i := 0
	cpu := processCPU()
	for b.Loop() {
		g.Sign(texts[i%len(texts)])
		i++
	}
	reportRate(b, cpu, "signatures")
	b.ReportMetric(float64(chars)/float64(len(texts)), "chars/text")
}

// reportRate reports what per second of wall time and per second of
// process CPU time (the honest figure on a shared machine).
func reportRate(b *testing.B, cpuStart int64, what string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), what+"/s")
	if cpu := processCPU() - cpuStart; cpuStart > 0 && cpu > 0 {
		b.ReportMetric(float64(b.N)/(float64(cpu)/1e9), what+"/cpu-s")
	}
}

// reportCPU reports the process CPU time per operation.
func reportCPU(b *testing.B, cpuStart int64) {
	if cpu := processCPU() - cpuStart; cpuStart > 0 && cpu > 0 {
		b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkNormalize is the analyser's share of a signature.
func BenchmarkNormalize(b *testing.B) {
	texts := sampleTexts(1000)
	i := 0
	cpu := processCPU()
	for b.Loop() {
		signal.Normalize(texts[i%len(texts)])
		i++
	}
	reportRate(b, cpu, "texts")
}

// BenchmarkFindClusters10k is the computing part of a coordination pass:
// 10,000 posts of one hour, 50 clusters of 20 near copies among them.
func BenchmarkFindClusters10k(b *testing.B) {
	posts := benchPosts(10_000, time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	cpu := processCPU()
	for b.Loop() {
		if cs := signal.FindClusters(posts, signal.CoordSettings{}); len(cs) < 50 {
			b.Fatalf("%d clusters", len(cs))
		}
	}
	reportCPU(b, cpu)
}

// benchPosts is n posts within the hour before end: random texts, with
// every 10th post one of 50 campaign texts slightly changed, by its own
// author.
func benchPosts(n int, end time.Time) []signal.Post {
	r := rand.New(rand.NewPCG(5, 5))
	campaigns := make([]string, 50)
	for i := range campaigns {
		campaigns[i] = randomText(r, 25)
	}
	posts := make([]signal.Post, n)
	for i := range posts {
		text := randomText(r, 10+r.IntN(30))
		if i%10 == 0 {
			text = mutate(r, campaigns[(i/10)%50], 0.03) + " https://t.co/" + fmt.Sprint(i)
		}
		posts[i] = signal.Post{ID: int64(i + 1), Author: fmt.Sprintf("user%d", i), Text: text,
			At: end.Add(-time.Duration(r.Int64N(int64(time.Hour))))}
	}
	return posts
}
