package listen

import (
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/text"
)

// KeysOf returns the keys column value of analysed tokens: every key of
// every token, in order, space-separated, as the index stores them
// (db.AppendKey drops keys it cannot index identically on both engines and
// stops at db.MaxKeysBytes).
func KeysOf(toks []text.Token) string {
	n := 0
	for _, t := range toks {
		for _, k := range t.Keys {
			n += len(k) + 1
		}
	}
	b := make([]byte, 0, min(n, db.MaxKeysBytes))
	for _, t := range toks {
		for _, k := range t.Keys {
			var ok bool
			if b, ok = db.AppendKey(b, k); !ok && len(b)+len(k)+1 > db.MaxKeysBytes {
				return string(b)
			}
		}
	}
	return string(b)
}

// TextKeys analyses s and returns its keys column value.
func TextKeys(s string) string { return KeysOf(text.Analyze(s)) }
