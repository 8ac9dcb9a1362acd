package soak

import (
	"fmt"
	"slices"
	"strings"
)

// Verdict is whether a soak passed and why not.
type Verdict struct {
	Pass bool
	// RSSGrowth and GoroutineGrowth are the relative growth after
	// warm-up: the median of the last third of the judged samples against
	// the median of the first third.
	RSSGrowth, GoroutineGrowth float64
	Reasons                    []string
}

// Judge passes a run with no error whose RSS and goroutines grew less than
// p.Growth after warm-up. Medians of thirds rather than the first and last
// sample, so that one sample taken while a burst was in flight does not
// decide. Fewer than two samples after warm-up cannot show a trend and
// fail.
func Judge(samples []Sample, errors int, p Params) Verdict {
	p = p.withDefaults()
	var v Verdict
	if errors > 0 {
		v.Reasons = append(v.Reasons, fmt.Sprintf("%d errors", errors))
	}
	i := slices.IndexFunc(samples, func(s Sample) bool { return s.At >= p.Warmup })
	if i < 0 || len(samples)-i < 2 {
		v.Reasons = append(v.Reasons, "fewer than two samples after warm-up: run longer or sample more often")
		return v
	}
	judged := samples[i:]
	k := max(1, len(judged)/3)
	first, last := judged[:k], judged[len(judged)-k:]
	v.RSSGrowth = growth(first, last, func(s Sample) float64 { return float64(s.RSS) })
	v.GoroutineGrowth = growth(first, last, func(s Sample) float64 { return float64(s.Goroutines) })
	if v.RSSGrowth >= p.Growth {
		v.Reasons = append(v.Reasons, fmt.Sprintf("RSS grew %.1f%% after warm-up", 100*v.RSSGrowth))
	}
	if v.GoroutineGrowth >= p.Growth {
		v.Reasons = append(v.Reasons, fmt.Sprintf("goroutines grew %.1f%% after warm-up", 100*v.GoroutineGrowth))
	}
	v.Pass = len(v.Reasons) == 0
	return v
}

// growth is the relative change of f's median from first to last.
func growth(first, last []Sample, f func(Sample) float64) float64 {
	a, b := median(first, f), median(last, f)
	if a == 0 {
		return 0
	}
	return (b - a) / a
}

func median(ss []Sample, f func(Sample) float64) float64 {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

func joinReasons(rs []string) string { return strings.Join(rs, "; ") }
