package web

// The composer: an item's master text and one block per variant (channel
// account × language) with a live counter in the network's own unit, a
// preview, the schedule in the organisation's time zone, and the problems.

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/i18n"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/valid"
)

// newBlocks is how many empty variant blocks a new item offers.
const newBlocks = 3

const localLayout = "2006-01-02T15:04"

// counterData is the live counter of one variant block.
type counterData struct {
	L        *i18n.Localizer
	DOM      string // id prefix of the block's elements
	Chosen   bool   // an account is chosen
	Length   int
	Limit    int
	Unit     string
	Problems []string
	UTC      string // the scheduled time in UTC, when one is entered
	OOB      bool
}

// OK reports whether the text fits.
func (c counterData) OK() bool { return c.Chosen && len(c.Problems) == 0 }

// previewSeg is a run of preview text: plain, or a link.
type previewSeg struct {
	Text string
	Link bool
}

// previewData is how the post will look on its network.
type previewData struct {
	L        *i18n.Localizer
	DOM      string
	Network  limits.Network
	Label    string
	Name     string
	Handle   string
	Language string
	Segs     []previewSeg
	OOB      bool
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// segments splits a text into plain runs and links.
func segments(text string) []previewSeg {
	var out []previewSeg
	last := 0
	for _, m := range linkRE.FindAllStringIndex(text, -1) {
		if m[0] > last {
			out = append(out, previewSeg{Text: text[last:m[0]]})
		}
		out = append(out, previewSeg{Text: text[m[0]:m[1]], Link: true})
		last = m[1]
	}
	if last < len(text) {
		out = append(out, previewSeg{Text: text[last:]})
	}
	return out
}

var unitKeys = map[string]string{
	limits.UnitWeighted:   "composer.unit.weighted",
	limits.UnitGraphemes:  "composer.unit.graphemes",
	limits.UnitCharacters: "composer.unit.characters",
	limits.UnitUTF16:      "composer.unit.utf16",
	limits.UnitBytes:      "composer.unit.bytes",
	limits.UnitHashtags:   "composer.unit.hashtags",
}

func unitName(l *i18n.Localizer, unit string) string {
	if k, ok := unitKeys[unit]; ok {
		return l.T(k)
	}
	return unit
}

// problems says, in the reader's language, what is over the limit.
func problems(l *i18n.Localizer, m limits.Measure) []string {
	var out []string
	label := limits.Label(m.Network)
	if m.Length > m.Limit {
		out = append(out, l.T("composer.problem.length", "Network", label, "Length", m.Length, "Limit", m.Limit, "Unit", unitName(l, m.Unit)))
	}
	if m.ByteLimit > 0 && m.Bytes > m.ByteLimit {
		out = append(out, l.T("composer.problem.bytes", "Network", label, "Length", m.Bytes, "Limit", m.ByteLimit))
	}
	if m.HashtagLimit > 0 && m.Hashtags > m.HashtagLimit {
		out = append(out, l.T("composer.problem.hashtags", "Network", label, "Length", m.Hashtags, "Limit", m.HashtagLimit))
	}
	return out
}

func measureCounter(l *i18n.Localizer, dom string, m limits.Measure) counterData {
	return counterData{L: l, DOM: dom, Chosen: true, Length: m.Length, Limit: m.Limit, Unit: unitName(l, m.Unit), Problems: problems(l, m)}
}

// fragment executes one named template of the composer page.
func (st *studio) fragment(name string, data any) template.HTML {
	var buf bytes.Buffer
	if err := st.pages["composer"].ExecuteTemplate(&buf, name, data); err != nil {
		st.Log.Error("web: fragment", "name", name, "err", err)
		return ""
	}
	return template.HTML(buf.String()) // #nosec G203 -- html/template output
}

// variantBlock is one variant in the composer: an existing one, or a form
// for a new one.
type variantBlock struct {
	Prefix   string // form field prefix
	DOM      string // id prefix
	Action   string // where its form posts
	Variant  *campaign.Variant
	Local    string // scheduled time in the organisation's time zone
	UTC      string
	CanEdit  bool
	Counter  template.HTML
	Preview  template.HTML
	Account  channel.Account
	Comments []campaign.Decision // requests for changes on the current version
	// Metrics of a published variant (nil before the first reading).
	Metrics *metricsView
}

// Published reports whether the block's variant is out.
func (b variantBlock) Published() bool {
	return b.Variant != nil && b.Variant.State == campaign.StatePublished
}

// StateKey is the message ID of the variant's state ("" for a new block).
func (b variantBlock) StateKey() string {
	if b.Variant == nil {
		return ""
	}
	return stateKey(b.Variant.State)
}

type composerData struct {
	C        campaign.Campaign
	Item     *campaign.Item
	Accounts []channel.Account
	Blocks   []variantBlock // the variants, or the new item's blocks
	Add      *variantBlock  // a block to add a variant to an existing item
	TimeZone string
	CanEdit  bool
}

// Inc is i+1, for numbering blocks from 1.
func (composerData) Inc(i int) int { return i + 1 }

// NetworkLabel names a network for people.
func (composerData) NetworkLabel(n limits.Network) string { return limits.Label(n) }

// parseLocal reads a datetime-local value in loc; "" is no time.
func parseLocal(s string, loc *time.Location) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			u := t.UTC()
			return &u, true
		}
	}
	return nil, false
}

