package web

// The metrics of a published variant on its item page: the latest counts,
// a small chart drawn here as inline SVG (no script; geometry in
// attributes, colours from classes in app.css, so the strict CSP holds)
// and the same numbers as a table for screen readers and copying.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/i18n"
)

// Chart geometry in SVG user units (the chart scales to its box).
const (
	chartW      = 600
	chartLabelW = 112 // metric names on the left
	chartValueW = 64  // latest values on the right
	chartPanelH = 44
	chartGap    = 10
	chartAxisH  = 22 // time labels at the bottom
)

// metricKinds are the counts in display order, with their message IDs.
var metricKinds = []struct{ key, msg string }{
	{"likes", "metrics.likes"}, {"reposts", "metrics.reposts"}, {"replies", "metrics.replies"},
	{"quotes", "metrics.quotes"}, {"views", "metrics.views"},
}

func metricValue(m campaign.MetricPoint, key string) int64 {
	switch key {
	case "likes":
		return m.Likes
	case "reposts":
		return m.Reposts
	case "replies":
		return m.Replies
	case "quotes":
		return m.Quotes
	}
	return m.Views
}

// metricCount is one latest count.
type metricCount struct {
	Key, Label, Value string
}

// metricRow is one reading in the table.
type metricRow struct {
	ISO, Local string
	Values     []string
}

// chartDot is a reading's position in a panel.
type chartDot struct{ X, Y string }

// chartPanel is one count's line, with its own scale.
type chartPanel struct {
	Key, Label, Max, Last string
	Top, Base, LabelY     string // panel top, zero line and label baseline
	Points                string // polyline points ("x,y x,y …"), "" for one reading
	Dots                  []chartDot
}

// metricsView is what the template shows for one published variant.
type metricsView struct {
	DOM     string
	Zone    string
	AsOf    string // the latest reading, local
	AsOfISO string
	Latest  []metricCount
	Headers []string // table columns after the time
	Rows    []metricRow
	// Chart: empty Panels when every count is still 0.
	W, H, PlotX, PlotEnd, AxisY string
	Panels                      []chartPanel
	From, To                    string // first and last reading, local
	Title, Desc                 string
}

func fmtUnits(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// buildMetrics prepares a series (oldest first) for display in loc; nil
// when there are no readings.
func buildMetrics(l *i18n.Localizer, dom, network string, series []campaign.MetricPoint, loc *time.Location) *metricsView {
	if len(series) == 0 {
		return nil
	}
	local := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") }
	last := series[len(series)-1]
	v := &metricsView{DOM: dom, Zone: loc.String(), AsOf: local(last.At), AsOfISO: last.At.UTC().Format(time.RFC3339),
		From: local(series[0].At), To: local(last.At)}
	for _, k := range metricKinds {
		label := l.T(k.msg)
		v.Latest = append(v.Latest, metricCount{Key: k.key, Label: label, Value: formatNumber(float64(metricValue(last, k.key)))})
		v.Headers = append(v.Headers, label)
	}
	for i := len(series) - 1; i >= 0; i-- { // newest first
		m := series[i]
		r := metricRow{ISO: m.At.UTC().Format(time.RFC3339), Local: local(m.At)}
		for _, k := range metricKinds {
			r.Values = append(r.Values, formatNumber(float64(metricValue(m, k.key))))
		}
		v.Rows = append(v.Rows, r)
	}

	// One panel per count that is not 0 throughout, x proportional to time.
	plotX, plotEnd := float64(chartLabelW), float64(chartW-chartValueW)
	t0, t1 := series[0].At, last.At
	span := t1.Sub(t0)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return plotEnd
		}
		return plotX + (plotEnd-plotX)*float64(t.Sub(t0))/float64(span)
	}
	var names []string
	top := 4.0
	for _, k := range metricKinds {
		var peak int64
		for _, m := range series {
			peak = max(peak, metricValue(m, k.key))
		}
		if peak == 0 {
			continue
		}
		base := top + chartPanelH
		p := chartPanel{Key: k.key, Label: l.T(k.msg), Max: formatNumber(float64(peak)), Last: formatNumber(float64(metricValue(last, k.key))),
			Top: fmtUnits(top), Base: fmtUnits(base), LabelY: fmtUnits(top + chartPanelH/2 + 4)}
		pts := make([]string, 0, len(series))
		for _, m := range series {
			y := base - (chartPanelH-4)*float64(metricValue(m, k.key))/float64(peak)
			d := chartDot{X: fmtUnits(x(m.At)), Y: fmtUnits(y)}
			p.Dots = append(p.Dots, d)
			pts = append(pts, d.X+","+d.Y)
		}
		if len(pts) > 1 {
			p.Points = strings.Join(pts, " ")
		}
		v.Panels = append(v.Panels, p)
		names = append(names, p.Label)
		top = base + chartGap
	}
	h := top + chartAxisH
	v.W, v.H, v.PlotX, v.PlotEnd, v.AxisY = strconv.Itoa(chartW), fmtUnits(h), fmtUnits(plotX), fmtUnits(plotEnd), fmtUnits(h-6)
	v.Title = l.T("metrics.chart_title", "Network", network)
	args := []any{"From", v.From, "To", v.To, "Zone", v.Zone, "Counts", strings.Join(names, ", ")}
	if len(series) == 1 {
		v.Desc = l.T("metrics.chart_desc_single", args...)
	} else {
		v.Desc = l.N("metrics.chart_desc", len(series), args...)
	}
	return v
}

// zoneFor is where the reader's times are shown: their own time zone,
// else the organisation's, else UTC.
func zoneFor(pg *page) *time.Location {
	for _, z := range []string{userZone(pg), orgZone(pg)} {
		if z == "" {
			continue
		}
		if loc, err := time.LoadLocation(z); err == nil {
			return loc
		}
	}
	return time.UTC
}

func userZone(pg *page) string {
	if pg.User != nil {
		return pg.User.TimeZone
	}
	return ""
}

func orgZone(pg *page) string {
	if pg.Org != nil {
		return pg.Org.TimeZone
	}
	return ""
}

// String describes the view in failure messages.
func (v *metricsView) String() string {
	return fmt.Sprintf("metrics %s: %d readings, %d panels", v.DOM, len(v.Rows), len(v.Panels))
}
