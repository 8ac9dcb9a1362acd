package eval

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// EvaluateParams is a run plus what to compare it with and whom to tell.
type EvaluateParams struct {
	RunParams
	// Baseline is BaselinePinned, a run id, or BaselineNone (see
	// [Runner.Baseline]).
	Baseline   string
	Thresholds Thresholds
	// WebhookURL, when set, receives a JSON POST when the run regresses.
	WebhookURL string
	HTTPClient *http.Client
}

// Outcome is an evaluated run with its comparison.
type Outcome struct {
	Run        Run
	Comparison *Comparison
}

// Evaluate runs the golden set, compares the run with its baseline, stores
// the comparison and notifies the webhook on regression. The CLI and the
// scheduled job both come through here.
func (r *Runner) Evaluate(ctx context.Context, p EvaluateParams) (Outcome, error) {
	run, err := r.Run(ctx, p.RunParams)
	out := Outcome{Run: run}
	if err != nil || run.Meta.Status != "complete" {
		return out, err
	}
	base, ok, err := r.Baseline(ctx, p.Tenant, p.KB.Name, p.Baseline, run.Meta.ID)
	if err != nil || !ok {
		return out, err
	}
	c := Compare(base, run, p.Thresholds, cmp.Or(p.Seed, 1))
	out.Comparison = &c
	if err := r.Finish(ctx, run, &c); err != nil {
		return out, err
	}
	if c.Regressed && p.WebhookURL != "" {
		if err := notify(ctx, p.HTTPClient, p.WebhookURL, run, c); err != nil {
			r.log.Error("eval regression webhook failed", "run_id", run.Meta.ID, "err", err)
		}
	}
	return out, nil
}

// regressionEvent is the webhook's JSON body.
type regressionEvent struct {
	Event      string   `json:"event"`
	RunID      int64    `json:"run_id"`
	BaselineID int64    `json:"baseline_id"`
	KB         string   `json:"kb"`
	PassRate   float64  `json:"pass_rate"`
	Regressed  []Move   `json:"regressed"`
	Flipped    []string `json:"flipped"`
}

func notify(ctx context.Context, client *http.Client, url string, run Run, c Comparison) error {
	ev := regressionEvent{Event: "eval.regression", RunID: run.Meta.ID, BaselineID: c.BaseID, KB: run.Meta.KB,
		PassRate: run.Summary.PassRate.Mean, Flipped: c.Flipped, Regressed: []Move{}}
	for _, m := range c.Moves {
		if m.Regressed {
			ev.Regressed = append(ev.Regressed, m)
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
