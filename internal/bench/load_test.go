package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A server slower than the whole run (a busy machine, a short run) still
// yields a figure: each client's first request completes, requests in
// flight when the time is up are finished and counted, and the rate is
// over the time the run really took.
func TestLoadFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond) // slower than the run below
		served.Add(1)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(ts.Close)
	res, err := Load(context.Background(), LoadParams{URL: ts.URL, Body: []byte(`{}`), Clients: 3, Duration: time.Millisecond})
	require.NoError(t, err)
	require.Zero(t, res.Errors)
	require.GreaterOrEqual(t, res.Requests, 3, "every client's first request is counted")
	require.Equal(t, served.Load(), int64(res.Requests), "no request the server answered is dropped")
	require.Positive(t, res.RPS)
}
