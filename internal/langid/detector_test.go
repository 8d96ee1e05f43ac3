package langid

import (
	"math"
	"strings"
	"sync"
	"testing"
)

// newDetector builds a detector for a test. lingua caches loaded models for
// the process, so only the first call of a mode pays the load.
func newDetector(t testing.TB, mode Mode) *Detector {
	t.Helper()
	d, err := New(mode)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// examples are texts written for these tests (not from the development
// set), one short and one long per language or script variant.
var examples = []struct {
	lang, script, text string
}{
	{"sq", "Latn", "Qeveria miratoi sot buxhetin e ri"},
	{"sq", "Latn", "Ministri i Jashtëm u takua me ambasadorët e vendeve fqinje për të diskutuar bashkëpunimin rajonal dhe integrimin evropian."},
	{"bs", "Latn", "Vijeće ministara usvojilo je novi zakon"},
	{"hr", "Latn", "Hrvatski sabor danas je izglasao novi proračun za sljedeću godinu, a oporba je najavila da će tražiti ocjenu ustavnosti."},
	{"sr", "Latn", "Vlada Srbije je danas usvojila predlog zakona o budžetu za narednu godinu i uputila ga Narodnoj skupštini."},
	{"sr", "Cyrl", "Влада је данас усвојила нови закон"},
	{"sr", "Cyrl", "Министар спољних послова састао се са амбасадорима суседних земаља да би разговарали о регионалној сарадњи и безбедности."},
	{"mk", "Cyrl", "Владата денеска го усвои новиот закон"},
	{"mk", "Cyrl", "Министерот за надворешни работи се сретна со амбасадорите на соседните земји за да разговараат за регионалната соработка."},
	{"bg", "Cyrl", "Правителството прие днес новия бюджет"},
	{"bg", "Cyrl", "Министърът на външните работи се срещна с посланиците на съседните държави, за да обсъдят регионалното сътрудничество."},
	{"ru", "Cyrl", "Правительство сегодня утвердило новый бюджет"},
	{"ru", "Cyrl", "Министр иностранных дел встретился с послами соседних государств, чтобы обсудить региональное сотрудничество и безопасность."},
	{"uk", "Cyrl", "Уряд сьогодні ухвалив новий бюджет"},
	{"uk", "Cyrl", "Міністр закордонних справ зустрівся з послами сусідніх держав, щоб обговорити регіональну співпрацю та безпеку."},
	{"ro", "Latn", "Guvernul a adoptat astăzi noul buget"},
	{"ro", "Latn", "Ministrul afacerilor externe s-a întâlnit cu ambasadorii țărilor vecine pentru a discuta despre cooperarea regională."},
	{"sl", "Latn", "Vlada je danes sprejela nov proračun"},
	{"sl", "Latn", "Minister za zunanje zadeve se je sestal z veleposlaniki sosednjih držav, da bi se pogovorili o regionalnem sodelovanju."},
	{"en", "Latn", "The government adopted a new budget today"},
	{"en", "Latn", "The foreign minister met the ambassadors of neighbouring countries to discuss regional cooperation and security."},
	{"de", "Latn", "Die Regierung hat heute den neuen Haushalt beschlossen"},
	{"de", "Latn", "Der Außenminister traf sich mit den Botschaftern der Nachbarländer, um über die regionale Zusammenarbeit zu sprechen."},
	{"fr", "Latn", "Le gouvernement a adopté aujourd'hui le nouveau budget"},
	{"fr", "Latn", "Le ministre des Affaires étrangères a rencontré les ambassadeurs des pays voisins pour discuter de la coopération régionale."},
	{"tr", "Latn", "Hükümet bugün yeni bütçeyi kabul etti"},
	{"tr", "Latn", "Dışişleri bakanı bölgesel işbirliğini görüşmek üzere komşu ülkelerin büyükelçileriyle bir araya geldi."},
	{"ka", "Geor", "მთავრობამ დღეს ახალი ბიუჯეტი მიიღო"},
	{"ka", "Geor", "საგარეო საქმეთა მინისტრი შეხვდა მეზობელი ქვეყნების ელჩებს რეგიონული თანამშრომლობის განსახილველად."},
	{"el", "Grek", "Η κυβέρνηση ενέκρινε σήμερα τον νέο προϋπολογισμό"},
	{"el", "Grek", "Ο υπουργός Εξωτερικών συναντήθηκε με τους πρεσβευτές των γειτονικών χωρών για να συζητήσουν την περιφερειακή συνεργασία."},
}

func TestDetectExamples(t *testing.T) {
	for _, mode := range []Mode{High, Low} {
		d := newDetector(t, mode)
		for _, ex := range examples {
			t.Run(mode.String()+"/"+ex.lang+"/"+ex.text[:12], func(t *testing.T) {
				r := d.Detect(ex.text)
				if r.Script != ex.script {
					t.Errorf("script %q, want %q", r.Script, ex.script)
				}
				if group(r.Lang) != group(ex.lang) {
					t.Errorf("lang %q (confidence %.3f), want %q or its group", r.Lang, r.Confidence, ex.lang)
				}
				if r.Confidence <= 0 || r.Confidence > 1 {
					t.Errorf("confidence %v out of (0, 1]", r.Confidence)
				}
			})
		}
	}
}

// Serbian in Latin script must stay in the Serbo-Croatian group, and the
// code given must be one of the group's.
func TestSerbianLatinInGroup(t *testing.T) {
	d := newDetector(t, High)
	for _, text := range []string{
		"Predsednik je danas razgovarao sa ambasadorom o saradnji dve zemlje.",
		"Ministarstvo spoljnih poslova izdalo je saopštenje o bezbednosnoj situaciji.",
	} {
		r := d.Detect(text)
		switch r.Lang {
		case "bs", "hr", "sr":
		default:
			t.Errorf("Detect(%q).Lang = %q, want bs, hr or sr", text, r.Lang)
		}
	}
}

func TestDetectNoLanguage(t *testing.T) {
	d := newDetector(t, Low)
	tests := []struct {
		name, text, script string
	}{
		{"empty", "", ""},
		{"spaces", "   \t ", ""},
		{"numbers and symbols", "2026-11-26 12:00 +38%", ""},
		{"emoji", "🙂🙂🙂", ""},
		{"a script no candidate uses", "مرحبا بالعالم", "Arab"},
		{"Chinese", "外交部发言人", "Hani"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := d.Detect(tt.text)
			if r != (Result{Script: tt.script}) {
				t.Errorf("Detect(%q) = %+v, want no language and script %q", tt.text, r, tt.script)
			}
		})
	}
}

