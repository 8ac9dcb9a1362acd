package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNegativeSets checks the committed negative sets: at least 100 hard
// negatives and 100 out-of-domain questions for the S10 manual, some for
// the developer docs, every question distinct.
func TestNegativeSets(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file                 string
		product, outOfDomain int
	}{
		{"emanual-s10.jsonl", 104, 102},
		{"anthropic-docs.jsonl", 20, 20},
	} {
		ns, err := LoadNegatives(filepath.Join("testdata", "negatives", c.file))
		require.NoError(t, err, c.file)
		kinds, seen := map[string]int{}, map[string]bool{}
		for _, n := range ns {
			kinds[n.Kind]++
			require.False(t, seen[n.Question], "%s: %q twice", c.file, n.Question)
			seen[n.Question] = true
		}
		require.Equal(t, map[string]int{KindProduct: c.product, KindOutOfDomain: c.outOfDomain}, kinds, c.file)
	}
}

func TestLoadNegativesRejectsUnknownKind(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "neg.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"qid":"n1","question":"How much is it?","kind":"price"}`+"\n"), 0o644))
	_, err := LoadNegatives(path)
	require.EqualError(t, err, `negatives `+path+`: n1 needs a question and kind "product" or "out-of-domain"`)
}

func TestReliability(t *testing.T) {
	t.Parallel()
	points := []Point{{0.05, false}, {0.15, false}, {0.12, true}, {0.95, true}, {1, true}, {0.9, false}}
	bins, ece := Reliability(points, 10)
	require.Equal(t, []Bin{
		{Low: 0, High: 0.1, N: 1, MeanConfidence: 0.05, Accuracy: 0},
		{Low: 0.1, High: 0.2, N: 2, MeanConfidence: 0.135, Accuracy: 0.5},
		{Low: 0.9, High: 1, N: 3, MeanConfidence: 0.95, Accuracy: 2.0 / 3},
	}, roundBins(bins))
	// (1·0.05 + 2·0.365 + 3·(0.95−2/3)) / 6
	require.InDelta(t, (0.05+0.73+3*(0.95-2.0/3))/6, ece, 1e-9)
}

func roundBins(bs []Bin) []Bin {
	for i := range bs {
		bs[i].MeanConfidence = float64(int(bs[i].MeanConfidence*1e6+0.5)) / 1e6
		bs[i].High = float64(int(bs[i].High*1e6+0.5)) / 1e6
		bs[i].Low = float64(int(bs[i].Low*1e6+0.5)) / 1e6
	}
	return bs
}

func TestROCPoint(t *testing.T) {
	t.Parallel()
	r := AnswerRun{InKB: 50, InKBHandoffs: 3, Product: 104, ProductHandoffs: 94, OutOfDomain: 102, OODHandoffs: 98}
	tpr, fpr := r.ROCPoint()
	require.InDelta(t, 47.0/50, tpr, 1e-9)
	require.InDelta(t, 14.0/206, fpr, 1e-9)
	tpr, fpr = AnswerRun{}.ROCPoint()
	require.Zero(t, tpr)
	require.Zero(t, fpr)
}
