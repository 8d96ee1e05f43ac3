package app_test

// The matrix entries of listening's API: topics (read by everyone who
// listens, managed by analysts and admins) and mentions (read; handed in
// through the ingest endpoint by analysts and admins); topic dashboards,
// alerts and sources (read by everyone who listens; acknowledged,
// added, changed, tested and removed by analysts and admins).

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/listen"
	"github.com/attache-project/attache/internal/signal"
	"github.com/attache-project/attache/internal/source"
)

func init() {
	for k, v := range listeningAPICases {
		apiRouteCases[k] = v
	}
	for k, v := range listeningWebCases {
		webRouteCases[k] = v
	}
}

var listeningAPICases = map[string]routeCase{
	"GET /api/v1/orgs/{org}/topics":            {allowed: []int{200}},
	"POST /api/v1/orgs/{org}/topics":           {body: `{"name":"Matrix topic {n}","query":"grain AND Kyiv"}`, allowed: []int{201}},
	"GET /api/v1/orgs/{org}/topics/{id}":       {params: topicOfA, allowed: []int{200}},
	"PATCH /api/v1/orgs/{org}/topics/{id}":     {params: topicOfA, body: `{"query":"grain OR Odesa"}`, allowed: []int{200}},
	"DELETE /api/v1/orgs/{org}/topics/{id}":    {params: topicOfA, allowed: []int{204}},
	"GET /api/v1/orgs/{org}/mentions":          {query: "q=grain&lang=en", allowed: []int{200}},
	"POST /api/v1/orgs/{org}/mentions":         {body: `{"mentions":[{"id":"m{n}","text":"Grain from Kyiv {n}","lang":"en"}]}`, allowed: []int{200}},
	"GET /api/v1/orgs/{org}/topics/{id}/stats": {params: topicOfA, query: "from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z", allowed: []int{200}},
	"GET /api/v1/orgs/{org}/alerts":            {query: "kind=coordination&open=true&limit=10", allowed: []int{200}},
	"GET /api/v1/orgs/{org}/alerts/{id}":       {params: alertOfA, allowed: []int{200}},
	// Each caller acknowledges a fresh alert; again would be a 200 too.
	"POST /api/v1/orgs/{org}/alerts/{id}/acknowledge": {params: alertOfA, allowed: []int{200}},
	"GET /api/v1/orgs/{org}/sources":                  {allowed: []int{200}},
	// A public IP literal: saving checks the address without DNS.
	"POST /api/v1/orgs/{org}/sources":        {body: `{"kind":"rss","config":{"url":"https://93.184.215.14/feed{n}.xml"},"interval_seconds":1200}`, allowed: []int{201}},
	"GET /api/v1/orgs/{org}/sources/{id}":    {params: sourceOfA, allowed: []int{200}},
	"PATCH /api/v1/orgs/{org}/sources/{id}":  {params: sourceOfA, body: `{"name":"Renamed {n}","config":{"url":"https://93.184.215.14/other{n}.xml"}}`, allowed: []int{200}},
	"DELETE /api/v1/orgs/{org}/sources/{id}": {params: sourceOfA, allowed: []int{204}},
	// The fixture's feed is on loopback, which the guarded client refuses
	// at once: the answer carries the refusal (200).
	"POST /api/v1/orgs/{org}/sources/{id}/test": {params: sourceOfA, allowed: []int{200}},
}

