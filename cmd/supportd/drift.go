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

	"supportd/internal/config"
	"supportd/internal/core"
	"supportd/internal/drift"
	"supportd/internal/store"
)

// driftWindows chooses the two windows a report compares: by time (the
// recent period and the longer period before it) or by count (the newest
// RecentN questions and the ReferenceN before them).
type driftWindows struct {
	Recent, Reference   time.Duration
	RecentN, ReferenceN int
}

func (w driftWindows) store(tenant, kb string, now time.Time) (ref, recent store.DriftWindow) {
	if w.RecentN > 0 {
		return store.DriftWindow{Tenant: tenant, KB: kb, Count: w.ReferenceN, Skip: w.RecentN},
			store.DriftWindow{Tenant: tenant, KB: kb, Count: w.RecentN}
	}
	split := now.Add(-w.Recent)
	return store.DriftWindow{Tenant: tenant, KB: kb, From: split.Add(-w.Reference), To: split},
		store.DriftWindow{Tenant: tenant, KB: kb, From: split, To: now.Add(time.Second)}
}

// driftReport compares the windows of one knowledge base, stores the
// report, publishes its signals as metrics and, on alert, calls the drift
// webhook.
func (a *app) driftReport(ctx context.Context, tenant, kb string, w driftWindows) (drift.Report, int64, error) {
	if _, err := a.store.KB(ctx, tenant, kb); err != nil {
		return drift.Report{}, 0, err
	}
	refW, recentW := w.store(tenant, kb, time.Now())
	ref, err := a.store.DriftQuestions(ctx, refW)
	if err != nil {
		return drift.Report{}, 0, err
	}
	recent, err := a.store.DriftQuestions(ctx, recentW)
	if err != nil {
		return drift.Report{}, 0, err
	}
	rep := drift.Compare(driftQuestions(ref), driftQuestions(recent), drift.Params{LowConfidence: a.cfg.MinConfidence})
	raw, err := json.Marshal(rep)
	if err != nil {
		return rep, 0, err
	}
	id, err := a.store.SaveDriftReport(ctx, tenant, kb, rep.Alert, raw)
	if err != nil {
		return rep, 0, err
	}
	for _, s := range rep.Signals {
		a.metrics.Drift(kb, s.Name+"_"+s.Metric, s.Value, s.Alert)
	}
	if rep.Alert {
		// No example questions leave the service: they are customers' words.
		a.driftHook.Send("drift.alert", map[string]any{"report_id": id, "kb": kb, "signals": alerted(rep),
			"new_terms": rep.NewTerms})
	}
	return rep, id, nil
}

func alerted(rep drift.Report) []drift.Signal {
	var out []drift.Signal
	for _, s := range rep.Signals {
		if s.Alert {
			out = append(out, s)
		}
	}
	return out
}

func driftQuestions(qs []store.DriftQuestion) []drift.Question {
	out := make([]drift.Question, len(qs))
	for i, q := range qs {
		out[i] = drift.Question{Text: q.Text, TopDoc: q.TopDoc, Mode: core.Mode(q.Mode), Confidence: q.Confidence}
	}
	return out
}

// scheduledDrift reports on every knowledge base of the tenant.
func (a *app) scheduledDrift(ctx context.Context) error {
	kbs, err := a.store.KBs(ctx, a.cfg.Tenant)
	if err != nil {
		return err
	}
	var errs []error
	for _, kb := range kbs {
		rep, id, err := a.driftReport(ctx, a.cfg.Tenant, kb.Name, driftWindows{Recent: a.cfg.DriftRecent, Reference: a.cfg.DriftReference})
		if err != nil {
			errs = append(errs, fmt.Errorf("drift report for %s: %w", kb.Name, err))
			continue
		}
		a.log.Info("drift report", "kb", kb.Name, "report_id", id, "alert", rep.Alert, "insufficient", rep.Insufficient,
			"recent", rep.RecentN, "reference", rep.ReferenceN)
	}
	return errors.Join(errs...)
}

func runDrift(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "report" {
		fmt.Fprintln(env.stderr, "usage: supportd drift report --kb NAME [--recent 24h --reference 168h | --recent-n 500 --reference-n 500] [--format table|json]")
		return errors.New("drift needs the subcommand report")
	}
	var kb, format string
	var w driftWindows
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
	a, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.close()
	rep, id, err := a.driftReport(ctx, cfg.Tenant, or(kb, cfg.EvalKB), w)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printDrift(env.stdout, id, rep)
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
