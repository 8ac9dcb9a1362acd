package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/jobs"
)

func runWorker(ctx context.Context, env *environment, args []string) error {
	cfg, _, err := loadConfig(env, "worker", "", answerSettings|config.Eval|config.Jobs|config.Drift|config.Telemetry, args, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	client, err := a.jobClient()
	if err != nil {
		return err
	}
	if err := a.serveMetrics(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "supportd worker running (evaluation schedule %q)\n", cfg.EvalSchedule)
	return runJobs(ctx, client)
}

// runJobs works jobs until ctx ends, then lets running jobs finish.
func runJobs(ctx context.Context, client *river.Client[pgx.Tx]) error {
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start job worker: %w", err)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return client.Stop(sctx)
}

// jobClient builds the River client that schedules and works evaluations.
func (a *app) jobClient() (*river.Client[pgx.Tx], error) {
	cfg := a.cfg
	return jobs.New(jobs.Params{
		Pool: a.store.Pool(), Log: a.log, Schedule: cfg.EvalSchedule,
		Eval:    jobs.EvalArgs{Tenant: cfg.Tenant, KB: cfg.EvalKB, Golden: cfg.EvalGolden, Baseline: "latest"},
		RunEval: a.scheduledEval, Retention: a.retention, Drift: a.scheduledDrift, DriftSchedule: cfg.DriftSchedule,
	})
}

// retention purges turns past SUPPORTD_RETENTION_DAYS and the cache
// entries they filled.
func (a *app) retention(ctx context.Context) error {
	if a.cfg.RetentionDays == 0 {
		return nil
	}
	d, err := a.store.PurgeTurnsOlderThan(ctx, a.cfg.RetentionDays)
	if err != nil {
		return err
	}
	if a.cache != nil && len(d.CacheKeys) > 0 {
		a.cache.Delete(ctx, d.CacheKeys...)
	}
	a.log.Info("retention purge", "days", a.cfg.RetentionDays, "turns", d.Turns, "conversations", d.Conversations)
	return nil
}

// scheduledEval is one evaluation job: the same flow as eval run, with
// the webhook told about regressions.
func (a *app) scheduledEval(ctx context.Context, args jobs.EvalArgs) error {
	set, err := eval.LoadGolden(args.Golden)
	if err != nil {
		return err
	}
	th, err := eval.LoadThresholds(a.cfg.EvalThresholds)
	if err != nil {
		return err
	}
	kb, err := a.store.KB(ctx, args.Tenant, args.KB)
	if err != nil {
		return err
	}
	p := a.evalParams(kb, set, "schedule")
	p.Tenant = args.Tenant
	out, err := a.evalRunner().Evaluate(ctx, eval.EvaluateParams{RunParams: p, Baseline: args.Baseline,
		Thresholds: th, WebhookURL: a.cfg.EvalWebhookURL})
	if err != nil {
		return err
	}
	if out.Run.Meta.Status == "complete" {
		a.publishEval(out.Run)
	}
	a.log.Info("scheduled evaluation finished", "run_id", out.Run.Meta.ID, "status", out.Run.Meta.Status,
		"pass_rate", out.Run.Summary.PassRate.Mean, "regressed", out.Comparison != nil && out.Comparison.Regressed)
	return nil
}

// publishEval exposes a complete run's scores as gauges.
func (a *app) publishEval(run eval.Run) {
	scores := map[string]float64{eval.MetricPassRate: run.Summary.PassRate.Mean}
	for name, st := range run.Summary.Metrics {
		if st.N > 0 {
			scores[name] = st.Mean
		}
	}
	a.metrics.EvalScores(run.Meta.KB, scores)
}

// publishLatestEvals seeds the eval gauges from the newest complete run of
// each knowledge base, so a restart does not blank the dashboard.
func (a *app) publishLatestEvals(ctx context.Context) {
	kbs, err := a.store.KBs(ctx, a.cfg.Tenant)
	if err != nil {
		a.log.Warn("cannot list knowledge bases for eval gauges", "err", err)
		return
	}
	for _, kb := range kbs {
		run, ok, err := a.evalRunner().Baseline(ctx, a.cfg.Tenant, kb.Name, "latest", 0)
		if err == nil && ok {
			a.publishEval(run)
		}
	}
}

// serveMetrics exposes /metrics on SUPPORTD_METRICS_ADDR (when set) until
// ctx ends, so Prometheus can scrape a port the public never reaches.
func (a *app) serveMetrics(ctx context.Context) error {
	if a.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen for metrics on %s: %w", a.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	a.log.Info("serving metrics", "addr", ln.Addr().String())
	return nil
}