var listeningWebCases = map[string]routeCase{
	"POST /o/{org}/listening/preview":             {web: true, body: "name=Matrix topic {n}&query=grain AND Kyiv", allowed: []int{200}},
	"GET /o/{org}/listening":                      {web: true, query: "q=grain&lang=en", allowed: []int{200}},
	"POST /o/{org}/listening/topics":              {web: true, body: "name=Matrix topic {n}&query=grain AND Kyiv", allowed: []int{303}},
	"GET /o/{org}/listening/topics/{id}":          {web: true, params: topicOfA, allowed: []int{200}},
	"POST /o/{org}/listening/topics/{id}":         {web: true, params: topicOfA, body: "name=Renamed {n}&query=grain OR Odesa", allowed: []int{303}},
	"POST /o/{org}/listening/topics/{id}/archive": {web: true, params: topicOfA, allowed: []int{303}},
	"GET /o/{org}/listening/narratives/new":       {web: true, allowed: []int{200}},
	"GET /o/{org}/listening/import":               {web: true, allowed: []int{200}},
	// The matrix posts a urlencoded form: an upload needs multipart, 400.
	"POST /o/{org}/listening/import":                  {web: true, body: "file=not-multipart", allowed: []int{400}},
	"GET /o/{org}/listening/imports/{id}":             {web: true, params: importOfA, allowed: []int{200}},
	"GET /o/{org}/listening/alerts":                   {web: true, query: "kind=coordination&open=1", allowed: []int{200}},
	"GET /o/{org}/listening/alerts/{id}":              {web: true, params: alertOfA, allowed: []int{200}},
	"POST /o/{org}/listening/alerts/{id}/acknowledge": {web: true, params: alertOfA, allowed: []int{303}},
	"GET /o/{org}/listening/sources":                  {web: true, allowed: []int{200}},
	"POST /o/{org}/listening/sources":                 {web: true, body: "kind=rss&url=https://93.184.215.14/feed{n}.xml&interval=20&enabled=1", allowed: []int{303}},
	"GET /o/{org}/listening/sources/{id}":             {web: true, params: sourceOfA, allowed: []int{200}},
	"POST /o/{org}/listening/sources/{id}":            {web: true, params: sourceOfA, body: "name=Renamed {n}&url=https://93.184.215.14/other{n}.xml&interval=30", allowed: []int{303}},
	// The fixture's feed is on loopback, which the guarded client refuses
	// at once: the test shows the refusal (200).
	"POST /o/{org}/listening/sources/{id}/test":   {web: true, params: sourceOfA, allowed: []int{200}},
	"POST /o/{org}/listening/sources/{id}/delete": {web: true, params: sourceOfA, allowed: []int{303}},
}

// alertOfA is a fresh coordination alert of A: {id}.
func alertOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	now := time.Now().UTC()
	a := signal.Alert{OrgID: f.A.ID, Kind: signal.KindCoordination, Key: fmt.Sprintf("coord:matrix-%d", f.Seq()),
		Title: "Matrix cluster", Detail: json.RawMessage(`{"size":5,"mentions":[],"sample":"x"}`), WindowStart: now.Add(-time.Hour), WindowEnd: now}
	if _, err := signal.Raise(context.Background(), f.DB.W(), &a); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": itoa(a.ID)}
}

// sourceOfA is a fresh RSS source of A on loopback: {id}.
func sourceOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	s := source.Source{OrgID: f.A.ID, Kind: source.KindRSS, Config: json.RawMessage(fmt.Sprintf(`{"url":"http://127.0.0.1:9/feed-%d.xml"}`, f.Seq()))}
	if err := source.Create(context.Background(), f.DB.W(), &s); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": itoa(s.ID)}
}

// importOfA is a finished file import of A: {id}.
func importOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	now := time.Now().UTC()
	var id int64
	err := f.DB.W().QueryRowContext(context.Background(), `INSERT INTO listen_imports (org_id, filename, format, source, status,
		size_bytes, read_bytes, received, inserted, started_at, updated_at, finished_at)
		VALUES (?, 'posts.jsonl', 'jsonl', 'file', 'done', 10, 10, 1, 1, ?, ?, ?) RETURNING id`, f.A.ID, now, now, now).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": itoa(id)}
}

// topicOfA is a fresh topic of A: {id}.
func topicOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	tp := listen.Topic{OrgID: f.A.ID, Name: fmt.Sprintf("Matrix fixture %d", f.Seq()), Query: "grain"}
	if err := listen.CreateTopic(context.Background(), f.DB.W(), &tp); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": itoa(tp.ID)}
}
