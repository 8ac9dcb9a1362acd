package eval_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/assistant"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

type bundle struct {
	kit    *testkit.Kit
	kb     store.KB
	golden eval.GoldenSet
}

func setup(t *testing.T) bundle {
	t.Helper()
	kit, kb := testkit.NewDemo(t, testkit.Options{})
	golden, err := eval.LoadGolden(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	return bundle{kit: kit, kb: kb, golden: golden}
}

func (b bundle) runner(a eval.Answerer) *eval.Runner {
	return eval.NewRunner(a, b.kit.Store, b.kit.Log, steps(runEpoch, time.Minute))
}

// runEpoch is when the test clock starts.
var runEpoch = time.Date(2031, 3, 4, 5, 6, 0, 0, time.UTC)

// steps is a clock that reads from, then from+step, from+2*step, ...
func steps(from time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	next := from
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := next
		next = next.Add(step)
		return now
	}
}

func (b bundle) params() eval.RunParams {
	return eval.RunParams{Tenant: testkit.Tenant, KB: b.kb, Golden: b.golden, Trigger: "test", Model: "extractive", Concurrency: 4}
}

func TestRunScoresTheDemoGoldenSet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.runner(b.kit.Assistant)
	run, err := r.Run(context.Background(), b.params())
	require.NoError(t, err)
	require.Equal(t, "complete", run.Meta.Status)
	require.Len(t, run.Results, len(b.golden.Cases))
	require.Equal(t, len(b.golden.Cases), run.Summary.Cases)
	require.Zero(t, run.Summary.Errors)
	modes := 0
	for _, n := range run.Summary.Modes {
		modes += n
	}
	require.Equal(t, len(b.golden.Cases), modes)
	// Floors a little under today's figures (README): a regression in the
	// pipeline fails here before it reaches a customer.
	require.GreaterOrEqual(t, run.Summary.Metrics[eval.MetricRecallAtK].Mean, 0.8)
	require.GreaterOrEqual(t, run.Summary.PassRate.Mean, 0.25)
	require.Contains(t, run.Summary.Slices, "billing")

	stored, cmpn, err := r.Load(context.Background(), testkit.Tenant, run.Meta.ID)
	require.NoError(t, err)
	require.Nil(t, cmpn)
	require.Equal(t, "complete", stored.Meta.Status)
	require.Equal(t, run.Summary.PassRate, stored.Summary.PassRate)
	require.Len(t, stored.Results, len(run.Results))
	require.Equal(t, b.golden.Hash, stored.Meta.GoldenHash)
	require.Equal(t, b.kb.ContentVersion, stored.Meta.ContentVersion)
	require.Equal(t, runEpoch, run.Meta.StartedAt, "stamped by the runner's clock")
	require.Equal(t, runEpoch.Add(time.Minute), *run.Meta.FinishedAt)
	require.True(t, stored.Meta.StartedAt.Equal(run.Meta.StartedAt), "stored as it was stamped")
	require.True(t, stored.Meta.FinishedAt.Equal(*run.Meta.FinishedAt))

	var evalTurns int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(),
		`SELECT count(*) FROM turns WHERE client_id = 'eval'`).Scan(&evalTurns))
	require.Equal(t, len(b.golden.Cases), evalTurns, "every case went through the real pipeline and was recorded")
}

