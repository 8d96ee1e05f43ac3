package lql

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tWord   // a term or prefix
	tPhrase // "quoted words"
	tField  // lang:uk
	tAnd
	tOr
	tNot
	tMinus // -clause
	tNear  // NEAR/n or NEAR/nf
)

// lexeme is one token of the query. pos is 1-based, in characters.
type lexeme struct {
	kind    tokKind
	pos     int
	text    string // tWord: the word without its star; tPhrase: the words inside the quotes; tField: the value
	raw     string // tWord, tPhrase: as written, star and quotes included
	prefix  bool   // tWord ending in *
	field   field  // tField
	dist    int    // tNear
	ordered bool   // tNear with f
}

// maxNear bounds NEAR/n: farther than this is not "near" any more, and the
// bound keeps the number small enough to print and compare safely.
const maxNear = 1000

// minPrefix is the number of characters a prefix needs before its star:
// shorter prefixes match too much of the language to be useful.
const minPrefix = 3

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// endsWord reports whether r ends an unquoted word.
func endsWord(r rune) bool { return isSpace(r) || r == '(' || r == ')' || r == '"' }

// lex splits the query into lexemes, rejecting what cannot be a token.
func lex(q string) ([]lexeme, error) {
	if !utf8.ValidString(q) {
		bad := 0
		for i := 0; i < len(q); {
			r, size := utf8.DecodeRuneInString(q[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
			bad++
		}
		return nil, errAt(bad+1, "invalid UTF-8")
	}
	rs := []rune(q)
	var out []lexeme
	for i := 0; i < len(rs); {
		r := rs[i]
		pos := i + 1
		switch {
		case isSpace(r):
			i++
		case r == '(':
			out = append(out, lexeme{kind: tLParen, pos: pos})
			i++
		case r == ')':
			out = append(out, lexeme{kind: tRParen, pos: pos})
			i++
		case r == '"':
			content, next, err := readQuoted(rs, i)
			if err != nil {
				return nil, err
			}
			if star := strings.IndexRune(content, '*'); star >= 0 {
				return nil, errAt(pos+1+utf8.RuneCountInString(content[:star]), "'*' is not allowed inside a phrase")
			}
			out = append(out, lexeme{kind: tPhrase, pos: pos, text: content, raw: string(rs[i:next])})
			i = next
		case r == '-':
			if i+1 >= len(rs) || isSpace(rs[i+1]) || rs[i+1] == ')' {
				return nil, errAt(pos, "'-' must be directly followed by a term, phrase or parenthesis")
			}
			out = append(out, lexeme{kind: tMinus, pos: pos})
			i++
		default:
			end := i
			for end < len(rs) && !endsWord(rs[end]) {
				end++
			}
			lx, next, err := word(rs, i, end)
			if err != nil {
				return nil, err
			}
			out = append(out, lx)
			i = next
		}
	}
	return append(out, lexeme{kind: tEOF, pos: len(rs) + 1}), nil
}

// readQuoted reads a quoted string starting at rs[start] == '"'; it returns
// the content and the index after the closing quote.
func readQuoted(rs []rune, start int) (string, int, error) {
	for j := start + 1; j < len(rs); j++ {
		if rs[j] == '"' {
			return string(rs[start+1 : j]), j + 1, nil
		}
	}
	return "", 0, errAt(start+1, "unterminated quote")
}

// word classifies the unquoted word rs[start:end]: an operator, a filter,
// or a term. It returns the index after what it consumed (a filter value
// in quotes reaches past end).
func word(rs []rune, start, end int) (lexeme, int, error) {
	w := string(rs[start:end])
	pos := start + 1
	switch w {
	case "AND":
		return lexeme{kind: tAnd, pos: pos}, end, nil
	case "OR":
		return lexeme{kind: tOr, pos: pos}, end, nil
	case "NOT":
		return lexeme{kind: tNot, pos: pos}, end, nil
	}
	if w == "NEAR" || strings.HasPrefix(w, "NEAR/") {
		return near(w, pos, end)
	}
	if colon := strings.IndexByte(w, ':'); colon > 0 && isFieldName(w[:colon]) {
		return filter(rs, start, end, colon)
	}
	if star := strings.IndexByte(w, '*'); star >= 0 {
		starPos := pos + utf8.RuneCountInString(w[:star])
		if star != len(w)-1 {
			return lexeme{}, 0, errAt(starPos, "'*' is allowed only at the end of a word")
		}
		if utf8.RuneCountInString(w[:star]) < minPrefix {
			return lexeme{}, 0, errAt(pos, "a prefix needs at least %d characters before the star", minPrefix)
		}
		return lexeme{kind: tWord, pos: pos, text: w[:star], raw: w, prefix: true}, end, nil
	}
	return lexeme{kind: tWord, pos: pos, text: w, raw: w}, end, nil
}

// near reads NEAR/n or NEAR/nf.
func near(w string, pos, end int) (lexeme, int, error) {
	spec, ok := strings.CutPrefix(w, "NEAR/")
	if !ok {
		return lexeme{}, 0, errAt(pos, "NEAR needs a distance: NEAR/5, or NEAR/5f for a fixed order")
	}
	ordered := strings.HasSuffix(spec, "f")
	digits := strings.TrimSuffix(spec, "f")
	if digits == "" || len(digits) > 6 || strings.Trim(digits, "0123456789") != "" {
		return lexeme{}, 0, errAt(pos, "invalid NEAR distance %q: write NEAR/5, or NEAR/5f for a fixed order", spec)
	}
	n, _ := strconv.Atoi(digits) // at most six digits: cannot fail
	if n < 1 || n > maxNear {
		return lexeme{}, 0, errAt(pos, "NEAR distance must be between 1 and %d", maxNear)
	}
	return lexeme{kind: tNear, pos: pos, dist: n, ordered: ordered}, end, nil
}

// isFieldName reports whether s looks like a field name (lower-case ASCII
// letters): such a word before a colon is a filter, known or not.
func isFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// filter reads name:value or name:"a value" where rs[start:end] is the
// unquoted word and colon the byte index of its colon.
func filter(rs []rune, start, end, colon int) (lexeme, int, error) {
	w := string(rs[start:end])
	pos := start + 1
	name, value := w[:colon], w[colon+1:]
	f, known := fieldByName(name)
	if !known {
		return lexeme{}, 0, errAt(pos, "unknown field %q (fields: lang, source, author, country; put a word with a colon in quotes to search for it)", name)
	}
	valuePos := pos + utf8.RuneCountInString(name) + 1
	next := end
	if value == "" && end < len(rs) && rs[end] == '"' {
		content, after, err := readQuoted(rs, end)
		if err != nil {
			return lexeme{}, 0, err
		}
		value, next, valuePos = content, after, end+2
	}
	if strings.TrimFunc(value, isSpace) == "" {
		return lexeme{}, 0, errAt(pos, "empty value for %s:", name)
	}
	if star := strings.IndexByte(value, '*'); star >= 0 {
		return lexeme{}, 0, errAt(valuePos+utf8.RuneCountInString(value[:star]), "'*' is not allowed in a field value")
	}
	return lexeme{kind: tField, pos: pos, text: value, field: f}, next, nil
}

func fieldByName(name string) (field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return field(i), true
		}
	}
	return 0, false
}
