package drift

import (
	"cmp"
	"math"
	"slices"
)

// newTerms lists the terms frequent in the recent window and absent or rare
// in the reference window (see the lift formula in the package comment),
// most frequent first.
func newTerms(ref, rec []sample, p Params) []Term {
	refDF, recDF := docFreq(ref), docFreq(rec)
	least := max(p.MinTermCount, int(math.Ceil(p.MinTermShare*float64(len(rec)))))
	out := []Term{}
	for t, d2 := range recDF {
		if d2 < least {
			continue
		}
		d1 := refDF[t]
		lift := (float64(d2) / float64(len(rec))) / (float64(d1+1) / float64(len(ref)+1))
		if lift >= p.MinTermLift {
			out = append(out, Term{Term: t, RecentCount: d2, ReferenceCount: d1, Lift: lift})
		}
	}
	slices.SortFunc(out, func(a, b Term) int {
		return cmp.Or(cmp.Compare(b.RecentCount, a.RecentCount), cmp.Compare(b.Lift, a.Lift), cmp.Compare(a.Term, b.Term))
	})
	return out[:min(p.TopTerms, len(out))]
}

// docFreq counts, per term, the questions that contain it.
func docFreq(ss []sample) map[string]int {
	df := make(map[string]int)
	for _, s := range ss {
		for _, t := range s.terms {
			df[t]++
		}
	}
	return df
}
