package lql

import "fmt"

// Error is a query that cannot be parsed: what is wrong and where.
// Pos is a 1-based character (Unicode code point) offset into the query
// as written, pointing at the character that starts the offending part.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s at %d", e.Msg, e.Pos) }

func errAt(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
