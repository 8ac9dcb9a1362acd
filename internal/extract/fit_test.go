package extract

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// sample draws n labelled signals from the logistic model w.
func sample(w Weights, n int, seed uint64) []Labelled {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]Labelled, n)
	for i := range out {
		s := Signals{Coverage: rng.Float64(), Similarity: rng.Float64(), BM25: rng.Float64()}
		out[i] = Labelled{Signals: s, Answerable: rng.Float64() < w.Probability(s)}
	}
	return out
}

func TestFitRecoversTheWeightsThatMadeTheLabels(t *testing.T) {
	t.Parallel()
	want := Weights{Intercept: -3, Coverage: 4, Similarity: 2, BM25: 1}
	got := Fit(sample(want, 20000, 1), 1e-4)
	require.InDelta(t, want.Intercept, got.Intercept, 0.25)
	require.InDelta(t, want.Coverage, got.Coverage, 0.25)
	require.InDelta(t, want.Similarity, got.Similarity, 0.25)
	require.InDelta(t, want.BM25, got.BM25, 0.25)
}

// The ridge penalty pulls the signals' weights towards zero.
func TestFitShrinksWithTheRidge(t *testing.T) {
	t.Parallel()
	data := sample(Weights{Intercept: -3, Coverage: 4, Similarity: 2, BM25: 1}, 2000, 4)
	loose, tight := Fit(data, 1e-4), Fit(data, 0.1)
	require.Less(t, tight.Coverage, loose.Coverage)
	require.Less(t, tight.Similarity, loose.Similarity)
}

// A signal that lowers the odds is held at zero, so confidence never
// falls when a signal rises.
func TestFitKeepsEveryWeightNonNegative(t *testing.T) {
	t.Parallel()
	got := Fit(sample(Weights{Intercept: -1, Coverage: 3, Similarity: -2, BM25: 1}, 5000, 2), 1e-4)
	require.Zero(t, got.Similarity)
	require.Greater(t, got.Coverage, 2.0)
}

// The fitted model is no worse on its own data than the shipped one.
func TestFitLowersTheLogLossOfItsData(t *testing.T) {
	t.Parallel()
	data := sample(Weights{Intercept: 1, Coverage: 0.5, Similarity: 3, BM25: 0.2}, 3000, 3)
	require.Less(t, LogLoss(Fit(data, DefaultRidge), data), LogLoss(Model, data))
}

func TestFitOfNothingIsTheShippedModel(t *testing.T) {
	t.Parallel()
	require.Equal(t, Model, Fit(nil, DefaultRidge))
}

func TestTheShippedModelIsWhatConfidenceUses(t *testing.T) {
	t.Parallel()
	s := Signals{Coverage: 0.7, Similarity: 0.4, BM25: 0.2}
	require.InDelta(t, Model.Probability(s), s.Confidence(), 1e-12)
	require.False(t, math.IsNaN(LogLoss(Model, []Labelled{{Signals: s}})))
}
