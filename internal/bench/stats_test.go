package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 … 1, unsorted on purpose
	}
	tests := []struct {
		name string
		xs   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", ms(7), 99, 7 * time.Millisecond},
		{"p50 of four is the second", ms(40, 10, 30, 20), 50, 20 * time.Millisecond},
		{"p95 of four is the last", ms(40, 10, 30, 20), 95, 40 * time.Millisecond},
		{"p25 of four is the first", ms(40, 10, 30, 20), 25, 10 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p95 of 1..100", ms(hundred...), 95, 95 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 100, 100 * time.Millisecond},
		{"p99 of five is the maximum", ms(1, 2, 3, 4, 5), 99, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Percentile(tt.xs, tt.p))
		})
	}
}

func TestPercentileLeavesInputAlone(t *testing.T) {
	t.Parallel()
	xs := []time.Duration{3, 1, 2}
	Percentile(xs, 50)
	require.Equal(t, []time.Duration{3, 1, 2}, xs)
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	l := Summarize([]time.Duration{10, 20, 30, 40})
	require.Equal(t, Latency{N: 4, P50: 20, P95: 40, P99: 40, Max: 40, Mean: 25}, l)
	require.Equal(t, Latency{}, Summarize(nil))
}
