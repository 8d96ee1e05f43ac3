package web

// The campaign studio: campaigns and their plan. Items and the composer
// are in pages_items.go, the approval queue in pages_approvals.go, channel
// accounts in pages_channels.go. Every handler goes through
// campaign.Service, which checks access; pages that name a campaign, item
// or variant under /o/{org}/ also check that it belongs to (or is shared
// with) that organisation, else 404.

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

// studio serves the campaign studio's pages.
type studio struct {
	*Web
	svc      *campaign.Service
	markdown goldmark.Markdown
	policy   *bluemonday.Policy
}

// registerCampaigns adds the campaign studio's routes.
func (wb *Web) registerCampaigns(rt *httpx.Router) {
	svc := wb.Campaigns
	if svc == nil {
		svc = &campaign.Service{DB: wb.DB}
	}
	st := &studio{Web: wb, svc: svc, markdown: goldmark.New(), policy: bluemonday.UGCPolicy()}
	inOrg := routes{wb, rt}.inOrg
	use, edit := authz.UseCampaigns, authz.EditCampaigns

	inOrg("GET", "/o/{org}/campaigns", use, st.campaignList)
	inOrg("GET", "/o/{org}/campaigns/new", edit, st.campaignNew)
	inOrg("POST", "/o/{org}/campaigns", edit, st.campaignCreate)
	inOrg("GET", "/o/{org}/campaigns/{id}", use, st.campaignShow)
	inOrg("GET", "/o/{org}/campaigns/{id}/edit", edit, st.campaignEdit)
	inOrg("POST", "/o/{org}/campaigns/{id}/edit", edit, st.campaignSave)
	inOrg("POST", "/o/{org}/campaigns/{id}/partners", edit, st.partnerAdd)
	inOrg("GET", "/o/{org}/campaigns/{id}/partners/{partner}/remove", edit, st.partnerRemoveConfirm)
	inOrg("POST", "/o/{org}/campaigns/{id}/partners/{partner}/remove", edit, st.partnerRemove)

	// Items, variants and the composer (pages_items.go).
	inOrg("GET", "/o/{org}/campaigns/{id}/items/new", edit, st.itemNew)
	inOrg("POST", "/o/{org}/campaigns/{id}/items", edit, st.itemCreate)
	inOrg("GET", "/o/{org}/items/{id}", use, st.itemShow)
	inOrg("POST", "/o/{org}/items/{id}", edit, st.itemSave)
	inOrg("POST", "/o/{org}/items/{id}/variants", edit, st.variantAdd)
	inOrg("POST", "/o/{org}/variants/{id}", edit, st.variantSave)
	inOrg("POST", "/o/{org}/variants/{id}/submit", edit, st.variantSubmit)
	inOrg("GET", "/o/{org}/variants/{id}/history", use, st.variantHistory)
	inOrg("POST", "/o/{org}/composer/count", edit, st.composerCount)

	// Approval (pages_approvals.go).
	inOrg("GET", "/o/{org}/approvals", use, st.approvalQueue)
	inOrg("POST", "/o/{org}/variants/{id}/approve", use, st.variantApprove)
	inOrg("POST", "/o/{org}/variants/{id}/request-changes", use, st.variantRequestChanges)
	inOrg("GET", "/o/{org}/admin/approvals", authz.ManageOrg, st.policyForm)
	inOrg("POST", "/o/{org}/admin/approvals", authz.ManageOrg, st.policySave)

	// Channel accounts (pages_channels.go).
	inOrg("GET", "/o/{org}/channels", use, st.channelList)
	inOrg("POST", "/o/{org}/channels", authz.ManageChannels, st.channelCreate)
	inOrg("GET", "/o/{org}/channels/{id}/edit", authz.ManageChannels, st.channelEdit)
	inOrg("POST", "/o/{org}/channels/{id}/edit", authz.ManageChannels, st.channelSave)
	inOrg("GET", "/o/{org}/channels/{id}/archive", authz.ManageChannels, st.channelArchiveConfirm)
	inOrg("POST", "/o/{org}/channels/{id}/archive", authz.ManageChannels, st.channelArchive)
}

// maxStudioForm bounds the studio's forms: briefs and post texts are long,
// and Cyrillic or Georgian text takes six bytes a letter once URL-encoded.
const maxStudioForm = 2 << 20

