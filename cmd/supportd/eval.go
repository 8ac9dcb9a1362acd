package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"supportd/internal/app"
	"supportd/internal/config"
	"supportd/internal/eval"
	"supportd/internal/store"
)

func runEval(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.stderr, "usage: supportd eval run|show|list|accept [flags]\n\n  run     score the assistant on a golden set\n  show    render a stored run\n  list    list stored runs\n  accept  pin a run as the baseline later runs are gated against")
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
	case "accept":
		return runEvalAccept(ctx, env, args[1:])
	}
	return fmt.Errorf("unknown eval subcommand %q (want run, show, list or accept)", args[0])
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
	cfg, fs, err := loadConfig(env, "eval run", "[--golden FILE] [--kb NAME] [--baseline pinned|RUN_ID|none] [--fail-on-regression]", answerSettings|config.Eval, args, func(fs *flag.FlagSet) {
		fs.StringVar(&golden, "golden", "", "golden set (JSONL); default SUPPORTD_EVAL_GOLDEN")
		fs.StringVar(&kbName, "kb", "", "knowledge base; default SUPPORTD_EVAL_KB")
		fs.StringVar(&baseline, "baseline", eval.BaselinePinned, `run to compare with: "pinned" (the run id in the file `+
			`"baseline" beside the golden set, else the last accepted run, else the first complete one), a run id, or "none"`)
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
	golden = or(golden, cfg.EvalGolden)
	set, err := eval.LoadGolden(golden)
	if err != nil {
		return err // line-numbered, before anything runs
	}
	if baseline, err = eval.BaselineSpec(baseline, golden); err != nil {
		return err
	}
	th, err := eval.LoadThresholds(or(thresholds, cfg.EvalThresholds))
	if err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	kb, err := a.Store.KB(ctx, cfg.Tenant, or(kbName, cfg.EvalKB))
	if err != nil {
		return err
	}
	progress, finish := caseProgress(env.stderr, len(set.Cases))
	p := a.EvalParams(kb, set, "cli")
	p.Concurrency, p.CaseTimeout, p.Progress = concurrency, caseTimeout, progress
	out, err := a.EvalRunner().Evaluate(ctx, eval.EvaluateParams{RunParams: p, Baseline: baseline, Thresholds: th})
	finish()
	if out.Run.Meta.ID != 0 {
		if rerr := writeReports(ctx, env, a, out.Run, out.Comparison, rf); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	switch {
	case out.Run.Meta.Status == "incomplete":
		return errors.Join(fmt.Errorf("eval run %d was interrupted and is stored as incomplete (not a pass)", out.Run.Meta.ID), err)
	case err != nil:
		return err
	case out.Comparison == nil && baseline != eval.BaselineNone:
		fmt.Fprintf(env.stderr, "no baseline to compare with yet: this is the first complete run of %s (pin another with 'supportd eval accept RUN')\n", kb.Name)
	case out.Comparison != nil && out.Comparison.Regressed && failOnRegression:
		fmt.Fprintf(env.stderr, "regression against run %d: %d case(s) flipped from pass to fail\n", out.Comparison.BaseID, len(out.Comparison.Flipped))
		return exitCode(1)
	}
	return nil
}

// runEvalAccept pins a run as its knowledge base's baseline (audited).
func runEvalAccept(ctx context.Context, env *environment, args []string) error {
	cfg, fs, err := loadConfig(env, "eval accept", "RUN_ID", config.General|config.Database, args, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("eval accept takes one run id")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("run id %q is not a number", fs.Arg(0))
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	run, err := a.EvalRunner().Accept(ctx, cfg.Tenant, id, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "run %d (pass rate %.3f) is now the baseline of knowledge base %s\n", run.Meta.ID, run.Summary.PassRate.Mean, run.Meta.KB)
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeReports renders the run to stdout (or --out) and, with --html, the
// HTML report too; history feeds the trend chart.
func writeReports(ctx context.Context, env *environment, a *app.App, run eval.Run, c *eval.Comparison, rf reportFlags) error {
	rep, err := a.EvalRunner().Report(ctx, a.Config.Tenant, run, c)
	if err != nil {
		return err
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
	a, err := app.Build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	run, c, err := a.EvalRunner().Load(ctx, cfg.Tenant, id)
	if err != nil {
		return err
	}
	return writeReports(ctx, env, a, run, c, rf)
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
	a, err := app.Build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	runs, err := a.EvalRunner().List(ctx, store.EvalRunFilter{Tenant: cfg.Tenant, KB: kbName, Limit: limit})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%-6s %-10s %-9s %-8s %-10s %-21s %s\n", "run", "status", "trigger", "kb", "pass rate", "started", "accepted")
	for _, r := range runs {
		accepted := ""
		if r.Meta.AcceptedAt != nil {
			accepted = r.Meta.AcceptedAt.Format(time.RFC3339) + " by " + r.Meta.AcceptedBy
		}
		fmt.Fprintf(env.stdout, "%-6d %-10s %-9s %-8s %-10.3f %-21s %s\n", r.Meta.ID, r.Meta.Status, r.Meta.Trigger, r.Meta.KB,
			r.Summary.PassRate.Mean, r.Meta.StartedAt.Format(time.RFC3339), accepted)
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
