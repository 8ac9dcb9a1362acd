package drift

import (
	"cmp"
	"slices"
)

// languageShares is each language's share of the questions that are not
// pasted logs, "und" included, in both windows, largest recent share first.
func languageShares(ref, rec []sample) []LanguageShare {
	refN, refTotal := languageCounts(ref, func(s sample) bool { return !s.pasted })
	recN, recTotal := languageCounts(rec, func(s sample) bool { return !s.pasted })
	var out []LanguageShare
	for l := range union(refN, recN) {
		out = append(out, LanguageShare{Language: l, Reference: share(refN[l], refTotal), Recent: share(recN[l], recTotal)})
	}
	slices.SortFunc(out, func(a, b LanguageShare) int {
		return cmp.Or(cmp.Compare(b.Recent, a.Recent), cmp.Compare(b.Reference, a.Reference), cmp.Compare(a.Language, b.Language))
	})
	return out
}

// languageCounts counts the questions kept by keep per language, and in
// total.
func languageCounts(ss []sample, keep func(sample) bool) (map[string]int, int) {
	n, total := make(map[string]int), 0
	for _, s := range ss {
		if keep(s) {
			n[s.lang]++
			total++
		}
	}
	return n, total
}

func union(a, b map[string]int) map[string]struct{} {
	u := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		u[k] = struct{}{}
	}
	for k := range b {
		u[k] = struct{}{}
	}
	return u
}

func share(x, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(x) / float64(n)
}
