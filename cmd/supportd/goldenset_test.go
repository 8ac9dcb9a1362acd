package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// reviewed records a turn queued for review in kb and resolves it with r.
func reviewed(t *testing.T, st *store.Store, kb store.KB, question, answer string, r store.Resolution) {
	t.Helper()
	ctx := context.Background()
	_, err := st.SaveTurn(ctx, store.TurnWrite{Tenant: "default", ConversationID: uuid.NewString(), KBID: kb.ID,
		Question: question, Answer: answer, Confidence: 0.2, Mode: core.ModeExtractive, ClientID: "test", Review: "low_confidence",
		Citations: []core.Citation{{Marker: "[1]", Document: "billing/plans-and-pricing.md"}}})
	require.NoError(t, err)
	items, err := st.ReviewItems(ctx, store.ReviewFilter{Tenant: "default", Status: "pending", Limit: 1})
	require.NoError(t, err)
	r.Actor = "cli"
	_, err = st.ResolveReview(ctx, "default", items[0].ID, r)
	require.NoError(t, err)
}

// Relabelled items become golden cases once: export --since last, then
// add, which skips questions the golden set already asks.
func TestGoldensetExportAndAdd(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.NewURL(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Params{URL: dbURL, MaxConns: 2})
	require.NoError(t, err)
	defer st.Close()
	kb, err := st.EnsureKB(ctx, store.KBParams{Tenant: "default", Name: "demo", Model: "hash-384", Dim: 384})
	require.NoError(t, err)
	dir := t.TempDir()
	golden := filepath.Join(dir, "golden.jsonl")
	demo, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(golden, demo, 0o644))
	getenv := environ("DATABASE_URL="+dbURL, "SUPPORTD_EVAL_GOLDEN="+golden)

	// One question the golden set already has (billing-001), one new.
	reviewed(t, st, kb, "How much does the Team plan cost?", "It is free [1].",
		store.Resolution{Label: "incorrect", CorrectedAnswer: "The Team plan costs $9 per seat per month billed annually."})
	reviewed(t, st, kb, "Can I pay for Quillstack with PayPal?", "Yes [1].",
		store.Resolution{Label: "incorrect", CorrectedAnswer: "No: cards and invoices only.", ExpectedSources: []string{"billing/payment-methods.md"},
			RequiredFacts: []string{"invoices"}})
	reviewed(t, st, kb, "What is the weather in Paris?", "Sunny [1].", store.Resolution{Label: "should_handoff"})

	cases := filepath.Join(dir, "week-1.jsonl")
	r := runCmd(t, getenv, "goldenset", "export", "--since", "last", "--out", cases)
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Contains(t, r.stderr, "export #1: 3 case(s) from 3 resolved review item(s)")
	data, err := os.ReadFile(cases)
	require.NoError(t, err)
	require.Equal(t, 3, testkit.RequireGoldenLines(t, data))
	require.NotContains(t, string(data), "plans-and-pricing.md", "an incorrect answer's citations are not expected sources")
	require.NotContains(t, string(data), "[1]")

	r = runCmd(t, getenv, "goldenset", "export", "--since", "last")
	require.NoError(t, r.err)
	require.Empty(t, r.stdout)
	require.Contains(t, r.stderr, "nothing resolved since the last export")

	r = runCmd(t, getenv, "goldenset", "add", cases)
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Equal(t, golden+": 2 case(s) added, 1 duplicate(s) skipped; 66 cases now\n", r.stdout)
	require.Regexp(t, `skipped review-\d+: the golden set already asks this \(billing-001\)`, r.stderr)
	set, err := eval.LoadGolden(golden)
	require.NoError(t, err)
	require.Len(t, set.Cases, 66)
	require.Equal(t, "Can I pay for Quillstack with PayPal?", set.Cases[64].Question)
	require.True(t, set.Cases[65].ShouldHandoff)

	// Adding the same week twice adds nothing.
	r = runCmd(t, getenv, "goldenset", "add", cases)
	require.NoError(t, r.err)
	require.Equal(t, golden+": 0 case(s) added, 3 duplicate(s) skipped; 66 cases now\n", r.stdout)

	// A file of invalid cases changes nothing.
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"id":"x","question":"?"}`+"\n"), 0o644))
	r = runCmd(t, getenv, "goldenset", "add", bad)
	require.ErrorContains(t, r.err, `missing required field "reference_answer"`)
	after, err := os.ReadFile(golden)
	require.NoError(t, err)
	set2, err := eval.ParseGolden(bytes.NewReader(after), golden)
	require.NoError(t, err)
	require.Len(t, set2.Cases, 66)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"goldenset", "export", "--since", "yesterday"}, `--since must be "last", "all" or an RFC 3339 time, not "yesterday"`},
		{[]string{"goldenset", "add"}, "goldenset add takes one file of cases"},
		{[]string{"goldenset", "bogus"}, "goldenset needs the subcommand candidates, export or add"},
	} {
		r = runCmd(t, getenv, tc.args...)
		require.ErrorContains(t, r.err, tc.want)
	}
}