// parseForm is Web.parseForm with the studio's larger limit.
func (st *studio) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxStudioForm)
	if err := r.ParseForm(); err != nil {
		code := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			code = http.StatusRequestEntityTooLarge
		}
		st.errorPage(w, r, code)
		return false
	}
	return true
}

// studioPage is the common page of the studio: the Campaigns area.
func (st *studio) studioPage(r *http.Request, o org.Org, titleKey string, args ...any) *page {
	pg := st.orgPage(r, o, "campaigns", "")
	pg.Title = pg.L.T(titleKey, args...)
	return pg
}

// visibleTo reports whether campaign c is o's own or shared with o.
func visibleTo(c campaign.Campaign, o org.Org) bool {
	return c.OrgID == o.ID || slices.Contains(c.Partners, o.ID)
}

// loadCampaign reads campaign {id} for a page of o.
func (st *studio) loadCampaign(r *http.Request, o org.Org) (campaign.Access, campaign.Plan, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Access{}, campaign.Plan{}, db.ErrNotFound
	}
	ac, plan, err := st.svc.Get(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err == nil && !visibleTo(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	return ac, plan, err
}

// studioReasons translates the reasons the campaign studio's services give
// most often; the others are shown as they come (see reason).
var studioReasons = map[string]string{
	"must be a date as YYYY-MM-DD":                          "studio.reason.date",
	"must not be before the start":                          "studio.reason.period",
	"a campaign lasts at most five years":                   "studio.reason.period_long",
	"say what should change":                                "approvals.reason.comment",
	"must be an http(s) URL":                                "studio.reason.url",
	"must be between 1 and 5":                               "policy.reason.steps",
	"name at least one role that approves":                  "policy.reason.roles",
	"is not an active channel account of your organisation": "composer.reason.account",
	"must be a language code such as uk, en, sr-Latn":       "studio.reason.language",
	"must start with a two- or three-letter language code":  "studio.reason.language",
}

func studioReason(pg *page, r string) string {
	if id, ok := studioReasons[r]; ok {
		return pg.L.T(id)
	}
	return reason(pg, r)
}

// formField turns a service field path ("period/end", "objectives/0/title")
// into the name of the form field that holds it.
func formField(path string) string {
	switch path {
	case "period/start":
		return "start"
	case "period/end":
		return "end"
	}
	if strings.HasPrefix(path, "tags/") {
		return "tags"
	}
	return strings.ReplaceAll(path, "/", ".")
}

// studioFieldError puts a service field error in place (under the form
// field's name, and in the notice above the form, so that an error in a
// repeated row is never lost). It reports false for other errors.
func studioFieldError(pg *page, err error, rename func(string) string) bool {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	name := formField(fe.Field)
	if rename != nil {
		name = rename(name)
	}
	msg := studioReason(pg, fe.Reason)
	pg.Errors[name] = msg
	pg.Errors["_"] = pg.L.T("studio.error.field", "Field", name, "Reason", msg)
	return true
}

// renderMarkdown turns a brief into safe HTML: goldmark renders it
// (raw HTML is dropped by goldmark's default), bluemonday sanitises the
// result anyway.
func (st *studio) renderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := st.markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(st.policy.SanitizeBytes(buf.Bytes())) // #nosec G203 -- sanitised by bluemonday
}

// orgNames names organisations by id (for owners and partners).
func (st *studio) orgNames(r *http.Request, ids ...int64) map[int64]org.Org {
	out := map[int64]org.Org{}
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		if o, err := org.GetOrg(r.Context(), st.DB.R(), id); err == nil {
			out[id] = o
		}
	}
	return out
}

// Campaign list.

type campaignRow struct {
	campaign.Campaign
	Owner string // the owner's name when it is not the current organisation
}

// StatusKey is the message ID of the campaign's status.
func (c campaignRow) StatusKey() string { return "campaigns.status." + string(c.Status) }

type campaignListData struct {
	Rows     []campaignRow
	Statuses []campaign.Status
	Status   string
	Query    string
	Tag      string
	Queue    int
}

