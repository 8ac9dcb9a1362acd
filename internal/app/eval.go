package app

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"

	"github.com/riverqueue/river"

	"supportd/internal/eval"
	"supportd/internal/jobs"
	"supportd/internal/store"
)

// EvalRunner runs the golden set through the same assistant the API uses.
func (a *App) EvalRunner() *eval.Runner { return eval.NewRunner(a.Assistant, a.Store, a.Log, nil) }

// EvalParams fills a run's identity from the running configuration.
func (a *App) EvalParams(kb store.KB, set eval.GoldenSet, trigger string) eval.RunParams {
	var versions map[string]string
	if a.Prompts != nil {
		versions = a.Prompts.Versions()
	}
	model := "extractive"
	if a.Gateway != nil {
		model = fmt.Sprint(a.Gateway.Providers())
	}
	cfg := a.Config
	return eval.RunParams{Tenant: cfg.Tenant, KB: kb, Golden: set, Trigger: trigger, Model: model, Prompts: versions, Judge: a.Judge,
		GitCommit: gitCommit(), Config: map[string]any{"top_k": cfg.TopK, "candidates": cfg.Candidates,
			"min_confidence": cfg.MinConfidence, "embedder": a.Embedder.Model()}}
}

// gitCommit is the revision the binary was built from, when Go recorded it.
func gitCommit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}

// PublishEval exposes a complete run's scores as gauges.
func (a *App) PublishEval(run eval.Run) {
	scores := map[string]float64{eval.MetricPassRate: run.Summary.PassRate.Mean}
	for name, st := range run.Summary.Metrics {
		if st.N > 0 {
			scores[name] = st.Mean
		}
	}
	a.Metrics.EvalScores(run.Meta.KB, scores)
}

// PublishLatestEvals seeds the eval gauges from the newest complete run of
// each knowledge base, so a restart does not blank the dashboard.
func (a *App) PublishLatestEvals(ctx context.Context) {
	kbs, err := a.Store.KBs(ctx, a.Config.Tenant)
	if err != nil {
		a.Log.Warn("cannot list knowledge bases for eval gauges", "err", err)
		return
	}
	for _, kb := range kbs {
		run, ok, err := a.EvalRunner().Latest(ctx, a.Config.Tenant, kb.Name)
		if err == nil && ok {
			a.PublishEval(run)
		}
	}
}

// scheduledEval is one evaluation job: the same flow as eval run, with
// the webhook told about regressions.
func (a *App) scheduledEval(ctx context.Context, args jobs.EvalArgs) error {
	set, err := eval.LoadGolden(args.Golden)
	if err != nil {
		return err
	}
	th, err := eval.LoadThresholds(a.Config.EvalThresholds)
	if err != nil {
		return err
	}
	kb, err := a.Store.KB(ctx, args.Tenant, args.KB)
	if err != nil {
		return err
	}
	baseline, err := eval.BaselineSpec(args.Baseline, args.Golden)
	if err != nil {
		return err
	}
	p := a.EvalParams(kb, set, cmp.Or(args.Trigger, "schedule"))
	p.Tenant = args.Tenant
	out, err := a.EvalRunner().Evaluate(ctx, eval.EvaluateParams{RunParams: p, Baseline: baseline,
		Thresholds: th, WebhookURL: a.Config.EvalWebhookURL})
	if err != nil {
		return err
	}
	if out.Run.Meta.Status == "complete" {
		a.PublishEval(out.Run)
	}
	// The API's job resource names the run it made.
	if err := river.RecordOutput(ctx, evalOutput{RunID: out.Run.Meta.ID}); err != nil {
		return err
	}
	a.Log.Info("scheduled evaluation finished", "run_id", out.Run.Meta.ID, "status", out.Run.Meta.Status,
		"pass_rate", out.Run.Summary.PassRate.Mean, "regressed", out.Comparison != nil && out.Comparison.Regressed, "baseline", baselineID(out.Comparison))
	return nil
}

// baselineID is the compared run's id for logs; 0 without a comparison.
func baselineID(c *eval.Comparison) int64 {
	if c == nil {
		return 0
	}
	return c.BaseID
}

// QueueEval queues an evaluation of kb against SUPPORTD_EVAL_GOLDEN and
// its pinned baseline, for the next worker (supportd serve or worker);
// queued is false when the same evaluation is already waiting or running.
func (a *App) QueueEval(ctx context.Context, tenant, kb string) (queued bool, err error) {
	return jobs.QueueEval(ctx, a.Store.Pool(), jobs.EvalArgs{Tenant: tenant, KB: kb, Golden: a.Config.EvalGolden,
		Baseline: eval.BaselinePinned})
}