func utcLabel(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// blockFromForm builds the counter and preview of a block from what was
// typed (for new blocks and for a form shown again after an error).
func (st *studio) blockPreview(l *i18n.Localizer, b *variantBlock, accs map[int64]channel.Account, f url.Values, loc *time.Location) {
	id, _ := strconv.ParseInt(f.Get(b.Prefix+"account"), 10, 64)
	acc, ok := accs[id]
	text := f.Get(b.Prefix + "text")
	c := counterData{L: l, DOM: b.DOM}
	if ok {
		c = measureCounter(l, b.DOM, limits.Count(acc.Network, text, acc.Options(false)))
		b.Account = acc
	}
	if t, ok := parseLocal(f.Get(b.Prefix+"at"), loc); ok {
		c.UTC = utcLabel(t)
	}
	b.Counter = st.fragment("counter", c)
	b.Preview = st.fragment("preview", previewData{L: l, DOM: b.DOM, Network: acc.Network, Label: limits.Label(acc.Network), Name: acc.Name, Handle: acc.Handle,
		Language: f.Get(b.Prefix + "language"), Segs: segments(text)})
}

// composer renders the composer of a new item (it == nil) or of item it.
func (st *studio) composer(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, c campaign.Campaign, it *campaign.Item) {
	ctx := r.Context()
	p := httpx.PrincipalFrom(ctx)
	accs, err := channel.List(ctx, st.DB.R(), o.ID, false)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	byID := map[int64]channel.Account{}
	for _, a := range accs {
		byID[a.ID] = a
	}
	loc := location(o)
	d := composerData{C: c, Item: it, Accounts: accs, TimeZone: o.TimeZone, CanEdit: pg.Can(authz.EditCampaigns)}
	if it == nil {
		for i := range newBlocks {
			b := variantBlock{Prefix: fmt.Sprintf("n%d.", i), DOM: fmt.Sprintf("n%d", i), CanEdit: d.CanEdit}
			st.blockPreview(pg.L, &b, byID, pg.Form, loc)
			d.Blocks = append(d.Blocks, b)
		}
		pg.Data = d
		st.render(w, r, status, "composer", pg)
		return
	}
	// Accounts of other organisations' variants (joint campaigns).
	others := st.accountNames(r, it.Variants)
	series, err := st.svc.ItemMetrics(ctx, p, it.ID)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	zone := zoneFor(pg)
	for i := range it.Variants {
		v := &it.Variants[i]
		b := variantBlock{Prefix: fmt.Sprintf("v%d.", v.ID), DOM: fmt.Sprintf("v%d", v.ID), Variant: v, UTC: utcLabel(v.ScheduledAt),
			Action: pg.OrgURL(fmt.Sprintf("variants/%d", v.ID)), CanEdit: authz.Can(p, v.OrgID, authz.EditCampaigns) && v.OrgID == o.ID}
		if v.ScheduledAt != nil {
			b.Local = v.ScheduledAt.In(loc).Format(localLayout)
		}
		// The form shows what is stored, unless it comes back with an error.
		if _, posted := pg.Form[b.Prefix+"text"]; !posted {
			pg.Form.Set(b.Prefix+"account", strconv.FormatInt(v.ChannelAccountID, 10))
			pg.Form.Set(b.Prefix+"language", v.Language)
			pg.Form.Set(b.Prefix+"text", v.Text)
			pg.Form.Set(b.Prefix+"at", b.Local)
		}
		merged := byID
		if _, ok := byID[v.ChannelAccountID]; !ok {
			merged = map[int64]channel.Account{v.ChannelAccountID: others[v.ChannelAccountID]}
			for k, a := range byID {
				merged[k] = a
			}
		}
		st.blockPreview(pg.L, &b, merged, pg.Form, loc)
		b.Metrics = buildMetrics(pg.L, b.DOM, limits.Label(v.Network), series[v.ID], zone)
		if v.State == campaign.StateChangesRequested {
			if _, _, ds, err := st.svc.GetVariant(ctx, p, v.ID); err == nil {
				for _, dec := range ds {
					if dec.Version == v.Version && dec.Decision == "request_changes" {
						b.Comments = append(b.Comments, dec)
					}
				}
			}
		}
		d.Blocks = append(d.Blocks, b)
	}
	if d.CanEdit {
		b := variantBlock{Prefix: "add.", DOM: "add", Action: pg.OrgURL(fmt.Sprintf("items/%d/variants", it.ID)), CanEdit: true}
		st.blockPreview(pg.L, &b, byID, pg.Form, loc)
		d.Add = &b
	}
	if _, posted := pg.Form["title"]; !posted {
		pg.Form.Set("title", it.Title)
		pg.Form.Set("text", it.Text)
		pg.Form.Set("link_url", it.LinkURL)
	}
	pg.Data = d
	st.render(w, r, status, "composer", pg)
}

// variantInput reads one block's fields. ok is false (with the error in
// place) when the time or the account does not parse.
func variantInput(pg *page, f url.Values, prefix string, loc *time.Location) (campaign.VariantInput, bool) {
	in := campaign.VariantInput{Language: strings.TrimSpace(f.Get(prefix + "language")), Text: f.Get(prefix + "text")}
	id, err := strconv.ParseInt(f.Get(prefix+"account"), 10, 64)
	if err != nil || id <= 0 {
		pg.Errors[prefix+"account"] = pg.L.T("composer.error.account")
		return in, false
	}
	in.ChannelAccountID = id
	t, ok := parseLocal(f.Get(prefix+"at"), loc)
	if !ok {
		pg.Errors[prefix+"at"] = pg.L.T("composer.error.time")
		return in, false
	}
	in.ScheduledAt = t
	return in, true
}

// variantError puts a service error about one block in place; it reports
// false for errors that are not about the input.
func variantError(pg *page, err error, prefix string) bool {
	var le *campaign.LengthError
	if errors.As(err, &le) {
		pg.Errors[prefix+"text"] = strings.Join(problems(pg.L, le.Measure), " ")
		pg.Errors["_"] = pg.L.T("composer.error.length")
		return true
	}
	return studioFieldError(pg, err, func(name string) string {
		// "variants.1.text" or "text" → the block's field.
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if name == "channel_account_id" {
			name = "account"
		}
		return prefix + name
	})
}

// Handlers.

func (st *studio) itemNew(w http.ResponseWriter, r *http.Request, o org.Org) {
	ac, _, err := st.loadCampaign(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "composer.new.title")
	st.composer(w, r, o, http.StatusOK, pg, ac.Campaign, nil)
}

func (st *studio) itemCreate(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	ac, _, err := st.loadCampaign(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "composer.new.title")
	pg.Form = r.PostForm
	f := r.PostForm
	loc := location(o)
	it := campaign.Item{Title: f.Get("title"), Text: f.Get("text"), LinkURL: strings.TrimSpace(f.Get("link_url"))}
	var vs []campaign.VariantInput
	var prefixes []string
	for i := range newBlocks {
		prefix := fmt.Sprintf("n%d.", i)
		if f.Get(prefix+"account") == "" {
			continue // an unused block
		}
		in, ok := variantInput(pg, f, prefix, loc)
		if ok {
			vs = append(vs, in)
			prefixes = append(prefixes, prefix)
		}
	}
	if len(pg.Errors) > 0 {
		st.composer(w, r, o, http.StatusUnprocessableEntity, pg, ac.Campaign, nil)
		return
	}
	err = st.svc.CreateItem(r.Context(), httpx.PrincipalFrom(r.Context()), ac.Campaign.ID, o.ID, &it, vs)
	if err != nil {
		// Name the block: the service counts only the blocks it was given.
		n := -1
		var le *campaign.LengthError
		var fe *valid.FieldError
		if errors.As(err, &le) {
			n = le.Index
		} else if errors.As(err, &fe) && strings.HasPrefix(fe.Field, "variants/") {
			_, _ = fmt.Sscanf(fe.Field, "variants/%d/", &n)
		}
		handled := false
		if n >= 0 && n < len(prefixes) {
			handled = variantError(pg, err, prefixes[n])
		} else {
			handled = studioFieldError(pg, err, nil)
		}
		if handled {
			st.composer(w, r, o, http.StatusUnprocessableEntity, pg, ac.Campaign, nil)
			return
		}
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL(fmt.Sprintf("items/%d?done=created", it.ID)))
}

// loadItem reads item {id} for a page of o.
func (st *studio) loadItem(r *http.Request, o org.Org) (campaign.Item, campaign.Access, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Item{}, campaign.Access{}, db.ErrNotFound
	}
	it, ac, err := st.svc.GetItem(r.Context(), httpx.PrincipalFrom(r.Context()), id)
	if err == nil && !visibleTo(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	return it, ac, err
}

func (st *studio) itemPage(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page) {
	it, ac, err := st.loadItem(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg.Title = pg.L.T("composer.title", "Title", itemTitle(it))
	st.composer(w, r, o, status, pg, ac.Campaign, &it)
}

func (st *studio) itemShow(w http.ResponseWriter, r *http.Request, o org.Org) {
	pg := st.studioPage(r, o, "composer.new.title")
	switch r.URL.Query().Get("done") {
	case "created":
		pg.Notice = pg.L.T("composer.notice.created")
	case "saved":
		pg.Notice = pg.L.T("composer.notice.saved")
	case "variant":
		pg.Notice = pg.L.T("composer.notice.variant")
	case "submitted":
		pg.Notice = pg.L.T("composer.notice.submitted")
	}
	st.itemPage(w, r, o, http.StatusOK, pg)
}

func (st *studio) itemSave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	it, _, err := st.loadItem(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "composer.new.title")
	pg.Form = r.PostForm
	_, err = st.svc.UpdateItem(r.Context(), httpx.PrincipalFrom(r.Context()), it.ID, func(x *campaign.Item) {
		x.Title, x.Text, x.LinkURL = r.PostForm.Get("title"), r.PostForm.Get("text"), strings.TrimSpace(r.PostForm.Get("link_url"))
	})
	if studioFieldError(pg, err, nil) {
		st.itemPage(w, r, o, http.StatusUnprocessableEntity, pg)
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL(fmt.Sprintf("items/%d?done=saved", it.ID)))
}

func (st *studio) variantAdd(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	it, _, err := st.loadItem(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "composer.new.title")
	pg.Form = r.PostForm
	in, ok := variantInput(pg, r.PostForm, "add.", location(o))
	if !ok {
		st.itemPage(w, r, o, http.StatusUnprocessableEntity, pg)
		return
	}
	_, err = st.svc.AddVariant(r.Context(), httpx.PrincipalFrom(r.Context()), it.ID, o.ID, in)
	if variantError(pg, err, "add.") {
		st.itemPage(w, r, o, http.StatusUnprocessableEntity, pg)
		return
	}
	if err != nil {
		st.fail(w, r, err)
		return
	}
	redirect(w, r, pg.OrgURL(fmt.Sprintf("items/%d?done=variant", it.ID)))
}

// loadVariant reads variant {id} for a page of o: its campaign must be
// o's or shared with o.
func (st *studio) loadVariant(r *http.Request, o org.Org) (campaign.Variant, []campaign.Version, []campaign.Decision, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return campaign.Variant{}, nil, nil, db.ErrNotFound
	}
	p := httpx.PrincipalFrom(r.Context())
	v, vers, ds, err := st.svc.GetVariant(r.Context(), p, id)
	if err != nil {
		return v, nil, nil, err
	}
	ac, _, err := st.svc.Get(r.Context(), p, v.CampaignID)
	if err == nil && !visibleTo(ac.Campaign, o) {
		err = db.ErrNotFound
	}
	return v, vers, ds, err
}

