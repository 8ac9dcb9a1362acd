package extract

import "supportd/internal/core"

// Signals are what confidence is computed from, each in 0..1; see the
// package documentation.
type Signals struct {
	// Coverage is the share of the question's term weight held by the
	// chosen units (a term only in their title or heading counts half).
	Coverage float64
	// Similarity is the best cosine similarity among the considered
	// passages, scaled from similarityFloor..similarityCeil.
	Similarity float64
	// BM25 is the best BM25 score among them, saturated.
	BM25 float64
}

// Signals returns the signals Confidence combines for the same input.
func (a *Answerer) Signals(question string, passages []core.Passage) Signals {
	an, chosen := a.decide(question, passages)
	return an.signals(chosen)
}

// signals measures the analysis and the chosen units.
func (a *analysis) signals(chosen []int) Signals {
	if len(a.passages) == 0 || a.total == 0 {
		return Signals{}
	}
	sim, bm := 0.0, 0.0
	for _, p := range a.passages {
		sim = max(sim, p.Similarity)
		bm = max(bm, p.BM25)
	}
	return Signals{Coverage: a.coverage(chosen), Similarity: scaleSimilarity(sim), BM25: saturate(bm)}
}
