package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"supportd/internal/eval"
	"supportd/internal/ingest"
	"supportd/internal/store"
)

// EvalParams is one run of the evaluation benchmark.
type EvalParams struct {
	Concurrency int    // cases in flight
	Rounds      int    // runs of the golden set
	Corpus      string // folder of the demo corpus
	Golden      string // the golden set
}

// Command is the command line that repeats the run.
func (p EvalParams) Command() string {
	return fmt.Sprintf("supportd bench eval --concurrency %d --rounds %d", p.Concurrency, p.Rounds)
}

// Evaluator runs a golden set through the assistant (eval.Runner).
type Evaluator interface {
	Run(ctx context.Context, p eval.RunParams) (eval.Run, error)
}

// RunNamer fills a run's identity (model, prompts, configuration) from the
// running configuration (app.App).
type RunNamer interface {
	EvalParams(kb store.KB, set eval.GoldenSet, trigger string) eval.RunParams
}

// EvalDeps are the evaluation runner and what names its runs.
type EvalDeps struct {
	Deps
	Runner Evaluator
	Runs   RunNamer
}

// EvalReport is the outcome of Eval.
type EvalReport struct {
	Params EvalParams
	Cases  int
	Model  string
	Rounds []EvalRound
}

// EvalRound is one run of the golden set.
type EvalRound struct {
	Wall       time.Duration
	Cases      int
	P50, P95   time.Duration // per-case pipeline latency
	InPipeline time.Duration // the cases' latencies summed
}

// Eval measures evaluation throughput on the demo golden set with the
// configured answerer, and how much of the run is the pipeline itself.
func Eval(ctx context.Context, d EvalDeps, p EvalParams) (EvalReport, error) {
	rep := EvalReport{Params: p}
	if err := d.check(); err != nil {
		return rep, err
	}
	if d.Runner == nil || d.Runs == nil {
		return rep, fmt.Errorf("bench eval: missing dependency")
	}
	kb, err := d.freshKB(ctx, "bench-eval")
	if err != nil {
		return rep, err
	}
	files, err := ingest.Discover(p.Corpus)
	if err != nil {
		return rep, err
	}
	if _, err := d.sync(ctx, kb, files, "demo corpus"); err != nil {
		return rep, err
	}
	if kb, err = d.Store.KB(ctx, d.Tenant, kb.Name); err != nil {
		return rep, err
	}
	set, err := eval.LoadGolden(p.Golden)
	if err != nil {
		return rep, err
	}
	rep.Cases, rep.Model = len(set.Cases), d.Runs.EvalParams(kb, set, "bench").Model
	for range p.Rounds {
		rp := d.Runs.EvalParams(kb, set, "bench")
		rp.Concurrency = p.Concurrency
		start := time.Now()
		run, err := d.Runner.Run(ctx, rp)
		if err != nil {
			return rep, err
		}
		r := EvalRound{Wall: time.Since(start), Cases: len(run.Results), P50: run.Summary.LatencyP50, P95: run.Summary.LatencyP95}
		for _, res := range run.Results {
			r.InPipeline += res.Obs.Latency
		}
		rep.Rounds = append(rep.Rounds, r)
	}
	return rep, nil
}

// WriteMarkdown prints the report.
func (r EvalReport) WriteMarkdown(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "## supportd bench eval\n\n`%s` · %d cases · answerer %s · %s\n\n", p.Command(), r.Cases, r.Model, machine())
	fmt.Fprintln(w, "| round | wall s | cases/s | pipeline p50 ms | pipeline p95 ms | pipeline share of wall × concurrency |\n| --- | --- | --- | --- | --- | --- |")
	for i, rd := range r.Rounds {
		wall := rd.Wall.Seconds()
		fmt.Fprintf(w, "| %d | %.2f | %.1f | %.1f | %.1f | %.2f |\n", i+1, wall, float64(rd.Cases)/wall,
			ms(rd.P50), ms(rd.P95), rd.InPipeline.Seconds()/(wall*float64(p.Concurrency)))
	}
	fmt.Fprintln(w)
}