func TestRegressionGateFiresOnADegradedPipelineOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var hooks []map[string]any
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		mu.Lock()
		hooks = append(hooks, body)
		mu.Unlock()
	}))
	defer hook.Close()
	evaluate := func(a eval.Answerer) eval.Outcome {
		out, err := b.runner(a).Evaluate(context.Background(), eval.EvaluateParams{RunParams: b.params(), Baseline: eval.BaselinePinned,
			Thresholds: eval.DefaultThresholds(), WebhookURL: hook.URL})
		require.NoError(t, err)
		return out
	}
	first := evaluate(b.kit.Assistant)
	require.Nil(t, first.Comparison, "no baseline yet")

	same := evaluate(b.kit.Assistant)
	require.NotNil(t, same.Comparison)
	require.Equal(t, first.Run.Meta.ID, same.Comparison.BaseID)
	require.False(t, same.Comparison.Regressed, "an identical rerun is quiet")
	require.Empty(t, same.Comparison.Flipped)

	// Retrieval forced down to one passage.
	degraded := testkit.WireWith(t, b.kit.Store, testkit.Options{Assistant: assistant.Params{TopK: 1}})
	worse := evaluate(degraded.Assistant)
	require.NotNil(t, worse.Comparison)
	require.True(t, worse.Comparison.Regressed)
	require.NotEmpty(t, worse.Comparison.Flipped)
	var regressed []string
	for _, m := range worse.Comparison.Moves {
		if m.Regressed {
			regressed = append(regressed, m.Metric+"/"+m.Slice)
		}
	}
	require.NotEmpty(t, regressed)

	// The same regression again is still a regression: the baseline is
	// pinned, not the previous run.
	again := evaluate(degraded.Assistant)
	require.Equal(t, first.Run.Meta.ID, again.Comparison.BaseID)
	require.True(t, again.Comparison.Regressed)

	mu.Lock()
	require.Len(t, hooks, 2, "only the regressions are announced")
	require.Equal(t, "eval.regression", hooks[0]["event"])
	require.EqualValues(t, worse.Run.Meta.ID, hooks[0]["run_id"])
	require.EqualValues(t, again.Run.Meta.ID, hooks[1]["run_id"])
	mu.Unlock()

	_, cmpn, err := b.runner(b.kit.Assistant).Load(context.Background(), testkit.Tenant, worse.Run.Meta.ID)
	require.NoError(t, err)
	require.Equal(t, worse.Comparison.Flipped, cmpn.Flipped, "the comparison is stored with the run")

	// Accepting the degraded run (a trade-off someone chose) moves the pin.
	accepted, err := b.runner(b.kit.Assistant).Accept(context.Background(), testkit.Tenant, worse.Run.Meta.ID, "cli")
	require.NoError(t, err)
	require.NotNil(t, accepted.Meta.AcceptedAt)
	require.Equal(t, "cli", accepted.Meta.AcceptedBy)
	third := evaluate(degraded.Assistant)
	require.Equal(t, worse.Run.Meta.ID, third.Comparison.BaseID)
	require.False(t, third.Comparison.Regressed)
	var audited int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action = 'eval.accept' AND actor = 'cli' AND target = $1`, fmt.Sprint(worse.Run.Meta.ID)).Scan(&audited))
	require.Equal(t, 1, audited)
}

func TestOnlyACompleteRunOfTheSameKBCanBeTheBaseline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	r := b.runner(b.kit.Assistant)
	id, err := b.kit.Store.CreateEvalRun(ctx, store.EvalRunRow{Tenant: testkit.Tenant, KB: "demo", Trigger: "test",
		GoldenPath: "g", GoldenHash: "h", Model: "m"})
	require.NoError(t, err)
	_, err = r.Accept(ctx, testkit.Tenant, id, "cli")
	require.Equal(t, core.CodeConflict, core.ErrorCode(err), "a running run: %v", err)
	_, err = r.Accept(ctx, testkit.Tenant, 999999, "cli")
	require.Equal(t, core.CodeNotFound, core.ErrorCode(err))
	_, err = r.Accept(ctx, "acme", id, "cli")
	require.Equal(t, core.CodeNotFound, core.ErrorCode(err), "another tenant's run")
	_, _, err = r.Baseline(ctx, testkit.Tenant, "demo", "abc", 0)
	require.Equal(t, core.CodeInvalid, core.ErrorCode(err))
	_, _, err = r.Baseline(ctx, testkit.Tenant, "other", fmt.Sprint(id), 0)
	require.ErrorContains(t, err, `is of knowledge base "demo", not "other"`)
	_, ok, err := r.Baseline(ctx, testkit.Tenant, "demo", eval.BaselinePinned, 0)
	require.NoError(t, err)
	require.False(t, ok, "no complete run yet")
}

func TestStaleCasesAreNotModelFailures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.kit.Store.DeleteDocuments(context.Background(), b.kb, []string{"billing/refunds.md"})
	require.NoError(t, err)
	kb, err := b.kit.Store.KB(context.Background(), testkit.Tenant, "demo")
	require.NoError(t, err)
	p := b.params()
	p.KB = kb
	run, err := b.runner(b.kit.Assistant).Run(context.Background(), p)
	require.NoError(t, err)
	stale := 0
	for _, r := range run.Results {
		if r.Status == eval.StatusStale {
			stale++
			require.Contains(t, r.Failures[0], `stale case: expected source "billing/refunds.md"`)
		}
	}
	require.Positive(t, stale)
	require.Equal(t, stale, run.Summary.Stale)
}

func TestInterruptedRunIsIncomplete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	p := b.params()
	p.Concurrency = 1
	p.Progress = func(done, _ int) {
		if done == 5 {
			cancel() // Ctrl-C
		}
	}
	run, err := b.runner(b.kit.Assistant).Run(ctx, p)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "incomplete", run.Meta.Status)
	require.Less(t, len(run.Results), len(b.golden.Cases))
	stored, _, err := b.runner(b.kit.Assistant).Load(context.Background(), testkit.Tenant, run.Meta.ID)
	require.NoError(t, err)
	require.Equal(t, "incomplete", stored.Meta.Status, "never reported as a pass")

	// A later run skips it as a baseline.
	_, ok, err := b.runner(b.kit.Assistant).Baseline(context.Background(), testkit.Tenant, "demo", eval.BaselinePinned, run.Meta.ID+1)
	require.NoError(t, err)
	require.False(t, ok)
}

func TestAbandonedRunsAreMarkedIncomplete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id, err := b.kit.Store.CreateEvalRun(ctx, store.EvalRunRow{Tenant: testkit.Tenant, KB: "demo", Trigger: "test",
		GoldenPath: "g", GoldenHash: "h", Model: "m"})
	require.NoError(t, err)
	_, err = dbtest.Owner(t, b.kit.Store).Exec(ctx, `UPDATE eval_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, id)
	require.NoError(t, err)
	n, err := b.kit.Store.AbandonStaleEvalRuns(ctx, 15*time.Minute)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	run, _, err := b.runner(b.kit.Assistant).Load(ctx, testkit.Tenant, id)
	require.NoError(t, err)
	require.Equal(t, "incomplete", run.Meta.Status)
}

func TestOneFailingCaseDoesNotStopTheRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	golden, err := eval.ParseGolden(strings.NewReader(
		`{"id":"ok","question":"How do I get a refund on an annual plan?","reference_answer":"Within 14 days.","required_facts":[],"expected_sources":["billing/refunds.md"],"should_handoff":false,"tags":["t"]}
{"id":"bad","question":"`+strings.Repeat("x", 17000)+`","reference_answer":"-","required_facts":[],"expected_sources":[],"should_handoff":false,"tags":["t"]}
`), "inline.jsonl")
	require.NoError(t, err)
	p := b.params()
	p.Golden = golden
	run, err := b.runner(b.kit.Assistant).Run(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, "complete", run.Meta.Status)
	require.Equal(t, 1, run.Summary.Errors)
	require.Equal(t, eval.StatusError, run.Results[1].Status)
	require.Contains(t, run.Results[1].Failures[0], "question_too_long")
	require.Equal(t, eval.StatusOK, run.Results[0].Status)
}
