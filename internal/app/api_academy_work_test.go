package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/testutil"
)

// Course work and certificates through the API: the trainer reads the
// frozen plan and accepts it with the rubric, which completes the course
// (the certificate is issued by the acceptance itself); the organiser
// lists the cohort's certificates and revokes one. Every answer matches
// the OpenAPI document.
func TestAPICourseWorkAndCertificates(t *testing.T) {
	ctx := context.Background()
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		f := NewFixture(t, e)
		o := loadOpenAPI(t, f.TestApp)
		params := webSubmissionOfA(t, f, nil)
		cohort, c := testCohortParams(t, f, params)
		sub := params["submission"]
		participant, trainer, admin := f.Members[authz.Participant], f.Members[authz.Trainer], f.Members[authz.Admin]
		// The capstone module's lesson, so that acceptance completes the course.
		if _, err := f.Academy.OpenLesson(ctx, principalOf(t, f, participant), cohort, c.Modules[2].Lessons[0].ID, "", "en"); err != nil {
			t.Fatal(err)
		}
		call := func(name, method, pattern, path, token, body string, want int) Response {
			t.Helper()
			resp := f.Do(t, method, path, token, body)
			wantStatus(t, name, resp, want)
			o.validate(t, name, method, pattern, resp)
			return resp
		}

		const subPattern = "/api/v1/submissions/{id}"
		resp := call("the trainer reads the plan", "GET", subPattern, "/api/v1/submissions/"+sub, trainer.Token, "", 200)
		var got struct {
			State    string `json:"state"`
			Snapshot struct {
				Campaign struct {
					Title string `json:"title"`
				} `json:"campaign"`
			} `json:"snapshot"`
			CanDecide bool `json:"can_decide"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.State != "submitted" || !got.CanDecide || !strings.Contains(resp.Body, "Matrix plan") {
			t.Fatalf("the trainer's view: %v %+v %.400s", err, got, resp.Body)
		}
		call("the author reads it", "GET", subPattern, "/api/v1/submissions/"+sub, participant.Token, "", 200)

		const reviewPattern = "/api/v1/submissions/{id}/reviews"
		reviews := "/api/v1/submissions/" + sub + "/reviews"
		call("the author may not decide", "POST", reviewPattern, reviews, participant.Token, `{"levels":{"objectives":0,"audiences":0},"decision":"accept"}`, 403)
		r := call("a criterion without a level", "POST", reviewPattern, reviews, trainer.Token, `{"levels":{"objectives":0},"decision":"accept"}`, 422)
		if !strings.Contains(r.Body, "audiences") {
			t.Errorf("the error does not name the criterion: %s", r.Body)
		}
		call("revise without saying what", "POST", reviewPattern, reviews, trainer.Token, `{"levels":{"objectives":0,"audiences":1},"decision":"revise"}`, 422)
		call("an unknown field", "POST", reviewPattern, reviews, trainer.Token, `{"levels":{"objectives":0,"audiences":0},"grade":"A"}`, 400)
		r = call("accept", "POST", reviewPattern, reviews, trainer.Token, `{"levels":{"objectives":0,"audiences":0},"comments":{"objectives":"Measurable."},"comment":"A sound plan.","decision":"accept"}`, 201)
		if !strings.Contains(r.Body, `"points":8`) || !strings.Contains(r.Body, `"decision":"accept"`) {
			t.Errorf("the review: %s", r.Body)
		}
		call("decided already", "POST", reviewPattern, reviews, trainer.Token, `{"levels":{"objectives":0,"audiences":0},"decision":"accept"}`, 409)

		// The acceptance completed the course: the certificate is there.
		const listPattern = "/api/v1/cohorts/{id}/certificates"
		list := fmt.Sprintf("/api/v1/cohorts/%d/certificates", cohort)
		call("certificates, as the participant", "GET", listPattern, list, participant.Token, "", 403)
		resp = call("certificates", "GET", listPattern, list, admin.Token, "", 200)
		var ks struct {
			Certificates []struct {
				ID        int64  `json:"id"`
				Code      string `json:"code"`
				UserID    int64  `json:"user_id"`
				VerifyURL string `json:"verify_url"`
				Revoked   string `json:"revoked_at"`
			} `json:"certificates"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &ks); err != nil || len(ks.Certificates) != 1 || ks.Certificates[0].UserID != participant.ID ||
			!strings.HasSuffix(ks.Certificates[0].VerifyURL, "/verify/"+ks.Certificates[0].Code) {
			t.Fatalf("certificates after acceptance: %v %.500s", err, resp.Body)
		}
		k := ks.Certificates[0]
		call("certificates, as the trainer", "GET", listPattern, list, trainer.Token, "", 200)

		const revokePattern = "/api/v1/certificates/{id}/revoke"
		revoke := "/api/v1/certificates/" + strconv.FormatInt(k.ID, 10) + "/revoke"
		call("the trainer may not revoke", "POST", revokePattern, revoke, trainer.Token, `{"reason":"No"}`, 403)
		call("revoke without a reason", "POST", revokePattern, revoke, admin.Token, `{"reason":"  "}`, 422)
		resp = call("revoke", "POST", revokePattern, revoke, admin.Token, `{"reason":"Issued in error"}`, 200)
		if !strings.Contains(resp.Body, `"revoked_reason":"Issued in error"`) {
			t.Errorf("revoke: %s", resp.Body)
		}
		call("revoke again", "POST", revokePattern, revoke, admin.Token, `{"reason":"Twice"}`, 409)
		call("an unknown certificate", "POST", revokePattern, "/api/v1/certificates/987654321/revoke", admin.Token, `{"reason":"x"}`, 404)
		page := f.Do(t, "GET", "/verify/"+k.Code, "", "")
		wantBody(t, "the verification page", page, "has been revoked", "Issued in error")
	})
}
