package eval

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/store"
)

// Answerer is the pipeline under test: the same assistant the API uses.
type Answerer interface {
	Answer(ctx context.Context, t assistant.Turn) (core.Answer, error)
}

// Runs is the storage of runs and results.
type Runs interface {
	CreateEvalRun(ctx context.Context, r store.EvalRunRow) (int64, error)
	SaveEvalResult(ctx context.Context, tenant string, runID int64, r store.EvalResultRow) error
	FinishEvalRun(ctx context.Context, tenant string, runID int64, status string, finished time.Time,
		summary, comparison json.RawMessage) error
	AbandonStaleEvalRuns(ctx context.Context, staleAfter time.Duration) (int64, error)
	EvalRun(ctx context.Context, tenant string, id int64) (store.EvalRunRow, []store.EvalResultRow, error)
	EvalRuns(ctx context.Context, f store.EvalRunFilter) ([]store.EvalRunRow, error)
	AcceptedEvalRun(ctx context.Context, tenant, kb string) (store.EvalRunRow, bool, error)
	AcceptEvalRun(ctx context.Context, tenant string, id int64, actor string) (store.EvalRunRow, error)
	DocumentURIs(ctx context.Context, kb store.KB) (map[string]bool, error)
}

// Runner scores the assistant on a golden set.
type Runner struct {
	answerer Answerer
	runs     Runs
	log      *slog.Logger
	now      func() time.Time
}

// NewRunner returns a Runner. The answerer, storage and logger are
// required; now, the clock that stamps runs, defaults to time.Now.
func NewRunner(a Answerer, runs Runs, log *slog.Logger, now func() time.Time) *Runner {
	if a == nil || runs == nil || log == nil {
		panic("eval.NewRunner: missing dependency")
	}
	if now == nil {
		now = time.Now
	}
	return &Runner{answerer: a, runs: runs, log: log, now: now}
}

// RunParams is one evaluation.
type RunParams struct {
	Tenant      string
	KB          store.KB
	Golden      GoldenSet
	Concurrency int           // cases in flight; default 4
	CaseTimeout time.Duration // per case; default 60 s
	K           int           // recall@k; default 5
	Trigger     string        // "cli", "schedule", "api"
	Model       string
	Prompts     map[string]string
	GitCommit   string
	Config      map[string]any
	Seed        uint64 // bootstrap seed; default 1
	// Judge, when set, adds the LLM-as-judge metrics to answered cases.
	Judge *Judge
	// Progress, when set, is told after each case.
	Progress func(done, total int)
}

// staleAfter is how long a "running" run may go without a result before
// it counts as abandoned by a dead process.
const staleAfter = 15 * time.Minute

// Run evaluates every case through the assistant with bounded concurrency
// and a deadline per case; one failing case never stops the run. Results
// are stored as they finish. A cancelled run (Ctrl-C, shutdown) is stored
// as incomplete with what it finished, and never reported as a pass.
func (r *Runner) Run(ctx context.Context, p RunParams) (Run, error) {
	p.Concurrency = cmp.Or(p.Concurrency, 4)
	p.CaseTimeout = cmp.Or(p.CaseTimeout, 60*time.Second)
	p.K = cmp.Or(p.K, 5)
	p.Seed = cmp.Or(p.Seed, 1)
	if n, err := r.runs.AbandonStaleEvalRuns(ctx, staleAfter); err != nil {
		return Run{}, err
	} else if n > 0 {
		r.log.Warn("marked abandoned eval runs incomplete", "runs", n)
	}
	uris, err := r.runs.DocumentURIs(ctx, p.KB)
	if err != nil {
		return Run{}, err
	}
	meta := RunMeta{Tenant: p.Tenant, StartedAt: r.now().UTC(), Status: "running", Trigger: p.Trigger, GoldenPath: p.Golden.Path,
		GoldenHash: p.Golden.Hash, KB: p.KB.Name, ContentVersion: p.KB.ContentVersion, PromptVersions: p.Prompts,
		Model: p.Model, GitCommit: p.GitCommit, Config: p.Config}
	meta.ID, err = r.runs.CreateEvalRun(ctx, store.EvalRunRow{Tenant: p.Tenant, KB: meta.KB, Trigger: meta.Trigger,
		GoldenPath: meta.GoldenPath, GoldenHash: meta.GoldenHash, ContentVersion: meta.ContentVersion,
		PromptVersions: meta.PromptVersions, Model: meta.Model, GitCommit: meta.GitCommit, Config: meta.Config,
		StartedAt: meta.StartedAt})
	if err != nil {
		return Run{}, err
	}
	results, runErr := r.cases(ctx, p, meta.ID, uris)
	run := Run{Meta: meta, Results: results, Summary: Summarize(results, p.Seed)}
	run.Meta.Status = "complete"
	if runErr != nil || len(results) < len(p.Golden.Cases) {
		run.Meta.Status = "incomplete"
	}
	finished := r.now().UTC()
	run.Meta.FinishedAt = &finished
	// The run is closed even when ctx was cancelled: an interrupted run
	// must say so rather than stay "running".
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.Finish(fctx, run, nil); err != nil {
		return run, errors.Join(runErr, err)
	}
	return run, runErr
}