// Cyrillic text must never come out as a Latin-script language, however
// short or odd, and the other way round: the candidates are narrowed by script.
func TestNoCrossScriptAnswer(t *testing.T) {
	d := newDetector(t, High)
	latin := map[string]bool{}
	for _, l := range latinLanguages {
		latin[isoCode(l)] = true
	}
	for _, text := range []string{"да", "и", "ok", "a", "Trump", "Трамп", "NATO", "НАТО", "ЄС", "EU"} {
		r := d.Detect(text)
		if r.Lang == "" {
			continue
		}
		if (r.Script == "Latn") != latin[r.Lang] {
			t.Errorf("Detect(%q) = %+v: language not of the script", text, r)
		}
	}
}

func TestDetectConcurrent(t *testing.T) {
	d := newDetector(t, High)
	want := make([]Result, len(examples))
	for i, ex := range examples {
		want[i] = d.Detect(ex.text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(examples))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range examples {
				i := (k + g) % len(examples) // each goroutine starts elsewhere
				if got := d.Detect(examples[i].text); !sameResult(got, want[i]) {
					errs <- examples[i].text
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("concurrent Detect(%q) differs from the sequential result", text)
	}
}

// sameResult compares results up to float noise: lingua sums probabilities
// in map order, so the last digits of a confidence vary from call to call.
func sameResult(a, b Result) bool {
	return a.Lang == b.Lang && a.Script == b.Script && math.Abs(a.Confidence-b.Confidence) < 1e-9
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"high", High, false},
		{"LOW", Low, false},
		{" low ", Low, false},
		{"", 0, true},
		{"medium", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && got != tt.want) {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != strings.ToLower(strings.TrimSpace(tt.in)) {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}

func TestNewRejectsUnknownMode(t *testing.T) {
	if _, err := New(Mode(7)); err == nil {
		t.Error("New(Mode(7)) succeeded")
	}
}

func TestLanguages(t *testing.T) {
	want := map[string]bool{"sq": true, "bs": true, "hr": true, "sr": true, "mk": true, "ro": true, "uk": true,
		"ru": true, "bg": true, "ka": true, "sl": true, "en": true, "de": true, "fr": true, "tr": true, "el": true}
	got := Languages()
	if len(got) != len(want) {
		t.Errorf("Languages() = %v, want the %d of the brief", got, len(want))
	}
	for _, l := range got {
		if !want[l] {
			t.Errorf("Languages() has %q", l)
		}
	}
}

// FuzzDetect: any input gives a well-formed result and never a panic.
func FuzzDetect(f *testing.F) {
	for _, ex := range examples {
		f.Add(ex.text)
	}
	f.Add("")
	f.Add("\xff\xfe İstanbul ǅ ﬁ ß")
	d := newDetector(f, Low)
	known := map[string]bool{"": true}
	for _, l := range Languages() {
		known[l] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := d.Detect(s)
		if !known[r.Lang] {
			t.Fatalf("Detect(%q).Lang = %q: not a candidate", s, r.Lang)
		}
		if r.Lang != "" && r.Script == "" {
			t.Fatalf("Detect(%q) = %+v: a language without a script", s, r)
		}
		if r.Confidence < 0 || r.Confidence > 1 || (r.Lang == "" && r.Confidence != 0) {
			t.Fatalf("Detect(%q) = %+v: confidence out of range", s, r)
		}
	})
}
