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
	seed := maphash.MakeSeed()
	shingles := make([][]uint64, len(ps))
	for i, p := range ps {
		shingles[i] = trigrams(seed, p.Text)
	}
	return dedupe(ps, threshold, func(i, j int) float64 { return jaccard(shingles[i], shingles[j]) })
}

// dedupe keeps each passage of ps whose similarity to every passage kept
// before it is below threshold; similarity compares ps[i] with ps[j].
func dedupe(ps []core.Passage, threshold float64, similarity func(i, j int) float64) []core.Passage {
	kept := ps[:0:0]
	var at []int // indexes in ps of the kept passages
	for i, p := range ps {
		if slices.ContainsFunc(at, func(j int) bool { return similarity(i, j) >= threshold }) {
			continue
		}
		kept = append(kept, p)
		at = append(at, i)
	}
	return kept
}

// Deduper is Dedupe for a caller that dedupes the same passages many times
// over (tune ranks one search under hundreds of settings): it remembers
// each chunk's trigrams and each pair of chunks' similarity, by chunk id,
// so the passages must carry their ids. Not safe for concurrent use.
type Deduper struct {
	seed     maphash.Seed
	shingles map[int64][]uint64
	similar  map[[2]int64]float64
}

// NewDeduper returns a Deduper that remembers nothing yet.
func NewDeduper() *Deduper {
	return &Deduper{seed: maphash.MakeSeed(), shingles: map[int64][]uint64{}, similar: map[[2]int64]float64{}}
}

// Dedupe is Dedupe(ps, threshold), from what d remembers where it can.
func (d *Deduper) Dedupe(ps []core.Passage, threshold float64) []core.Passage {
	return dedupe(ps, threshold, func(i, j int) float64 {
		key := [2]int64{min(ps[i].ChunkID, ps[j].ChunkID), max(ps[i].ChunkID, ps[j].ChunkID)}
		s, ok := d.similar[key]
		if !ok {
			s = jaccard(d.trigrams(ps[i]), d.trigrams(ps[j]))
			d.similar[key] = s
		}
		return s
	})
}

func (d *Deduper) trigrams(p core.Passage) []uint64 {
	sh, ok := d.shingles[p.ChunkID]
	if !ok {
		sh = trigrams(d.seed, p.Text)
		d.shingles[p.ChunkID] = sh
	}
	return sh
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
