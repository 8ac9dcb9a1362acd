package guard

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The incremental leak checks give, after every chunk, the verdict the
// checks give on the whole answer so far, on the leak corpora and on
// long answers (clean ones joined, then a leak at the end) whose early
// words the stream has dropped.
func TestLeakScanJudgesLikeTheWholeAnswer(t *testing.T) {
	t.Parallel()
	f := newTestFilter(t)
	cases := append(loadLeaks(t, "tune.txt"), loadLeaks(t, "holdout.txt")...)
	var clean []string
	for _, c := range cases {
		if strings.HasPrefix(c.group, "clean") {
			clean = append(clean, c.answer)
		}
	}
	long := strings.Join(clean, " \n\n ")
	for _, c := range cases[:20] {
		cases = append(cases, leakCase{"long", c.question, long + " " + c.answer})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	blocked := 0
	for _, c := range sweep(cases) {
		var l leakScan
		sent := ""
		for rest := c.answer; rest != ""; {
			n := min(len(rest), 1+rng.IntN(12))
			sent, rest = sent+rest[:n], rest[n:]
			got := l.add(f, sent[len(sent)-n:])
			require.Equal(t, f.scanLeak(sent), got, "%s: %q", c.group, sent)
			if got != "" {
				blocked++
				break
			}
		}
	}
	require.Positive(t, blocked, "some cases leak")
	require.Greater(t, len(long), 4*selfTail, "the long answers outgrow what the stream keeps")
}

// A stream's leak state stays small however long the answer grows.
func TestLeakScanKeepsABoundedTail(t *testing.T) {
	t.Parallel()
	f := newTestFilter(t)
	var l leakScan
	for range 2000 {
		require.Empty(t, l.add(f, "The export button sits in Settings under Workspace. "))
	}
	require.LessOrEqual(t, len(l.stems), 2*restateWindow+restateWindow/4)
	require.LessOrEqual(t, len(l.low), 2*selfTail)
	require.Empty(t, l.rest)
}
