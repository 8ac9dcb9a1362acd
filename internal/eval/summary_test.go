package eval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// summaryResults is a small run:
//
//	id  status  pass  tags            metrics                               mode        latency
//	r1  ok      yes   billing, short  fact 1,   recall 1, decline_correct 1  llm         100ms
//	r2  ok      no    billing         fact 0.5, recall 0, decline_correct 1  extractive  300ms
//	r3  ok      yes   oos             decline_correct 1 (declined, right)    handoff     200ms
//	r4  ok      no    billing         fact 0,   decline_correct 0 (declined, wrong)  handoff  400ms
//	r5  ok      no    oos             decline_correct 0 (answered, should decline)  llm  500ms
//	r6  error                         —                                      —           600ms
//	r7  stale                         —                                      —           —
func summaryResults() []CaseResult {
	ok := func(id string, pass bool, tags []string, mode string, ms int, m map[string]float64) CaseResult {
		return CaseResult{CaseID: id, Tags: tags, Status: StatusOK, Pass: pass, Metrics: m,
			Obs: Observation{Mode: mode, Latency: time.Duration(ms) * time.Millisecond}}
	}
	rs := []CaseResult{
		ok("r1", true, []string{"billing", "short"}, "llm", 100,
			map[string]float64{MetricFactCoverage: 1, MetricRecallAtK: 1, MetricDeclineCorrect: 1}),
		ok("r2", false, []string{"billing"}, "extractive", 300,
			map[string]float64{MetricFactCoverage: 0.5, MetricRecallAtK: 0, MetricDeclineCorrect: 1}),
		ok("r3", true, []string{"oos"}, "handoff", 200, map[string]float64{MetricDeclineCorrect: 1}),
		ok("r4", false, []string{"billing"}, "handoff", 400, map[string]float64{MetricFactCoverage: 0, MetricDeclineCorrect: 0}),
		ok("r5", false, []string{"oos"}, "llm", 500, map[string]float64{MetricDeclineCorrect: 0}),
		{CaseID: "r6", Status: StatusError, Metrics: map[string]float64{},
			Obs: Observation{Error: "boom", Latency: 600 * time.Millisecond, PromptTokens: 7}},
		{CaseID: "r7", Status: StatusStale, Metrics: map[string]float64{}},
	}
	rs[0].Obs.PromptTokens, rs[0].Obs.OutputTokens, rs[0].Obs.CostUSD = 10, 5, 0.01
	rs[1].Obs.PromptTokens, rs[1].Obs.CostUSD = 20, 0.02
	return rs
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	s := Summarize(summaryResults(), 1)

	require.Equal(t, 7, s.Cases)
	require.Equal(t, 2, s.Passed)
	require.Equal(t, 1, s.Errors)
	require.Equal(t, 1, s.Stale)
	requireStat(t, s.PassRate, 0.4, 5) // 2 of the 5 scored cases
	require.Len(t, s.Metrics, 3)
	requireStat(t, s.Metrics[MetricFactCoverage], 0.5, 3)   // (1 + 0.5 + 0) / 3
	requireStat(t, s.Metrics[MetricRecallAtK], 0.5, 2)      // (1 + 0) / 2
	requireStat(t, s.Metrics[MetricDeclineCorrect], 0.6, 5) // (1 + 1 + 1 + 0 + 0) / 5

	require.ElementsMatch(t, []string{"billing", "short", "oos"}, keysOf(s.Slices))
	billing := s.Slices["billing"] // r1, r2, r4
	requireStat(t, billing[MetricPassRate], 1.0/3, 3)
	requireStat(t, billing[MetricFactCoverage], 0.5, 3)
	requireStat(t, billing[MetricRecallAtK], 0.5, 2)
	requireStat(t, billing[MetricDeclineCorrect], 2.0/3, 3)
	requireStat(t, s.Slices["short"][MetricPassRate], 1, 1)
	requireStat(t, s.Slices["oos"][MetricPassRate], 0.5, 2)
	requireStat(t, s.Slices["oos"][MetricDeclineCorrect], 0.5, 2)

	// Declined: r3, r4. Should decline: r3, r5. Correct: r3.
	require.Equal(t, 0.5, s.DeclinePrecision) // 1 / 2
	require.Equal(t, 0.5, s.DeclineRecall)    // 1 / 2
	// Answered: r1, r2, r5. Should answer: r1, r2, r4. Correct: r1, r2.
	require.InDelta(t, 2.0/3, s.AnswerPrecision, 1e-12)
	require.InDelta(t, 2.0/3, s.AnswerRecall, 1e-12)
	// Every confidence is 0 and one of five (r1) was answered right.
	require.InDelta(t, 0.2, s.ECE, 1e-12)

	// Ran: 100 200 300 400 500 600 ms. p50 rank ceil(0.5·6) = 3, p95 rank ceil(0.95·6) = 6.
	require.Equal(t, 300*time.Millisecond, s.LatencyP50)
	require.Equal(t, 600*time.Millisecond, s.LatencyP95)
	require.Equal(t, 37, s.PromptTokens) // 10 + 20 + 7, errors included
	require.Equal(t, 5, s.OutputTokens)
	require.InDelta(t, 0.03, s.CostUSD, 1e-12)
	require.Equal(t, map[string]int{"llm": 2, "extractive": 1, "handoff": 2}, s.Modes)
}

