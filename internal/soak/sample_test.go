package soak

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	t.Parallel()
	rss, peak, err := parseStatus(strings.NewReader("Name:\tsupportd\nVmPeak:\t 900 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t7\n"))
	require.NoError(t, err)
	require.Equal(t, uint64(1024<<10), rss)
	require.Equal(t, uint64(2048<<10), peak)

	_, _, err = parseStatus(strings.NewReader("Name:\tkthread\n"))
	require.Error(t, err, "a kernel thread has no resident set")
}

func TestProcessUsageReadsProcAndMetrics(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("# TYPE go_goroutines gauge\ngo_goroutines 42\n# TYPE go_memstats_heap_inuse_bytes gauge\n" +
			"go_memstats_heap_inuse_bytes 1.048576e+06\n# TYPE http_requests counter\nhttp_requests{code=\"200\"} 3\n"))
	}))
	t.Cleanup(ts.Close)

	u, err := Process{PID: os.Getpid(), Metrics: ts.URL}.Usage(t.Context())

	require.NoError(t, err)
	require.Equal(t, 42, u.Goroutines)
	require.Equal(t, uint64(1<<20), u.HeapInuse)
	require.Positive(t, u.RSS)
	require.GreaterOrEqual(t, u.PeakRSS, u.RSS)
	require.Equal(t, -1, u.Conns, "not counted without a counter")
}
