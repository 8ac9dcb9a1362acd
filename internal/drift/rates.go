package drift

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// TwoProportionZ is the pooled two-proportion z statistic for a rise from
// x1 of n1 to x2 of n2: (r₂ − r₁) / √(r·(1−r)·(1/n₁ + 1/n₂)) with
// r = (x₁+x₂)/(n₁+n₂). It is 0 when either sample is empty or the pooled
// rate is 0 or 1 (no variance, nothing to tell apart).
func TwoProportionZ(x1, n1, x2, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 0
	}
	r := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(r * (1 - r) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 0
	}
	return (float64(x2)/float64(n2) - float64(x1)/float64(n1)) / se
}

// rateSignal compares the share of questions that satisfy is.
func rateSignal(name, what string, ref, rec []sample, is func(sample) bool, p Params) Signal {
	x1, x2 := countIf(ref, is), countIf(rec, is)
	return rate(name, what, x1, len(ref), x2, len(rec), p)
}

// rate builds a rate_delta signal; it alerts on a rise only.
func rate(name, what string, x1, n1, x2, n2 int, p Params) Signal {
	s := Signal{Name: name, Metric: MetricRateDelta, Threshold: p.RateAlert, Z: TwoProportionZ(x1, n1, x2, n2)}
	if n1 > 0 {
		s.Reference = float64(x1) / float64(n1)
	}
	if n2 > 0 {
		s.Recent = float64(x2) / float64(n2)
	}
	s.Value = s.Recent - s.Reference
	s.Alert = s.Value >= p.RateAlert && s.Z >= p.MinZ
	s.Detail = fmt.Sprintf("%s %s → %s (%d/%d → %d/%d, z %.1f)", what, pct(s.Reference), pct(s.Recent), x1, n1, x2, n2, s.Z)
	return s
}

// languageRate is the share of questions with a determined language that
// are not in the reference window's most common language.
func languageRate(ref, rec []sample, p Params) Signal {
	main := mainLanguage(ref)
	if main == "" {
		s := rate(SignalLanguage, "share not in the main language", 0, 0, 0, 0, p)
		s.Detail = "no language determined in the reference window"
		return s
	}
	other := func(s sample) bool { return s.lang != main }
	refL, recL := filter(ref, hasLanguage), filter(rec, hasLanguage)
	s := rate(SignalLanguage, "share not in "+main, countIf(refL, other), len(refL), countIf(recL, other), len(recL), p)
	if rises := languageRises(ref, rec, main); rises != "" {
		s.Detail += "; " + rises
	}
	return s
}

// mainLanguage is the most common determined language, ties by code.
func mainLanguage(ss []sample) string {
	n, _ := languageCounts(ss, hasLanguage)
	best := ""
	for _, l := range slices.Sorted(maps.Keys(n)) {
		if best == "" || n[l] > n[best] {
			best = l
		}
	}
	return best
}

// languageRises lists the other languages whose share rose, largest first.
func languageRises(ref, rec []sample, main string) string {
	a, na := languageCounts(ref, hasLanguage)
	b, nb := languageCounts(rec, hasLanguage)
	rise := func(l string) float64 { return share(b[l], nb) - share(a[l], na) }
	var langs []string
	for l := range b {
		if l != main && rise(l) > 0 {
			langs = append(langs, l)
		}
	}
	slices.SortFunc(langs, func(x, y string) int { return cmp.Or(cmp.Compare(rise(y), rise(x)), cmp.Compare(x, y)) })
	parts := make([]string, 0, 3)
	for _, l := range langs[:min(3, len(langs))] {
		parts = append(parts, fmt.Sprintf("%s %s → %s", l, pct(share(a[l], na)), pct(share(b[l], nb))))
	}
	return strings.Join(parts, ", ")
}

func countIf(ss []sample, is func(sample) bool) int {
	n := 0
	for _, s := range ss {
		if is(s) {
			n++
		}
	}
	return n
}

func filter(ss []sample, keep func(sample) bool) []sample {
	var out []sample
	for _, s := range ss {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}
