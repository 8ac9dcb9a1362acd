package retrieve

import (
	"hash/maphash"
	"slices"

	"supportd/internal/core"
	"supportd/internal/text"
)

// Dedupe drops passages whose text is a near-duplicate (word-trigram
// Jaccard similarity of at least threshold) of a better-ranked one. Help
// centres often repeat the same paragraph across articles; showing it twice
// wastes the answer's context.
func Dedupe(ps []core.Passage, threshold float64) []core.Passage {
	kept := ps[:0:0]
	seed := maphash.MakeSeed()
	var shingles [][]uint64
	for _, p := range ps {
		sh := trigrams(seed, p.Text)
		dup := false
		for _, other := range shingles {
			if jaccard(sh, other) >= threshold {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, p)
			shingles = append(shingles, sh)
		}
	}
	return kept
}

// trigrams returns the hashes of the distinct trigrams of s's words (as
// internal/text reads them; of its words, when it has fewer than three),
// sorted. Hashes rather than strings
// keep the hot path free of an allocation per trigram; a 64-bit collision
// could only make two passages look a little more alike.
func trigrams(seed maphash.Seed, s string) []uint64 {
	words := text.Words(s)
	n := max(len(words)-2, 1)
	out := make([]uint64, 0, n)
	var h maphash.Hash
	h.SetSeed(seed)
	for i := range n {
		h.Reset()
		for _, w := range words[i:min(i+3, len(words))] {
			_, _ = h.WriteString(w)
			_ = h.WriteByte(' ')
		}
		out = append(out, h.Sum64())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jaccard is |a ∩ b| / |a ∪ b| of two sorted sets.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
