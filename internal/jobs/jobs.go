package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/robfig/cron/v3"
)

// EvalArgs asks for one golden-set evaluation.
type EvalArgs struct {
	Tenant   string `json:"tenant" river:"unique"`
	KB       string `json:"kb" river:"unique"`
	Golden   string `json:"golden" river:"unique"`
	Baseline string `json:"baseline"`
	// Trigger is who asked for the run ("api"); empty is the schedule.
	Trigger string `json:"trigger,omitempty"`
}

// Kind implements river.JobArgs.
func (EvalArgs) Kind() string { return "eval_golden" }

// EvalFunc runs an evaluation; its error makes River retry the job.
type EvalFunc func(ctx context.Context, args EvalArgs) error

type evalWorker struct {
	river.WorkerDefaults[EvalArgs]
	run EvalFunc
}

func (w *evalWorker) Work(ctx context.Context, job *river.Job[EvalArgs]) error {
	return w.run(ctx, job.Args)
}

// Timeout bounds one evaluation job.
func (w *evalWorker) Timeout(*river.Job[EvalArgs]) time.Duration { return time.Hour }

// RetentionArgs asks for one retention purge.
type RetentionArgs struct{}

// Kind implements river.JobArgs.
func (RetentionArgs) Kind() string { return "retention_purge" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	run func(ctx context.Context) error
}

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	return w.run(ctx)
}

// DriftArgs asks for one drift report over every knowledge base.
type DriftArgs struct{}

// Kind implements river.JobArgs.
func (DriftArgs) Kind() string { return "drift_report" }

type driftWorker struct {
	river.WorkerDefaults[DriftArgs]
	run func(ctx context.Context) error
}

func (w *driftWorker) Work(ctx context.Context, _ *river.Job[DriftArgs]) error { return w.run(ctx) }

// DigestArgs asks for the weekly digest of every knowledge base.
type DigestArgs struct{}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "weekly_digest" }

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	run func(ctx context.Context) error
}

func (w *digestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error { return w.run(ctx) }

// Params configures the job client. Each job that has a function is
// worked (so it can also be enqueued by hand); each that also has a
// schedule is inserted periodically by the elected leader.
//
// A schedule is a five-field cron expression in UTC ("0 6 * * 1") or a
// descriptor: "@hourly", "@daily", "@weekly" or "@every 30s" (demos and
// tests; cron cannot go below a minute).
type Params struct {
	Pool *pgxpool.Pool
	Log  *slog.Logger
	// Workers is how many jobs this process works at once; default 1.
	Workers int

	// RunEval works evaluation jobs (required); Eval is what the scheduled
	// evaluation runs, EvalSchedule when ("" schedules nothing).
	RunEval      EvalFunc
	Eval         EvalArgs
	EvalSchedule string
	// Drift reports on every knowledge base on DriftSchedule.
	Drift         func(ctx context.Context) error
	DriftSchedule string
	// Retention purges data past its retention period on
	// RetentionSchedule (default daily) and once at start-up.
	Retention         func(ctx context.Context) error
	RetentionSchedule string
	// Digest writes and sends the weekly digest on DigestSchedule.
	Digest         func(ctx context.Context) error
	DigestSchedule string
}

// ParseSchedule validates a schedule and returns it with the shortest gap
// between its runs, used as the uniqueness period.
func ParseSchedule(expr string) (river.PeriodicSchedule, time.Duration, error) {
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, 0, fmt.Errorf("schedule %q: %w", expr, err)
	}
	first := s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	gap := s.Next(first).Sub(first)
	for t, i := first, 0; i < 64; i++ {
		next := s.Next(t)
		gap, t = min(gap, next.Sub(t)), next
	}
	return utc{s}, gap, nil
}

// periodic is one job the leader inserts on a schedule.
type periodic struct {
	id         string
	schedule   string
	args       river.JobArgs
	byArgs     bool
	runOnStart bool
}

