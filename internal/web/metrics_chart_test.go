package web

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/i18n"
)

func TestBuildMetrics(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	l := b.For("uk")
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	if buildMetrics(l, "v1", "X", nil, kyiv) != nil {
		t.Fatal("a view without readings")
	}

	// One reading: a dot at the right end, no line; only counts above 0.
	v := buildMetrics(l, "v1", "X", []campaign.MetricPoint{{At: t0, Likes: 4, Views: 1000}}, kyiv)
	if len(v.Panels) != 2 || v.Panels[0].Key != "likes" || v.Panels[1].Key != "views" || v.Panels[0].Points != "" ||
		len(v.Panels[0].Dots) != 1 || v.Panels[0].Dots[0].X != v.PlotEnd {
		t.Fatalf("%v: %+v", v, v.Panels)
	}
	if v.AsOf != "2026-03-01 10:00" || v.Zone != "Europe/Kyiv" || !strings.Contains(v.Desc, "Одне вимірювання") || v.Latest[4].Value != "1000" {
		t.Fatalf("%+v", v)
	}

	// Every count 0: no panels, the table still lists the readings.
	z := buildMetrics(l, "v2", "X", []campaign.MetricPoint{{At: t0}, {At: t0.Add(time.Hour)}}, time.UTC)
	if len(z.Panels) != 0 || len(z.Rows) != 2 || z.Rows[0].Local != "2026-03-01 09:00" {
		t.Fatalf("%v: %+v", z, z.Rows)
	}

	// A series: x grows with time, y stays in its panel, the peak at the top.
	series := []campaign.MetricPoint{
		{At: t0, Replies: 1}, {At: t0.Add(15 * time.Minute), Replies: 5}, {At: t0.Add(24 * time.Hour), Replies: 3}, {At: t0.Add(30 * 24 * time.Hour), Replies: 9},
	}
	s := buildMetrics(l, "v3", "Bluesky", series, time.UTC)
	if len(s.Panels) != 1 {
		t.Fatalf("%+v", s.Panels)
	}
	p := s.Panels[0]
	top, _ := strconv.ParseFloat(p.Top, 64)
	base, _ := strconv.ParseFloat(p.Base, 64)
	lastX := -1.0
	for i, d := range p.Dots {
		x, _ := strconv.ParseFloat(d.X, 64)
		y, _ := strconv.ParseFloat(d.Y, 64)
		if x <= lastX || x < chartLabelW || x > chartW-chartValueW || y < top || y > base {
			t.Fatalf("dot %d at %v,%v outside its panel (%v–%v)", i, x, y, top, base)
		}
		lastX = x
	}
	if p.Dots[3].Y != fmtUnits(top+4) || p.Max != "9" || p.Last != "9" || strings.Count(p.Points, ",") != 4 {
		t.Fatalf("%+v", p)
	}
	if !strings.Contains(s.Desc, "4 вимірювання") || !strings.Contains(s.Title, "Bluesky") {
		t.Fatalf("%q %q", s.Title, s.Desc)
	}
}
