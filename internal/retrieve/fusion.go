package retrieve

import "supportd/internal/core"

// Fusion combines a passage's ranks in the vector and full-text lists into
// one score. Reciprocal Rank Fusion (Cormack et al., 2009) uses only ranks,
// so the two lists' incomparable score scales do not matter.
type Fusion struct {
	K            float64 // RRF's rank offset; 60 in the original paper
	VectorWeight float64
	TextWeight   float64
}

// DefaultFusion is plain RRF (k = 60, equal weights), the library
// default; the server's weights are configuration (SUPPORTD_RRF_K,
// SUPPORTD_TEXT_WEIGHT, SUPPORTD_VECTOR_WEIGHT), chosen on the S10 set as
// README's retrieval-quality table shows.
func DefaultFusion() Fusion { return Fusion{K: 60, VectorWeight: 1, TextWeight: 1} }

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