// Finish stores a run's final status, summary and comparison.
func (r *Runner) Finish(ctx context.Context, run Run, cmpn *Comparison) error {
	summary, err := json.Marshal(run.Summary)
	if err != nil {
		return err
	}
	var comparison json.RawMessage
	if cmpn != nil {
		if comparison, err = json.Marshal(cmpn); err != nil {
			return err
		}
	}
	finished := r.now().UTC()
	if run.Meta.FinishedAt != nil {
		finished = *run.Meta.FinishedAt
	}
	return r.runs.FinishEvalRun(ctx, run.Meta.Tenant, run.Meta.ID, run.Meta.Status, finished, summary, comparison)
}

// cases runs the golden set; results come back in golden-file order.
func (r *Runner) cases(ctx context.Context, p RunParams, runID int64, uris map[string]bool) ([]CaseResult, error) {
	out := make([]*CaseResult, len(p.Golden.Cases))
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.Concurrency)
	for i, c := range p.Golden.Cases {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			res := r.one(gctx, p, c, uris)
			if gctx.Err() != nil && res.Status == StatusError {
				return gctx.Err() // cut short by the cancellation, not a real result
			}
			if err := r.save(gctx, p.Tenant, runID, res); err != nil {
				return err
			}
			mu.Lock()
			out[i] = &res
			done++
			if p.Progress != nil {
				p.Progress(done, len(p.Golden.Cases))
			}
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	results := make([]CaseResult, 0, len(out))
	for _, res := range out {
		if res != nil {
			results = append(results, *res)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return results, err
}

// one answers and scores one case.
func (r *Runner) one(ctx context.Context, p RunParams, c Case, uris map[string]bool) CaseResult {
	for _, src := range c.ExpectedSources {
		if !uris[src] {
			return CaseResult{CaseID: c.ID, Tags: c.Tags, Status: StatusStale, Metrics: map[string]float64{},
				Failures: []string{fmt.Sprintf("stale case: expected source %q is not in knowledge base %q", src, p.KB.Name)}}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, p.CaseTimeout)
	defer cancel()
	// The purpose keeps the case out of the cache, review, drift and
	// candidates; "eval" is only the client its tokens are budgeted to.
	turn := assistant.Turn{Tenant: p.Tenant, KB: p.KB.Name, Question: c.Question, ClientID: "eval", Purpose: core.PurposeEvaluation}
	for i := 0; i+1 < len(c.History); i += 2 {
		if c.History[i].Role == "user" && c.History[i+1].Role == "assistant" {
			turn.History = append(turn.History, assistant.Exchange{Question: c.History[i].Content, Answer: c.History[i+1].Content})
		}
	}
	ans, err := r.answerer.Answer(ctx, turn)
	res := Score(c, observe(ans, err), p.K)
	if p.Judge != nil && res.Status == StatusOK && !res.Obs.Handled() && res.Obs.Answer != "" {
		v, err := p.Judge.Grade(ctx, c, res.Obs)
		if err != nil {
			r.log.WarnContext(ctx, "judge failed; case kept without judge scores", "case", c.ID, "err", err)
		} else {
			res.Metrics[MetricJudgeFaithfulness], res.Metrics[MetricJudgeRelevance] = v.Faithfulness, v.Relevance
		}
	}
	return res
}

// observe turns the assistant's answer into what the metrics read.
func observe(ans core.Answer, err error) Observation {
	if err != nil {
		return Observation{Error: err.Error()}
	}
	o := Observation{Answer: ans.Text, Mode: string(ans.Mode), DegradedReason: ans.DegradedReason,
		Confidence: ans.Confidence, Latency: ans.Latency}
	seen := map[string]bool{}
	for _, p := range ans.Retrieved {
		o.Passages = append(o.Passages, p.Text)
		if !seen[p.SourceURI] {
			seen[p.SourceURI] = true
			o.Retrieved = append(o.Retrieved, p.SourceURI)
		}
	}
	for _, c := range ans.Citations {
		o.Cited = append(o.Cited, c.Document)
	}
	if ans.Usage != nil {
		o.PromptTokens, o.OutputTokens, o.CostUSD = ans.Usage.PromptTokens, ans.Usage.CompletionTokens, ans.Usage.CostUSD
	}
	return o
}

func (r *Runner) save(ctx context.Context, tenant string, runID int64, res CaseResult) error {
	obs, err := json.Marshal(res.Obs)
	if err != nil {
		return err
	}
	return r.runs.SaveEvalResult(ctx, tenant, runID, store.EvalResultRow{CaseID: res.CaseID, Tags: res.Tags, Status: res.Status,
		Pass: res.Pass, Metrics: res.Metrics, Failures: res.Failures, Observation: obs})
}

// Load reads a stored run with its results.
func (r *Runner) Load(ctx context.Context, tenant string, id int64) (Run, *Comparison, error) {
	row, rows, err := r.runs.EvalRun(ctx, tenant, id)
	if err != nil {
		return Run{}, nil, err
	}
	run, cmpn, err := fromRow(row)
	if err != nil {
		return Run{}, nil, err
	}
	for _, rr := range rows {
		res := CaseResult{CaseID: rr.CaseID, Tags: rr.Tags, Status: rr.Status, Pass: rr.Pass, Metrics: rr.Metrics, Failures: rr.Failures}
		if err := json.Unmarshal(rr.Observation, &res.Obs); err != nil {
			return Run{}, nil, fmt.Errorf("decode eval result %s: %w", rr.CaseID, err)
		}
		run.Results = append(run.Results, res)
	}
	return run, cmpn, nil
}

func fromRow(row store.EvalRunRow) (Run, *Comparison, error) {
	run := Run{Meta: RunMeta{ID: row.ID, Tenant: row.Tenant, StartedAt: row.StartedAt, FinishedAt: row.FinishedAt, Status: row.Status,
		Trigger: row.Trigger, GoldenPath: row.GoldenPath, GoldenHash: row.GoldenHash, KB: row.KB,
		ContentVersion: row.ContentVersion, PromptVersions: row.PromptVersions, Model: row.Model,
		GitCommit: row.GitCommit, Config: row.Config, AcceptedAt: row.AcceptedAt, AcceptedBy: row.AcceptedBy}}
	if len(row.Summary) > 0 {
		if err := json.Unmarshal(row.Summary, &run.Summary); err != nil {
			return run, nil, fmt.Errorf("decode eval run %d summary: %w", row.ID, err)
		}
	}
	var cmpn *Comparison
	if len(row.Comparison) > 0 && string(row.Comparison) != "null" {
		cmpn = &Comparison{}
		if err := json.Unmarshal(row.Comparison, cmpn); err != nil {
			return run, nil, fmt.Errorf("decode eval run %d comparison: %w", row.ID, err)
		}
	}
	return run, cmpn, nil
}

// List returns the tenant's runs (summaries only), newest first.
func (r *Runner) List(ctx context.Context, f store.EvalRunFilter) ([]Run, error) {
	rows, err := r.runs.EvalRuns(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Run, 0, len(rows))
	for _, row := range rows {
		run, _, err := fromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, run)
	}
	return out, nil
}

// Baseline specs: what a run is compared with.
const (
	// BaselinePinned is the run accepted most recently for the knowledge
	// base (supportd eval accept) or, before any has been accepted, its
	// first complete run. Never simply the previous run: a regression would
	// then become the baseline and pass the gate the second time.
	BaselinePinned = "pinned"
	// BaselineNone compares with nothing.
	BaselineNone = ""
)

// Baseline resolves spec (BaselinePinned, a run id, or BaselineNone) to a
// complete run of knowledge base kb other than exclude; ok is false when
// there is none.
func (r *Runner) Baseline(ctx context.Context, tenant, kb, spec string, exclude int64) (Run, bool, error) {
	switch spec {
	case BaselineNone:
		return Run{}, false, nil
	case BaselinePinned:
		row, ok, err := r.runs.AcceptedEvalRun(ctx, tenant, kb)
		if err != nil {
			return Run{}, false, err
		}
		if !ok {
			rows, err := r.runs.EvalRuns(ctx, store.EvalRunFilter{Tenant: tenant, KB: kb, Status: "complete", Oldest: true, Limit: 1})
			if err != nil || len(rows) == 0 {
				return Run{}, false, err
			}
			row = rows[0]
		}
		if row.ID == exclude {
			return Run{}, false, nil
		}
		run, _, err := r.Load(ctx, tenant, row.ID)
		return run, err == nil, err
	}
	id, err := strconv.ParseInt(spec, 10, 64)
	if err != nil || id <= 0 {
		return Run{}, false, core.Errorf(core.CodeInvalid, "baseline must be a run id or %q, not %q", BaselinePinned, spec)
	}
	run, _, err := r.Load(ctx, tenant, id)
	switch {
	case err != nil:
		return Run{}, false, err
	case run.Meta.KB != kb:
		return Run{}, false, core.Errorf(core.CodeInvalid, "baseline run %d is of knowledge base %q, not %q", id, run.Meta.KB, kb)
	case run.Meta.Status != "complete":
		return Run{}, false, core.Errorf(core.CodeInvalid, "baseline run %d is %s, not complete", id, run.Meta.Status)
	}
	return run, true, nil
}

// Latest returns the newest complete run of kb; ok is false when there is
// none.
func (r *Runner) Latest(ctx context.Context, tenant, kb string) (Run, bool, error) {
	rows, err := r.runs.EvalRuns(ctx, store.EvalRunFilter{Tenant: tenant, KB: kb, Status: "complete", Limit: 1})
	if err != nil || len(rows) == 0 {
		return Run{}, false, err
	}
	run, _, err := r.Load(ctx, tenant, rows[0].ID)
	return run, err == nil, err
}

// Accept pins a complete run as its knowledge base's baseline; the store
// audits it as done by actor.
func (r *Runner) Accept(ctx context.Context, tenant string, id int64, actor string) (Run, error) {
	row, err := r.runs.AcceptEvalRun(ctx, tenant, id, actor)
	if err != nil {
		return Run{}, err
	}
	run, _, err := fromRow(row)
	return run, err
}

// History returns up to n complete runs of kb ending with (and including)
// upTo, oldest first, for trend charts.
func (r *Runner) History(ctx context.Context, tenant, kb string, upTo int64, n int) ([]Run, error) {
	rows, err := r.runs.EvalRuns(ctx, store.EvalRunFilter{Tenant: tenant, KB: kb, Status: "complete", Before: upTo + 1, Limit: n})
	if err != nil {
		return nil, err
	}
	out := make([]Run, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		run, _, err := fromRow(rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, run)
	}
	return out, nil
}

// Report assembles what a renderer needs for the tenant's run: its
// comparison and the trend of the knowledge base's recent complete runs,
// ending with run itself (complete or not).
func (r *Runner) Report(ctx context.Context, tenant string, run Run, c *Comparison) (Report, error) {
	history, err := r.History(ctx, tenant, run.Meta.KB, run.Meta.ID, 12)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Run: run, Comparison: c}
	for _, h := range history {
		rep.History = append(rep.History, PointOf(h))
	}
	if len(rep.History) == 0 || rep.History[len(rep.History)-1].ID != run.Meta.ID {
		rep.History = append(rep.History, PointOf(run))
	}
	return rep, nil
}
