package tune

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/eval"
)

func TestCutKeepsWhatASmallerSearchWouldReturn(t *testing.T) {
	t.Parallel()
	found := []core.Passage{
		{ChunkID: 1, VectorRank: 1, TextRank: 30},
		{ChunkID: 2, VectorRank: 25},
		{ChunkID: 3, TextRank: 2},
	}
	got := cut(found, 20)
	require.Equal(t, []core.Passage{{ChunkID: 1, VectorRank: 1}, {ChunkID: 3, TextRank: 2}}, got)
	require.Equal(t, 30, found[0].TextRank, "the search's own passages are untouched")
}

// The setting chosen on one half is scored on the other: a setting that
// only wins on the even questions earns nothing on them.
func TestHeldOutGainScoresEachHalfByTheOthersChoice(t *testing.T) {
	t.Parallel()
	current := evaluation{utility: []float64{0, 0, 0, 0}}
	evenOnly := evaluation{utility: []float64{1, 0, 1, 0}}
	everywhere := evaluation{utility: []float64{0.5, 0.5, 0.5, 0.5}}
	require.Equal(t, 1, bestOf([]evaluation{current, evenOnly, everywhere}, func(i int) bool { return i%2 == 0 }))
	require.Equal(t, 2, bestOf([]evaluation{current, evenOnly, everywhere}, func(i int) bool { return i%2 == 1 }))
	require.Equal(t, 0, bestOf([]evaluation{current, {utility: []float64{0, 0, 0, 0}}}, func(int) bool { return true }),
		"a tie keeps the current setting")
	// Fold 0 (even questions) is scored by the choice on the odd ones
	// (everywhere), fold 1 by the choice on the even ones (evenOnly).
	require.Equal(t, []float64{0.5, 0, 0.5, 0}, heldOutGain([]evaluation{current, evenOnly, everywhere}))
}

func TestThresholdsNeedBothKindsOfQuestion(t *testing.T) {
	t.Parallel()
	answer, decline := eval.Case{ID: "a"}, eval.Case{ID: "d", ShouldHandoff: true}
	p := Params{Current: Setting{MinConfidence: 0.35}}
	p.Golden.Cases = []eval.Case{answer, answer}
	require.Equal(t, []float64{0.35}, thresholds(p))
	p.Golden.Cases = []eval.Case{decline}
	require.Equal(t, []float64{0.35}, thresholds(p))
	p.Golden.Cases = []eval.Case{answer, decline}
	require.Equal(t, gridThreshold, thresholds(p))
}
