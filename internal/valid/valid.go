// Package valid holds the one error type that every domain package returns
// for invalid input, so that the web and API layers can show the field and
// the reason without knowing each domain.
package valid

// FieldError says which input field is wrong and why. Field is a path in
// the request ("title", "variants/0/text"); the API turns it into a JSON
// Pointer.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }
