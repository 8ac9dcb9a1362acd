package eval

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func scored(id string, pass bool, tags []string, metrics map[string]float64) CaseResult {
	return CaseResult{CaseID: id, Tags: tags, Status: StatusOK, Pass: pass, Metrics: metrics}
}

func runOf(id int64, results ...CaseResult) Run {
	return Run{Meta: RunMeta{ID: id}, Results: results}
}

// twentyCases are c00..c19, even ids tagged billing and odd ones api, all
// passing, with varied metrics.
func twentyCases() []CaseResult {
	var rs []CaseResult
	for i := range 20 {
		tag := []string{"billing"}
		if i%2 == 1 {
			tag = []string{"api"}
		}
		rs = append(rs, scored(fmt.Sprintf("c%02d", i), true, tag,
			map[string]float64{MetricFactCoverage: float64(i%4) / 3, MetricRecallAtK: float64(i % 2)}))
	}
	return rs
}

func moveOf(t *testing.T, c Comparison, slice, metric string) Move {
	t.Helper()
	i := slices.IndexFunc(c.Moves, func(m Move) bool { return m.Slice == slice && m.Metric == metric })
	require.GreaterOrEqual(t, i, 0, "no move for %q in slice %q", metric, slice)
	return c.Moves[i]
}

func TestCompareIdenticalRuns(t *testing.T) {
	t.Parallel()
	c := Compare(runOf(1, twentyCases()...), runOf(2, twentyCases()...), DefaultThresholds(), 1)

	require.False(t, c.Regressed)
	require.Equal(t, int64(1), c.BaseID)
	require.Equal(t, int64(2), c.CurrentID)
	require.Empty(t, c.Flipped)
	require.Empty(t, c.Fixed)
	var got [][2]string
	for _, m := range c.Moves {
		got = append(got, [2]string{m.Slice, m.Metric})
		require.Zero(t, m.Delta)
		require.Zero(t, m.Noise)
		require.False(t, m.Regressed)
	}
	// Overall first, then tags alphabetically; metrics alphabetically.
	require.Equal(t, [][2]string{
		{"", MetricFactCoverage}, {"", MetricPassRate}, {"", MetricRecallAtK},
		{"api", MetricFactCoverage}, {"api", MetricPassRate}, {"api", MetricRecallAtK},
		{"billing", MetricFactCoverage}, {"billing", MetricPassRate}, {"billing", MetricRecallAtK},
	}, got)
	// fact_coverage over i%4/3 for i = 0..19: five each of 0, 1/3, 2/3, 1, mean 0.5.
	m := moveOf(t, c, "", MetricFactCoverage)
	require.InDelta(t, 0.5, m.Base, 1e-12)
	require.Equal(t, 0.05, m.Threshold)
}

func TestComparePassRateHalved(t *testing.T) {
	t.Parallel()
	cur := twentyCases()
	for i := range 10 {
		cur[i].Pass = false // c00..c09
	}
	c := Compare(runOf(1, twentyCases()...), runOf(2, cur...), DefaultThresholds(), 1)

	require.True(t, c.Regressed)
	require.Equal(t, []string{"c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09"}, c.Flipped)
	require.Empty(t, c.Fixed)
	m := moveOf(t, c, "", MetricPassRate)
	require.Equal(t, 1.0, m.Base)
	require.Equal(t, 0.5, m.Current)
	require.Equal(t, -0.5, m.Delta)
	// Paired differences: ten −1 and ten 0. The mean's standard error is
	// sqrt(0.25/20) ≈ 0.112, so the 95% half-width is about 1.96 · 0.112 ≈ 0.22.
	require.InDelta(t, 0.22, m.Noise, 0.05)
	require.True(t, m.Regressed)
	require.True(t, moveOf(t, c, "billing", MetricPassRate).Regressed) // 5 of its 10 cases flipped
	require.False(t, moveOf(t, c, "", MetricFactCoverage).Regressed)
}

