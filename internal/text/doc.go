// Package text is Attaché's one text analyser, shared by search, the
// listening matcher and near-duplicate detection.
//
// Analyze splits a text into words and gives every word one or more search
// keys: lower-case, with diacritics folded (č → c, đ → dj, ß → ss) and with
// Cyrillic and Georgian transliterated into Latin, so that a name written in
// one script matches its Latin spelling (Вучић = Vučić = vucic,
// Київ = Kyiv, თბილისი = Tbilisi). A Cyrillic letter is transliterated
// differently in different languages (и is y in Ukrainian, i in Serbian), so
// a Cyrillic word carries one key per transliteration table that fits it and
// gives a different result; a query term matches a word when their key sets
// intersect.
//
// The rules and the full tables are in docs/text-analysis.md. The package
// has no state: every table is immutable and every call is independent.
package text
