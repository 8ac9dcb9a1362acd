package soak

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// samples are one a minute with the given RSS in MB and goroutines.
func samples(rss []uint64, goroutines []int) []Sample {
	out := make([]Sample, len(rss))
	for i := range rss {
		out[i] = Sample{At: time.Duration(i+1) * time.Minute, Usage: Usage{RSS: rss[i] << 20, Goroutines: goroutines[i]}}
	}
	return out
}

func TestJudge(t *testing.T) {
	t.Parallel()
	p := Params{Duration: 10 * time.Minute, Interval: time.Minute} // warm-up: 2 minutes
	for _, tc := range []struct {
		name    string
		samples []Sample
		errors  int
		pass    bool
		reasons []string
		rss     float64
	}{
		{"flat after a warm-up that grew", samples([]uint64{40, 90, 100, 101, 99, 100, 102, 100, 101, 100},
			[]int{10, 60, 60, 61, 59, 60, 60, 62, 60, 61}), 0, true, nil, 0},
		{"one burst does not decide", samples([]uint64{40, 90, 100, 100, 100, 100, 100, 100, 100, 180},
			[]int{10, 60, 60, 60, 60, 60, 60, 60, 60, 200}), 0, true, nil, 0},
		{"a slow leak", samples([]uint64{40, 90, 100, 103, 106, 109, 112, 115, 118, 121},
			[]int{10, 60, 60, 60, 60, 60, 60, 60, 60, 60}), 0, false, []string{"RSS grew 18.0% after warm-up"}, 0.18},
		{"errors", samples([]uint64{100, 100, 100, 100}, []int{60, 60, 60, 60}), 2, false, []string{"2 errors"}, 0},
		{"too short to judge", samples([]uint64{100, 100}, []int{60, 60}), 0, false,
			[]string{"fewer than two samples after warm-up: run longer or sample more often"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := Judge(tc.samples, tc.errors, p)
			require.Equal(t, tc.pass, v.Pass)
			require.Equal(t, tc.reasons, v.Reasons)
			require.InDelta(t, tc.rss, v.RSSGrowth, 1e-9)
		})
	}
}