func (st *studio) campaignList(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "campaigns.title")
	q := r.URL.Query()
	d := campaignListData{Statuses: campaign.Statuses, Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Tag: strings.TrimSpace(q.Get("tag"))}
	f := campaign.Filter{Query: d.Query, Tag: d.Tag}
	if d.Status != "" {
		if !slices.Contains(campaign.Statuses, campaign.Status(d.Status)) {
			d.Status = ""
			pg.Errors["status"] = pg.L.T("campaigns.error.status")
		}
		f.Status = campaign.Status(d.Status)
	}
	if len(d.Query) > 200 || len(d.Tag) > 40 {
		st.errorPage(w, r, http.StatusBadRequest)
		return
	}
	cs, err := st.svc.List(r.Context(), o, f)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	var owners []int64
	for _, c := range cs {
		if c.OrgID != o.ID {
			owners = append(owners, c.OrgID)
		}
	}
	names := st.orgNames(r, owners...)
	for _, c := range cs {
		row := campaignRow{Campaign: c}
		if c.OrgID != o.ID {
			row.Owner = names[c.OrgID].Name
		}
		d.Rows = append(d.Rows, row)
	}
	if queue, err := st.svc.ReviewQueue(r.Context(), o); err == nil {
		d.Queue = len(queue)
	}
	if r.URL.Query().Get("done") == "created" {
		pg.Notice = pg.L.T("campaigns.notice.created")
	}
	pg.Data = d
	status := http.StatusOK
	if len(pg.Errors) > 0 {
		status = http.StatusBadRequest
	}
	st.render(w, r, status, "campaigns", pg)
}

// Creating and editing a campaign.

// planRows are the indices of the repeated fieldsets of the plan form.
type planRows struct {
	Objectives  []int
	Audiences   []int
	KeyMessages []kmRows
}

type kmRows struct {
	I            int
	Translations []int
}

type campaignFormData struct {
	ID       int64 // 0 for a new campaign
	Statuses []campaign.Status
	Plan     planRows
}

// StatusKey names a campaign status for the status select.
func (campaignFormData) StatusKey(s campaign.Status) string { return "campaigns.status." + string(s) }

// Inc is i+1, for numbering rows from 1.
func (campaignFormData) Inc(i int) int { return i + 1 }

// UTM, ObjText and ObjNum list field names the form repeats.
func (campaignFormData) UTM() []string     { return []string{"utm_source", "utm_medium", "utm_campaign"} }
func (campaignFormData) ObjText() []string { return []string{"title", "metric"} }
func (campaignFormData) ObjNum() []string  { return []string{"target_value", "current_value"} }

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// blankRows is how many empty rows each repeated part of the plan form offers.
const blankRows = 2

// fillCampaignForm puts a campaign and its plan into form fields.
func fillCampaignForm(f url.Values, c campaign.Campaign, plan campaign.Plan) {
	f.Set("title", c.Title)
	f.Set("brief", c.Brief)
	f.Set("start", c.Period.Start)
	f.Set("end", c.Period.End)
	f.Set("status", string(c.Status))
	f.Set("tags", strings.Join(c.Tags, ", "))
	f.Set("utm_source", c.UTMSource)
	f.Set("utm_medium", c.UTMMedium)
	f.Set("utm_campaign", c.UTMCampaign)
	for i, ob := range plan.Objectives {
		p := fmt.Sprintf("objectives.%d.", i)
		f.Set(p+"title", ob.Title)
		f.Set(p+"metric", ob.Metric)
		f.Set(p+"target_value", strconv.FormatFloat(ob.TargetValue, 'f', -1, 64))
		f.Set(p+"current_value", strconv.FormatFloat(ob.CurrentValue, 'f', -1, 64))
		f.Set(p+"due_date", ob.DueDate)
	}
	for i, a := range plan.Audiences {
		p := fmt.Sprintf("audiences.%d.", i)
		f.Set(p+"country", a.Country)
		f.Set(p+"language", a.Language)
		f.Set(p+"description", a.Description)
	}
	for i, m := range plan.KeyMessages {
		p := fmt.Sprintf("key_messages.%d.", i)
		f.Set(p+"title", m.Title)
		if m.LineToTake {
			f.Set(p+"line_to_take", "on")
		}
		langs := make([]string, 0, len(m.Translations))
		for l := range m.Translations {
			langs = append(langs, l)
		}
		slices.Sort(langs)
		for j, l := range langs {
			f.Set(fmt.Sprintf("%str.%d.lang", p, j), l)
			f.Set(fmt.Sprintf("%str.%d.text", p, j), m.Translations[l])
		}
	}
}

