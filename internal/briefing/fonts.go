package briefing

import "github.com/go-pdf/fpdf"

// Fonts registers the embedded DejaVu Sans, regular ("") and bold ("B"),
// on pdf and returns the family name to pass to SetFont. Other documents
// (the academy's certificates) use it for the same reason the briefing
// does: names and titles in Latin, Cyrillic and Georgian scripts.
func Fonts(pdf *fpdf.Fpdf) string {
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	return family
}

// Printable replaces what the embedded font cannot show (characters
// beyond the Basic Multilingual Plane, such as emoji).
func Printable(s string) string { return printable(s) }
