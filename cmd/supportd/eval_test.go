package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// evalEnv is a database with the demo knowledge base, and the demo golden
// set's thresholds.
func evalEnv(t *testing.T, extra ...string) (dbURL string, getenv func(string) string) {
	t.Helper()
	dbURL = testkit.DemoURL(t)
	root := testkit.RepoRoot()
	env := append([]string{"DATABASE_URL=" + dbURL, "SUPPORTD_EVAL_THRESHOLDS=" + filepath.Join(root, "goldenset", "thresholds.json")}, extra...)
	return dbURL, environ(env...)
}

// The gate compares with a pinned baseline, not with the run before: the
// same degraded pipeline fails it every time, not only the first.
func TestRegressionGateCatchesTheSameRegressionTwice(t *testing.T) {
	t.Parallel()
	_, getenv := evalEnv(t)
	golden := filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl")
	r := runCmd(t, getenv, "eval", "run", "--golden", golden, "--fail-on-regression", "--format", "markdown")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	for i := range 2 {
		// Retrieval cut down to one passage.
		r = runCmd(t, getenv, "eval", "run", "--golden", golden, "--fail-on-regression", "--top-k", "1", "--format", "markdown")
		requireExit(t, r.err, 1)
		require.Contains(t, r.stderr, "regression against run 1:", "degraded run %d", i+1)
	}
}

// Accepting is explicit and audited; the file beside the golden set and
// the flag pin a run too.
func TestEvalAcceptPinsTheBaseline(t *testing.T) {
	t.Parallel()
	dbURL, getenv := evalEnv(t)
	dir := t.TempDir()
	golden := filepath.Join(dir, "golden.jsonl")
	data, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(golden, data, 0o644))
	evalRun := func(extra ...string) result {
		return runCmd(t, getenv, append([]string{"eval", "run", "--golden", golden, "--fail-on-regression", "--format", "markdown"}, extra...)...)
	}
	r := evalRun()
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Contains(t, r.stderr, "no baseline to compare with yet: this is the first complete run of demo")
	r = evalRun("--top-k", "1") // run 2: a regression...
	requireExit(t, r.err, 1)

	r = runCmd(t, getenv, "eval", "accept", "2") // ...that someone accepts
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	require.Regexp(t, `^run 2 \(pass rate 0\.\d{3}\) is now the baseline of knowledge base demo\n$`, r.stdout)
	r = evalRun("--top-k", "1")
	require.NoError(t, r.err, "compared with the accepted run 2; stderr: %s", r.stderr)
	r = runCmd(t, getenv, "eval", "list")
	require.NoError(t, r.err)
	require.Regexp(t, `(?m)^2 .* by cli$`, r.stdout)

	// The baseline file names run 1 again; the flag overrides the file.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "baseline"), []byte("# the release baseline\n1\n"), 0o644))
	r = evalRun("--top-k", "1")
	requireExit(t, r.err, 1)
	require.Contains(t, r.stderr, "regression against run 1:")
	r = evalRun("--top-k", "1", "--baseline", "2")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	r = evalRun("--top-k", "1", "--baseline", "none")
	require.NoError(t, r.err, "stderr: %s", r.stderr)

	for _, tc := range []struct{ args, want string }{
		{"eval accept", "eval accept takes one run id"},
		{"eval accept x", `run id "x" is not a number`},
		{"eval accept 99", "eval run 99 does not exist"},
	} {
		r = runCmd(t, getenv, strings.Fields(tc.args)...)
		require.ErrorContains(t, r.err, tc.want)
	}
	var audited int
	st, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, dbtest.Owner(t, st).QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE action = 'eval.accept' AND actor = 'cli' AND target = '2'`).Scan(&audited))
	require.Equal(t, 1, audited)
}
