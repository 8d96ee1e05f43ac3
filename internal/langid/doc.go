// Package langid identifies the language and the script of a text.
//
// The script is found by counting letters per Unicode script, without any
// model. The language is then chosen among the few candidates that the
// script allows: Georgian and Greek script each have one candidate and need
// no model at all; Cyrillic and Latin text goes to a lingua-go detector built
// only from that script's languages, so each call scores fewer models and a
// Cyrillic text can never come out as a Latin-script language.
//
// This is the only package that imports lingua-go: its models are ~128 MB
// of embedded data, and test binaries that do not need them must not link
// them.
package langid
