package guard

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadCorpus reads a file of testdata/injection (see parseCorpus).
func loadCorpus(t testing.TB, name string) []corpusLine {
	t.Helper()
	return loadCorpusFile(t, "testdata/injection/"+name)
}

// loadCorpusFile reads a file in the corpus format (see parseCorpus).
func loadCorpusFile(t testing.TB, path string) []corpusLine {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines, err := parseCorpus(string(data))
	require.NoError(t, err, path)
	return lines
}

func texts(lines []corpusLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}

// TestInjectionCorpus measures the Detector on the attack and benign
// corpora at DefaultThreshold and logs a table for README.
func TestInjectionCorpus(t *testing.T) {
	t.Parallel()
	attacks, benign := loadCorpus(t, "attacks.txt"), loadCorpus(t, "benign.txt")
	require.GreaterOrEqual(t, len(attacks), 110)
	require.GreaterOrEqual(t, len(benign), 110)

	d := NewDetector()
	report := func(kind string, lines []corpusLine, wantFlagged bool) {
		var order []string
		total, flagged := map[string]int{}, map[string]int{}
		for _, l := range lines {
			det := d.Score(l.text)
			hit := det.Score >= DefaultThreshold
			if _, ok := total[l.category]; !ok {
				order = append(order, l.category)
			}
			total[l.category]++
			if hit {
				flagged[l.category]++
			}
			if hit != wantFlagged {
				t.Logf("%s line %d (%s) scored %.2f %v: %q", kind, l.line, l.category, det.Score, det.Signals, l.text)
			}
		}
		for _, c := range order {
			t.Logf("| %s | %s | %d | %d | %.1f%% |", kind, c, total[c], flagged[c], 100*float64(flagged[c])/float64(total[c]))
		}
	}
	t.Logf("| corpus | category | examples | flagged | rate |")
	t.Logf("| --- | --- | ---: | ---: | ---: |")
	report("attacks", attacks, true)
	report("benign", benign, false)

	detection, falsePositive := CorpusReport(texts(attacks), texts(benign), DefaultThreshold)
	t.Logf("At DefaultThreshold %.2f: detection %.1f%% of %d attacks, false positives %.1f%% of %d benign questions.",
		DefaultThreshold, 100*detection, len(attacks), 100*falsePositive, len(benign))
	for _, th := range []float64{0.3, 0.4, 0.5, 0.6, 0.7} {
		d, fp := CorpusReport(texts(attacks), texts(benign), th)
		t.Logf("threshold %.1f: detection %.1f%%, false positives %.1f%%", th, 100*d, 100*fp)
	}
	// With the statistical layer (never trained on this corpus) detection
	// rose from 93.3% to 98.8% and false positives from 0.8% to 6.8%: the
	// benign half is hard negatives written to look like attacks (questions
	// about prompts, "ignore previous instructions I gave about delivery").
	// The model's operating point is chosen on its own hard negatives, see
	// TrainParams.TargetFPR; TestDetectorReport measures ordinary support
	// questions.
	require.GreaterOrEqual(t, detection, 0.95)
	require.LessOrEqual(t, falsePositive, 0.08)
}
