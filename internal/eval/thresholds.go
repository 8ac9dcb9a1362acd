package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
)

// Thresholds are the largest drops, in absolute metric units (metrics
// and pass rate lie in [0, 1]), that a comparison tolerates before it
// calls a move a regression. goldenset/thresholds.json ships the defaults.
type Thresholds struct {
	// Default applies to metrics not listed in Metrics.
	Default float64            `json:"default"`
	Metrics map[string]float64 `json:"metrics"`
	// MinSliceCases is how many cases a tag's slice needs in both runs
	// before its moves are compared; smaller slices are too noisy to gate.
	MinSliceCases int `json:"min_slice_cases"`
}

// For is the threshold of metric.
func (t Thresholds) For(metric string) float64 {
	if v, ok := t.Metrics[metric]; ok {
		return v
	}
	return t.Default
}

// DefaultThresholds are the thresholds goldenset/thresholds.json ships (a
// test keeps the two equal), for callers given no file.
func DefaultThresholds() Thresholds {
	return Thresholds{
		Default: 0.05,
		Metrics: map[string]float64{
			MetricPassRate:          0.05,
			MetricRecallAtK:         0.05,
			MetricMRR:               0.05,
			MetricNDCG10:            0.05,
			MetricFactCoverage:      0.05,
			MetricTokenF1:           0.05,
			MetricRougeL:            0.05,
			MetricCitationPrecision: 0.1,
			MetricCitationRecall:    0.1,
			MetricGroundedness:      0.05,
			MetricDeclineCorrect:    0.05,
			MetricJudgeFaithfulness: 0.1,
			MetricJudgeRelevance:    0.1,
		},
		MinSliceCases: 5,
	}
}

// knownMetrics are the names a thresholds file may use.
var knownMetrics = []string{
	MetricPassRate, MetricRecallAtK, MetricMRR, MetricNDCG10, MetricFactCoverage,
	MetricTokenF1, MetricRougeL, MetricCitationPrecision, MetricCitationRecall,
	MetricGroundedness, MetricDeclineCorrect, MetricJudgeFaithfulness, MetricJudgeRelevance,
}

// LoadThresholds reads and validates the thresholds file at path; see
// [ParseThresholds].
func LoadThresholds(path string) (Thresholds, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Thresholds{}, fmt.Errorf("load thresholds: %w", err)
	}
	t, err := ParseThresholds(bytes.NewReader(data))
	if err != nil {
		return Thresholds{}, fmt.Errorf("load thresholds %s: %w", path, err)
	}
	return t, nil
}

// ParseThresholds decodes one JSON object strictly (unknown fields and
// trailing data are errors) and validates it with [Thresholds.Validate].
func ParseThresholds(r io.Reader) (Thresholds, error) {
	var t Thresholds
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Thresholds{}, fmt.Errorf("decode thresholds: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Thresholds{}, errors.New("decode thresholds: unexpected data after the object")
	}
	if err := t.Validate(); err != nil {
		return Thresholds{}, err
	}
	return t, nil
}

// Validate reports every threshold outside [0, 1], every metric name that
// is not a known metric (a typo would silently fall back to Default) and
// a negative min_slice_cases.
func (t Thresholds) Validate() error {
	var errs []error
	if t.Default < 0 || t.Default > 1 {
		errs = append(errs, fmt.Errorf("default: %v is outside [0, 1]", t.Default))
	}
	for _, name := range slices.Sorted(maps.Keys(t.Metrics)) {
		v := t.Metrics[name]
		switch {
		case !slices.Contains(knownMetrics, name):
			errs = append(errs, fmt.Errorf("metrics[%q]: unknown metric", name))
		case v < 0 || v > 1:
			errs = append(errs, fmt.Errorf("metrics[%q]: %v is outside [0, 1]", name, v))
		}
	}
	if t.MinSliceCases < 0 {
		errs = append(errs, fmt.Errorf("min_slice_cases: %d is negative", t.MinSliceCases))
	}
	return errors.Join(errs...)
}
