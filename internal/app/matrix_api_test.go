package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
)

// apiRouteCases are the matrix entries of the JSON API (see matrix_test.go).
// Requests that an allowed caller makes succeed: what they act on is created
// per request by params.
var apiRouteCases = map[string]routeCase{
	// The academy's entries are in matrix_academy_test.go (academyAPICases).
	"GET /api/v1/openapi.json": {},
	// An area's OpenAPI document, public like openapi.json.
	"GET /api/v1/openapi/{document}": {
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			return map[string]string{"document": "academy.json"}
		},
		allowed: []int{200},
	},
	"GET /api/":        {},
	"GET /api/v1/me":   {},
	"GET /api/v1/orgs": {},
	"POST /api/v1/orgs": {
		// A mission of A: only A's admin (ManageOrg on the parent) and the
		// programme organiser may create it.
		body: `{"name":"Mission {n}","slug":"matrix-mission-{n}","kind":"mission","parent_id":{parent}}`,
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			return map[string]string{"parent": itoa(f.A.ID)}
		},
		signedWant: func(f *Fixture, u *TestUser) int {
			if u == f.Members[authz.Admin] || u == f.Organiser {
				return http.StatusCreated
			}
			return http.StatusForbidden
		},
	},
	"GET /api/v1/orgs/{org}": {allowed: []int{200}},
	"PATCH /api/v1/orgs/{org}": {
		body:    `{"name":"Ministry Alpha of Foreign Affairs","time_zone":"Europe/Tirane"}`,
		allowed: []int{200},
	},
	"GET /api/v1/orgs/{org}/members": {allowed: []int{200}},
	"PUT /api/v1/orgs/{org}/members/{user}": {
		// Re-affirms the participant's role: allowed, and changes nothing.
		body: `{"role":"participant"}`,
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			return map[string]string{"user": itoa(f.Members[authz.Participant].ID)}
		},
		allowed: []int{200},
	},
	"DELETE /api/v1/orgs/{org}/members/{user}": {
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			n := f.Seq()
			v := f.NewUser(t, fmt.Sprintf("removable%d@example.org", n), fmt.Sprintf("Removable %d", n))
			f.AddMember(t, f.A, v, authz.Analyst)
			return map[string]string{"user": itoa(v.ID)}
		},
		allowed: []int{204},
	},
	"GET /api/v1/orgs/{org}/invitations": {allowed: []int{200}},
	"POST /api/v1/orgs/{org}/invitations": {
		body:    `{"email":"invitee{n}@example.org","role":"editor"}`,
		allowed: []int{201},
	},
	"DELETE /api/v1/orgs/{org}/invitations/{id}": {
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			inv, _, err := f.Auth.Invite(context.Background(), audit.System, f.A, fmt.Sprintf("revocable%d@example.org", f.Seq()), authz.Editor)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"id": itoa(inv.ID)}
		},
		allowed: []int{204},
	},
	"GET /api/v1/orgs/{org}/audit": {allowed: []int{200}},

	// Campaign studio, organisation routes.
	"GET /api/v1/orgs/{org}/campaigns": {allowed: []int{200}},
	"POST /api/v1/orgs/{org}/campaigns": {
		body:    `{"title":"Matrix campaign {n}","period":{"start":"2026-12-01","end":"2026-12-31"},"tags":["matrix"]}`,
		allowed: []int{201},
	},
	"GET /api/v1/orgs/{org}/channel-accounts": {allowed: []int{200}},
	"POST /api/v1/orgs/{org}/channel-accounts": {
		body:    `{"network":"telegram","name":"Matrix channel {n}","handle":"@matrix{n}","language":"uk"}`,
		allowed: []int{201},
	},
	"PATCH /api/v1/orgs/{org}/channel-accounts/{id}":  {params: newAccountOfA, body: `{"name":"Renamed {n}"}`, allowed: []int{200}},
	"DELETE /api/v1/orgs/{org}/channel-accounts/{id}": {params: newAccountOfA, allowed: []int{204}},
	"GET /api/v1/orgs/{org}/approval-policy":          {allowed: []int{200}},
	// The default policy, set explicitly: the approval cases below rely on it.
	"PUT /api/v1/orgs/{org}/approval-policy": {body: `{"steps":1,"roles":["reviewer","admin"]}`, allowed: []int{200}},
	"GET /api/v1/orgs/{org}/calendar":        {query: "from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z", allowed: []int{200}},

	// Campaign studio, resource routes: {id} is made per request in the
	// organisation the request is aimed at (see checkResource).
	"GET /api/v1/campaigns/{id}":   {resource: campaignIn, allowed: []int{200}},
	"PATCH /api/v1/campaigns/{id}": {resource: campaignIn, body: `{"brief":"Changed by the matrix {n}"}`, allowed: []int{200}},
	"POST /api/v1/campaigns/{id}/partners": {
		resource: campaignIn, body: `{"org_id":"{partner}"}`, allowed: []int{200},
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			return map[string]string{"partner": itoa(f.Programme.ID)}
		},
	},
	"DELETE /api/v1/campaigns/{id}/partners/{org}": {
		resource: jointCampaignIn, allowed: []int{204},
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			return map[string]string{"org": itoa(f.Programme.ID)}
		},
	},
	"GET /api/v1/campaigns/{id}/items": {resource: campaignIn, allowed: []int{200}},
	"POST /api/v1/campaigns/{id}/items": {
		resource: campaignIn, params: accountOfA, allowed: []int{201},
		body: `{"title":"Matrix item {n}","text":"Matrix text {n}","variants":[{"channel_account_id":{account},"language":"uk","text":"Matrix variant {n}","scheduled_at":"2026-12-05T10:00:00+02:00"}]}`,
	},
	"GET /api/v1/items/{id}":   {resource: itemIn, allowed: []int{200}},
	"PATCH /api/v1/items/{id}": {resource: itemIn, body: `{"title":"Renamed {n}"}`, allowed: []int{200}},
	"POST /api/v1/items/{id}/variants": {
		resource: itemIn, params: accountOfA, allowed: []int{201},
		body: `{"channel_account_id":"{account}","language":"en","text":"Another variant {n}"}`,
	},
	"GET /api/v1/variants/{id}":         {resource: variantIn, allowed: []int{200}},
	"GET /api/v1/variants/{id}/metrics": {resource: variantIn, allowed: []int{200}},
	"PATCH /api/v1/variants/{id}":       {resource: variantIn, body: `{"text":"Edited {n}"}`, allowed: []int{200}},
	"POST /api/v1/variants/{id}/submit": {resource: variantIn, allowed: []int{200}},
	// Approval is for readers (UseCampaigns) whose role the organisation's
	// policy names (default: reviewer, admin), and never for an author: the
	// variant is written by A's editor.
	"POST /api/v1/variants/{id}/approve": {resource: submittedVariantIn, want: approverStatuses},
	"POST /api/v1/variants/{id}/request-changes": {
		resource: submittedVariantIn, body: `{"comment":"Please shorten it {n}"}`, want: approverStatuses,
	},
	// Attachments (api_media_test.go). The matrix sends JSON: an upload
	// needs multipart/form-data, so an allowed caller gets 415 here.
	"GET /api/v1/items/{id}/media":   {resource: itemIn, allowed: []int{200}},
	"POST /api/v1/items/{id}/media":  {resource: itemIn, body: `{"alt_text":"x"}`, allowed: []int{415}},
	"PATCH /api/v1/media/{id}":       {resource: mediaIn, body: `{"alt_text":"New alt text {n}"}`, allowed: []int{200}},
	"DELETE /api/v1/media/{id}":      {resource: mediaIn, allowed: []int{204}},
	"GET /api/v1/media/{id}/content": {resource: mediaIn, allowed: []int{200}},
	// Templates, import and export (api_importexport_test.go has the
	// helpers). The matrix sends JSON: an import needs CSV, so an allowed
	// caller gets 415.
	"POST /api/v1/campaigns/{id}/imports":                       {resource: campaignIn, body: `{"x":1}`, allowed: []int{415}},
	"GET /api/v1/imports/{id}":                                  {resource: importJobIn, allowed: []int{200}},
	"GET /api/v1/campaigns/{id}/export.csv":                     {resource: campaignIn, allowed: []int{200}},
	"GET /api/v1/campaigns/{id}/export.pdf":                     {resource: campaignIn, allowed: []int{200}},
	"GET /api/v1/orgs/{org}/campaign-templates":                 {allowed: []int{200}},
	"POST /api/v1/orgs/{org}/campaign-templates":                {body: `{"name":"Matrix {n}","body":{"duration_days":3}}`, allowed: []int{201}},
	"GET /api/v1/orgs/{org}/campaign-templates/{id}":            {params: templateOfA, allowed: []int{200}},
	"DELETE /api/v1/orgs/{org}/campaign-templates/{id}":         {params: templateOfA, allowed: []int{204}},
	"POST /api/v1/orgs/{org}/campaign-templates/{id}/campaigns": {params: templateOfA, body: `{"title":"From template {n}","start":"2027-01-04"}`, allowed: []int{201}},

	"GET /api/v1/tokens": {signedWant: func(*Fixture, *TestUser) int { return http.StatusOK }},
	"POST /api/v1/tokens": {
		body:       `{"name":"matrix {n}","expires_in_days":30}`,
		signedWant: func(*Fixture, *TestUser) int { return http.StatusCreated },
	},
	"DELETE /api/v1/tokens/{id}": {
		// Each caller revokes a token of their own.
		params: func(t *testing.T, f *Fixture, u *TestUser) map[string]string {
			if u == nil {
				return map[string]string{"id": "1"}
			}
			_, tok, err := f.Auth.CreateToken(context.Background(), audit.System, u.ID, "to revoke", 0)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"id": itoa(tok.ID)}
		},
		signedWant: func(*Fixture, *TestUser) int { return http.StatusNoContent },
	},
	// Coordination (api_coordination_test.go has the helpers).
	"GET /api/v1/campaigns/{id}/participants": {resource: campaignIn, allowed: []int{200}},
	"GET /api/v1/campaigns/{id}/tasks":        {resource: campaignIn, allowed: []int{200}},
	"POST /api/v1/campaigns/{id}/tasks":       {resource: campaignIn, body: `{"title":"Matrix task {n}","kind":"drafting"}`, allowed: []int{201}},
	"GET /api/v1/tasks/{id}":                  {resource: taskIn, allowed: []int{200}},
	"PATCH /api/v1/tasks/{id}":                {resource: taskIn, body: `{"status":"doing"}`, allowed: []int{200}},
	"DELETE /api/v1/tasks/{id}":               {resource: taskIn, allowed: []int{204}},
	"GET /api/v1/tasks":                       {signedWant: func(*Fixture, *TestUser) int { return http.StatusOK }},
	"GET /api/v1/items/{id}/comments":         {resource: itemIn, allowed: []int{200}},
	"POST /api/v1/items/{id}/comments":        {resource: itemIn, body: `{"body":"Matrix comment {n}"}`, allowed: []int{201}},
	"GET /api/v1/items/{id}/amplification":    {resource: itemIn, allowed: []int{200}},
	"POST /api/v1/items/{id}/amplification":   {resource: itemIn, params: missionParam, body: `{"org_ids":[{mission}]}`, allowed: []int{201}},
	"GET /api/v1/orgs/{org}/amplification":    {allowed: []int{200}},
	"POST /api/v1/amplification/{id}/accept":  {resource: ampRequestIn, params: missionParam, body: `{"channel_account_id":{account}}`, allowed: []int{200}},
	"POST /api/v1/amplification/{id}/adapt":   {resource: ampRequestIn, params: missionParam, body: `{"channel_account_id":{account},"text":"Adapted {n}"}`, allowed: []int{200}},
	"POST /api/v1/amplification/{id}/decline": {resource: ampRequestIn, body: `{"note":"Matrix reason {n}"}`, allowed: []int{200}},
	"GET /api/v1/notifications":               {signedWant: func(*Fixture, *TestUser) int { return http.StatusOK }},
	"POST /api/v1/notifications/read":         {body: `{"all":true}`, signedWant: func(*Fixture, *TestUser) int { return http.StatusOK }},
}

// approverStatuses is what each role of A gets when deciding on a variant
// in review written by A's editor, under the default approval policy.
var approverStatuses = map[authz.Role]int{
	authz.Admin:       http.StatusOK,
	authz.Editor:      http.StatusForbidden, // the author: four eyes
	authz.Reviewer:    http.StatusOK,
	authz.Analyst:     http.StatusForbidden, // reads campaigns, does not approve
	authz.Trainer:     http.StatusForbidden, // no campaigns at all
	authz.Participant: http.StatusForbidden,
	authz.Alumni:      http.StatusForbidden,
}
