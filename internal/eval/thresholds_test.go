package eval

import (
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadThresholdsShippedFile(t *testing.T) {
	t.Parallel()
	th, err := LoadThresholds("../../goldenset/thresholds.json")
	require.NoError(t, err)
	require.Equal(t, DefaultThresholds(), th)
	require.NoError(t, th.Validate())
}

func TestThresholdsFor(t *testing.T) {
	t.Parallel()
	th := Thresholds{Default: 0.02, Metrics: map[string]float64{MetricCitationRecall: 0.1, MetricMRR: 0}}
	require.Equal(t, 0.1, th.For(MetricCitationRecall))
	require.Equal(t, 0.0, th.For(MetricMRR), "an explicit 0 is not the default")
	require.Equal(t, 0.02, th.For(MetricRougeL))
}

func TestParseThresholdsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, want string
	}{
		{"unknown field", `{"default": 0.05, "min_slice": 5}`, `json: unknown field "min_slice"`},
		{"negative default", `{"default": -0.1}`, "default: -0.1 is outside [0, 1]"},
		{"default above 1", `{"default": 1.5}`, "default: 1.5 is outside [0, 1]"},
		{"negative metric", `{"metrics": {"mrr": -0.05}}`, `metrics["mrr"]: -0.05 is outside [0, 1]`},
		{"unknown metric", `{"metrics": {"recal@k": 0.05}}`, `metrics["recal@k"]: unknown metric`},
		{"negative min_slice_cases", `{"min_slice_cases": -1}`, "min_slice_cases: -1 is negative"},
		{"trailing data", `{"default": 0.05} {}`, "decode thresholds: unexpected data after the object"},
		{"not JSON", `default = 0.05`, "decode thresholds: invalid character"},
		{"wrong type", `{"min_slice_cases": "5"}`, "cannot unmarshal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th, err := ParseThresholds(strings.NewReader(tt.input))
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, Thresholds{}, th)
		})
	}
}

func TestParseThresholdsReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ParseThresholds(strings.NewReader(`{"default": -1, "metrics": {"zzz": 0.1, "mrr": 2}, "min_slice_cases": -3}`))
	require.EqualError(t, err, strings.Join([]string{
		"default: -1 is outside [0, 1]",
		`metrics["mrr"]: 2 is outside [0, 1]`,
		`metrics["zzz"]: unknown metric`,
		"min_slice_cases: -3 is negative",
	}, "\n"))
}

func TestLoadThresholdsErrors(t *testing.T) {
	t.Parallel()
	_, err := LoadThresholds("testdata/missing.json")
	require.ErrorIs(t, err, fs.ErrNotExist)

	path := t.TempDir() + "/th.json"
	require.NoError(t, os.WriteFile(path, []byte(`{"default": 0.05, "metric": {}}`), 0o600))
	_, err = LoadThresholds(path)
	require.EqualError(t, err, "load thresholds "+path+`: decode thresholds: json: unknown field "metric"`)
}
