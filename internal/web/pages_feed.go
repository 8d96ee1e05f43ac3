package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/feed"
	"github.com/attache-project/attache/internal/httpx"
	"github.com/attache-project/attache/internal/org"
)

// registerFeeds adds the public pages of an organisation's published
// statements: the Atom, RSS and JSON feeds at /{org}/feed.atom, .rss and
// .json (the contract of the publishing issue), a page listing the
// statements at /{org}/statements and one page per statement at
// /{org}/statements/{id}. No sign-in: what is published is public.
//
// One pattern, "GET /{org}/{path...}", takes them all. Literal patterns
// such as "GET /{org}/feed.atom" would make net/http's ServeMux panic at
// registration: they overlap "GET /static/{file}", "GET /invite/{token}",
// "GET /calendar/{file}" and the API's catch-all "GET /api/" (each matches
// /static/feed.atom or /api/feed.atom, and neither pattern is more
// specific). "GET /{org}/{path...}" is less specific than every route
// with two or more segments, so it never conflicts and only gets what no
// other route takes; any path other than the ones above is a 404, as it
// was from "GET /". An organisation whose slug is one of the first
// segments the application uses (api, static, o, invite, calendar …) has
// its feeds shadowed by those routes.
func (wb *Web) registerFeeds(rt *httpx.Router) {
	rt.Handle(httpx.Route{Method: "GET", Pattern: "/{org}/{path...}", Access: httpx.Public}, wb.optional(wb.publicOrgPath))
}

func (wb *Web) publicOrgPath(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if format, ok := feed.FormatOf(p); ok {
		wb.publicFeedFile(w, r, format)
		return
	}
	if p == "statements" {
		wb.publicStatements(w, r)
		return
	}
	if id, ok := strings.CutPrefix(p, "statements/"); ok {
		wb.publicStatement(w, r, id)
		return
	}
	wb.notFoundPage(w, r)
}

// publicOrg loads the organisation named in the path; false (after a 404)
// when there is none.
func (wb *Web) publicOrg(w http.ResponseWriter, r *http.Request) (org.Org, bool) {
	o, err := org.GetOrgBySlug(r.Context(), wb.DB.R(), r.PathValue("org"))
	if err != nil {
		if !errors.Is(err, db.ErrNotFound) {
			wb.Log.Error("public feed: org", "err", err)
			wb.errorPage(w, r, http.StatusInternalServerError)
			return o, false
		}
		wb.notFoundPage(w, r)
		return o, false
	}
	return o, true
}

func (wb *Web) publishedText() feed.TextFunc {
	if wb.Campaigns == nil {
		return nil
	}
	return wb.Campaigns.PublishText
}

func (wb *Web) publicFeed(w http.ResponseWriter, r *http.Request, o org.Org) (*feed.Feed, bool) {
	entries, err := feed.Entries(r.Context(), wb.DB.R(), o.ID, wb.publishedText())
	if err != nil {
		wb.fail(w, r, err)
		return nil, false
	}
	return feed.New(o.Name, o.Slug, wb.Config.BaseURL, o.CreatedAt, entries), true
}

func (wb *Web) publicStatements(w http.ResponseWriter, r *http.Request) {
	o, ok := wb.publicOrg(w, r)
	if !ok {
		return
	}
	if f, ok := wb.publicFeed(w, r, o); ok {
		wb.statementsPage(w, r, f, nil)
	}
}

