// Package lql is the listening query language: analysts' standing queries
// (terms, phrases, prefixes, AND/OR/NOT, NEAR/n, field filters) parsed into
// a Query, evaluated one by one (Query.Match, the brute-force reference) or
// all at once through a Matcher, whose presearcher checks each text only
// against the queries that could match it.
//
// Words are compared through internal/text: a query term matches a token
// when their search keys meet, so "Vucic" matches "Вучић". The syntax and
// its semantics are documented in docs/query-language.md.
package lql

import "github.com/attache-project/attache/internal/text"

// Doc is one text to match: its analysed tokens (text.Analyze, in text
// order: a token's index is its position for phrases and NEAR) and the
// fields the filters look at. Fields are compared after text.Fold, so their
// case and diacritics do not matter; an empty field matches no filter.
type Doc struct {
	Tokens  []text.Token
	Lang    string // BCP 47 tag as given or detected ("uk", "sr-Latn"); empty if unknown
	Source  string // "telegram", "rss", …
	Author  string // handle, with or without a leading @
	Country string // ISO 3166-1 alpha-2, any case
}
