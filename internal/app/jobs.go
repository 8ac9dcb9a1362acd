package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"supportd/internal/eval"
	"supportd/internal/jobs"
	"supportd/internal/notify"
)

// Jobs builds the River client that schedules and works the background
// jobs: the evaluation, the drift report, the retention purge and the
// weekly digest.
func (a *App) Jobs() (*river.Client[pgx.Tx], error) {
	cfg := a.Config
	return jobs.New(jobs.Params{
		Pool: a.Store.Pool(), Log: a.Log, EvalSchedule: cfg.EvalSchedule,
		Eval:    jobs.EvalArgs{Tenant: cfg.Tenant, KB: cfg.EvalKB, Golden: cfg.EvalGolden, Baseline: eval.BaselinePinned},
		RunEval: a.scheduledEval, Retention: a.Retention, Drift: a.scheduledDrift, DriftSchedule: cfg.DriftSchedule,
		Digest: a.scheduledDigest, DigestSchedule: cfg.DigestSchedule,
	})
}

// RunHooks delivers webhook events in the background until the returned
// function is called; scheduled jobs send them, so serve and worker both
// need it.
func (a *App) RunHooks(ctx context.Context) func() {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, h := range []*notify.Webhook{a.ReviewHook, a.DriftHook, a.DigestHook} {
		wg.Go(func() { h.Run(hctx) })
	}
	return func() { cancel(); wg.Wait() }
}

// RunJobs works jobs until ctx ends, then lets running jobs finish.
func RunJobs(ctx context.Context, client *river.Client[pgx.Tx]) error {
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start job worker: %w", err)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return client.Stop(sctx)
}

// Retention purges expired Idempotency-Keys, and turns past
// SUPPORTD_RETENTION_DAYS with the cache entries they filled.
func (a *App) Retention(ctx context.Context) error {
	keys, err := a.Store.PurgeIdempotencyKeys(ctx, time.Now())
	if err != nil {
		return err
	}
	if keys > 0 {
		a.Log.Info("expired idempotency keys purged", "keys", keys)
	}
	days := a.Config.RetentionDays
	if days == 0 {
		return nil
	}
	d, err := a.Store.PurgeTurnsOlderThan(ctx, days)
	if err != nil {
		return err
	}
	if a.Cache != nil && len(d.CacheKeys) > 0 {
		a.Cache.Delete(ctx, d.CacheKeys...)
	}
	a.Log.Info("retention purge", "days", days, "turns", d.Turns, "conversations", d.Conversations)
	return nil
}