// rowCount is one more than the highest index n for which a field named
// prefix+n+"."+… is in f (0 when there is none), bounded by max.
func rowCount(f url.Values, prefix string, max int) int {
	n := 0
	for k := range f {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(num); ok && err == nil && i >= 0 && i < max && i+1 > n {
			n = i + 1
		}
	}
	return n
}

// planRowsOf chooses the rows to show for the plan held in f: every filled
// row plus blank ones to add more.
func planRowsOf(f url.Values) planRows {
	var pr planRows
	pr.Objectives = seq(rowCount(f, "objectives.", 50) + blankRows)
	pr.Audiences = seq(rowCount(f, "audiences.", 50) + blankRows)
	for _, i := range seq(rowCount(f, "key_messages.", 100) + 1) {
		n := rowCount(f, fmt.Sprintf("key_messages.%d.tr.", i), 30)
		pr.KeyMessages = append(pr.KeyMessages, kmRows{I: i, Translations: seq(n + blankRows)})
	}
	return pr
}

func blank(f url.Values, prefix string, names ...string) bool {
	for _, n := range names {
		if strings.TrimSpace(f.Get(prefix+n)) != "" {
			return false
		}
	}
	return true
}

// planFromForm reads the plan's rows, skipping blank ones. renames maps the
// service's row paths ("objectives/1") back to the form's rows.
func planFromForm(f url.Values) (campaign.Plan, map[string]string, map[string]string) {
	plan := campaign.Plan{Objectives: []campaign.Objective{}, Audiences: []campaign.Audience{}, KeyMessages: []campaign.KeyMessage{}}
	renames := map[string]string{}
	bad := map[string]string{} // numbers that do not parse: form field → reason
	num := func(name string) float64 {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil {
			bad[name] = "studio.reason.number"
		}
		return v
	}
	for i := range rowCount(f, "objectives.", 50) {
		p := fmt.Sprintf("objectives.%d.", i)
		if blank(f, p, "title", "metric", "target_value", "current_value", "due_date") {
			continue
		}
		renames[fmt.Sprintf("objectives.%d.", len(plan.Objectives))] = p
		plan.Objectives = append(plan.Objectives, campaign.Objective{Title: f.Get(p + "title"), Metric: f.Get(p + "metric"),
			TargetValue: num(p + "target_value"), CurrentValue: num(p + "current_value"), DueDate: strings.TrimSpace(f.Get(p + "due_date"))})
	}
	for i := range rowCount(f, "audiences.", 50) {
		p := fmt.Sprintf("audiences.%d.", i)
		if blank(f, p, "country", "language", "description") {
			continue
		}
		renames[fmt.Sprintf("audiences.%d.", len(plan.Audiences))] = p
		plan.Audiences = append(plan.Audiences, campaign.Audience{Country: f.Get(p + "country"), Language: strings.TrimSpace(f.Get(p + "language")), Description: f.Get(p + "description")})
	}
	for i := range rowCount(f, "key_messages.", 100) {
		p := fmt.Sprintf("key_messages.%d.", i)
		m := campaign.KeyMessage{Title: f.Get(p + "title"), LineToTake: f.Get(p+"line_to_take") == "on", Translations: map[string]string{}}
		for j := range rowCount(f, p+"tr.", 30) {
			lang, text := strings.TrimSpace(f.Get(fmt.Sprintf("%str.%d.lang", p, j))), f.Get(fmt.Sprintf("%str.%d.text", p, j))
			if lang == "" && strings.TrimSpace(text) == "" {
				continue
			}
			if lang == "" {
				bad[fmt.Sprintf("%str.%d.lang", p, j)] = "studio.reason.language"
				continue
			}
			m.Translations[lang] = text
		}
		if strings.TrimSpace(m.Title) == "" && len(m.Translations) == 0 {
			continue
		}
		renames[fmt.Sprintf("key_messages.%d.", len(plan.KeyMessages))] = p
		plan.KeyMessages = append(plan.KeyMessages, m)
	}
	return plan, renames, bad
}

