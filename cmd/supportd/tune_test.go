package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/eval"
	"supportd/internal/store"
	"supportd/internal/testkit"
	"supportd/internal/tune"
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

// Negatives make tune search the handoff threshold on a golden set that
// has only questions to answer: without them the threshold stays, with
// them a knowledge base that answers everything is told to hand off more.
// --split keeps one half of both, by id.
func TestTuneSearchesTheThresholdAgainstNegatives(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := testkit.DemoURL(t)
	getenv := environ("DATABASE_URL=" + dbURL)
	set, err := eval.LoadGolden(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	dir := t.TempDir()
	golden, negatives := filepath.Join(dir, "answerable.jsonl"), filepath.Join(dir, "negatives.jsonl")
	var answerable, negs []byte
	for _, c := range set.Cases {
		if !c.Declines() {
			answerable = append(answerable, jsonLine(t, c)...)
		}
	}
	for i, q := range append(declined(set), "How do I bake sourdough bread at home?", "What is the capital of Australia?",
		"Can I pay my electricity bill with Quillstack?", "How do I change the oil in my car?",
		"Which football team won the league last year?", "How many calories are in a banana?") {
		negs = append(negs, jsonLine(t, eval.Negative{QID: fmt.Sprintf("demo-neg-%02d", i), Question: q, Kind: eval.KindOutOfDomain})...)
	}
	require.NoError(t, os.WriteFile(golden, answerable, 0o644))
	require.NoError(t, os.WriteFile(negatives, negs, 0o644))
	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	eager := store.Retrieval{RRFK: 60, VectorWeight: 0, TextWeight: 1, Candidates: 50, MinConfidence: 0.05}
	require.NoError(t, st.SetRetrieval(ctx, "default", "demo", eager))

	tuned := func(args ...string) tune.Result {
		t.Helper()
		r := runCmd(t, getenv, append([]string{"tune", "--kb", "demo", "--golden", golden, "--dry-run", "--json"}, args...)...)
		require.NoError(t, r.err, "stderr: %s", r.stderr)
		var res tune.Result
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
		return res
	}
	alone := tuned()
	require.Equal(t, 0.05, alone.After.MinConfidence, "no question to decline: the threshold is not searched")
	both := tuned("--negatives", negatives)
	require.Equal(t, alone.Cases+13, both.Cases)
	require.Greater(t, both.After.MinConfidence, 0.05)
	require.Greater(t, both.AfterScores.DeclineAccuracy, both.BeforeScores.DeclineAccuracy)

	half, other := tuned("--negatives", negatives, "--split", "tune"), tuned("--negatives", negatives, "--split", "holdout")
	require.Equal(t, both.Cases, half.Cases+other.Cases)
	require.NotZero(t, half.Cases)
	require.NotZero(t, other.Cases)
	r := runCmd(t, getenv, "tune", "--kb", "demo", "--golden", golden, "--split", "train")
	require.ErrorContains(t, r.err, `split "train": want all, tune or holdout`)
	require.ErrorContains(t, runCmd(t, getenv, "tune", "--kb", "demo", "--golden", golden, "--negatives", filepath.Join(dir, "none.jsonl")).err,
		"read negatives")
}

// declined are the questions of the cases that decline.
func declined(set eval.GoldenSet) []string {
	var out []string
	for _, c := range set.Cases {
		if c.Declines() {
			out = append(out, c.Question)
		}
	}
	return out
}

func jsonLine(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return append(b, '\n')
}