func requireStat(t *testing.T, s Stat, mean float64, n int) {
	t.Helper()
	require.InDelta(t, mean, s.Mean, 1e-12)
	require.Equal(t, n, s.N)
	require.LessOrEqual(t, s.CI.Lo, s.Mean, "CI contains the mean")
	require.GreaterOrEqual(t, s.CI.Hi, s.Mean, "CI contains the mean")
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSummarizeIsDeterministicForASeed(t *testing.T) {
	t.Parallel()
	require.Equal(t, Summarize(summaryResults(), 42), Summarize(summaryResults(), 42))
}

func TestSummarizeDeclineEdgeCases(t *testing.T) {
	t.Parallel()
	declined := func(handled bool, correct float64) CaseResult {
		mode := "llm"
		if handled {
			mode = "handoff"
		}
		return CaseResult{Status: StatusOK, Obs: Observation{Mode: mode}, Metrics: map[string]float64{MetricDeclineCorrect: correct}}
	}
	// Every case should decline and did: 2/2 and 2/2.
	s := Summarize([]CaseResult{declined(true, 1), declined(true, 1)}, 1)
	require.Equal(t, 1.0, s.DeclinePrecision)
	require.Equal(t, 1.0, s.DeclineRecall)
	requireStat(t, s.Metrics[MetricDeclineCorrect], 1, 2)

	// Nothing declined and nothing should: 0/0 is 1 for both.
	s = Summarize([]CaseResult{declined(false, 1)}, 1)
	require.Equal(t, 1.0, s.DeclinePrecision)
	require.Equal(t, 1.0, s.DeclineRecall)

	// Declined everything, one should have been answered: precision 1/2,
	// recall 1/1.
	s = Summarize([]CaseResult{declined(true, 1), declined(true, 0)}, 1)
	require.Equal(t, 0.5, s.DeclinePrecision)
	require.Equal(t, 1.0, s.DeclineRecall)

	// Declined nothing, one should have: precision 0/0 = 1, recall 0/1.
	s = Summarize([]CaseResult{declined(false, 0), declined(false, 1)}, 1)
	require.Equal(t, 1.0, s.DeclinePrecision)
	require.Equal(t, 0.0, s.DeclineRecall)
}

func TestECE(t *testing.T) {
	t.Parallel()
	// Bin 9: confidence 0.9 twice, one right: |1 − 1.8| = 0.8. Bin 1:
	// confidence 0.1 twice, none right: 0.2. Over four cases: 0.25.
	require.InDelta(t, 0.25, ECE([]float64{0.9, 0.95 - 0.05, 0.1, 0.1}, []bool{true, false, false, false}, 10), 1e-12)
	require.InDelta(t, 0.0, ECE([]float64{1, 1, 0, 0}, []bool{true, true, false, false}, 10), 1e-12, "1.0 falls in the top bin")
	require.InDelta(t, 0.5, ECE([]float64{0.5, 0.5}, []bool{true, true}, 10), 1e-12)
	require.Zero(t, ECE(nil, nil, 10))
}

func TestSummarizeEmpty(t *testing.T) {
	t.Parallel()
	s := Summarize(nil, 1)
	require.Equal(t, Stat{}, s.PassRate)
	require.Empty(t, s.Metrics)
	require.Empty(t, s.Slices)
	require.Equal(t, time.Duration(0), s.LatencyP95)
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	constant := Bootstrap([]float64{0.7, 0.7, 0.7, 0.7}, 2000, 1)
	require.Equal(t, constant.Lo, constant.Hi, "constant values: zero width")
	require.InDelta(t, 0.7, constant.Lo, 1e-12)

	require.Equal(t, Interval{}, Bootstrap(nil, 2000, 1))
	require.Equal(t, Interval{Lo: 0.3, Hi: 0.3}, Bootstrap([]float64{0.3}, 2000, 1))

	values := []float64{0.13, 0.57, 0.91, 0.02, 0.44, 0.68, 0.35, 0.79}
	mean := meanOf(values) // 3.89 / 8 = 0.48625
	require.InDelta(t, 0.48625, mean, 1e-12)
	iv := Bootstrap(values, 2000, 7)
	require.Less(t, iv.Lo, mean)
	require.Greater(t, iv.Hi, mean)
	require.GreaterOrEqual(t, iv.Lo, 0.02) // within [min, max]
	require.LessOrEqual(t, iv.Hi, 0.91)
	require.Equal(t, iv, Bootstrap(values, 2000, 7), "same seed, same interval")
	require.NotEqual(t, iv, Bootstrap(values, 2000, 8), "another seed, another interval")
	require.Equal(t, iv, Bootstrap(values, 0, 7), "iters ≤ 0 means BootstrapIters")
}

func TestNearestRank(t *testing.T) {
	t.Parallel()
	require.Equal(t, 49, nearestRank(2000, 2.5))    // ceil(50) − 1
	require.Equal(t, 1949, nearestRank(2000, 97.5)) // ceil(1950) − 1
	require.Equal(t, 2, nearestRank(6, 50))         // ceil(3) − 1
	require.Equal(t, 5, nearestRank(6, 95))         // ceil(5.7) − 1
	require.Equal(t, 0, nearestRank(1, 2.5))
	require.Equal(t, 0, nearestRank(1, 97.5))
}
