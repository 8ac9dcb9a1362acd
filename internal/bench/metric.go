package bench

import (
	"supportd/internal/core"
	"supportd/internal/eval"
)

// RankDocuments returns the distinct source URIs of ps in order of their
// best (first) chunk: a document's rank is its best chunk's rank.
func RankDocuments(ps []core.Passage) []string {
	seen := make(map[string]bool, len(ps))
	var out []string
	for _, p := range ps {
		if !seen[p.SourceURI] {
			seen[p.SourceURI] = true
			out = append(out, p.SourceURI)
		}
	}
	return out
}

// FirstHit returns the 1-based rank of the first relevant document among
// the first k of ranked, or 0 when none of them is relevant.
func FirstHit(ranked []string, relevant map[string]bool, k int) int {
	for i, uri := range ranked[:min(k, len(ranked))] {
		if relevant[uri] {
			return i + 1
		}
	}
	return 0
}

// Scores accumulates hit@1, hit@5, hit@10, MRR@10 and nDCG@10 over
// questions.
type Scores struct {
	n, hit1, hit5, hit10 int
	rr, ndcg             float64
}

// AddRanked records one question by its ranked documents and the relevant
// ones: the rank of the first relevant document in the top ten (as Add)
// and nDCG@10 with every relevant document of gain 1 (eval.NDCG).
func (s *Scores) AddRanked(ranked, relevant []string) {
	set := make(map[string]bool, len(relevant))
	for _, r := range relevant {
		set[r] = true
	}
	s.Add(FirstHit(ranked, set, 10))
	s.ndcg += eval.NDCG(relevant, ranked, 10)
}

// NDCG is the mean nDCG@10 of the questions recorded by AddRanked.
func (s Scores) NDCG() float64 {
	if s.n == 0 {
		return 0
	}
	return s.ndcg / float64(s.n)
}

// Add records one question by the rank of its first relevant document in
// the top ten (FirstHit with k = 10), 0 for a miss.
func (s *Scores) Add(rank int) {
	s.n++
	if rank <= 0 || rank > 10 {
		return
	}
	s.rr += 1 / float64(rank)
	s.hit10++
	if rank <= 5 {
		s.hit5++
	}
	if rank == 1 {
		s.hit1++
	}
}

// N is the number of questions recorded.
func (s Scores) N() int { return s.n }

// HitAt returns the share of questions with a relevant document in the top
// k, for k of 1, 5 or 10.
func (s Scores) HitAt(k int) float64 {
	if s.n == 0 {
		return 0
	}
	var hits int
	switch k {
	case 1:
		hits = s.hit1
	case 5:
		hits = s.hit5
	case 10:
		hits = s.hit10
	default:
		panic("bench: HitAt supports k of 1, 5 or 10")
	}
	return float64(hits) / float64(s.n)
}

// MRR returns the mean reciprocal rank at 10: 1/rank of the first relevant
// document in the top ten, 0 when there is none, averaged over questions.
func (s Scores) MRR() float64 {
	if s.n == 0 {
		return 0
	}
	return s.rr / float64(s.n)
}

// Recall returns the share of want that got contains.
func Recall(got, want []int64) float64 {
	if len(want) == 0 {
		return 1
	}
	in := make(map[int64]bool, len(got))
	for _, id := range got {
		in[id] = true
	}
	n := 0
	for _, id := range want {
		if in[id] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}
