package eval_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/eval"
	"supportd/internal/fakellm"
	"supportd/internal/llm"
	"supportd/internal/prompt"
	"supportd/prompts"
)

func newJudge(t *testing.T) (*eval.Judge, *fakellm.Server) {
	t.Helper()
	srv := fakellm.New(fakellm.Options{})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	p, err := llm.NewProvider(llm.ProviderParams{Kind: llm.OpenAI, Model: "judge", BaseURL: hs.URL + "/v1", APIKey: "x"})
	require.NoError(t, err)
	g, err := llm.NewGateway([]llm.Member{{Provider: p}}, llm.GatewayParams{MaxAttempts: 1})
	require.NoError(t, err)
	set, err := prompt.Load(prompts.FS)
	require.NoError(t, err)
	return eval.NewJudge(g, set), srv
}

func TestJudgeAddsItsOwnMetricsToAnsweredCases(t *testing.T) {
	t.Parallel()
	b := setup(t)
	judge, srv := newJudge(t)
	p := b.params()
	p.Judge = judge
	run, err := b.runner(b.kit.Assistant).Run(context.Background(), p)
	require.NoError(t, err)
	judged := 0
	for _, r := range run.Results {
		_, ok := r.Metrics[eval.MetricJudgeFaithfulness]
		if r.Obs.Handled() {
			require.False(t, ok, "%s: a handoff is not graded", r.CaseID)
			continue
		}
		require.True(t, ok, r.CaseID)
		require.InDelta(t, 1.0, r.Metrics[eval.MetricJudgeFaithfulness], 0.2, "%s: extractive answers quote their passages", r.CaseID)
		judged++
	}
	require.Equal(t, judged, srv.Count("/chat/completions"))
	require.Equal(t, judged, run.Summary.Metrics[eval.MetricJudgeRelevance].N)
	require.Contains(t, srv.LastRequest().Messages[0].Content, "<reference>")
}

func TestJudgeGrade(t *testing.T) {
	t.Parallel()
	judge, _ := newJudge(t)
	v, err := judge.Grade(context.Background(),
		eval.Case{Question: "How long do refunds take?", ReferenceAnswer: "Refunds take 14 days."},
		eval.Observation{Answer: "Refunds take 14 days. [1]", Passages: []string{"Refunds take 14 days to arrive."}})
	require.NoError(t, err)
	// Answer words {refunds take 14 days 1}: 4 of 5 in the passage; reference
	// words {refunds take 14 days}: all 4 in the answer.
	require.Equal(t, eval.Verdict{Faithfulness: 0.8, Relevance: 1, Reason: "word overlap (fake judge)"}, v)
}