// campaignFromForm reads the campaign's own fields.
func campaignFromForm(f url.Values, c *campaign.Campaign) {
	c.Title = f.Get("title")
	c.Brief = f.Get("brief")
	c.Period = campaign.Period{Start: strings.TrimSpace(f.Get("start")), End: strings.TrimSpace(f.Get("end"))}
	c.Status = campaign.Status(f.Get("status"))
	c.Tags = []string{}
	for _, t := range strings.Split(f.Get("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			c.Tags = append(c.Tags, t)
		}
	}
	c.UTMSource, c.UTMMedium, c.UTMCampaign = f.Get("utm_source"), f.Get("utm_medium"), f.Get("utm_campaign")
}

func (st *studio) renderCampaignForm(w http.ResponseWriter, r *http.Request, status int, pg *page, id int64) {
	pg.Data = campaignFormData{ID: id, Statuses: campaign.Statuses, Plan: planRowsOf(pg.Form)}
	st.render(w, r, status, "campaign_form", pg)
}

func (st *studio) campaignNew(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "campaigns.new.title")
	pg.Form.Set("status", string(campaign.Draft))
	st.renderCampaignForm(w, r, http.StatusOK, pg, 0)
}

// saveCampaignForm validates the plan rows of the posted form; on a
// problem it renders the form again with 422 and returns false.
func (st *studio) planOrFail(w http.ResponseWriter, r *http.Request, pg *page, id int64) (campaign.Plan, map[string]string, bool) {
	plan, renames, bad := planFromForm(r.PostForm)
	if len(bad) > 0 {
		for k, v := range bad {
			pg.Errors[k] = pg.L.T(v)
		}
		st.renderCampaignForm(w, r, http.StatusUnprocessableEntity, pg, id)
		return plan, renames, false
	}
	return plan, renames, true
}

// renameRow maps a service row ("objectives.1.title") to the form's row.
func renameRow(renames map[string]string) func(string) string {
	return func(name string) string {
		for from, to := range renames {
			if rest, ok := strings.CutPrefix(name, from); ok {
				return to + rest
			}
		}
		return name
	}
}

func (st *studio) campaignCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	pg := st.studioPage(r, o, "campaigns.new.title")
	pg.Form = r.PostForm
	plan, renames, ok := st.planOrFail(w, r, pg, 0)
	if !ok {
		return
	}
	var c campaign.Campaign
	campaignFromForm(r.PostForm, &c)
	err := st.svc.Create(r.Context(), httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r), o, &c, &plan)
	if studioFieldError(pg, err, renameRow(renames)) {
		st.renderCampaignForm(w, r, http.StatusUnprocessableEntity, pg, 0)
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL(fmt.Sprintf("campaigns/%d?done=created", c.ID)))
}

// ownerOnly loads campaign {id} for editing: only the owner's members
// change a campaign itself (partners contribute content).
func (st *studio) ownerOnly(w http.ResponseWriter, r *http.Request, o org.Org) (campaign.Access, campaign.Plan, bool) {
	ac, plan, err := st.loadCampaign(r, o)
	if err == nil && ac.Campaign.OrgID != o.ID {
		err = authz.ErrForbidden
	}
	if err != nil {
		st.fail(w, r, err)
		return ac, plan, false
	}
	return ac, plan, true
}

func (st *studio) campaignEdit(w http.ResponseWriter, r *http.Request, o org.Org) {
	ac, plan, ok := st.ownerOnly(w, r, o)
	if !ok {
		return
	}
	pg := st.studioPage(r, o, "campaigns.edit.title", "Title", ac.Campaign.Title)
	fillCampaignForm(pg.Form, ac.Campaign, plan)
	st.renderCampaignForm(w, r, http.StatusOK, pg, ac.Campaign.ID)
}

