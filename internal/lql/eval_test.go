package lql

import "testing"

func TestMatchSemantics(t *testing.T) {
	tests := []struct {
		query, text, fields string
		want                bool
	}{
		// NEAR: distance between spans, distinct tokens, order with f.
		{"a NEAR/1 b", "a b", "", true},
		{"a NEAR/1 b", "b a", "", true},
		{"a NEAR/1f b", "b a", "", false},
		{"a NEAR/1 b", "a x b", "", false},
		{"a NEAR/2 b", "a x b", "", true},
		{"a NEAR/1f b", "x a y y y y b a", "", false},
		{"a NEAR/1 b", "x a y y y y b a", "", true},
		{"grain NEAR/3 grain", "grain", "", false},
		{"grain NEAR/3 grain", "grain and grain", "", true},
		{`"grain corridor" NEAR/3 corridor`, "grain corridor", "", false},
		{`"grain corridor" NEAR/3 corridor`, "grain corridor corridor", "", true},
		{`"grain corridor" NEAR/2f Odesa`, "Odesa grain corridor", "", false},
		{`"grain corridor" NEAR/2 Odesa`, "Odesa grain corridor", "", true},
		{`"grain corridor" NEAR/1 "from Odesa"`, "the grain corridor from Odesa", "", true},
		{"sanc* NEAR/2 russ*", "Russian sanctions", "", true},
		{"sanc* NEAR/2f russ*", "Russian sanctions", "", false},
		// Phrases and words the analyser splits.
		{`"a a b"`, "a a a b", "", true},
		{`"a b"`, "a c b", "", false},
		{"e-mail", "send an e-mail", "", true},
		{"e-mail", "e mail", "", true},
		{"e-mail", "mail e", "", false},
		{"e-ma*", "send e-mails", "", true},
		{"e-ma*", "e and mails", "", false},
		{"embass*", "embassy", "", true},
		{"embass*", "embass", "", true},
		{"embass*", "emba", "", false},
		// Lower-case operators are words.
		{"grain or wheat", "grain or wheat", "", true},
		{"grain or wheat", "grain wheat", "", false},
		{"NOT NOT grain", "grain", "", true},
		{"NOT NOT grain", "wheat", "", false},
		// Filters: folded, lang by primary subtag, @ optional, missing field never matches.
		{"lang:uk", "anything", "lang=uk", true},
		{"lang:uk", "anything", "", false},
		{"lang:UK grain", "grain", "lang=uk", true},
		{"lang:sr grain", "grain", "lang=sr-Latn", true},
		{"lang:sr-latn grain", "grain", "lang=sr", false},
		{"lang:sr grain", "grain", "lang=srp", false},
		{"author:@Ana grain", "grain", "author=ana", true},
		{"author:ana grain", "grain", "author=@ANA", true},
		{"author:ana grain", "grain", "author=anna", false},
		{"country:rs grain", "grain", "country=RS", true},
		{"country:RS grain", "grain", "country=rs", true},
		{"source:Telegram grain", "grain", "source=telegram", true},
		{"source:telegram grain", "grain", "source=rss", false},
		{"grain NOT lang:uk", "grain", "", true},
		{"grain -lang:uk", "grain", "lang=uk", false},
		{`author:"Ana Brnabić" grain`, "grain", "author=ana_brnabic", false},
		{"(lang:uk OR lang:ru) grain", "grain", "lang=ru", true},
		{"(lang:uk OR lang:ru) grain", "grain", "lang=en", false},
	}
	for _, tt := range tests {
		q := mustParse(t, tt.query)
		d := newDoc(tt.text, tt.fields)
		if got := q.Match(d); got != tt.want {
			t.Errorf("%s ~ %q [%s]: Match %v, want %v", tt.query, tt.text, tt.fields, got, tt.want)
		}
		if got := refMatch(q.root, d); got != tt.want {
			t.Errorf("%s ~ %q [%s]: reference %v, want %v", tt.query, tt.text, tt.fields, got, tt.want)
		}
		m := NewMatcher()
		m.Set("q", q)
		if got := len(m.Match(d, nil)) == 1; got != tt.want {
			t.Errorf("%s ~ %q [%s]: Matcher %v, want %v", tt.query, tt.text, tt.fields, got, tt.want)
		}
	}
}
