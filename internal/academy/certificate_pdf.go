package academy

// The PDF of a certificate: one A4 landscape page with the participant's
// name, the course, the cohort and its dates, the trainers, the issuing
// programme and date, the verification code and a QR code of the public
// verification page. Names are in Latin, Cyrillic or Georgian script, so
// the page uses the DejaVu fonts embedded for the campaign briefing.

import (
	"fmt"
	"io"
	"strings"

	"github.com/boombuler/barcode/qr"
	"github.com/go-pdf/fpdf"

	"github.com/attache-project/attache/internal/briefing"
)

// CertificateLabels are the words of the certificate in the reader's
// language (the web layer fills them from the locale files).
type CertificateLabels struct {
	Title     string // "Certificate of completion"
	Certifies string // "This certifies that"
	Completed string // "has completed the course"
	Cohort    string // "Cohort"
	Trainers  string // "Trainers"
	IssuedBy  string // "Issued by"
	IssuedOn  string // "Date of issue"
	Code      string // "Verification code"
	Verify    string // "Check this certificate at"
	Revoked   string // "Revoked"
}

const (
	certPageW  = 297.0
	certPageH  = 210.0
	certMargin = 18.0
	qrSize     = 38.0
)

// WriteCertificatePDF renders a certificate to w.
func WriteCertificatePDF(w io.Writer, d CertificateDocument, l CertificateLabels) error {
	k := d.Certificate
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(certMargin, certMargin, certMargin)
	pdf.SetAutoPageBreak(false, 0)
	fam := briefing.Fonts(pdf)
	p := briefing.Printable
	pdf.SetTitle(l.Title+" — "+k.CourseTitle, true)
	pdf.SetAuthor(k.OrgName, true)
	pdf.SetCreator("Attaché", true)
	pdf.SetCreationDate(k.IssuedAt.UTC())
	pdf.AddPage()

	// A double frame.
	pdf.SetDrawColor(30, 60, 110)
	pdf.SetLineWidth(1.2)
	pdf.Rect(8, 8, certPageW-16, certPageH-16, "D")
	pdf.SetLineWidth(0.3)
	pdf.Rect(11, 11, certPageW-22, certPageH-22, "D")

	width := certPageW - 2*certMargin
	center := func(font string, style string, size, lineH float64, r, g, b int, s string) {
		pdf.SetFont(font, style, size)
		pdf.SetTextColor(r, g, b)
		pdf.SetX(certMargin)
		pdf.MultiCell(width, lineH, p(s), "", "C", false)
	}
	pdf.SetY(24)
	center(fam, "B", 12, 6, 30, 60, 110, strings.ToUpper(k.OrgName))
	pdf.Ln(6)
	center(fam, "B", 30, 13, 30, 60, 110, l.Title)
	pdf.Ln(5)
	center(fam, "", 13, 7, 60, 60, 60, l.Certifies)
	pdf.Ln(2)
	center(fam, "B", 26, 12, 0, 0, 0, k.Name)
	pdf.Ln(2)
	center(fam, "", 13, 7, 60, 60, 60, l.Completed)
	pdf.Ln(1)
	center(fam, "B", 18, 9, 0, 0, 0, k.CourseTitle)
	pdf.Ln(4)
	center(fam, "", 11, 6, 60, 60, 60, fmt.Sprintf("%s: %s · %s – %s", l.Cohort, k.CohortName, k.StartsOn, k.EndsOn))
	if len(d.Trainers) > 0 {
		center(fam, "", 11, 6, 60, 60, 60, l.Trainers+": "+strings.Join(d.Trainers, ", "))
	}

	// The foot: issuer, date and code on the left, the QR code on the right.
	footY := certPageH - certMargin - qrSize - 2
	left := width - qrSize - 8
	line := func(label, value string, bold bool) {
		pdf.SetX(certMargin)
		pdf.SetFont(fam, "", 10)
		pdf.SetTextColor(90, 90, 90)
		lw := pdf.GetStringWidth(p(label)+": ") + 1
		pdf.CellFormat(lw, 6, p(label)+": ", "", 0, "L", false, 0, "")
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont(fam, style, 10)
		pdf.SetTextColor(0, 0, 0)
		pdf.MultiCell(left-lw, 6, p(value), "", "L", false)
	}
	pdf.SetY(footY)
	line(l.IssuedBy, k.OrgName, false)
	line(l.IssuedOn, k.IssuedAt.UTC().Format("2006-01-02"), false)
	pdf.SetFont(fam, "", 10)
	line(l.Code, k.Code, true)
	line(l.Verify, d.VerifyURL, false)
	pdf.LinkString(certMargin, pdf.GetY()-6, left, 6, d.VerifyURL)
	if k.RevokedAt != nil {
		pdf.SetTextColor(170, 20, 20)
		pdf.SetFont(fam, "B", 11)
		pdf.SetX(certMargin)
		reason := ""
		if k.RevokedReason != "" {
			reason = " — " + k.RevokedReason
		}
		pdf.MultiCell(left, 6, p(l.Revoked+": "+k.RevokedAt.UTC().Format("2006-01-02")+reason), "", "L", false)
	}

	if err := drawQR(pdf, d.VerifyURL, certPageW-certMargin-qrSize, certPageH-certMargin-qrSize-2, qrSize); err != nil {
		return err
	}
	if pdf.Err() {
		return fmt.Errorf("certificate pdf: %w", pdf.Error())
	}
	return pdf.Output(w)
}

// drawQR draws the QR code of text as filled squares (vector, sharp at
// any print size) at x, y, size mm wide, and makes it a link to text.
func drawQR(pdf *fpdf.Fpdf, text string, x, y, size float64) error {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("certificate qr code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx()
	// The quiet zone (four modules) is drawn as white around the code.
	module := size / float64(n+8)
	pdf.SetFillColor(255, 255, 255)
	pdf.Rect(x, y, size, size, "F")
	pdf.SetFillColor(0, 0, 0)
	dark := func(col, row int) bool {
		r, _, _, _ := code.At(b.Min.X+col, b.Min.Y+row).RGBA()
		return r == 0
	}
	for row := 0; row < n; row++ {
		// One rectangle per run of dark modules: fewer operators, no
		// hairlines between neighbours in some viewers.
		for col := 0; col < n; {
			if !dark(col, row) {
				col++
				continue
			}
			start := col
			for col < n && dark(col, row) {
				col++
			}
			pdf.Rect(x+float64(start+4)*module, y+float64(row+4)*module, float64(col-start)*module, module, "F")
		}
	}
	pdf.LinkString(x, y, size, size, text)
	return nil
}