func TestCompareDropWithinNoiseDoesNotGate(t *testing.T) {
	t.Parallel()
	// Per case: c00..c08 go 0 → 1, c09..c18 go 1 → 0, c19 stays 1.
	// Base mean (10 + 1)/20 = 0.55, current (9 + 1)/20 = 0.5, Delta −0.05.
	// The paired differences (nine +1, ten −1, one 0) have sd ≈ 0.97, so the
	// noise is about 1.96 · 0.97/√20 ≈ 0.43: far above 0.05.
	var base, cur []CaseResult
	for i := range 20 {
		b, c := 1.0, 1.0
		switch {
		case i < 9:
			b, c = 0, 1
		case i < 19:
			b, c = 1, 0
		}
		id := fmt.Sprintf("c%02d", i)
		base = append(base, scored(id, true, nil, map[string]float64{MetricFactCoverage: b}))
		cur = append(cur, scored(id, true, nil, map[string]float64{MetricFactCoverage: c}))
	}
	th := Thresholds{Default: 0} // any drop beyond the noise would gate
	c := Compare(runOf(1, base...), runOf(2, cur...), th, 1)

	m := moveOf(t, c, "", MetricFactCoverage)
	require.InDelta(t, 0.55, m.Base, 1e-12)
	require.InDelta(t, 0.5, m.Current, 1e-12)
	require.InDelta(t, -0.05, m.Delta, 1e-12)
	require.InDelta(t, 0.43, m.Noise, 0.1)
	require.False(t, m.Regressed)
	require.False(t, c.Regressed)
}

func TestCompareThresholdGates(t *testing.T) {
	t.Parallel()
	uniform := func(v float64) []CaseResult {
		var rs []CaseResult
		for i := range 20 {
			rs = append(rs, scored(fmt.Sprintf("c%02d", i), true, nil, map[string]float64{MetricGroundedness: v}))
		}
		return rs
	}
	base := runOf(1, uniform(1)...)
	for _, tt := range []struct {
		cur       float64
		regressed bool
	}{
		{0.9, true},   // −0.1 beyond 0.05, no noise (every case moved by the same amount)
		{0.95, false}, // exactly the threshold is tolerated
		{0.97, false}, // within the threshold
		{1, false},
	} {
		c := Compare(base, runOf(2, uniform(tt.cur)...), DefaultThresholds(), 1)
		m := moveOf(t, c, "", MetricGroundedness)
		require.Zero(t, m.Noise)
		require.Equal(t, tt.regressed, m.Regressed, "current %v", tt.cur)
		require.Equal(t, tt.regressed, c.Regressed)
	}
}

func TestComparePairsByCaseID(t *testing.T) {
	t.Parallel()
	// Widely spread values all 0.1 lower: paired differences are all −0.1,
	// so the noise is 0 and the drop regresses. Unpaired, the spread of the
	// values themselves would hide it.
	var base, cur []CaseResult
	for i := range 10 {
		v := 0.1 + float64(i)/10 // 0.1 .. 1.0
		id := fmt.Sprintf("c%02d", i)
		base = append(base, scored(id, true, nil, map[string]float64{MetricMRR: v}))
		cur = append(cur, scored(id, true, nil, map[string]float64{MetricMRR: v - 0.1}))
	}
	m := moveOf(t, Compare(runOf(1, base...), runOf(2, cur...), DefaultThresholds(), 1), "", MetricMRR)
	require.InDelta(t, -0.1, m.Delta, 1e-12)
	require.InDelta(t, 0, m.Noise, 1e-12)
	require.True(t, m.Regressed)

	require.Greater(t, noise(map[string]float64{"a": 0.1, "b": 0.5, "c": 1}, map[string]float64{"x": 0, "y": 0.4, "z": 0.9}, 1), 0.1,
		"unpaired noise reflects the spread")
}

func TestCompareUnpairedFallback(t *testing.T) {
	t.Parallel()
	// No case id in common: the noise comes from resampling each run.
	base := runOf(1,
		scored("a1", true, nil, map[string]float64{MetricFactCoverage: 1}),
		scored("a2", true, nil, map[string]float64{MetricFactCoverage: 0.8}),
		scored("a3", true, nil, map[string]float64{MetricFactCoverage: 0.6}))
	cur := runOf(2,
		scored("b1", false, nil, map[string]float64{MetricFactCoverage: 0.2}),
		scored("b2", false, nil, map[string]float64{MetricFactCoverage: 0.4}),
		scored("b3", false, nil, map[string]float64{MetricFactCoverage: 0}))
	c := Compare(base, cur, DefaultThresholds(), 3)

	m := moveOf(t, c, "", MetricFactCoverage)
	require.InDelta(t, -0.6, m.Delta, 1e-12) // 0.2 − 0.8
	require.Greater(t, m.Noise, 0.0)
	require.Less(t, m.Noise, 0.6)
	require.True(t, m.Regressed)
	require.Empty(t, c.Flipped, "no case in both runs")
	require.Equal(t, c, Compare(base, cur, DefaultThresholds(), 3), "deterministic for a seed")
}

