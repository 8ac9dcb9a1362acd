package eval

import (
	"maps"
	"math/rand/v2"
	"slices"
)

// regressionEpsilon absorbs rounding, so that a drop of exactly the
// threshold (1.0 → 0.95 against 0.05) is tolerated as documented.
const regressionEpsilon = 1e-9

// Compare measures cur against base, case by case, over scored (status
// ok) results only.
//
// For the pass rate and every metric present in both runs it makes a
// [Move] overall (Slice "") and for every tag both runs share, where a
// tag's metric is compared only when at least th.MinSliceCases cases of
// that tag carry it in each run. Base and Current are the runs' means and
// Delta = Current − Base. Noise is the half-width of the 95% bootstrap
// interval ([Bootstrap], seeded with seed) of the mean per-case
// difference, pairing cases by id; when fewer than two cases pair up, of
// the difference of independently resampled means instead. A move
// Regressed when −Delta > Threshold and −Delta > Noise: a drop inside the
// noise never gates, however large the threshold is exceeded.
//
// Flipped lists the ids that passed in base and fail in cur, Fixed the
// reverse, both sorted; a case that errored or was stale in either run is
// in neither. Moves are sorted by slice ("" first, then tags) and metric.
//
// Unscored lists the cases base scored and cur did not. Losing more of
// them than the pass-rate threshold allows is a regression too: a run
// whose pipeline failed has nothing left to compare, and must not pass
// the gate on the few cases that still scored.
func Compare(base, cur Run, th Thresholds, seed uint64) Comparison {
	b, c := scoredByID(base.Results), scoredByID(cur.Results)
	out := Comparison{BaseID: base.Meta.ID, CurrentID: cur.Meta.ID, Moves: []Move{}}
	out.Moves = append(out.Moves, sliceMoves("", b, c, th, 1, seed)...)
	for _, tag := range sharedTags(b, c) {
		out.Moves = append(out.Moves, sliceMoves(tag, withTag(b, tag), withTag(c, tag), th, max(th.MinSliceCases, 1), seed)...)
	}
	out.Flipped, out.Fixed = flips(b, c)
	out.Unscored = unscored(b, c)
	lost := float64(len(out.Unscored)) / float64(max(len(b), 1))
	out.Regressed = slices.ContainsFunc(out.Moves, func(m Move) bool { return m.Regressed }) ||
		lost > th.For(MetricPassRate)+regressionEpsilon
	return out
}

// scoredCase is a status-ok result as Compare reads it: its metrics with
// the pass rate among them.
type scoredCase struct {
	tags   []string
	pass   bool
	values map[string]float64
}

func scoredByID(rs []CaseResult) map[string]scoredCase {
	out := map[string]scoredCase{}
	for _, r := range rs {
		if r.Status != StatusOK {
			continue
		}
		values := maps.Clone(r.Metrics)
		if values == nil {
			values = map[string]float64{}
		}
		values[MetricPassRate] = indicator(r.Pass)
		out[r.CaseID] = scoredCase{tags: r.Tags, pass: r.Pass, values: values}
	}
	return out
}

// sharedTags are the non-empty tags found in both runs, sorted.
func sharedTags(b, c map[string]scoredCase) []string {
	inBase := map[string]bool{}
	for _, sc := range b {
		for _, tag := range sc.tags {
			inBase[tag] = true
		}
	}
	shared := map[string]bool{}
	for _, sc := range c {
		for _, tag := range sc.tags {
			if tag != "" && inBase[tag] {
				shared[tag] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(shared))
}

func withTag(cases map[string]scoredCase, tag string) map[string]scoredCase {
	out := map[string]scoredCase{}
	for id, sc := range cases {
		if slices.Contains(sc.tags, tag) {
			out[id] = sc
		}
	}
	return out
}

// sliceMoves compares every metric that at least minN cases carry in
// each run, in metric order.
func sliceMoves(slice string, b, c map[string]scoredCase, th Thresholds, minN int, seed uint64) []Move {
	var moves []Move
	for _, metric := range metricNames(b) {
		bv, cv := column(b, metric), column(c, metric)
		if len(bv) < minN || len(cv) < minN {
			continue
		}
		moves = append(moves, newMove(slice, metric, bv, cv, th.For(metric), seed))
	}
	return moves
}

func metricNames(cases map[string]scoredCase) []string {
	names := map[string]bool{}
	for _, sc := range cases {
		for name := range sc.values {
			names[name] = true
		}
	}
	return slices.Sorted(maps.Keys(names))
}

// column is one metric's value per case id, for the cases that carry it.
func column(cases map[string]scoredCase, metric string) map[string]float64 {
	out := map[string]float64{}
	for id, sc := range cases {
		if v, ok := sc.values[metric]; ok {
			out[id] = v
		}
	}
	return out
}

// byID lists a column's values in case-id order, so that sums and
// resamples do not depend on map iteration.
func byID(col map[string]float64) []float64 {
	out := make([]float64, 0, len(col))
	for _, id := range slices.Sorted(maps.Keys(col)) {
		out = append(out, col[id])
	}
	return out
}

func newMove(slice, metric string, bv, cv map[string]float64, threshold float64, seed uint64) Move {
	m := Move{Metric: metric, Slice: slice, Base: meanOf(byID(bv)), Current: meanOf(byID(cv)), Threshold: threshold}
	m.Delta = m.Current - m.Base
	m.Noise = noise(bv, cv, seed)
	m.Regressed = -m.Delta > m.Threshold+regressionEpsilon && -m.Delta > m.Noise
	return m
}

// noise is the half-width of the bootstrap interval of the difference:
// paired by case id when at least two cases pair up, unpaired otherwise.
func noise(bv, cv map[string]float64, seed uint64) float64 {
	var diffs []float64
	for _, id := range slices.Sorted(maps.Keys(cv)) {
		if b, ok := bv[id]; ok {
			diffs = append(diffs, cv[id]-b)
		}
	}
	if len(diffs) < 2 {
		return halfWidth(bootstrapDiff(byID(bv), byID(cv), seed))
	}
	return halfWidth(Bootstrap(diffs, BootstrapIters, seed))
}

func halfWidth(iv Interval) float64 {
	return (iv.Hi - iv.Lo) / 2
}

// bootstrapDiff is the 95% interval of mean(cur) − mean(base) with both
// resampled independently.
func bootstrapDiff(base, cur []float64, seed uint64) Interval {
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	diffs := make([]float64, BootstrapIters)
	for i := range diffs {
		diffs[i] = resampleMean(cur, rng) - resampleMean(base, rng)
	}
	return percentileInterval(diffs)
}

// flips are the ids scored in both runs whose pass changed, sorted.
func flips(b, c map[string]scoredCase) (flipped, fixed []string) {
	flipped, fixed = []string{}, []string{}
	for _, id := range slices.Sorted(maps.Keys(c)) {
		old, ok := b[id]
		switch {
		case !ok:
		case old.pass && !c[id].pass:
			flipped = append(flipped, id)
		case !old.pass && c[id].pass:
			fixed = append(fixed, id)
		}
	}
	return flipped, fixed
}

// unscored lists the ids scored in base and not in cur, sorted.
func unscored(base, cur map[string]scoredCase) []string {
	out := []string{}
	for id := range base {
		if _, ok := cur[id]; !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
