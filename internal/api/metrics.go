package api

import (
	"net/http"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
)

// registerMetrics adds the read side of the metrics the publishing engine
// polls from the networks.
func (a *API) registerMetrics(rt *httpx.Router) {
	routes{a, rt}.resource("GET", "/api/v1/variants/{id}/metrics", authz.UseCampaigns, a.variantMetrics)
}

// variantMetrics is a published variant's public counts over time.
type variantMetrics struct {
	VariantID   int64                  `json:"variant_id"`
	Network     limits.Network         `json:"network"`
	State       campaign.State         `json:"state"`
	URL         string                 `json:"url,omitempty"`
	PublishedAt *time.Time             `json:"published_at"`
	Latest      *campaign.MetricPoint  `json:"latest"`
	Points      []campaign.MetricPoint `json:"points"`
}

func (a *API) variantMetrics(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	v, pts, err := a.Campaigns.VariantMetrics(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := variantMetrics{VariantID: v.ID, Network: v.Network, State: v.State, URL: v.URL, PublishedAt: v.PublishedAt, Points: pts}
	if len(pts) > 0 {
		out.Latest = &pts[len(pts)-1]
	}
	writeJSON(w, http.StatusOK, out)
}
