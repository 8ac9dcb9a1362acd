package bench

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// RatioRow is one row of the benchmark table that `make bench` prints: a
// figure of supportd and the figure of a bare baseline doing the same
// work, measured in the same run, with their ratio and the goal.
type RatioRow struct {
	// Name says what is measured, e.g. "/v1/chat cache hit, requests/s".
	Name string `json:"name"`
	// Unit of Ours and Bare: "requests/s", "ms p95", "MB", ...
	Unit string  `json:"unit"`
	Ours float64 `json:"ours"`
	// Baseline names the bare baseline, e.g. "bare Echo handler"; Bare is
	// its figure. A row without a baseline leaves Baseline empty.
	Baseline string  `json:"baseline,omitempty"`
	Bare     float64 `json:"bare,omitempty"`
	Goal     Goal    `json:"goal"`
	// Note says why a row misses and by how much, or what it measured.
	Note string `json:"note,omitempty"`
	// Load is the machine's 1-minute load average when the row was
	// measured (set by NewRatioRow).
	Load string `json:"load,omitempty"`
}

// Goal bounds either the ratio ours/bare or our figure itself.
type Goal struct {
	// OnRatio applies the bound to ours/bare; otherwise to ours.
	OnRatio bool `json:"on_ratio,omitempty"`
	// AtMost makes Bound an upper bound; otherwise a lower bound.
	AtMost bool    `json:"at_most,omitempty"`
	Bound  float64 `json:"bound,omitempty"`
}

// Goal constructors.
var (
	// RatioAtLeast is met when ours/bare ≥ x (throughput).
	RatioAtLeast = func(x float64) Goal { return Goal{OnRatio: true, Bound: x} }
	// RatioAtMost is met when ours/bare ≤ x (latency, time).
	RatioAtMost = func(x float64) Goal { return Goal{OnRatio: true, AtMost: true, Bound: x} }
	// AtMost is met when ours ≤ x whatever the baseline.
	AtMost = func(x float64) Goal { return Goal{AtMost: true, Bound: x} }
	// AtLeast is met when ours ≥ x whatever the baseline.
	AtLeast = func(x float64) Goal { return Goal{Bound: x} }
)

// NewRatioRow returns a row stamped with the current load average.
func NewRatioRow(name, unit string, ours float64, baseline string, bare float64, goal Goal) RatioRow {
	return RatioRow{Name: name, Unit: unit, Ours: ours, Baseline: baseline, Bare: bare, Goal: goal, Load: loadNow()}
}

// Ratio is ours/bare, NaN without a baseline figure.
func (r RatioRow) Ratio() float64 {
	if r.Baseline == "" || r.Bare == 0 {
		return math.NaN()
	}
	return r.Ours / r.Bare
}

// Met says whether the row reaches its goal; a row without a goal, or a
// ratio goal without a baseline, is not met.
func (r RatioRow) Met() bool {
	x := r.Ours
	if r.Goal.OnRatio {
		x = r.Ratio()
	}
	switch {
	case r.Goal.Bound == 0 || math.IsNaN(x):
		return false
	case r.Goal.AtMost:
		return x <= r.Goal.Bound
	default:
		return x >= r.Goal.Bound
	}
}

// String renders the goal as the table shows it, e.g. "≥ 0.5×" or "≤ 150 MB".
func (g Goal) String(unit string) string {
	if g.Bound == 0 {
		return "—"
	}
	op := "≥"
	if g.AtMost {
		op = "≤"
	}
	if g.OnRatio {
		return fmt.Sprintf("%s %s×", op, strconv.FormatFloat(g.Bound, 'f', -1, 64))
	}
	return fmt.Sprintf("%s %s %s", op, strconv.FormatFloat(g.Bound, 'f', -1, 64), unit)
}

// num prints a figure with as many decimals as its size needs.
func num(x float64) string {
	switch a := math.Abs(x); {
	case math.IsNaN(x):
		return "—"
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return fmt.Sprintf("%.1f", x)
	case a >= 1:
		return fmt.Sprintf("%.2f", x)
	default:
		return fmt.Sprintf("%.3f", x)
	}
}

// Machine describes the machine a table was measured on.
type Machine struct {
	NProc int
	CPU   string // model name from /proc/cpuinfo, "unknown" elsewhere
	Load  string // 1, 5 and 15-minute load averages
}

// ThisMachine reads the machine's description now.
func ThisMachine() Machine {
	m := Machine{NProc: runtime.NumCPU(), CPU: "unknown", Load: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.Load = strings.Join(f[:3], " / ")
		}
	}
	return m
}

// loadNow is the 1-minute load average, or "".
func loadNow() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return ""
}

// WriteRatioTable prints the one benchmark table: the machine and its
// load, then a row per measurement with our figure, the bare baseline's,
// the ratio, the goal and whether it is met, and the notes of the rows
// that have one.
func WriteRatioTable(w io.Writer, m Machine, rows []RatioRow) {
	fmt.Fprintf(w, "machine: %d CPUs (nproc), %s · load average (1/5/15 min) %s · %s %s/%s\n\n",
		m.NProc, m.CPU, m.Load, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	t := newTable("measured", "supportd", "bare baseline", "ratio", "goal", "met", "load")
	for _, r := range rows {
		bare := "—"
		if r.Baseline != "" {
			bare = fmt.Sprintf("%s %s (%s)", num(r.Bare), r.Unit, r.Baseline)
		}
		met := "no"
		if r.Met() {
			met = "yes"
		}
		t.add(r.Name, num(r.Ours)+" "+r.Unit, bare, num(r.Ratio()), r.Goal.String(r.Unit), met, cmp.Or(r.Load, "—"))
	}
	t.write(w)
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(w, "\n- %s: %s", r.Name, r.Note)
		}
	}
	fmt.Fprintln(w)
}

// AppendRatioRows adds rows to a JSON-lines file, creating it when absent,
// so that separate benchmark processes can build one table.
func AppendRatioRows(path string, rows []RatioRow) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open ratio rows: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("write ratio rows: %w", err)
		}
	}
	return f.Close()
}

// ReadRatioRows reads the rows AppendRatioRows wrote, in order.
func ReadRatioRows(path string) ([]RatioRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read ratio rows: %w", err)
	}
	defer f.Close()
	var rows []RatioRow
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var r RatioRow
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read ratio rows from %s: %w", path, err)
		}
		rows = append(rows, r)
	}
}

// RatioReporter is a report that contributes rows to the benchmark table.
type RatioReporter interface {
	RatioRows() []RatioRow
}
