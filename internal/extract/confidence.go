package extract

// The answerability model: a logistic regression of "the knowledge base
// answers this" on the three signals, fitted by `supportd bench calibrate`
// on the tune halves (`bench quality --split tune`) of the two development
// sets with their negatives, so that the held-out halves are held out
// (README, "Answerability, calibrated"). Every weight is positive, so
// confidence never falls when a signal rises.
const (
	interceptWeight  = -3.69
	coverageWeight   = 2.51
	similarityWeight = 2.48
	bm25Weight       = 2.08
)

// Scales of the signals.
const (
	similarityFloor = 0.10 // cosine of unrelated text
	similarityCeil  = 0.60 // cosine of a clear match
	bm25Half        = 10.0 // BM25 that maps to one half
)

// confidence is the model's probability that the passages answer the
// question; 0 with no passages or no content word in the question.
func (a *analysis) confidence(chosen []int) float64 {
	if len(a.passages) == 0 || a.total == 0 {
		return 0
	}
	return a.signals(chosen).Confidence()
}

// Confidence is the model's probability that the knowledge base answers
// the question, in 0..1.
func (s Signals) Confidence() float64 {
	return Model.Probability(s)
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

func clamp01(x float64) float64 {
	switch {
	case !(x > 0): // also catches NaN
		return 0
	case x > 1:
		return 1
	}
	return x
}
