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
	return DedupeTop(ps, threshold, len(ps))
}

// DedupeTop is Dedupe that stops once it has kept k passages. The result
// is a slice of its own, exactly k long at most: the candidates it passed
// over (and their texts) are not kept alive by it, which matters when a
// stream holds its passages for as long as the model takes to answer.
func DedupeTop(ps []core.Passage, threshold float64, k int) []core.Passage {
	kept := make([]core.Passage, 0, min(k, len(ps)))
	seed := maphash.MakeSeed()
	var shingles [][]uint64
	for _, p := range ps {
		if len(kept) == k {
			break
		}
		sh := trigrams(seed, p.Text)
		if slices.ContainsFunc(shingles, func(other []uint64) bool { return jaccard(sh, other) >= threshold }) {
			continue
		}
		kept = append(kept, p)
		shingles = append(shingles, sh)
	}
	return kept
}

// Deduper is Dedupe for a caller that dedupes the same passages in many
// orders (tune ranks one search under hundreds of settings): it remembers
// each passage's trigrams and each pair's verdict, by chunk id, so it
// compares a pair's texts at most once. Not safe for concurrent use.
type Deduper struct {
	threshold float64
	seed      maphash.Seed
	index     map[int64]int // chunk id → position in texts
	texts     []string
	shingles  [][]uint64 // by position, made when first needed
	verdict   []int8     // n×n by position: 0 not compared yet, 1 near-duplicates, 2 not
}

// NewDeduper returns a Deduper at threshold that has compared nothing yet.
// The passages it is given must carry their chunk ids.
func NewDeduper(threshold float64) *Deduper {
	return &Deduper{threshold: threshold, seed: maphash.MakeSeed(), index: map[int64]int{}}
}

// Dedupe is Dedupe(ps, threshold).
func (d *Deduper) Dedupe(ps []core.Passage) []core.Passage {
	kept := ps[:0:0]
	var at []int // positions of the kept passages
	for _, p := range ps {
		i := d.position(p)
		if slices.ContainsFunc(at, func(j int) bool { return d.near(i, j) }) {
			continue
		}
		kept = append(kept, p)
		at = append(at, i)
	}
	return kept
}

// position is p's position, giving it one (and growing the verdicts) when
// p is new.
func (d *Deduper) position(p core.Passage) int {
	if i, ok := d.index[p.ChunkID]; ok {
		return i
	}
	n := len(d.texts)
	grown := make([]int8, (n+1)*(n+1))
	for i := range n {
		copy(grown[i*(n+1):], d.verdict[i*n:(i+1)*n])
	}
	d.verdict = grown
	d.index[p.ChunkID] = n
	d.texts = append(d.texts, p.Text)
	d.shingles = append(d.shingles, nil)
	return n
}

func (d *Deduper) near(i, j int) bool {
	n := len(d.texts)
	if d.verdict[i*n+j] == 0 {
		v := int8(2)
		if jaccard(d.trigrams(i), d.trigrams(j)) >= d.threshold {
			v = 1
		}
		d.verdict[i*n+j], d.verdict[j*n+i] = v, v
	}
	return d.verdict[i*n+j] == 1
}

func (d *Deduper) trigrams(i int) []uint64 {
	if d.shingles[i] == nil {
		d.shingles[i] = trigrams(d.seed, d.texts[i])
	}
	return d.shingles[i]
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
