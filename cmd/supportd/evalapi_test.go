package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/dbtest"
	"supportd/internal/store"
	"supportd/internal/testkit"
)

// call sends one request to a running server with key and returns the
// status, headers and body.
func call(t *testing.T, addr, key, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, data
}

type evalJob struct {
	ID     int64  `json:"id"`
	State  string `json:"state"`
	KB     string `json:"kb"`
	Golden string `json:"golden"`
	RunID  *int64 `json:"run_id"`
}

// POST /v1/eval/runs queues the evaluation job; the server's own worker
// runs it, and polling the job shows the run it made.
func TestEvalRunsAreQueuedAndWorkedFromTheAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "goldenset", "demo.jsonl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "support.jsonl"), data, 0o644))
	dbURL, getenv := evalEnv(t, "SUPPORTD_EVAL_GOLDEN="+filepath.Join(dir, "support.jsonl"))
	r := runCmd(t, getenv, "keys", "create", "--tenant", "default", "--scope", "eval", "--name", "ci")
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	key := strings.TrimSpace(r.stdout)
	s := startServe(t, getenv)

	status, _, body := call(t, s.addr, key, http.MethodPost, "/v1/eval/runs", `{"kb":"demo","golden":"../../etc/passwd"}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.JSONEq(t, `{"code":"invalid_request","message":"golden must name one of the golden sets: support"}`, errorOf(t, body))
	status, _, body = call(t, s.addr, key, http.MethodPost, "/v1/eval/runs", `{"kb":"nope"}`)
	require.Equal(t, http.StatusNotFound, status, "%s", body)

	start := `{"kb":"demo","golden":"support","baseline":"none"}`
	status, header, body := call(t, s.addr, key, http.MethodPost, "/v1/eval/runs", start, "Idempotency-Key", "eval-run-2026-12-03-a")
	require.Equal(t, http.StatusAccepted, status, "%s", body)
	// A retry is answered from the first: one job, one audit entry.
	status, again, replayed := call(t, s.addr, key, http.MethodPost, "/v1/eval/runs", start, "Idempotency-Key", "eval-run-2026-12-03-a")
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, string(body), string(replayed))
	require.Equal(t, "true", again.Get("Idempotent-Replayed"))
	require.Equal(t, header.Get("Location"), again.Get("Location"))
	var job evalJob
	require.NoError(t, json.Unmarshal(body, &job))
	require.Equal(t, "/v1/eval/jobs/"+jsonNumber(job.ID), header.Get("Location"))
	require.Contains(t, []string{"queued", "running"}, job.State)
	require.Equal(t, "demo", job.KB)
	require.Equal(t, "support", job.Golden)
	require.Nil(t, job.RunID)

	require.Eventually(t, func() bool {
		status, _, body = call(t, s.addr, key, http.MethodGet, header.Get("Location"), "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.NoError(t, json.Unmarshal(body, &job))
		require.NotEqual(t, "failed", job.State)
		return job.State == "finished"
	}, time.Minute, 50*time.Millisecond)
	require.NotNil(t, job.RunID)

	status, _, body = call(t, s.addr, key, http.MethodGet, "/v1/eval/runs/"+jsonNumber(*job.RunID), "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var run struct {
		Meta struct {
			Status, Trigger, KB string
			GoldenPath          string `json:"golden_path"`
		} `json:"meta"`
		Results []json.RawMessage `json:"results"`
	}
	require.NoError(t, json.Unmarshal(body, &run))
	require.Equal(t, "complete", run.Meta.Status)
	require.Equal(t, "api", run.Meta.Trigger)
	require.Equal(t, filepath.Join(dir, "support.jsonl"), run.Meta.GoldenPath)
	require.Len(t, run.Results, strings.Count(string(data), "\n"))

	// Another tenant's key does not see the job.
	status, _, _ = call(t, s.addr, key, http.MethodGet, "/v1/eval/jobs/999999", "")
	require.Equal(t, http.StatusNotFound, status)

	st, err := store.Open(context.Background(), store.Params{URL: dbURL, MaxConns: 1})
	require.NoError(t, err)
	defer st.Close()
	var audited int
	require.NoError(t, dbtest.Owner(t, st).QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action = 'eval.queue' AND target = 'demo' AND actor LIKE 'key:%' AND details->>'golden' = 'support'`).Scan(&audited))
	require.Equal(t, 1, audited)
}

func jsonNumber(n int64) string {
	data, _ := json.Marshal(n)
	return string(data)
}

// errorOf is the error object of an error response, without its request id.
func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error map[string]any `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	delete(e.Error, "request_id")
	out, err := json.Marshal(e.Error)
	require.NoError(t, err)
	return string(out)
}
