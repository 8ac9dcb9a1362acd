package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/store"
	"supportd/internal/testkit"
)

// A knowledge base left with poor settings (the vector list alone ranks,
// and a threshold that hands nearly everything off) is tuned from the demo
// golden set: the better settings are recorded; a dry run and a second
// run that cannot beat them record nothing.
func TestTuneRecordsOnlyASignificantGain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := testkit.DemoURL(t)
	getenv := environ("DATABASE_URL=" + dbURL)
	golden := filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl")
	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	poor := store.Retrieval{RRFK: 60, VectorWeight: 1, TextWeight: 0, Candidates: 20, MinConfidence: 0.95}
	require.NoError(t, st.SetRetrieval(ctx, "default", "demo", poor))
	stored := func() store.Retrieval {
		kb, err := st.KB(ctx, "default", "demo")
		require.NoError(t, err)
		require.NotNil(t, kb.Retrieval)
		return *kb.Retrieval
	}

	r := runCmd(t, getenv, "tune", "--kb", "demo", "--golden", golden, "--dry-run")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "before: RRF k=60, text ×0, vector ×1, 20 candidates, handoff below 0.95\n")
	require.Contains(t, r.stdout, "better beyond the interval; --dry-run: not recorded\n")
	require.Equal(t, poor, stored())

	r = runCmd(t, getenv, "tune", "--kb", "demo", "--golden", golden)
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "golden cases: 64\n")
	require.Contains(t, r.stdout, "better beyond the interval: recorded for knowledge base demo\n")
	tuned := stored()
	require.Equal(t, 64, tuned.GoldenCases)
	require.Equal(t, 1.0, tuned.TextWeight)
	require.Less(t, tuned.MinConfidence, 0.95)
	require.Greater(t, tuned.After, tuned.Before)

	r = runCmd(t, getenv, "tune", "--kb", "demo", "--golden", golden)
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "the current setting is the best of the grid\n")
	require.Equal(t, tuned, stored(), "nothing recorded the second time")

	require.ErrorContains(t, runCmd(t, getenv, "tune", "--kb", "demo").err, "tune needs --kb and --golden")
	require.ErrorContains(t, runCmd(t, getenv, "tune", "--kb", "nope", "--golden", golden).err, `knowledge base "nope" does not exist`)
}
