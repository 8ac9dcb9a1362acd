package extract

import "supportd/internal/core"

// Weights and scales of the confidence formula documented in doc.go.
const (
	coverageWeight   = 0.55
	similarityWeight = 0.20
	bm25Weight       = 0.15
	agreementWeight  = 0.10
	similarityFloor  = 0.10 // cosine of unrelated text
	similarityCeil   = 0.60 // cosine of a clear match
	bm25Half         = 10.0 // BM25 that maps to one half
	fullCoverage     = 0.5  // coverage from which retrieval counts in full
)

// confidence combines retrieval strength and how much of the question the
// chosen units cover; see doc.go for the formula.
func (a *analysis) confidence(chosen []int) float64 {
	if len(a.passages) == 0 || a.total == 0 {
		return 0
	}
	sim, bm := 0.0, 0.0
	for _, p := range a.passages {
		sim = max(sim, p.Similarity)
		bm = max(bm, p.BM25)
	}
	cov := a.coverage(chosen)
	retrieval := similarityWeight*scaleSimilarity(sim) +
		bm25Weight*saturate(bm) +
		agreementWeight*agreement(a.passages[0])
	return clamp01(coverageWeight*cov + min(1, cov/fullCoverage)*retrieval)
}

// scaleSimilarity maps a cosine similarity linearly from
// similarityFloor..similarityCeil onto 0..1.
func scaleSimilarity(s float64) float64 {
	return clamp01((s - similarityFloor) / (similarityCeil - similarityFloor))
}

// saturate maps a BM25 score onto 0..1, one half at bm25Half.
func saturate(s float64) float64 {
	if !(s > 0) { // also catches NaN
		return 0
	}
	return clamp01(s / (s + bm25Half))
}

// agreement is 2/(vector rank + text rank) when both retrievers found the
// passage, 1 when both ranked it first, and 0 when either missed it.
func agreement(p core.Passage) float64 {
	if p.VectorRank <= 0 || p.TextRank <= 0 {
		return 0
	}
	return 2 / (float64(p.VectorRank) + float64(p.TextRank))
}

func clamp01(x float64) float64 {
	switch {
	case !(x > 0): // also catches NaN
		return 0
	case x > 1:
		return 1
	}
	return x
}
