// Package briefing renders a campaign plan as a PDF briefing document: a
// title page, the brief, objectives with their KPI progress, audiences,
// key messages with their translations, and the content schedule week by
// week. Texts are in Latin, Cyrillic and Georgian scripts, so the document
// embeds DejaVu Sans (fonts/, Bitstream Vera licence) instead of the PDF
// core fonts, which cover Latin-1 only.
package briefing

import (
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

const (
	family   = "DejaVu"
	pageW    = 210.0
	margin   = 18.0
	contentW = pageW - 2*margin
)

// Write renders d as a PDF in lang ("en" or "uk"; others fall back to
// English) to w. now is the time printed as "generated".
func Write(w io.Writer, d campaign.ExportData, lang string, now time.Time) error {
	l := labelsFor(lang)
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetTitle(d.Campaign.Title, true)
	pdf.SetCreator("Attaché", true)
	pdf.SetCreationDate(now.UTC())
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(family, "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(contentW/2, 5, printable(d.Campaign.Title), "", 0, "L", false, 0, "")
		pdf.CellFormat(contentW/2, 5, fmt.Sprintf(l.page, pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	b := &builder{pdf: pdf, l: l}
	b.titlePage(d, loc, now)
	b.brief(d.Campaign.Brief)
	b.objectives(d.Plan.Objectives)
	b.audiences(d.Plan.Audiences)
	b.messages(d.Plan.KeyMessages)
	b.schedule(d, loc)
	if pdf.Err() {
		return fmt.Errorf("briefing: %w", pdf.Error())
	}
	return pdf.Output(w)
}

type builder struct {
	pdf *fpdf.Fpdf
	l   labels
}

func (b *builder) heading(s string) {
	p := b.pdf
	if p.GetY() > 250 {
		p.AddPage()
	}
	p.Ln(4)
	p.SetFont(family, "B", 15)
	p.SetTextColor(30, 60, 110)
	p.MultiCell(contentW, 8, printable(s), "", "L", false)
	p.SetDrawColor(30, 60, 110)
	p.Line(margin, p.GetY()+0.5, pageW-margin, p.GetY()+0.5)
	p.SetTextColor(0, 0, 0)
	p.Ln(3)
}

func (b *builder) text(size float64, bold bool, s string) {
	style := ""
	if bold {
		style = "B"
	}
	b.pdf.SetFont(family, style, size)
	b.pdf.MultiCell(contentW, size*0.5, printable(s), "", "L", false)
}

// printable replaces what the embedded font cannot show: fpdf's UTF-8
// fonts stop at the Basic Multilingual Plane, so emoji and other symbols
// beyond it become a white square; emoji modifiers are dropped.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u200d' || (r >= 0xfe00 && r <= 0xfe0f):
			return -1
		case r > 0xffff:
			if r >= 0x1f3fb && r <= 0x1f3ff || r >= 0xe0000 {
				return -1
			}
			return '□'
		}
		return r
	}, s)
}

func (b *builder) muted(s string) {
	b.pdf.SetTextColor(100, 100, 100)
	b.text(9, false, s)
	b.pdf.SetTextColor(0, 0, 0)
}

func (b *builder) titlePage(d campaign.ExportData, loc *time.Location, now time.Time) {
	p, l := b.pdf, b.l
	p.AddPage()
	p.SetY(60)
	p.SetFont(family, "", 12)
	p.SetTextColor(30, 60, 110)
	p.MultiCell(contentW, 6, l.briefing, "", "L", false)
	p.Ln(2)
	p.SetTextColor(0, 0, 0)
	p.SetFont(family, "B", 24)
	p.MultiCell(contentW, 11, printable(d.Campaign.Title), "", "L", false)
	p.Ln(8)
	row := func(k, v string) {
		p.SetFont(family, "B", 11)
		p.CellFormat(40, 7, k, "", 0, "L", false, 0, "")
		p.SetFont(family, "", 11)
		p.MultiCell(contentW-40, 7, printable(v), "", "L", false)
	}
	row(l.owner, d.Owner.Name)
	if len(d.Partners) > 0 {
		names := make([]string, len(d.Partners))
		for i, o := range d.Partners {
			names[i] = o.Name
		}
		row(l.partners, strings.Join(names, ", "))
	}
	row(l.period, d.Campaign.Period.Start+" – "+d.Campaign.Period.End)
	row(l.status, l.statusName(string(d.Campaign.Status)))
	if len(d.Campaign.Tags) > 0 {
		row(l.tags, strings.Join(d.Campaign.Tags, ", "))
	}
	variants := 0
	for _, it := range d.Items {
		variants += len(it.Variants)
	}
	row(l.content, fmt.Sprintf(l.contentCount, len(d.Items), variants))
	p.Ln(6)
	b.muted(fmt.Sprintf(l.generated, now.In(loc).Format("2006-01-02 15:04"), loc.String()))
}

