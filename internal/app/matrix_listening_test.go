package app_test

// The matrix entries of listening's API: topics (read by everyone who
// listens, managed by analysts and admins) and mentions (read; handed in
// through the ingest endpoint by analysts and admins).

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/listen"
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
	"GET /api/v1/orgs/{org}/topics":         {allowed: []int{200}},
	"POST /api/v1/orgs/{org}/topics":        {body: `{"name":"Matrix topic {n}","query":"grain AND Kyiv"}`, allowed: []int{201}},
	"GET /api/v1/orgs/{org}/topics/{id}":    {params: topicOfA, allowed: []int{200}},
	"PATCH /api/v1/orgs/{org}/topics/{id}":  {params: topicOfA, body: `{"query":"grain OR Odesa"}`, allowed: []int{200}},
	"DELETE /api/v1/orgs/{org}/topics/{id}": {params: topicOfA, allowed: []int{204}},
	"GET /api/v1/orgs/{org}/mentions":       {query: "q=grain&lang=en", allowed: []int{200}},
	"POST /api/v1/orgs/{org}/mentions":      {body: `{"mentions":[{"id":"m{n}","text":"Grain from Kyiv {n}","lang":"en"}]}`, allowed: []int{200}},
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
	"POST /o/{org}/listening/import":      {web: true, body: "file=not-multipart", allowed: []int{400}},
	"GET /o/{org}/listening/imports/{id}": {web: true, params: importOfA, allowed: []int{200}},
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
