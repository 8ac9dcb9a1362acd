package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"supportd/internal/app"
	"supportd/internal/config"
	"supportd/internal/drift"
)

func runDrift(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "report" {
		fmt.Fprintln(env.stderr, "usage: supportd drift report --kb NAME [--recent 24h --reference 168h | --recent-n 500 --reference-n 500] [--format table|json]\n\nExits 1 when the report alerts.")
		return errors.New("drift needs the subcommand report")
	}
	var kb, format string
	var w app.DriftWindows
	cfg, _, err := loadConfig(env, "drift report", "--kb NAME", config.General|config.Database|config.Drift, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&kb, "kb", "", "knowledge base (default SUPPORTD_EVAL_KB)")
		fs.DurationVar(&w.Recent, "recent", 0, "recent window (default SUPPORTD_DRIFT_RECENT)")
		fs.DurationVar(&w.Reference, "reference", 0, "reference window before it (default SUPPORTD_DRIFT_REFERENCE)")
		fs.IntVar(&w.RecentN, "recent-n", 0, "compare the newest N questions instead of a time window")
		fs.IntVar(&w.ReferenceN, "reference-n", 0, "with --recent-n: the N questions before them")
		fs.StringVar(&format, "format", "table", "table or json")
	})
	if err != nil {
		return err
	}
	if w.RecentN > 0 && w.ReferenceN <= 0 {
		return errors.New("--recent-n needs --reference-n")
	}
	if w.Recent == 0 {
		w.Recent = cfg.DriftRecent
	}
	if w.Reference == 0 {
		w.Reference = cfg.DriftReference
	}
	a, err := app.Build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	rep, id, err := a.DriftReport(ctx, cfg.Tenant, or(kb, cfg.EvalKB), w)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	a.DriftHook.Drain(dctx) // the alert reaches the webhook before the command exits
	cancel()
	if format == "json" {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printDrift(env.stdout, id, rep)
	}
	if rep.Alert {
		// Like eval run --fail-on-regression: cron or CI can act on it.
		return exitCode(1)
	}
	return nil
}

func printDrift(w io.Writer, id int64, rep drift.Report) {
	fmt.Fprintf(w, "drift report #%d: %d recent vs %d reference questions\n", id, rep.RecentN, rep.ReferenceN)
	if rep.Insufficient {
		fmt.Fprintf(w, "insufficient data: each window needs at least %d questions; no alert\n", rep.Params.MinQuestions)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSIGNAL\tMETRIC\tVALUE\tTHRESHOLD\tZ\tALERT\tDETAIL")
	for _, s := range rep.Signals {
		mark := ""
		if s.Alert {
			mark = "ALERT"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%.1f\t%s\t%s\n", s.Name, s.Metric, s.Value, s.Threshold, s.Z, mark, s.Detail)
	}
	tw.Flush()
	if len(rep.NewTerms) > 0 {
		var terms []string
		for _, t := range rep.NewTerms {
			terms = append(terms, fmt.Sprintf("%s (%d)", t.Term, t.RecentCount))
		}
		fmt.Fprintf(w, "\nnew terms: %s\n", strings.Join(terms, ", "))
	}
	if len(rep.UnansweredTopics) > 0 {
		fmt.Fprintln(w, "\nunanswered topics:")
		for _, t := range rep.UnansweredTopics {
			fmt.Fprintf(w, "  %-40s %d of %d unanswered", t.Topic, t.UnansweredCount, t.RecentCount)
			if len(t.Examples) > 0 {
				fmt.Fprintf(w, "  e.g. %q", t.Examples[0])
			}
			fmt.Fprintln(w)
		}
	}
	verdict := "no drift alert"
	if rep.Alert {
		verdict = "DRIFT ALERT"
	}
	fmt.Fprintf(w, "\n%s\n", verdict)
}
