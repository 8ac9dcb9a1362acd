package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/bench"
)

// bench load posts the body with the key from its environment and
// reports what it measured as JSON; a status other than 200 is an error.
func TestBenchLoadReportsJSON(t *testing.T) {
	t.Parallel()
	var good, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer sk_test" || string(body) != `{"q":1}` {
			bad.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		good.Add(1)
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		key      string
		failures bool
	}{{"sk_test", false}, {"sk_wrong", true}} {
		var out, errOut bytes.Buffer
		getenv := func(k string) string {
			if k == loadKeyEnv {
				return tc.key
			}
			return ""
		}
		err := run(context.Background(), []string{"bench", "load", "--url", srv.URL, "--body", `{"q":1}`, "--clients", "2",
			"--duration", "100ms"}, getenv, &out, &errOut)
		require.NoError(t, err, errOut.String())
		var res bench.LoadResult
		require.NoError(t, json.Unmarshal(out.Bytes(), &res))
		if tc.failures {
			require.Positive(t, res.Errors)
			require.Zero(t, res.Requests)
			continue
		}
		require.Zero(t, res.Errors)
		require.Positive(t, res.Requests)
		require.Positive(t, res.RPS)
		require.Positive(t, res.P99)
	}
	require.Positive(t, good.Load())
	require.Positive(t, bad.Load())
}
