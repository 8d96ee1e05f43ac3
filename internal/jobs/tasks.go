package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Task is periodic work of an area other than the one that owns the
// engine (listening's signal detection and source polling run on the
// publisher's engine: one job engine per process). River's leader inserts
// its job every Every, so with several instances one of them runs it.
type Task struct {
	Name    string // unique; the job's argument
	Every   time.Duration
	Timeout time.Duration // 0: the engine's job timeout
	Run     func(ctx context.Context) error
}

// TaskArgs names the task a job runs.
type TaskArgs struct {
	Name string `json:"name"`
}

func (TaskArgs) Kind() string { return "periodic_task" }

type taskWorker struct {
	river.WorkerDefaults[TaskArgs]
	tasks map[string]Task
}

func (w *taskWorker) Work(ctx context.Context, j *river.Job[TaskArgs]) error {
	t, ok := w.tasks[j.Args.Name]
	if !ok {
		return fmt.Errorf("jobs: no task named %q in this instance", j.Args.Name)
	}
	return t.Run(ctx)
}

func (w *taskWorker) Timeout(j *river.Job[TaskArgs]) time.Duration {
	return w.tasks[j.Args.Name].Timeout
}

// AddTasks registers the tasks' worker and returns their periodic jobs
// (one attempt each: the next period is the retry).
func AddTasks(ws *river.Workers, tasks []Task) []*river.PeriodicJob {
	if len(tasks) == 0 {
		return nil
	}
	byName := make(map[string]Task, len(tasks))
	var out []*river.PeriodicJob
	for _, t := range tasks {
		byName[t.Name] = t
		name := t.Name
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(t.Every), func() (river.JobArgs, *river.InsertOpts) {
			return TaskArgs{Name: name}, &river.InsertOpts{MaxAttempts: 1}
		}, nil))
	}
	river.AddWorker(ws, &taskWorker{tasks: byName})
	return out
}
