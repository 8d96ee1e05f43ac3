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
	"GET /api/v1/openapi.json": {},
	"GET /api/":                {},
	"GET /api/v1/me":           {},
	"GET /api/v1/orgs":         {},
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
	"GET /api/v1/tokens":           {signedWant: func(*Fixture, *TestUser) int { return http.StatusOK }},
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
}
