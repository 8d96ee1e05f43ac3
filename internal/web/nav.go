package web

import (
	"net/http"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/org"
)

// area is one section of the left rail.
type area struct {
	slug   string
	action authz.Action
}

// built are the sections with pages of their own (registered by their
// pages_*.go), shown first in the navigation.
var built = []area{
	{"campaigns", authz.UseCampaigns},
	{"calendar", authz.UseCampaigns},
	{"academy", authz.UseAcademy},
	{"listening", authz.UseListening},
}

// areas are the sections announced in the navigation; each has an honest
// "coming" page until it is built.
var areas = []area{
	{"inbox", authz.UseInbox},
	{"analytics", authz.UseListening},
	{"alumni", authz.UseAlumni},
	{"library", authz.UseLibrary},
}

type navItem struct {
	Slug string // "" for Home
	Key  string // message ID of the label
	URL  string
	Sub  bool // a page of the area above, indented under it
	// Count is shown beside the label when not 0 (the academy's queue).
	Count int
}

// navFor lists the areas the member's role can use; the others are hidden,
// not greyed out.
func navFor(pg *page) []navItem {
	if pg.Org == nil {
		return nil
	}
	out := []navItem{{Slug: "home", Key: "nav.home", URL: pg.OrgURL("")}}
	for _, a := range append(built[:len(built):len(built)], areas...) {
		if pg.Can(a.action) {
			out = append(out, navItem{Slug: a.slug, Key: "nav." + a.slug, URL: pg.OrgURL(a.slug)})
		}
		// The programme's organisers and trainers grade course work; the
		// count is filled on the academy's pages (gradingCount).
		if a.slug == "academy" && pg.Org.Kind == org.Programme && (pg.Role == authz.Admin || pg.Role == authz.Trainer) {
			out = append(out, navItem{Slug: "grading", Key: "nav.grading", URL: pg.OrgURL("academy/grading"), Sub: true})
		}
		if a.slug == "campaigns" && pg.Can(authz.UseCampaigns) {
			// The studio's personal pages, which no campaign page leads to.
			out = append(out, navItem{Slug: "tasks", Key: "nav.tasks", URL: pg.OrgURL("tasks"), Sub: true})
			// Only missions receive amplification requests (a ministry sends
			// them and follows them on each campaign's coordination page).
			if pg.Org.Kind == org.Mission {
				out = append(out, navItem{Slug: "amplification", Key: "nav.amplification", URL: pg.OrgURL("amplification"), Sub: true})
			}
		}
	}
	if pg.Can(authz.ViewAdminSection) {
		out = append(out, navItem{Slug: "admin", Key: "nav.admin", URL: pg.OrgURL("admin/")})
	}
	return out
}

// comingPage explains an area that is announced but not built yet.
func (wb *Web) comingPage(a area) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, o org.Org) {
		pg := wb.orgPage(r, o, a.slug, "")
		pg.Title = pg.L.T("nav." + a.slug)
		pg.Data = a.slug
		wb.render(w, r, http.StatusOK, "coming", pg)
	}
}
