package app_test

// The matrix entries of the academy's course work (assignments,
// submissions, reviews, sandboxes, the grading queue) and their fixtures:
// a fresh cohort of the test course in A in which the participant has
// completed modules 1 and 2, so that the capstone (a peer-reviewed
// campaign plan) is open to them.

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/attache-project/attache/internal/academy"
	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
)

func init() {
	for k, v := range workAPICases {
		apiRouteCases[k] = v
	}
	for k, v := range workWebCases {
		webRouteCases[k] = v
	}
}

var workAPICases = map[string]routeCase{
	// Everyone gets their own queue (empty for those who grade nothing).
	"GET /api/v1/grading": {signedWant: func(*Fixture, *TestUser) int { return http.StatusOK }},
}

var workWebCases = map[string]routeCase{
	"GET /o/{org}/academy/cohorts/{cohort}/assignments/{assignment}": {web: true, params: webWorkOfA, want: cohortStatuses(200, 200, 200)},
	// Only participants hand in work; the participant hands in their
	// sandbox's campaign.
	"POST /o/{org}/academy/cohorts/{cohort}/assignments/{assignment}/submissions": {web: true, params: webPlanReadyOfA,
		body: "campaign_id={campaign}&body=Matrix plan {n}", want: cohortStatuses(403, 403, 303)},
	"POST /o/{org}/academy/cohorts/{cohort}/sandbox": {web: true, params: webWorkOfA, want: cohortStatuses(403, 403, 303)},
	"GET /o/{org}/academy/submissions":               {web: true, allowed: []int{200}},
	"GET /o/{org}/academy/submissions/{submission}":  {web: true, params: webSubmissionOfA, want: cohortStatuses(200, 200, 200)},
	// The trainer and the organiser decide; the author may not.
	"POST /o/{org}/academy/submissions/{submission}/review": {web: true, params: webSubmissionOfA,
		body: "level.objectives=0&level.audiences=1&comment=Matrix {n}&decision=accept", want: cohortStatuses(303, 303, 403)},
	"GET /o/{org}/academy/submissions/{submission}/file": {web: true, params: webSubmissionOfA, want: cohortStatuses(200, 200, 200)},
	// The queue is for those who grade: organisers and the cohorts' trainers.
	"GET /o/{org}/academy/grading": {web: true, params: webCohortOfA, want: map[authz.Role]int{
		authz.Admin: 200, authz.Trainer: 200, authz.Participant: 403,
		authz.Editor: 403, authz.Reviewer: 403, authz.Analyst: 403, authz.Alumni: 403}},
}

// webWorkOfA is a fresh cohort of A where the participant completed
// modules 1 and 2 (lessons done, quiz passed): {cohort}, {assignment} (the
// capstone of module 3).
func webWorkOfA(t *testing.T, f *Fixture, _ *TestUser) map[string]string {
	t.Helper()
	ctx := context.Background()
	h, c := newCohort(t, f, f.A)
	p := f.Members[authz.Participant]
	at := time.Now().UTC().Truncate(time.Microsecond)
	for _, m := range c.Modules[:2] {
		for _, l := range m.Lessons {
			if _, err := f.DB.W().ExecContext(ctx, `INSERT INTO lesson_progress (cohort_id, user_id, lesson_id, viewed_at, completed_at) VALUES (?, ?, ?, ?, ?)`,
				h.ID, p.ID, l.ID, at, at); err != nil {
				t.Fatal(err)
			}
		}
		if m.Quiz != nil {
			if _, err := f.DB.W().ExecContext(ctx, `INSERT INTO quiz_attempts (cohort_id, user_id, quiz_id, number, drawn, answers, score, max_score, passed, started_at, submitted_at)
				VALUES (?, ?, ?, 1, '[]', '{}', 1, 1, ?, ?, ?)`, h.ID, p.ID, m.Quiz.ID, true, at, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	return map[string]string{"cohort": itoa(h.ID), "assignment": itoa(c.Modules[2].Assignment.ID)}
}

// webPlanReadyOfA is webWorkOfA with the participant's sandbox and a
// campaign in it: {campaign}.
func webPlanReadyOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	t.Helper()
	ctx := context.Background()
	params := webWorkOfA(t, f, u)
	h, _ := testCohortParams(t, f, params)
	pp := principalOf(t, f, f.Members[authz.Participant])
	sb, err := f.Academy.OpenSandbox(ctx, pp, audit.System, h)
	if err != nil {
		t.Fatal(err)
	}
	pp = principalOf(t, f, f.Members[authz.Participant])
	c := campaign.Campaign{Title: "Matrix plan", Period: campaign.Period{Start: "2026-04-01", End: "2026-05-31"}}
	plan := &campaign.Plan{Objectives: []campaign.Objective{{Title: "Reach", Metric: "reach", TargetValue: 1000}}}
	if err := f.Campaigns.Create(ctx, pp, audit.System, sb, &c, plan); err != nil {
		t.Fatal(err)
	}
	params["campaign"] = itoa(c.ID)
	return params
}

// webSubmissionOfA is a submission of the participant in a fresh cohort
// of A: their campaign plan, with a note and (as a file assignment would
// have) an image, so that the file route serves something.
func webSubmissionOfA(t *testing.T, f *Fixture, u *TestUser) map[string]string {
	t.Helper()
	ctx := context.Background()
	params := webPlanReadyOfA(t, f, u)
	h, c := testCohortParams(t, f, params)
	campaignID, err := strconv.ParseInt(params["campaign"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	pp := principalOf(t, f, f.Members[authz.Participant])
	sub, err := f.Academy.Submit(ctx, pp, audit.System, h, c.Modules[2].Assignment.ID, academy.SubmitInput{CampaignID: campaignID, Body: "Matrix note"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	info, err := f.Academy.Files.Put(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.W().ExecContext(ctx, "UPDATE submissions SET file_sha = ?, file_name = ?, file_type = ?, file_size = ? WHERE id = ?",
		info.SHA256, "plan-diagram.png", info.ContentType, info.Size, sub.ID); err != nil {
		t.Fatal(err)
	}
	params["submission"] = itoa(sub.ID)
	return params
}
