package publish_test

import (
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/publish"
	"github.com/attache-project/attache/internal/testutil"
	"github.com/attache-project/attache/internal/valid"
)

// A training sandbox (the academy's campaign-plan assignments) works like
// a real organisation up to "scheduled", and nothing of it is ever
// published: approval enqueues no job, EnqueueMissing leaves it out, and
// a job that reaches the worker anyway does not call the network.
func TestSandboxNeverPublishes(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		w := newWorld(t, e, 1, publish.EngineConfig{})
		if _, err := e.DB.W().ExecContext(ctx, "UPDATE orgs SET sandbox = ? WHERE id = ?", true, w.org.ID); err != nil {
			t.Fatal(err)
		}
		w.start()
		v := w.approve(w.submitted(0, time.Now().Add(-time.Minute), "Practice: the harvest is in"))
		if n := w.jobs(v.ID); n != 0 {
			t.Fatalf("approval in a sandbox enqueued %d jobs", n)
		}
		if err := e.DB.InTx(ctx, func(tx *db.Tx) error { return w.pub.EnqueueTx(ctx, tx, v.ID, v.Version, time.Now()) }); err != nil || w.jobs(v.ID) != 0 {
			t.Fatalf("EnqueueTx on a sandbox variant: %v, %d jobs", err, w.jobs(v.ID))
		}
		if n, err := w.pub.EnqueueMissing(ctx); err != nil || n != 0 {
			t.Fatalf("EnqueueMissing took a sandbox variant: %d %v", n, err)
		}
		// A job put in River's table by hand: the worker skips it.
		var job *rivertype.JobInsertResult
		err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			job, err = w.pub.Engine.InsertTx(ctx, tx, publish.Args{VariantID: v.ID, Version: v.Version}, &river.InsertOpts{MaxAttempts: 1})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			j, err := w.pub.Engine.Client.JobGet(ctx, job.Job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == rivertype.JobStateCompleted {
				break
			}
			if j.State == rivertype.JobStateDiscarded || time.Now().After(deadline) {
				t.Fatalf("the job is %s", j.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
		got := w.variant(v.ID)
		if got.State != campaign.StateScheduled || got.ExternalID != "" || w.fake.count(key(got)) != 0 {
			t.Fatalf("a sandbox variant went out: %+v, %d calls", got, w.fake.count(key(got)))
		}
		var attempts int
		if err := e.DB.R().QueryRowContext(ctx, "SELECT COUNT(*) FROM publish_attempts WHERE variant_id = ?", v.ID).Scan(&attempts); err != nil || attempts != 0 {
			t.Errorf("attempts recorded for a sandbox variant: %d %v", attempts, err)
		}

		// A sandbox campaign cannot take a real organisation as partner,
		// nor a real campaign a sandbox.
		real := org.Org{Slug: "mfa-real", Name: "Real MFA", Kind: org.Ministry, TimeZone: "UTC"}
		if err := org.InsertOrg(ctx, e.DB.W(), &real); err != nil {
			t.Fatal(err)
		}
		var fe *valid.FieldError
		if err := w.svc.AddPartner(ctx, w.editor, audit.System, w.c.ID, real.ID); !errors.As(err, &fe) || fe.Field != "org_id" {
			t.Errorf("a sandbox campaign took a real partner: %v", err)
		}
	})
}
