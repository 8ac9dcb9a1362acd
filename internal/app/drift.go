package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"supportd/internal/digest"
	"supportd/internal/drift"
	"supportd/internal/store"
)

// DriftWindows chooses the two windows a report compares: by time (the
// recent period and the longer period before it) or by count (the newest
// RecentN questions and the ReferenceN before them).
type DriftWindows struct {
	Recent, Reference   time.Duration
	RecentN, ReferenceN int
}

func (w DriftWindows) store(tenant, kb string, now time.Time) (ref, recent store.DriftWindow) {
	if w.RecentN > 0 {
		return store.DriftWindow{Tenant: tenant, KB: kb, Count: w.ReferenceN, Skip: w.RecentN},
			store.DriftWindow{Tenant: tenant, KB: kb, Count: w.RecentN}
	}
	split := now.Add(-w.Recent)
	return store.DriftWindow{Tenant: tenant, KB: kb, From: split.Add(-w.Reference), To: split},
		store.DriftWindow{Tenant: tenant, KB: kb, From: split, To: now.Add(time.Second)}
}

// DriftReport compares the windows of one knowledge base, stores the
// report, publishes its signals as metrics and, on alert, calls the drift
// webhook.
func (a *App) DriftReport(ctx context.Context, tenant, kb string, w DriftWindows) (drift.Report, int64, error) {
	if _, err := a.Store.KB(ctx, tenant, kb); err != nil {
		return drift.Report{}, 0, err
	}
	refW, recentW := w.store(tenant, kb, a.Now())
	ref, err := a.Store.DriftQuestions(ctx, refW)
	if err != nil {
		return drift.Report{}, 0, err
	}
	recent, err := a.Store.DriftQuestions(ctx, recentW)
	if err != nil {
		return drift.Report{}, 0, err
	}
	rep := drift.Compare(digest.Questions(ref), digest.Questions(recent), drift.Params{LowConfidence: a.Config.MinConfidence,
		MinQuestions: a.Config.DriftMinQuestions})
	raw, err := json.Marshal(rep)
	if err != nil {
		return rep, 0, err
	}
	id, err := a.Store.SaveDriftReport(ctx, tenant, kb, rep.Alert, raw)
	if err != nil {
		return rep, 0, err
	}
	for _, s := range rep.Signals {
		a.Metrics.Drift(kb, s.Name+"_"+s.Metric, s.Value, s.Alert)
	}
	if rep.Alert {
		// No example questions leave the service: they are customers' words.
		a.DriftHook.Send("drift.alert", map[string]any{"report_id": id, "kb": kb, "signals": alerted(rep),
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

// scheduledDrift reports on every knowledge base of the tenant.
func (a *App) scheduledDrift(ctx context.Context) error {
	kbs, err := a.Store.KBs(ctx, a.Config.Tenant)
	if err != nil {
		return err
	}
	var errs []error
	for _, kb := range kbs {
		rep, id, err := a.DriftReport(ctx, a.Config.Tenant, kb.Name, DriftWindows{Recent: a.Config.DriftRecent, Reference: a.Config.DriftReference})
		if err != nil {
			errs = append(errs, fmt.Errorf("drift report for %s: %w", kb.Name, err))
			continue
		}
		a.Log.Info("drift report", "kb", kb.Name, "report_id", id, "alert", rep.Alert, "insufficient", rep.Insufficient,
			"recent", rep.RecentN, "reference", rep.ReferenceN)
	}
	return errors.Join(errs...)
}