func TestCompareIgnoresSmallSlices(t *testing.T) {
	t.Parallel()
	var base, cur []CaseResult
	for i := range 10 {
		tags := []string{"billing"} // c00..c05: 6 cases
		if i >= 6 {
			tags = []string{"api"} // c06..c09: 4 cases, under MinSliceCases
		}
		m := map[string]float64{MetricDeclineCorrect: 1}
		if i < 3 {
			m[MetricRecallAtK] = 1 // only 3 billing cases carry recall@k
		}
		id := fmt.Sprintf("c%02d", i)
		base = append(base, scored(id, true, tags, m))
		cur = append(cur, scored(id, i < 6, tags, m)) // every api case fails now
	}
	th := DefaultThresholds() // MinSliceCases 5
	c := Compare(runOf(1, base...), runOf(2, cur...), th, 1)

	for _, m := range c.Moves {
		require.NotEqual(t, "api", m.Slice, "api has 4 cases")
		require.False(t, m.Slice == "billing" && m.Metric == MetricRecallAtK, "billing has recall@k on 3 cases")
	}
	moveOf(t, c, "billing", MetricPassRate)
	moveOf(t, c, "billing", MetricDeclineCorrect)
	moveOf(t, c, "", MetricRecallAtK) // overall has no minimum
	require.Equal(t, []string{"c06", "c07", "c08", "c09"}, c.Flipped)
}

func TestCompareFlipsSkipErrorsAndStale(t *testing.T) {
	t.Parallel()
	base := runOf(1,
		scored("a", true, nil, nil), scored("b", false, nil, nil),
		scored("c", true, nil, nil), scored("d", true, nil, nil), scored("x", false, nil, nil))
	cur := runOf(2,
		CaseResult{CaseID: "a", Status: StatusError}, // passed, now errors: not a flip
		CaseResult{CaseID: "b", Status: StatusStale}, // failed, now stale: not a fix
		scored("c", false, nil, nil), scored("d", true, nil, nil), scored("x", true, nil, nil),
		scored("new", false, nil, nil)) // not in the baseline
	c := Compare(base, cur, DefaultThresholds(), 1)
	require.Equal(t, []string{"c"}, c.Flipped)
	require.Equal(t, []string{"x"}, c.Fixed)
}

func TestCompareSkipsMetricsMissingFromARun(t *testing.T) {
	t.Parallel()
	base := runOf(1, scored("a", true, nil, map[string]float64{MetricJudgeRelevance: 1, MetricMRR: 1}))
	cur := runOf(2, scored("a", true, nil, map[string]float64{MetricMRR: 1}))
	c := Compare(base, cur, DefaultThresholds(), 1)
	require.True(t, slices.IsSortedFunc(c.Moves, func(a, b Move) int {
		return cmp.Or(cmp.Compare(a.Slice, b.Slice), cmp.Compare(a.Metric, b.Metric))
	}))
	var metrics []string
	for _, m := range c.Moves {
		metrics = append(metrics, m.Metric)
	}
	require.Equal(t, []string{MetricMRR, MetricPassRate}, metrics)
}

// A run whose pipeline failed for the cases the baseline scored has
// nothing left to compare: it must gate, not pass as "no regression".
func TestCompareGatesWhenCasesStopBeingScored(t *testing.T) {
	t.Parallel()
	errored := func(n int) []CaseResult {
		rs := twentyCases()
		for i := range n {
			rs[i].Status, rs[i].Metrics = StatusError, nil
		}
		return rs
	}
	all := Compare(runOf(1, twentyCases()...), runOf(2, errored(20)...), DefaultThresholds(), 1)
	require.True(t, all.Regressed)
	require.Len(t, all.Unscored, 20)
	require.Equal(t, "REGRESSION", verdict(&all))

	one := Compare(runOf(1, twentyCases()...), runOf(2, errored(1)...), DefaultThresholds(), 1)
	require.False(t, one.Regressed, "one case in twenty (5%%) is within the pass-rate threshold")
	require.Equal(t, []string{"c00"}, one.Unscored)

	two := Compare(runOf(1, twentyCases()...), runOf(2, errored(2)...), DefaultThresholds(), 1)
	require.True(t, two.Regressed, "two in twenty (10%%) exceeds it")
}

func TestReportNamesUnscoredCases(t *testing.T) {
	t.Parallel()
	rs := twentyCases()
	rs[0].Status, rs[0].Metrics = StatusError, nil
	rs[1].Status, rs[1].Metrics = StatusError, nil
	cur := runOf(2, rs...)
	c := Compare(runOf(1, twentyCases()...), cur, DefaultThresholds(), 1)
	v := newView(Report{Run: cur, Comparison: &c})
	require.Equal(t, []string{"c00", "c01"}, v.Unscored)
	require.Equal(t, "REGRESSION", v.Verdict)
}
