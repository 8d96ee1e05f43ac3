package lql

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ query, want string }{
		{"grain", "grain"},
		{"grain corridor", "(grain AND corridor)"},
		{"grain AND corridor", "(grain AND corridor)"},
		{"a b OR c", "((a AND b) OR c)"},
		{"a OR b c", "(a OR (b AND c))"},
		{"a OR b OR c", "(a OR b OR c)"},
		{"EU OR NATO AND Kosovo", "(EU OR (NATO AND Kosovo))"},
		{"(EU OR NATO) AND (Serbia OR Kosovo)", "((EU OR NATO) AND (Serbia OR Kosovo))"},
		{"grain NOT wheat", "(grain AND (NOT wheat))"},
		{"grain -wheat", "(grain AND (NOT wheat))"},
		{`grain -"wheat exports"`, `(grain AND (NOT "wheat exports"))`},
		{"grain -(wheat OR corn)", "(grain AND (NOT (wheat OR corn)))"},
		{"grain NOT NOT wheat", "(grain AND (NOT (NOT wheat)))"},
		{"NOT NOT wheat", "(NOT (NOT wheat))"},
		{"grain NOT wheat OR corn", "((grain AND (NOT wheat)) OR corn)"},
		{"and or not", "(and AND or AND not)"},
		{"And Or", "(And AND Or)"},
		{`"grain corridor"`, `"grain corridor"`},
		{`"grain  corridor"`, `"grain  corridor"`},
		{"embass*", "embass*"},
		{"e-mail", "e-mail"},
		{"sanctions NEAR/3 Russia", "(sanctions NEAR/3 Russia)"},
		{"Russia NEAR/3f sanctions", "(Russia NEAR/3f sanctions)"},
		{`"grain corridor" NEAR/2 Odesa`, `("grain corridor" NEAR/2 Odesa)`},
		{"sanc* NEAR/5 russ*", "(sanc* NEAR/5 russ*)"},
		{"a NEAR/2 b c", "((a NEAR/2 b) AND c)"},
		{"(grain) NEAR/3 (wheat)", "(grain NEAR/3 wheat)"},
		{"NOT a NEAR/2 b c", "((NOT (a NEAR/2 b)) AND c)"},
		{"lang:uk AND grain", "(lang:uk AND grain)"},
		{"source:telegram grain", "(source:telegram AND grain)"},
		{`author:"Ana Brnabić" grain`, `(author:"Ana Brnabić" AND grain)`},
		{`author:"ana"`, `author:ana`},
		{"country:RS", "country:RS"},
		{"lang:uk", "lang:uk"},
		{"lang:uk -grain", "(lang:uk AND (NOT grain))"},
		{"((grain))", "grain"},
		{"(a)(b)", "(a AND b)"},
		{`a"b c"d`, `(a AND "b c" AND d)`},
		{"12:30", "12:30"},
		{"Lang:uk", "Lang:uk"},
		{"NEARBY", "NEARBY"},
		{"--grain wheat", "((NOT (NOT grain)) AND wheat)"},
		{"  grain\twheat\n", "(grain AND wheat)"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.query)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.query, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.query, got, tt.want)
		}
		again, err := Parse(q.String())
		if err != nil {
			t.Errorf("Parse(%q) of the canonical form: %v", q.String(), err)
		} else if again.String() != q.String() {
			t.Errorf("canonical form %q re-parses as %q", q.String(), again.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		query string
		pos   int
		msg   string // the start of Error.Msg
	}{
		{"", 1, "empty query"},
		{"   ", 1, "empty query"},
		{"grain AND (wheat", 11, "unbalanced parenthesis"},
		{"grain AND wheat)", 16, "unbalanced parenthesis"},
		{"(grain))", 8, "unbalanced parenthesis"},
		{")", 1, "unbalanced parenthesis"},
		{"grain ()", 7, "empty parentheses"},
		{`grain "corridor`, 7, "unterminated quote"},
		{`grain ""`, 7, "empty phrase"},
		{`grain "!!"`, 7, "empty phrase"},
		{"grain AND", 7, "AND needs a clause on each side"},
		{"AND grain", 1, "AND needs a clause on each side"},
		{"grain AND AND wheat", 7, "AND needs a clause on each side"},
		{"grain AND OR wheat", 7, "AND needs a clause on each side"},
		{"grain OR", 7, "OR needs a clause on each side"},
		{"OR grain", 1, "OR needs a clause on each side"},
		{"(grain OR) wheat", 8, "OR needs a clause on each side"},
		{"grain NOT", 7, "NOT needs a clause after it"},
		{"grain NOT )", 7, "NOT needs a clause after it"},
		{"grain - wheat", 7, "'-' must be directly followed"},
		{"grain -", 7, "'-' must be directly followed"},
		{"grain (wheat -)", 14, "'-' must be directly followed"},
		{"gr*", 1, "a prefix needs at least 3 characters"},
		{"grain gr*", 7, "a prefix needs at least 3 characters"},
		{"Ђо*", 1, "a prefix needs at least 3 characters"},
		{"gr*in", 3, "'*' is allowed only at the end of a word"},
		{"grain**", 6, "'*' is allowed only at the end of a word"},
		{"*", 1, "a prefix needs at least 3 characters"},
		{"**", 1, "'*' is allowed only at the end of a word"},
		{`"grain corr*"`, 12, "'*' is not allowed inside a phrase"},
		{"NOT grain", 1, "a query needs at least one positive clause"},
		{"-grain", 1, "a query needs at least one positive clause"},
		{"-grain -wheat", 1, "a query needs at least one positive clause"},
		{"grain OR NOT wheat", 10, "a query needs at least one positive clause"},
		{"grain OR -wheat", 10, "a query needs at least one positive clause"},
		{"(a OR -b) (c OR NOT d)", 7, "a query needs at least one positive clause"},
		{"NOT lang:uk", 1, "a query needs at least one positive clause"},
		{"NOT NOT NOT grain", 1, "a query needs at least one positive clause"},
		{"grain NEAR wheat", 7, "NEAR needs a distance"},
		{"grain NEAR/ wheat", 7, "invalid NEAR distance"},
		{"grain NEAR/x wheat", 7, "invalid NEAR distance"},
		{"grain NEAR/3ff wheat", 7, "invalid NEAR distance"},
		{"grain NEAR/-3 wheat", 7, "invalid NEAR distance"},
		{"grain NEAR/0 wheat", 7, "NEAR distance must be between 1 and 1000"},
		{"grain NEAR/1001 wheat", 7, "NEAR distance must be between 1 and 1000"},
		{"grain NEAR/99999999999999999999 wheat", 7, "invalid NEAR distance"},
		{"NEAR/3 wheat", 1, "NEAR needs a term, phrase or prefix on each side"},
		{"grain NEAR/3", 7, "NEAR needs a term, phrase or prefix on each side"},
		{"grain NEAR/3 (wheat OR corn)", 7, "NEAR needs a term, phrase or prefix on each side"},
		{"(grain OR corn) NEAR/3 wheat", 17, "NEAR needs a term, phrase or prefix on each side"},
		{"grain NEAR/3 lang:uk", 7, "NEAR needs a term, phrase or prefix on each side"},
		{"grain NEAR/3 NOT wheat", 7, "NEAR needs a term, phrase or prefix on each side"},
		{"a NEAR/3 b NEAR/3 c", 12, "NEAR cannot be chained"},
		{"site:rt.com", 1, `unknown field "site"`},
		{"grain http://x.org", 7, `unknown field "http"`},
		{"lang:", 1, "empty value for lang:"},
		{`lang:"  "`, 1, "empty value for lang:"},
		{"author:@", 1, "empty value for author:"},
		{`author:"ana`, 8, "unterminated quote"},
		{"source:tele*", 12, "'*' is not allowed in a field value"},
		{"grain !!", 7, `nothing to search for in "!!"`},
		{"grain \xff", 7, "invalid UTF-8"},
		{strings.Repeat("(", 1001) + "a" + strings.Repeat(")", 1001), 1001, "too deeply nested"},
		{strings.Repeat("a ", maxClauses+1), 2*maxClauses + 1, "too many clauses"},
		{strings.Repeat("NOT NOT ", 60) + "a", 1, "too deeply nested"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.query)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, %v; want *Error %q at %d", short(tt.query), q, err, tt.msg, tt.pos)
			continue
		}
		if pe.Pos != tt.pos || !strings.HasPrefix(pe.Msg, tt.msg) {
			t.Errorf("Parse(%q): %q at %d, want %q… at %d", short(tt.query), pe.Msg, pe.Pos, tt.msg, tt.pos)
		}
		if want := " at " + itoa(pe.Pos); !strings.HasSuffix(pe.Error(), want) {
			t.Errorf("Error() = %q does not end with %q", pe.Error(), want)
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}
