package retrieve

import (
	"cmp"
	"slices"
	"strings"

	"supportd/internal/core"
)

// Fusion combines a passage's ranks in the vector and full-text lists into
// one score. Reciprocal Rank Fusion (Cormack et al., 2009) uses only ranks,
// so the two lists' incomparable score scales do not matter.
//
// A list of weight 0 does not rank: its passages that the other list
// missed follow all of the other list's, in their own list's order. That is
// how the built-in hashing embedder's list is used by default: it adds
// candidates (a misspelt word still shares word pieces) without reordering
// BM25's.
type Fusion struct {
	K            float64 `json:"rrf_k"` // RRF's rank offset; 60 in the original paper
	VectorWeight float64 `json:"vector_weight"`
	TextWeight   float64 `json:"text_weight"`
}

// DefaultFusion is plain RRF (k = 60, equal weights), the balance for an
// embedding model that captures meaning.
func DefaultFusion() Fusion { return Fusion{K: 60, VectorWeight: 1, TextWeight: 1} }

// FusionFor is the default fusion for the embedding model that fills a
// knowledge base. The built-in hashing embedders ("hash-…") match words and
// word pieces, not meaning: on both development sets their list ranks below
// BM25 and fusing it in lowered MRR (README, "Retrieval quality on real
// text"), so it only adds recall. Any other model gets plain RRF.
func FusionFor(model string) Fusion {
	if strings.HasPrefix(model, "hash-") {
		return Fusion{K: 60, VectorWeight: 0, TextWeight: 1}
	}
	return DefaultFusion()
}

// Score sets each passage's Score from its ranks; rank 0 means absent.
func (f Fusion) Score(ps []core.Passage) {
	for i := range ps {
		var s float64
		if r := ps[i].VectorRank; r > 0 {
			s += f.VectorWeight / (f.K + float64(r))
		}
		if r := ps[i].TextRank; r > 0 {
			s += f.TextWeight / (f.K + float64(r))
		}
		ps[i].Score = s
	}
}

// Rank scores the passages and sorts them best first: by fused score, then
// by the better of their ranks in a list of weight 0 (so that list still
// orders the passages only it found), then by chunk id.
func (f Fusion) Rank(ps []core.Passage) {
	f.Score(ps)
	slices.SortStableFunc(ps, func(a, b core.Passage) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(f.tiebreak(a), f.tiebreak(b)), cmp.Compare(a.ChunkID, b.ChunkID))
	})
}

// tiebreak is the passage's best rank in a list of weight 0, or a rank
// beyond any list when it is in none.
func (f Fusion) tiebreak(p core.Passage) int {
	best := int(^uint(0) >> 1)
	if f.VectorWeight == 0 && p.VectorRank > 0 {
		best = min(best, p.VectorRank)
	}
	if f.TextWeight == 0 && p.TextRank > 0 {
		best = min(best, p.TextRank)
	}
	return best
}
