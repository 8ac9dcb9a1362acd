package bench

import (
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p ≤ 100) of xs by the
// nearest-rank method: the smallest value with at least p% of the values at
// or below it. It is 0 for no values. xs is not modified.
func Percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[rankIndex(len(s), p)]
}

// rankIndex is the 0-based index of the nearest rank ⌈p/100·n⌉.
func rankIndex(n int, p float64) int {
	k := int(p / 100 * float64(n))
	if float64(k) < p/100*float64(n) {
		k++
	}
	return min(max(k, 1), n) - 1
}

// Latency summarises timed calls.
type Latency struct {
	N                  int
	P50, P95, P99, Max time.Duration
	Mean               time.Duration
}

// Summarize computes the summary of xs.
func Summarize(xs []time.Duration) Latency {
	l := Latency{N: len(xs)}
	if len(xs) == 0 {
		return l
	}
	var sum time.Duration
	for _, x := range xs {
		sum += x
		l.Max = max(l.Max, x)
	}
	l.Mean = sum / time.Duration(len(xs))
	l.P50, l.P95, l.P99 = Percentile(xs, 50), Percentile(xs, 95), Percentile(xs, 99)
	return l
}