// itemAfter shows the item of variant v again with status (after an
// error in one of its blocks).
func (st *studio) itemAfter(w http.ResponseWriter, r *http.Request, o org.Org, status int, pg *page, v campaign.Variant) {
	r.SetPathValue("id", strconv.FormatInt(v.ItemID, 10))
	st.itemPage(w, r, o, status, pg)
}

func (st *studio) variantSave(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	v, _, _, err := st.loadVariant(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "composer.new.title")
	pg.Form = r.PostForm
	prefix := fmt.Sprintf("v%d.", v.ID)
	in, ok := variantInput(pg, r.PostForm, prefix, location(o))
	if !ok {
		st.itemAfter(w, r, o, http.StatusUnprocessableEntity, pg, v)
		return
	}
	_, err = st.svc.EditVariant(r.Context(), httpx.PrincipalFrom(r.Context()), v.ID, in, r.PostForm.Get(prefix+"reopen") == "on")
	switch {
	case err == nil:
		redirect(w, r, pg.OrgURL(fmt.Sprintf("items/%d?done=saved#v%d", v.ItemID, v.ID)))
	case errors.Is(err, campaign.ErrPublished):
		pg.Errors[prefix+"text"] = pg.L.T("composer.error.published")
		st.itemAfter(w, r, o, http.StatusConflict, pg, v)
	case errors.Is(err, campaign.ErrLocked):
		pg.Errors[prefix+"reopen"] = pg.L.T("composer.error.reopen")
		st.itemAfter(w, r, o, http.StatusConflict, pg, v)
	case variantError(pg, err, prefix):
		st.itemAfter(w, r, o, http.StatusUnprocessableEntity, pg, v)
	default:
		st.fail(w, r, err)
	}
}

