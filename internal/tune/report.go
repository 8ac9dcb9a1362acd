package tune

import (
	"fmt"
	"io"
)

// WriteText prints the result: the two settings, their figures with
// intervals, the paired gain and whether it was recorded.
func (r Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "golden cases: %d\n", r.Cases)
	fmt.Fprintf(w, "before: %s\n", r.Before)
	fmt.Fprintf(w, "after:  %s\n\n", r.After)
	fmt.Fprintf(w, "| setting | objective [95%% CI] | MRR@10 | hit@5 | handoff decisions right |\n| --- | --- | --- | --- | --- |\n")
	for _, row := range []struct {
		name string
		s    Scores
	}{{"before", r.BeforeScores}, {"after", r.AfterScores}} {
		u := row.s.Utility
		fmt.Fprintf(w, "| %s | %.3f [%.3f, %.3f] | %.3f | %.2f | %.2f |\n", row.name, u.Mean, u.CI.Lo, u.CI.Hi,
			row.s.MRR, row.s.HitAt5, row.s.DeclineAccuracy)
	}
	fmt.Fprintf(w, "\nheld-out gain (two-fold: each half scored by the setting chosen on the other), paired bootstrap over questions: %+.3f [%+.3f, %+.3f]\n",
		r.Delta.Mean, r.Delta.CI.Lo, r.Delta.CI.Hi)
	fmt.Fprintln(w, r.Reason)
}
