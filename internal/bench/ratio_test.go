package bench

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRatioRowGoals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		row  RatioRow
		met  bool
	}{
		{"throughput above its ratio", RatioRow{Ours: 60, Baseline: "bare", Bare: 100, Goal: RatioAtLeast(0.5)}, true},
		{"throughput below its ratio", RatioRow{Ours: 40, Baseline: "bare", Bare: 100, Goal: RatioAtLeast(0.5)}, false},
		{"latency within its ratio", RatioRow{Ours: 20, Baseline: "bare", Bare: 10, Goal: RatioAtMost(2)}, true},
		{"latency past its ratio", RatioRow{Ours: 21, Baseline: "bare", Bare: 10, Goal: RatioAtMost(2)}, false},
		{"absolute bound met", RatioRow{Ours: 120, Goal: AtMost(150)}, true},
		{"absolute bound missed", RatioRow{Ours: 151, Goal: AtMost(150)}, false},
		{"absolute floor met", RatioRow{Ours: 2500, Goal: AtLeast(2000)}, true},
		{"ratio goal without a baseline", RatioRow{Ours: 1, Goal: RatioAtLeast(0.5)}, false},
		{"no goal", RatioRow{Ours: 1, Baseline: "bare", Bare: 1}, false},
	} {
		require.Equal(t, tc.met, tc.row.Met(), tc.name)
	}
	require.True(t, math.IsNaN(RatioRow{Ours: 1}.Ratio()))
}

func TestRatioTablePrintsEveryRowWithItsMachine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rows.jsonl")
	require.NoError(t, AppendRatioRows(path, []RatioRow{
		NewRatioRow("/v1/chat cache hit", "requests/s", 9000, "bare Echo handler", 15000, RatioAtLeast(0.5)),
	}))
	second := RatioRow{Name: "RSS, 1,000 SSE streams", Unit: "MB", Ours: 160, Goal: AtMost(150), Note: "misses by 10 MB: the buffers"}
	require.NoError(t, AppendRatioRows(path, []RatioRow{second}))
	rows, err := ReadRatioRows(path)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, second, rows[1], "a row survives the file whole")

	var out bytes.Buffer
	WriteRatioTable(&out, Machine{NProc: 2, CPU: "Test CPU @ 2.0GHz", Load: "1.00 / 2.00 / 3.00"}, rows)
	s := out.String()
	require.Contains(t, s, "machine: 2 CPUs (nproc), Test CPU @ 2.0GHz · load average (1/5/15 min) 1.00 / 2.00 / 3.00")
	require.Regexp(t, `\| /v1/chat cache hit +\| 9000 requests/s +\| 15000 requests/s \(bare Echo handler\) +\| 0\.600 +\| ≥ 0\.5× +\| yes +\|`, s)
	require.Regexp(t, `\| RSS, 1,000 SSE streams +\| 160 MB +\| — +\| — +\| ≤ 150 MB +\| no +\| — +\|`, s)
	require.Contains(t, s, "- RSS, 1,000 SSE streams: misses by 10 MB: the buffers")
}

func TestReadRatioRowsRejectsAGarbledFile(t *testing.T) {
	t.Parallel()
	_, err := ReadRatioRows(filepath.Join(t.TempDir(), "absent.jsonl"))
	require.Error(t, err)
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("{\"name\": \"half a row\"\n"), 0o644))
	_, err = ReadRatioRows(path)
	require.ErrorContains(t, err, path)
}
