package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/store"
)

func runEval(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.stderr, "usage: supportd eval run|show|list [flags]\n\n  run   score the assistant on a golden set\n  show  render a stored run\n  list  list stored runs")
		if len(args) == 0 {
			return errors.New("eval needs a subcommand")
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "run":
		return runEvalRun(ctx, env, args[1:])
	case "show":
		return runEvalShow(ctx, env, args[1:])
	case "list":
		return runEvalList(ctx, env, args[1:])
	}
	return fmt.Errorf("unknown eval subcommand %q (want run, show or list)", args[0])
}

// reportFlags are the output options shared by eval run and eval show.
type reportFlags struct {
	format string
	out    string
	html   string
}

func (r *reportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.format, "format", "table", "report format: table, json, markdown, junit or html")
	fs.StringVar(&r.out, "out", "", "write the report to this file instead of standard output")
	fs.StringVar(&r.html, "html", "", "also write the HTML report (with charts) to this file")
}

func runEvalRun(ctx context.Context, env *environment, args []string) error {
	var golden, kbName, baseline, thresholds string
	var concurrency int
	var caseTimeout time.Duration
	var failOnRegression bool
	var rf reportFlags
	cfg, fs, err := loadConfig(env, "eval run", "[--golden FILE] [--kb NAME] [--baseline latest|RUN_ID] [--fail-on-regression]", answerSettings|config.Eval, args, func(fs *flag.FlagSet) {
		fs.StringVar(&golden, "golden", "", "golden set (JSONL); default SUPPORTD_EVAL_GOLDEN")
		fs.StringVar(&kbName, "kb", "", "knowledge base; default SUPPORTD_EVAL_KB")
		fs.StringVar(&baseline, "baseline", "latest", `run to compare with: "latest", a run id, or "" for none`)
		fs.StringVar(&thresholds, "thresholds", "", "regression thresholds (JSON); default SUPPORTD_EVAL_THRESHOLDS")
		fs.IntVar(&concurrency, "concurrency", 4, "cases in flight")
		fs.DurationVar(&caseTimeout, "case-timeout", time.Minute, "deadline of one case")
		fs.BoolVar(&failOnRegression, "fail-on-regression", false, "exit 1 when a metric regresses beyond its threshold and the noise")
		rf.register(fs)
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("eval run takes no arguments, got %q", fs.Args())
	}
	set, err := eval.LoadGolden(or(golden, cfg.EvalGolden))
	if err != nil {
		return err // line-numbered, before anything runs
	}
	th, err := eval.LoadThresholds(or(thresholds, cfg.EvalThresholds))
	if err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	kb, err := a.store.KB(ctx, cfg.Tenant, or(kbName, cfg.EvalKB))
	if err != nil {
		return err
	}
	progress, finish := caseProgress(env.stderr, len(set.Cases))
	p := a.evalParams(kb, set, "cli")
	p.Concurrency, p.CaseTimeout, p.Progress = concurrency, caseTimeout, progress
	out, err := a.evalRunner().Evaluate(ctx, eval.EvaluateParams{RunParams: p, Baseline: baseline, Thresholds: th})
	finish()
	if out.Run.Meta.ID != 0 {
		if rerr := a.writeReports(ctx, env, out.Run, out.Comparison, rf); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	switch {
	case out.Run.Meta.Status == "incomplete":
		return errors.Join(fmt.Errorf("eval run %d was interrupted and is stored as incomplete (not a pass)", out.Run.Meta.ID), err)
	case err != nil:
		return err
	case out.Comparison != nil && out.Comparison.Regressed && failOnRegression:
		fmt.Fprintf(env.stderr, "regression against run %d: %d case(s) flipped from pass to fail\n", out.Comparison.BaseID, len(out.Comparison.Flipped))
		return exitCode(1)
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// evalParams fills a run's identity from the running configuration.
func (a *app) evalParams(kb store.KB, set eval.GoldenSet, trigger string) eval.RunParams {
	model := "extractive"
	var versions map[string]string
	if a.gateway != nil {
		model = fmt.Sprint(a.gateway.Providers())
	}
	if a.prompts != nil {
		versions = a.prompts.Versions()
	}
	return eval.RunParams{Tenant: a.cfg.Tenant, KB: kb, Golden: set, Trigger: trigger, Model: model, Prompts: versions, Judge: a.judge,
		GitCommit: gitCommit(), Config: map[string]any{"top_k": a.cfg.TopK, "candidates": a.cfg.Candidates,
			"min_confidence": a.cfg.MinConfidence, "embedder": a.embedder.Model()}}
}

func (a *app) evalRunner() *eval.Runner { return eval.NewRunner(a.assistant, a.store, a.log, nil) }

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

// writeReports renders the run to stdout (or --out) and, with --html, the
// HTML report too; history feeds the trend chart.
func (a *app) writeReports(ctx context.Context, env *environment, run eval.Run, c *eval.Comparison, rf reportFlags) error {
	history, err := a.evalRunner().History(ctx, a.cfg.Tenant, run.Meta.KB, run.Meta.ID, 12)
	if err != nil {
		return err
	}
	rep := eval.Report{Run: run, Comparison: c}
	for _, h := range history {
		rep.History = append(rep.History, eval.PointOf(h))
	}
	if len(rep.History) == 0 || rep.History[len(rep.History)-1].ID != run.Meta.ID {
		rep.History = append(rep.History, eval.PointOf(run))
	}
	if err := renderTo(env.stdout, rf.out, rf.format, rep); err != nil {
		return err
	}
	if rf.html != "" {
		if err := renderTo(nil, rf.html, "html", rep); err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "HTML report written to %s\n", rf.html)
	}
	return nil
}

func renderTo(stdout io.Writer, path, format string, rep eval.Report) error {
	if path == "" {
		return eval.Render(stdout, format, rep)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := eval.Render(f, format, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func runEvalShow(ctx context.Context, env *environment, args []string) error {
	var rf reportFlags
	cfg, fs, err := loadConfig(env, "eval show", "[--format F] [--out FILE] [--html FILE] RUN_ID", config.General|config.Database, args, rf.register)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("eval show takes one run id")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("run id %q is not a number", fs.Arg(0))
	}
	a, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.close()
	run, c, err := a.evalRunner().Load(ctx, cfg.Tenant, id)
	if err != nil {
		return err
	}
	return a.writeReports(ctx, env, run, c, rf)
}

func runEvalList(ctx context.Context, env *environment, args []string) error {
	var kbName string
	var limit int
	cfg, _, err := loadConfig(env, "eval list", "[--kb NAME] [--limit N]", config.General|config.Database, args, func(fs *flag.FlagSet) {
		fs.StringVar(&kbName, "kb", "", "only runs of this knowledge base")
		fs.IntVar(&limit, "limit", 20, "how many runs")
	})
	if err != nil {
		return err
	}
	a, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.close()
	runs, err := a.evalRunner().List(ctx, store.EvalRunFilter{Tenant: cfg.Tenant, KB: kbName, Limit: limit})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%-6s %-10s %-9s %-8s %-10s %s\n", "run", "status", "trigger", "kb", "pass rate", "started")
	for _, r := range runs {
		fmt.Fprintf(env.stdout, "%-6d %-10s %-9s %-8s %-10.3f %s\n", r.Meta.ID, r.Meta.Status, r.Meta.Trigger, r.Meta.KB,
			r.Summary.PassRate.Mean, r.Meta.StartedAt.Format(time.RFC3339))
	}
	return nil
}

// caseProgress draws a bar on a terminal, and nothing otherwise (the
// report follows).
func caseProgress(w io.Writer, total int) (func(done, total int), func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("evaluating"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		return func(done, _ int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
	}
	return nil, func() {}
}
