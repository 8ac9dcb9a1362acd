package drift

import (
	"cmp"
	"maps"
	"slices"
)

// Bin limits. A real knowledge base has hundreds of documents and a stream
// thousands of terms; most would hold a handful of questions, whose noise
// swamps PSI. Rare values share an "(other)" bin instead.
const (
	maxTopicBins     = 30
	minTopicBinCount = 5
	maxTermBins      = 400
)

// Labels of the catch-all bins.
const (
	binNone  = "(none)"  // the question retrieved no document
	binOther = "(other)" // a value too rare for a bin of its own
)

// topicHistogram bins questions by TopDoc: the most frequent documents of
// both windows together, "(none)" and "(other)".
func topicHistogram(all []sample) *histogram {
	count := make(map[string]float64)
	for _, s := range all {
		if s.TopDoc != "" {
			count[s.TopDoc]++
		}
	}
	labels := topKeys(count, maxTopicBins, minTopicBinCount)
	index := indexOf(labels)
	none, other := int32(len(labels)), int32(len(labels)+1)
	h := newHistogram(len(all), append(labels, binNone, binOther))
	for _, s := range all {
		b, ok := index[s.TopDoc]
		switch {
		case s.TopDoc == "":
			b = none
		case !ok:
			b = other
		}
		h.add(1, b)
	}
	return h
}

// termHistogram spreads one unit of mass per question over its distinct
// terms: the most massive terms of both windows together and "(other)".
func termHistogram(all []sample) *histogram {
	mass := make(map[string]float64)
	for _, s := range all {
		for _, t := range s.terms {
			mass[t] += 1 / float64(len(s.terms))
		}
	}
	labels := topKeys(mass, maxTermBins, 0)
	index := indexOf(labels)
	other := int32(len(labels))
	h := newHistogram(len(all), append(labels, binOther))
	bins := make([]int32, 0, 64)
	for _, s := range all {
		bins = bins[:0]
		for _, t := range s.terms {
			b, ok := index[t]
			if !ok {
				b = other
			}
			bins = append(bins, b)
		}
		h.add(1/float64(max(1, len(s.terms))), bins...)
	}
	return h
}

// languageHistogram bins the questions whose language was determined and
// that are not pasted logs; the others add nothing.
func languageHistogram(all []sample) *histogram {
	seen := make(map[string]float64)
	for _, s := range all {
		if hasLanguage(s) {
			seen[s.lang]++
		}
	}
	labels := slices.Sorted(maps.Keys(seen))
	index := indexOf(labels)
	h := newHistogram(len(all), labels)
	for _, s := range all {
		if hasLanguage(s) {
			h.add(1, index[s.lang])
		} else {
			h.add(1)
		}
	}
	return h
}

func hasLanguage(s sample) bool { return !s.pasted && s.lang != Undetermined }

// topKeys returns up to n keys with a value of at least least, largest
// first, ties by key.
func topKeys(m map[string]float64, n int, least float64) []string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v >= least {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	return keys[:min(n, len(keys))]
}

func indexOf(labels []string) map[string]int32 {
	m := make(map[string]int32, len(labels))
	for i, l := range labels {
		m[l] = int32(i)
	}
	return m
}
