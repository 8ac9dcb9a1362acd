package bench

import (
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

func TestRankDocumentsByBestChunk(t *testing.T) {
	t.Parallel()
	ps := []core.Passage{{SourceURI: "b"}, {SourceURI: "a"}, {SourceURI: "b"}, {SourceURI: "c"}, {SourceURI: "a"}}
	require.Equal(t, []string{"b", "a", "c"}, RankDocuments(ps))
	require.Empty(t, RankDocuments(nil))
}

func TestFirstHit(t *testing.T) {
	t.Parallel()
	ranked := []string{"d1", "d2", "d3", "d4"}
	require.Equal(t, 3, FirstHit(ranked, map[string]bool{"d3": true, "d4": true}, 10))
	require.Equal(t, 0, FirstHit(ranked, map[string]bool{"d3": true}, 2), "beyond k")
	require.Equal(t, 0, FirstHit(ranked, map[string]bool{"zz": true}, 10))
	require.Equal(t, 1, FirstHit(ranked, map[string]bool{"d1": true}, 1))
}

// TestScoresHandComputed checks hit@k and MRR@10 for five questions whose
// first relevant documents sit at ranks 1, 3, 6, none and 10:
// hit@1 = 1/5, hit@5 = 2/5, hit@10 = 4/5, MRR@10 = (1 + 1/3 + 1/6 + 0 + 1/10)/5 = 0.32.
func TestScoresHandComputed(t *testing.T) {
	t.Parallel()
	var s Scores
	for _, r := range []int{1, 3, 6, 0, 10} {
		s.Add(r)
	}
	require.Equal(t, 5, s.N())
	require.InDelta(t, 0.2, s.HitAt(1), 1e-12)
	require.InDelta(t, 0.4, s.HitAt(5), 1e-12)
	require.InDelta(t, 0.8, s.HitAt(10), 1e-12)
	require.InDelta(t, 0.32, s.MRR(), 1e-12)
}

func TestScoresIgnoreRanksPastTen(t *testing.T) {
	t.Parallel()
	var s Scores
	s.Add(11)
	require.Zero(t, s.HitAt(10))
	require.Zero(t, s.MRR())
	require.Zero(t, Scores{}.MRR(), "no questions")
}

func TestRecall(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 0.75, Recall([]int64{1, 2, 3, 9}, []int64{1, 2, 3, 4}), 1e-12)
	require.InDelta(t, 1.0, Recall([]int64{4, 3, 2, 1}, []int64{1, 2, 3, 4}), 1e-12, "order does not matter")
	require.InDelta(t, 1.0, Recall(nil, nil), 1e-12)
}

func TestBestPrefersMRRThenHitAtOne(t *testing.T) {
	t.Parallel()
	score := func(ranks ...int) Scores {
		var s Scores
		for _, r := range ranks {
			s.Add(r)
		}
		return s
	}
	rows := []QualityRow{
		{Name: "low", Scores: score(2, 0)},        // MRR 0.25
		{Name: "tie-first", Scores: score(1, 0)},  // MRR 0.5, hit@1 0.5
		{Name: "tie-second", Scores: score(1, 0)}, // same: the earlier row wins
		{Name: "no-hit1", Scores: score(2, 2)},    // MRR 0.5, hit@1 0
	}
	require.Equal(t, "tie-first", best(rows))
}