func (wb *Web) publicFeedFile(w http.ResponseWriter, r *http.Request, format feed.Format) {
	o, ok := wb.publicOrg(w, r)
	if !ok {
		return
	}
	f, ok := wb.publicFeed(w, r, o)
	if !ok {
		return
	}
	var body bytes.Buffer
	if err := f.Render(&body, format); err != nil {
		wb.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Access-Control-Allow-Origin", "*")
	serveConditional(w, r, body.Bytes(), f.Updated)
}

// serveConditional answers with body, or 304 when the client's copy is
// current: If-None-Match (the ETag of the body) wins over
// If-Modified-Since (the newest entry's time), as RFC 9110 says.
func serveConditional(w http.ResponseWriter, r *http.Request, body []byte, modified time.Time) {
	etag := feed.ETag(body)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "public, max-age=60")
	notModified := false
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag {
				notModified = true
			}
		}
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !modified.Truncate(time.Second).After(t) {
			notModified = true
		}
	}
	if notModified {
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (wb *Web) publicStatement(w http.ResponseWriter, r *http.Request, ref string) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 {
		wb.notFoundPage(w, r)
		return
	}
	o, ok := wb.publicOrg(w, r)
	if !ok {
		return
	}
	e, err := feed.Get(r.Context(), wb.DB.R(), o.ID, id, wb.publishedText())
	if err != nil {
		wb.fail(w, r, err)
		return
	}
	f := feed.New(o.Name, o.Slug, wb.Config.BaseURL, o.CreatedAt, []feed.Entry{e})
	wb.statementsPage(w, r, f, &e)
}

// statementView is one statement on the public pages.
type statementView struct {
	Title, Lang, Link, Permalink string
	Published                    time.Time
	Body                         template.HTML
}

var statementsTemplate = template.Must(template.New("statements").Funcs(template.FuncMap{
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"date": func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
}).Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{with .CSS}}<link rel="stylesheet" href="{{.}}">{{end}}
<link rel="alternate" type="application/atom+xml" title="{{.Org}} (Atom)" href="{{.Atom}}">
<link rel="alternate" type="application/rss+xml" title="{{.Org}} (RSS)" href="{{.RSS}}">
<link rel="alternate" type="application/feed+json" title="{{.Org}} (JSON Feed)" href="{{.JSON}}">
</head>
<body>
<main class="public-statements">
<header><p><a href="{{.Home}}">{{.Org}}</a></p>{{if .One}}{{else}}<h1>{{.Org}}</h1>{{end}}</header>
{{range .Statements}}
<article lang="{{.Lang}}">
{{if $.One}}<h1>{{.Title}}</h1>{{else}}<h2><a href="{{.Permalink}}">{{.Title}}</a></h2>{{end}}
<p><time datetime="{{iso .Published}}">{{date .Published}}</time>{{if ne .Link .Permalink}} · <a href="{{.Link}}" rel="noopener">{{.Link}}</a>{{end}}</p>
<div class="statement-text"><p>{{.Body}}</p></div>
</article>
{{else}}
<p>Nothing has been published yet.</p>
{{end}}
<footer><p>Feeds: <a href="{{.Atom}}">Atom</a> · <a href="{{.RSS}}">RSS</a> · <a href="{{.JSON}}">JSON Feed</a></p></footer>
</main>
</body>
</html>
`))

// statementsPage renders the public list of an organisation's statements,
// or one statement.
func (wb *Web) statementsPage(w http.ResponseWriter, r *http.Request, f *feed.Feed, one *feed.Entry) {
	css, _ := wb.assets.url("app.css")
	d := struct {
		Title, Org, Lang, CSS, Home, Atom, RSS, JSON string
		One                                          bool
		Statements                                   []statementView
	}{Title: f.Title, Org: f.Title, Lang: f.Language, CSS: css, Home: f.HomeURL(),
		Atom: f.Path(feed.Atom.File()), RSS: f.Path(feed.RSS.File()), JSON: f.Path(feed.JSON.File()), One: one != nil}
	if d.Lang == "" {
		d.Lang = "en"
	}
	for _, e := range f.Entries {
		d.Statements = append(d.Statements, statementView{Title: e.Title, Lang: e.Language, Link: f.Link(e), Permalink: f.Permalink(e),
			Published: e.Published, Body: template.HTML(feed.HTML(e.Text))}) // #nosec: feed.HTML escapes the text
	}
	if one != nil {
		d.Title = one.Title + " — " + f.Title
	}
	var body bytes.Buffer
	if err := statementsTemplate.Execute(&body, d); err != nil {
		wb.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	serveConditional(w, r, body.Bytes(), f.Updated)
}