func (st *studio) campaignSave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	ac, _, ok := st.ownerOnly(w, r, o)
	if !ok {
		return
	}
	pg := st.studioPage(r, o, "campaigns.edit.title", "Title", ac.Campaign.Title)
	pg.Form = r.PostForm
	plan, renames, ok := st.planOrFail(w, r, pg, ac.Campaign.ID)
	if !ok {
		return
	}
	_, err := st.svc.Update(r.Context(), httpx.PrincipalFrom(r.Context()), ac.Campaign.ID, func(c *campaign.Campaign) { campaignFromForm(r.PostForm, c) }, &plan)
	if studioFieldError(pg, err, renameRow(renames)) {
		st.renderCampaignForm(w, r, http.StatusUnprocessableEntity, pg, ac.Campaign.ID)
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL(fmt.Sprintf("campaigns/%d?done=saved", ac.Campaign.ID)))
}

// The campaign page.

// variantRow is a variant as lists show it.
type variantRow struct {
	campaign.Variant
	ItemTitle   string
	AccountName string
	Local       string // scheduled time in the organisation's time zone
}

// StateKey is the message ID of the variant's state.
func (v variantRow) StateKey() string { return stateKey(v.State) }

func stateKey(s campaign.State) string { return "variant.state." + string(s) }

type weekGroup struct {
	Label string // the Monday of the week, or "" for unscheduled variants
	Rows  []variantRow
}

type campaignPageData struct {
	C          campaign.Campaign
	StatusKey  string
	Brief      template.HTML
	Plan       campaign.Plan
	Owner      org.Org
	Partners   []org.Org
	IsOwner    bool // the page's organisation owns the campaign
	CanEdit    bool // … and the user may change it
	CanAdd     bool // the user may add content for the page's organisation
	Weeks      []weekGroup
	Empty      []campaign.Item // items without variants
	Confirm    *org.Org        // the partner whose removal is being confirmed
	TimeZone   string
	PartnerRef string
}

// Percent is an objective's progress in whole percent.
func (campaignPageData) Percent(o campaign.Objective) int { return int(o.Progress()*100 + 0.5) }