func (b *builder) brief(md string) {
	if strings.TrimSpace(md) == "" {
		return
	}
	b.pdf.AddPage()
	b.heading(b.l.brief)
	for _, para := range markdownParagraphs(md) {
		if para.heading {
			b.pdf.Ln(1)
			b.text(12, true, para.text)
		} else {
			b.text(10.5, false, para.text)
		}
		b.pdf.Ln(2)
	}
}

func (b *builder) objectives(os []campaign.Objective) {
	if len(os) == 0 {
		return
	}
	p := b.pdf
	b.heading(b.l.objectives)
	for _, o := range os {
		b.text(11, true, o.Title)
		line := fmt.Sprintf("%s: %s / %s (%d%%)", o.Metric, number(o.CurrentValue), number(o.TargetValue), int(o.Progress()*100+0.5))
		if o.DueDate != "" {
			line += " · " + b.l.due + " " + o.DueDate
		}
		b.text(10, false, line)
		// A progress bar: the whole target, filled to the current value.
		y := p.GetY() + 1
		p.SetFillColor(225, 229, 236)
		p.Rect(margin, y, 80, 3, "F")
		p.SetFillColor(30, 90, 160)
		if w := 80 * o.Progress(); w > 0 {
			p.Rect(margin, y, w, 3, "F")
		}
		p.Ln(7)
	}
}

func number(f float64) string {
	if f == float64(int64(f)) {
		s := fmt.Sprintf("%d", int64(f))
		// Thin grouping for large numbers: 1 250 000.
		var out []byte
		for i := range s {
			if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
				out = append(out, ' ')
			}
			out = append(out, s[i])
		}
		return string(out)
	}
	return fmt.Sprintf("%.2f", f)
}

func (b *builder) audiences(as []campaign.Audience) {
	if len(as) == 0 {
		return
	}
	b.heading(b.l.audiences)
	for _, a := range as {
		var head []string
		if a.Country != "" {
			head = append(head, a.Country)
		}
		if a.Language != "" {
			head = append(head, a.Language)
		}
		if len(head) > 0 {
			b.text(10.5, true, strings.Join(head, " · "))
		}
		if a.Description != "" {
			b.text(10.5, false, a.Description)
		}
		b.pdf.Ln(2)
	}
}

func (b *builder) messages(ms []campaign.KeyMessage) {
	if len(ms) == 0 {
		return
	}
	b.heading(b.l.messages)
	for _, m := range ms {
		title := m.Title
		if m.LineToTake {
			title = "[" + b.l.lineToTake + "] " + title
		}
		b.text(11, true, title)
		langs := make([]string, 0, len(m.Translations))
		for k := range m.Translations {
			langs = append(langs, k)
		}
		sort.Strings(langs)
		for _, lang := range langs {
			b.pdf.SetFont(family, "B", 10)
			b.pdf.CellFormat(12, 5, printable(lang), "", 0, "L", false, 0, "")
			b.pdf.SetFont(family, "", 10)
			b.pdf.MultiCell(contentW-12, 5, printable(m.Translations[lang]), "", "L", false)
		}
		b.pdf.Ln(2)
	}
}

type entry struct {
	at   *time.Time
	item campaign.Item
	v    campaign.Variant
}

func (b *builder) schedule(d campaign.ExportData, loc *time.Location) {
	p, l := b.pdf, b.l
	var es []entry
	for _, it := range d.Items {
		for _, v := range it.Variants {
			es = append(es, entry{at: v.ScheduledAt, item: it, v: v})
		}
	}
	p.AddPage()
	b.heading(l.schedule)
	if len(es) == 0 {
		b.muted(l.noContent)
		return
	}
	sort.SliceStable(es, func(i, j int) bool {
		a, c := es[i].at, es[j].at
		switch {
		case a == nil || c == nil:
			return a != nil && c == nil
		default:
			return a.Before(*c)
		}
	})
	week := ""
	for _, e := range es {
		wk := l.unscheduled
		when := ""
		if e.at != nil {
			t := e.at.In(loc)
			monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
			y, n := t.ISOWeek()
			wk = fmt.Sprintf(l.week, n, y, monday.Format("2006-01-02"))
			when = t.Format(l.timeLayout)
		}
		if wk != week {
			week = wk
			p.Ln(2)
			p.SetFillColor(235, 239, 245)
			p.SetFont(family, "B", 11)
			p.CellFormat(contentW, 7, printable(wk), "", 1, "L", true, 0, "")
			p.Ln(1)
		}
		acc := d.Accounts[e.v.ChannelAccountID]
		parts := []string{}
		if when != "" {
			parts = append(parts, when)
		}
		parts = append(parts, limits.Label(e.v.Network), acc.Name+" ("+acc.Handle+")", e.v.Language, l.stateName(string(e.v.State)))
		b.text(9.5, true, strings.Join(parts, " · "))
		if e.item.Title != "" {
			b.muted(e.item.Title)
		}
		b.text(10, false, e.v.Text)
		p.Ln(2.5)
	}
}
