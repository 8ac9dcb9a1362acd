package eval_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/eval"
	"supportd/internal/testkit"
)

// The halves are disjoint, cover every id, are near half each, and do not
// move: a question's half is a function of its id alone.
func TestSplitHalvesByID(t *testing.T) {
	t.Parallel()
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("q-%04d", i)
	}
	self := func(s string) string { return s }
	tune, holdout := eval.Filter(eval.SplitTune, ids, self), eval.Filter(eval.SplitHoldout, ids, self)
	require.Len(t, eval.Filter(eval.SplitAll, ids, self), 1000)
	require.Equal(t, 1000, len(tune)+len(holdout))
	require.InDelta(t, 500, len(tune), 50)
	for _, id := range tune {
		require.False(t, eval.SplitHoldout.Has(id), id)
	}
	// Pinned, so that a README figure measured on a half stays reproducible.
	require.Equal(t, []bool{true, true, true, false}, []bool{eval.SplitTune.Has("s10-266"), eval.SplitTune.Has("efc09699"),
		eval.SplitTune.Has("s10-neg-001"), eval.SplitTune.Has("s10-neg-002")})
}

func TestParseSplit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]eval.Split{"": eval.SplitAll, "all": eval.SplitAll, "tune": eval.SplitTune, "holdout": eval.SplitHoldout} {
		got, err := eval.ParseSplit(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	var s eval.Split
	require.EqualError(t, s.Set("train"), `split "train": want all, tune or holdout`)
}

// A negative becomes a golden case to hand off, which the golden-set rules
// accept.
func TestNegativeCase(t *testing.T) {
	t.Parallel()
	ns, err := eval.LoadNegatives(filepath.Join(testkit.RepoRoot(), "internal", "bench", "testdata", "negatives", "emanual-s10.jsonl"))
	require.NoError(t, err)
	c := ns[0].Case()
	require.Equal(t, eval.Case{ID: "s10-neg-001", Question: "How much does the Galaxy S10 cost?", RequiredFacts: []string{},
		ExpectedSources: []string{}, ShouldHandoff: true, Tags: []string{"negative", "product"}}, c)
	require.True(t, c.Declines())
}
