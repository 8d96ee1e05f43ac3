package langid

import (
	"fmt"
	"strings"

	"github.com/pemistahl/lingua-go"
)

// Mode chooses lingua's accuracy mode.
type Mode int

const (
	// High uses lingua's 1- to 5-gram models for texts under 120 characters
	// (trigrams above): better on short texts, larger and slower to load.
	High Mode = iota
	// Low uses trigram models only: a fraction of the memory and load time.
	Low
)

// String returns "high" or "low".
func (m Mode) String() string {
	switch m {
	case High:
		return "high"
	case Low:
		return "low"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// ParseMode reads "high" or "low" (any case).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "high":
		return High, nil
	case "low":
		return Low, nil
	default:
		return 0, fmt.Errorf("unknown language ID mode %q: want high or low", s)
	}
}

// Result is what Detect finds in one text.
type Result struct {
	Lang   string // ISO 639-1 code; "" when unknown
	Script string // ISO 15924 code of the dominant script; "" when the text has no letters
	// Confidence is 0..1: lingua's confidence in Lang among the script's
	// candidates, 1 when the script alone decides. Its last digits (below
	// 1e-12) vary between calls: lingua sums in map order.
	Confidence float64
}

// Detector identifies languages. It is safe for concurrent use: lingua's
// detectors only read their models after loading.
type Detector struct {
	mode     Mode
	cyrillic lingua.LanguageDetector
	latin    lingua.LanguageDetector
}

// New builds a detector and loads every model it needs now, so the first
// Detect is not slow and the cost shows at start. lingua keeps loaded models
// for the life of the process and shares them: a second detector of the
// same mode costs nothing, and dropping a detector frees no model.
func New(mode Mode) (*Detector, error) {
	if mode != High && mode != Low {
		return nil, fmt.Errorf("langid: unknown mode %d", int(mode))
	}
	return &Detector{
		mode:     mode,
		cyrillic: build(cyrillicLanguages, mode),
		latin:    build(latinLanguages, mode),
	}, nil
}

// Mode returns the accuracy mode the detector was built with.
func (d *Detector) Mode() Mode { return d.mode }

func build(languages []lingua.Language, mode Mode) lingua.LanguageDetector {
	b := lingua.NewLanguageDetectorBuilder().FromLanguages(languages...).WithPreloadedLanguageModels()
	if mode == Low {
		b = b.WithLowAccuracyMode()
	}
	return b.Build()
}

// Detect returns the language, script and confidence of text. The script
// is counted over the whole text; the language is decided on its first
// maxModelRunes characters (maxLowModelRunes in low accuracy mode).
func (d *Detector) Detect(text string) Result {
	script := Script(text)
	if lang, ok := singleLanguageScripts[script]; ok {
		return Result{Lang: lang, Script: script, Confidence: 1}
	}
	var ld lingua.LanguageDetector
	switch script {
	case "Cyrl":
		ld = d.cyrillic
	case "Latn":
		ld = d.latin
	default:
		// No letters, or a script none of the languages that matter uses.
		return Result{Script: script}
	}
	limit := maxModelRunes
	if d.mode == Low {
		limit = maxLowModelRunes
	}
	values := ld.ComputeLanguageConfidenceValues(modelPrefix(text, limit))
	// lingua sorts the values, best first; a tie at the top (all zero when
	// no n-gram is known) means it cannot decide.
	if len(values) == 0 || values[0].Value() == 0 || (len(values) > 1 && values[0].Value() == values[1].Value()) {
		return Result{Script: script}
	}
	return Result{Lang: isoCode(values[0].Language()), Script: script, Confidence: values[0].Value()}
}

// isoCode is the lower-case ISO 639-1 code of a lingua language.
func isoCode(l lingua.Language) string {
	return strings.ToLower(l.IsoCode639_1().String())
}
