package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
)

type variantInput struct {
	ChannelAccountID ID         `json:"channel_account_id"`
	Language         string     `json:"language"`
	Text             string     `json:"text"`
	ScheduledAt      *time.Time `json:"scheduled_at"`
}

func (in variantInput) toDomain() campaign.VariantInput {
	return campaign.VariantInput{ChannelAccountID: int64(in.ChannelAccountID), Language: in.Language, Text: in.Text, ScheduledAt: in.ScheduledAt}
}

type itemInput struct {
	OrgID    ID             `json:"org_id"`
	Title    string         `json:"title"`
	Text     string         `json:"text"`
	LinkURL  string         `json:"link_url"`
	Variants []variantInput `json:"variants"`
}

func (a *API) listItems(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	items, err := a.Campaigns.Items(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Items []campaign.Item `json:"items"`
	}{items})
}

func (a *API) createItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in itemInput
	if !decode(w, r, &in) {
		return
	}
	it := campaign.Item{Title: in.Title, Text: in.Text, LinkURL: in.LinkURL}
	vs := make([]campaign.VariantInput, len(in.Variants))
	for i, v := range in.Variants {
		vs[i] = v.toDomain()
	}
	if err := a.Campaigns.CreateItem(r.Context(), httpx.PrincipalFrom(r.Context()), id, int64(in.OrgID), &it, vs); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/items/"+strconv.FormatInt(it.ID, 10))
	writeJSON(w, http.StatusCreated, it)
}

func (a *API) getItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	it, _, err := a.Campaigns.GetItem(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

type itemPatch struct {
	Title   *string `json:"title"`
	Text    *string `json:"text"`
	LinkURL *string `json:"link_url"`
}

func (a *API) updateItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in itemPatch
	if !decode(w, r, &in) {
		return
	}
	it, err := a.Campaigns.UpdateItem(r.Context(), httpx.PrincipalFrom(r.Context()), id, func(it *campaign.Item) {
		if in.Title != nil {
			it.Title = *in.Title
		}
		if in.Text != nil {
			it.Text = *in.Text
		}
		if in.LinkURL != nil {
			it.LinkURL = *in.LinkURL
		}
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

type addVariantInput struct {
	variantInput
	OrgID ID `json:"org_id"`
}

func (a *API) addVariant(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	var in addVariantInput
	if !decode(w, r, &in) {
		return
	}
	v, err := a.Campaigns.AddVariant(r.Context(), httpx.PrincipalFrom(r.Context()), id, int64(in.OrgID), in.toDomain())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/variants/"+strconv.FormatInt(v.ID, 10))
	writeJSON(w, http.StatusCreated, v)
}

type variantDetail struct {
	campaign.Variant
	Versions  []campaign.Version  `json:"versions"`
	Decisions []campaign.Decision `json:"decisions"`
}

func (a *API) getVariant(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	v, vers, ds, err := a.Campaigns.GetVariant(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, variantDetail{Variant: v, Versions: vers, Decisions: ds})
}

type variantPatch struct {
	variantInput
	Reopen bool `json:"reopen"`
}

func (a *API) editVariant(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.writeError(w, r, db.ErrNotFound)
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	cur, _, _, err := a.Campaigns.GetVariant(r.Context(), p, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	// Start from the current content: a PATCH changes what it names.
	in := variantPatch{variantInput: variantInput{ChannelAccountID: ID(cur.ChannelAccountID), Language: cur.Language, Text: cur.Text, ScheduledAt: cur.ScheduledAt}}
	if !decode(w, r, &in) {
		return
	}
	v, err := a.Campaigns.EditVariant(r.Context(), p, id, in.toDomain(), in.Reopen)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type decisionInput struct {
	Comment string `json:"comment"`
}

// variantAction serves submit, approve and request-changes.
func (a *API) variantAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r, "id")
		if !ok {
			a.writeError(w, r, db.ErrNotFound)
			return
		}
		var in decisionInput
		if r.ContentLength != 0 && !decode(w, r, &in) {
			return
		}
		p := httpx.PrincipalFrom(r.Context())
		var v campaign.Variant
		var err error
		switch action {
		case "submit":
			v, err = a.Campaigns.Submit(r.Context(), p, id)
		case "approve":
			v, err = a.Campaigns.Approve(r.Context(), p, actor(r), id, in.Comment)
		default:
			v, err = a.Campaigns.RequestChanges(r.Context(), p, actor(r), id, in.Comment)
		}
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}
