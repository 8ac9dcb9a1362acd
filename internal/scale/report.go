package scale

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Check is one assertion of a run.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// Phase is the tally of one stretch of a run.
type Phase struct {
	Name  string
	Tally Tally
	// Stored and Lost are the phase's acknowledged turns found and not
	// found in the database.
	Stored, Lost int
}

// Report is what a run measured and checked.
type Report struct {
	Phases []Phase
	Checks []Check
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

func (r *Report) check(ok bool, name, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

// Print writes the accounting table and the checks.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tsent\tanswered\tdegraded\t429\t503+RA\tretried conn\tfailed\twrong\tturns acked\tlost\tanswers per replica\t")
	for _, p := range r.Phases {
		t := p.Tally
		per := make([]string, len(t.PerTarget))
		for i, n := range t.PerTarget {
			per[i] = fmt.Sprint(n)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", p.Name, t.Sent, t.Outcomes[Answered],
			t.Outcomes[Degraded], t.Outcomes[Limited], t.Outcomes[Unavailable], t.Retried, t.Outcomes[Failed], t.Outcomes[Wrong],
			len(t.Acked), p.Lost, strings.Join(per, "/"))
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, p := range r.Phases {
		modes := slices.Sorted(maps.Keys(p.Tally.Modes))
		for i, m := range modes {
			modes[i] = fmt.Sprintf("%s %d", m, p.Tally.Modes[m])
		}
		fmt.Fprintf(w, "%s: answers by mode: %s\n", p.Name, strings.Join(modes, ", "))
	}
	fmt.Fprintln(w)
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s: %s\n", mark, c.Name, c.Detail)
	}
	for _, p := range r.Phases {
		for _, f := range p.Tally.Failures {
			fmt.Fprintf(w, "  %s failure: %s\n", p.Name, f)
		}
	}
}
