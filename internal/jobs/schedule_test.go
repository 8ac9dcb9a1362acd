package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/jobs"
)

// Every job given a schedule must be registered with River: the drift
// report used to be appended after the list was handed over.
func TestEveryConfiguredScheduleIsRegistered(t *testing.T) {
	t.Parallel()
	st := dbtest.New(t)
	noop := func(context.Context) error { return nil }
	client, err := jobs.New(jobs.Params{Pool: st.Pool(), Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		EvalSchedule: "0 6 * * 1", Eval: jobs.EvalArgs{Tenant: "default", KB: "demo", Golden: "g.jsonl"},
		RunEval:   func(context.Context, jobs.EvalArgs) error { return nil },
		Retention: noop, Drift: noop, DriftSchedule: "* * * * *", Digest: noop, DigestSchedule: "0 7 * * 1"})
	require.NoError(t, err)
	for _, id := range []string{"eval_golden", "drift_report", "retention_purge", "weekly_digest"} {
		require.True(t, client.PeriodicJobs().RemoveByID(id), "periodic job %s is not registered", id)
	}
}

// ...and each actually runs on its schedule.
func TestEveryConfiguredScheduleRuns(t *testing.T) {
	t.Parallel()
	st := dbtest.New(t)
	ran := make(chan string, 64)
	mark := func(kind string) func(context.Context) error {
		return func(context.Context) error { ran <- kind; return nil }
	}
	client, err := jobs.New(jobs.Params{Pool: st.Pool(), Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		EvalSchedule: "@every 1s", Eval: jobs.EvalArgs{Tenant: "default", KB: "demo", Golden: "g.jsonl"},
		RunEval: func(ctx context.Context, _ jobs.EvalArgs) error { return mark("eval")(ctx) },
		Drift:   mark("drift"), DriftSchedule: "@every 1s",
		Retention: mark("retention"), RetentionSchedule: "@every 1h",
		Digest: mark("digest"), DigestSchedule: "@every 1s", Workers: 3})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = client.Stop(sctx)
	})
	seen := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for len(seen) < 4 {
		select {
		case kind := <-ran:
			seen[kind] = true
		case <-deadline:
			t.Fatalf("only %v ran", seen)
		}
	}
}

func TestABadScheduleIsRefusedWithItsJob(t *testing.T) {
	t.Parallel()
	st := dbtest.New(t)
	_, err := jobs.New(jobs.Params{Pool: st.Pool(), Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		RunEval: func(context.Context, jobs.EvalArgs) error { return nil },
		Drift:   func(context.Context) error { return nil }, DriftSchedule: "hourly"})
	require.ErrorContains(t, err, `drift_report: schedule "hourly"`)
}