func (st *studio) variantSubmit(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	v, _, _, err := st.loadVariant(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "composer.new.title")
	_, err = st.svc.Submit(r.Context(), httpx.PrincipalFrom(r.Context()), v.ID)
	switch {
	case err == nil:
		redirect(w, r, pg.OrgURL(fmt.Sprintf("items/%d?done=submitted#v%d", v.ItemID, v.ID)))
	case errors.Is(err, campaign.ErrWrongState):
		pg.Errors["_"] = pg.L.T("composer.error.state")
		st.itemAfter(w, r, o, http.StatusConflict, pg, v)
	case variantError(pg, err, fmt.Sprintf("v%d.", v.ID)):
		st.itemAfter(w, r, o, http.StatusUnprocessableEntity, pg, v)
	default:
		st.fail(w, r, err)
	}
}

var prefixRE = regexp.MustCompile(`^(n[0-9]|add|v[0-9]{1,19})\.$`)

// composerCount answers the composer's live counter (htmx): the counter
// of one block, with its preview and UTC time swapped in out of band.
func (st *studio) composerCount(w http.ResponseWriter, r *http.Request, o org.Org) {
	if !st.parseForm(w, r) {
		return
	}
	prefix := r.PostForm.Get("prefix")
	if !prefixRE.MatchString(prefix) {
		st.errorPage(w, r, http.StatusBadRequest)
		return
	}
	l := st.i18n.For(st.lang(r))
	dom := strings.TrimSuffix(prefix, ".")
	f := r.PostForm
	c := counterData{L: l, DOM: dom}
	pv := previewData{L: l, DOM: dom, Language: f.Get(prefix + "language"), Segs: segments(f.Get(prefix + "text")), OOB: true}
	if id, err := strconv.ParseInt(f.Get(prefix+"account"), 10, 64); err == nil && id > 0 {
		acc, err := channel.Get(r.Context(), st.DB.R(), o.ID, id)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			st.fail(w, r, err)
			return
		}
		if err == nil {
			c = measureCounter(l, dom, limits.Count(acc.Network, f.Get(prefix+"text"), acc.Options(false)))
			pv.Network, pv.Label, pv.Name, pv.Handle = acc.Network, limits.Label(acc.Network), acc.Name, acc.Handle
		}
	}
	if t, ok := parseLocal(f.Get(prefix+"at"), location(o)); ok {
		c.UTC = utcLabel(t)
	}
	var buf bytes.Buffer
	buf.WriteString(string(st.fragment("counter", c)))
	buf.WriteString(string(st.fragment("preview", pv)))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// Version history.