// New builds a River client that works every configured job and inserts
// the scheduled ones periodically.
func New(p Params) (*river.Client[pgx.Tx], error) {
	if p.Pool == nil || p.RunEval == nil || p.Log == nil {
		return nil, errors.New("jobs.New: missing dependency")
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &evalWorker{run: p.RunEval})
	var want []periodic
	if p.EvalSchedule != "" {
		want = append(want, periodic{id: "eval_golden", schedule: p.EvalSchedule, args: p.Eval, byArgs: true})
	}
	if p.Drift != nil {
		river.AddWorker(workers, &driftWorker{run: p.Drift})
		if p.DriftSchedule != "" {
			want = append(want, periodic{id: "drift_report", schedule: p.DriftSchedule, args: DriftArgs{}})
		}
	}
	if p.Retention != nil {
		river.AddWorker(workers, &retentionWorker{run: p.Retention})
		want = append(want, periodic{id: "retention_purge", schedule: cmp.Or(p.RetentionSchedule, "@daily"),
			args: RetentionArgs{}, runOnStart: true})
	}
	if p.Digest != nil {
		river.AddWorker(workers, &digestWorker{run: p.Digest})
		if p.DigestSchedule != "" {
			want = append(want, periodic{id: "weekly_digest", schedule: p.DigestSchedule, args: DigestArgs{}})
		}
	}
	jobs, err := periodicJobs(want)
	if err != nil {
		return nil, err
	}
	return river.NewClient(riverpgxv5.New(p.Pool), &river.Config{
		Logger:       p.Log,
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(p.Workers, 1)}},
		Workers:      workers,
		MaxAttempts:  3,
		JobTimeout:   time.Hour,
		PeriodicJobs: jobs,
	})
}

// periodicJobs turns the wanted schedules into River's periodic jobs, each
// unique for its period so that two leaders never insert one period twice.
func periodicJobs(want []periodic) ([]*river.PeriodicJob, error) {
	out := make([]*river.PeriodicJob, 0, len(want))
	for _, w := range want {
		sched, gap, err := ParseSchedule(w.schedule)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.id, err)
		}
		opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: w.byArgs, ByPeriod: gap}}
		out = append(out, river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) { return w.args, opts },
			&river.PeriodicJobOpts{ID: w.id, RunOnStart: w.runOnStart}))
	}
	return out, nil
}

// utc evaluates a cron schedule in UTC whatever the process's zone.
type utc struct{ cron.Schedule }

func (u utc) Next(t time.Time) time.Time { return u.Schedule.Next(t.UTC()) }

// Migrate applies River's own migrations (its job and leader tables).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply river migrations: %w", err)
	}
	return nil
}

// Pending reports whether River's migrations are behind.
func Pending(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return false, err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return !res.OK, nil
}

// Enqueue inserts one evaluation job now (e.g. from the API or CLI).
func Enqueue(ctx context.Context, c *river.Client[pgx.Tx], args EvalArgs) (int64, error) {
	res, err := c.Insert(ctx, args, nil)
	if err != nil {
		return 0, fmt.Errorf("enqueue evaluation: %w", err)
	}
	return res.Job.ID, nil
}

// QueueEval inserts an evaluation job for any worker to take, unless the
// same evaluation is already waiting or running; queued says which.
func QueueEval(ctx context.Context, pool *pgxpool.Pool, args EvalArgs) (queued bool, err error) {
	_, queued, err = QueueEvalJob(ctx, pool, args)
	return queued, err
}

// QueueEvalJob is QueueEval returning the job: the new one, or the one
// already waiting or running for the same evaluation (queued false).
func QueueEvalJob(ctx context.Context, pool *pgxpool.Pool, args EvalArgs) (job *rivertype.JobRow, queued bool, err error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, false, fmt.Errorf("queue evaluation: %w", err)
	}
	res, err := client.Insert(ctx, args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled}}})
	if err != nil {
		return nil, false, fmt.Errorf("queue evaluation: %w", err)
	}
	return res.Job, !res.UniqueSkippedAsDuplicate, nil
}

// ErrNoJob is an unknown job id.
var ErrNoJob = errors.New("no such job")

// EvalJob reads an evaluation job with its arguments; ErrNoJob when there
// is no evaluation job with that id.
func EvalJob(ctx context.Context, pool *pgxpool.Pool, id int64) (*rivertype.JobRow, EvalArgs, error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, EvalArgs{}, fmt.Errorf("read evaluation job: %w", err)
	}
	job, err := client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, EvalArgs{}, ErrNoJob
	}
	if err != nil {
		return nil, EvalArgs{}, fmt.Errorf("read evaluation job %d: %w", id, err)
	}
	var args EvalArgs
	if job.Kind != (EvalArgs{}).Kind() || json.Unmarshal(job.EncodedArgs, &args) != nil {
		return nil, EvalArgs{}, ErrNoJob
	}
	return job, args, nil
}
