package tune

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/eval"
	"supportd/internal/paste"
	"supportd/internal/retrieve"
	"supportd/internal/store"
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

// recorder is a Store and Embedder that record what they were asked.
type recorder struct {
	embedded, searched []string
}

func (r *recorder) Search(_ context.Context, p store.SearchParams) ([]core.Passage, error) {
	r.searched = append(r.searched, p.Query)
	return []core.Passage{{ChunkID: 1, SourceURI: "sync.md", TextRank: 1, VectorRank: 1}}, nil
}

func (r *recorder) SetRetrieval(context.Context, string, string, store.Retrieval) error { return nil }

func (r *recorder) EmbedQuery(_ context.Context, q string) ([]float32, error) {
	r.embedded = append(r.embedded, q)
	return []float32{1}, nil
}

func (r *recorder) EmbedDocuments(context.Context, []string) ([][]float32, error) { return nil, nil }
func (r *recorder) Model() string                                                 { return "hash-v2" }
func (r *recorder) Dimension() int                                                { return 1 }

// Tuning measures what the assistant compares with the threshold: it
// searches on the question plus the pasted log's salient lines and scores
// confidence against the focus question, not the whole raw message with
// its greeting and every log line.
func TestTuneScoresTheAssistantsFocusQuestion(t *testing.T) {
	t.Parallel()
	const msg = "Hi team, hope you are well. Sync stopped overnight. Why does sync fail?\n" +
		"2026-01-02 10:00:00 ERROR sync: quota exceeded (E42)\n" +
		"2026-01-02 10:00:01 INFO retrying in 30s"
	rec := &recorder{}
	var scored []string
	d := Deps{Store: rec, Embedder: rec, Now: time.Now, Confidence: func(q string, _ []core.Passage) float64 {
		scored = append(scored, q)
		return 0.9
	}}
	p := Params{KB: store.KB{Name: "help"}, DryRun: true, Current: Setting{Fusion: retrieve.DefaultFusion(), Candidates: 50, MinConfidence: 0.35}}
	p.Golden.Cases = []eval.Case{{ID: "c1", Question: msg, ExpectedSources: []string{"sync.md"}}}
	_, err := Tune(context.Background(), d, p)
	require.NoError(t, err)
	m := paste.Split(msg)
	require.NotEmpty(t, m.Salient, "the fixture must have a pasted log")
	require.Equal(t, []string{m.Query(m.Question)}, rec.searched)
	require.Equal(t, rec.searched, rec.embedded)
	require.NotEmpty(t, scored)
	for _, q := range scored {
		require.Equal(t, m.Focus(m.Question), q)
		require.NotContains(t, q, "hope you are well")
	}
}
