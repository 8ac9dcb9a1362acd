package drift

import (
	"math"
	"math/rand/v2"
)

// smoothing is the pseudo-count α added to every bin (the Jeffreys prior).
const smoothing = 0.5

// Smooth turns counts into probabilities with additive smoothing:
// p_i = (c_i + α) / (N + k·α). With α > 0 every p_i is positive.
func Smooth(counts []float64, alpha float64) []float64 {
	total := 0.0
	for _, c := range counts {
		total += c
	}
	denom := total + float64(len(counts))*alpha
	p := make([]float64, len(counts))
	if denom == 0 {
		return p
	}
	for i, c := range counts {
		p[i] = (c + alpha) / denom
	}
	return p
}

// PSI is the population stability index of the recent distribution q
// against the reference p, Σ (q_i − p_i)·ln(q_i/p_i). Both must be
// probability vectors of the same length; bins where either is zero are
// skipped, so smooth first.
func PSI(p, q []float64) float64 {
	sum := 0.0
	for i := range p {
		if p[i] > 0 && q[i] > 0 {
			sum += (q[i] - p[i]) * math.Log(q[i]/p[i])
		}
	}
	return sum
}

// JensenShannon is the Jensen–Shannon divergence of p and q in bits,
// ½·KL(p‖m) + ½·KL(q‖m) with m = (p+q)/2, in [0, 1]. Zero entries
// contribute nothing (0·log 0 = 0), so no smoothing is needed.
func JensenShannon(p, q []float64) float64 {
	sum := 0.0
	for i := range p {
		m := (p[i] + q[i]) / 2
		if p[i] > 0 {
			sum += p[i] * math.Log2(p[i]/m)
		}
		if q[i] > 0 {
			sum += q[i] * math.Log2(q[i]/m)
		}
	}
	return max(0, min(1, sum/2))
}

// divergences returns PSI and JS of two count vectors after smoothing both
// with α = smoothing, without allocating.
func divergences(ref, rec []float64) (psi, js float64) {
	var nRef, nRec float64
	for i := range ref {
		nRef += ref[i]
		nRec += rec[i]
	}
	k := float64(len(ref))
	dRef, dRec := nRef+k*smoothing, nRec+k*smoothing
	for i := range ref {
		p, q := (ref[i]+smoothing)/dRef, (rec[i]+smoothing)/dRec
		m := (p + q) / 2
		psi += (q - p) * math.Log(q/p)
		js += p*math.Log2(p/m) + q*math.Log2(q/m)
	}
	return psi, max(0, min(1, js/2))
}

// histogram assigns every question of the pooled windows (reference first)
// a weight on some bins: one bin with weight 1 for a categorical feature,
// 1/|T| on each of its distinct terms for terms, nothing when the question
// is left out.
type histogram struct {
	labels []string
	start  []int32 // question i owns bin[start[i]:start[i+1]]
	bin    []int32
	weight []float64
}

func newHistogram(n int, labels []string) *histogram {
	return &histogram{labels: labels, start: append(make([]int32, 0, n+1), 0)}
}

// add appends the next question's bins, each with weight w.
func (h *histogram) add(w float64, bins ...int32) {
	for _, b := range bins {
		h.bin = append(h.bin, b)
		h.weight = append(h.weight, w)
	}
	h.start = append(h.start, int32(len(h.bin)))
}

// counts sums the weights of the given questions into out.
func (h *histogram) counts(questions []int32, out []float64) {
	clear(out)
	for _, q := range questions {
		for j := h.start[q]; j < h.start[q+1]; j++ {
			out[h.bin[j]] += h.weight[j]
		}
	}
}

// shift is the observed divergence of one histogram between the windows,
// with its permutation z-scores.
type shift struct {
	ref, rec  []float64 // observed counts per bin
	psi, js   float64
	psiZ, jsZ float64
}

// permutationSeed fixes the shuffles, so that the same windows always give
// the same report.
const permutationSeed = 0x64726966745f7631 // "drift_v1"

// permute measures every histogram on the observed split of n questions,
// the first n1 of them the reference window, then on rounds random splits
// of the same sizes, and returns the observed values with their z-scores.
func permute(hs []*histogram, n, n1, rounds int) []shift {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	out := make([]shift, len(hs))
	totals := make([][]float64, len(hs))
	for i, h := range hs {
		k := len(h.labels)
		s := &out[i]
		s.ref, s.rec, totals[i] = make([]float64, k), make([]float64, k), make([]float64, k)
		h.counts(idx[:n1], s.ref)
		h.counts(idx[n1:], s.rec)
		for b := range k {
			totals[i][b] = s.ref[b] + s.rec[b]
		}
		s.psi, s.js = divergences(s.ref, s.rec)
	}
	null := make([][2]welford, len(hs)) // PSI and JS under shuffled labels
	rng := rand.New(rand.NewPCG(permutationSeed, uint64(n)<<32|uint64(n1)))
	m := min(n1, n-n1) // shuffle only the smaller side into the front
	k := 0
	for _, h := range hs {
		k = max(k, len(h.labels))
	}
	side, rest := make([]float64, k), make([]float64, k)
	for range rounds {
		for i := range m {
			j := i + rng.IntN(n-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		for i, h := range hs {
			side, rest = side[:len(h.labels)], rest[:len(h.labels)]
			h.counts(idx[:m], side)
			for b := range rest {
				rest[b] = max(0, totals[i][b]-side[b])
			}
			ref, rec := side, rest
			if m != n1 {
				ref, rec = rest, side
			}
			psi, js := divergences(ref, rec)
			null[i][0].add(psi)
			null[i][1].add(js)
		}
	}
	for i := range out {
		out[i].psiZ, out[i].jsZ = null[i][0].z(out[i].psi), null[i][1].z(out[i].js)
	}
	return out
}

// welford accumulates a mean and variance in one pass.
type welford struct {
	n        int
	mean, m2 float64
}

func (w *welford) add(x float64) {
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
}

// z converts x into a standard normal deviate against the shuffles by
// moment-matching them to a scaled χ² and applying the Wilson–Hilferty
// transform (see the package comment). It is 0 when the shuffles had no
// spread (every split gives the same value, so nothing can be told apart),
// and capped at ±1000 so that it always encodes as JSON.
func (w *welford) z(x float64) float64 {
	if w.n < 2 || w.mean <= 0 {
		return 0
	}
	variance := w.m2 / float64(w.n-1)
	if variance < 1e-24 {
		return 0
	}
	nu := 2 * w.mean * w.mean / variance
	c := 2 / (9 * nu)
	z := (math.Cbrt(max(0, x)/w.mean) - (1 - c)) / math.Sqrt(c)
	return max(-1000, min(1000, z))
}
