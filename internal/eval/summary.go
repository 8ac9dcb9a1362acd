package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// MetricPassRate names the pass rate in Summary.Slices and among a
// Comparison's moves: per scored case, 1 when it passed and 0 otherwise.
const MetricPassRate = "pass_rate"

// BootstrapIters is the number of resamples behind every interval.
const BootstrapIters = 2000

// pcgStream is the second PCG seed word, fixed so that one uint64 seed
// names the whole random sequence.
const pcgStream = 0x9e3779b97f4a7c15

// Summarize aggregates a run's results. Quality figures are over the
// scored cases (status ok): errors and stale cases are counted but say
// nothing about the model.
//
//   - PassRate is the Stat of pass (1) / fail (0); Metrics has a Stat per
//     metric over the cases it applies to; Slices has the same per tag,
//     plus "pass_rate". Every interval is [Bootstrap]'s with
//     [BootstrapIters] resamples from seed, so a seed fixes the report.
//   - DeclinePrecision is correct declines / declines, DeclineRecall is
//     correct declines / cases that should decline, where a decline is a
//     handoff or refusal, and a correct one is on a case that should
//     decline. 0/0 counts as 1: nothing declined means no wrong decline,
//     nothing to decline means none missed. Whether a case should decline
//     is read back from decline_correct and the observed mode; results
//     without decline_correct are left out.
//   - AnswerPrecision and AnswerRecall are the mirror image: answers (not
//     declined) on cases that expect one / answers, and / cases that
//     expect one; 0/0 counts as 1.
//   - ECE is the expected calibration error of the confidence against a
//     right answer (ECEBins equal-width bins; see [ECE]): a case counts as
//     answered right when it passed without declining, so a confidence of
//     0.8 should be right 80% of the time, and a case that should be
//     declined is never answered right.
//   - LatencyP50 and LatencyP95 are nearest-rank percentiles over the
//     cases that ran (latency > 0), errors included.
//   - Tokens and cost are summed, and Modes counted, over every result.
func Summarize(results []CaseResult, seed uint64) Summary {
	s := Summary{Cases: len(results), Modes: map[string]int{}}
	var scored []CaseResult
	for _, r := range results {
		switch r.Status {
		case StatusOK:
			scored = append(scored, r)
		case StatusError:
			s.Errors++
		case StatusStale:
			s.Stale++
		}
		if r.Pass {
			s.Passed++
		}
		if r.Obs.Mode != "" {
			s.Modes[r.Obs.Mode]++
		}
		s.PromptTokens += r.Obs.PromptTokens
		s.OutputTokens += r.Obs.OutputTokens
		s.CostUSD += r.Obs.CostUSD
	}
	s.PassRate = statOf(passValues(scored), seed)
	s.Metrics = metricStats(scored, seed)
	s.Slices = sliceStats(scored, seed)
	s.DeclinePrecision, s.DeclineRecall = declineRates(scored)
	s.AnswerPrecision, s.AnswerRecall = answerRates(scored)
	s.ECE = calibration(scored)
	s.LatencyP50, s.LatencyP95 = latencyPercentiles(results)
	return s
}

func passValues(rs []CaseResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = indicator(r.Pass)
	}
	return out
}

// metricStats has a Stat for every metric present in at least one result.
func metricStats(rs []CaseResult, seed uint64) map[string]Stat {
	values := map[string][]float64{}
	for _, r := range rs {
		for name, v := range r.Metrics {
			values[name] = append(values[name], v)
		}
	}
	out := make(map[string]Stat, len(values))
	for name, vs := range values {
		out[name] = statOf(vs, seed)
	}
	return out
}

func sliceStats(rs []CaseResult, seed uint64) map[string]map[string]Stat {
	byTag := map[string][]CaseResult{}
	for _, r := range rs {
		for _, tag := range distinct(r.Tags) {
			byTag[tag] = append(byTag[tag], r)
		}
	}
	out := make(map[string]map[string]Stat, len(byTag))
	for tag, group := range byTag {
		stats := metricStats(group, seed)
		stats[MetricPassRate] = statOf(passValues(group), seed)
		out[tag] = stats
	}
	return out
}

// statOf is the mean, count and bootstrap interval of values; zero for
// none. Results are visited in run order, so sums are reproducible.
func statOf(values []float64, seed uint64) Stat {
	if len(values) == 0 {
		return Stat{}
	}
	return Stat{Mean: meanOf(values), N: len(values), CI: Bootstrap(values, BootstrapIters, seed)}
}

func meanOf(values []float64) float64 {
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}

