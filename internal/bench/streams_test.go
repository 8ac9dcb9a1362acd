package bench

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"

	"supportd/internal/soak"
)

func TestHoldStreamsReadsEveryStreamToItsEnd(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	ts := httptest.NewServer(BareSSE(5, 0, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	t.Cleanup(ts.Close)
	p := StreamsParams{N: 20, Every: 1 << 20}

	run, err := HoldStreams(t.Context(), StreamServer{Name: "bare", URL: ts.URL + "/v1/chat", Body: func(int) []byte { return []byte(`{}`) },
		Process: soak.Process{PID: os.Getpid(), Metrics: ts.URL + "/metrics"}}, p)

	require.NoError(t, err)
	require.Equal(t, 20, run.Completed)
	require.Zero(t, run.Failed)
	require.Empty(t, run.Errors)
	require.Equal(t, 100, run.Tokens)
	require.Equal(t, 5, run.TokensPerStream())
	require.Equal(t, map[string]int{"bare": 20}, run.Modes)
	require.Positive(t, run.MaxOpen)
	require.LessOrEqual(t, run.MaxOpen, 20)
	require.Positive(t, run.Idle.RSS)
	require.Positive(t, run.Idle.Goroutines, "read from the server's /metrics")
	require.GreaterOrEqual(t, run.PeakRSS, run.Idle.RSS)
}

func TestHoldStreamsCountsFailuresByKind(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(BareSSE(1, 0, promhttp.Handler()))
	t.Cleanup(ts.Close)

	run, err := HoldStreams(t.Context(), StreamServer{Name: "wrong path", URL: ts.URL + "/nowhere", Body: func(int) []byte { return nil },
		Process: soak.Process{PID: os.Getpid(), Metrics: ts.URL + "/metrics"}}, StreamsParams{N: 3, Every: 1 << 20})

	require.NoError(t, err)
	require.Equal(t, 3, run.Failed)
	require.Equal(t, map[string]int{"status 404": 3}, run.Errors)
}

func TestReadEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		tokens     int
		mode       string
		err        string
	}{
		{"answer", "event: token\ndata: {\"text\":\"a \"}\n\n: keepalive\n\nevent: token\ndata: {\"text\":\"b\"}\n\nevent: citations\ndata: []\n\nevent: done\ndata: {\"mode\":\"llm\"}\n\n", 2, "llm", ""},
		{"status then answer", "event: status\ndata: {\"mode\":\"extractive\"}\n\nevent: token\ndata: {}\n\nevent: done\ndata: {\"mode\":\"extractive\"}\n\n", 1, "extractive", ""},
		{"error event", "event: token\ndata: {}\n\nevent: error\ndata: {\"code\":\"unavailable\"}\n\n", 1, "", `error event: {"code":"unavailable"}`},
		{"cut short", "event: token\ndata: {}\n\n", 1, "", "stream ended without a done event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := readEvents(strings.NewReader(tc.body))
			require.Equal(t, tc.tokens, res.tokens)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.mode, res.mode)
		})
	}
}

func TestStreamsRowComparesRSSAtPeak(t *testing.T) {
	t.Parallel()
	rep := StreamsReport{Params: StreamsParams{N: 1000},
		Ours: StreamRun{Peak: soak.Usage{RSS: 120 << 20}, MaxOpen: 1000}, Bare: StreamRun{Peak: soak.Usage{RSS: 60 << 20}, MaxOpen: 1000}}

	rows := rep.RatioRows()

	require.Len(t, rows, 1)
	require.Equal(t, "RSS with 1000 concurrent SSE streams", rows[0].Name)
	require.InDelta(t, 120, rows[0].Ours, 1e-9)
	require.InDelta(t, 2, rows[0].Ratio(), 1e-9)
	require.True(t, rows[0].Met(), "120 MB is within 150 MB")
	rep.Ours.Peak.RSS = 200 << 20
	require.False(t, rep.RatioRows()[0].Met())
}
