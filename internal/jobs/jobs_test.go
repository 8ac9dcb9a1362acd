package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/jobs"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	_, gap, err := jobs.ParseSchedule("0 6 * * 1")
	require.NoError(t, err)
	require.Equal(t, 7*24*time.Hour, gap, "weekly")
	_, gap, err = jobs.ParseSchedule("*/15 * * * *")
	require.NoError(t, err)
	require.Equal(t, 15*time.Minute, gap)
	_, gap, err = jobs.ParseSchedule("@every 2s")
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, gap)
	_, gap, err = jobs.ParseSchedule("@daily")
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, gap)
	_, _, err = jobs.ParseSchedule("every tuesday")
	require.ErrorContains(t, err, `schedule "every tuesday"`)
}

// Two workers share one database, as two replicas would. Periodic jobs are
// inserted only by River's elected leader, and each is unique for its
// period, so every period gets exactly one evaluation.
func TestScheduleEnqueuesOneRunPerPeriodAcrossWorkers(t *testing.T) {
	t.Parallel()
	st := dbtest.New(t)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	var ran atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		client, err := jobs.New(jobs.Params{Pool: st.Pool(), Log: log, EvalSchedule: "@every 1s",
			Eval:    jobs.EvalArgs{Tenant: "default", KB: "demo", Golden: "goldenset/demo.jsonl", Baseline: "latest"},
			RunEval: func(context.Context, jobs.EvalArgs) error { ran.Add(1); return nil }})
		require.NoError(t, err)
		require.NoError(t, client.Start(ctx))
		t.Cleanup(func() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			_ = client.Stop(sctx)
		})
	}
	require.Eventually(t, func() bool { return ran.Load() >= 3 }, 20*time.Second, 100*time.Millisecond)

	var jobsInserted, periods int
	require.NoError(t, dbtest.Owner(t, st).QueryRow(context.Background(), `
		SELECT count(*), count(DISTINCT date_trunc('second', created_at)) FROM river_job WHERE kind = 'eval_golden'`).
		Scan(&jobsInserted, &periods))
	require.Equal(t, periods, jobsInserted, "never two evaluations in one period")
	require.GreaterOrEqual(t, int64(jobsInserted), ran.Load(), "every run came from one inserted job")
}

func TestEnqueueRunsTheEvaluation(t *testing.T) {
	t.Parallel()
	st := dbtest.New(t)
	got := make(chan jobs.EvalArgs, 1)
	client, err := jobs.New(jobs.Params{Pool: st.Pool(), Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		RunEval: func(_ context.Context, a jobs.EvalArgs) error { got <- a; return nil }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, client.Start(ctx))
	defer client.Stop(context.Background()) //nolint:errcheck
	args := jobs.EvalArgs{Tenant: "default", KB: "demo", Golden: "g.jsonl", Baseline: "7"}
	_, err = jobs.Enqueue(ctx, client, args)
	require.NoError(t, err)
	select {
	case a := <-got:
		require.Equal(t, args, a)
	case <-time.After(15 * time.Second):
		t.Fatal("the enqueued evaluation did not run")
	}
}
