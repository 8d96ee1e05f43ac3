// Package i18n translates the strings of the user interface. Message files
// (JSON, one per language) are embedded; plural rules come from CLDR through
// github.com/nicksnyder/go-i18n/v2.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var files embed.FS

// Supported lists the interface languages, the default first.
var Supported = []string{"en", "uk"}

// Names are the languages' own names, for the language switch.
var Names = map[string]string{"en": "English", "uk": "Українська"}

// IsSupported reports whether lang is an interface language.
func IsSupported(lang string) bool {
	for _, s := range Supported {
		if s == lang {
			return true
		}
	}
	return false
}

// Bundle holds every message of every language.
type Bundle struct {
	b       *goi18n.Bundle
	matcher language.Matcher
}

// New loads the embedded message files.
func New() (*Bundle, error) {
	b := goi18n.NewBundle(language.English)
	entries, err := fs.Glob(files, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	for _, name := range entries {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", name, err)
		}
		if _, err := b.ParseMessageFileBytes(data, path.Base(name)); err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", name, err)
		}
	}
	tags := make([]language.Tag, len(Supported))
	for i, s := range Supported {
		tags[i] = language.MustParse(s)
	}
	return &Bundle{b: b, matcher: language.NewMatcher(tags)}, nil
}

// Match picks the interface language for an Accept-Language header value;
// English when nothing matches.
func (b *Bundle) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Supported[0]
	}
	_, i, conf := b.matcher.Match(tags...)
	if conf == language.No {
		return Supported[0]
	}
	return Supported[i]
}

// Localizer translates into one language.
type Localizer struct {
	Lang string
	l    *goi18n.Localizer
}

// For returns a localizer for lang (English when lang is not supported).
func (b *Bundle) For(lang string) *Localizer {
	if !IsSupported(lang) {
		lang = Supported[0]
	}
	return &Localizer{Lang: lang, l: goi18n.NewLocalizer(b.b, lang, Supported[0])}
}

// T translates a message. args are key/value pairs for the template data,
// e.g. T("dash.greeting", "Name", u.Name). A missing message shows its ID,
// so that a gap is visible instead of silent (the tests forbid gaps).
func (l *Localizer) T(id string, args ...any) string {
	return l.translate(id, nil, args)
}

// N translates a message with plural forms chosen by count; the count is
// also available to the message as {{.Count}}.
func (l *Localizer) N(id string, count int, args ...any) string {
	return l.translate(id, count, args)
}

func (l *Localizer) translate(id string, count any, args []any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			data[k] = args[i+1]
		}
	}
	if count != nil {
		data["Count"] = count
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	return s
}

// MessageIDs returns the message IDs of one language file (for tests).
func MessageIDs(lang string) ([]string, error) {
	data, err := files.ReadFile("locales/" + lang + ".json")
	if err != nil {
		return nil, err
	}
	mf, err := goi18n.ParseMessageFileBytes(data, lang+".json", map[string]goi18n.UnmarshalFunc{"json": json.Unmarshal})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(mf.Messages))
	for _, m := range mf.Messages {
		out = append(out, m.ID)
	}
	return out, nil
}
