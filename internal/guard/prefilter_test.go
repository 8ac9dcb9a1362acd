package guard

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// datasetsDir is the shared development sets, relative to this package.
const datasetsDir = "../../../shared/datasets"

// prefilterTexts are the guard's corpora, its messages and both
// development sets (each document whole and by paragraph, as ingestion
// screens them).
func prefilterTexts(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"testdata/injection", "testdata/train", "testdata/heldout", "testdata/leaks"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
		require.NoError(t, err)
		for _, f := range files {
			out = append(out, texts(loadCorpusFile(t, f))...)
		}
	}
	messages, err := filepath.Glob("testdata/messages/*.txt")
	require.NoError(t, err)
	for _, f := range messages {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	for _, f := range []string{"emanual-s10/s10_corpus.jsonl", "anthropic-docs/corpus.jsonl"} {
		for _, d := range datasetDocuments(t, filepath.Join(datasetsDir, f)) {
			out = append(out, d)
			out = append(out, strings.Split(d, "\n\n")...)
		}
	}
	return out
}

// datasetDocuments reads the text of each document of a shared
// development set, or none when the set is not beside the repository.
func datasetDocuments(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Logf("development set not found at %s (shared/datasets beside the repository): %v", path, err)
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var d struct {
			Text string `json:"text"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &d))
		out = append(out, d.Text)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

// TestPrefilterNeverSkipsAMatch holds the prefilter to what it claims:
// wherever a rule's regexp matches its view of a text, the rule is a
// candidate.
func TestPrefilterNeverSkipsAMatch(t *testing.T) {
	t.Parallel()
	skipped := 0
	for _, text := range sweep(prefilterTexts(t)) {
		v := makeViews(text)
		c := candidates{p: allRulesPrefilter, v: &v}
		for i := range allRules {
			r := &allRules[i]
			if !c.may(i, r.view) {
				skipped++
				require.False(t, r.re.MatchString(v.get(r.view)), "rule %s matches %q", r.id, text)
			}
		}
	}
	require.Positive(t, skipped) // a prefilter that never skips would pass too
}

// TestPrefilterKeepsVerdicts holds the Detector with the prefilter to the
// Detector without it: the same patterns fire on every text, so scores,
// signals and InstructionLike's verdicts are unchanged.
func TestPrefilterKeepsVerdicts(t *testing.T) {
	t.Parallel()
	with, without := NewDetectorWithModel(nil), &Detector{rules: allRules, maxDepth: 2}
	flagged := 0
	for _, text := range sweep(prefilterTexts(t)) {
		got, want := with.scan(text, 0), without.scan(text, 0)
		require.Equal(t, want, got, "%q", text)
		if InstructionLike(text) != nil {
			flagged++
		}
	}
	require.Positive(t, flagged)
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ pattern, want string }{
		{`ignore`, `"ignore"`},
		{`\bignore\s+(?:all|the)\b`, `("ignore" & ("all" | "the"))`},
		{`\b(?:new|old) rules\b`, `("new rules" | "old rules")`},
		{`(?:the )?rules`, `("rules" | "the rules")`},
		{`(?:a|the )?rules`, `("arules" | "rules" | "the rules")`},
		{`a.*`, `ALL`},
		{`foo\s+bar`, `("foo" & "bar")`},
		{`\bsay:\s*[,;]`, `"say:"`},
		{`(?:ab)+c`, `"ab"`}, // one byte is too short to index
		{`(?i)ignore`, `ALL`},
		{`ab|.`, `ALL`},
		{`你现在是`, `"你现在是"`},
	} {
		got := analyze(regexp.MustCompile(tc.pattern)).String()
		require.Equal(t, tc.want, got, tc.pattern)
	}
}

func TestSweepSamplesOnlyUnderTheRaceDetector(t *testing.T) {
	t.Parallel()
	xs := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	if raceDetector {
		require.Equal(t, []int{0, 8, 16}, sweep(xs))
	} else {
		require.Equal(t, xs, sweep(xs))
	}
}