// Langs lists a key message's languages in order.
func (campaignPageData) Langs(m campaign.KeyMessage) []string {
	out := make([]string, 0, len(m.Translations))
	for l := range m.Translations {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// location is the organisation's time zone (UTC when it does not load).
func location(o org.Org) *time.Location {
	if loc, err := time.LoadLocation(o.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// accountNames names the channel accounts of the organisations that
// contributed variants.
func (st *studio) accountNames(r *http.Request, vs []campaign.Variant) map[int64]channel.Account {
	out := map[int64]channel.Account{}
	seen := map[int64]bool{}
	for _, v := range vs {
		if seen[v.OrgID] {
			continue
		}
		seen[v.OrgID] = true
		accs, err := channel.List(r.Context(), st.DB.R(), v.OrgID, true)
		if err != nil {
			continue
		}
		for _, a := range accs {
			out[a.ID] = a
		}
	}
	return out
}

func (st *studio) campaignPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, confirm int64) {
	ac, plan, err := st.loadCampaign(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	c := ac.Campaign
	items, err := st.svc.Items(r.Context(), httpx.PrincipalFrom(r.Context()), c.ID)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg.Title = c.Title
	names := st.orgNames(r, append([]int64{c.OrgID}, c.Partners...)...)
	d := campaignPageData{C: c, StatusKey: "campaigns.status." + string(c.Status), Brief: st.renderMarkdown(c.Brief), Plan: plan,
		Owner: names[c.OrgID], IsOwner: c.OrgID == o.ID, TimeZone: o.TimeZone}
	d.CanEdit = d.IsOwner && pg.Can(authz.EditCampaigns)
	d.CanAdd = pg.Can(authz.EditCampaigns)
	for _, id := range c.Partners {
		if p, ok := names[id]; ok {
			d.Partners = append(d.Partners, p)
			if id == confirm {
				d.Confirm = &p
			}
		}
	}
	if confirm != 0 && d.Confirm == nil {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	var all []campaign.Variant
	for _, it := range items {
		all = append(all, it.Variants...)
	}
	accs := st.accountNames(r, all)
	loc := location(o)
	byWeek := map[string]int{}
	var unscheduled []variantRow
	for _, it := range items {
		if len(it.Variants) == 0 {
			d.Empty = append(d.Empty, it)
		}
		for _, v := range it.Variants {
			row := variantRow{Variant: v, ItemTitle: itemTitle(it), AccountName: accs[v.ChannelAccountID].Name}
			if v.ScheduledAt == nil {
				unscheduled = append(unscheduled, row)
				continue
			}
			t := v.ScheduledAt.In(loc)
			row.Local = localWhen(pg, t)
			monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)).Format("2006-01-02")
			i, ok := byWeek[monday]
			if !ok {
				i = len(d.Weeks)
				byWeek[monday] = i
				d.Weeks = append(d.Weeks, weekGroup{Label: monday})
			}
			d.Weeks[i].Rows = append(d.Weeks[i].Rows, row)
		}
	}
	slices.SortFunc(d.Weeks, func(a, b weekGroup) int { return strings.Compare(a.Label, b.Label) })
	for _, g := range d.Weeks {
		slices.SortFunc(g.Rows, func(a, b variantRow) int { return a.ScheduledAt.Compare(*b.ScheduledAt) })
	}
	if len(unscheduled) > 0 {
		d.Weeks = append(d.Weeks, weekGroup{Rows: unscheduled})
	}
	pg.Data = d
	st.render(w, r, status, "campaign", pg)
}

// itemTitle is an item's title, or the start of its master text.
func itemTitle(it campaign.Item) string {
	if it.Title != "" {
		return it.Title
	}
	r := []rune(strings.Join(strings.Fields(it.Text), " "))
	if len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return string(r)
}

func (st *studio) campaignShow(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "campaigns.title")
	switch r.URL.Query().Get("done") {
	case "created":
		pg.Notice = pg.L.T("campaigns.notice.created")
	case "saved":
		pg.Notice = pg.L.T("campaigns.notice.saved")
	case "partner_added":
		pg.Notice = pg.L.T("partners.notice.added")
	case "partner_removed":
		pg.Notice = pg.L.T("partners.notice.removed")
	}
	st.campaignPage(w, r, o, http.StatusOK, pg, 0)
}

// Partners.

func (st *studio) partnerAdd(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	ac, _, ok := st.ownerOnly(w, r, o)
	if !ok {
		return
	}
	pg := st.studioPage(r, o, "campaigns.title")
	ref := strings.TrimSpace(r.PostForm.Get("partner"))
	pg.Form.Set("partner", ref)
	var partner org.Org
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
		partner, err = org.GetOrg(r.Context(), st.DB.R(), id)
	} else if ref != "" && len(ref) <= 64 {
		partner, err = org.GetOrgBySlug(r.Context(), st.DB.R(), strings.ToLower(ref))
	} else {
		err = db.ErrNotFound
	}
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		st.fail(w, r, err)
		return
	}
	if err == nil {
		err = st.svc.AddPartner(r.Context(), httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r), ac.Campaign.ID, partner.ID)
	}
	switch {
	case err == nil:
		redirect(w, r, pg.OrgURL(fmt.Sprintf("campaigns/%d?done=partner_added#partners-h", ac.Campaign.ID)))
	case errors.Is(err, db.ErrNotFound):
		pg.Errors["partner"] = pg.L.T("partners.error.unknown")
		st.campaignPage(w, r, o, http.StatusUnprocessableEntity, pg, 0)
	case studioFieldError(pg, err, func(string) string { return "partner" }):
		st.campaignPage(w, r, o, http.StatusUnprocessableEntity, pg, 0)
	default:
		st.fail(w, r, err)
	}
}

func (st *studio) partnerRemoveConfirm(w http.ResponseWriter, r *http.Request, o org.Org) {
	if _, _, ok := st.ownerOnly(w, r, o); !ok {
		return
	}
	pid, ok := pathID(r, "partner")
	if !ok {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	st.campaignPage(w, r, o, http.StatusOK, st.studioPage(r, o, "campaigns.title"), pid)
}

func (st *studio) partnerRemove(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	ac, _, ok := st.ownerOnly(w, r, o)
	if !ok {
		return
	}
	pid, ok := pathID(r, "partner")
	if !ok {
		st.errorPage(w, r, http.StatusNotFound)
		return
	}
	if err := st.svc.RemovePartner(r.Context(), httpx.PrincipalFrom(r.Context()), httpx.ActorFrom(r), ac.Campaign.ID, pid); err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/o/%s/campaigns/%d?done=partner_removed", o.Slug, ac.Campaign.ID))
}