type versionRow struct {
	V    campaign.Version
	Diff []campaign.DiffPart // against the version before
}

type historyData struct {
	V        campaign.Variant
	Item     campaign.Item
	Versions []versionRow // newest first
	Chosen   *versionRow  // the version whose diff is shown
	Against  *campaign.Version
	Decs     []campaign.Decision
}

// StateKey is the variant's state's message ID.
func (d historyData) StateKey() string { return stateKey(d.V.State) }

func (st *studio) variantHistory(w http.ResponseWriter, r *http.Request, o org.Org) {
	v, vers, ds, err := st.loadVariant(r, o)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	it, _, err := st.svc.GetItem(r.Context(), httpx.PrincipalFrom(r.Context()), v.ItemID)
	if err != nil {
		st.fail(w, r, err)
		return
	}
	pg := st.studioPage(r, o, "history.title", "Title", itemTitle(it))
	d := historyData{V: v, Item: it, Decs: ds}
	want := v.Version
	if s := r.URL.Query().Get("v"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > v.Version {
			st.errorPage(w, r, http.StatusNotFound)
			return
		}
		want = n
	}
	for i := len(vers) - 1; i >= 0; i-- {
		row := versionRow{V: vers[i]}
		before := ""
		if i > 0 {
			before = vers[i-1].Text
		}
		row.Diff = campaign.Diff(before, vers[i].Text)
		d.Versions = append(d.Versions, row)
		if vers[i].Version == want && i > 0 {
			d.Against = &vers[i-1]
		}
	}
	for i := range d.Versions {
		if d.Versions[i].V.Version == want {
			d.Chosen = &d.Versions[i]
		}
	}
	pg.Data = d
	st.render(w, r, http.StatusOK, "item_history", pg)
}