// Bootstrap is the 95% percentile-bootstrap interval of the mean of
// values: iters resamples with replacement (BootstrapIters when iters ≤ 0)
// drawn from a PCG generator seeded with seed, their means sorted, and the
// nearest-rank 2.5th and 97.5th percentiles taken (for 2000 resamples, the
// 50th and 1950th smallest). The same values, iters and seed always give
// the same interval. No values give the zero interval.
func Bootstrap(values []float64, iters int, seed uint64) Interval {
	if len(values) == 0 {
		return Interval{}
	}
	if iters <= 0 {
		iters = BootstrapIters
	}
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	means := make([]float64, iters)
	for i := range means {
		means[i] = resampleMean(values, rng)
	}
	return percentileInterval(means)
}

func resampleMean(values []float64, rng *rand.Rand) float64 {
	sum := 0.0
	for range values {
		sum += values[rng.IntN(len(values))]
	}
	return sum / float64(len(values))
}

// percentileInterval sorts means and returns their central 95%.
func percentileInterval(means []float64) Interval {
	slices.Sort(means)
	return Interval{Lo: means[nearestRank(len(means), 2.5)], Hi: means[nearestRank(len(means), 97.5)]}
}

// nearestRank is the 0-based index of the p-th percentile of n sorted
// values by the nearest-rank method: ceil(p/100 · n) − 1, within [0, n−1].
func nearestRank(n int, p float64) int {
	i := int(math.Ceil(p*float64(n)/100)) - 1
	return min(max(i, 0), n-1)
}

// declineRates is the decline precision and recall of [Summarize].
func declineRates(rs []CaseResult) (precision, recall float64) {
	return decisionRates(rs, true)
}

// answerRates is the answer precision and recall of [Summarize].
func answerRates(rs []CaseResult) (precision, recall float64) {
	return decisionRates(rs, false)
}

// decisionRates is precision and recall of declining (decline true) or of
// answering (decline false).
func decisionRates(rs []CaseResult, decline bool) (precision, recall float64) {
	declined, should, correct := 0, 0, 0
	for _, r := range rs {
		dc, ok := r.Metrics[MetricDeclineCorrect]
		if !ok {
			continue
		}
		handled := r.Obs.Handled()
		// decline_correct is 1 exactly when handled equals "should decline".
		shouldDecline := handled == (dc == 1)
		if !decline {
			handled, shouldDecline = !handled, !shouldDecline
		}
		if handled {
			declined++
		}
		if shouldDecline {
			should++
		}
		if handled && shouldDecline {
			correct++
		}
	}
	return ratioOr1(correct, declined), ratioOr1(correct, should)
}

// ECEBins is the number of confidence bins of [ECE].
const ECEBins = 10

// calibration is the ECE of [Summarize].
func calibration(rs []CaseResult) float64 {
	conf := make([]float64, len(rs))
	right := make([]bool, len(rs))
	for i, r := range rs {
		conf[i], right[i] = r.Obs.Confidence, r.Pass && !r.Obs.Handled()
	}
	return ECE(conf, right, ECEBins)
}

// ECE is the expected calibration error: the cases are put into bins
// equal-width bins of confidence ([0, 1/bins), …, [1 − 1/bins, 1]), and
// the gaps between each bin's mean confidence and its share of right
// outcomes are averaged, weighted by the bin's share of the cases. 0 is
// perfectly calibrated; no cases give 0.
func ECE(confidence []float64, right []bool, bins int) float64 {
	n := make([]int, bins)
	conf, hits := make([]float64, bins), make([]float64, bins)
	for i, c := range confidence {
		b := min(max(int(c*float64(bins)), 0), bins-1)
		n[b]++
		conf[b] += c
		if right[i] {
			hits[b]++
		}
	}
	var ece float64
	for b := range bins {
		if n[b] > 0 {
			ece += math.Abs(hits[b]-conf[b]) / float64(len(confidence))
		}
	}
	return ece
}

// ratioOr1 is a/b, with 0/0 defined as 1.
func ratioOr1(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// latencyPercentiles is the nearest-rank p50 and p95 over the cases that
// ran.
func latencyPercentiles(rs []CaseResult) (p50, p95 time.Duration) {
	var ls []time.Duration
	for _, r := range rs {
		if r.Obs.Latency > 0 {
			ls = append(ls, r.Obs.Latency)
		}
	}
	if len(ls) == 0 {
		return 0, 0
	}
	slices.Sort(ls)
	return ls[nearestRank(len(ls), 50)], ls[nearestRank(len(ls), 95)]
}
