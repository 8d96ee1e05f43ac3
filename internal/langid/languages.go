package langid

import "github.com/pemistahl/lingua-go"

// The candidate languages per script. Montenegrin has no lingua model: its
// texts fall in the Serbo-Croatian group (bs, hr, sr). lingua's Serbian
// model is Cyrillic only, so Serbian written in Latin comes out as Bosnian or
// Croatian, which is the same group.
var (
	// Cyrillic script: the East and South Slavic languages that use it.
	cyrillicLanguages = []lingua.Language{
		lingua.Ukrainian, lingua.Russian, lingua.Bulgarian, lingua.Macedonian, lingua.Serbian,
	}
	// Latin script: everything else that matters, Bosnian, Croatian and
	// Slovene included.
	latinLanguages = []lingua.Language{
		lingua.Albanian, lingua.Bosnian, lingua.Croatian, lingua.Slovene, lingua.Romanian,
		lingua.English, lingua.German, lingua.French, lingua.Turkish,
	}
)

// singleLanguageScripts are scripts that, among the languages that matter,
// only one language writes: no model is needed to name it.
var singleLanguageScripts = map[string]string{
	"Geor": "ka",
	"Grek": "el",
}

// Languages returns the ISO 639-1 codes the detector can return.
func Languages() []string {
	out := []string{}
	for _, l := range cyrillicLanguages {
		out = append(out, isoCode(l))
	}
	for _, l := range latinLanguages {
		out = append(out, isoCode(l))
	}
	for _, code := range []string{"Geor", "Grek"} {
		out = append(out, singleLanguageScripts[code])
	}
	return out
}
