package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/attache-project/attache/internal/jobs"
	"github.com/attache-project/attache/internal/testutil"
)

// A periodic task runs on the engine by its name, again every period,
// and a failing run does not stop the next one.
func TestTasksRunPeriodically(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, e.DB); err != nil {
			t.Fatal(err)
		}
		var ok, failing atomic.Int32
		ws := river.NewWorkers()
		periodic := jobs.AddTasks(ws, []jobs.Task{
			{Name: "count", Every: 150 * time.Millisecond, Run: func(context.Context) error { ok.Add(1); return nil }},
			{Name: "fail", Every: 150 * time.Millisecond, Run: func(context.Context) error { failing.Add(1); return context.DeadlineExceeded }},
		})
		if len(periodic) != 2 {
			t.Fatalf("%d periodic jobs, want 2", len(periodic))
		}
		eng, err := jobs.New(e.DB, jobs.Config{Workers: ws, Periodic: periodic, FetchPoll: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer eng.Stop(ctx)
		deadline := time.Now().Add(20 * time.Second)
		for (ok.Load() < 3 || failing.Load() < 3) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if ok.Load() < 3 || failing.Load() < 3 {
			t.Fatalf("after 20 s the tasks ran %d and %d times, want at least 3 each", ok.Load(), failing.Load())
		}
	})
}
