package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/app"
	"supportd/internal/core"
	"supportd/internal/dbtest"
	"supportd/internal/eval"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
)

func TestEvalRunsAreServed(t *testing.T) {
	t.Parallel()
	kit, _ := testkit.NewDemo(t, testkit.Options{})
	runner := kit.EvalRunner()
	b := serve(t, kit, func(d *httpapi.Deps) { d.Eval = app.EvalRuns{Runner: runner} })
	golden, err := eval.LoadGolden(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	kb, err := b.kit.Store.KB(context.Background(), testkit.Tenant, "demo")
	require.NoError(t, err)
	run, err := runner.Run(context.Background(), eval.RunParams{Tenant: testkit.Tenant, KB: kb, Golden: golden, Trigger: "schedule"})
	require.NoError(t, err)

	res := b.do(t, http.MethodGet, "/v1/eval/runs", "", nil)
	require.Equal(t, http.StatusOK, res.status, string(res.body))
	var list struct {
		Runs []struct {
			Meta    eval.RunMeta `json:"meta"`
			Summary eval.Summary `json:"summary"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(res.body, &list))
	require.Len(t, list.Runs, 1)
	require.Equal(t, run.Meta.ID, list.Runs[0].Meta.ID)
	require.Equal(t, "schedule", list.Runs[0].Meta.Trigger)
	require.Equal(t, run.Summary.PassRate.Mean, list.Runs[0].Summary.PassRate.Mean)

	path := "/v1/eval/runs/" + strconv.FormatInt(run.Meta.ID, 10)
	res = b.do(t, http.MethodGet, path, "", nil)
	require.Equal(t, http.StatusOK, res.status)
	var one struct {
		Results []eval.CaseResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal(res.body, &one))
	require.Len(t, one.Results, len(golden.Cases))

	res = b.do(t, http.MethodGet, path+"?format=html", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/html; charset=UTF-8", res.header.Get("Content-Type"))
	require.Equal(t, 2, strings.Count(string(res.body), "<svg"), "trend and slice charts")

	// Accepting pins the run as the baseline, audited as the caller.
	res = b.do(t, http.MethodPost, path+"/accept", "", nil)
	require.Equal(t, http.StatusOK, res.status, string(res.body))
	var accepted struct {
		Meta eval.RunMeta `json:"meta"`
	}
	require.NoError(t, json.Unmarshal(res.body, &accepted))
	require.Equal(t, run.Meta.ID, accepted.Meta.ID)
	require.NotNil(t, accepted.Meta.AcceptedAt)
	require.Equal(t, "key:dev", accepted.Meta.AcceptedBy)
	var audited int
	require.NoError(t, dbtest.Owner(t, b.kit.Store).QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action = 'eval.accept' AND actor = 'key:dev' AND target = $1`, strconv.FormatInt(run.Meta.ID, 10)).Scan(&audited))
	require.Equal(t, 1, audited)
	pinned, ok, err := runner.Baseline(context.Background(), testkit.Tenant, "demo", eval.BaselinePinned, 0)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, run.Meta.ID, pinned.Meta.ID)
	requireError(t, b.do(t, http.MethodPost, "/v1/eval/runs/999999/accept", "", nil), http.StatusNotFound, core.CodeNotFound)
	requireError(t, b.do(t, http.MethodPost, "/v1/eval/runs/0/accept", "", nil), http.StatusBadRequest, core.CodeInvalid)

	requireError(t, b.do(t, http.MethodGet, "/v1/eval/runs/999999", "", nil), http.StatusNotFound, core.CodeNotFound)
	requireError(t, b.do(t, http.MethodGet, "/v1/eval/runs/abc", "", nil), http.StatusBadRequest, core.CodeInvalid)
	requireError(t, b.do(t, http.MethodGet, path+"?format=pdf", "", nil), http.StatusBadRequest, core.CodeInvalid)
	requireError(t, b.do(t, http.MethodGet, "/v1/eval/runs?limit=0", "", nil), http.StatusBadRequest, core.CodeInvalid)
}
