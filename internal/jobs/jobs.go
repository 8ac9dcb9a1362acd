package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/robfig/cron/v3"
)

// EvalArgs asks for one golden-set evaluation.
type EvalArgs struct {
	Tenant   string `json:"tenant" river:"unique"`
	KB       string `json:"kb" river:"unique"`
	Golden   string `json:"golden" river:"unique"`
	Baseline string `json:"baseline"`
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

// Params configures the job client.
type Params struct {
	Pool *pgxpool.Pool
	Log  *slog.Logger
	// Schedule is a standard five-field cron expression (UTC) for the
	// evaluation; empty schedules nothing (jobs inserted by hand still run).
	Schedule string
	// Every, when set, replaces Schedule with a fixed interval (tests and
	// demos; cron cannot go below a minute).
	Every   time.Duration
	Eval    EvalArgs
	RunEval EvalFunc
	// Workers is how many jobs this process works at once; default 1.
	Workers int
	// Retention, when set, runs daily (and once at start-up) to purge
	// data past its retention period.
	Retention func(ctx context.Context) error
	// Drift, when set, runs on DriftSchedule (cron, UTC).
	Drift         func(ctx context.Context) error
	DriftSchedule string
}

// ParseSchedule validates a cron expression and returns the schedule with
// the shortest gap between its runs, used as the uniqueness period.
func ParseSchedule(expr string) (cron.Schedule, time.Duration, error) {
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, 0, fmt.Errorf("cron expression %q: %w", expr, err)
	}
	first := s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	gap := s.Next(first).Sub(first)
	for t, i := first, 0; i < 64; i++ {
		next := s.Next(t)
		gap, t = min(gap, next.Sub(t)), next
	}
	return s, gap, nil
}

// New builds a River client that works evaluation jobs and, with a
// schedule, enqueues them periodically.
func New(p Params) (*river.Client[pgx.Tx], error) {
	if p.Pool == nil || p.RunEval == nil || p.Log == nil {
		return nil, errors.New("jobs.New: missing dependency")
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &evalWorker{run: p.RunEval})
	var periodic []*river.PeriodicJob
	if p.Retention != nil {
		river.AddWorker(workers, &retentionWorker{run: p.Retention})
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) {
				return RetentionArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			}, &river.PeriodicJobOpts{ID: "retention_purge", RunOnStart: true}))
	}
	cfg := &river.Config{
		Logger:       p.Log,
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(p.Workers, 1)}},
		Workers:      workers,
		MaxAttempts:  3,
		JobTimeout:   time.Hour,
		PeriodicJobs: periodic,
	}
	if p.Drift != nil && p.DriftSchedule != "" {
		ds, gap, err := ParseSchedule(p.DriftSchedule)
		if err != nil {
			return nil, err
		}
		river.AddWorker(workers, &driftWorker{run: p.Drift})
		periodic = append(periodic, river.NewPeriodicJob(utc{ds}, func() (river.JobArgs, *river.InsertOpts) {
			return DriftArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: gap}}
		}, &river.PeriodicJobOpts{ID: "drift_report"}))
	}
	var sched river.PeriodicSchedule
	var gap time.Duration
	switch {
	case p.Every > 0:
		sched, gap = river.PeriodicInterval(p.Every), p.Every
	case p.Schedule != "":
		cs, g, err := ParseSchedule(p.Schedule)
		if err != nil {
			return nil, err
		}
		sched, gap = utc{cs}, g
	}
	if sched != nil {
		args := p.Eval
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(sched,
			func() (river.JobArgs, *river.InsertOpts) {
				return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: gap}}
			}, &river.PeriodicJobOpts{ID: "eval_golden"}))
	}
	return river.NewClient(riverpgxv5.New(p.Pool), cfg)
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
